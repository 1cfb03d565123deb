#pragma once
// Running user scripts (`up`, `down`) the way OpenVPN does: the directive's command
// line is split into words (no shell), extra arguments are appended, and variables are
// passed in the environment.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vpn::process {

using Env = std::vector<std::pair<std::string, std::string>>;

// Splits on whitespace; double quotes group (with \" and \\ escapes), single quotes
// group literally.  An unterminated quote yields an empty result.
std::vector<std::string> split_command(std::string_view line);

// fork+exec argv[0] (searched in PATH when it has no '/') with `env` added to our
// environment, in directory `cwd` (empty: ours), and waits for it.  Returns the exit
// status, or -1 if it could not be started or was killed (logged either way).
int run_command(const std::vector<std::string>& argv, const Env& env, const std::string& cwd);

}  // namespace vpn::process
