#include "ipsec/ike/ts_payload.hpp"

#include <algorithm>

namespace vpn::ike {
namespace {

constexpr std::size_t kSelectorHdr = 8;

std::size_t selector_length(TsType t) {
    switch (t) {
        case TsType::Ipv4AddrRange: return kSelectorHdr + 2 * 4;
        case TsType::Ipv6AddrRange: return kSelectorHdr + 2 * 16;
    }
    return 0;
}

}  // namespace

Result<TsPayload> parse_ts(Bytes body) {
    Result<TsPayload> r;
    auto fail = [&r](CodecError e) {
        r.error = e;
        return r;
    };
    if (body.size() < 4) return fail(CodecError::Truncated);
    const std::size_t count = body[0];
    if (count == 0) return fail(CodecError::BadValue);
    std::size_t pos = 4;
    r.value.selectors.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (body.size() - pos < kSelectorHdr) return fail(CodecError::Truncated);
        const std::uint8_t* s = body.data() + pos;
        const std::size_t len = load_be16(s + 2);
        if (len < kSelectorHdr || len > body.size() - pos) return fail(CodecError::BadSubstructure);
        TrafficSelector ts;
        ts.type = static_cast<TsType>(s[0]);
        const std::size_t want = selector_length(ts.type);
        if (want == 0) {
            ++r.value.skipped;
        } else {
            if (len != want) return fail(CodecError::BadValue);
            ts.ip_protocol = s[1];
            ts.start_port = load_be16(s + 4);
            ts.end_port = load_be16(s + 6);
            const std::size_t alen = ts.address_length();
            std::copy_n(s + kSelectorHdr, alen, ts.start.begin());
            std::copy_n(s + kSelectorHdr + alen, alen, ts.end.begin());
            r.value.selectors.push_back(ts);
        }
        pos += len;
    }
    if (pos != body.size()) return fail(CodecError::TrailingBytes);
    return r;
}

std::size_t encoded_size(const TsPayload& p) {
    std::size_t n = 4;
    for (const auto& ts : p.selectors) n += selector_length(ts.type);
    return n;
}

bool encode(const TsPayload& p, MutBytes out) {
    if (p.selectors.empty() || p.selectors.size() > 0xff || out.size() != encoded_size(p)) return false;
    std::uint8_t* w = out.data();
    w[0] = static_cast<std::uint8_t>(p.selectors.size());
    w[1] = w[2] = w[3] = 0;
    w += 4;
    for (const auto& ts : p.selectors) {
        const std::size_t len = selector_length(ts.type);
        if (len == 0) return false;
        const std::size_t alen = ts.address_length();
        w[0] = static_cast<std::uint8_t>(ts.type);
        w[1] = ts.ip_protocol;
        store_be16(w + 2, static_cast<std::uint16_t>(len));
        store_be16(w + 4, ts.start_port);
        store_be16(w + 6, ts.end_port);
        std::copy_n(ts.start.begin(), alen, w + kSelectorHdr);
        std::copy_n(ts.end.begin(), alen, w + kSelectorHdr + alen);
        w += len;
    }
    return true;
}

}  // namespace vpn::ike
