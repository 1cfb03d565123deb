#pragma once
// One TLS connection driven through memory BIOs, sans-IO (openvpn-wire.md §5.5, §8.1;
// ssl_openssl.c: key_state_ssl_init, bio_write / bio_read, key_state_write_plaintext,
// key_state_read_plaintext).
//
//   ciphertext in   feed()              <- payloads of in-order P_CONTROL_V1 messages
//   ciphertext out  take_ciphertext()   -> cut into P_CONTROL_V1 payloads by the caller
//   plaintext out   read_record()       -> one SSL_read = one record = one message
//   plaintext in    write_record()      -> one SSL_write per message (own record);
//                                          held until the handshake is done
//
// The engine never blocks and never touches a socket.  After any feed() or
// write_record() call step() to advance the handshake and flush held records.
#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "common/crypto/secure_buffer.hpp"
#include "common/openvpn/session/tls_context.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn::session {

class TlsEngine {
public:
    static constexpr std::size_t kMaxRecord = 2048;  // TLS_CHANNEL_BUF_SIZE

    // Throws TlsConfigError if OpenSSL cannot allocate.  `ctx` must outlive the engine.
    explicit TlsEngine(const TlsContext& ctx);
    ~TlsEngine();
    TlsEngine(const TlsEngine&) = delete;
    TlsEngine& operator=(const TlsEngine&) = delete;

    // Hand in TLS bytes from the peer.  False if OpenSSL refused them (out of memory).
    bool feed(Bytes ciphertext);

    enum class Status : std::uint8_t { InProgress, Established, Failed };
    // Advance the handshake and, once established, write held records.  Failed is
    // sticky; failure() then says why in one line.
    Status step();
    Status status() const { return status_; }
    const std::string& failure() const { return failure_; }

    // Queue one plaintext message (<= 2048 bytes, else false) as its own record.
    bool write_record(Bytes plain);

    // The next plaintext record into `out` (>= 2048 bytes): its length, 0 if none is
    // ready (or after a failure: see status()).
    std::size_t read_record(MutBytes out);

    // TLS bytes waiting to go out, and taking up to out.size() of them.
    std::size_t pending_ciphertext() const;
    std::size_t take_ciphertext(MutBytes out);

    // RFC 5705 / 8446 exporter with no context (SSL_export_keying_material, use_context
    // 0).  False before the handshake is done or if OpenSSL fails.
    bool export_keying_material(std::string_view label, MutBytes out) const;

    // "TLSv1.3, cipher TLS_AES_256_GCM_SHA384" style summary, for logs.
    std::string describe() const;
    // The verified peer certificate's common name ("" before or without one).
    const std::string& peer_common_name() const { return verify_.common_name; }

private:
    void fail(std::string why);

    VerifyState verify_;
    SSL* ssl_ = nullptr;
    BIO* in_ = nullptr;   // owned by ssl_
    BIO* out_ = nullptr;  // owned by ssl_
    Status status_ = Status::InProgress;
    std::string failure_;
    std::deque<crypto::SecureBuffer> held_;
};

}  // namespace vpn::ovpn::session
