#include <cstdio>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/daemon.hpp"
#include "app/load_config.hpp"
#include "common/log/log.hpp"
#include "p2p/esp_runner.hpp"
#include "p2p/ike_runner.hpp"
#include "p2p/tls_runner.hpp"
#include "p2p/tunnel_runner.hpp"
#include "server/server_runner.hpp"

namespace vpn::app {

int run_command(const std::string& config_file, const std::vector<std::string>& directives) {
    std::vector<std::string> warnings;
    auto loaded = load_runnable(config_file, directives, warnings);
    if (!loaded) return 1;
    const config::Options& o = loaded->opts;
    if (loaded->ipsec && loaded->ipsec->keying == ipsec::Keying::Ike && loaded->ipsec->role == ipsec::Role::Gateway) {
        // The config is valid, but the IKE gateway does not run yet: say so at the line
        // that asked for it rather than run something else.
        fmt::print(stderr, "vpn: {}: technique ipsec: IKEv2 gateway (server) mode is not supported yet ('vpn check' "
                           "shows the checked plan; point-to-point and client run)\n",
                   o.technique_origin->str());
        return 1;
    }
    try {
        setup_logging(o);
        for (const auto& w : warnings) log::warn("{}", w);
        if (o.dev.empty()) throw std::runtime_error("no device: add 'dev tun' (or dev tap) to the config");
        p2p::RunHooks hooks;
        hooks.after_setup = [&] { become_daemon_and_drop(o); };
        int status = loaded->ipsec ? (loaded->ipsec->keying == ipsec::Keying::Ike ? p2p::run_ike_tunnel(o, *loaded->ipsec, hooks)
                                                                                   : p2p::run_esp_tunnel(o, *loaded->ipsec, hooks))
                     : o.mode == config::Mode::Server ? server::run_multi_server(o, hooks)
                     : o.tls_requested()            ? p2p::run_tls_tunnel(o, hooks)
                                                    : p2p::run_static_tunnel(o, hooks);
        remove_pid_file(o);
        log::info("Exiting");
        return status;
    } catch (const std::exception& e) {
        log::error("Exiting due to fatal error: {}", e.what());
        return 1;
    }
}

}  // namespace vpn::app
