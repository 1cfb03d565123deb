#pragma once
// Loading a config for `vpn CONFIG` and `vpn check CONFIG`: the config language's
// checks plus what this build can run.  Problems are printed as one line
// ("vpn: FILE:LINE: ...") and give nullopt.
#include <optional>
#include <string>
#include <vector>

#include "common/config/options.hpp"
#include "ipsec/config/ipsec_plan.hpp"

namespace vpn::app {

struct LoadedConfig {
    config::Options opts;
    // technique ipsec: the checked plan (proposals, setkey statements, manual SAs).
    std::optional<ipsec::IpsecPlan> ipsec;
};

std::optional<LoadedConfig> load_runnable(const std::string& config_file, const std::vector<std::string>& directives,
                                          std::vector<std::string>& warnings);

}  // namespace vpn::app
