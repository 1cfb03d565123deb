#include "common/config/validate.hpp"

#include <fmt/format.h>

#include "common/config/arg_parse.hpp"

namespace vpn::config {
namespace {

void emit(const WarningSink& warn, const Origin& where, const std::string& what) {
    if (warn) warn(fmt::format("{}: {}", where.str(), what));
}

void derive_dev_type(Options& o) {
    if (o.dev.empty() || o.dev_type) return;
    // tun.c: is_dev_type() -- the name's prefix decides unless dev-type is given.
    if (o.dev.starts_with("tun")) {
        o.dev_type = DevType::Tun;
    } else if (o.dev.starts_with("tap")) {
        o.dev_type = DevType::Tap;
    } else {
        fail(o.dev_origin, fmt::format("'dev': cannot tell whether {} is tun or tap, expected a name "
                                       "starting with tun or tap, or a 'dev-type tun|tap' directive",
                                       shown(o.dev)));
    }
}

void check_ifconfig(const Options& o, const LoadState& st, const WarningSink& warn) {
    if (!st.ifconfig || !o.ifconfig_remote) return;
    const std::uint32_t second = parse_ipv4(*o.ifconfig_remote).value_or(0);
    const bool tap = o.device_type() == DevType::Tap;
    if (tap || o.topology == Topology::Subnet) {
        // tun.c: ifconfig_sanity_check -- tun with topology subnet is addressed like tap.
        if (!is_contiguous_netmask(second)) {
            fail(*st.ifconfig, fmt::format("'ifconfig': with {} the second argument is a netmask; "
                                           "{} is not one, expected e.g. 255.255.255.0",
                                           tap ? "a tap device" : "topology subnet", shown(*o.ifconfig_remote)));
        }
    } else if ((second & 0xff000000u) == 0xff000000u) {
        emit(warn, *st.ifconfig,
             fmt::format("'ifconfig': with a tun device the second argument is the peer's address; {} looks "
                         "like a netmask", shown(*o.ifconfig_remote)));
    }
    if (*o.ifconfig_local == *o.ifconfig_remote) {
        fail(*st.ifconfig, "'ifconfig': the two addresses are the same, expected two different addresses");
    }
}

// options.c: options_postprocess_verify_ce, "Sanity check on --local, --remote,
// and --ifconfig" -- compared as written, as OpenVPN does.
void check_addresses(const Options& o, const LoadState& st) {
    auto is_ifconfig = [&](const std::string& a) {
        return (o.ifconfig_local && a == *o.ifconfig_local) || (o.ifconfig_remote && a == *o.ifconfig_remote);
    };
    for (std::size_t i = 0; i < o.remotes.size(); ++i) {
        const Remote& r = o.remotes[i];
        if (o.local && r.host == *o.local && r.port.value_or(o.rport) == o.lport) {
            fail(st.remotes[i], "'remote' is the same address and port as 'local', expected the peer's address");
        }
        if (is_ifconfig(r.host)) {
            fail(st.remotes[i], fmt::format("'remote' {} is an ifconfig address, expected the peer's public "
                                            "address (tunnel addresses go in ifconfig)", shown(r.host)));
        }
    }
    if (o.local && is_ifconfig(*o.local)) {
        fail(*st.local, fmt::format("'local' {} is an ifconfig address, expected a public address of this host",
                                    shown(*o.local)));
    }
    if (st.nobind) {
        if (st.local) fail(*st.nobind, fmt::format("'nobind' conflicts with 'local' at {}", st.local->str()));
        if (st.lport) fail(*st.nobind, fmt::format("'nobind' conflicts with 'lport' at {}", st.lport->str()));
        if (o.remotes.empty()) fail(*st.nobind, "'nobind' needs a 'remote', expected a remote to connect to");
    }
}

void expand_keepalive(Options& o, const LoadState& st) {
    if (!st.keepalive) return;
    const int ping = st.keepalive_ping;
    const int restart = st.keepalive_timeout;
    if (ping <= 0 || restart <= 0) {
        fail(*st.keepalive, fmt::format("'keepalive {} {}': both values must be > 0", ping, restart));
    }
    if (static_cast<long long>(ping) * 2 > restart) {
        fail(*st.keepalive, fmt::format("'keepalive {} {}': the restart timeout must be at least twice the ping "
                                        "interval, expected e.g. keepalive 10 60",
                                        ping, restart));
    }
    if (o.ping || o.ping_restart || o.ping_exit) {
        fail(*st.keepalive, "'keepalive' conflicts with ping, ping-restart and ping-exit, expected either "
                            "keepalive or the ping directives");
    }
    o.ping = ping;
    if (o.mode == Mode::Server && o.technique == Technique::Tls) {
        // helper.c: helper_keepalive -- the server waits twice as long as its client
        // and pushes the pair; helpers run after parsing, so these follow every push line.
        o.ping_restart = restart * 2;  // restart <= 1e9 (seconds_arg): no overflow
        o.push.push_back(fmt::format("ping {}", ping));
        o.push.push_back(fmt::format("ping-restart {}", restart));
    } else {
        o.ping_restart = restart;
    }
}

void check_scripts(const Options& o, const LoadState& st) {
    for (const auto& [origin, name] : {std::pair{st.up, "up"}, std::pair{st.down, "down"}}) {
        if (origin && o.script_security < 2) {
            fail(*origin, fmt::format("'{}' needs script-security 2 or higher to run a script, "
                                      "expected 'script-security 2' (it is {})",
                                      name, o.script_security));
        }
    }
}

void check_compression(const Options& o, const LoadState& st) {
    const bool real = o.compress_lzo || o.comp_lzo == CompLzo::Yes || o.comp_lzo == CompLzo::Adaptive;
    if (real && o.allow_compression == AllowCompression::No) {
        fail(*st.allow_compression,
             fmt::format("'allow-compression no' conflicts with the compression enabled at {}, expected "
                         "'comp-lzo no' or no compression directive",
                         st.compression->str()));
    }
}

}  // namespace

void validate(Options& o, const LoadState& st, const WarningSink& warn) {
    derive_dev_type(o);
    validate_technique(o, st, warn);
    if (st.proto_plain_tcp) o.proto = o.remotes.empty() ? Proto::TcpServer : Proto::TcpClient;
    validate_pool(o, st, warn);
    validate_server(o, st, warn);
    check_ifconfig(o, st, warn);
    check_addresses(o, st);
    expand_keepalive(o, st);
    check_scripts(o, st);
    check_compression(o, st);
    if (st.secret_pending_inline) {
        fail(*st.secret_pending_inline, "'secret [inline]' has no <secret> block, expected a "
                                        "<secret> ... </secret> block in the config");
    }
    if (o.explicit_exit_notify && o.proto != Proto::Udp) {
        emit(warn, *st.explicit_exit_notify, "'explicit-exit-notify' is ignored with a TCP transport");
        o.explicit_exit_notify = 0;
    }
    if (o.technique == Technique::Ipsec) validate_ipsec(o, st, warn);
    else validate_tls(o, st, warn);
}

}  // namespace vpn::config
