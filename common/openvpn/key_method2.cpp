#include "common/openvpn/key_method2.hpp"

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace vpn::ovpn {
namespace {

constexpr std::uint8_t kKeyMethod2 = 2;
constexpr std::uint8_t kKeyMethodMask = 0x0F;  // ssl.h: KEY_METHOD_MASK

class Writer {
public:
    explicit Writer(crypto::SecureBuffer& b) : buf_(b) {}
    void bytes(Bytes b) {
        if (b.size() > buf_.size() - len_)
            throw std::invalid_argument("key method 2 message longer than 2048 bytes");
        if (!b.empty()) std::memcpy(buf_.data() + len_, b.data(), b.size());
        len_ += b.size();
    }
    void u8(std::uint8_t v) { bytes(Bytes(&v, 1)); }
    // ssl.c: write_string / write_empty_string -- length includes the NUL; an empty
    // string is a bare zero length.
    void str(Bytes s, const char* what) {
        if (!s.empty() && std::memchr(s.data(), 0, s.size()))
            throw std::invalid_argument(std::string("key method 2: NUL inside the ") + what);
        if (s.empty()) {
            bytes(Bytes(zero_, 2));
            return;
        }
        if (s.size() + 1 > 0xFFFF) throw std::invalid_argument(std::string("key method 2: ") + what + " too long");
        std::uint8_t len[2];
        store_be16(len, static_cast<std::uint16_t>(s.size() + 1));
        bytes(Bytes(len, 2));
        bytes(s);
        bytes(Bytes(zero_, 1));
    }
    std::size_t size() const { return len_; }

private:
    crypto::SecureBuffer& buf_;
    std::size_t len_ = 0;
    static constexpr std::uint8_t zero_[4] = {0, 0, 0, 0};
};

Bytes as_bytes(std::string_view s) { return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

class Reader {
public:
    explicit Reader(Bytes b) : rest_(b) {}
    std::optional<Bytes> take(std::size_t n) {
        if (rest_.size() < n) return std::nullopt;
        Bytes b = rest_.first(n);
        rest_ = rest_.subspan(n);
        return b;
    }
    std::optional<std::size_t> u16() {
        auto b = take(2);
        if (!b) return std::nullopt;
        return load_be16(b->data());
    }

private:
    Bytes rest_;
};

// The bytes of a received string up to its first NUL (C-string semantics: ssl.c:
// read_string forces the last byte to NUL and the reader stops at the first).
Bytes until_nul(Bytes b) {
    if (b.empty()) return b;
    const void* z = std::memchr(b.data(), 0, b.size());
    return z ? b.first(static_cast<std::size_t>(static_cast<const std::uint8_t*>(z) - b.data())) : b;
}

enum class StrStatus { Ok, Truncated, TooLong };

// ssl.c: read_string -- a zero length is an empty string; over `capacity` the string
// is skipped.
StrStatus read_string(Reader& r, std::size_t capacity, Bytes& out) {
    out = {};
    auto len = r.u16();
    if (!len) return StrStatus::Truncated;
    if (*len == 0) return StrStatus::Ok;
    auto b = r.take(*len);
    if (!b) return StrStatus::Truncated;
    if (*len > capacity) return StrStatus::TooLong;
    out = until_nul(*b);
    return StrStatus::Ok;
}

std::string to_string(Bytes b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

}  // namespace

crypto::SecureBuffer build_key_method_2(const KeyMethod2& m) {
    if (m.source.is_empty()) throw std::invalid_argument("key method 2: no key source");
    if (m.options.size() + 1 > kOptionsStringMax)
        throw std::invalid_argument("key method 2: options string must be shorter than 512 bytes");
    crypto::SecureBuffer buf(kKeyMethod2MaxLen);
    Writer w(buf);
    const std::uint8_t zero32[4] = {0, 0, 0, 0};
    w.bytes(Bytes(zero32, 4));
    w.u8(kKeyMethod2);
    if (m.source.is_client()) w.bytes(m.source.pre_master());
    w.bytes(m.source.random1());
    w.bytes(m.source.random2());
    w.str(as_bytes(m.options), "options string");
    w.str(as_bytes(m.username), "username");
    w.str(m.password.span(), "password");
    w.str(as_bytes(m.peer_info), "peer-info");
    return crypto::SecureBuffer(buf.span().first(w.size()));
}

KeyMethod2Result parse_key_method_2(Bytes msg, bool from_client) {
    KeyMethod2Result res;
    auto fail = [&res](const char* why) {
        res.ok = false;
        res.error = why;
        res.message = KeyMethod2{};
        return std::move(res);
    };
    Reader r(msg);
    // The leading uint32 is skipped, not checked (key_method_2_read: buf_advance).
    if (!r.take(4)) return fail("key method 2: plaintext too short");
    auto method = r.take(1);
    if (!method || ((*method)[0] & kKeyMethodMask) != kKeyMethod2) return fail("key method 2: unknown key method");

    std::optional<Bytes> pre_master = Bytes{};
    if (from_client) pre_master = r.take(kPreMasterLen);
    auto random1 = r.take(kRandomLen);
    auto random2 = r.take(kRandomLen);
    if (!pre_master || !random1 || !random2) return fail("key method 2: key source material cut short");
    res.message.source = KeySource::from_parts(*pre_master, *random1, *random2);

    Bytes s;
    switch (read_string(r, kOptionsStringMax, s)) {
        case StrStatus::Ok: break;
        case StrStatus::Truncated: return fail("key method 2: options string cut short");
        case StrStatus::TooLong: return fail("key method 2: options string longer than 512 bytes");
    }
    res.message.options = to_string(s);

    Bytes user, pass;
    const StrStatus us = read_string(r, kUserPassMax, user);
    const StrStatus ps = us == StrStatus::Truncated ? StrStatus::Truncated : read_string(r, kUserPassMax, pass);
    if (us == StrStatus::Truncated || ps == StrStatus::Truncated)
        return fail("key method 2: username or password cut short");
    if (us == StrStatus::TooLong || ps == StrStatus::TooLong) {
        res.credentials_too_long = true;
    } else {
        res.message.username = to_string(user);
        res.message.password = crypto::SecureBuffer(pass);
    }

    // ssl.c: read_string_alloc -- absent, empty or cut short all mean "no peer-info".
    Bytes info;
    if (read_string(r, 0xFFFF, info) == StrStatus::Ok) res.message.peer_info = to_string(info);
    res.ok = true;
    return res;
}

}  // namespace vpn::ovpn
