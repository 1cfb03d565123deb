// Rows for liveness timers and the process: logging, status file, management
// interface, daemon, privileges, scripts, `cd` and `config`.  Meanings follow OpenVPN
// 2.6 options.c; `cd` does not chdir() here, it only moves the base of later relative
// paths (see LoadState::base_dir).
#include <fmt/format.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"
#include "common/config/directive_lines.hpp"

namespace vpn::config {
namespace {

// Large enough for any real timer, small enough that doubling (server keepalive)
// cannot overflow an int.
constexpr long long kMaxSeconds = 1'000'000'000;
constexpr std::string_view kSecondsWhat = "a number of seconds (0..1000000000)";

int seconds_arg(const Directive& d, std::size_t i) { return int_arg(d, i, 0, kMaxSeconds, kSecondsWhat); }

std::string nonempty_arg(const Directive& d, std::string_view what) {
    if (d.args[0].empty()) fail(d.origin, fmt::format("'{}': empty argument, expected {}", d.name, what));
    return d.args[0];
}

std::string path_arg(ParseContext& c, const Directive& d) {
    return resolve_path(c.state.base_dir, nonempty_arg(d, "a file name"));
}

void parse_keepalive(ParseContext& c, const Directive& d) {
    // Expanded by validate() as helper.c: helper_keepalive does after parsing.
    c.state.keepalive = d.origin;
    c.state.keepalive_ping = seconds_arg(d, 0);
    c.state.keepalive_timeout = seconds_arg(d, 1);
}

void parse_ping(ParseContext& c, const Directive& d) { c.opts.ping = seconds_arg(d, 0); }

void parse_ping_restart(ParseContext& c, const Directive& d) {
    // OpenVPN keeps one receive timeout with one action: the later directive wins.
    c.opts.ping_restart = seconds_arg(d, 0);
    c.opts.ping_exit = 0;
}

void parse_ping_exit(ParseContext& c, const Directive& d) {
    c.opts.ping_exit = seconds_arg(d, 0);
    c.opts.ping_restart = 0;
}

void parse_explicit_exit(ParseContext& c, const Directive& d) {
    c.opts.explicit_exit_notify = d.args.empty() ? 1 : int_arg(d, 0, 0, 1000, "a repeat count (0..1000)");
    c.state.explicit_exit_notify = d.origin;
}

void parse_verb(ParseContext& c, const Directive& d) { c.opts.verb = int_arg(d, 0, 0, 11, "a verbosity (0..11)"); }

void parse_log(ParseContext& c, const Directive& d) {
    // `log` and `log-append` share one destination: the later one wins.
    c.opts.log_file = path_arg(c, d);
    c.opts.log_append = d.name == "log-append";
}

void parse_status(ParseContext& c, const Directive& d) {
    ServerOptions& s = c.opts.server;
    s.status_file = path_arg(c, d);
    // 2.6 keeps the previous interval when N is left out; 0: never rewritten on a timer.
    if (d.args.size() == 2) s.status_seconds = seconds_arg(d, 1);
    remember_line(s, d);
}

void parse_status_version(ParseContext& c, const Directive& d) {
    c.opts.server.status_version = int_arg(d, 0, 1, 3, "a status file format (1..3)");
}

bool is_ipv6_literal(const std::string& s) {
    in6_addr a{};
    return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

void parse_management(ParseContext& c, const Directive& d) {
    if (d.args.size() == 3) {
        // 2.6's third argument is a password file (or "stdin"); we have no
        // password prompt on the interface, so refuse rather than run it open.
        fail(d.origin, fmt::format("'management': a password file ({}) is not supported, expected 'management IP "
                                   "PORT' or 'management PATH unix' (keep the interface on 127.0.0.1 or a unix "
                                   "socket)",
                                   shown(d.args[2])));
    }
    ServerOptions::Management m;
    if (d.args[1] == "unix") {
        m.unix_path = resolve_path(c.state.base_dir, nonempty_arg(d, "a socket path"));
    } else {
        const std::string& host = d.args[0];
        const bool dotted = host.find_first_not_of("0123456789.") == std::string::npos;  // not a name
        if (!parse_ipv4(host) && !is_ipv6_literal(host) && (dotted || !is_host_name(host))) {
            fail(d.origin, fmt::format("'management': {} is not an address, expected 'management IP PORT' (e.g. "
                                       "127.0.0.1 7505) or 'management PATH unix'",
                                       shown(host)));
        }
        m.host = host;
        m.port = static_cast<std::uint16_t>(
            int_arg(d, 1, 1, 65535, "a port number (1..65535) or 'unix' (management PATH unix)"));
    }
    c.opts.server.management = std::move(m);
    remember_line(c.opts.server, d);
}

void parse_writepid(ParseContext& c, const Directive& d) { c.opts.writepid = path_arg(c, d); }

void parse_daemon(ParseContext& c, const Directive& d) {
    if (c.opts.daemon) {
        // options.c keeps the first daemon (init scripts often add their own).
        if (!d.args.empty()) {
            c.warning(d.origin, fmt::format("'daemon' given twice; ignoring daemon {}", shown(d.args[0])));
        }
        return;
    }
    c.opts.daemon = true;
    c.opts.daemon_name = d.args.empty() ? "vpn" : nonempty_arg(d, "a syslog name");
}

void parse_user(ParseContext& c, const Directive& d) { c.opts.user = nonempty_arg(d, "a user name"); }
void parse_group(ParseContext& c, const Directive& d) { c.opts.group = nonempty_arg(d, "a group name"); }
void parse_persist_tun(ParseContext& c, const Directive&) { c.opts.persist_tun = true; }
void parse_persist_key(ParseContext& c, const Directive&) { c.opts.persist_key = true; }

void parse_up(ParseContext& c, const Directive& d) {
    c.opts.up = nonempty_arg(d, "a command");
    c.state.up = d.origin;
}

void parse_down(ParseContext& c, const Directive& d) {
    c.opts.down = nonempty_arg(d, "a command");
    c.state.down = d.origin;
}

void parse_script_security(ParseContext& c, const Directive& d) {
    c.opts.script_security = int_arg(d, 0, 0, 3, "a script security level (0..3)");
}

void parse_cd(ParseContext& c, const Directive& d) {
    std::string dir = path_arg(c, d);
    std::error_code ec;
    std::filesystem::path real = std::filesystem::canonical(dir, ec);
    if (!ec && !std::filesystem::is_directory(real, ec)) ec = std::make_error_code(std::errc::not_a_directory);
    if (ec) {
        fail(d.origin, fmt::format("'cd': cannot use {}: {}, expected an existing directory", shown(dir),
                                   ec.message()));
    }
    c.state.base_dir = real.string();
    c.opts.cd = real.string();
}

void parse_config(ParseContext& c, const Directive& d) {
    nonempty_arg(d, "a config file name");
    c.include(d);
}

constexpr DirectiveSpec kRows[] = {
    {"keepalive", 2, 2, "PING RESTART", "ping interval and restart timeout in seconds", "ping every PING s, restart after RESTART s of silence (mode server: after 2*RESTART, and pushes ping PING, ping-restart RESTART)", parse_keepalive},
    {"ping", 1, 1, "N", "seconds", "send a keepalive ping after N s without sending", parse_ping},
    {"ping-restart", 1, 1, "N", "seconds", "restart after N s without hearing the peer", parse_ping_restart},
    {"ping-exit", 1, 1, "N", "seconds", "exit after N s without hearing the peer", parse_ping_exit},
    {"explicit-exit-notify", 0, 1, "[N]", "repeat count", "tell a UDP peer we are exiting (N attempts, default 1)", parse_explicit_exit},
    {"verb", 1, 1, "N", "verbosity 0..11", "log verbosity (default 1)", parse_verb},
    {"log", 1, 1, "FILE", "file name", "log to FILE (truncated)", parse_log},
    {"log-append", 1, 1, "FILE", "file name", "log to FILE (appended)", parse_log},
    {"status", 1, 2, "FILE [N]", "file name and optional seconds", "write client and routing status to FILE every N s (default 60; see status-version)", parse_status},
    {"status-version", 1, 1, "1|2|3", "a status file format 1..3", "status file format: 1 (default) plain, 2 CSV with headers, 3 as 2 with tabs", parse_status_version},
    {"management", 2, 3, "IP PORT | PATH unix", "IP and port, or socket path and 'unix'", "management interface on a TCP port (no password: keep it on 127.0.0.1) or a unix socket", parse_management},
    {"writepid", 1, 1, "FILE", "file name", "write the process id to FILE", parse_writepid},
    {"daemon", 0, 1, "[NAME]", "syslog name", "run in the background, logging to syslog as NAME", parse_daemon},
    {"user", 1, 1, "NAME", "user name", "drop privileges to this user after setup", parse_user},
    {"group", 1, 1, "NAME", "group name", "drop privileges to this group after setup", parse_group},
    {"persist-tun", 0, 0, "", "", "keep the device across restarts", parse_persist_tun},
    {"persist-key", 0, 0, "", "", "keep keys across restarts", parse_persist_key},
    {"up", 1, 1, "CMD", "command, quoted if it has arguments", "run CMD after the device is up (needs script-security 2)", parse_up},
    {"down", 1, 1, "CMD", "command, quoted if it has arguments", "run CMD after the device is closed (needs script-security 2)", parse_down},
    {"script-security", 1, 1, "0..3", "level 0..3", "external programs allowed: 0 none, 1 built-ins, 2 scripts, 3 passwords in env", parse_script_security},
    {"cd", 1, 1, "DIR", "directory", "base directory for later relative paths and for scripts", parse_cd},
    {"config", 1, 1, "FILE", "file name", "read directives from FILE", parse_config},
};

}  // namespace

std::span<const DirectiveSpec> process_directives() { return kRows; }

}  // namespace vpn::config
