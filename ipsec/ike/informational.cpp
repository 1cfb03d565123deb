// INFORMATIONAL exchanges (RFC 7296 §1.4, §2.4; ikev2-esp.md §2.4): dead peer
// detection (an empty request when nothing came in for dpd_interval), Delete of
// children and of the IKE SA both ways, and the answer to anything else (empty:
// e.g. strongSwan's N(NO_ADDITIONAL_ADDRESSES) after IKE_AUTH, pitfall 6).  Also what
// happens when a request of ours is never answered.
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/notify_payload.hpp"

namespace vpn::ike {

namespace {

bool add_delete(ChainBuilder& b, ProtocolId proto, std::vector<std::uint32_t> spis) {
    DeletePayload d;
    d.protocol = proto;
    d.spi_size = proto == ProtocolId::Ike ? 0 : 4;
    d.spis = std::move(spis);
    return b.add_payload(PayloadType::Delete, d);
}

}  // namespace

void IkeSa::start_delete_child(std::uint32_t spi_in, std::int64_t now) {
    Child* c = child_by_in(spi_in);
    if (!c) return;
    c->state = Child::State::Deleting;
    std::vector<std::uint8_t> buf(64);
    ChainBuilder b(buf);
    add_delete(b, ProtocolId::Esp, {spi_in});  // the SPI we expect inbound (§3.11)
    Outstanding o;
    o.kind = Outstanding::Kind::DeleteChild;
    o.old_spi_in = spi_in;
    send_request(*cur_, ExchangeType::Informational, b, std::move(o), now);
}

void IkeSa::start_delete_ike(std::int64_t now) {
    std::vector<std::uint8_t> buf(64);
    ChainBuilder b(buf);
    add_delete(b, ProtocolId::Ike, {});
    Outstanding o;
    o.kind = Outstanding::Kind::DeleteIke;
    send_request(*cur_, ExchangeType::Informational, b, std::move(o), now);
    state_ = IkeSaState::Deleting;
}

void IkeSa::start_dpd(std::int64_t now) {
    std::vector<std::uint8_t> buf(16);
    ChainBuilder b(buf);  // empty: SK with no inner payloads
    Outstanding o;
    o.kind = Outstanding::Kind::Dpd;
    send_request(*cur_, ExchangeType::Informational, b, std::move(o), now);
}

void IkeSa::on_informational_request(Inbound& in) {
    const PayloadChain& ch = in.chain;
    const IkeHeader& h = in.h();
    SaContext& ctx = *in.ctx;
    const bool on_old = &ctx == old_.get();
    bool delete_ike = false, auth_failed = false;
    std::vector<std::uint32_t> ours;  // our inbound SPIs of the children the peer deletes
    for (const auto* p : all_of_type(ch, PayloadType::Delete)) {
        auto d = parse_delete(p->body);
        if (!d.ok()) continue;
        if (d.value.protocol == ProtocolId::Ike) delete_ike = true;
        if (d.value.protocol != ProtocolId::Esp || on_old) continue;
        for (auto spi : d.value.spis)
            if (Child* c = child_by_out(spi)) ours.push_back(c->spi_in);
    }
    if (!on_old && find_notify(ch, notify::kAuthenticationFailed)) auth_failed = true;

    std::vector<std::uint8_t> buf(64 + 4 * ours.size());
    ChainBuilder b(buf);
    if (!ours.empty() && !delete_ike) add_delete(b, ProtocolId::Esp, ours);
    send_response(ctx, h.exchange, h.message_id, b, in.ep);

    if (on_old) {
        if (delete_ike) old_.reset();  // the rekey is complete
        return;
    }
    if (delete_ike) return fail("IKE SA deleted by the peer");
    if (auth_failed) return fail("the peer did not accept our authentication");
    for (auto spi : ours) remove_child(spi, "deleted by the peer");
}

void IkeSa::on_informational_response(Inbound& in, Outstanding& o) {
    if (in.ctx == old_.get()) {
        old_.reset();  // our Delete of the rekeyed IKE SA went through
        return;
    }
    switch (o.kind) {
        case Outstanding::Kind::DeleteChild: return remove_child(o.old_spi_in, "deleted");
        case Outstanding::Kind::DeleteIke: return fail("IKE SA deleted");
        default: return;  // DPD answered: last_inbound_ already moved
    }
}

void IkeSa::on_request_timeout(SaContext& c, Outstanding& o) {
    if (&c == old_.get()) {
        old_.reset();  // nobody answers on the old SA any more: it is gone either way
        return;
    }
    switch (o.kind) {
        case Outstanding::Kind::SaInit: return fail("no answer to IKE_SA_INIT");
        case Outstanding::Kind::DeleteIke: return fail("IKE SA deleted (the peer did not answer)");
        case Outstanding::Kind::Dpd: return fail("dead peer: no answer to DPD");
        default: return fail("dead peer: retransmissions exhausted");
    }
}

}  // namespace vpn::ike
