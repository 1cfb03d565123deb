#pragma once
// Entry point of the config language: reads the config file (if any), then the
// command-line directives, and returns validated typed options.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config_error.hpp"
#include "common/config/options.hpp"

namespace vpn::config {

using WarningSink = std::function<void(const std::string&)>;

// `config_file`: the positional CONFIG argument (may be empty: command line only).
// `cmdline`: the remaining arguments in order, e.g. {"--dev", "tun", "--verb", "3"}.
// The file is applied first, then the command line, so the command line wins for
// single-valued directives; list directives (route, remote) accumulate.
// Throws ConfigError on the first problem.  Warnings ("not supported yet", weak
// settings noticed while parsing) go to `warn`, one line each, prefixed with their origin.
Options load(const std::string& config_file, const std::vector<std::string>& cmdline,
             const WarningSink& warn);

// Same, from text (for tests): `name` is used as the file name in messages and the
// base directory for relative paths is `base_dir`.
Options load_text(const std::string& text, const std::string& name, const std::string& base_dir,
                  const WarningSink& warn);

}  // namespace vpn::config
