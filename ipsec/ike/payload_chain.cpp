#include "ipsec/ike/payload_chain.hpp"

namespace vpn::ike {

bool is_known_payload(std::uint8_t type) {
    return (type >= static_cast<std::uint8_t>(PayloadType::SA) && type <= static_cast<std::uint8_t>(PayloadType::EAP)) ||
           type == static_cast<std::uint8_t>(PayloadType::SKF);
}

const PayloadView* PayloadChain::find(PayloadType type) const {
    for (const auto& p : payloads)
        if (p.type == type) return &p;
    return nullptr;
}

std::size_t PayloadChain::count(PayloadType type) const {
    std::size_t n = 0;
    for (const auto& p : payloads) n += p.type == type;
    return n;
}

namespace {
bool is_encrypted(std::uint8_t type) {
    return type == static_cast<std::uint8_t>(PayloadType::SK) || type == static_cast<std::uint8_t>(PayloadType::SKF);
}
}  // namespace

Result<PayloadChain> parse_chain(PayloadType first, Bytes bytes, ChainKind kind, std::size_t base) {
    Result<PayloadChain> r;
    auto fail = [&r](CodecError e) {
        r.error = e;
        return r;
    };
    std::uint8_t type = static_cast<std::uint8_t>(first);
    std::size_t pos = 0;
    // Every payload consumes at least its 4-byte header, so the loop ends within
    // bytes.size() / 4 rounds whatever the input.
    while (type != 0) {
        if (bytes.size() - pos < kPayloadHeaderLen) return fail(CodecError::Truncated);
        const std::uint8_t* h = bytes.data() + pos;
        const std::size_t len = load_be16(h + 2);
        if (len < kPayloadHeaderLen || len > bytes.size() - pos) return fail(CodecError::BadPayloadLength);
        const bool critical = (h[1] & 0x80) != 0;
        if (is_encrypted(type)) {
            // RFC 7296 §3.14 / RFC 7383 §2.5: SK and SKF are the last payload and
            // never nest; their Next Payload belongs to the inner chain.
            if (kind == ChainKind::Inner || pos + len != bytes.size()) return fail(CodecError::MisplacedSk);
            r.value.payloads.push_back({static_cast<PayloadType>(type), critical, h[0], base + pos,
                                        bytes.subspan(pos + kPayloadHeaderLen, len - kPayloadHeaderLen)});
            return r;
        }
        if (is_known_payload(type)) {
            r.value.payloads.push_back({static_cast<PayloadType>(type), critical, h[0], base + pos,
                                        bytes.subspan(pos + kPayloadHeaderLen, len - kPayloadHeaderLen)});
        } else if (critical) {
            r.value.unsupported_critical = type;
            return fail(CodecError::UnsupportedCritical);
        } else {
            ++r.value.skipped;
        }
        type = h[0];
        pos += len;
    }
    if (pos != bytes.size()) return fail(CodecError::TrailingBytes);
    return r;
}

const PayloadView* MessageView::encrypted() const {
    if (chain.payloads.empty()) return nullptr;
    const PayloadView& last = chain.payloads.back();
    return is_encrypted(static_cast<std::uint8_t>(last.type)) ? &last : nullptr;
}

Result<MessageView> parse_message(Bytes datagram) {
    Result<MessageView> r;
    auto h = parse_header(datagram);
    r.value.header = h.value;
    if (!h.ok()) {
        r.error = h.error;
        return r;
    }
    r.value.raw = datagram;
    auto c = parse_chain(h.value.next_payload, datagram.subspan(kHeaderLen), ChainKind::Outer, kHeaderLen);
    r.value.chain = std::move(c.value);
    r.error = c.error;
    return r;
}

}  // namespace vpn::ike
