#pragma once
// The one exception type of vpn::tun.  Its what() is a single line that says what was
// attempted and why it failed, e.g. "cannot add address 10.0.0.1 peer 10.0.0.2 on tun0:
// File exists", so callers can log it verbatim.  error() carries the errno behind it
// (0 when there is none), so callers can treat e.g. EEXIST on a route as a warning.
#include <stdexcept>
#include <string>

namespace vpn::tun {

class TunError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    TunError(const std::string& what, int error) : std::runtime_error(what), error_(error) {}

    int error() const { return error_; }

private:
    int error_ = 0;
};

// strerror() text for `err`, thread-safe (strerror_r).
std::string errno_text(int err);

}  // namespace vpn::tun
