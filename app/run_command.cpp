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
#include "server/ipsec_gateway.hpp"
#include "server/server_runner.hpp"

namespace vpn::app {
namespace {

int run_ipsec(const config::Options& o, const ipsec::IpsecPlan& plan, const p2p::RunHooks& hooks) {
    if (plan.keying != ipsec::Keying::Ike) return p2p::run_esp_tunnel(o, plan, hooks);
    if (plan.role == ipsec::Role::Gateway) return server::run_ipsec_gateway(o, plan, hooks);
    return p2p::run_ike_tunnel(o, plan, hooks);
}

}  // namespace

int run_command(const std::string& config_file, const std::vector<std::string>& directives) {
    std::vector<std::string> warnings;
    auto loaded = load_runnable(config_file, directives, warnings);
    if (!loaded) return 1;
    const config::Options& o = loaded->opts;
    try {
        setup_logging(o);
        for (const auto& w : warnings) log::warn("{}", w);
        if (o.dev.empty()) throw std::runtime_error("no device: add 'dev tun' (or dev tap) to the config");
        p2p::RunHooks hooks;
        hooks.after_setup = [&] { become_daemon_and_drop(o); };
        int status = loaded->ipsec ? run_ipsec(o, *loaded->ipsec, hooks)
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
