// Rekeying the IKE SA itself with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18;
// ikev2-esp.md §2.3, §3.4):
//   I: SK{SA(IKE, SPI size 8 = new SPIi), Ni, KEi}   R: SK{SA(new SPIr), Nr, KEr}
// SKEYSEED' = prf(SK_d old, g^ir new | Ni | Nr).  The whole of it lives in a new
// SaContext: whoever initiated the rekey is the new SA's "original initiator"
// (I flag, SK_ei out), message IDs restart at 0, the children move over unchanged.
// The rekey initiator then deletes the old IKE SA on the old context.  While an
// exchange of ours is in flight, or an old SA is still being deleted, a peer's IKE
// rekey is refused with TEMPORARY_FAILURE (§2.25.2), which also settles collisions.
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/notify_payload.hpp"
#include "ipsec/ike/proposal_select.hpp"
#include "ipsec/ike/simple_payloads.hpp"

namespace vpn::ike {

namespace {

constexpr std::size_t kNonceLen = 32;
constexpr std::int64_t kRetryMinMs = 2000, kRetrySpanMs = 8000;

std::unique_ptr<IkeSa::SaContext> keyed_context(const IkeSa::SaContext& old, const TransformSet& ts, Bytes shared,
                                                Bytes ni, Bytes nr, const IkeSpi& spi_i, const IkeSpi& spi_r,
                                                bool we_initiated) {
    auto keys = derive_rekeyed_ike_sa_keys(*old.prf, old.keys.sk_d.span(), ts, shared, ni, nr, spi_i, spi_r);
    if (!keys) return nullptr;
    auto c = std::make_unique<IkeSa::SaContext>();
    c->spi_i = spi_i;
    c->spi_r = spi_r;
    c->we_initiated = we_initiated;
    c->transforms = ts;
    c->keys = keys.take();
    c->prf = Prf::from_id(ts.prf);
    auto alg = sk_algorithms(ts);
    const bool i = we_initiated;
    auto out = SkCipher::create(alg, i ? c->keys.sk_ei.span() : c->keys.sk_er.span(),
                                i ? c->keys.sk_ai.span() : c->keys.sk_ar.span());
    auto in = SkCipher::create(alg, i ? c->keys.sk_er.span() : c->keys.sk_ei.span(),
                               i ? c->keys.sk_ar.span() : c->keys.sk_ai.span());
    if (!out.ok() || !in.ok() || !c->prf) return nullptr;
    c->out = std::move(out.value);
    c->in = std::move(in.value);
    c->keyed = true;
    return c;
}

}  // namespace

void IkeSa::start_ike_rekey(std::int64_t now) {
    if (old_) {  // the previous rekey's Delete is still out: try again shortly
        ike_rekey_at_ = now + kRetryMinMs + static_cast<std::int64_t>(rng_->below(kRetrySpanMs));
        return;
    }
    Outstanding o;
    o.kind = Outstanding::Kind::IkeRekey;
    o.new_ike_spi = rng_->ike_spi();
    o.nonce.resize(kNonceLen);
    rng_->nonce(o.nonce);
    o.offer = make_offer(cfg_.ike_proposals, OfferKind::IkeRekey, o.new_ike_spi, cur_->transforms.prf);
    std::uint16_t group = cur_->transforms.dh ? cur_->transforms.dh : first_dh_group(o.offer);
    auto ke = kex_(group);
    if (!ke || o.offer.proposals.empty()) return;
    o.ke = ke.take();
    std::vector<std::uint8_t> buf(4096);
    ChainBuilder b(buf);
    b.add_payload(PayloadType::SA, o.offer);
    b.add_payload(PayloadType::Nonce, NoncePayload{o.nonce});
    b.add_payload(PayloadType::KE, KePayload{o.ke->group(), o.ke->public_value()});
    send_request(*cur_, ExchangeType::CreateChildSa, b, std::move(o), now);
}

void IkeSa::on_ike_rekey_response(Inbound& in, Outstanding& o) {
    const PayloadChain& ch = in.chain;
    const std::int64_t now = in.now;
    auto retry_later = [&] { ike_rekey_at_ = now + kRetryMinMs + static_cast<std::int64_t>(rng_->below(kRetrySpanMs)); };
    if (auto e = first_error_notify(ch)) {
        if (e->type == notify::kInvalidKePayload && e->data.size() == 2 && o.ke_retries < 2) {
            std::uint16_t group = load_be16(e->data.data());
            if (offers_dh_group(o.offer, group)) {
                cur_->transforms.dh = group;  // only steers the next KE guess
                start_ike_rekey(now);
                if (cur_->outstanding) cur_->outstanding->ke_retries = o.ke_retries + 1;
                return;
            }
        }
        return retry_later();
    }
    const auto* sav = ch.find(PayloadType::SA);
    const auto* nv = ch.find(PayloadType::Nonce);
    const auto* kv = ch.find(PayloadType::KE);
    if (!sav || !nv || !kv) return retry_later();
    auto sa = parse_sa(sav->body);
    auto nonce = parse_nonce(nv->body);
    auto ke = parse_ke(kv->body);
    std::optional<Proposal> chosen;
    if (sa.ok()) chosen = check_answer(o.offer, sa.value);
    if (!chosen || chosen->spi_size != 8 || !nonce.ok() || !ke.ok()) return retry_later();
    TransformSet ts = transform_set(*chosen);
    if (ts.dh != ke.value.group || ts.dh != o.ke->group()) return retry_later();
    auto shared = o.ke->shared_secret(ke.value.data);
    if (!shared) return retry_later();
    IkeSpi peer_spi{};
    std::copy_n(chosen->spi.begin(), 8, peer_spi.begin());
    auto next = keyed_context(*cur_, ts, shared->span(), o.nonce, nonce.value.data, o.new_ike_spi, peer_spi, true);
    if (!next) return retry_later();

    IkeRekeyed ev{cur_->spi_i, cur_->spi_r, next->spi_i, next->spi_r};
    old_ = std::move(cur_);
    cur_ = std::move(next);
    ike_rekey_at_ = jittered(cfg_.ike_lifetime_ms, now);
    emit(ev);
    // Delete the old IKE SA on the old SA (RFC 7296 §1.3.2).
    std::vector<std::uint8_t> buf(64);
    ChainBuilder b(buf);
    DeletePayload d;
    d.protocol = ProtocolId::Ike;
    d.spi_size = 0;
    b.add_payload(PayloadType::Delete, d);
    Outstanding del;
    del.kind = Outstanding::Kind::DeleteIke;
    send_request(*old_, ExchangeType::Informational, b, std::move(del), now);
}

void IkeSa::on_ike_rekey_request(Inbound& in, const Proposal&) {
    const PayloadChain& ch = in.chain;
    const IkeHeader& h = in.h();
    auto refuse = [&](std::uint16_t type, Bytes data = {}) {
        send_error_response(*in.ctx, h.exchange, h.message_id, type, in.ep, data);
    };
    if (cur_->outstanding || old_) return refuse(notify::kTemporaryFailure);
    const auto* sav = ch.find(PayloadType::SA);
    const auto* nv = ch.find(PayloadType::Nonce);
    const auto* kv = ch.find(PayloadType::KE);
    if (!sav || !nv || !kv) return refuse(notify::kInvalidSyntax);
    auto theirs = parse_sa(sav->body);
    auto nonce = parse_nonce(nv->body);
    auto ke = parse_ke(kv->body);
    if (!theirs.ok() || !nonce.ok() || !ke.ok()) return refuse(notify::kInvalidSyntax);
    SaPayload ours = make_offer(cfg_.ike_proposals, OfferKind::IkeRekey, {}, cur_->transforms.prf);
    auto chosen = select_proposal(ours, theirs.value, false, ke.value.group);
    if (!chosen) return refuse(notify::kNoProposalChosen);
    TransformSet ts = transform_set(*chosen);
    if (ts.dh != ke.value.group) {
        std::uint8_t g[2];
        store_be16(g, ts.dh);
        return refuse(notify::kInvalidKePayload, Bytes(g, 2));
    }
    IkeSpi peer_spi{};
    bool have_spi = false;
    for (const auto& p : theirs.value.proposals)
        if (p.number == chosen->number && p.spi_size == 8) {
            std::copy_n(p.spi.begin(), 8, peer_spi.begin());
            have_spi = true;
        }
    if (!have_spi || peer_spi == IkeSpi{}) return refuse(notify::kInvalidSyntax);
    auto our_ke = kex_(ts.dh);
    if (!our_ke) return refuse(notify::kNoProposalChosen);
    auto shared = (*our_ke)->shared_secret(ke.value.data);
    if (!shared) return refuse(notify::kInvalidSyntax);
    std::vector<std::uint8_t> nr(kNonceLen);
    rng_->nonce(nr);
    IkeSpi our_spi = rng_->ike_spi();
    std::vector<std::uint8_t> ni(nonce.value.data.begin(), nonce.value.data.end());
    auto next = keyed_context(*cur_, ts, shared->span(), ni, nr, peer_spi, our_spi, false);
    if (!next) return refuse(notify::kNoProposalChosen);

    Proposal answer = *chosen;
    answer.spi_size = 8;
    std::copy_n(our_spi.begin(), 8, answer.spi.begin());
    std::vector<std::uint8_t> buf(4096);
    ChainBuilder b(buf);
    b.add_payload(PayloadType::SA, SaPayload{{answer}});
    b.add_payload(PayloadType::Nonce, NoncePayload{nr});
    b.add_payload(PayloadType::KE, KePayload{(*our_ke)->group(), (*our_ke)->public_value()});
    send_response(*cur_, h.exchange, h.message_id, b, in.ep);

    IkeRekeyed ev{cur_->spi_i, cur_->spi_r, next->spi_i, next->spi_r};
    old_ = std::move(cur_);  // kept for retransmits of this exchange and the peer's Delete
    cur_ = std::move(next);
    ike_rekey_at_ = jittered(cfg_.ike_lifetime_ms, in.now);
    emit(ev);
}

}  // namespace vpn::ike
