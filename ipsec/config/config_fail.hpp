#pragma once
// How ipsec/'s config checks report: the config language's ConfigError, "ORIGIN: what",
// so `vpn CONFIG` and `vpn check` print IPsec problems like every other config error.
#include <string>

#include "common/config/config_error.hpp"
#include "common/config/options.hpp"

namespace vpn::ipsec {

[[noreturn]] inline void fail_at(const config::Origin& where, const std::string& what) {
    throw config::ConfigError(where.str() + ": " + what);
}

}  // namespace vpn::ipsec
