#include "common/openvpn/static_data_channel.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "common/log/log.hpp"
#include "common/openvpn/cbc_body.hpp"

namespace vpn::ovpn {
namespace {

constexpr std::size_t kPacketIdLen = 8;        // long form: id(4) | time(4)
constexpr int kMaxBlock = 32;                  // crypto.h: OPENVPN_MAX_CIPHER_BLOCK_SIZE

struct Slots {
    int out, in;
};

Slots key_slots(KeyDirection dir) {
    // crypto.c: key_direction_state_init
    switch (dir) {
        case KeyDirection::Normal: return {0, 1};
        case KeyDirection::Inverse: return {1, 0};
        case KeyDirection::Bidirectional: break;
    }
    return {0, 0};
}

bool is_zero(Bytes b) {
    std::uint8_t acc = 0;
    for (auto v : b) acc |= v;
    return acc == 0;
}

}  // namespace

StaticDataChannel::StaticDataChannel(const crypto::Key2& key, KeyDirection dir,
                                     const StaticChannelParams& p)
    : cipher_(crypto::CipherAlgorithm::fetch(p.cipher)),
      digest_(crypto::DigestAlgorithm::fetch(p.auth)),
      replay_(p.replay_window, p.replay_seconds) {
    if (!cipher_.is_none() && !cipher_.is_cbc())
        throw CryptoError("Cipher '" + cipher_.name() +
                          "' mode not supported in static-key mode (only CBC ciphers or none)");
    if (cipher_.block_size() > kMaxBlock)
        throw CryptoError("Cipher '" + cipher_.name() + "' not allowed: block size too big.");
    // crypto.c: crypto_read_openvpn_key -- 2.6 insists on two keys even when only
    // one is used (bidirectional).
    if (key.key_count() != 2)
        throw CryptoError("static key does not have OpenVPN Static Key format (" +
                          std::to_string(key.key_count()) +
                          " of 2 keys); generate a new one with --genkey secret");
    // crypto.c: verify_fix_key2 -- every key's used cipher part must be non-zero.
    if (!cipher_.is_none()) {
        for (int i = 0; i < 2; ++i)
            if (is_zero(key.cipher(i).first(static_cast<std::size_t>(cipher_.key_length()))))
                throw CryptoError("Key #" + std::to_string(i + 1) +
                                  " is bad (all-zero cipher key).  Try making a new key with --genkey secret.");
    }

    const Slots s = key_slots(dir);
    if (!cipher_.is_none()) {
        iv_len_ = static_cast<std::size_t>(cipher_.iv_length());
        block_ = static_cast<std::size_t>(cipher_.block_size());
        encrypt_.emplace(cipher_, key.cipher(s.out), true);
        decrypt_.emplace(cipher_, key.cipher(s.in), false);
        iv_pool_ = std::make_unique<crypto::RandomPool>();
        if (cipher_.is_insecure_block())
            log::warn("WARNING: INSECURE cipher ({}) with block size less than 128 bit ({} bit).  "
                      "This allows attacks like SWEET32.  Mitigate by using a --cipher with a larger "
                      "block size (e.g. AES-256-CBC).",
                      cipher_.name(), cipher_.block_size() * 8);
    } else {
        log::warn("WARNING: '--cipher none' was specified. This means NO encryption will be "
                  "performed and tunnelled data WILL be transmitted in clear text over the network!");
    }
    if (!digest_.is_none()) {
        hmac_len_ = static_cast<std::size_t>(digest_.size());
        hmac_out_.emplace(digest_, key.hmac(s.out));
        hmac_in_.emplace(digest_, key.hmac(s.in));
    } else {
        log::warn("WARNING: '--auth none' was specified. This means no authentication will be "
                  "performed on received packets, meaning you CANNOT trust that the data received "
                  "by the remote side have NOT been manipulated.");
    }
    log::verbose("Static Key Encryption: Cipher '{}' initialized with {} bit key", cipher_.name(),
              cipher_.key_length() * 8);
    if (hmac_len_)
        log::verbose("Static Key Encryption: Using {} bit message hash '{}' for HMAC authentication",
                  hmac_len_ * 8, digest_.name());
}

StaticDataChannel::~StaticDataChannel() = default;
StaticDataChannel::StaticDataChannel(StaticDataChannel&&) noexcept = default;
StaticDataChannel& StaticDataChannel::operator=(StaticDataChannel&&) noexcept = default;

std::size_t StaticDataChannel::overhead() const {
    return hmac_len_ + iv_len_ + kPacketIdLen + (encrypt_ ? block_ : 0);
}

std::size_t StaticDataChannel::payload_offset() const { return hmac_len_ + iv_len_ + kPacketIdLen; }

std::size_t StaticDataChannel::seal(Bytes payload, MutBytes out, std::int64_t now) {
    if (out.size() < payload.size() + overhead())
        throw std::length_error("StaticDataChannel::seal: output buffer too small");

    // packet_id.c: packet_id_send_update -- pre-increment; the time is taken when
    // the sequence starts and only changes when the 32-bit id rolls over.
    const auto now32 = static_cast<std::uint32_t>(now);
    if (!send_started_) {
        send_time_ = std::max(now32, send_floor_);
        send_started_ = true;
    }
    if (send_id_ == UINT32_MAX) {
        if (now32 <= send_time_) return 0;
        send_time_ = now32;
        send_id_ = 0;
    }
    ++send_id_;

    std::uint8_t* const data = out.data();
    const std::size_t body = hmac_len_ + iv_len_;  // start of ciphertext / plaintext
    // Payload first (it may overlap the header area), then id and time.
    if (!payload.empty() && payload.data() != data + body + kPacketIdLen)
        std::memmove(data + body + kPacketIdLen, payload.data(), payload.size());
    store_be32(data + body, send_id_);
    store_be32(data + body + 4, send_time_);
    std::size_t len = kPacketIdLen + payload.size();

    if (encrypt_) {
        // PKCS#7: always at least one byte, a whole block if already aligned.
        const std::size_t pad = block_ - len % block_;
        std::memset(data + body + len, static_cast<int>(pad), pad);
        len += pad;
        std::uint8_t* iv = data + hmac_len_;
        iv_pool_->take(iv, iv_len_);
        if (!encrypt_->run(iv, data + body, len, data + body))
            throw CryptoError("data channel encryption failed");
    }
    if (hmac_out_ && !hmac_out_->compute(Bytes(data + hmac_len_, iv_len_ + len), data))
        throw CryptoError("data channel HMAC failed");
    return body + len;
}

StaticDataChannel::Opened StaticDataChannel::open(Bytes datagram, MutBytes out, std::int64_t now) {
    auto drop = [](Drop d) { return Opened{false, d, {}}; };

    if (datagram.size() < hmac_len_) return drop(Drop::ShortPacket);
    if (hmac_in_ && !hmac_in_->verify(datagram.subspan(hmac_len_), datagram.data()))
        return drop(Drop::BadHmac);
    Bytes rest = datagram.subspan(hmac_len_);

    const CbcBody opened = open_cbc_body(decrypt_ ? &*decrypt_ : nullptr, iv_len_, block_, rest, out);
    if (!opened.ok) return drop(opened.reason);
    const std::size_t len = opened.len;
    if (len < kPacketIdLen) return drop(Drop::ShortPacket);
    const std::uint32_t id = load_be32(out.data());
    const std::uint32_t time = load_be32(out.data() + 4);
    if (!replay_.accept(id, time, now)) return drop(Drop::Replay);
    return Opened{true, Drop::Count, Bytes(out.data() + kPacketIdLen, len - kPacketIdLen), id, time};
}

void StaticDataChannel::reset_receive() { replay_.reset(); }

void StaticDataChannel::restart_send(std::int64_t now) {
    // The peer's window only accepts a lower id again under a newer time; the
    // time itself is taken when the first packet of the new sequence is sent.
    if (send_started_) send_floor_ = std::max(send_floor_, send_time_ + 1);
    send_floor_ = std::max(send_floor_, static_cast<std::uint32_t>(now));
    send_started_ = false;
    send_id_ = 0;
}

}  // namespace vpn::ovpn
