#pragma once
// Data-channel key material for TLS mode (openvpn-wire.md §7.2-7.4; ssl.c:
// generate_key_expansion_openvpn_prf, openvpn_PRF, generate_key_expansion_tls_export;
// openvpn3 openvpn/ssl/tlsprf.hpp).  Both methods yield the 256-byte key2 that
// TlsDataChannel slices by role (keys[0] = client->server, keys[1] = server->client).
//
//   legacy PRF (TLS 1.0 PRF, MD5/SHA1):
//     master[48] = PRF(client.pre_master,
//                      "OpenVPN master secret" | client.random1 | server.random1)
//     key2[256]  = PRF(master,
//                      "OpenVPN key expansion" | client.random2 | server.random2
//                      | client session id (8) | server session id (8))
//   tls-ekm:
//     key2[256]  = TLS exporter, label "EXPORTER-OpenVPN-datakeys", no context
//
// The session ids are the control channel's: the TLS client's own id first, then the
// TLS server's (for a 2.6 stateless server, its HMAC-derived id) -- pitfall §11.6.
#include <cstddef>
#include <string_view>
#include <utility>

#include "common/crypto/key2.hpp"
#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn {

inline constexpr std::size_t kPreMasterLen = 48;
inline constexpr std::size_t kRandomLen = 32;
inline constexpr std::size_t kSessionIdLen = 8;
inline constexpr std::size_t kKey2Len = 256;
// ssl_backend.h: EXPORT_KEY_DATA_LABEL, EXPORT_P2P_PEERID_LABEL.
inline constexpr std::string_view kEkmDataKeysLabel = "EXPORTER-OpenVPN-datakeys";
inline constexpr std::string_view kEkmP2pPeerIdLabel = "EXPORTER-OpenVPN-p2p-peerid";

// One side's contribution to key method 2 (ssl_common.h: struct key_source): the TLS
// client sends pre_master, random1 and random2; the TLS server random1 and random2.
// Held in a SecureBuffer, wiped when destroyed.
class KeySource {
public:
    KeySource() = default;  // empty: is_empty() until generated or read
    // Fresh random material from the private DRBG; `client` adds the pre_master.
    // Throws CryptoError if the DRBG fails.
    static KeySource generate(bool client);
    // From received bytes.  `pre_master` must be 48 bytes (client) or empty (server),
    // random1/random2 32 bytes each; std::invalid_argument otherwise.
    static KeySource from_parts(Bytes pre_master, Bytes random1, Bytes random2);

    bool is_empty() const { return buf_.empty(); }
    bool is_client() const { return buf_.size() == kPreMasterLen + 2 * kRandomLen; }
    Bytes pre_master() const;  // 48 bytes for a client source, empty for a server's
    Bytes random1() const;
    Bytes random2() const;

private:
    explicit KeySource(crypto::SecureBuffer b) : buf_(std::move(b)) {}
    crypto::SecureBuffer buf_;  // [pre_master] | random1 | random2
};

// The legacy derivation.  `client` must be a client source, `server` a server
// source, the session ids 8 bytes each (std::invalid_argument otherwise).  Throws
// CryptoError if the TLS 1.0 PRF is unavailable (FIPS): the peer must then do EKM.
crypto::Key2 derive_key2_prf(const KeySource& client, const KeySource& server, Bytes client_session_id,
                             Bytes server_session_id);

// The tls-ekm derivation: `exported` is what SSL_export_keying_material(ssl, out,
// 256, "EXPORTER-OpenVPN-datakeys", 25, nullptr, 0, 0) wrote (no context: the last
// argument must be 0).  Must be exactly 256 bytes (std::invalid_argument otherwise).
crypto::Key2 key2_from_ekm(Bytes exported);

}  // namespace vpn::ovpn
