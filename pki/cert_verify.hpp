#pragma once
// Certificate checks for the TLS control channel and, later, IKEv2: does a key match
// its certificate, does a peer chain lead to a trusted CA without a revoked link, and
// (peer_checks.hpp, included here) OpenVPN's remote-cert-tls / remote-cert-ku /
// remote-cert-eku, verify-x509-name and peer-fingerprint.
//
// Loading the inputs (files or inline `<ca>` text, one-line errors naming the
// source) is pem_io.hpp's job:
//   auto store = TrustStore(load_certs("ca.crt"), load_crls("crl.pem"));
//   check_key_matches(cert.get(), key.get(), "client.key", "client.crt");
//   if (auto v = store.verify(peer); !v) log::error("VERIFY ERROR: {}", v.reason);
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "pki/openssl_types.hpp"
#include "pki/peer_checks.hpp"
#include "pki/pem_io.hpp"
#include "pki/verdict.hpp"

namespace vpn::pki {

// Throws PkiError("KEY_NAME: does not match certificate CERT_NAME") unless `key` is
// the private half of `cert`'s public key.
void check_key_matches(X509* cert, EVP_PKEY* key, const std::string& key_name, const std::string& cert_name);

// What the peer certificate must be good for, beyond the chain (OpenSSL's purpose
// check, which libssl applies by itself: a server checks its clients for SslClient).
enum class Purpose { Any, SslServer, SslClient };

// Trusted CAs plus optional CRLs.  Immutable after construction except set_crls();
// verify() may be called from several threads at once.
class TrustStore {
public:
    // `cas` must not be empty (PkiError "no CA certificate").  With CRLs, every
    // certificate of the chain must be covered by a CRL of its issuer and not be
    // listed (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL, OpenVPN's
    // crl-verify settings, ssl_openssl.c backend_tls_ctx_reload_crl).
    explicit TrustStore(std::vector<X509Ptr> cas, std::vector<X509CrlPtr> crls = {});

    // Load from PEM files; `crl_path` empty = no CRL.  Errors name the file.
    static TrustStore from_files(const std::string& ca_path, const std::string& crl_path = {});

    // Swap in new CRLs (crl-verify file changed).  Not thread-safe against verify().
    void set_crls(std::vector<X509CrlPtr> crls);

    // Verify `leaf` with `chain` as untrusted intermediates, at time `at` (default:
    // now).  The reason is OpenSSL's wording: "certificate revoked", "certificate has
    // expired", "unable to get local issuer certificate", "CRL has expired", ...
    Verdict verify(X509* leaf, const std::vector<X509*>& chain = {}, std::optional<std::time_t> at = {},
                   Purpose purpose = Purpose::Any) const;

    // Put the CAs and CRLs into `store` (an SSL_CTX's) with the same flags.
    void install(X509_STORE* store) const;

    const std::vector<X509Ptr>& cas() const { return cas_; }
    const std::vector<X509CrlPtr>& crls() const { return crls_; }

private:
    void rebuild();

    std::vector<X509Ptr> cas_;
    std::vector<X509CrlPtr> crls_;
    X509StorePtr store_;
};

// The one-line text for an X509_V_ERR_* code (X509_verify_cert_error_string).
std::string verify_error_reason(int x509_v_error);

}  // namespace vpn::pki
