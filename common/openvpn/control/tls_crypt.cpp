#include "common/openvpn/control/tls_crypt.hpp"

#include <cstring>
#include <string>

#include "common/crypto/algorithms.hpp"
#include "common/openvpn/control/control_packet.hpp"

namespace vpn::ovpn::control {
namespace {

constexpr std::size_t kPidOff = kHeaderLen;     // 9
constexpr std::size_t kTagOff = kPidOff + 8;    // 17
constexpr std::size_t kCtOff = kTagOff + TlsCrypt::kTagLen;  // 49
constexpr std::size_t kMaxWkc = 1024;           // tls_crypt.h: TLS_CRYPT_V2_MAX_WKC_LEN

const crypto::Key2& checked_key(const crypto::Key2& key) {
    if (key.key_count() != 2)
        throw crypto::CryptoError("tls-crypt key has " + std::to_string(key.key_count()) +
                                  " key(s), 2 are needed; generate one with --genkey tls-crypt");
    return key;
}

crypto::DigestAlgorithm sha256() { return crypto::DigestAlgorithm::fetch("SHA256"); }

// tls_crypt.c: tls_crypt_init_key -- server NORMAL, client INVERSE.
int out_slot(bool server) { return server ? 0 : 1; }
int in_slot(bool server) { return server ? 1 : 0; }

}  // namespace

TlsCrypt::TlsCrypt(const crypto::Key2& key, bool server, ReplayParams replay)
    : enc_(checked_key(key).cipher(out_slot(server))),
      dec_(key.cipher(in_slot(server))),
      tag_out_(sha256(), key.hmac(out_slot(server))),
      tag_in_(sha256(), key.hmac(in_slot(server))),
      replay_(replay.window, replay.seconds) {}

std::size_t TlsCrypt::wrap(Bytes plain, MutBytes out, std::int64_t now) {
    if (plain.size() < kHeaderLen || out.size() < plain.size() + kOverhead) return 0;
    const auto pid = send_id_.next(now);
    if (!pid) return 0;
    const std::size_t n = plain.size() - kHeaderLen;
    std::memcpy(out.data(), plain.data(), kHeaderLen);
    store_be32(out.data() + kPidOff, pid->id);
    store_be32(out.data() + kPidOff + 4, pid->time);
    // The tag covers header | plaintext: stage the plaintext right after the header
    // (where the tag and ciphertext go later) so the HMAC input is contiguous.
    std::memcpy(out.data() + kTagOff, plain.data() + kHeaderLen, n);
    std::uint8_t tag[kTagLen];
    if (!tag_out_.compute(Bytes(out.data(), kTagOff + n), tag)) return 0;
    // Synthetic IV: the first 128 bits of the tag.  Encrypt from the caller's copy,
    // overwriting the staged plaintext.
    if (!enc_.run(tag, plain.data() + kHeaderLen, n, out.data() + kCtOff)) return 0;
    std::memcpy(out.data() + kTagOff, tag, kTagLen);
    return plain.size() + kOverhead;
}

Unwrapped TlsCrypt::unwrap(Bytes wire, MutBytes out, std::int64_t now, ReplayCheck rc) {
    Unwrapped r;
    if (wire.size() < kMinWire) {
        r.reason = Drop::ShortPacket;
        return r;
    }
    const std::size_t n = wire.size() - kCtOff;
    if (out.size() < kTagOff + n) {
        r.reason = Drop::Oversize;
        return r;
    }
    std::memcpy(out.data(), wire.data(), kTagOff);
    if (!dec_.run(wire.data() + kTagOff, wire.data() + kCtOff, n, out.data() + kTagOff)) {
        r.reason = Drop::BadCiphertext;
        return r;
    }
    if (!tag_in_.verify(Bytes(out.data(), kTagOff + n), wire.data() + kTagOff)) {
        r.reason = Drop::BadHmac;
        return r;
    }
    r.replay_id = load_be32(wire.data() + kPidOff);
    r.replay_time = load_be32(wire.data() + kPidOff + 4);
    if (rc == ReplayCheck::Enforce && !replay_.accept(r.replay_id, r.replay_time, now)) {
        r.reason = Drop::Replay;
        return r;
    }
    // out = op | sid | pid | time | plaintext; the plain packet drops pid | time.
    std::memmove(out.data() + 8, out.data(), kHeaderLen);
    r.ok = true;
    r.packet = Bytes(out.data() + 8, kHeaderLen + n);
    return r;
}

std::optional<WkcSplit> split_wkc(Bytes wire) {
    if (wire.size() < kHeaderLen + 2) return std::nullopt;
    const std::size_t len = load_be16(wire.data() + wire.size() - 2);
    if (len < 2 || len > kMaxWkc || len > wire.size() - kHeaderLen) return std::nullopt;
    return WkcSplit{wire.first(wire.size() - len), wire.last(len)};
}

}  // namespace vpn::ovpn::control
