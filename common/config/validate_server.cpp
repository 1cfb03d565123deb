// Cross-directive rules of `mode server` (one TLS client), as OpenVPN 2.6 checks them
// after parsing (options.c: options_postprocess_verify_ce, "Check consistency of
// --mode server options").  Where 2.6 has no rule for our one-client case
// (ifconfig-push in the main config) the checks are the client's: what it would
// refuse when the address arrives (tun.c: ifconfig_sanity_check).
#include <fmt/format.h>

#include <algorithm>

#include "common/config/arg_parse.hpp"
#include "common/config/validate.hpp"

namespace vpn::config {
namespace {

void emit(const WarningSink& warn, const Origin& where, const std::string& what) {
    if (warn) warn(fmt::format("{}: {}", where.str(), what));
}

// Outside mode server nothing would ever be pushed; stock 2.6 silently keeps `push`
// lines there, we say so instead.
void check_server_only(const LoadState& st) {
    if (st.first_push) {
        fail(*st.first_push, "'push' needs 'mode server' (only a server pushes options to its client), expected "
                             "'mode server' with 'tls-server', or no push lines");
    }
    if (st.ifconfig_push) {
        fail(*st.ifconfig_push, "'ifconfig-push' needs 'mode server' (it is the address a server pushes to its "
                                "client), expected 'mode server' with 'tls-server', or 'ifconfig' for this side");
    }
}

void check_roles(const Options& o, const LoadState& st) {
    const std::string at = o.mode_origin->str();
    if (st.pull) {
        // 2.6: "--pull cannot be used with --mode server".
        fail(st.pull->second, fmt::format("'{}' cannot be used with 'mode server' at {} (a server pushes, it does "
                                          "not pull), expected tls-server",
                                          st.pull->first, at));
    }
    if (o.secret) {
        fail(o.secret->origin, fmt::format("'secret' cannot be used with 'mode server' at {} (a server needs TLS), "
                                           "expected tls-server with ca, cert and key",
                                           at));
    }
    if (!o.tls.server) {
        // 2.6: "--mode server requires --tls-server".
        if (st.tls_role) {
            fail(*o.mode_origin, fmt::format("'mode server' requires 'tls-server', not the '{}' at {}",
                                             st.tls_role->first, st.tls_role->second.str()));
        }
        fail(*o.mode_origin, "'mode server' requires 'tls-server', expected a tls-server line");
    }
}

void check_transport(const Options& o, const LoadState& st) {
    const std::string at = o.mode_origin->str();
    if (!o.remotes.empty()) {
        fail(st.remotes.front(), fmt::format("'remote' cannot be used with 'mode server' at {} (the server waits "
                                             "for its client), expected no remote",
                                             at));
    }
    if (st.nobind) {
        fail(*st.nobind, fmt::format("'nobind' cannot be used with 'mode server' at {} (the server listens on its "
                                     "port), expected no nobind",
                                     at));
    }
    if (o.proto == Proto::TcpClient && st.proto) {
        fail(*st.proto, fmt::format("'proto': a tcp client cannot be used with 'mode server' at {}, expected udp or "
                                    "tcp-server",
                                    at));
    }
}

void check_ifconfig_push(const Options& o, const LoadState& st, const WarningSink& warn) {
    if (!o.ifconfig_push) return;
    const auto& [local, second] = *o.ifconfig_push;
    const Origin& where = *st.ifconfig_push;
    const bool tap = o.device_type() == DevType::Tap;
    const std::uint32_t mask = parse_ipv4(second).value_or(0);
    if (tap || o.topology == Topology::Subnet) {
        if (!is_contiguous_netmask(mask)) {
            fail(where, fmt::format("'ifconfig-push': with {} the second argument is the client's netmask; {} is "
                                    "not one, expected e.g. 255.255.255.0",
                                    tap ? "a tap device" : "topology subnet", shown(second)));
        }
        return;
    }
    if (local == second) {
        fail(where, "'ifconfig-push': the two addresses are the same, expected the client's address and its peer's");
    }
    if ((mask & 0xff000000u) == 0xff000000u) {
        emit(warn, where,
             fmt::format("'ifconfig-push': with a tun device and topology net30/p2p the second argument is the "
                         "client's peer address; {} looks like a netmask (topology subnet?)",
                         shown(second)));
    }
}

void check_topology_pushed(const Options& o, const LoadState& st, const WarningSink& warn) {
    if (o.topology != Topology::Subnet || !o.ifconfig_push || o.device_type() == DevType::Tap) return;
    const bool pushed = std::any_of(o.push.begin(), o.push.end(), [](const std::string& p) {
        return p.starts_with("topology ") || p.starts_with("topology\t");
    });
    if (!pushed) {
        // Seen with stock 2.6.14: mode server + topology subnet sends "ifconfig A MASK"
        // alone and the client configures MASK as its peer address.
        emit(warn, *st.topology,
             "'topology subnet' is not pushed by itself (only 2.6's 'server' helper does that); a client "
             "would take the pushed netmask for a peer address, expected also push \"topology subnet\"");
    }
}

}  // namespace

void validate_server(Options& o, const LoadState& st, const WarningSink& warn) {
    if (o.mode != Mode::Server) {
        check_server_only(st);
        return;
    }
    check_roles(o, st);
    check_transport(o, st);
    check_ifconfig_push(o, st, warn);
    check_topology_pushed(o, st, warn);
}

}  // namespace vpn::config
