#pragma once
// The TLS-mode data channel codec for one key_id, sans-IO (openvpn-wire.md §3.3-3.5,
// §7.4; crypto.c: openvpn_encrypt_aead / openvpn_decrypt_aead / openvpn_encrypt_v1 /
// openvpn_decrypt_v1; ssl.c: tls_prepend_opcode_v1/v2, init_key_contexts).
//
//   header   P_DATA_V1: [0x30|key_id]          P_DATA_V2: [0x48|key_id][peer_id 24 bit]
//
//   AEAD     [header][packet id 4][tag 16][ciphertext of payload]
//            nonce = packet id | implicit IV (first 8 bytes of the direction's HMAC key)
//            AAD   = V2: the 4 header bytes | packet id;  V1: packet id only
//   CBC      [header][HMAC][IV][CBC( packet id 4 | payload | PKCS#7 pad )]
//            HMAC  = HMAC-<auth>(IV | ciphertext): the V2 header is NOT covered
//   none     [header][HMAC][packet id 4 | payload]     (auth none: no HMAC field)
//
// Packet ids are short form (no time), start at 1 for every key_id and never wrap:
// seal() refuses to send once 2^32-1 is used; the session renegotiates well before,
// when packet_id_close_to_wrapping() turns true (ssl.c: tls_process).
//
// Keys: the 256-byte key2 from the TLS-PRF or EKM derivation (§7).  keys[0] carries
// client->server traffic, keys[1] server->client: a client sends with keys[0] and
// receives with keys[1] (KEY_DIRECTION_NORMAL), a server the reverse (INVERSE).
//
// Flow on receive: header -> (CBC: HMAC -> decrypt -> padding) / (AEAD: tag check
// while decrypting) -> packet id -> replay window -> payload.  Contexts are keyed once;
// seal()/open() allocate nothing and write only into the caller's buffers.  seal() and
// open() touch disjoint state, so one sender and one receiver thread may share a
// channel; each on its own is not reentrant.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/crypto/aead_cipher.hpp"
#include "common/crypto/algorithms.hpp"
#include "common/crypto/cbc_cipher.hpp"
#include "common/crypto/hmac.hpp"
#include "common/crypto/key2.hpp"
#include "common/crypto/random.hpp"
#include "common/openvpn/drop_reason.hpp"
#include "common/openvpn/replay_window.hpp"
#include "common/util/bytes.hpp"

namespace vpn::ovpn {

enum class DataOpcode : std::uint8_t { V1 = 6, V2 = 9 };  // P_DATA_V1, P_DATA_V2
inline constexpr std::uint32_t kNoPeerId = 0xFFFFFF;      // MAX_PEER_ID: "none assigned"
inline constexpr std::uint32_t kPacketIdWrapTrigger = 0xFF000000;  // PACKET_ID_WRAP_TRIGGER

struct DataHeader {
    DataOpcode op = DataOpcode::V2;
    std::uint8_t key_id = 0;             // 0..7
    std::uint32_t peer_id = kNoPeerId;   // 24 bit, V2 only
    friend bool operator==(const DataHeader&, const DataHeader&) = default;
};

// 1 for V1, 4 for V2.
std::size_t data_header_length(DataOpcode op);

// The header of a data packet, for dispatch by key_id (and peer-id on a server).
// nullopt if the first byte's opcode is neither P_DATA_V1 nor P_DATA_V2, or a V2
// packet is shorter than its 4-byte header.  For V1 the peer_id is kNoPeerId.
std::optional<DataHeader> parse_data_header(Bytes datagram);

enum class TlsRole { Client, Server };

struct TlsChannelParams {
    std::string cipher = "AES-256-GCM";  // AEAD (GCM, CHACHA20-POLY1305), CBC, or none
    std::string auth = "SHA1";           // HMAC for CBC and none; ignored for AEAD
    int replay_window = 64;              // packets, [0, 65536]; 0 = strictly sequential
    int replay_seconds = 15;             // [0, 600]; 0 = no time-based expiry
};

class TlsDataChannel {
public:
    // Throws CryptoError for: an unknown cipher or digest; a cipher that is neither
    // GCM/ChaCha20-Poly1305, CBC nor none (OFB/CFB/CTR/CCM are refused); a key2
    // without two keys; an all-zero cipher key in either direction (crypto.c:
    // check_key, "Bad dynamic key generated").  std::invalid_argument for replay
    // parameters out of range.  Warns for 64-bit block ciphers, cipher none and auth
    // none (CBC/none only).
    TlsDataChannel(const crypto::Key2& key, TlsRole role, const TlsChannelParams& p);
    ~TlsDataChannel();
    TlsDataChannel(TlsDataChannel&&) noexcept;
    TlsDataChannel& operator=(TlsDataChannel&&) noexcept;

    // Max bytes seal() adds to a payload with this header type.  AEAD V2: 4 + 4 + 16
    // = 24; AES-256-CBC/SHA256 V2: 4 + 32 + 16 + 4 + 16 (worst-case padding) = 72.
    std::size_t overhead(DataOpcode op) const;
    // Where seal() puts the payload inside `out`.  A caller that already placed the
    // payload there (payload.data() == out.data() + payload_offset(op)) saves a copy.
    std::size_t payload_offset(DataOpcode op) const;

    // Encrypt and authenticate `payload` into `out` under header `h`; returns the
    // datagram length, or 0 (nothing to send) once all 2^32-1 packet ids of this key
    // are used.  Requires out.size() >= payload.size() + overhead(h.op) (else
    // std::length_error), h.key_id <= 7 and h.peer_id <= 0xFFFFFF (else
    // std::invalid_argument).  `payload` may overlap `out`.  A receiving 2.6 peer drops
    // an AEAD packet with an empty payload ("missing payload"); do not send one.
    std::size_t seal(Bytes payload, MutBytes out, const DataHeader& h);

    struct Opened {
        bool ok = false;
        Drop reason = Drop::Count;  // meaningful only when !ok
        Bytes payload;              // when ok: the plaintext, pointing into `out`
        DataHeader header;          // when ok: the packet's header
        std::uint32_t id = 0;       // when ok: its packet id
    };
    // Authenticate, decrypt and replay-check one datagram (header included).  `out`
    // must not overlap `datagram`; out.size() >= datagram.size() suffices (smaller ->
    // Drop::Oversize).  `now`: local Unix seconds, for the replay window's expiry.
    // Drops: ShortPacket (empty, too short for its layout, or an empty AEAD payload),
    // BadCiphertext (not a P_DATA_V1/V2 opcode, or CBC length not whole blocks),
    // BadHmac (HMAC or AEAD tag mismatch), BadPadding, Replay.
    Opened open(Bytes datagram, MutBytes out, std::int64_t now);

    // True once the last packet id sent is >= 0xFF000000: time to renegotiate (§3.1).
    bool packet_id_close_to_wrapping() const { return send_id_ >= kPacketIdWrapTrigger; }
    // The last packet id sent (0 before the first packet).
    std::uint32_t last_sent_id() const { return send_id_; }
    // Testing hook: pretend `last` packet ids were already sent.
    void set_last_sent_id_for_testing(std::uint32_t last) { send_id_ = last; }

    bool is_aead() const { return aead_; }
    const std::string& cipher_name() const { return cipher_.name(); }
    // The HMAC digest in use ("none" for AEAD, where --auth is ignored).
    const std::string& auth_name() const { return digest_.name(); }

private:
    Opened open_aead(Bytes datagram, std::size_t hlen, MutBytes out, std::int64_t now);
    Opened open_cbc(Bytes datagram, std::size_t hlen, MutBytes out, std::int64_t now);

    crypto::CipherAlgorithm cipher_;
    crypto::DigestAlgorithm digest_;
    bool aead_ = false;
    std::size_t hmac_len_ = 0, iv_len_ = 0, block_ = 1;

    // Send side.
    std::optional<crypto::AeadCipher> aead_out_;
    std::optional<crypto::CbcCipher> cbc_out_;
    std::optional<crypto::Hmac> hmac_out_;
    std::unique_ptr<crypto::RandomPool> iv_pool_;
    std::array<std::uint8_t, 8> implicit_out_{};
    std::uint32_t send_id_ = 0;

    // Receive side.
    std::optional<crypto::AeadCipher> aead_in_;
    std::optional<crypto::CbcCipher> cbc_in_;
    std::optional<crypto::Hmac> hmac_in_;
    std::array<std::uint8_t, 8> implicit_in_{};
    ReplayWindow replay_;
};

}  // namespace vpn::ovpn
