#include "client/pulled_values.hpp"

#include <fmt/format.h>

namespace vpn::client {

const char* topology_name(Topology t) {
    switch (t) {
        case Topology::Net30: return "net30";
        case Topology::P2p: return "p2p";
        case Topology::Subnet: return "subnet";
    }
    return "?";
}

// route.c get_special_addr: the three words stand for addresses known only at plan time.
std::optional<AddrRef> parse_addr_ref(const std::string& text) {
    if (text == "vpn_gateway") return AddrRef{AddrRef::Kind::VpnGateway};
    if (text == "net_gateway") return AddrRef{AddrRef::Kind::NetGateway};
    if (text == "remote_host") return AddrRef{AddrRef::Kind::RemoteHost};
    if (auto a = tun::parse_ipv4(text)) return AddrRef{AddrRef::Kind::Address, *a};
    return std::nullopt;
}

std::string format_addr_ref(const AddrRef& a) {
    switch (a.kind) {
        case AddrRef::Kind::Address: return tun::format_ipv4(a.addr);
        case AddrRef::Kind::VpnGateway: return "vpn_gateway";
        case AddrRef::Kind::NetGateway: return "net_gateway";
        case AddrRef::Kind::RemoteHost: return "remote_host";
    }
    return "?";
}

// options.c "route" in pull mode, plus route.c init_route; "default" = not given.
std::optional<RouteSpec> parse_route_spec(const std::vector<std::string>& args, std::string& error) {
    auto given = [&](std::size_t i) { return args.size() > i && args[i] != "default"; };
    if (args.empty() || args.size() > 4) {
        error = "route needs NETWORK [NETMASK [GATEWAY [METRIC]]]";
        return std::nullopt;
    }
    RouteSpec r;
    auto net = parse_addr_ref(args[0]);
    if (!net) {
        error = fmt::format("route parameter network/IP '{}' must be a valid address", args[0]);
        return std::nullopt;
    }
    r.network = *net;
    if (given(1)) {
        auto mask = tun::parse_ipv4(args[1]);
        if (!mask) {
            error = fmt::format("route parameter netmask '{}' must be an IP address", args[1]);
            return std::nullopt;
        }
        if (tun::netmask_to_prefix(*mask) < 0) {
            error = fmt::format("route {} {}: netmask is not contiguous", args[0], args[1]);
            return std::nullopt;
        }
        r.netmask = *mask;
    }
    if (r.network.kind == AddrRef::Kind::Address && (r.network.addr.host() & ~r.netmask.host()) != 0) {
        error = fmt::format("route {} {}: network has host bits set beyond the netmask", args[0],
                            tun::format_ipv4(r.netmask));
        return std::nullopt;
    }
    if (given(2)) {
        auto gw = parse_addr_ref(args[2]);
        if (!gw) {
            error = fmt::format("route parameter gateway '{}' must be a valid address", args[2]);
            return std::nullopt;
        }
        r.gateway = *gw;
    }
    if (given(3)) {
        auto m = parse_bounded(args[3], 0, 2147483647);
        if (!m) {
            error = fmt::format("route metric for network {} ({}) must be >= 0", args[0], args[3]);
            return std::nullopt;
        }
        r.metric = static_cast<int>(*m);
    }
    return r;
}

std::optional<long long> parse_bounded(std::string_view text, long long min, long long max) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    long long v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v < min || v > max) return std::nullopt;
    return v;
}

const char* unicast_problem(tun::Ipv4 a) {
    const std::uint32_t h = a.host();
    if (h == 0) return "is the unspecified address";
    if ((h >> 24) == 127) return "is a loopback address";
    if (h == 0xffffffffu) return "is the broadcast address";
    if ((h >> 28) == 0xe) return "is a multicast address";
    if ((h >> 28) == 0xf) return "is a reserved (class E) address";
    return nullptr;
}

namespace {

std::string named(const Ifconfig& ifc) {
    return fmt::format("ifconfig {} {}", tun::format_ipv4(ifc.local), tun::format_ipv4(ifc.remote_or_netmask));
}

}  // namespace

std::string ifconfig_problem(const Ifconfig& ifc, Topology t) {
    if (const char* why = unicast_problem(ifc.local))
        return fmt::format("{}: local address {} {}", named(ifc), tun::format_ipv4(ifc.local), why);
    if (t == Topology::Subnet) {
        const int prefix = tun::netmask_to_prefix(ifc.remote_or_netmask);
        if (prefix < 1)
            return fmt::format("{}: {} is not a netmask (topology subnet)", named(ifc),
                               tun::format_ipv4(ifc.remote_or_netmask));
        if (prefix <= 30) {
            const std::uint32_t host_bits = ifc.local.host() & ~ifc.remote_or_netmask.host();
            const std::uint32_t all_ones = ~ifc.remote_or_netmask.host();
            if (host_bits == 0) return fmt::format("{}: local address is the subnet's network address", named(ifc));
            if (host_bits == all_ones)
                return fmt::format("{}: local address is the subnet's broadcast address", named(ifc));
        }
        return {};
    }
    // net30 / p2p: the second word is the peer (tun.c do_ifconfig_ipv4: ptp address).
    if ((ifc.remote_or_netmask.host() >> 24) == 0xff)
        return fmt::format("{}: {} looks like a netmask, but topology {} needs the peer's address", named(ifc),
                           tun::format_ipv4(ifc.remote_or_netmask), topology_name(t));
    if (const char* why = unicast_problem(ifc.remote_or_netmask))
        return fmt::format("{}: remote address {} {}", named(ifc), tun::format_ipv4(ifc.remote_or_netmask), why);
    if (ifc.local == ifc.remote_or_netmask)
        return fmt::format("{}: local and remote addresses must be different", named(ifc));
    return {};
}

}  // namespace vpn::client
