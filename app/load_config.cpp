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
    return o;
}

}  // namespace vpn::app
