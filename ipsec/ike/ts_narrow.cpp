#include "ipsec/ike/ts_narrow.hpp"

#include <algorithm>
#include <cstring>

namespace vpn::ike {

namespace {

int cmp(const TrafficSelector& s, const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b) {
    return std::memcmp(a.data(), b.data(), s.address_length());
}

bool inside(const TrafficSelector& in, const TrafficSelector& out) {
    auto i = intersect(in, out);
    return i && *i == in;
}

}  // namespace

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) {
    if (a.type != b.type) return std::nullopt;
    TrafficSelector r = a;
    if (a.ip_protocol != 0 && b.ip_protocol != 0 && a.ip_protocol != b.ip_protocol) return std::nullopt;
    r.ip_protocol = a.ip_protocol ? a.ip_protocol : b.ip_protocol;
    r.start_port = std::max(a.start_port, b.start_port);
    r.end_port = std::min(a.end_port, b.end_port);
    if (r.start_port > r.end_port) return std::nullopt;
    r.start = cmp(a, a.start, b.start) >= 0 ? a.start : b.start;
    r.end = cmp(a, a.end, b.end) <= 0 ? a.end : b.end;
    if (cmp(a, r.start, r.end) > 0) return std::nullopt;
    return r;
}

std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& proposed,
                                    const std::vector<TrafficSelector>& allowed) {
    std::vector<TrafficSelector> out;
    for (const auto& p : proposed)
        for (const auto& a : allowed)
            if (auto i = intersect(p, a); i && std::find(out.begin(), out.end(), *i) == out.end()) out.push_back(*i);
    return out;
}

bool covered(const std::vector<TrafficSelector>& inner, const std::vector<TrafficSelector>& outer) {
    return std::all_of(inner.begin(), inner.end(), [&](const TrafficSelector& i) {
        return std::any_of(outer.begin(), outer.end(), [&](const TrafficSelector& o) { return inside(i, o); });
    });
}

TrafficSelector ts_any_v4() {
    TrafficSelector t;
    std::fill_n(t.end.begin(), 4, 0xff);
    return t;
}

TrafficSelector ts_host(const IpAddress& a) { return ts_subnet(a, a.len * 8u); }

TrafficSelector ts_subnet(const IpAddress& a, unsigned prefix) {
    TrafficSelector t;
    t.type = a.len == 16 ? TsType::Ipv6AddrRange : TsType::Ipv4AddrRange;
    for (unsigned i = 0; i < a.len; ++i) {
        unsigned bits = prefix > i * 8 ? std::min(8u, prefix - i * 8) : 0;
        std::uint8_t mask = static_cast<std::uint8_t>(bits ? 0xff << (8 - bits) : 0);
        t.start[i] = a.bytes[i] & mask;
        t.end[i] = static_cast<std::uint8_t>(a.bytes[i] | ~mask);
    }
    return t;
}

}  // namespace vpn::ike
