#include "tun/tun_error.hpp"

#include <cstring>

namespace vpn::tun {

std::string errno_text(int err) {
    char buf[128];
    // GNU strerror_r returns the message pointer (which may or may not be `buf`).
    const char* msg = strerror_r(err, buf, sizeof buf);
    return msg ? std::string(msg) : std::string("error ") + std::to_string(err);
}

}  // namespace vpn::tun
