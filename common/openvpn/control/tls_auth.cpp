#include "common/openvpn/control/tls_auth.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <string>

#include "common/openvpn/control/control_packet.hpp"

namespace vpn::ovpn::control {
namespace {

constexpr std::size_t kPidLen = 8;  // long form: id | time

struct Slots {
    int out, in;
};

// crypto.c: key_direction_state_init
Slots key_slots(config::KeyDirection dir) {
    switch (dir) {
        case config::KeyDirection::Normal: return {0, 1};
        case config::KeyDirection::Inverse: return {1, 0};
        case config::KeyDirection::Bidirectional: break;
    }
    return {0, 0};
}

crypto::DigestAlgorithm tls_auth_digest(std::string_view auth) {
    auto md = crypto::DigestAlgorithm::fetch(auth);
    if (md.is_none()) throw crypto::CryptoError("tls-auth needs an HMAC digest (--auth none given)");
    return md;
}

const crypto::Key2& checked_key(const crypto::Key2& key, config::KeyDirection dir) {
    const std::size_t need = dir == config::KeyDirection::Bidirectional ? 1 : 2;
    if (key.key_count() < need)
        throw crypto::CryptoError("tls-auth key has " + std::to_string(key.key_count()) +
                                  " key(s), a key direction needs 2; generate one with --genkey tls-auth");
    return key;
}

}  // namespace

TlsAuth::TlsAuth(const crypto::Key2& key, config::KeyDirection dir, std::string_view auth, ReplayParams replay)
    : hmac_out_(tls_auth_digest(auth), checked_key(key, dir).hmac(key_slots(dir).out)),
      hmac_in_(tls_auth_digest(auth), key.hmac(key_slots(dir).in)),
      hmac_len_(hmac_out_.size()),
      replay_(replay.window, replay.seconds) {}

std::size_t TlsAuth::wrap(Bytes plain, MutBytes out, std::int64_t now) {
    const std::size_t h = hmac_len_;
    if (plain.size() < kHeaderLen || out.size() < plain.size() + overhead()) return 0;
    const auto pid = send_id_.next(now);
    if (!pid) return 0;
    std::uint8_t pid_bytes[kPidLen];
    store_be32(pid_bytes, pid->id);
    store_be32(pid_bytes + 4, pid->time);

    // Lay the HMAC input out contiguously where it ends at the body's final place:
    //   out[h .. h+8) = pid | time, out[h+8 .. h+17) = op | sid, then the body.
    const std::size_t body = plain.size() - kHeaderLen;
    std::uint8_t* base = out.data() + h;
    std::memcpy(base, pid_bytes, kPidLen);
    std::memcpy(base + kPidLen, plain.data(), kHeaderLen);
    std::memcpy(base + kPidLen + kHeaderLen, plain.data() + kHeaderLen, body);
    std::uint8_t mac[EVP_MAX_MD_SIZE];
    if (!hmac_out_.compute(Bytes(base, kPidLen + kHeaderLen + body), mac)) return 0;
    // Then move the fields into wire order (ssl_pkt.c: swap_hmac).
    std::memcpy(out.data(), plain.data(), kHeaderLen);
    std::memcpy(out.data() + kHeaderLen, mac, h);
    std::memcpy(out.data() + kHeaderLen + h, pid_bytes, kPidLen);
    return plain.size() + overhead();
}

Unwrapped TlsAuth::unwrap(Bytes wire, MutBytes out, std::int64_t now, ReplayCheck rc) {
    Unwrapped r;
    const std::size_t h = hmac_len_;
    if (wire.size() < kHeaderLen + h + kPidLen) {
        r.reason = Drop::ShortPacket;
        return r;
    }
    const std::size_t body = wire.size() - (kHeaderLen + h + kPidLen);
    const std::size_t need = kPidLen + kHeaderLen + body;
    if (out.size() < need) {
        r.reason = Drop::Oversize;
        return r;
    }
    // HMAC input order: pid | time | op | sid | body; the plain packet is its tail.
    const std::uint8_t* pid = wire.data() + kHeaderLen + h;
    std::memcpy(out.data(), pid, kPidLen);
    std::memcpy(out.data() + kPidLen, wire.data(), kHeaderLen);
    std::memcpy(out.data() + kPidLen + kHeaderLen, wire.data() + kHeaderLen + h + kPidLen, body);
    if (!hmac_in_.verify(Bytes(out.data(), need), wire.data() + kHeaderLen)) {
        r.reason = Drop::BadHmac;
        return r;
    }
    r.replay_id = load_be32(pid);
    r.replay_time = load_be32(pid + 4);
    // crypto.c: openvpn_decrypt_v1 -- replay check only after authentication.
    if (rc == ReplayCheck::Enforce && !replay_.accept(r.replay_id, r.replay_time, now)) {
        r.reason = Drop::Replay;
        return r;
    }
    r.ok = true;
    r.packet = Bytes(out.data() + kPidLen, kHeaderLen + body);
    return r;
}

}  // namespace vpn::ovpn::control
