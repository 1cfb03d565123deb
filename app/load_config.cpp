#include "app/load_config.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "common/config/load.hpp"

namespace vpn::app {

std::optional<LoadedConfig> load_runnable(const std::string& config_file, const std::vector<std::string>& directives,
                                          std::vector<std::string>& warnings) {
    LoadedConfig out;
    auto warn = [&](const std::string& w) { warnings.push_back(w); };
    try {
        out.opts = config::load(config_file, directives, warn);
        // What needs IKE and ESP knowledge is checked by ipsec/, which common/config
        // cannot see; its errors have the same "FILE:LINE: ..." form.
        if (out.opts.technique == config::Technique::Ipsec) out.ipsec = ipsec::build_plan(out.opts, warn);
    } catch (const config::ConfigError& e) {
        fmt::print(stderr, "vpn: {}\n", e.what());
        return std::nullopt;
    }
    return out;
}

}  // namespace vpn::app
