#include "ipsec/ike/payload_builder.hpp"

#include <algorithm>

#include "ipsec/ike/payload_chain.hpp"

namespace vpn::ike {

MutBytes ChainBuilder::add(PayloadType type, std::size_t body_len, bool critical) {
    if (failed_) return {};
    // The 16-bit Payload Length counts the generic header too.
    if (body_len > 0xffff - kPayloadHeaderLen || out_.size() - used_ < kPayloadHeaderLen + body_len) {
        failed_ = true;
        return {};
    }
    if (first_ == PayloadType::None)
        first_ = type;
    else
        out_[last_] = static_cast<std::uint8_t>(type);
    last_ = used_;
    std::uint8_t* h = out_.data() + used_;
    h[0] = 0;
    h[1] = critical ? 0x80 : 0;
    store_be16(h + 2, static_cast<std::uint16_t>(kPayloadHeaderLen + body_len));
    used_ += kPayloadHeaderLen + body_len;
    return out_.subspan(last_ + kPayloadHeaderLen, body_len);
}

bool ChainBuilder::add(PayloadType type, Bytes body, bool critical) {
    MutBytes dst = add(type, body.size(), critical);
    if (!ok()) return false;
    std::copy(body.begin(), body.end(), dst.begin());
    return true;
}

MessageBuilder::MessageBuilder(MutBytes out, const IkeHeader& h)
    : ChainBuilder(out.size() >= kHeaderLen ? out.subspan(kHeaderLen) : MutBytes{}), msg_(out), header_(h) {
    if (out.size() < kHeaderLen) fail();
}

std::size_t MessageBuilder::finish() {
    if (!ok()) return 0;
    header_.next_payload = first();
    header_.length = static_cast<std::uint32_t>(kHeaderLen + size());
    write_header(header_, msg_.data());
    return header_.length;
}

}  // namespace vpn::ike
