#pragma once
// The binary's sub-commands; each returns the process exit status and prints its
// own errors (one line, "vpn: ...").
#include <string>
#include <vector>

namespace vpn::app {

// `args`: what followed --genkey, e.g. {"secret", "static.key"}; no file = stdout.
int genkey_command(const std::vector<std::string>& args, const std::vector<std::string>& extra);

// `vpn pki ...`: `args` is what followed "pki" (see app/pki_command.cpp for usage).
int pki_command(const std::vector<std::string>& args);

// Load and check the config, print what would run; touches nothing.
int check_command(const std::string& config_file, const std::vector<std::string>& directives);

// Load the config (file then command-line directives) and run the tunnel.
int run_command(const std::string& config_file, const std::vector<std::string>& directives);

}  // namespace vpn::app
