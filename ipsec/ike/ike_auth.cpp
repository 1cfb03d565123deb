// IKE_AUTH (RFC 7296 §1.2, §2.15, §2.19; ikev2-esp.md §2.2, §3.5):
//   I: SK{IDi, [CERT+], N(INITIAL_CONTACT), [CERTREQ], [IDr], AUTH, [CP(REQUEST)], SAi2, TSi, TSr}
//   R: SK{IDr, [CERT+], AUTH, [CP(REPLY)], SAr2, TSi, TSr}   or  SK{N(AUTHENTICATION_FAILED)}
// A child that cannot be made (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE,
// INTERNAL_ADDRESS_FAILURE, FAILED_CP_REQUIRED) fails alone: the IKE SA comes up
// without it, as with strongSwan.
#include <openssl/x509.h>

#include "ipsec/ike/auth_octets.hpp"
#include "ipsec/ike/auth_psk.hpp"
#include "ipsec/ike/auth_signature.hpp"
#include "ipsec/ike/cert_identity.hpp"
#include "ipsec/ike/cp_payload.hpp"
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/notify_payload.hpp"
#include "ipsec/ike/proposal_select.hpp"
#include "ipsec/ike/simple_payloads.hpp"
#include "ipsec/ike/ts_narrow.hpp"

namespace vpn::ike {

namespace {

std::optional<TsPayload> ts_of(const PayloadChain& c, PayloadType t) {
    const auto* v = c.find(t);
    if (!v) return std::nullopt;
    auto r = parse_ts(v->body);
    if (!r.ok()) return std::nullopt;
    return r.value;
}

}  // namespace

// Our AUTH payload body; `id_body` is our IDx'.
std::optional<std::vector<std::uint8_t>> IkeSa::our_auth(std::string& why) {
    const SaContext& c = *cur_;
    const bool initiator = c.we_initiated;
    auto id_body = cfg_.local_id.payload_body();
    SaInitTranscript t{init_->request, init_->response, init_->ni, init_->nr};
    auto octets = auth_signed_octets(*c.prf, c.keys, initiator ? AuthRole::Initiator : AuthRole::Responder, t, id_body);
    AuthData a;
    if (cfg_.psk) {
        // The secret shared with this peer: by its identity once known (responder),
        // else by the identity we expect, else by its address.
        Identity peer = peer_id_ ? *peer_id_
                        : cfg_.remote_id ? *cfg_.remote_id
                                         : address_identity(ep_.remote.ip.span()).value();
        const crypto::SecureBuffer* secret = cfg_.psk->find(peer);
        if (!secret) {
            why = "no pre-shared key for " + peer.str();
            return std::nullopt;
        }
        a.method = AuthMethod::SharedKey;
        auto mac = psk_auth_data(*c.prf, secret->span(), octets);
        a.data.assign(mac.span().begin(), mac.span().end());
    } else if (cfg_.cert && cfg_.cert->key) {
        auto scheme = choose_signature_scheme(cfg_.cert->key.get(), init_->peer_hashes);
        if (!scheme) {
            why = scheme.error();
            return std::nullopt;
        }
        auto s = sign_auth(*scheme, cfg_.cert->key.get(), octets);
        if (!s) {
            why = s.error();
            return std::nullopt;
        }
        a = s.take();
    } else {
        why = "no credentials configured";
        return std::nullopt;
    }
    auto body = a.payload_body();
    return body;
}

bool IkeSa::check_peer_auth(const PayloadChain& ch, std::string& why) {
    const SaContext& c = *cur_;
    const bool peer_is_initiator = !c.we_initiated;
    const PayloadView* idv = ch.find(peer_is_initiator ? PayloadType::IDi : PayloadType::IDr);
    const PayloadView* authv = ch.find(PayloadType::AUTH);
    if (!idv || !authv) {
        why = "ID or AUTH payload missing";
        return false;
    }
    auto id = parse_identity_payload(idv->body);
    if (!id) {
        why = "bad ID payload: " + id.error();
        return false;
    }
    if (cfg_.remote_id && !identity_matches(*cfg_.remote_id, *id)) {
        why = "peer identity " + id->str() + " is not the expected " + cfg_.remote_id->str();
        return false;
    }
    auto auth = parse_auth(authv->body);
    if (!auth.ok()) {
        why = "bad AUTH payload";
        return false;
    }
    SaInitTranscript t{init_->request, init_->response, init_->ni, init_->nr};
    auto octets = auth_signed_octets(*c.prf, c.keys, peer_is_initiator ? AuthRole::Initiator : AuthRole::Responder,
                                     t, idv->body);
    if (cfg_.psk) {
        if (auth.value.method != AuthMethod::SharedKey) {
            why = "peer used AUTH method " + std::to_string(int(auth.value.method)) + ", we use a PSK";
            return false;
        }
        const crypto::SecureBuffer* secret = cfg_.psk->find(*id);
        if (!secret) {
            why = "no pre-shared key for " + id->str();
            return false;
        }
        if (!psk_auth_verify(*c.prf, secret->span(), octets, auth.value.data)) {
            why = "PSK AUTH of " + id->str() + " does not verify";
            return false;
        }
    } else if (cfg_.cert && cfg_.cert->trust) {
        auto certs = all_of_type(ch, PayloadType::CERT);
        if (certs.empty()) {
            why = "peer sent no certificate";
            return false;
        }
        std::vector<pki::X509Ptr> parsed;
        for (const auto* v : certs) {
            auto cp = parse_cert(v->body);
            if (!cp.ok() || cp.value.encoding != CertEncoding::X509Signature) continue;
            auto x = parse_certificate_der(cp.value.data);
            if (!x) {
                why = "bad CERT payload: " + x.error();
                return false;
            }
            parsed.push_back(x.take());
        }
        if (parsed.empty()) {
            why = "peer sent no X.509 certificate";
            return false;
        }
        std::vector<X509*> chain;
        for (std::size_t i = 1; i < parsed.size(); ++i) chain.push_back(parsed[i].get());
        auto v = verify_peer_certificate(*cfg_.cert->trust, parsed[0].get(), chain, cfg_.cert->verify_time);
        if (!v) {
            why = "peer certificate: " + v.reason;
            return false;
        }
        if (auto m = check_identity_in_certificate(*id, parsed[0].get()); !m) {
            why = m.reason;
            return false;
        }
        auto ok = verify_auth(auth.value.method, auth.value.data, octets, X509_get0_pubkey(parsed[0].get()));
        if (!ok) {
            why = "signature AUTH of " + id->str() + ": " + ok.error();
            return false;
        }
    } else {
        why = "no credentials configured";
        return false;
    }
    peer_id_ = id.take();
    return true;
}

void IkeSa::send_auth(std::int64_t now) {
    InitData& d = *init_;
    d.child_spi = new_inbound_spi();
    std::uint8_t spi[4];
    store_be32(spi, d.child_spi);
    d.child_offer = make_offer(cfg_.esp_proposals, OfferKind::ChildAuth, Bytes(spi, 4));
    if (cfg_.virtual_ip == VirtualIp::Client) {
        // RFC 7296 §2.19 / pitfall 17: any address on our side, the gateway narrows.
        d.tsi = {ts_any_v4()};
        d.tsr = cfg_.remote_ts.empty() ? std::vector<TrafficSelector>{ts_any_v4()} : cfg_.remote_ts;
    } else {
        d.tsi = cfg_.local_ts;
        d.tsr = cfg_.remote_ts;
    }
    std::string why;
    auto auth = our_auth(why);
    if (!auth) return fail("cannot build our AUTH: " + why);

    std::vector<std::uint8_t> buf(32768);
    ChainBuilder b(buf);
    auto id_body = cfg_.local_id.payload_body();
    b.add(PayloadType::IDi, id_body);
    if (cfg_.cert) {
        auto der = certificate_der(cfg_.cert->cert.get());
        b.add_payload(PayloadType::CERT, CertPayload{CertEncoding::X509Signature, der});
        for (const auto& x : cfg_.cert->intermediates) {
            auto ider = certificate_der(x.get());
            b.add_payload(PayloadType::CERT, CertPayload{CertEncoding::X509Signature, ider});
        }
    }
    add_notify(b, notify::kInitialContact);
    if (cfg_.cert && cfg_.cert->trust) {
        auto hashes = certreq_data(cfg_.cert->trust->cas());
        b.add_payload(PayloadType::CERTREQ, CertPayload{CertEncoding::X509Signature, hashes});
    }
    if (cfg_.remote_id) {
        auto idr = cfg_.remote_id->payload_body();
        b.add(PayloadType::IDr, idr);
    }
    b.add(PayloadType::AUTH, *auth);
    if (cfg_.virtual_ip == VirtualIp::Client) {
        CpPayload cp;
        cp.type = CfgType::Request;
        cp.attributes = {{cfg_attr::kInternalIp4Address, {}}, {cfg_attr::kInternalIp4Dns, {}}};
        b.add_payload(PayloadType::CP, cp);
    }
    b.add_payload(PayloadType::SA, d.child_offer);
    b.add_payload(PayloadType::TSi, TsPayload{d.tsi, 0});
    b.add_payload(PayloadType::TSr, TsPayload{d.tsr, 0});
    if (!b.ok()) return fail("IKE_AUTH request does not fit");
    Outstanding o;
    o.kind = Outstanding::Kind::Auth;
    send_request(*cur_, ExchangeType::IkeAuth, b, std::move(o), now);
    state_ = IkeSaState::AuthSent;
}

void IkeSa::on_auth_request(Inbound& in) {
    const PayloadChain& ch = in.chain;
    const IkeHeader& h = in.h();
    std::string why;
    if (!check_peer_auth(ch, why)) {
        send_error_response(*cur_, ExchangeType::IkeAuth, h.message_id, notify::kAuthenticationFailed, in.ep);
        return fail("authentication of the peer failed: " + why, true);
    }
    auto auth = our_auth(why);
    if (!auth) {
        send_error_response(*cur_, ExchangeType::IkeAuth, h.message_id, notify::kAuthenticationFailed, in.ep);
        return fail("cannot build our AUTH: " + why);
    }

    // The first child (and the virtual IP it may need).
    std::uint16_t child_error = 0;
    std::optional<Proposal> chosen;
    std::uint32_t spi_out = 0, spi_in = 0;
    std::vector<TrafficSelector> tsi, tsr;
    std::optional<CpPayload> cp_req;
    if (const auto* v = ch.find(PayloadType::CP)) {
        auto cp = parse_cp(v->body);
        if (cp.ok() && cp.value.type == CfgType::Request) cp_req = cp.value;
    }
    const auto* sav = ch.find(PayloadType::SA);
    auto their_tsi = ts_of(ch, PayloadType::TSi);
    auto their_tsr = ts_of(ch, PayloadType::TSr);
    if (!sav || !their_tsi || !their_tsr) {
        child_error = notify::kInvalidSyntax;  // childless: strongSwan always sends them
    } else if (cfg_.virtual_ip == VirtualIp::Gateway) {
        if (!cp_req || !cp_req->find(cfg_attr::kInternalIp4Address)) {
            child_error = notify::kFailedCpRequired;
        } else if (!vip_) {
            if (cfg_.allocator) vip_ = cfg_.allocator->acquire(*peer_id_);
            if (!vip_) child_error = notify::kInternalAddressFailure;
            else dns_ = cfg_.dns;
        }
    }
    if (!child_error) {
        auto theirs = parse_sa(sav->body);
        SaPayload ours = make_offer(cfg_.esp_proposals, OfferKind::ChildAuth, {});
        if (theirs.ok()) chosen = select_proposal(ours, theirs.value, true);
        if (!chosen) {
            child_error = notify::kNoProposalChosen;
        } else {
            for (const auto& p : theirs.value.proposals)
                if (p.number == chosen->number) spi_out = p.spi32();
            if (spi_out < 256) child_error = notify::kNoProposalChosen;
        }
    }
    if (!child_error) {
        tsi = narrow(their_tsi->selectors, allowed_remote_ts());
        tsr = narrow(their_tsr->selectors, cfg_.local_ts.empty() ? std::vector{ts_any_v4()} : cfg_.local_ts);
        if (tsi.empty() || tsr.empty()) child_error = notify::kTsUnacceptable;
    }

    std::vector<std::uint8_t> buf(32768);
    ChainBuilder b(buf);
    auto id_body = cfg_.local_id.payload_body();
    b.add(PayloadType::IDr, id_body);
    if (cfg_.cert) {
        auto der = certificate_der(cfg_.cert->cert.get());
        b.add_payload(PayloadType::CERT, CertPayload{CertEncoding::X509Signature, der});
        for (const auto& x : cfg_.cert->intermediates) {
            auto ider = certificate_der(x.get());
            b.add_payload(PayloadType::CERT, CertPayload{CertEncoding::X509Signature, ider});
        }
    }
    b.add(PayloadType::AUTH, *auth);
    if (vip_ && cp_req) {
        CpPayload cp;
        cp.type = CfgType::Reply;
        cp.attributes.push_back({cfg_attr::kInternalIp4Address, vip_->span()});
        // strongSwan hands out DNS whether or not it was asked for.
        for (const auto& d : dns_)
            if (d.len == 4) cp.attributes.push_back({cfg_attr::kInternalIp4Dns, d.span()});
        b.add_payload(PayloadType::CP, cp);
    }
    if (child_error) {
        add_notify(b, child_error);
    } else {
        spi_in = new_inbound_spi();
        Proposal answer = *chosen;
        answer.set_spi32(spi_in);
        b.add_payload(PayloadType::SA, SaPayload{{answer}});
        b.add_payload(PayloadType::TSi, TsPayload{tsi, 0});
        b.add_payload(PayloadType::TSr, TsPayload{tsr, 0});
    }
    if (!b.ok()) return fail("IKE_AUTH response does not fit");
    send_response(*cur_, ExchangeType::IkeAuth, h.message_id, b, in.ep);
    established(in.now);
    if (child_error) {
        emit(ChildSaFailed{child_error, std::string("first child: ") + notify_name(child_error)});
        return;
    }
    if (!install_child(*chosen, spi_in, spi_out, false, {}, init_->ni, init_->nr, tsr, tsi, std::nullopt, in.now))
        emit(ChildSaFailed{notify::kNoProposalChosen, "first child: key derivation failed"});
}

void IkeSa::on_auth_response(Inbound& in) {
    const PayloadChain& ch = in.chain;
    if (!ch.find(PayloadType::AUTH)) {
        auto e = first_error_notify(ch);
        return fail(std::string("IKE_AUTH refused by the peer: ") + (e ? notify_name(e->type) : "no AUTH payload"),
                    e && e->type == notify::kAuthenticationFailed);
    }
    std::string why;
    if (!check_peer_auth(ch, why)) return fail("authentication of the peer failed: " + why, true);
    if (const auto* v = ch.find(PayloadType::CP)) {
        auto cp = parse_cp(v->body);
        if (cp.ok() && cp.value.type == CfgType::Reply)
            for (const auto& a : cp.value.attributes) {
                if (a.type == cfg_attr::kInternalIp4Address && a.value.size() == 4 && !vip_)
                    vip_ = IpAddress::from_bytes(a.value);
                if (a.type == cfg_attr::kInternalIp4Dns && a.value.size() == 4) dns_.push_back(*IpAddress::from_bytes(a.value));
            }
    }
    established(in.now);
    InitData& d = *init_;
    if (auto e = first_error_notify(ch)) {
        emit(ChildSaFailed{e->type, std::string("first child refused: ") + notify_name(e->type)});
        return;
    }
    const auto* sav = ch.find(PayloadType::SA);
    auto tsi = ts_of(ch, PayloadType::TSi);
    auto tsr = ts_of(ch, PayloadType::TSr);
    std::optional<Proposal> chosen;
    if (sav) {
        auto sa = parse_sa(sav->body);
        if (sa.ok()) chosen = check_answer(d.child_offer, sa.value, true);
    }
    if (!chosen || chosen->spi32() < 256) {
        emit(ChildSaFailed{notify::kNoProposalChosen, "first child: the responder chose a proposal we did not offer"});
        return;
    }
    if (!tsi || !tsr || !covered(tsi->selectors, d.tsi) || !covered(tsr->selectors, d.tsr)) {
        emit(ChildSaFailed{notify::kTsUnacceptable, "first child: traffic selectors outside our proposal"});
        return;
    }
    if (!install_child(*chosen, d.child_spi, chosen->spi32(), true, {}, d.ni, d.nr, tsi->selectors, tsr->selectors,
                       std::nullopt, in.now))
        emit(ChildSaFailed{notify::kNoProposalChosen, "first child: key derivation failed"});
}

void IkeSa::established(std::int64_t now) {
    state_ = IkeSaState::Established;
    last_inbound_ = now;
    emit(IkeUp{*peer_id_, vip_, dns_});
}

}  // namespace vpn::ike
