// One row per option a 2.6 server may push to us; the permission check comes first
// (pushed_option_rules.hpp), then the row's arity, then its handler.  Handlers follow
// options.c add_option in pull mode; checks it leaves to the kernel (netmasks, host
// bits) are done here so a bad value is one warning line, not a netlink error later.
#include "client/pulled_options.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "client/pulled_values.hpp"
#include "client/pushed_option_rules.hpp"

namespace vpn::client {
namespace {

using Words = std::vector<std::string>;

struct Ctx {
    const PullPolicy& policy;
    PulledOptions& out;
    std::vector<std::string>& warnings;
    std::string error;  // set => hard failure
};

void warn(Ctx& c, std::string line) { c.warnings.push_back(std::move(line)); }
void not_supported(Ctx& c, const Words& w) { warn(c, fmt::format("pushed option '{}' ignored (not supported yet)", w[0])); }
void windows_only(Ctx& c, const Words& w) { warn(c, fmt::format("pushed option '{}' ignored (Windows only)", w[0])); }
void silently(Ctx&, const Words&) {}

// Seconds for ping & co: 2.6 uses positive_atoi; we refuse what is not a plain number.
void seconds(Ctx& c, const Words& w, std::optional<int>& into) {
    if (auto v = parse_bounded(w[1], 0, 1 << 30)) {
        into = static_cast<int>(*v);
    } else {
        warn(c, fmt::format("pushed option '{} {}' ignored: not a number of seconds", w[0], w[1]));
    }
}

void topology(Ctx& c, const Words& w) {
    if (w[1] == "net30") c.out.topology = Topology::Net30;
    else if (w[1] == "p2p") c.out.topology = Topology::P2p;
    else if (w[1] == "subnet") c.out.topology = Topology::Subnet;
    else warn(c, fmt::format("Bad topology option: {}", w[1]));
}

void ifconfig(Ctx& c, const Words& w) {
    auto a = tun::parse_ipv4(w[1]);
    auto b = tun::parse_ipv4(w[2]);
    if (!a || !b) {
        c.error = fmt::format("ifconfig parms '{}' and '{}' must be valid addresses", w[1], w[2]);
        return;
    }
    c.out.ifconfig = Ifconfig{*a, *b};
}

void ifconfig_ipv6(Ctx& c, const Words& w) {
    c.out.ifconfig_ipv6 = w[1] + " " + w[2];
    warn(c, fmt::format("pushed option 'ifconfig-ipv6 {} {}' stored but not supported yet", w[1], w[2]));
}

void route(Ctx& c, const Words& w) {
    std::string why;
    if (auto r = parse_route_spec(Words(w.begin() + 1, w.end()), why))
        c.out.routes.push_back(*r);
    else
        warn(c, why + "; route ignored");
}

void route_gateway(Ctx& c, const Words& w) {
    if (w[1] == "dhcp") {
        c.out.route_gateway_dhcp = true;
        warn(c, "pushed option 'route-gateway dhcp' ignored (Windows only)");
    } else if (auto g = parse_addr_ref(w[1])) {
        c.out.route_gateway = *g;
    } else {
        warn(c, fmt::format("route-gateway parm '{}' must be a valid address", w[1]));
    }
}

void route_metric(Ctx& c, const Words& w) {
    if (auto v = parse_bounded(w[1], 0, 2147483647)) c.out.route_metric = static_cast<int>(*v);
    else warn(c, fmt::format("pushed option 'route-metric {}' ignored: not a metric", w[1]));
}

void route_delay(Ctx& c, const Words& w) {
    if (w.size() < 2) {
        c.out.route_delay = 0;
    } else if (auto v = parse_bounded(w[1], 0, 3600)) {
        c.out.route_delay = static_cast<int>(*v);
    } else {
        warn(c, fmt::format("pushed option 'route-delay {}' ignored: not a number of seconds", w[1]));
    }
}

void redirect_gateway(Ctx& c, const Words& w) {
    RedirectGateway r;
    r.enabled = r.reroute_ipv4 = true;
    for (std::size_t i = 1; i < w.size(); ++i) {
        const std::string& f = w[i];
        if (f == "local") r.local = true;
        else if (f == "autolocal") r.autolocal = true;
        else if (f == "def1") r.def1 = true;
        else if (f == "bypass-dhcp") r.bypass_dhcp = true;  // no-op on Linux (route.c get_bypass_addresses)
        else if (f == "bypass-dns") r.bypass_dns = true;    // likewise
        else if (f == "block-local") r.block_local = true;
        else if (f == "ipv6") r.ipv6 = true;
        else if (f == "!ipv4") r.enabled = r.reroute_ipv4 = false;
        else {
            warn(c, fmt::format("unknown --redirect-gateway flag: {}; redirect-gateway ignored", f));
            return;
        }
    }
    if (r.block_local) warn(c, "redirect-gateway flag block-local ignored (not supported yet)");
    if (r.ipv6) warn(c, "redirect-gateway flag ipv6 ignored (IPv6 in the tunnel is not supported yet)");
    if (c.out.redirect.enabled) warn(c, "redirect-gateway given more than once; the last one counts");
    c.out.redirect = r;
}

// Values end up in the up script's environment; scripts (update-resolv-conf...) paste
// them into files and commands, so only address/name characters pass.
void dhcp_option(Ctx& c, const Words& w) {
    const std::string value = w.size() > 2 ? w[2] : "";
    const bool clean = std::all_of(value.begin(), value.end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_' || ch == ':' || ch == '/';
    });
    const bool type_ok = !w[1].empty() && std::all_of(w[1].begin(), w[1].end(), [](unsigned char ch) {
        return std::isalnum(ch) || ch == '-' || ch == '_';
    });
    if (!clean || !type_ok) {
        warn(c, fmt::format("pushed option 'dhcp-option {}' ignored: unexpected characters", w[1]));
        return;
    }
    if ((w[1] == "DNS" || w[1] == "WINS" || w[1] == "NBDD" || w[1] == "NTP") && !tun::parse_ipv4(value)) {
        warn(c, fmt::format("pushed option 'dhcp-option {} {}' ignored: not an IPv4 address", w[1], value));
        return;
    }
    c.out.dhcp_options.push_back({w[1], value});
}

void peer_id(Ctx& c, const Words& w) {
    // 24 bits on the wire; 0xFFFFFF means "no peer-id" (ssl.c MAX_PEER_ID).
    if (auto v = parse_bounded(w[1], 0, 0xfffffe)) c.out.peer_id = static_cast<std::uint32_t>(*v);
    else c.error = fmt::format("pushed peer-id '{}' is not a number in 0..16777214", w[1]);
}

void cipher(Ctx& c, const Words& w) { c.out.cipher = w[1]; }
void ping(Ctx& c, const Words& w) { seconds(c, w, c.out.ping); }
void ping_restart(Ctx& c, const Words& w) { seconds(c, w, c.out.ping_restart); }
void ping_exit(Ctx& c, const Words& w) { seconds(c, w, c.out.ping_exit); }
void inactive(Ctx& c, const Words& w) { seconds(c, w, c.out.inactive); }

void tun_mtu(Ctx& c, const Words& w) {
    if (auto v = parse_bounded(w[1], 100, 65536)) c.out.tun_mtu = static_cast<int>(*v);  // mtu.h TUN_MTU_MIN/MAX
    else warn(c, fmt::format("pushed option 'tun-mtu {}' ignored: --mtu parm must be between 100 and 65536", w[1]));
}

void protocol(Ctx& c, const Words& w) {
    ovpn::apply_protocol_option(w, c.policy.implemented_iv_proto, c.out.protocol, c.warnings);
    c.out.protocol_set = true;
}

void explicit_exit_notify(Ctx& c, const Words& w) {
    if (w.size() < 2) {
        c.out.explicit_exit_notify = 1;
    } else if (auto v = parse_bounded(w[1], 0, 100)) {
        c.out.explicit_exit_notify = static_cast<int>(*v);
    } else {
        warn(c, fmt::format("pushed option 'explicit-exit-notify {}' ignored: not a count", w[1]));
    }
}

// §4: without allow-compression asym/yes (or a compression option of our own) only
// the stub framings may be pushed; 2.6 then fails the whole push.
void compression(Ctx& c, const Words& w) {
    const std::string arg = w.size() > 1 ? w[1] : "";
    std::optional<PushedCompression> mode;
    bool real = false;
    if (w[0] == "comp-lzo") {
        if (arg == "no") {
            mode = PushedCompression::LzoStub;
        } else if (arg.empty() || arg == "yes" || arg == "adaptive") {
            mode = PushedCompression::Lzo;
            real = true;
        }
    } else if (arg.empty() || arg == "stub") {
        mode = PushedCompression::StubSwap;
    } else if (arg == "stub-v2") {
        mode = PushedCompression::StubV2;
    } else if (arg == "lzo") {
        mode = PushedCompression::Lzo;
        real = true;
    } else if (arg == "lz4" || arg == "lz4-v2") {
        real = true;
    }
    if (real && !c.policy.compression_allowed) {
        c.error = "server pushed compression settings that are not allowed and will result in a non-working "
                  "connection (allow-compression)";
        return;
    }
    if (!mode) {
        if (real) c.error = fmt::format("server pushed '{} {}': compression algorithm not supported", w[0], arg);
        else warn(c, fmt::format("pushed option '{} {}' ignored: bad compression option", w[0], arg));
        return;
    }
    c.out.compression = mode;
}

void echo(Ctx& c, const Words& w) {
    std::string text;
    for (std::size_t i = 1; i < w.size(); ++i) text += (i > 1 ? " " : "") + w[i];
    c.out.echo.push_back(std::move(text));
}

// options.c setenv-safe: the name gets an OPENVPN_ prefix so a server cannot set PATH.
void setenv_safe(Ctx& c, const Words& w) {
    const bool ok = std::all_of(w[1].begin(), w[1].end(), [](unsigned char ch) { return std::isalnum(ch) || ch == '_'; });
    if (!ok) {
        warn(c, fmt::format("pushed option 'setenv-safe {}' ignored: bad variable name", w[1]));
        return;
    }
    c.out.setenv.emplace_back("OPENVPN_" + w[1], w.size() > 2 ? w[2] : "");
}

void auth_token(Ctx& c, const Words& w) { c.out.auth_token = w[1]; }
void block_ipv6(Ctx& c, const Words&) { c.out.block_ipv6 = true; }

struct Row {
    std::string_view name;
    std::size_t min_args, max_args;  // words after the name
    void (*apply)(Ctx&, const Words&);
};

// Arity as in options.c (p[1] && !p[2] means exactly one argument, ...).
constexpr std::array kRows = {
    Row{"topology", 1, 1, topology},          Row{"ifconfig", 2, 2, ifconfig},
    Row{"ifconfig-ipv6", 2, 2, ifconfig_ipv6}, Row{"route", 1, 4, route},
    Row{"route-gateway", 1, 1, route_gateway}, Row{"route-metric", 1, 1, route_metric},
    Row{"route-delay", 0, 2, route_delay},    Row{"redirect-gateway", 0, 15, redirect_gateway},
    Row{"dhcp-option", 1, 2, dhcp_option},    Row{"peer-id", 1, 1, peer_id},
    Row{"cipher", 1, 1, cipher},              Row{"ping", 1, 1, ping},
    Row{"ping-restart", 1, 1, ping_restart},  Row{"ping-exit", 1, 1, ping_exit},
    Row{"inactive", 1, 2, inactive},          Row{"tun-mtu", 1, 2, tun_mtu},
    Row{"key-derivation", 1, 1, protocol},    Row{"protocol-flags", 0, 15, protocol},
    Row{"explicit-exit-notify", 0, 1, explicit_exit_notify},
    Row{"comp-lzo", 0, 1, compression},       Row{"compress", 0, 1, compression},
    Row{"comp-noadapt", 0, 0, silently},      Row{"echo", 0, 15, echo},
    Row{"parameter", 0, 15, echo},            Row{"setenv-safe", 1, 2, setenv_safe},
    Row{"auth-token", 1, 1, auth_token},      Row{"block-ipv6", 0, 0, block_ipv6},
    Row{"tun-ipv6", 0, 0, silently},          Row{"push-continuation", 1, 1, silently},
    Row{"route-method", 1, 1, silently},      // 2.6 ignores it off Windows
    Row{"register-dns", 0, 0, windows_only},  Row{"block-outside-dns", 0, 0, windows_only},
    Row{"ip-win32", 1, 3, windows_only},      Row{"tap-sleep", 1, 1, windows_only},
    Row{"dhcp-renew", 0, 0, windows_only},    Row{"dhcp-pre-release", 0, 0, windows_only},
    Row{"show-net-up", 0, 0, windows_only},
};

const Row* find_row(std::string_view name) {
    for (const Row& r : kRows)
        if (r.name == name) return &r;
    return nullptr;
}

}  // namespace

PullPolicy pull_policy(const config::Options& o) {
    PullPolicy p;
    using config::AllowCompression;
    const bool own = o.comp_lzo != config::CompLzo::Absent || o.compress_lzo;
    p.compression_allowed = o.allow_compression == AllowCompression::Asym ||
                            o.allow_compression == AllowCompression::Yes ||
                            (o.allow_compression == AllowCompression::Unset && own);
    p.tap = o.device_type() == config::DevType::Tap;
    if (o.topology) {
        switch (*o.topology) {
            case config::Topology::Net30: p.default_topology = Topology::Net30; break;
            case config::Topology::P2p: p.default_topology = Topology::P2p; break;
            case config::Topology::Subnet: p.default_topology = Topology::Subnet; break;
        }
    }
    return p;
}

PullResult parse_pulled_options(const std::vector<std::vector<std::string>>& options, const PullPolicy& policy,
                                std::vector<std::string>& warnings) {
    PullResult result;
    Ctx c{policy, result.options, warnings, {}};
    for (std::size_t i = 0; i < options.size(); ++i) {
        const Words& w = options[i];
        if (w.empty()) continue;
        const PushClass cls = classify_pushed_option(w[0]);
        if (cls == PushClass::NotPushable || (cls == PushClass::RouteOrDns && policy.route_nopull)) {
            warn(c, forbidden_option_message(w[0]));
            continue;
        }
        const Row* row = cls == PushClass::Unknown ? nullptr : find_row(w[0]);
        const std::size_t args = w.size() - 1;
        if (cls == PushClass::Unknown || (row && (args < row->min_args || args > row->max_args))) {
            warn(c, unrecognized_option_message(w[0], i + 1));
            continue;
        }
        if (!row) {
            not_supported(c, w);
            continue;
        }
        row->apply(c, w);
        if (!c.error.empty()) {
            result.error = std::move(c.error);
            return result;
        }
    }
    result.options.effective_topology = result.options.topology.value_or(policy.default_topology);
    if (result.options.ifconfig) {
        // tun.c is_tun_p2p: only a tun device with net30/p2p takes a peer address.
        const Topology rules = policy.tap ? Topology::Subnet : result.options.effective_topology;
        std::string why = ifconfig_problem(*result.options.ifconfig, rules);
        if (!why.empty()) {
            result.error = std::move(why);
            return result;
        }
    }
    result.ok = true;
    return result;
}

}  // namespace vpn::client
