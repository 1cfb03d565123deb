// Setup and teardown around the TunnelLoop for TLS mode.  A server or P2P peer
// brings its device up first (as the static-key runner does); a pull client opens
// its device when the first PUSH_REPLY has been applied, and keeps it across
// reconnects while the pushed settings stay the same.
#include "p2p/tls_runner.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "client/pulled_options.hpp"
#include "common/log/log.hpp"
#include "common/openvpn/ncp.hpp"
#include "common/openvpn/server_push.hpp"
#include "p2p/client_device.hpp"
#include "p2p/device_script.hpp"
#include "p2p/device_setup.hpp"
#include "p2p/tls_setup.hpp"
#include "p2p/tunnel_loop.hpp"

namespace vpn::p2p {
int run_tls_tunnel(const config::Options& o, const RunHooks& hooks) {
    PreparedTls prep = prepare_tls_tunnel(o);
    const unsigned implemented = prep.link.session.implemented;
    const char* role = o.tls.pull ? "client" : o.mode == config::Mode::Server ? "server (one client)" : "TLS peer";
    log::info("vpn {} starting: {}, {}", VPN_VERSION, role, o.config_file.empty() ? "command line" : o.config_file);
    if (o.lzo_compress_out())
        log::warn("WARNING: comp-lzo compresses before encrypting: an attacker who can inject traffic may learn "
                  "plaintext (VORACLE); use 'allow-compression asym' to only decompress");
    LinkPlan& plan = prep.plan;
    if (!plan.remote_host.empty() && !plan.remote && o.connect.resolv_retry < 1'000'000'000) {
        // --resolv-retry N: keep trying the first remote's name for N seconds, then fail.
        for (int waited = 0; waited < o.connect.resolv_retry && !plan.remote; ++waited) {
            ::sleep(1);
            plan.remote = resolve_remote(plan);
        }
        if (!plan.remote)
            throw std::runtime_error(fmt::format("cannot resolve remote '{}' within resolv-retry {} s",
                                                 plan.remote_host, o.connect.resolv_retry));
    }
    const std::size_t payload_max =
        static_cast<std::size_t>(o.tun_mtu) + (o.device_type() == config::DevType::Tap ? 32 : 0);

    asio::io_context io(1);
    std::optional<tun::TunDevice> dev;  // server / P2P: up from the start
    ClientDevice client_dev(o, plan);   // pull client: up once pushed
    TunnelLoop* loop = nullptr;
    TlsLink* link = nullptr;
    bool announced = false;
    bool fatal = false;  // a push could not be applied: the loop is stopping

    TlsLinkHooks h;
    h.on_up = [&](const ovpn::session::TlsSession& s) {
        if (fatal) return;
        if (!o.tls.pull || client_dev.open()) {
            if (!s.peer_username().empty()) log::info("peer authenticated as user '{}'", s.peer_username());
            log::info("Initialization Sequence Completed");
        }
        if (!announced) {
            announced = true;
            if (hooks.after_setup) hooks.after_setup();
        }
    };
    h.push_for = [&](const ovpn::session::TlsSession& s, std::uint32_t peer_id) {
        ovpn::PushPeer peer;
        if (peer_id != ovpn::kNoPeerId) peer.peer_id = peer_id;
        peer.session_options = s.push_options();
        if (int mtu = ovpn::peer_info_mtu(s.peer_info())) peer.client_mtu = mtu;
        return ovpn::server_push_options(o, peer);
    };
    h.on_push = [&](const std::vector<std::vector<std::string>>& options) -> std::string {
        std::vector<std::string> warnings;
        client::PullPolicy policy = client::pull_policy(o);
        policy.implemented_iv_proto = implemented;
        auto r = client::parse_pulled_options(options, policy, warnings);
        for (const auto& w : warnings) log::warn("{}", w);
        if (!r.ok) return r.error;
        const auto& p = r.options;
        link->set_peer_id(p.peer_id.value_or(ovpn::kNoPeerId));
        if (p.ping || p.ping_restart) link->set_keepalive(p.ping.value_or(o.ping), p.ping_restart.value_or(o.ping_restart));
        for (const auto& e : p.echo) log::info("echo {}", e);
        try {
            if (client_dev.apply(p) == ClientDevice::Result::Opened) loop->attach_tun(client_dev.fd(), client_dev.vnet_hdr());
        } catch (const std::exception& e) {
            log::error("Exiting due to fatal error: {}", e.what());
            fatal = true;
            loop->stop(1);
        }
        return {};
    };

    if (!o.tls.pull) {
        dev.emplace(open_device(o));
        if (o.up) run_script(o, *o.up, "up", dev->name(), ScriptAddresses::from(o));
        add_routes(o, *dev);
    }
    TlsLink session(std::move(prep.link), std::move(h), clock_now());
    link = &session;
    TunnelLoop tunnel(io, session, plan, payload_max);
    loop = &tunnel;
    if (dev) tunnel.attach_tun(dev->fd(), dev->options().vnet_hdr);
    tunnel.start();
    tunnel.send_control();
    if (o.tls.server && hooks.after_setup && !announced) {
        // A server daemonizes as soon as it listens, not when its first client comes.
        announced = true;
        hooks.after_setup();
    }
    int status = tunnel.run();

    tunnel.detach_tun();
    if (dev) {
        std::string name = dev->name();
        dev.reset();
        device_closed(o, name, ScriptAddresses::from(o));
    }
    try {
        client_dev.close();
    } catch (const std::exception& e) {
        log::error("{}", e.what());
    }
    return status;
}

}  // namespace vpn::p2p
