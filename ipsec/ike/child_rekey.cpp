// CREATE_CHILD_SA for child SAs (RFC 7296 §1.3.1, §1.3.3, §2.8; ikev2-esp.md §2.3):
//   I: SK{[N(REKEY_SA, ESP, old inbound SPI of I)], SA, Ni, [KEi], TSi, TSr}
//   R: SK{SA, Nr, [KEr], TSi, TSr}
// The new child comes up first (ChildSaUp with replaces_inbound_spi), then the
// rekey initiator deletes the old one; the runtime keeps the old inbound SA until
// that ChildSaDown, so no packet in flight is lost.  A rekey request for a child we
// are rekeying or deleting ourselves gets TEMPORARY_FAILURE (§2.25; both sides then
// retry after a random delay instead of running the §2.8.1 nonce comparison).
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/notify_payload.hpp"
#include "ipsec/ike/proposal_select.hpp"
#include "ipsec/ike/simple_payloads.hpp"
#include "ipsec/ike/ts_narrow.hpp"

namespace vpn::ike {

namespace {

constexpr std::size_t kNonceLen = 32;
constexpr std::int64_t kRetryMinMs = 2000, kRetrySpanMs = 8000;

std::optional<TsPayload> ts_in(const PayloadChain& c, PayloadType t) {
    const auto* v = c.find(t);
    if (!v) return std::nullopt;
    auto r = parse_ts(v->body);
    if (!r.ok()) return std::nullopt;
    return r.value;
}

}  // namespace

void IkeSa::start_child_rekey(std::uint32_t spi_in, std::int64_t now) {
    Child* c = child_by_in(spi_in);
    if (!c || c->state == Child::State::Deleting || c->state == Child::State::Rekeyed) return;
    c->state = Child::State::Rekeying;
    Outstanding o;
    o.kind = Outstanding::Kind::ChildRekey;
    o.old_spi_in = spi_in;
    o.new_spi_in = new_inbound_spi();
    o.nonce.resize(kNonceLen);
    rng_->nonce(o.nonce);
    std::uint8_t spi[4];
    store_be32(spi, o.new_spi_in);
    o.offer = make_offer(cfg_.esp_proposals, OfferKind::ChildCreate, Bytes(spi, 4));
    // PFS with the group the child uses, else the first our proposals name.
    std::uint16_t group = c->transforms.dh ? c->transforms.dh : first_dh_group(o.offer);
    if (group) {
        auto ke = kex_(group);
        if (ke) o.ke = ke.take();
    }
    o.tsi = c->local_ts;
    o.tsr = c->remote_ts;

    std::vector<std::uint8_t> buf(8192);
    ChainBuilder b(buf);
    add_notify(b, notify::kRekeySa, {}, ProtocolId::Esp, spi_in);
    b.add_payload(PayloadType::SA, o.offer);
    b.add_payload(PayloadType::Nonce, NoncePayload{o.nonce});
    if (o.ke) b.add_payload(PayloadType::KE, KePayload{o.ke->group(), o.ke->public_value()});
    b.add_payload(PayloadType::TSi, TsPayload{o.tsi, 0});
    b.add_payload(PayloadType::TSr, TsPayload{o.tsr, 0});
    send_request(*cur_, ExchangeType::CreateChildSa, b, std::move(o), now);
}

void IkeSa::on_child_rekey_response(Inbound& in, Outstanding& o) {
    const PayloadChain& ch = in.chain;
    const std::int64_t now = in.now;
    auto retry_later = [&](const std::string&) {
        if (Child* c = child_by_in(o.old_spi_in); c && c->state == Child::State::Rekeying) {
            c->state = Child::State::Installed;
            c->rekey_at = now + kRetryMinMs + static_cast<std::int64_t>(rng_->below(kRetrySpanMs));
        }
    };
    if (auto e = first_error_notify(ch)) {
        if (e->type == notify::kInvalidKePayload && e->data.size() == 2 && o.ke_retries < 2) {
            std::uint16_t group = load_be16(e->data.data());
            if (offers_dh_group(o.offer, group)) {
                // Rebuild the request with the group asked for (same SPI and nonce).
                if (Child* c = child_by_in(o.old_spi_in)) {
                    c->transforms.dh = group;
                    c->state = Child::State::Installed;
                    start_child_rekey(o.old_spi_in, now);
                    if (cur_->outstanding) cur_->outstanding->ke_retries = o.ke_retries + 1;
                    return;
                }
            }
        }
        if (e->type == notify::kChildSaNotFound) return remove_child(o.old_spi_in, "peer does not know the child");
        return retry_later(notify_name(e->type));
    }
    const auto* sav = ch.find(PayloadType::SA);
    const auto* nv = ch.find(PayloadType::Nonce);
    auto tsi = ts_in(ch, PayloadType::TSi);
    auto tsr = ts_in(ch, PayloadType::TSr);
    std::optional<Proposal> chosen;
    if (sav) {
        auto sa = parse_sa(sav->body);
        if (sa.ok()) chosen = check_answer(o.offer, sa.value);
    }
    auto nonce = nv ? parse_nonce(nv->body) : Result<NoncePayload>{{}, CodecError::Truncated};
    if (!chosen || chosen->spi32() < 256 || !nonce.ok() || !tsi || !tsr || !covered(tsi->selectors, o.tsi) ||
        !covered(tsr->selectors, o.tsr))
        return retry_later("bad CREATE_CHILD_SA response");
    crypto::SecureBuffer pfs;
    if (std::uint16_t dh = transform_set(*chosen).dh) {
        const auto* kv = ch.find(PayloadType::KE);
        auto ke = kv ? parse_ke(kv->body) : Result<KePayload>{{}, CodecError::Truncated};
        if (!ke.ok() || !o.ke || ke.value.group != dh || o.ke->group() != dh) return retry_later("KE mismatch");
        auto s = o.ke->shared_secret(ke.value.data);
        if (!s) return retry_later(s.error());
        pfs = s.take();
    }
    if (!install_child(*chosen, o.new_spi_in, chosen->spi32(), true, pfs.span(), o.nonce, nonce.value.data,
                       tsi->selectors, tsr->selectors, o.old_spi_in, now))
        return retry_later("key derivation failed");
    if (Child* old = child_by_in(o.old_spi_in)) {
        old->state = Child::State::Rekeyed;
        tasks_.push_front({TaskKind::DeleteChild, o.old_spi_in});
    }
}

void IkeSa::on_create_child_request(Inbound& in) {
    const PayloadChain& ch = in.chain;
    const IkeHeader& h = in.h();
    auto refuse = [&](std::uint16_t type, Bytes data = {}) {
        send_error_response(*in.ctx, h.exchange, h.message_id, type, in.ep, data);
    };
    const auto* sav = ch.find(PayloadType::SA);
    const auto* nv = ch.find(PayloadType::Nonce);
    if (!sav || !nv) return refuse(notify::kInvalidSyntax);
    auto theirs = parse_sa(sav->body);
    auto nonce = parse_nonce(nv->body);
    if (!theirs.ok() || !nonce.ok()) return refuse(notify::kInvalidSyntax);
    if (in.ctx != cur_.get() || state_ != IkeSaState::Established) return refuse(notify::kTemporaryFailure);
    if (theirs.value.proposals[0].protocol == ProtocolId::Ike) return on_ike_rekey_request(in, theirs.value.proposals[0]);

    std::optional<std::uint32_t> old_in;
    std::vector<TrafficSelector> allow_i = allowed_remote_ts(), allow_r = cfg_.local_ts;
    if (allow_r.empty()) allow_r = {ts_any_v4()};
    if (auto n = find_notify(ch, notify::kRekeySa)) {
        Child* old = child_by_out(n->spi32());
        if (!old) return refuse(notify::kChildSaNotFound);
        if (old->state != Child::State::Installed) return refuse(notify::kTemporaryFailure);
        old_in = old->spi_in;
        allow_i = old->remote_ts;  // a rekey keeps what was agreed
        allow_r = old->local_ts;
    }
    const auto* kv = ch.find(PayloadType::KE);
    std::optional<KePayload> their_ke;
    if (kv) {
        auto k = parse_ke(kv->body);
        if (!k.ok()) return refuse(notify::kInvalidSyntax);
        their_ke = k.value;
    }
    SaPayload ours = make_offer(cfg_.esp_proposals, OfferKind::ChildCreate, {});
    auto chosen = select_proposal(ours, theirs.value, false, their_ke ? their_ke->group : 0);
    if (!chosen) return refuse(notify::kNoProposalChosen);
    const std::uint16_t dh = transform_set(*chosen).dh;
    if (dh && (!their_ke || their_ke->group != dh)) {
        std::uint8_t g[2];
        store_be16(g, dh);
        return refuse(notify::kInvalidKePayload, Bytes(g, 2));
    }
    std::uint32_t spi_out = 0;
    for (const auto& p : theirs.value.proposals)
        if (p.number == chosen->number) spi_out = p.spi32();
    if (spi_out < 256) return refuse(notify::kNoProposalChosen);
    auto tsi_p = ts_in(ch, PayloadType::TSi);
    auto tsr_p = ts_in(ch, PayloadType::TSr);
    if (!tsi_p || !tsr_p) return refuse(notify::kInvalidSyntax);
    auto tsi = narrow(tsi_p->selectors, allow_i);
    auto tsr = narrow(tsr_p->selectors, allow_r);
    if (tsi.empty() || tsr.empty()) return refuse(notify::kTsUnacceptable);

    std::unique_ptr<KeyExchange> ke;
    crypto::SecureBuffer pfs;
    if (dh) {
        auto k = kex_(dh);
        if (!k) return refuse(notify::kNoProposalChosen);
        ke = k.take();
        auto s = ke->shared_secret(their_ke->data);
        if (!s) return refuse(notify::kInvalidSyntax);
        pfs = s.take();
    }
    std::vector<std::uint8_t> nr(kNonceLen);
    rng_->nonce(nr);
    const std::uint32_t spi_in = new_inbound_spi();
    Proposal answer = *chosen;
    answer.set_spi32(spi_in);

    std::vector<std::uint8_t> buf(8192);
    ChainBuilder b(buf);
    b.add_payload(PayloadType::SA, SaPayload{{answer}});
    b.add_payload(PayloadType::Nonce, NoncePayload{nr});
    if (ke) b.add_payload(PayloadType::KE, KePayload{ke->group(), ke->public_value()});
    b.add_payload(PayloadType::TSi, TsPayload{tsi, 0});
    b.add_payload(PayloadType::TSr, TsPayload{tsr, 0});
    // Derive before answering: a failure must not leave the peer with a child we lack.
    std::vector<std::uint8_t> ni(nonce.value.data.begin(), nonce.value.data.end());
    if (!install_child(*chosen, spi_in, spi_out, false, pfs.span(), ni, nr, tsr, tsi, old_in, in.now))
        return refuse(notify::kNoProposalChosen);
    send_response(*in.ctx, h.exchange, h.message_id, b, in.ep);
    if (old_in)
        if (Child* old = child_by_in(*old_in)) old->state = Child::State::Rekeyed;  // the peer deletes it
}

}  // namespace vpn::ike
