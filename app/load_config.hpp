#pragma once
// Loading a config for `vpn CONFIG` and `vpn check CONFIG`: the config language's
// checks plus what this build can run.  Problems are printed as one line
// ("vpn: FILE:LINE: ...") and give nullopt.
#include <optional>
#include <string>
#include <vector>

#include "common/config/options.hpp"

namespace vpn::app {

std::optional<config::Options> load_runnable(const std::string& config_file, const std::vector<std::string>& directives,
                                             std::vector<std::string>& warnings);

}  // namespace vpn::app
