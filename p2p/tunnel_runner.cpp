// Setup and teardown around the TunnelLoop, in OpenVPN's order: key and cipher
// first (cheap failures before touching the system), device, up script, routes,
// socket, then daemon/privileges, then traffic; on exit the device goes and the down
// script runs.
#include "p2p/tunnel_runner.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/log/log.hpp"
#include "common/openvpn/mss_clamp.hpp"
#include "common/openvpn/occ_string.hpp"
#include "common/process/command.hpp"
#include "p2p/device_script.hpp"
#include "p2p/device_setup.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/mss_plan.hpp"
#include "p2p/tunnel_loop.hpp"
#include "pki/static_key.hpp"

namespace vpn::p2p {
namespace {

ovpn::KeyDirection to_channel_direction(config::KeyDirection d) {
    switch (d) {
        case config::KeyDirection::Normal: return ovpn::KeyDirection::Normal;
        case config::KeyDirection::Inverse: return ovpn::KeyDirection::Inverse;
        case config::KeyDirection::Bidirectional: break;
    }
    return ovpn::KeyDirection::Bidirectional;
}

pki::StaticKey load_key(const config::Options& o) {
    if (!o.secret) throw std::runtime_error("no key: static-key mode needs 'secret FILE' (make one with 'vpn --genkey secret FILE')");
    // Errors name the config line that asked for the key, then the file's problem.
    try {
        if (o.secret->inline_text) return pki::parse_static_key(*o.secret->inline_text, "<secret>");
        return pki::read_static_key_file(o.secret->path);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("{}: {}", o.secret->origin.str(), e.what()));
    }
}

}  // namespace

SessionConfig session_config(const config::Options& o) {
    SessionConfig c;
    c.lzo_framing = o.lzo_framing();
    c.lzo_compress = o.lzo_compress_out();
    c.lzo_adaptive = o.comp_lzo == config::CompLzo::Adaptive;
    c.tap = o.device_type() == config::DevType::Tap;
    c.ping = o.ping;
    c.ping_restart = o.ping_restart;
    c.ping_exit = o.ping_exit;
    c.explicit_exit_notify = o.explicit_exit_notify;
    c.mute_replay_warnings = o.mute_replay_warnings;
    c.local_options = ovpn::occ_options_string(o, false);
    c.remote_options = ovpn::occ_options_string(o, true);
    return c;
}

PreparedTunnel prepare_static_tunnel(const config::Options& o) {
    auto key = load_key(o);
    ovpn::StaticChannelParams params;
    params.cipher = o.cipher;
    params.auth = o.auth;
    params.replay_window = o.replay_window;
    params.replay_seconds = o.replay_window_seconds;
    ovpn::StaticDataChannel channel(key, to_channel_direction(o.key_direction), params);
    LinkPlan link = plan_link(o);
    SessionConfig session = session_config(o);
    ChannelShape shape;
    shape.block_size = channel.overhead() - channel.payload_offset();
    shape.packet_id = shape.block_size ? 8 : 0;  // long-form packet id inside the plaintext
    shape.crypto_overhead = channel.payload_offset() - shape.packet_id;
    session.mss = mss_for(o, shape, link);
    return PreparedTunnel{std::move(channel), std::move(session), std::move(link)};
}

int run_static_tunnel(const config::Options& o, const RunHooks& hooks) {
    PreparedTunnel prepared = prepare_static_tunnel(o);
    log::info("vpn {} starting: static key, {}", VPN_VERSION, o.config_file.empty() ? "command line" : o.config_file);
    if (o.lzo_compress_out())
        log::warn("WARNING: comp-lzo compresses before encrypting: an attacker who can inject traffic may learn "
                  "plaintext (VORACLE); use 'allow-compression asym' to only decompress");
    if (prepared.session.mss) log::verbose("mssfix: TCP MSS clamped to {}", prepared.session.mss);
    const LinkPlan& plan = prepared.link;
    PeerSession session(std::move(prepared.session), std::move(prepared.channel), clock_now());

    std::size_t payload_max = static_cast<std::size_t>(o.tun_mtu) + (o.device_type() == config::DevType::Tap ? 32 : 0);
    return run_on_device(o, session, plan, payload_max, hooks);
}

int run_on_device(const config::Options& o, LinkSession& session, const LinkPlan& plan, std::size_t payload_max,
                  const RunHooks& hooks, const std::function<void(TunnelLoop&)>& wire) {
    auto dev = open_device(o);
    if (o.up) run_script(o, *o.up, "up", dev.name(), ScriptAddresses::from(o));
    add_routes(o, dev);

    asio::io_context io(1);
    TunnelLoop loop(io, session, plan, payload_max);
    if (wire) wire(loop);
    loop.attach_tun(dev.fd(), dev.options().vnet_hdr);
    loop.start();
    if (hooks.after_setup) hooks.after_setup();
    log::info("Initialization Sequence Completed");
    int status = loop.run();

    std::string name = dev.name();
    loop.detach_tun();
    { auto closing = std::move(dev); }  // closing the fd removes the device, its addresses and routes
    device_closed(o, name, ScriptAddresses::from(o));
    return status;
}

}  // namespace vpn::p2p
