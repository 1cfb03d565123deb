// Rows for the device and the transport: dev, proto, ports, remote, ifconfig, route.
// Meanings and defaults follow OpenVPN 2.6 options.c (add_option) and route.c.
#include <fmt/format.h>

#include <array>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"

namespace vpn::config {
namespace {

struct ProtoName {
    std::string_view name;
    Proto proto;
    Family family;
    bool plain_tcp;  // "tcp": client or server depends on the rest of the config
};

// socket.c: proto_names[]
constexpr std::array<ProtoName, 12> kProtos{{
    {"udp", Proto::Udp, Family::Any, false},
    {"tcp-server", Proto::TcpServer, Family::Any, false},
    {"tcp-client", Proto::TcpClient, Family::Any, false},
    {"tcp", Proto::TcpClient, Family::Any, true},
    {"udp4", Proto::Udp, Family::V4, false},
    {"tcp4-server", Proto::TcpServer, Family::V4, false},
    {"tcp4-client", Proto::TcpClient, Family::V4, false},
    {"tcp4", Proto::TcpClient, Family::V4, true},
    {"udp6", Proto::Udp, Family::V6, false},
    {"tcp6-server", Proto::TcpServer, Family::V6, false},
    {"tcp6-client", Proto::TcpClient, Family::V6, false},
    {"tcp6", Proto::TcpClient, Family::V6, true},
}};

const ProtoName& proto_arg(const Directive& d, std::size_t i) {
    for (const ProtoName& p : kProtos) {
        if (p.name == d.args[i]) return p;
    }
    fail(d.origin, fmt::format("'{}': {} is not a protocol, expected udp, tcp, tcp-server, tcp-client "
                               "(optionally with 4 or 6: udp4, tcp6-client...)",
                               d.name, shown(d.args[i])));
}

std::string host_arg(const Directive& d, std::size_t i) {
    const std::string& h = d.args[i];
    if (!is_host_name(h) && !parse_ipv4(h)) {
        // Not a DNS name nor an IPv4 address: accept IPv6 literals (hex, ':', '.').
        bool v6 = h.find(':') != std::string::npos && h.size() <= 45 &&
                  h.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos;
        if (!v6) fail(d.origin, fmt::format("'{}': {} is not a host name or address", d.name, shown(h)));
    }
    return h;
}

std::uint32_t ipv4_arg(const Directive& d, std::size_t i, std::string_view role) {
    auto a = parse_ipv4(d.args[i]);
    if (!a) {
        fail(d.origin, fmt::format("'{}': {} is not an IPv4 address, expected {} as a dotted quad (a.b.c.d)",
                                   d.name, shown(d.args[i]), role));
    }
    return *a;
}

void parse_dev(ParseContext& c, const Directive& d) {
    const std::string& name = d.args[0];
    // Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or blanks.
    bool ok = !name.empty() && name.size() <= 15 && name != "." && name != ".." &&
              name.find_first_of("/: \t\n\r\v\f") == std::string::npos;
    if (!ok) {
        fail(d.origin, fmt::format("'dev': {} is not an interface name, expected 1..15 characters "
                                   "without '/', ':' or blanks (e.g. tun, tap0)", shown(name)));
    }
    c.opts.dev = name;
    c.opts.dev_origin = d.origin;
}

void parse_dev_type(ParseContext& c, const Directive& d) {
    if (d.args[0] == "tun") c.opts.dev_type = DevType::Tun;
    else if (d.args[0] == "tap") c.opts.dev_type = DevType::Tap;
    else fail(d.origin, fmt::format("'dev-type': {} is not a device type, expected tun or tap", shown(d.args[0])));
}

void parse_proto(ParseContext& c, const Directive& d) {
    const ProtoName& p = proto_arg(d, 0);
    c.opts.proto = p.proto;
    c.opts.family = p.family;
    c.state.proto_plain_tcp = p.plain_tcp;
    c.state.proto = d.origin;
}

void parse_port(ParseContext& c, const Directive& d) {
    std::uint16_t port = port_arg(d, 0);
    if (d.name == "lport") c.state.lport = d.origin;  // `port` does not count as binding (options.c)
    if (d.name != "rport") c.opts.lport = port;
    if (d.name != "lport") c.opts.rport = port;
}

void parse_local(ParseContext& c, const Directive& d) {
    c.opts.local = host_arg(d, 0);
    c.state.local = d.origin;
}

void parse_remote(ParseContext& c, const Directive& d) {
    Remote r;
    r.host = host_arg(d, 0);
    if (d.args.size() > 1) r.port = port_arg(d, 1);
    if (d.args.size() > 2) {
        const ProtoName& p = proto_arg(d, 2);
        r.proto = p.proto;  // a plain "tcp" towards a remote host is a client
        r.family = p.family;
    }
    c.opts.remotes.push_back(std::move(r));
    c.state.remotes.push_back(d.origin);
}

void parse_nobind(ParseContext& c, const Directive& d) {
    c.opts.nobind = true;
    c.state.nobind = d.origin;
}
void parse_float(ParseContext& c, const Directive&) { c.opts.float_remote = true; }

void parse_ifconfig(ParseContext& c, const Directive& d) {
    ipv4_arg(d, 0, "the local tunnel address");
    ipv4_arg(d, 1, "the peer address (tun) or netmask (tap)");
    c.opts.ifconfig_local = d.args[0];
    c.opts.ifconfig_remote = d.args[1];
    c.state.ifconfig = d.origin;  // tun/tap checks wait for validate(): dev-type may follow
}

// route.c: is_route_parm_defined() -- "default" means "not given".
bool given(const Directive& d, std::size_t i) { return d.args.size() > i && d.args[i] != "default"; }

void parse_route(ParseContext& c, const Directive& d) {
    Route r;
    const std::string& net = d.args[0];
    if (net == "vpn_gateway" || net == "net_gateway" || net == "remote_host") {
        fail(d.origin, fmt::format("'route': {} as the network is not supported yet, expected an IPv4 "
                                   "network or host name", shown(net)));
    }
    std::optional<std::uint32_t> net_addr = parse_ipv4(net);
    bool numeric = net.find_first_not_of("0123456789.") == std::string::npos;
    if (!net_addr && (numeric || !is_host_name(net))) {
        fail(d.origin, fmt::format("'route': {} is not a network, expected a dotted quad or host name", shown(net)));
    }
    r.network = net;
    std::uint32_t mask = 0xffffffffu;
    if (given(d, 1)) {
        auto m = parse_ipv4(d.args[1]);
        if (!m || !is_contiguous_netmask(*m)) {
            fail(d.origin, fmt::format("'route': {} is not a netmask, expected a dotted quad of leading "
                                       "one bits such as 255.255.255.0", shown(d.args[1])));
        }
        mask = *m;
        r.netmask = d.args[1];
    }
    if (net_addr && (*net_addr & ~mask) != 0) {
        fail(d.origin, fmt::format("'route': network {} has bits set outside netmask {}, expected the "
                                   "network address", shown(net), shown(r.netmask)));
    }
    if (given(d, 2)) {
        const std::string& gw = d.args[2];
        if (gw == "net_gateway" || gw == "remote_host") {
            fail(d.origin, fmt::format("'route': gateway {} is not supported yet, expected an IPv4 address "
                                       "or vpn_gateway", shown(gw)));
        }
        if (gw != "vpn_gateway") ipv4_arg(d, 2, "the gateway (or vpn_gateway)");
        r.gateway = gw;
    }
    if (given(d, 3)) r.metric = int_arg(d, 3, 0, 2147483647, "a route metric (0..2147483647)");
    c.opts.routes.push_back(std::move(r));
}

void parse_tun_mtu(ParseContext& c, const Directive& d) {
    c.opts.tun_mtu = int_arg(d, 0, 68, 65535, "an MTU (68..65535)");
}

// options.c "mssfix": a value alone excludes the outer headers unless "mtu" follows.
void parse_mssfix(ParseContext& c, const Directive& d) {
    c.opts.mssfix.reset();
    c.opts.mssfix_encap = c.opts.mssfix_fixed = false;
    if (d.args.empty()) return;
    c.opts.mssfix = int_arg(d, 0, 0, 65535, "a packet size (0..65535, 0 = off)");
    if (d.args.size() > 1) {
        if (d.args[1] == "mtu") c.opts.mssfix_encap = true;
        else if (d.args[1] == "fixed") c.opts.mssfix_fixed = true;
        else fail(d.origin, fmt::format("'mssfix': {} is not a mode, expected mtu or fixed", shown(d.args[1])));
    }
}

constexpr DirectiveSpec kRows[] = {
    {"dev", 1, 1, "NAME", "tun, tap, tunN, tapN or a name", "TUN/TAP device; the type comes from the tun/tap prefix unless dev-type is given", parse_dev},
    {"dev-type", 1, 1, "tun|tap", "tun or tap", "device type when the dev name does not start with tun/tap", parse_dev_type},
    {"proto", 1, 1, "PROTO", "udp, tcp-server, tcp-client, tcp or a 4/6 variant", "transport (default udp); plain tcp is a client with remote, else a server", parse_proto},
    {"port", 1, 1, "PORT", "port number 1..65535", "local and remote port (default 1194)", parse_port},
    {"lport", 1, 1, "PORT", "port number 1..65535", "local port to bind", parse_port},
    {"rport", 1, 1, "PORT", "port number 1..65535", "remote port to send to", parse_port},
    {"local", 1, 1, "HOST", "host name or address", "local address to bind", parse_local},
    {"remote", 1, 3, "HOST [PORT [PROTO]]", "HOST [PORT [PROTO]]", "peer address; may repeat", parse_remote},
    {"nobind", 0, 0, "", "", "do not bind a local port", parse_nobind},
    {"float", 0, 0, "", "", "accept authenticated packets from a new peer address", parse_float},
    {"ifconfig", 2, 2, "LOCAL REMOTE|NETMASK", "local address and peer address (tun) or netmask (tap)", "tunnel addresses", parse_ifconfig},
    {"route", 1, 4, "NET [MASK [GW [METRIC]]]", "NET [MASK [GW [METRIC]]]", "route NET/MASK (default 255.255.255.255) via GW (default the ifconfig peer)", parse_route},
    {"tun-mtu", 1, 1, "N", "MTU 68..65535", "MTU of the TUN/TAP device (default 1500)", parse_tun_mtu},
    {"mssfix", 0, 2, "[N [mtu|fixed]]", "N [mtu|fixed]", "clamp TCP MSS so tunnel packets fit N bytes (default 1492 mtu; 0 = off)", parse_mssfix},
};

}  // namespace

std::span<const DirectiveSpec> device_transport_directives() { return kRows; }

}  // namespace vpn::config
