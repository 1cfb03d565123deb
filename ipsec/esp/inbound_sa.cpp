#include "ipsec/esp/inbound_sa.hpp"

namespace vpn::esp {
namespace {

constexpr std::uint8_t kNextIpv4 = 4, kNextIpv6 = 41, kNextDummy = 59;

// The inner packet's own length, or 0 if its header does not fit `next_header`
// or claims more than was decrypted.
std::size_t inner_length(const std::uint8_t* p, std::size_t avail, std::uint8_t next_header) {
    if (next_header == kNextIpv4) {
        if (avail < 20 || (p[0] >> 4) != 4) return 0;
        const std::size_t total = load_be16(p + 2);
        return total >= 20 && total <= avail ? total : 0;
    }
    if (avail < 40 || (p[0] >> 4) != 6) return 0;
    const std::size_t total = 40 + std::size_t(load_be16(p + 4));
    return total <= avail ? total : 0;
}

}  // namespace

InboundSa::InboundSa(const SaParams& p)
    : spi_(p.spi), crypto_(p.keys, p.esn, false), window_(p.replay_window, p.esn, p.initial_seq) {
    if (p.spi < 256) throw EspError("ESP: SPI 0-255 is reserved");
}

InboundSa::Opened InboundSa::drop(Drop d, std::uint64_t seq) {
    drops_.add(d);
    Opened o;
    o.reason = d;
    o.seq = seq;
    return o;
}

InboundSa::Opened InboundSa::open(MutBytes packet) {
    std::uint8_t* pkt = packet.data();
    const std::size_t head = kEspHeaderLen + crypto_.iv_len(), icv = crypto_.icv_len();
    // The smallest plaintext is the two trailer bytes; a block cipher needs a block.
    const std::size_t min_body = crypto_.block() > 1 ? crypto_.block() : 2;
    if (packet.size() < head + min_body + icv) return drop(Drop::Truncated);
    if (load_be32(pkt) != spi_) return drop(Drop::WrongSpi);
    const std::size_t len = packet.size() - head - icv;
    if (len % crypto_.block() != 0) return drop(Drop::BadLength);

    const auto checked = window_.check(load_be32(pkt + 4));
    if (checked.verdict == ReplayWindow::Verdict::Replay) return drop(Drop::Replay, checked.seq);
    if (checked.verdict == ReplayWindow::Verdict::TooOld) return drop(Drop::TooOld, checked.seq);

    const auto seq_hi = static_cast<std::uint32_t>(checked.seq >> 32);
    if (!crypto_.verify(pkt, len, seq_hi)) return drop(Drop::BadIcv, checked.seq);
    // Authentic from here on: the window moves even if the content turns out bad,
    // so the same packet replayed is a replay, not a second look at the content.
    window_.update(checked.seq);
    if (!crypto_.decrypt(pkt, len)) return drop(Drop::CryptoFailure, checked.seq);

    const std::uint8_t* body = pkt + head;
    const std::uint8_t pad = body[len - 2], nh = body[len - 1];
    if (std::size_t(pad) + 2 > len) return drop(Drop::BadPadding, checked.seq);
    const std::size_t payload = len - 2 - pad;
    // RFC 4303 §2.4: the receiver should check the default padding 1, 2, 3, ...
    for (std::size_t i = 0; i < pad; ++i)
        if (body[payload + i] != i + 1) return drop(Drop::BadPadding, checked.seq);
    if (nh == kNextDummy) return drop(Drop::Dummy, checked.seq);
    if (nh != kNextIpv4 && nh != kNextIpv6) return drop(Drop::BadNextHeader, checked.seq);
    const std::size_t inner = inner_length(body, payload, nh);
    if (inner == 0) return drop(Drop::BadInner, checked.seq);

    ++packets_;
    bytes_ += inner;
    Opened o;
    o.ok = true;
    o.inner = Bytes(body, inner);
    o.next_header = nh;
    o.seq = checked.seq;
    return o;
}

}  // namespace vpn::esp
