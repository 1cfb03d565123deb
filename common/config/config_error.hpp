#pragma once
#include <stdexcept>
#include <string>

namespace vpn::config {

// A config problem.  what() is the whole one-line message, starting with
// "FILE:LINE: " (or "[command line] --name: ") so users find the spot.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace vpn::config
