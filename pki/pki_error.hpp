#pragma once
// The one error type of the PKI code.  what() is a single line, normally
// "NAME: reason" where NAME is the file (as the user spelled it) or "[inline]".
#include <stdexcept>
#include <string>

namespace vpn::pki {

class PkiError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace vpn::pki
