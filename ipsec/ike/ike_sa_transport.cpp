// IkeSa message plumbing: SK protection and RFC 7383 fragmentation on the way out,
// verification and reassembly on the way in, the request window (one request of
// ours in flight, retransmitted with back-off) and the cached response that
// answers a duplicate request.
#include <cmath>

#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/sk_message.hpp"

namespace vpn::ike {

namespace {
constexpr std::size_t kMaxMessage = 65535;
}

IkeSa::SaContext* IkeSa::context_for(const IkeHeader& h) {
    for (SaContext* c : {cur_.get(), old_.get()})
        if (c && c->spi_i == h.spi_i && c->spi_r == h.spi_r) return c;
    return nullptr;
}

std::size_t IkeSa::max_message() const {
    // fragment_size is the IP packet (strongSwan's charon.fragment_size); take off
    // the IP and UDP headers and the non-ESP marker.
    std::size_t overhead = (ep_.remote.ip.len == 16 ? 40 : 20) + 8 + (ep_.local.port == kPortNatT ? 4 : 0);
    return cfg_.fragment_size > overhead + 100 ? cfg_.fragment_size - overhead : 0;
}

Wire IkeSa::seal(SaContext& c, const IkeHeader& h, const ChainBuilder& inner) {
    Wire wire;
    const std::size_t limit = max_message();
    if (frag_ && limit && sk_message_length(c.out, inner.size()) > limit) {
        auto f = seal_fragments(c.out, h, inner.first(), inner.bytes(), limit);
        if (!f.ok()) return {};
        return std::move(f.value);
    }
    std::vector<std::uint8_t> buf(sk_message_length(c.out, inner.size()));
    auto n = seal_message(c.out, h, inner.first(), inner.bytes(), buf);
    if (!n.ok()) return {};
    buf.resize(n.value);
    wire.push_back(std::move(buf));
    return wire;
}

void IkeSa::send_wire(const Wire& wire, const Endpoint& to, const Endpoint& from) {
    for (const auto& d : wire) out_.push_back({d, to, from, from.port == kPortNatT});
}

void IkeSa::send_request(SaContext& c, ExchangeType x, const ChainBuilder& inner, Outstanding o, std::int64_t now) {
    IkeHeader h;
    h.spi_i = c.spi_i;
    h.spi_r = c.spi_r;
    h.exchange = x;
    h.flags = c.we_initiated ? flag::kInitiator : 0;
    h.message_id = c.next_mid++;
    o.exchange = x;
    o.mid = h.message_id;
    o.wire = seal(c, h, inner);
    o.sends = 1;
    o.started_at = now;
    o.next_at = now + cfg_.retransmit.timeout_ms;
    send_wire(o.wire, ep_.remote, ep_.local);
    c.outstanding = std::move(o);
}

void IkeSa::send_response(SaContext& c, ExchangeType x, std::uint32_t mid, const ChainBuilder& inner,
                          const Endpoints& ep) {
    IkeHeader h;
    h.spi_i = c.spi_i;
    h.spi_r = c.spi_r;
    h.exchange = x;
    h.flags = flag::kResponse | (c.we_initiated ? flag::kInitiator : 0);
    h.message_id = mid;
    c.answer = seal(c, h, inner);
    c.answered_mid = mid;
    // Responses go back where the request came from (RFC 7296 §2.11).
    send_wire(c.answer, ep.remote, ep.local);
}

void IkeSa::send_error_response(SaContext& c, ExchangeType x, std::uint32_t mid, std::uint16_t type,
                                const Endpoints& ep, Bytes data) {
    std::vector<std::uint8_t> buf(256 + data.size());
    ChainBuilder b(buf);
    add_notify(b, type, data);
    send_response(c, x, mid, b, ep);
}

void IkeSa::retransmit(SaContext& c, std::int64_t now) {
    if (!c.outstanding) return;
    Outstanding& o = *c.outstanding;
    const bool dpd_dead =
        o.kind == Outstanding::Kind::Dpd && cfg_.dpd_timeout_ms > 0 && now - o.started_at >= cfg_.dpd_timeout_ms;
    if (!dpd_dead && now < o.next_at) return;
    if (dpd_dead || o.sends > cfg_.retransmit.tries) {
        Outstanding dead = std::move(o);
        c.outstanding.reset();
        return on_request_timeout(c, dead);
    }
    // The same bytes again (every fragment), to wherever the peer is now.
    send_wire(o.wire, ep_.remote, ep_.local);
    ++stats_.retransmits;
    double delay = double(cfg_.retransmit.timeout_ms) * std::pow(cfg_.retransmit.base, o.sends);
    ++o.sends;
    o.next_at = now + static_cast<std::int64_t>(delay);
}

bool IkeSa::open(SaContext& c, const MessageView& m, Inbound& in) {
    const PayloadView* enc = m.encrypted();
    const bool request = !m.header.is_response();
    if (enc->type == PayloadType::SK) {
        plain_.assign(m.raw.size(), 0);
        auto r = open_message(c.in, m, plain_);
        if (!r.ok()) {
            if (*r.error == CodecError::UnsupportedCritical) {
                // Authentic, but with a critical payload we do not know (§2.5).
                if (request) {
                    std::uint8_t t = r.value.unsupported_critical;
                    c.peer_mid = m.header.message_id + 1;
                    send_error_response(c, m.header.exchange, m.header.message_id,
                                        notify::kUnsupportedCriticalPayload, in.ep, Bytes(&t, 1));
                }
                drop(DropReason::Malformed);
                return false;
            }
            drop(*r.error == CodecError::IntegrityFailed ? DropReason::Unauthenticated : DropReason::Malformed);
            return false;
        }
        in.chain = std::move(r.value);
        return true;
    }
    FragmentReassembler& fr = request ? c.requests : c.responses;
    if (fr.collecting() && fr.message_id() != m.header.message_id) fr.reset();
    auto st = fr.add(c.in, m);
    if (!st.ok()) {
        drop(*st.error == CodecError::IntegrityFailed ? DropReason::Unauthenticated : DropReason::BadFragment);
        return false;
    }
    if (st.value != FragmentReassembler::Status::Complete) return false;
    auto chain = fr.chain();
    if (!chain.ok()) {
        fr.reset();
        drop(DropReason::Malformed);
        return false;
    }
    // The views point into the reassembler: copy the plaintext so the chain
    // survives its reset.
    plain_.assign(fr.plain().begin(), fr.plain().end());
    auto again = parse_chain(fr.first(), plain_, ChainKind::Inner);
    fr.reset();
    if (!again.ok()) {
        drop(DropReason::Malformed);
        return false;
    }
    in.chain = std::move(again.value);
    return true;
}

}  // namespace vpn::ike
