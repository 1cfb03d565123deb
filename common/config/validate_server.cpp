// Cross-directive rules of `mode server` (one TLS client), as OpenVPN 2.6 checks them
// after parsing (options.c: options_postprocess_verify_ce, "Check consistency of
// --mode server options").  Where 2.6 has no rule for our one-client case
// (ifconfig-push in the main config) the checks are the client's: what it would
// refuse when the address arrives (tun.c: ifconfig_sanity_check).
#include <fmt/format.h>

#include <algorithm>

#include "common/config/arg_parse.hpp"
#include "common/config/directive_lines.hpp"
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

// options.c: options_postprocess_verify_ce, "... requires --mode server" (push-reset
// and push-remove: stock 2.6 refuses them in the main config altogether).
void check_server_only_lines(const ServerOptions& s) {
    static constexpr std::string_view kServerOnly[] = {
        "client-config-dir",     "ccd-exclusive",           "learn-address", "client-connect", "client-disconnect",
        "auth-user-pass-verify", "username-as-common-name", "push-reset",    "push-remove"};
    for (const Origin& line : s.lines) {
        if (std::find(std::begin(kServerOnly), std::end(kServerOnly), line.name) != std::end(kServerOnly)) {
            fail(line, fmt::format("'{}' requires 'mode server' (or the 'server' helper), expected 'mode server' "
                                   "with 'tls-server', or no {} line",
                                   line.name, line.name));
        }
    }
}

// 2.6 writes a status file and serves management in p2p mode too; here only the
// multi-client server does, so say that they do nothing (they used to be ignored
// with a warning before the server had them).
void warn_server_outputs(const ServerOptions& s, const WarningSink& warn) {
    const std::pair<std::string_view, std::string_view> outputs[] = {{"status", "written"}, {"management", "served"}};
    for (const auto& [name, done] : outputs) {
        if (const Origin* at = line_of(s, name)) {
            emit(warn, *at, fmt::format("'{}' is only {} by 'mode server' here and is ignored in p2p mode", name, done));
        }
    }
}

// What 2.6 would do at run time with each script when script-security is below 2
// (run_command.c: openvpn_execve refuses the call; multi.c, ssl_verify.c: the result).
void warn_script_security(const Options& o, const WarningSink& warn) {
    const ServerOptions& s = o.server;
    struct Script {
        std::string_view name;
        bool set;
        std::string_view then;
    };
    const Script scripts[] = {
        {"learn-address", s.learn_address.has_value(), "no client address is learned, so nothing is routed to clients"},
        {"client-connect", s.client_connect.has_value(), "every client is refused"},
        {"client-disconnect", s.client_disconnect.has_value(), "the script is skipped"},
        {"auth-user-pass-verify", s.auth_user_pass_verify.has_value(), "every client fails authentication"},
    };
    for (const Script& sc : scripts) {
        const Origin* at = line_of(s, sc.name);
        if (!sc.set || !at) continue;
        if (o.script_security < 2) {
            emit(warn, *at, fmt::format("'{}' will not run: script-security is {} and OpenVPN 2.6 refuses to call "
                                        "scripts below 2 at run time ({}), expected 'script-security 2'",
                                        sc.name, o.script_security, sc.then));
        }
    }
    if (s.auth_user_pass_verify && !s.auth_verify_via_file && o.script_security == 2) {
        // env_set.c: env_allowed -- "password" reaches a script's environment only at level 3.
        emit(warn, *line_of(s, "auth-user-pass-verify"),
             "'auth-user-pass-verify ... via-env' gets no password with script-security 2 (2.6 passes passwords in "
             "the environment only at level 3), expected 'script-security 3' or via-file");
    }
}

void check_server_lines(const Options& o, const WarningSink& warn) {
    const ServerOptions& s = o.server;
    if (s.ccd_exclusive && !s.client_config_dir) {
        fail(*line_of(s, "ccd-exclusive"), "'ccd-exclusive' must be used with 'client-config-dir', expected a "
                                           "client-config-dir line");
    }
    if (s.username_as_common_name && !s.auth_user_pass_verify) {
        // 2.6 also accepts a plugin or management-client-auth, which we do not have.
        fail(*line_of(s, "username-as-common-name"), "'username-as-common-name' must be used with an "
                                                     "'auth-user-pass-verify' script, expected an "
                                                     "auth-user-pass-verify line");
    }
    warn_script_security(o, warn);
    if (s.management && !s.management->unix_path) {
        // 2.6: "Using --management on a TCP port WITHOUT passwords is STRONGLY discouraged".
        emit(warn, *line_of(s, "management"),
             fmt::format("'management' on TCP {} port {} has no password: anyone who can connect to it controls the "
                         "server ('management PATH unix' is limited by the socket's file permissions)",
                         s.management->host, s.management->port));
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
    if (o.secret && o.technique == Technique::Ipsec) {
        fail(o.secret->origin, fmt::format("'secret' (manual keying) cannot be used with 'mode server' at {} (a "
                                           "gateway keys its clients' SAs with IKE), expected ike-psk or ca, cert "
                                           "and key",
                                           at));
    }
    if (o.secret) {
        fail(o.secret->origin, fmt::format("'secret' cannot be used with 'mode server' at {} (a server needs TLS), "
                                           "expected tls-server with ca, cert and key",
                                           at));
    }
    if (!o.tls.server && o.technique == Technique::Tls) {
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
        check_server_only_lines(o.server);
        warn_server_outputs(o.server, warn);
        return;
    }
    check_roles(o, st);
    check_transport(o, st);
    check_ifconfig_push(o, st, warn);
    check_topology_pushed(o, st, warn);
    check_server_lines(o, warn);
}

}  // namespace vpn::config
