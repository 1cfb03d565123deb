// The `server` / `server-bridge` helpers and the pool rules, as OpenVPN 2.6 runs them
// after parsing (helper.c: helper_client_server, before helper_keepalive; options.c:
// options_postprocess_verify_ce for the checks).  Pushes are appended after the
// user's push lines and before keepalive's, the order 2.6 prints them in.
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/validate.hpp"

namespace vpn::config {
namespace {

std::string ip(std::uint32_t a) {
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

int netbits_of(std::uint32_t mask) {
    int n = 0;
    while (n < 32 && (mask & (0x80000000u >> n))) ++n;
    return n;
}

std::string_view topology_name(Topology t) {
    return t == Topology::Subnet ? "subnet" : t == Topology::P2p ? "p2p" : "net30";
}

// pool.c: ifconfig_pool_init's minimum, checked here instead of at run time.
void check_pool_size(const Options& o, const Origin& where) {
    const ServerOptions& s = o.server;
    if (!s.pool_defined) return;
    const bool net30 = o.device_type() == DevType::Tun && o.topology.value_or(Topology::Net30) == Topology::Net30;
    const std::uint64_t size = net30 ? ((std::uint64_t(s.pool_end) | 3u) + 1 - (s.pool_start & ~3u)) >> 2
                                     : std::uint64_t(s.pool_end) - s.pool_start + 1;
    if (size < 2) {
        fail(where, fmt::format("the ifconfig pool {} - {} has {} slot{} ({}), expected at least 2", ip(s.pool_start),
                                ip(s.pool_end), size, size == 1 ? "" : "s",
                                net30 ? "topology net30 gives each client a /30" : "one address per client"));
    }
}

void become_server(Options& o, const Origin& where, std::string_view helper) {
    if (o.tls.client || o.tls.pull) {
        fail(where, fmt::format("'{}' and 'client' (or tls-client/pull) cannot be used together", helper));
    }
    if (o.secret) {
        fail(where, fmt::format("'{}' and 'secret' cannot be used together (a server needs TLS keys)", helper));
    }
    o.mode = Mode::Server;
    o.mode_origin = where;
    o.tls.server = true;
    if (!o.first_tls_directive) o.first_tls_directive = where;
}

void expand_server(Options& o) {
    ServerOptions& s = o.server;
    const Origin& at = *s.server_origin;
    const auto [net, mask] = *s.server;
    if (s.bridge || s.bridge_dhcp) {
        fail(at, fmt::format("'server' and 'server-bridge' at {} cannot be used together", s.bridge_origin->str()));
    }
    become_server(o, at, "server");
    if (!s.server_nopool && s.pool_defined) {
        fail(*s.pool_origin, "'server' already defines an ifconfig-pool, expected no ifconfig-pool line (or "
                             "'server ... nopool')");
    }
    if (!is_contiguous_netmask(mask) || (net & ~mask) != 0) {
        fail(at, fmt::format("'server': {} / {} is not a network and its netmask (host bits set or a "
                             "non-contiguous mask)", ip(net), ip(mask)));
    }
    const int bits = netbits_of(mask);
    if (bits < 16) {
        fail(at, "'server': the netmask allows for too many host addresses, expected 255.255.0.0 (/16) or longer");
    }
    const std::uint32_t bcast = net | ~mask;
    const Topology top = o.topology.value_or(Topology::Net30);
    const bool tun = o.device_type() == DevType::Tun;
    // topology subnet and dev tap: ifconfig takes the netmask, the pool the rest of
    // the network, and clients are pushed the server as their route gateway.
    auto subnet_style = [&] {
        o.ifconfig_remote = ip(mask);
        if (!s.server_nopool) {
            s.pool_defined = true;
            s.pool_start = net + 2;
            s.pool_end = bcast - 1;
        }
        s.pool_netmask = mask;
        o.push.push_back(fmt::format("route-gateway {}", ip(net + 1)));
    };
    if (tun) {
        if (bits > 29) {
            fail(at, "'server': with dev tun the network must be 255.255.255.248 (/29) or larger");
        }
        const std::uint32_t reserve = bits == 29 ? 0 : 4;
        o.ifconfig_local = ip(net + 1);
        if (top != Topology::Subnet) {
            o.ifconfig_remote = ip(net + 2);
            if (!s.server_nopool) {
                s.pool_defined = true;
                s.pool_start = net + 4;
                s.pool_end = bcast - reserve;
            }
            o.routes.push_back(Route{ip(net), ip(mask), std::nullopt, std::nullopt});
            if (s.client_to_client) o.push.push_back(fmt::format("route {} {}", ip(net), ip(mask)));
            else if (top == Topology::Net30) o.push.push_back(fmt::format("route {}", ip(net + 1)));
        } else {
            subnet_style();
            if (!s.route_gateway) s.route_gateway = ip(net + 2);
        }
        o.push.push_back(fmt::format("topology {}", topology_name(top)));
    } else {
        if (bits > 30) fail(at, "'server': with dev tap the network must be 255.255.255.252 (/30) or larger");
        o.ifconfig_local = ip(net + 1);
        subnet_style();  // 2.6 pushes no topology for tap
    }
    if (!tun || top == Topology::Subnet) s.push_ifconfig_constraint = std::pair{net, mask};
    check_pool_size(o, at);
}

void expand_bridge(Options& o, const WarningSink& warn) {
    (void)warn;
    ServerOptions& s = o.server;
    const Origin& at = *s.bridge_origin;
    if (s.pool_defined) {
        fail(*s.pool_origin, "'server-bridge' already defines an ifconfig-pool, expected no ifconfig-pool line");
    }
    if (o.device_type() != DevType::Tap) fail(at, "'server-bridge' only makes sense with dev tap");
    if (s.bridge) {
        const auto& b = *s.bridge;
        auto same = [&](std::uint32_t x, std::uint32_t y) {
            if ((x & b.netmask) != (y & b.netmask)) {
                fail(at, fmt::format("'server-bridge': {} and {} are not in the same {} subnet", ip(x), ip(y),
                                     ip(b.netmask)));
            }
        };
        same(b.ip, b.pool_start);
        same(b.pool_start, b.pool_end);
        same(b.ip, b.pool_end);
    }
    become_server(o, at, "server-bridge");
    if (s.bridge) {
        const auto& b = *s.bridge;
        if (b.pool_start > b.pool_end) {
            fail(at, fmt::format("'server-bridge': pool start {} is greater than pool end {}", ip(b.pool_start),
                                 ip(b.pool_end)));
        }
        s.pool_defined = true;
        s.pool_start = b.pool_start;
        s.pool_end = b.pool_end;
        s.pool_netmask = b.netmask;
        o.push.push_back(fmt::format("route-gateway {}", ip(b.ip)));
        check_pool_size(o, at);
    } else if (!s.bridge_nogw) {
        o.push.push_back("route-gateway dhcp");
    }
}

void check_pool_rules(const Options& o, const WarningSink& warn) {
    const ServerOptions& s = o.server;
    if (o.mode != Mode::Server) {
        if (s.pool_origin) fail(*s.pool_origin, "'ifconfig-pool' requires 'mode server' (or the 'server' helper)");
        if (s.persist_origin) {
            fail(*s.persist_origin, "'ifconfig-pool-persist' requires 'mode server' (or the 'server' helper)");
        }
        if (s.c2c_origin) fail(*s.c2c_origin, "'client-to-client' requires 'mode server'");
        if (s.duplicate_cn_origin) fail(*s.duplicate_cn_origin, "'duplicate-cn' requires 'mode server'");
        return;
    }
    const bool tap_like = o.device_type() == DevType::Tap || o.topology == Topology::Subnet;
    if (s.pool_netmask && !tap_like && s.pool_origin) {
        fail(*s.pool_origin, "'ifconfig-pool': the netmask (third argument) is only valid with dev tap or "
                             "topology subnet");
    }
    if (s.persist_origin && !s.pool_defined) {
        fail(*s.persist_origin, "'ifconfig-pool-persist' must be used with an ifconfig-pool (or 'server')");
    }
    if (s.pool_origin && !s.server && !s.bridge) check_pool_size(o, *s.pool_origin);
    if (s.persist_origin && s.duplicate_cn && warn) {
        // 2.6: "WARNING: --ifconfig-pool-persist will not work with --duplicate-cn"
        warn(fmt::format("{}: 'ifconfig-pool-persist' does nothing with 'duplicate-cn'", s.persist_origin->str()));
    }
}

}  // namespace

void validate_pool(Options& o, const LoadState& st, const WarningSink& warn) {
    (void)st;
    if (o.server.server) {
        expand_server(o);
        if (warn && o.device_type() == DevType::Tun && o.topology.value_or(Topology::Net30) == Topology::Net30 &&
            !o.server.server_nopool) {
            warn(fmt::format("{}: topology net30 with an IPv4 pool is deprecated in OpenVPN 2.6, expected "
                             "'topology subnet'", o.server.server_origin->str()));
        }
    } else if (o.server.bridge || o.server.bridge_dhcp) {
        expand_bridge(o, warn);
    }
    check_pool_rules(o, warn);
}

}  // namespace vpn::config
