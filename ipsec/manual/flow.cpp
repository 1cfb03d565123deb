#include "ipsec/manual/flow.hpp"

namespace vpn::ipsec::manual {
namespace {

bool carries_ports(std::uint8_t proto) { return proto == 6 || proto == 17 || proto == 132; }

}  // namespace

std::optional<Flow> flow_of(Bytes p) {
    if (p.size() < 20 || (p[0] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > p.size()) return std::nullopt;
    Flow f;
    f.proto = p[9];
    f.src = load_be32(p.data() + 12);
    f.dst = load_be32(p.data() + 16);
    const bool first_fragment = (load_be16(p.data() + 6) & 0x1fff) == 0;
    if (first_fragment && carries_ports(f.proto) && p.size() >= ihl + 4) {
        f.has_ports = true;
        f.sport = load_be16(p.data() + ihl);
        f.dport = load_be16(p.data() + ihl + 2);
    }
    return f;
}

}  // namespace vpn::ipsec::manual
