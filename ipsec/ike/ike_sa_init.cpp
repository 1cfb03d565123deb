// IKE_SA_INIT (RFC 7296 §1.2, §2.6, §2.10, §2.23; ikev2-esp.md §2.1, §4):
//   I: HDR, [N(COOKIE)], SAi1, KEi, Ni, N(NAT_DETECTION_*), N(FRAGMENTATION_SUPPORTED),
//      N(SIGNATURE_HASH_ALGORITHMS)
//   R: HDR, SAr1, KEr, Nr, [CERTREQ], N(NAT_DETECTION_*), N(FRAGMENTATION_SUPPORTED),
//      N(SIGNATURE_HASH_ALGORITHMS)
// The initiator answers N(COOKIE) and N(INVALID_KE_PAYLOAD) by sending the request
// again (same SPIi, Message ID 0); the last request sent is RealMessage1 for AUTH.
#include <algorithm>

#include "ipsec/ike/cert_identity.hpp"
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/nat_detection.hpp"
#include "ipsec/ike/notify_payload.hpp"
#include "ipsec/ike/proposal_select.hpp"
#include "ipsec/ike/signature_scheme.hpp"
#include "ipsec/ike/simple_payloads.hpp"

namespace vpn::ike {

namespace {

constexpr std::size_t kNonceLen = 32;  // as strongSwan; >= half of any PRF key (§2.10)
constexpr int kMaxSaInitRetries = 5;   // COOKIE / INVALID_KE_PAYLOAD round trips

struct SaInitPayloads {
    std::optional<SaPayload> sa;
    std::optional<KePayload> ke;
    std::optional<NoncePayload> nonce;
};

// The three payloads IKE_SA_INIT must carry; nullopt members if absent, malformed
// payloads make the whole message malformed.
std::optional<SaInitPayloads> parse_sa_init(const PayloadChain& c) {
    SaInitPayloads p;
    if (const auto* v = c.find(PayloadType::SA)) {
        auto r = parse_sa(v->body);
        if (!r.ok()) return std::nullopt;
        p.sa = std::move(r.value);
    }
    if (const auto* v = c.find(PayloadType::KE)) {
        auto r = parse_ke(v->body);
        if (!r.ok()) return std::nullopt;
        p.ke = r.value;
    }
    if (const auto* v = c.find(PayloadType::Nonce)) {
        auto r = parse_nonce(v->body);
        if (!r.ok()) return std::nullopt;
        p.nonce = r.value;
    }
    return p;
}

}  // namespace

void IkeSa::start(std::int64_t now) {
    if (cfg_.role != IkeRole::Initiator || state_ != IkeSaState::Idle) return;
    try {
        created_ = last_inbound_ = now;
        send_sa_init(now);
    } catch (...) {
        fail("internal error starting IKE_SA_INIT");
    }
}

void IkeSa::add_nat_detection(ChainBuilder& b, const IkeSpi& spi_i, const IkeSpi& spi_r) {
    if (cfg_.nat == NatTraversal::No) return;
    auto src = nat_detection_hash(spi_i, spi_r, ep_.local.ip.span(), ep_.local.port);
    auto dst = nat_detection_hash(spi_i, spi_r, ep_.remote.ip.span(), ep_.remote.port);
    if (!src || !dst) return;
    // With nat-traversal force we claim a NAT of our own, exactly like strongSwan's
    // encap=yes: a source hash over nothing real.
    if (cfg_.nat == NatTraversal::Force) rng_->bytes(*src);
    add_notify(b, notify::kNatDetectionSourceIp, *src);
    add_notify(b, notify::kNatDetectionDestinationIp, *dst);
}

bool IkeSa::nat_seen(const PayloadChain& c, const IkeSpi& spi_i, const IkeSpi& spi_r, const Endpoints& ep) {
    if (cfg_.nat == NatTraversal::No) return false;
    bool any = false, src_match = false, dst_match = true;
    auto src = nat_detection_hash(spi_i, spi_r, ep.remote.ip.span(), ep.remote.port);
    auto dst = nat_detection_hash(spi_i, spi_r, ep.local.ip.span(), ep.local.port);
    for (const auto* p : all_of_type(c, PayloadType::Notify)) {
        auto n = parse_notify(p->body);
        if (!n.ok()) continue;
        if (n.value.type == notify::kNatDetectionSourceIp) {
            any = true;
            if (src && nat_detection_matches(n.value.data, *src)) src_match = true;
        } else if (n.value.type == notify::kNatDetectionDestinationIp) {
            any = true;
            if (!dst || !nat_detection_matches(n.value.data, *dst)) dst_match = false;
        }
    }
    // No NAT-D from the peer: it does not do NAT-T, so neither can we.  strongSwan
    // fakes its source hash, so "peer behind NAT" is the normal answer from it.
    if (!any) return false;
    return cfg_.nat == NatTraversal::Force || !src_match || !dst_match;
}

void IkeSa::send_sa_init(std::int64_t now) {
    InitData& d = *init_;
    if (d.offer.proposals.empty()) d.offer = make_offer(cfg_.ike_proposals, OfferKind::IkeSaInit, {});
    if (!d.ke) {
        auto ke = kex_(first_dh_group(d.offer));
        if (!ke) return fail("no usable DH group in ike-proposals: " + ke.error());
        d.ke = ke.take();
    }
    if (d.ni.empty()) {
        d.ni.resize(kNonceLen);
        rng_->nonce(d.ni);
    }
    IkeHeader h;
    h.spi_i = cur_->spi_i;
    h.exchange = ExchangeType::IkeSaInit;
    h.flags = flag::kInitiator;
    std::vector<std::uint8_t> buf(4096);
    MessageBuilder b(buf, h);
    if (!d.cookie.empty()) add_notify(b, notify::kCookie, d.cookie);  // first payload (§2.6)
    b.add_payload(PayloadType::SA, d.offer);
    b.add_payload(PayloadType::KE, KePayload{d.ke->group(), d.ke->public_value()});
    b.add_payload(PayloadType::Nonce, NoncePayload{d.ni});
    add_nat_detection(b, cur_->spi_i, IkeSpi{});
    if (cfg_.fragment_size) add_notify(b, notify::kFragmentationSupported);
    auto hashes = signature_hash_algorithms_data();
    add_notify(b, notify::kSignatureHashAlgorithms, hashes);
    std::size_t n = b.finish();
    if (!n) return fail("IKE_SA_INIT request does not fit");
    buf.resize(n);
    d.request = buf;

    Outstanding o;
    o.kind = Outstanding::Kind::SaInit;
    o.exchange = ExchangeType::IkeSaInit;
    o.mid = 0;
    o.wire = {buf};
    o.sends = 1;
    o.started_at = now;
    o.next_at = now + cfg_.retransmit.timeout_ms;
    send_wire(o.wire, ep_.remote, ep_.local);
    cur_->outstanding = std::move(o);
    cur_->next_mid = 1;
    state_ = IkeSaState::SaInitSent;
}

void IkeSa::on_sa_init(const MessageView& m, const Endpoints& ep, std::int64_t now) {
    const IkeHeader& h = m.header;
    if (h.message_id != 0 || m.encrypted()) return drop(DropReason::Malformed);
    if (h.is_response()) {
        if (cfg_.role != IkeRole::Initiator || state_ != IkeSaState::SaInitSent || h.spi_i != cur_->spi_i)
            return drop(DropReason::Unexpected);
        return on_sa_init_response(m, ep, now);
    }
    if (cfg_.role != IkeRole::Responder) return drop(DropReason::Unexpected);
    if (state_ == IkeSaState::Idle) return on_sa_init_request(m, ep, now);
    // A retransmitted IKE_SA_INIT: the same response again, never a new SA.
    if (h.spi_i == cur_->spi_i && !init_->request.empty() &&
        std::equal(m.raw.begin(), m.raw.end(), init_->request.begin(), init_->request.end())) {
        ++stats_.duplicates_answered;
        return send_wire({init_->response}, ep.remote, ep.local);
    }
    drop(DropReason::Unexpected);
}

bool IkeSa::derive_ike_keys(Bytes shared, std::int64_t now) {
    SaContext& c = *cur_;
    auto keys = derive_ike_sa_keys(c.transforms, shared, init_->ni, init_->nr, c.spi_i, c.spi_r);
    if (!keys) return false;
    c.keys = keys.take();
    c.prf = Prf::from_id(c.transforms.prf);
    const bool i = c.we_initiated;
    auto alg = sk_algorithms(c.transforms);
    auto out = SkCipher::create(alg, i ? c.keys.sk_ei.span() : c.keys.sk_er.span(),
                                i ? c.keys.sk_ai.span() : c.keys.sk_ar.span());
    auto in = SkCipher::create(alg, i ? c.keys.sk_er.span() : c.keys.sk_ei.span(),
                               i ? c.keys.sk_ar.span() : c.keys.sk_ai.span());
    if (!out.ok() || !in.ok() || !c.prf) return false;
    c.out = std::move(out.value);
    c.in = std::move(in.value);
    c.keyed = true;
    ike_rekey_at_ = jittered(cfg_.ike_lifetime_ms, now);
    return true;
}

void IkeSa::on_sa_init_request(const MessageView& m, const Endpoints& ep, std::int64_t now) {
    const IkeHeader& h = m.header;
    if (h.spi_r != IkeSpi{}) return drop(DropReason::Malformed);
    auto p = parse_sa_init(m.chain);
    if (!p || !p->sa || !p->ke || !p->nonce) {
        drop(DropReason::Malformed);
        state_ = IkeSaState::Closed;  // nothing to keep: the front door discards us
        return;
    }
    ep_ = ep;
    cur_->spi_i = h.spi_i;
    IkeHeader rh;
    rh.spi_i = h.spi_i;
    rh.exchange = ExchangeType::IkeSaInit;
    rh.flags = flag::kResponse;
    auto refuse = [&](std::uint16_t type, Bytes data, const std::string& why) {
        // Error responses to IKE_SA_INIT carry SPIr = 0 and nothing else (§2.6, §1.2).
        std::vector<std::uint8_t> buf(64);
        MessageBuilder b(buf, rh);
        add_notify(b, type, data);
        buf.resize(b.finish());
        send_wire({buf}, ep.remote, ep.local);
        if (why.empty()) return;  // INVALID_KE_PAYLOAD: stay Idle for the retry
        state_ = IkeSaState::Closed;
        emit(IkeDown{why});
    };

    SaPayload ours = make_offer(cfg_.ike_proposals, OfferKind::IkeSaInit, {});
    auto chosen = select_proposal(ours, *p->sa, false, p->ke->group);
    if (!chosen) return refuse(notify::kNoProposalChosen, {}, "IKE_SA_INIT: no acceptable proposal");
    TransformSet ts = transform_set(*chosen);
    if (ts.dh != p->ke->group) {
        std::uint8_t g[2];
        store_be16(g, ts.dh);
        // Nothing is kept: this object (or a front door's new one) takes the retry.
        return refuse(notify::kInvalidKePayload, Bytes(g, 2), {});
    }
    auto ke = kex_(ts.dh);
    if (!ke) return refuse(notify::kNoProposalChosen, {}, "DH group unavailable: " + ke.error());
    auto shared = (*ke)->shared_secret(p->ke->data);
    if (!shared) return refuse(notify::kInvalidSyntax, {}, "bad KE payload: " + shared.error());

    InitData& d = *init_;
    d.ke = ke.take();
    d.ni.assign(p->nonce->data.begin(), p->nonce->data.end());
    d.nr.resize(kNonceLen);
    rng_->nonce(d.nr);
    cur_->spi_r = rng_->ike_spi();
    cur_->transforms = ts;
    rh.spi_r = cur_->spi_r;
    d.request.assign(m.raw.begin(), m.raw.end());
    if (auto n = find_notify(m.chain, notify::kSignatureHashAlgorithms))
        d.peer_hashes = parse_signature_hash_algorithms(n->data);
    const bool peer_frag = find_notify(m.chain, notify::kFragmentationSupported).has_value();
    frag_ = peer_frag && cfg_.fragment_size;
    natt_ = nat_seen(m.chain, h.spi_i, IkeSpi{}, ep);

    Proposal answer = *chosen;
    answer.spi_size = 0;
    std::vector<std::uint8_t> buf(4096);
    MessageBuilder b(buf, rh);
    b.add_payload(PayloadType::SA, SaPayload{{answer}});
    b.add_payload(PayloadType::KE, KePayload{d.ke->group(), d.ke->public_value()});
    b.add_payload(PayloadType::Nonce, NoncePayload{d.nr});
    if (cfg_.cert && cfg_.cert->trust) {
        auto hashes = certreq_data(cfg_.cert->trust->cas());
        b.add_payload(PayloadType::CERTREQ, CertPayload{CertEncoding::X509Signature, hashes});
    }
    add_nat_detection(b, rh.spi_i, rh.spi_r);
    if (frag_) add_notify(b, notify::kFragmentationSupported);
    if (d.peer_hashes) {
        auto hashes = signature_hash_algorithms_data();
        add_notify(b, notify::kSignatureHashAlgorithms, hashes);
    }
    std::size_t n = b.finish();
    if (!n) return refuse(notify::kNoProposalChosen, {}, "IKE_SA_INIT response does not fit");
    buf.resize(n);
    d.response = buf;
    if (!derive_ike_keys(shared->span(), now)) return refuse(notify::kNoProposalChosen, {}, "key derivation failed");
    cur_->peer_mid = 1;
    created_ = now;
    state_ = IkeSaState::HalfOpen;
    send_wire({buf}, ep.remote, ep.local);
}

void IkeSa::on_sa_init_response(const MessageView& m, const Endpoints& ep, std::int64_t now) {
    InitData& d = *init_;
    auto p = parse_sa_init(m.chain);
    if (!p) return drop(DropReason::Malformed);
    if (!p->sa) {
        // Notify-only answers (§2.6, §1.2).  They are unauthenticated: only the two
        // defined corrections are acted upon at once, within a retry budget.
        if (auto c = find_notify(m.chain, notify::kCookie)) {
            if (c->data.empty() || c->data.size() > 64 || d.retries >= kMaxSaInitRetries)
                return drop(DropReason::Unexpected);
            ++d.retries;
            d.cookie.assign(c->data.begin(), c->data.end());
            return send_sa_init(now);
        }
        if (auto k = find_notify(m.chain, notify::kInvalidKePayload)) {
            if (k->data.size() != 2 || d.retries >= kMaxSaInitRetries) return drop(DropReason::Unexpected);
            std::uint16_t group = load_be16(k->data.data());
            if (!offers_dh_group(d.offer, group) || (d.ke && group == d.ke->group()))
                return fail("peer wants DH group " + std::to_string(group) + ", which we do not offer");
            auto ke = kex_(group);
            if (!ke) return fail("DH group " + std::to_string(group) + ": " + ke.error());
            ++d.retries;
            d.ke = ke.take();
            return send_sa_init(now);
        }
        if (auto e = first_error_notify(m.chain)) return fail(std::string("IKE_SA_INIT refused: ") + notify_name(e->type));
        return drop(DropReason::Malformed);
    }
    if (!p->ke || !p->nonce || m.header.spi_r == IkeSpi{}) return drop(DropReason::Malformed);
    auto chosen = check_answer(d.offer, *p->sa);
    if (!chosen) return fail("IKE_SA_INIT: the responder chose a proposal we did not offer");
    TransformSet ts = transform_set(*chosen);
    if (ts.dh != p->ke->group || ts.dh != d.ke->group()) return fail("IKE_SA_INIT: KE group does not match the proposal");
    auto shared = d.ke->shared_secret(p->ke->data);
    if (!shared) return fail("IKE_SA_INIT: bad KE payload: " + shared.error());

    cur_->outstanding.reset();
    cur_->spi_r = m.header.spi_r;
    cur_->transforms = ts;
    d.nr.assign(p->nonce->data.begin(), p->nonce->data.end());
    d.response.assign(m.raw.begin(), m.raw.end());
    if (auto n = find_notify(m.chain, notify::kSignatureHashAlgorithms))
        d.peer_hashes = parse_signature_hash_algorithms(n->data);
    d.peer_certreq = m.chain.find(PayloadType::CERTREQ) != nullptr;
    frag_ = cfg_.fragment_size && find_notify(m.chain, notify::kFragmentationSupported).has_value();
    natt_ = nat_seen(m.chain, cur_->spi_i, cur_->spi_r, ep);
    if (!derive_ike_keys(shared->span(), now)) return fail("IKE SA key derivation failed");
    last_inbound_ = now;
    if (natt_ && ep_.local.port != kPortNatT) {
        // Float: IKE_AUTH and everything after go to 4500 with the non-ESP marker.
        ep_.local.port = kPortNatT;
        if (ep_.remote.port == kPortIke) ep_.remote.port = kPortNatT;
        emit(NatChanged{true, ep_.remote, ep_.local});
    }
    send_auth(now);
}

}  // namespace vpn::ike
