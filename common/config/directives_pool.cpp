// Rows for the multi-client server's addressing: server, server-bridge,
// ifconfig-pool, ifconfig-pool-persist, client-to-client, duplicate-cn, and its
// admission limits: max-clients, max-routes-per-client, connect-freq-initial.
// Parsing follows OpenVPN 2.6 options.c (add_option); the helpers are expanded and
// cross-checked after parsing by validate_pool.cpp.
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"

namespace vpn::config {
namespace {

constexpr long long kMaxPeerId = 0xFFFFFF;  // 2.6: MAX_PEER_ID; max-clients must be below it

std::uint32_t addr_arg(const Directive& d, std::size_t i, std::string_view role) {
    auto a = parse_ipv4(d.args[i]);
    if (!a) {
        fail(d.origin, fmt::format("'{}': {} is not an IPv4 address, expected {} as a dotted quad (a.b.c.d)",
                                   d.name, shown(d.args[i]), role));
    }
    return *a;
}

void parse_server(ParseContext& c, const Directive& d) {
    const std::uint32_t net = addr_arg(d, 0, "the VPN network");
    const std::uint32_t mask = addr_arg(d, 1, "its netmask");
    if (net == 0 || mask == 0) {  // 2.6: "error parsing --server parameters"
        fail(d.origin, "'server': the network and netmask must not be 0.0.0.0, expected e.g. server 10.8.0.0 "
                       "255.255.255.0");
    }
    bool nopool = false;
    if (d.args.size() == 3) {
        if (d.args[2] != "nopool") {
            fail(d.origin, fmt::format("'server': {} is not a recognized flag, expected nopool", shown(d.args[2])));
        }
        nopool = true;
    }
    c.opts.server.server = std::pair{net, mask};
    c.opts.server.server_nopool = nopool;
    c.opts.server.server_origin = d.origin;
}

void parse_server_bridge(ParseContext& c, const Directive& d) {
    ServerOptions& s = c.opts.server;
    s.bridge_origin = d.origin;
    if (d.args.empty() || (d.args.size() == 1 && d.args[0] == "nogw")) {
        s.bridge_dhcp = true;
        if (!d.args.empty()) s.bridge_nogw = true;
        return;
    }
    if (d.args.size() != 4) {
        fail(d.origin, "'server-bridge' expects IP NETMASK POOL-START POOL-END, 'nogw' or no arguments");
    }
    ServerOptions::Bridge b{addr_arg(d, 0, "the bridge's address"), addr_arg(d, 1, "its netmask"),
                            addr_arg(d, 2, "the pool start"), addr_arg(d, 3, "the pool end")};
    if (!b.ip || !b.netmask || !b.pool_start || !b.pool_end) {
        fail(d.origin, "'server-bridge': no address may be 0.0.0.0");
    }
    s.bridge = b;
}

void parse_ifconfig_pool(ParseContext& c, const Directive& d) {
    ServerOptions& s = c.opts.server;
    const std::uint32_t start = addr_arg(d, 0, "the first pool address");
    const std::uint32_t end = addr_arg(d, 1, "the last pool address");
    std::uint32_t mask = 0;
    if (d.args.size() == 3) mask = addr_arg(d, 2, "the clients' netmask");
    if (start > end) {
        fail(d.origin, fmt::format("'ifconfig-pool': start {} is greater than end {}", d.args[0], d.args[1]));
    }
    if (end - start >= 65536) {  // pool.h: IFCONFIG_POOL_MAX
        fail(d.origin, "'ifconfig-pool': the range is too large, expected at most 65536 addresses");
    }
    s.pool_defined = true;
    s.pool_start = start;
    s.pool_end = end;
    if (mask) s.pool_netmask = mask;
    s.pool_origin = d.origin;
}

void parse_pool_persist(ParseContext& c, const Directive& d) {
    ServerOptions& s = c.opts.server;
    s.pool_persist_file = resolve_path(c.state.base_dir, d.args[0]);
    if (d.args.size() == 2) s.pool_persist_seconds = int_arg(d, 1, 0, 1'000'000'000, "a number of seconds");
    s.persist_origin = d.origin;
}

void parse_c2c(ParseContext& c, const Directive& d) {
    c.opts.server.client_to_client = true;
    c.opts.server.c2c_origin = d.origin;
}

void parse_duplicate_cn(ParseContext& c, const Directive& d) {
    c.opts.server.duplicate_cn = true;
    c.opts.server.duplicate_cn_origin = d.origin;
}

void parse_max_clients(ParseContext& c, const Directive& d) {
    c.opts.server.max_clients = int_arg(d, 0, 1, kMaxPeerId - 1, "a client count (1..16777214)");
}

void parse_max_routes_per_client(ParseContext& c, const Directive& d) {
    // 2.6 takes any number and raises it to 1; a 0 here is a mistake, said so.
    c.opts.server.max_routes_per_client = int_arg(d, 0, 1, 1'000'000, "a route count (1..1000000)");
}

void parse_connect_freq_initial(ParseContext& c, const Directive& d) {
    // 2.6: "--connect-freq-initial parameters must be integers and >= 0".
    c.opts.server.connect_freq_initial_n = int_arg(d, 0, 0, 1'000'000'000, "a packet count (0..1000000000)");
    c.opts.server.connect_freq_initial_s = int_arg(d, 1, 0, 1'000'000'000, "a number of seconds (0..1000000000)");
}

constexpr DirectiveSpec kRows[] = {
    {"server", 2, 3, "NETWORK NETMASK [nopool]", "network, netmask and optional nopool", "multi-client server on NETWORK: sets mode server, tls-server, ifconfig, the pool and pushes (as OpenVPN 2.6)", parse_server},
    {"server-bridge", 0, 4, "[IP NETMASK POOL-START POOL-END | nogw]", "IP NETMASK POOL-START POOL-END, nogw or nothing", "tap server bridged to a LAN: pool and route-gateway push (bare: push route-gateway dhcp)", parse_server_bridge},
    {"ifconfig-pool", 2, 3, "START END [NETMASK]", "first and last address, optional netmask", "mode server: addresses handed to clients", parse_ifconfig_pool},
    {"ifconfig-pool-persist", 1, 2, "FILE [SECONDS]", "file and optional seconds", "keep pool addresses per common name in FILE (written every SECONDS, default 600; 0 = read only)", parse_pool_persist},
    {"client-to-client", 0, 0, "", "", "mode server: route traffic between clients inside the server", parse_c2c},
    {"duplicate-cn", 0, 0, "", "", "mode server: allow several clients with the same common name", parse_duplicate_cn},
    {"max-clients", 1, 1, "N", "a client count", "mode server: at most N clients (default 1024)", parse_max_clients},
    {"max-routes-per-client", 1, 1, "N", "a route count", "mode server: at most N internal routes learned per client (default 256)", parse_max_routes_per_client},
    {"connect-freq-initial", 2, 2, "N S", "a packet count and seconds", "mode server: answer at most N new-connection packets per S seconds (default 2000 10; 2.6: 100 10)", parse_connect_freq_initial},
};

}  // namespace

std::span<const DirectiveSpec> pool_directives() { return kRows; }

}  // namespace vpn::config
