#include "ipsec/esp/outbound_sa.hpp"

#include <cstring>

#include "common/crypto/algorithms.hpp"

namespace vpn::esp {

std::uint8_t next_header_for(Bytes inner) {
    if (inner.empty()) return 0;
    switch (inner[0] >> 4) {
        case 4: return 4;    // IP-in-IP
        case 6: return 41;   // IPv6
        default: return 0;
    }
}

OutboundSa::OutboundSa(const SaParams& p, std::unique_ptr<IvSource> ivs)
    : spi_(p.spi),
      esn_(p.esn),
      crypto_(p.keys, p.esn, true),
      ivs_(std::move(ivs)),
      seq_(p.initial_seq),
      // RFC 4303 §3.3.3: the counter must not cycle; the last usable number is
      // 2^32-1 (2^64-1 with ESN).
      max_seq_(p.esn ? ~std::uint64_t(0) : 0xffffffffull) {
    if (p.spi < 256) throw EspError("ESP: SPI 0-255 is reserved");
    if (seq_ > max_seq_) throw EspError("ESP: initial sequence number beyond 2^32-1 without ESN");
    if (!ivs_ && (p.keys.suite.encr == Encr::AesCbc || p.keys.suite.encr == Encr::TripleDesCbc))
        ivs_ = std::make_unique<RandomIvSource>();
}

std::size_t OutboundSa::sealed_len(std::size_t inner_len) const {
    const std::size_t a = crypto_.pad_align();
    const std::size_t body = (inner_len + 2 + a - 1) / a * a;
    return head_room() + body + crypto_.icv_len();
}

OutboundSa::Sealed OutboundSa::seal(Bytes inner, MutBytes out) {
    const std::uint8_t nh = next_header_for(inner);
    if (nh == 0) return {Status::BadInner};
    if (exhausted()) return {Status::NeedsRekey};
    const std::size_t total = sealed_len(inner.size());
    if (out.size() < total) return {Status::BufferTooSmall};

    std::uint8_t* pkt = out.data();
    std::uint8_t* body = pkt + head_room();
    if (inner.data() != body) std::memmove(body, inner.data(), inner.size());

    const std::size_t len = total - head_room() - crypto_.icv_len();
    const std::size_t pad = len - 2 - inner.size();
    // RFC 4303 §2.4: default padding is 1, 2, 3, ...
    for (std::size_t i = 0; i < pad; ++i) body[inner.size() + i] = static_cast<std::uint8_t>(i + 1);
    body[len - 2] = static_cast<std::uint8_t>(pad);
    body[len - 1] = nh;

    const std::uint64_t seq = seq_ + 1;
    store_be32(pkt, spi_);
    store_be32(pkt + 4, static_cast<std::uint32_t>(seq));
    std::uint8_t* iv = pkt + kEspHeaderLen;
    if (crypto_.suite().encr == Encr::AesGcm16) {
        // RFC 4106 §3.1: the IV must never repeat under one key; the sequence number
        // never does within an SA, and each SA has its own key.
        store_be32(iv, static_cast<std::uint32_t>(seq >> 32));
        store_be32(iv + 4, static_cast<std::uint32_t>(seq));
    } else if (crypto_.iv_len() > 0) {
        try {
            ivs_->fill(iv, crypto_.iv_len());
        } catch (const crypto::CryptoError&) {
            return {Status::CryptoFailure};
        }
    }
    if (!crypto_.seal(pkt, len, static_cast<std::uint32_t>(seq >> 32))) return {Status::CryptoFailure};
    // Consumed only now: a failed seal leaves no gap the peer's window would notice,
    // and no GCM IV is reused because nothing was sent under it.
    seq_ = seq;
    ++packets_;
    bytes_ += inner.size();
    return {Status::Ok, total, seq};
}

}  // namespace vpn::esp
