#pragma once
// Help text generated from the directive registry (used by `vpn --help`).
#include <string>

namespace vpn::config {

// Every supported directive with its arguments and one-line doc, one per line
// ("  --port PORT    local and remote port (default 1194)"), then the directives
// that are accepted and ignored.  Ends with a newline.
std::string directive_help();

}  // namespace vpn::config
