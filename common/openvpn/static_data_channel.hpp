#pragma once
// The static-key (`--secret`) data channel codec, sans-IO (openvpn-wire.md §3.1, §3.2;
// crypto.c: openvpn_encrypt_v1 / openvpn_decrypt_v1).
//
// Packet on the wire (no opcode byte, no peer-id):
//
//   [ HMAC (md_len) ][ IV (cipher IV len) ][ CBC( id(4) | time(4) | payload | PKCS#7 pad ) ]
//   HMAC = HMAC-<auth>(send hmac key, IV | ciphertext)               (encrypt-then-MAC)
//
//   cipher none:  [ HMAC ][ id(4) | time(4) | payload ]   (HMAC over id|time|payload)
//   auth none:    no HMAC field.
//
// Flow on receive: HMAC (constant time) -> decrypt -> padding -> packet id -> replay
// window -> payload.  On send: packet id -> pad -> random IV -> encrypt -> HMAC.
// Keys are installed into OpenSSL contexts once; seal()/open() allocate nothing and
// write only into the caller's buffers.  seal() and open() touch disjoint state, so a
// sender thread and a receiver thread may use one channel concurrently; each of them
// on its own is not reentrant.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/config/options.hpp"
#include "common/crypto/algorithms.hpp"
#include "common/crypto/cbc_cipher.hpp"
#include "common/crypto/hmac.hpp"
#include "common/crypto/key2.hpp"
#include "common/crypto/random.hpp"
#include "common/openvpn/drop_reason.hpp"
#include "common/openvpn/replay_window.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn {

// Bidirectional (no direction): both ways use keys[0].  Normal ("0"): send keys[0],
// receive keys[1].  Inverse ("1"): send keys[1], receive keys[0].  (§1.3)
using KeyDirection = vpn::config::KeyDirection;
using CryptoError = vpn::crypto::CryptoError;

struct StaticChannelParams {
    std::string cipher = "BF-CBC";  // OpenVPN 2.6's static-mode default (weak, warned)
    std::string auth = "SHA1";
    int replay_window = 64;   // packets, [0, 65536]; 0 = strictly sequential
    int replay_seconds = 15;  // [0, 600]; 0 = no time-based expiry
};

class StaticDataChannel {
public:
    // Throws CryptoError for: an unknown cipher or digest; a cipher that is not CBC
    // (AEAD, CTR, OFB, CFB, ... are TLS-only); a key without two keys (stock 2.6
    // refuses 1024-bit files for --secret); an all-zero cipher key.  Also throws
    // std::invalid_argument for replay parameters out of range.  Logs a warning for
    // 64-bit block ciphers (BF-CBC: SWEET32), `cipher none` and `auth none`.
    StaticDataChannel(const crypto::Key2& key, KeyDirection dir, const StaticChannelParams& p);
    ~StaticDataChannel();
    StaticDataChannel(StaticDataChannel&&) noexcept;
    StaticDataChannel& operator=(StaticDataChannel&&) noexcept;

    // Max bytes seal() adds to a payload: HMAC + IV + packet id (8) + one block of
    // padding.  E.g. AES-256-CBC/SHA256: 32 + 16 + 8 + 16 = 72.
    std::size_t overhead() const;
    // Where seal() puts the payload inside `out`.  A caller that already placed the
    // payload there (payload.data() == out.data() + payload_offset()) saves a copy.
    std::size_t payload_offset() const;

    // Encrypt and authenticate `payload` into `out`; returns the datagram length.
    // Requires out.size() >= payload.size() + overhead() (else std::length_error);
    // `payload` may overlap `out`.  `now` (Unix seconds) becomes the long-form time of
    // a new send sequence.  Returns 0 (nothing to send) only if 2^32 packets were sent
    // within one second, as OpenVPN does on packet-id roll-over.
    std::size_t seal(Bytes payload, MutBytes out, std::int64_t now);

    struct Opened {
        bool ok;
        Drop reason;    // meaningful only when !ok (Drop::Count when ok)
        Bytes payload;  // when ok: the plaintext payload, pointing into `out`
        std::uint32_t id = 0;    // when ok: the packet id ...
        std::uint32_t time = 0;  // ... and its long-form time (for logs and tests)
    };
    // Authenticate, decrypt, check padding and replay.  `out` must not overlap
    // `datagram`; out.size() >= datagram.size() suffices (smaller -> Drop::Oversize).
    // `now`: local Unix seconds, for the replay window's time-based expiry.
    Opened open(Bytes datagram, MutBytes out, std::int64_t now);

    // Start a new replay window (the peer restarted, e.g. after ping-restart).
    void reset_receive();
    // Start a new send sequence: ids restart at 1 with a time strictly greater than
    // the previous sequence's, so the peer's window accepts it.
    void restart_send(std::int64_t now);

    const std::string& cipher_name() const { return cipher_.name(); }
    const std::string& auth_name() const { return digest_.name(); }

private:
    crypto::CipherAlgorithm cipher_;
    crypto::DigestAlgorithm digest_;
    std::size_t hmac_len_ = 0, iv_len_ = 0, block_ = 1;

    // Send side.
    std::optional<crypto::CbcCipher> encrypt_;
    std::optional<crypto::Hmac> hmac_out_;
    std::unique_ptr<crypto::RandomPool> iv_pool_;
    std::uint32_t send_id_ = 0;
    std::uint32_t send_time_ = 0;
    std::uint32_t send_floor_ = 0;  // restart_send: the next time must be >= this
    bool send_started_ = false;

    // Receive side.
    std::optional<crypto::CbcCipher> decrypt_;
    std::optional<crypto::Hmac> hmac_in_;
    ReplayWindow replay_;
};

}  // namespace vpn::ovpn
