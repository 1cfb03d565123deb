#include "app/load_config.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "common/config/load.hpp"

namespace vpn::app {

std::optional<config::Options> load_runnable(const std::string& config_file, const std::vector<std::string>& directives,
                                             std::vector<std::string>& warnings) {
    config::Options o;
    try {
        o = config::load(config_file, directives, [&](const std::string& w) { warnings.push_back(w); });
    } catch (const config::ConfigError& e) {
        fmt::print(stderr, "vpn: {}\n", e.what());
        return std::nullopt;
    }
    // The multi-client server's addressing is parsed and checked, but the runtime
    // serves one client: say so at the directive rather than run something else.
    const auto& sv = o.server;
    const std::optional<config::Origin>* multi[] = {&sv.server_origin, &sv.bridge_origin, &sv.pool_origin,
                                                    &sv.persist_origin};
    for (const auto* origin : multi) {
        if (!*origin) continue;
        fmt::print(stderr,
                   "vpn: {}: '{}' needs the multi-client server, which is not supported yet (a server for one "
                   "client: mode server, tls-server, ifconfig and ifconfig-push)\n",
                   (*origin)->str(), (*origin)->name);
        return std::nullopt;
    }
    return o;
}

}  // namespace vpn::app
