#include "common/openvpn/tls_data_channel.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "common/crypto/secure_buffer.hpp"
#include "common/log/log.hpp"
#include "common/openvpn/cbc_body.hpp"

namespace vpn::ovpn {
namespace {

using crypto::CryptoError;

constexpr std::size_t kPacketIdLen = 4;  // short form
constexpr std::size_t kTagLen = crypto::AeadCipher::kTagLen;
constexpr std::size_t kImplicitIvLen = 8;  // 12-byte nonce minus the packet id
constexpr int kMaxBlock = 32;              // OPENVPN_MAX_CIPHER_BLOCK_SIZE
constexpr std::uint8_t kOpShift = 3;

bool is_zero(Bytes b) {
    std::uint8_t acc = 0;
    for (auto v : b) acc |= v;
    return acc == 0;
}

void check_header(const DataHeader& h) {
    if (h.key_id > 7) throw std::invalid_argument("data channel key_id must be 0..7");
    if (h.op == DataOpcode::V2 && h.peer_id > kNoPeerId) throw std::invalid_argument("peer-id must fit 24 bits");
}

std::size_t write_header(const DataHeader& h, std::uint8_t* p) {
    p[0] = static_cast<std::uint8_t>((static_cast<std::uint8_t>(h.op) << kOpShift) | h.key_id);
    if (h.op == DataOpcode::V1) return 1;
    p[1] = static_cast<std::uint8_t>(h.peer_id >> 16);
    p[2] = static_cast<std::uint8_t>(h.peer_id >> 8);
    p[3] = static_cast<std::uint8_t>(h.peer_id);
    return 4;
}

}  // namespace

std::size_t data_header_length(DataOpcode op) { return op == DataOpcode::V1 ? 1 : 4; }

std::optional<DataHeader> parse_data_header(Bytes d) {
    if (d.empty()) return std::nullopt;
    const std::uint8_t op = d[0] >> kOpShift;
    DataHeader h;
    h.key_id = d[0] & 7;
    if (op == static_cast<std::uint8_t>(DataOpcode::V1)) {
        h.op = DataOpcode::V1;
        return h;
    }
    // ssl.c: handle_data_channel_packet -- a V2 packet shorter than its header is an error.
    if (op != static_cast<std::uint8_t>(DataOpcode::V2) || d.size() < 4) return std::nullopt;
    h.op = DataOpcode::V2;
    h.peer_id = (std::uint32_t(d[1]) << 16) | (std::uint32_t(d[2]) << 8) | d[3];
    return h;
}

TlsDataChannel::TlsDataChannel(const crypto::Key2& key, TlsRole role, const TlsChannelParams& p)
    : cipher_(crypto::CipherAlgorithm::fetch(p.cipher)), replay_(p.replay_window, p.replay_seconds) {
    aead_ = crypto::is_openvpn_aead(cipher_);
    if (!aead_ && !cipher_.is_none() && !cipher_.is_cbc())
        throw CryptoError("Cipher '" + cipher_.name() +
                          "' mode not supported for the data channel (GCM, ChaCha20-Poly1305, CBC or none)");
    if (cipher_.block_size() > kMaxBlock)
        throw CryptoError("Cipher '" + cipher_.name() + "' not allowed: block size too big.");
    if (key.key_count() != 2) throw CryptoError("data channel key material must hold two keys");
    if (!cipher_.is_none()) {
        for (int i = 0; i < 2; ++i)
            if (is_zero(key.cipher(i).first(static_cast<std::size_t>(cipher_.key_length()))))
                throw CryptoError("TLS Error: Bad dynamic key generated (all-zero cipher key)");
    }

    // ssl.c: init_key_contexts -- client = KEY_DIRECTION_NORMAL, server = INVERSE;
    // the implicit IVs come from the same slot's HMAC half.
    const int out_slot = role == TlsRole::Client ? 0 : 1;
    const int in_slot = 1 - out_slot;

    if (aead_) {
        aead_out_.emplace(cipher_, key.cipher(out_slot), true);
        aead_in_.emplace(cipher_, key.cipher(in_slot), false);
        std::memcpy(implicit_out_.data(), key.hmac(out_slot).data(), kImplicitIvLen);
        std::memcpy(implicit_in_.data(), key.hmac(in_slot).data(), kImplicitIvLen);
    } else {
        digest_ = crypto::DigestAlgorithm::fetch(p.auth);
        if (!cipher_.is_none()) {
            iv_len_ = static_cast<std::size_t>(cipher_.iv_length());
            block_ = static_cast<std::size_t>(cipher_.block_size());
            cbc_out_.emplace(cipher_, key.cipher(out_slot), true);
            cbc_in_.emplace(cipher_, key.cipher(in_slot), false);
            iv_pool_ = std::make_unique<crypto::RandomPool>();
            if (cipher_.is_insecure_block())
                log::warn("WARNING: INSECURE cipher ({}) with block size less than 128 bit ({} bit).  "
                          "This allows attacks like SWEET32.", cipher_.name(), cipher_.block_size() * 8);
        } else {
            log::warn("WARNING: cipher 'none' negotiated: data channel traffic is NOT encrypted");
        }
        if (!digest_.is_none()) {
            hmac_len_ = static_cast<std::size_t>(digest_.size());
            hmac_out_.emplace(digest_, key.hmac(out_slot));
            hmac_in_.emplace(digest_, key.hmac(in_slot));
        } else {
            log::warn("WARNING: '--auth none': received data channel packets are NOT authenticated");
        }
    }
}

TlsDataChannel::~TlsDataChannel() {
    crypto::cleanse(implicit_out_);
    crypto::cleanse(implicit_in_);
}
TlsDataChannel::TlsDataChannel(TlsDataChannel&&) noexcept = default;
TlsDataChannel& TlsDataChannel::operator=(TlsDataChannel&&) noexcept = default;

std::size_t TlsDataChannel::payload_offset(DataOpcode op) const {
    const std::size_t h = data_header_length(op);
    if (aead_) return h + kPacketIdLen + kTagLen;
    return h + hmac_len_ + iv_len_ + kPacketIdLen;
}

std::size_t TlsDataChannel::overhead(DataOpcode op) const {
    return payload_offset(op) + (cbc_out_ ? block_ : 0);
}

std::size_t TlsDataChannel::seal(Bytes payload, MutBytes out, const DataHeader& h) {
    check_header(h);
    if (out.size() < payload.size() + overhead(h.op))
        throw std::length_error("TlsDataChannel::seal: output buffer too small");
    // packet_id.c: packet_id_send_update -- short form never rolls over.
    if (send_id_ == UINT32_MAX) return 0;
    ++send_id_;

    std::uint8_t* const data = out.data();
    const std::size_t off = payload_offset(h.op);
    // The payload first (it may overlap the header area), then the headers.
    if (!payload.empty() && payload.data() != data + off) std::memmove(data + off, payload.data(), payload.size());
    const std::size_t hlen = write_header(h, data);

    if (aead_) {
        std::uint8_t* pid = data + hlen;
        store_be32(pid, send_id_);
        std::uint8_t nonce[crypto::AeadCipher::kNonceLen];
        std::memcpy(nonce, pid, kPacketIdLen);
        std::memcpy(nonce + kPacketIdLen, implicit_out_.data(), kImplicitIvLen);
        // crypto.c: openvpn_encrypt_aead authenticates everything written before the
        // tag: the V2 header (opcode, key_id, peer-id) and the packet id; with V1 the
        // opcode byte is prepended later and stays outside the AAD.
        const Bytes aad = h.op == DataOpcode::V2 ? Bytes(data, hlen + kPacketIdLen) : Bytes(pid, kPacketIdLen);
        if (!aead_out_->seal(nonce, aad, data + off, payload.size(), data + off, pid + kPacketIdLen))
            throw CryptoError("data channel encryption failed");
        return off + payload.size();
    }

    const std::size_t body = hlen + hmac_len_ + iv_len_;  // start of ciphertext / plaintext
    store_be32(data + body, send_id_);
    std::size_t len = kPacketIdLen + payload.size();
    if (cbc_out_) {
        const std::size_t pad = block_ - len % block_;  // PKCS#7, always >= 1 byte
        std::memset(data + body + len, static_cast<int>(pad), pad);
        len += pad;
        std::uint8_t* iv = data + hlen + hmac_len_;
        iv_pool_->take(iv, iv_len_);
        if (!cbc_out_->run(iv, data + body, len, data + body)) throw CryptoError("data channel encryption failed");
    }
    if (hmac_out_ && !hmac_out_->compute(Bytes(data + hlen + hmac_len_, iv_len_ + len), data + hlen))
        throw CryptoError("data channel HMAC failed");
    return body + len;
}

TlsDataChannel::Opened TlsDataChannel::open(Bytes datagram, MutBytes out, std::int64_t now) {
    const auto h = parse_data_header(datagram);
    if (!h) {
        Opened o;
        const bool short_v2 =
            datagram.empty() || (datagram[0] >> kOpShift) == static_cast<std::uint8_t>(DataOpcode::V2);
        o.reason = short_v2 ? Drop::ShortPacket : Drop::BadCiphertext;
        return o;
    }
    const std::size_t hlen = data_header_length(h->op);
    Opened o = aead_ ? open_aead(datagram, hlen, out, now) : open_cbc(datagram, hlen, out, now);
    if (o.ok) o.header = *h;
    return o;
}

TlsDataChannel::Opened TlsDataChannel::open_aead(Bytes d, std::size_t hlen, MutBytes out, std::int64_t now) {
    auto drop = [](Drop r) { Opened o; o.reason = r; return o; };
    // crypto.c: openvpn_decrypt_aead -- packet id, tag and at least one payload byte.
    if (d.size() < hlen + kPacketIdLen + kTagLen + 1) return drop(Drop::ShortPacket);
    const std::uint8_t* pid = d.data() + hlen;
    const Bytes ct = d.subspan(hlen + kPacketIdLen + kTagLen);
    if (out.size() < ct.size()) return drop(Drop::Oversize);
    std::uint8_t nonce[crypto::AeadCipher::kNonceLen];
    std::memcpy(nonce, pid, kPacketIdLen);
    std::memcpy(nonce + kPacketIdLen, implicit_in_.data(), kImplicitIvLen);
    const Bytes aad = hlen == 4 ? d.first(hlen + kPacketIdLen) : Bytes(pid, kPacketIdLen);
    if (!aead_in_->open(nonce, aad, ct.data(), ct.size(), out.data(), pid + kPacketIdLen))
        return drop(Drop::BadHmac);
    const std::uint32_t id = load_be32(pid);
    if (!replay_.accept(id, 0, now)) return drop(Drop::Replay);
    Opened o;
    o.ok = true;
    o.payload = Bytes(out.data(), ct.size());
    o.id = id;
    return o;
}

TlsDataChannel::Opened TlsDataChannel::open_cbc(Bytes d, std::size_t hlen, MutBytes out, std::int64_t now) {
    auto drop = [](Drop r) { Opened o; o.reason = r; return o; };
    if (d.size() < hlen + hmac_len_) return drop(Drop::ShortPacket);
    const Bytes body = d.subspan(hlen + hmac_len_);
    // The HMAC covers IV | ciphertext only, not the opcode or peer-id (§3.4).
    if (hmac_in_ && !hmac_in_->verify(body, d.data() + hlen)) return drop(Drop::BadHmac);

    const CbcBody opened = open_cbc_body(cbc_in_ ? &*cbc_in_ : nullptr, iv_len_, block_, body, out);
    if (!opened.ok) return drop(opened.reason);
    const std::size_t len = opened.len;
    if (len < kPacketIdLen) return drop(Drop::ShortPacket);
    const std::uint32_t id = load_be32(out.data());
    if (!replay_.accept(id, 0, now)) return drop(Drop::Replay);
    Opened o;
    o.ok = true;
    o.payload = Bytes(out.data() + kPacketIdLen, len - kPacketIdLen);
    o.id = id;
    return o;
}

}  // namespace vpn::ovpn
