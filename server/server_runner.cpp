// Setup and teardown around the ServerLoop: the device comes up first (up script,
// routes), then the link; the pool is loaded from its persist file and written back
// every N seconds and at exit; the status file every N seconds.
#include "server/server_runner.hpp"

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "p2p/device_script.hpp"
#include "p2p/device_setup.hpp"
#include "p2p/tls_setup.hpp"
#include "p2p/tunnel_loop.hpp"
#include "server/management_listener.hpp"
#include "server/server_loop.hpp"
#include "server/status_file.hpp"

namespace vpn::server {

int run_multi_server(const config::Options& o, const p2p::RunHooks& hooks) {
    p2p::PreparedTls prep = p2p::prepare_tls_tunnel(o);
    log::info("vpn {} starting: multi-client server, {}", VPN_VERSION,
              o.config_file.empty() ? "command line" : o.config_file);
    if (o.lzo_compress_out())
        log::warn("WARNING: comp-lzo compresses before encrypting: an attacker who can inject traffic may learn "
                  "plaintext (VORACLE); use 'allow-compression asym' to only decompress");
    const bool udp = prep.plan.proto == config::Proto::Udp;
    const std::size_t payload_max =
        static_cast<std::size_t>(o.tun_mtu) + (o.device_type() == config::DevType::Tap ? 32 : 0);

    MultiServer server(o, std::move(prep.link), server_hooks(o), udp);
    std::optional<PersistFile> persist;
    if (o.server.pool_persist_file && server.pool()) {
        persist.emplace(*o.server.pool_persist_file, o.server.pool_persist_seconds);
        server.pool()->load_persist(persist->load(), [&](const std::string& w) {
            log::warn("{}: {}", *o.server.pool_persist_file, w);
        });
    }
    std::optional<StatusFile> status;
    if (o.server.status_file) status.emplace(*o.server.status_file, o.server.status_seconds);

    tun::TunDevice dev = p2p::open_device(o, false);
    server.set_dev_name(dev.name());
    if (o.up) p2p::run_script(o, *o.up, "up", dev.name(), p2p::ScriptAddresses::from(o));
    p2p::add_routes(o, dev);

    asio::io_context io(1);
    ServerLoop loop(io, server, dev.fd(), payload_max);
    if (udp)
        loop.use_udp(prep.plan);
    else
        loop.use_tcp(prep.plan, static_cast<std::size_t>(o.server.max_clients) + 16);
    std::optional<ManagementListener> management;
    if (o.server.management) {
        management.emplace(io, *o.server.management, server,
                           fmt::format("vpn {} x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO]", VPN_VERSION));
        management->start();
    }
    auto write_files = [&](bool at_exit) {
        const p2p::Now now = p2p::clock_now();
        if (status && (at_exit || status->due(now.mono)))
            status->write(format_status(server.snapshot(std::time(nullptr)), o.server.status_version));
        if (persist && server.pool() && (at_exit || persist->due(now.mono))) persist->write(server.pool()->persist_text());
    };
    loop.on_second([&] { write_files(false); });
    loop.start();
    write_files(true);
    log::info("Initialization Sequence Completed");
    if (hooks.after_setup) hooks.after_setup();
    int rc = loop.run();

    if (management) management->stop();
    write_files(true);
    const std::string name = dev.name();
    dev.close();
    p2p::device_closed(o, name, p2p::ScriptAddresses::from(o));
    return rc;
}

}  // namespace vpn::server
