// Rows for a `mode server` that serves one TLS client with a pushed configuration:
// mode, push, ifconfig-push, topology.  Meanings follow OpenVPN 2.6 options.c
// (add_option, parse_topology, push.c: push_options); the cross-directive rules are in
// validate_server.cpp.
//
// Stock 2.6 accepts ifconfig-push only in a client-config-dir file (OPT_P_INSTANCE);
// with one client there is no such file, so we also take it in the main config.
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"
#include "common/config/directive_lines.hpp"

namespace vpn::config {
namespace {

// OPTION_PARM_SIZE - 1: a 2.6 client reads each pushed option into 256 bytes
// (options.c: apply_push_options) and would cut a longer one in two.
constexpr std::size_t kMaxPushedOption = 255;

void parse_mode(ParseContext& c, const Directive& d) {
    if (d.args[0] == "p2p") c.opts.mode = Mode::P2p;
    else if (d.args[0] == "server") c.opts.mode = Mode::Server;
    else fail(d.origin, fmt::format("'mode': {} is not a mode, expected p2p or server", shown(d.args[0])));
    c.opts.mode_origin = d.origin;
}

void parse_topology(ParseContext& c, const Directive& d) {
    const std::string& t = d.args[0];
    if (t == "net30") c.opts.topology = Topology::Net30;
    else if (t == "p2p") c.opts.topology = Topology::P2p;
    else if (t == "subnet") c.opts.topology = Topology::Subnet;
    else fail(d.origin, fmt::format("'topology': {} is not a topology, expected net30, p2p or subnet", shown(t)));
    c.state.topology = d.origin;
}

void parse_push(ParseContext& c, const Directive& d) {
    const std::string& text = d.args[0];
    if (text.find_first_not_of(" \t") == std::string::npos) {
        fail(d.origin, "'push': empty option, expected an option and its arguments, e.g. push \"route 10.1.0.0 "
                       "255.255.0.0\"");
    }
    // push.c: push_options refuses it too ("illegal comma"): the client splits
    // PUSH_REPLY on every ',' whatever the quoting.
    if (text.find(',') != std::string::npos) {
        fail(d.origin, fmt::format("'push': {} contains ',', which a client reads as two options, expected one "
                                   "option per push line",
                                   shown(text)));
    }
    if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        fail(d.origin, fmt::format("'push': {} contains a line break or NUL, expected one option on one line",
                                   shown(text)));
    }
    if (text.size() > kMaxPushedOption) {
        fail(d.origin, fmt::format("'push': the option is {} bytes, expected at most {} (a 2.6 client cuts longer "
                                   "options in two)",
                                   text.size(), kMaxPushedOption));
    }
    c.opts.push.push_back(text);
    c.state.push_lines.emplace_back(text, d.origin);
    if (!c.state.first_push) c.state.first_push = d.origin;
}

void ipv4_check(const Directive& d, std::size_t i, std::string_view role) {
    if (!parse_ipv4(d.args[i])) {
        fail(d.origin, fmt::format("'{}': {} is not an IPv4 address, expected {} as a dotted quad (a.b.c.d)",
                                   d.name, shown(d.args[i]), role));
    }
}

void parse_ifconfig_push(ParseContext& c, const Directive& d) {
    ipv4_check(d, 0, "the client's tunnel address");
    ipv4_check(d, 1, "the client's peer address (net30/p2p) or netmask (subnet, tap)");
    c.opts.ifconfig_push = std::pair{d.args[0], d.args[1]};
    c.state.ifconfig_push = d.origin;  // topology / tun-tap checks wait for validate()
}

// Stock 2.6 takes push-reset and push-remove only in client-config-dir files (the
// main config is refused "in this context"); here they also edit the main config's
// push list as read so far, e.g. after a `config` include.  Pushes that `server` and
// `keepalive` add come after every line, so they are not affected.
void parse_push_reset(ParseContext& c, const Directive& d) {
    c.opts.push.clear();  // push.c: push_reset
    remember_line(c.opts.server, d);
}

void parse_push_remove(ParseContext& c, const Directive& d) {
    const std::string& what = d.args[0];
    if (what.empty()) {
        fail(d.origin, "'push-remove': empty argument, expected the start of the pushed options to remove, e.g. "
                       "push-remove route");
    }
    // push.c: push_remove_option -- "ifconfig" and "ifconfig-ipv6" name the generated
    // ifconfig lines (not in the list); anything else is a prefix of list entries.
    if (what == "ifconfig") {
        c.opts.server.push_ifconfig_blocked = true;
    } else if (what != "ifconfig-ipv6") {
        std::erase_if(c.opts.push, [&](const std::string& e) { return push_remove_matches(e, what); });
    }
    remember_line(c.opts.server, d);
}

[[noreturn]] void parse_iroute(ParseContext&, const Directive& d) {
    // 2.6 refuses it here too ("cannot be used in this context"): an iroute names the
    // networks behind one client, so it lives in that client's file.
    fail(d.origin, "'iroute' belongs in a client-config-dir file (it names a network behind one client), expected "
                   "it in DIR/<common name> with 'client-config-dir DIR' here, and a 'route' for the network in "
                   "the main config");
}

constexpr DirectiveSpec kRows[] = {
    {"mode", 1, 1, "p2p|server", "p2p or server", "p2p (default): one peer; server: serve one TLS client (needs tls-server) and push it its options", parse_mode},
    {"push", 1, 1, "\"OPTION ARGS\"", "one quoted option, e.g. \"route 10.1.0.0 255.255.0.0\"", "mode server: send this option to the client in PUSH_REPLY; may repeat", parse_push},
    {"ifconfig-push", 2, 2, "LOCAL REMOTE|NETMASK", "the client's address and its peer address (net30/p2p) or netmask (subnet)", "mode server: the client's tunnel addresses (stock 2.6 takes this only in a client-config-dir file; here also in the main config, for the one client)", parse_ifconfig_push},
    {"push-reset", 0, 0, "", "", "mode server: drop the push lines read so far (stock 2.6 takes it only in a client-config-dir file)", parse_push_reset},
    {"push-remove", 1, 1, "OPTION", "the start of the pushed options to remove, e.g. route", "mode server: drop push lines read so far that start with OPTION ('ifconfig': do not push ifconfig; stock 2.6 takes it only in a client-config-dir file)", parse_push_remove},
    {"iroute", 1, 2, "NETWORK [NETMASK]", "network and optional netmask", "client-config-dir files only: a network behind that client (an error in the main config)", parse_iroute},
    {"topology", 1, 1, "net30|p2p|subnet", "net30, p2p or subnet", "tun addressing (default net30); subnet: ifconfig's 2nd argument is a netmask", parse_topology},
};

}  // namespace

std::span<const DirectiveSpec> server_directives() { return kRows; }

}  // namespace vpn::config
