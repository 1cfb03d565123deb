// vpn check CONFIG [--directive args ...]: parse and validate, load the key and the
// cipher, resolve the remote, and print what `vpn CONFIG` would run, without
// touching devices, routes or sockets.
#include <cstdio>

#include <fmt/format.h>

#include "server/address_pool.hpp"

#include "app/commands.hpp"
#include "app/load_config.hpp"
#include "common/log/log.hpp"
#include "p2p/tls_setup.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::app {
namespace {

const char* proto_name(config::Proto p) {
    switch (p) {
        case config::Proto::Udp: return "udp";
        case config::Proto::TcpServer: return "tcp-server";
        case config::Proto::TcpClient: return "tcp-client";
    }
    return "?";
}

const char* direction_name(config::KeyDirection d) {
    switch (d) {
        case config::KeyDirection::Normal: return "0";
        case config::KeyDirection::Inverse: return "1";
        case config::KeyDirection::Bidirectional: break;
    }
    return "bidirectional";
}

std::string compression(const config::Options& o) {
    if (!o.lzo_framing()) return "none";
    if (o.comp_lzo == config::CompLzo::No) return "comp-lzo no (framing only, never compresses)";
    return o.lzo_compress_out() ? "lzo, both directions (warned: compressing before encrypting can leak plaintext)"
                                : "lzo, decompress only (allow-compression asym)";
}

void print_device_and_link(const config::Options& o, const char* mode, const p2p::LinkPlan& link) {
    bool tap = o.device_type() == config::DevType::Tap;
    fmt::print("config:        {}\n", o.config_file.empty() ? "[command line]" : o.config_file);
    fmt::print("mode:          {}\n", mode);
    fmt::print("device:        {} ({}), mtu {}", o.dev, tap ? "tap" : "tun", o.tun_mtu);
    if (o.ifconfig_local)
        fmt::print(", {} {} {}", *o.ifconfig_local, tap ? "netmask" : "peer", o.ifconfig_remote.value_or("?"));
    else if (o.tls.pull)
        fmt::print(", configured from the server's push");
    fmt::print("\n");
    for (const auto& r : o.routes)
        fmt::print("route:         {} {} via {}\n", r.network, r.netmask, r.gateway.value_or("vpn_gateway"));
    fmt::print("link:          {}, local {}{}", proto_name(link.proto), link.bind ? link.local.str() : "(not bound)",
               link.float_remote ? ", float" : "");
    if (!link.remote_host.empty())
        fmt::print(", remote {} ({})", link.remote_host,
                   link.remote ? link.remote->str() : std::string("does not resolve now"));
    else
        fmt::print(", remote: the first peer that authenticates");
    fmt::print("\n");
}

const char* wrap_name(const config::Options& o) {
    if (o.tls.tls_crypt) return "tls-crypt";
    if (o.tls.tls_auth) return "tls-auth";
    return "none";
}

void print_tls_plan(const config::Options& o, const p2p::PreparedTls& t) {
    const char* mode = o.tls.pull                        ? "TLS client (pull)"
                       : o.mode == config::Mode::Server ? "TLS multi-client server (mode server)"
                       : o.tls.server                   ? "TLS point-to-point, server role"
                                                        : "TLS point-to-point, client role";
    print_device_and_link(o, mode, t.plan);
    fmt::print("control:       certificates loaded and checked, wrap {}, hand-window {} s\n", wrap_name(o),
               o.tls.hand_window);
    fmt::print("data channel:  data-ciphers {}, auth {} (CBC only), reneg-sec {}\n", t.link.session.ncp.data_ciphers,
               o.auth, o.tls.reneg_sec);
    fmt::print("compression:   {}\n", compression(o));
    fmt::print("keepalive:     ping {}, ping-restart {}\n", o.ping, o.ping_restart);
    for (const auto& p : o.push) fmt::print("push:          {}\n", p);
    if (o.ifconfig_push) fmt::print("ifconfig-push: {} {}\n", o.ifconfig_push->first, o.ifconfig_push->second);
    if (o.mode == config::Mode::Server) {
        const auto& s = o.server;
        if (s.pool_defined)
            fmt::print("pool:          {} - {}{}\n", server::ipv4_text(s.pool_start), server::ipv4_text(s.pool_end),
                       s.pool_persist_file ? ", persisted in " + *s.pool_persist_file : std::string());
        fmt::print("clients:       at most {}{}{}\n", s.max_clients, s.client_to_client ? ", client-to-client" : "",
                   s.duplicate_cn ? ", duplicate-cn" : "");
        if (s.client_config_dir)
            fmt::print("ccd:           {}{}\n", *s.client_config_dir, s.ccd_exclusive ? " (exclusive)" : "");
    }
    fmt::print("options (OCC): {}\n", t.link.session.options);
}

void print_plan(const config::Options& o, const p2p::PreparedTunnel& t) {
    print_device_and_link(o, "static-key point-to-point", t.link);
    fmt::print("data channel:  cipher {}, auth {}, key direction {}, replay window {} packets / {} s\n",
               t.channel.cipher_name(), t.channel.auth_name(), direction_name(o.key_direction), o.replay_window,
               o.replay_window_seconds);
    fmt::print("compression:   {}\n", compression(o));
    fmt::print("keepalive:     ping {}, ping-restart {}, ping-exit {}\n", o.ping, o.ping_restart, o.ping_exit);
    if (t.session.mss)
        fmt::print("mssfix:        TCP MSS clamped to {}\n", t.session.mss);
    else
        fmt::print("mssfix:        off\n");
    fmt::print("options (OCC): {}\n", t.session.local_options);
}

}  // namespace

int check_command(const std::string& config_file, const std::vector<std::string>& directives) {
    std::vector<std::string> warnings;
    auto loaded = load_runnable(config_file, directives, warnings);
    if (!loaded) return 1;
    const config::Options& o = loaded->opts;
    for (const auto& w : warnings) fmt::print(stderr, "warning: {}\n", w);
    try {
        if (o.dev.empty()) throw std::runtime_error("no device: add 'dev tun' (or dev tap) to the config");
        log::set_verbosity(o.verb);
        if (loaded->ipsec)
            for (const auto& line : ipsec::describe_plan(*loaded->ipsec, o)) fmt::print("{}\n", line);
        else if (o.tls_requested())
            print_tls_plan(o, p2p::prepare_tls_tunnel(o));
        else
            print_plan(o, p2p::prepare_static_tunnel(o));
    } catch (const std::exception& e) {
        fmt::print(stderr, "vpn: {}\n", e.what());
        return 1;
    }
    fmt::print("OK\n");
    return 0;
}

}  // namespace vpn::app
