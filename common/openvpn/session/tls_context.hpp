#pragma once
// What a TLS session needs from its TLS configuration: the role and a fresh SSL
// object per connection.  Abstract so that common/ does not depend on pki/ (where
// the OpenSSL + certificate-check implementation lives: pki/tls_context.hpp,
// pki::make_tls_context()).
#include <openssl/ssl.h>

#include <stdexcept>
#include <string>

namespace vpn::ovpn::session {

// A configuration the TLS library refuses; what() is one line naming the option.
class TlsConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Per-connection verify state: the implementation's policy and the first refusal's
// one-line reason ("VERIFY ERROR: depth=0, error=certificate revoked: CN=x").
struct VerifyState {
    const void* policy = nullptr;  // owned by the TlsContext
    std::string failure;           // "" while nothing was refused
    std::string common_name;       // the peer certificate's CN once it passed every check
};

class TlsContext {
public:
    virtual ~TlsContext();
    // TLS server (accept state) or client (connect state).
    virtual bool server() const = 0;
    // A new SSL for one connection, in the right role, with `state` (which must
    // outlive it) attached for the verify callback.  Throws TlsConfigError if
    // OpenSSL cannot allocate.
    virtual SSL* new_ssl(VerifyState& state) const = 0;
};

}  // namespace vpn::ovpn::session
