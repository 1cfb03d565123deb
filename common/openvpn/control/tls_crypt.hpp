#pragma once
// tls-crypt: control packets encrypted and authenticated with a pre-shared key
// (openvpn-wire.md §5.4, §6.2; tls_crypt.c: tls_crypt_wrap, tls_crypt_unwrap).
//
//   offset  size  field
//   0       1     op | key_id                  in clear, authenticated
//   1       8     session id                   in clear, authenticated
//   9       8     packet id | time (long form) in clear, authenticated
//   17      32    tag = HMAC-SHA256(Ka, bytes 0..16 | plaintext)
//   49      n     AES-256-CTR(Ke, IV = tag[0..15], plaintext)
//   plaintext = acks ... payload (the plain packet after its opcode and session id)
//
// Algorithms are fixed and key-direction is ignored: the TLS server sends with
// keys[0] (Ke = cipher[0..31], Ka = hmac[0..31]) and the client with keys[1] --
// the opposite of the data-channel mapping (pitfall §11.1; tls_crypt.c:
// tls_crypt_init_key).  The same class serves tls-crypt-v2 with the client key Kc.
//
// unwrap() order: length, decrypt, tag (constant time), replay window.  Any failure
// is a silent drop.  Neither direction allocates.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/crypto/ctr_cipher.hpp"
#include "common/crypto/hmac.hpp"
#include "common/crypto/key2.hpp"
#include "common/openvpn/control/wrap_common.hpp"
#include "common/openvpn/replay_window.hpp"

namespace vpn::ovpn::control {

class TlsCrypt {
public:
    static constexpr std::size_t kTagLen = 32;
    static constexpr std::size_t kOverhead = 8 + kTagLen;  // packet id + tag = 40
    static constexpr std::size_t kMinWire = 1 + 8 + 8 + kTagLen;  // 49: empty plaintext

    // `server`: our TLS role.  Throws crypto::CryptoError unless `key` holds two keys;
    // std::invalid_argument for replay parameters out of range.
    TlsCrypt(const crypto::Key2& key, bool server, ReplayParams replay = {});

    std::size_t overhead() const { return kOverhead; }

    // Wrap the plain control packet `plain` (>= 9 bytes) into `out`; returns the
    // wire length or 0 if `plain` is too short, out.size() < plain.size() + 40, the
    // packet id is exhausted or OpenSSL fails.  `out` must not overlap `plain`.
    // `now`: Unix seconds.
    std::size_t wrap(Bytes plain, MutBytes out, std::int64_t now);

    // Decrypt and authenticate `wire`; the plain packet is written into `out`
    // (needs wire.size() - 32 bytes, else Drop::Oversize).  Drops: ShortPacket (< 49),
    // BadCiphertext (OpenSSL failure), BadHmac, Replay.  `out` must not overlap `wire`.
    Unwrapped unwrap(Bytes wire, MutBytes out, std::int64_t now, ReplayCheck rc = ReplayCheck::Enforce);

    void set_send_position(std::uint32_t last_id, std::uint32_t time) { send_id_.set(last_id, time); }
    std::uint32_t last_sent_id() const { return send_id_.last_id(); }
    void reset_receive() { replay_.reset(); }

private:
    crypto::CtrCipher enc_, dec_;
    crypto::Hmac tag_out_, tag_in_;
    LongPacketIdSender send_id_;
    ReplayWindow replay_;
};

// A P_CONTROL_HARD_RESET_CLIENT_V3 / P_CONTROL_WKC_V1 packet is a tls-crypt packet
// followed by the wrapped client key WKc, whose last two bytes are its own total
// length (§6.3; tls_crypt.c: tls_crypt_v2_extract_client_key).
struct WkcSplit {
    Bytes packet;  // the tls-crypt wrapped part
    Bytes wkc;     // the wrapped client key, length field included
};
// nullopt when the length field is below 2, above 1024 (TLS_CRYPT_V2_MAX_WKC_LEN)
// or leaves less than 9 bytes (opcode + session id) in front.
std::optional<WkcSplit> split_wkc(Bytes wire);

}  // namespace vpn::ovpn::control
