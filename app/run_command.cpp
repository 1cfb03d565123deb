#include <cstdio>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "common/config/load.hpp"
#include "common/log/log.hpp"
#include "p2p/tunnel_runner.hpp"

namespace vpn::app {

int run_command(const std::string& config_file, const std::vector<std::string>& directives) {
    config::Options o;
    std::vector<std::string> warnings;
    try {
        o = config::load(config_file, directives, [&](const std::string& w) { warnings.push_back(w); });
    } catch (const config::ConfigError& e) {
        fmt::print(stderr, "vpn: {}\n", e.what());
        return 1;
    }
    if (o.tls_requested()) {
        // The config is valid, but the TLS runtime does not exist yet: say so at the
        // directive that asked for it rather than run something else.
        fmt::print(stderr, "vpn: {}: TLS mode is not supported yet\n", o.first_tls_directive->str());
        return 1;
    }
    try {
        setup_logging(o);
        for (const auto& w : warnings) log::warn("{}", w);
        if (o.dev.empty()) throw std::runtime_error("no device: add 'dev tun' (or dev tap) to the config");
        p2p::RunHooks hooks;
        hooks.after_setup = [&] { become_daemon_and_drop(o); };
        int status = p2p::run_static_tunnel(o, hooks);
        remove_pid_file(o);
        log::info("Exiting");
        return status;
    } catch (const std::exception& e) {
        log::error("Exiting due to fatal error: {}", e.what());
        return 1;
    }
}

}  // namespace vpn::app
