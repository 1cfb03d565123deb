#include "tun/netlink_message.hpp"

#include <linux/netlink.h>

#include <algorithm>

#include "tun/tun_error.hpp"

namespace vpn::tun {

namespace {
constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t(3); }
constexpr std::size_t kAttrHeader = 4;  // sizeof(struct rtattr) == sizeof(struct nlattr)
}  // namespace

NetlinkMessage::NetlinkMessage(std::uint16_t type, std::uint16_t flags) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    put_raw(&h, sizeof h);
}

void NetlinkMessage::put_raw(const void* data, std::size_t len) {
    if (len > kCapacity - size_) throw TunError("netlink: request too large for message buffer");
    std::memcpy(buf_.data() + size_, data, len);
    size_ += len;
    pad();
}

void NetlinkMessage::pad() {
    const std::size_t padded = align4(size_);
    if (padded > kCapacity) throw TunError("netlink: request too large for message buffer");
    std::memset(buf_.data() + size_, 0, padded - size_);
    size_ = padded;
    update_length();
}

void NetlinkMessage::update_length() {
    const auto len = static_cast<std::uint32_t>(size_);
    std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
}

void NetlinkMessage::put_attr(std::uint16_t type, Bytes payload) {
    const std::size_t attr_len = kAttrHeader + payload.size();
    if (attr_len > 0xffff || attr_len > kCapacity - size_)
        throw TunError("netlink: request too large for message buffer");
    const auto len16 = static_cast<std::uint16_t>(attr_len);
    std::memcpy(buf_.data() + size_, &len16, 2);
    std::memcpy(buf_.data() + size_ + 2, &type, 2);
    if (!payload.empty()) std::memcpy(buf_.data() + size_ + kAttrHeader, payload.data(), payload.size());
    size_ += attr_len;
    pad();
}

void NetlinkMessage::put_u32(std::uint16_t type, std::uint32_t value) {
    std::uint8_t raw[4];
    std::memcpy(raw, &value, 4);
    put_attr(type, Bytes(raw, 4));
}

void NetlinkMessage::put_ipv4(std::uint16_t type, Ipv4 addr) {
    std::uint8_t raw[4];
    std::memcpy(raw, &addr.be, 4);
    put_attr(type, Bytes(raw, 4));
}

void NetlinkMessage::put_string(std::uint16_t type, std::string_view s) {
    if (s.size() >= kCapacity) throw TunError("netlink: request too large for message buffer");
    std::array<std::uint8_t, kCapacity> tmp{};
    std::memcpy(tmp.data(), s.data(), s.size());
    put_attr(type, Bytes(tmp.data(), s.size() + 1));
}

std::size_t NetlinkMessage::begin_nested(std::uint16_t type) {
    const std::size_t token = size_;
    put_attr(static_cast<std::uint16_t>(type | NLA_F_NESTED), Bytes());
    return token;
}

void NetlinkMessage::end_nested(std::size_t token) {
    if (token + kAttrHeader > size_) throw TunError("netlink: bad nested attribute token");
    const std::size_t len = size_ - token;
    if (len > 0xffff) throw TunError("netlink: nested attribute too large");
    const auto len16 = static_cast<std::uint16_t>(len);
    std::memcpy(buf_.data() + token, &len16, 2);
}

void NetlinkMessage::set_seq(std::uint32_t seq) {
    std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
}

void NetlinkMessage::set_flags(std::uint16_t flags) {
    std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_flags), &flags, sizeof flags);
}

std::uint16_t NetlinkMessage::type() const {
    std::uint16_t v;
    std::memcpy(&v, buf_.data() + offsetof(nlmsghdr, nlmsg_type), sizeof v);
    return v;
}

std::uint16_t NetlinkMessage::flags() const {
    std::uint16_t v;
    std::memcpy(&v, buf_.data() + offsetof(nlmsghdr, nlmsg_flags), sizeof v);
    return v;
}

std::optional<std::uint32_t> NetlinkAttr::as_u32() const {
    if (payload.size() != 4) return std::nullopt;
    std::uint32_t v;
    std::memcpy(&v, payload.data(), 4);
    return v;
}

std::optional<Ipv4> NetlinkAttr::as_ipv4() const {
    if (payload.size() != 4) return std::nullopt;
    Ipv4 a;
    std::memcpy(&a.be, payload.data(), 4);
    return a;
}

std::string_view NetlinkAttr::as_string() const {
    const auto* p = reinterpret_cast<const char*>(payload.data());
    std::size_t n = 0;
    while (n < payload.size() && p[n] != '\0') ++n;
    return std::string_view(p, n);
}

std::optional<NetlinkAttr> AttrReader::next() {
    if (malformed_ || data_.size() < kAttrHeader) return std::nullopt;
    std::uint16_t len, type;
    std::memcpy(&len, data_.data(), 2);
    std::memcpy(&type, data_.data() + 2, 2);
    if (len < kAttrHeader || len > data_.size()) {
        malformed_ = true;
        return std::nullopt;
    }
    NetlinkAttr attr{static_cast<std::uint16_t>(type & NLA_TYPE_MASK),
                     data_.subspan(kAttrHeader, len - kAttrHeader)};
    // The last attribute's padding may be missing; never step past the end.
    data_ = data_.subspan(std::min<std::size_t>(align4(len), data_.size()));
    return attr;
}

}  // namespace vpn::tun
