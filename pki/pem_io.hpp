#pragma once
// PEM in and out: certificates (one or a bundle), private keys (plain or encrypted
// PKCS#8, legacy PKCS#1/SEC1 too), CRLs and requests, from a file or from inline text
// (a `<ca>...</ca>` block).  Every failure is a PkiError whose what() is one line
// naming the source: "ca.crt: not a PEM certificate", "crl.pem: corrupt CRL".
//
// Text before, between and after PEM blocks is ignored, as OpenSSL and OpenVPN do
// (easy-rsa's issued/*.crt start with a human-readable dump).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pki/openssl_types.hpp"
#include "pki/pki_error.hpp"

namespace vpn::pki {

// Gives the passphrase of an encrypted key; throws PkiError if it cannot (no
// terminal, unreadable file).  The caller wipes the returned text.
using PassphraseFn = std::function<std::string()>;

// The name used in messages for inline text.
inline const std::string kInlineName = "[inline]";

// --- from text (`name` only labels errors) -----------------------------------------

// Every certificate in `pem`, at least one.  Errors: "NAME: not a PEM certificate"
// (no certificate block), "NAME: corrupt PEM certificate" (a block that does not decode).
std::vector<X509Ptr> parse_certs(std::string_view pem, const std::string& name);
// The first certificate of `pem` (the rest, e.g. a chain, is ignored).
X509Ptr parse_cert(std::string_view pem, const std::string& name);

// The first private key of `pem`.  Encrypted keys call `passphrase` (if null:
// "NAME: key is encrypted, a passphrase is needed").  Errors: "NAME: not a PEM private
// key", "NAME: corrupt private key", "NAME: wrong passphrase or corrupt key".
EvpPkeyPtr parse_private_key(std::string_view pem, const std::string& name, const PassphraseFn& passphrase = {});

// Every CRL in `pem`, at least one.  "NAME: not a PEM CRL", "NAME: corrupt CRL".
std::vector<X509CrlPtr> parse_crls(std::string_view pem, const std::string& name);
// "-----BEGIN DH PARAMETERS-----" (openssl dhparam, easy-rsa gen-dh) as an EVP_PKEY
// holding the parameters.  Throws PkiError "NAME: not PEM DH parameters" / "corrupt".
EvpPkeyPtr parse_dh_params(std::string_view pem, const std::string& name);

// A PKCS#10 request.  "NAME: not a PEM certificate request", "NAME: corrupt certificate
// request" (which includes a bad self-signature).
X509ReqPtr parse_csr(std::string_view pem, const std::string& name);

// --- from files (the path names the errors; read errors are PkiError too) ----------

std::vector<X509Ptr> load_certs(const std::string& path);
X509Ptr load_cert(const std::string& path);
EvpPkeyPtr load_private_key(const std::string& path, const PassphraseFn& passphrase = {});
std::vector<X509CrlPtr> load_crls(const std::string& path);
EvpPkeyPtr load_dh_params(const std::string& path);
X509ReqPtr load_csr(const std::string& path);

// --- to text ------------------------------------------------------------------------

std::string cert_to_pem(X509* cert);
std::string crl_to_pem(X509_CRL* crl);
std::string csr_to_pem(X509_REQ* req);
// PKCS#8 PEM ("BEGIN PRIVATE KEY"), or "BEGIN ENCRYPTED PRIVATE KEY" with AES-256-CBC
// and PBKDF2 when `passphrase` is non-empty (what easy-rsa's `build-ca` writes).  The
// result is key material: wipe() it when done.
std::string key_to_pem(EVP_PKEY* key, std::string_view passphrase = {});

// "OpenSSL: <reason>" of the newest queued error (or `fallback`), clearing the queue.
std::string openssl_error(const char* fallback);

}  // namespace vpn::pki
