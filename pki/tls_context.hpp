#pragma once
// The OpenSSL SSL_CTX one TLS role uses for the control channel, built from the
// OpenVPN 2.6 options that shape it (openvpn-wire.md §5.9; ssl_openssl.c:
// tls_ctx_set_options, tls_ctx_restrict_ciphers, tls_ctx_set_tls_groups;
// ssl_verify_openssl.c: verify_callback; ssl_verify.c: verify_cert).
//
//   ca / cert / key / crl   file path, or inline PEM text (anything holding "-----BEGIN")
//   tls-version-min         "1.2" (default) or "1.3"
//   tls-cipher              TLS <= 1.2 cipher list;  tls-ciphersuites: TLS 1.3 suites
//   tls-groups              colon-separated groups (X25519:P-256 ...)
//   dh                      DH parameters (file or inline PEM) for TLS 1.2 DHE suites on a
//                           server; "" = `dh none`: ECDHE only
//   remote-cert-tls / verify-x509-name / peer-fingerprint: checked on the peer's
//   own certificate once its chain verified (pki/peer_checks.hpp).
//
// peer-fingerprint without a CA is 2.6's CA-less mode: the chain is not verified,
// the peer certificate must match one of the SHA-256 fingerprints.
//
// The implementation of ovpn::session::TlsContext (kept here because common/ must
// not depend on pki/).  A refused peer certificate leaves a one-line reason in the
// connection's VerifyState, e.g. "VERIFY ERROR: depth=0, error=certificate has expired: CN=c".
//
// crl-verify FILE is re-read when the file changes: new_ssl() stats it and, if it
// changed, reloads it for that session and every later one (pki/crl_reloader.hpp has
// the rules: a CRL that fails to parse after a change is logged once and new peers
// are refused until it is fixed; sessions already running keep the CRL they started with).  An inline
// <crl-verify> never changes, as in 2.6.
#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/openvpn/session/tls_context.hpp"
#include "pki/crl_reloader.hpp"
#include "pki/peer_checks.hpp"

namespace vpn::pki {

using ovpn::session::TlsConfigError;

struct TlsConfig {
    bool server = false;
    std::string ca;    // required unless peer_fingerprints is set
    std::string cert;  // required
    std::string key;   // required
    std::string crl;   // optional
    std::string dh;    // optional, server only: "" = ECDHE only
    std::string tls_version_min = "1.2";
    std::string tls_version_max;  // "" = OpenSSL's highest
    std::string tls_cipher, tls_ciphersuites, tls_groups;  // "" = library default
    std::optional<RemoteCertTls> remote_cert_tls;
    std::string verify_x509_name;  // "" = no check
    X509NameType verify_x509_type = X509NameType::Subject;
    std::vector<Sha256Fingerprint> peer_fingerprints;
};

struct SslCtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// What the verify callback applies after the chain (copied out of TlsConfig).
struct VerifyPolicy {
    bool ca_less = false;  // peer-fingerprint without a CA
    std::optional<RemoteCertTls> remote_cert_tls;
    std::string verify_x509_name;
    X509NameType verify_x509_type = X509NameType::Subject;
    std::vector<Sha256Fingerprint> peer_fingerprints;
};

class OpenSslTlsContext final : public ovpn::session::TlsContext {
public:
    // Build the context.  Throws TlsConfigError ("cert: ...", "tls-cipher: ...") or
    // PkiError (unreadable/corrupt PEM, key not matching its certificate).  The
    // context is immutable afterwards, except for the CRL reloaded from its file, and
    // may be shared by many sessions (new_ssl() is thread-safe).
    explicit OpenSslTlsContext(const TlsConfig& cfg);

    bool server() const override { return server_; }
    // Also reloads the crl-verify file if it changed since the previous call (may
    // block on a mutex held by a concurrent reload).
    SSL* new_ssl(ovpn::session::VerifyState& state) const override;
    SSL_CTX* get() const { return ctx_.get(); }

private:
    bool server_;
    SslCtxPtr ctx_;
    VerifyPolicy policy_;
    // Set for `crl-verify FILE` with a CA; its own mutex makes it safe from the const
    // new_ssl() of several threads (the pointer itself never changes).
    std::unique_ptr<CrlReloader> crl_;
};

// The same, shared: what TlsSession takes.
std::shared_ptr<const ovpn::session::TlsContext> make_tls_context(const TlsConfig& cfg);

}  // namespace vpn::pki
