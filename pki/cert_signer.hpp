#pragma once
// Building and signing: the self-signed CA certificate, PKCS#10 requests, leaf
// certificates signed from a request, and CRLs, the way `openssl req -x509`,
// `openssl req -new`, `openssl ca` and `openssl ca -gencrl` do for easy-rsa.
// Signatures use SHA-256 (EdDSA keys from an easy-rsa `ed` PKI sign without a digest).
#include <ctime>
#include <string>
#include <vector>

#include "pki/cert_profile.hpp"
#include "pki/openssl_types.hpp"

namespace vpn::pki {

// notBefore / notAfter as Unix times (UTCTime up to 2049, GeneralizedTime after).
struct Validity {
    std::time_t not_before = 0;
    std::time_t not_after = 0;
    // From `now` for `days` days, as `openssl ca -days N` (no backdating).
    static Validity days_from(std::time_t now, int days);
};

// 128 random bits as upper-case hex with no leading 00 byte (easy-rsa: sign_req
// `easyrsa_random 16`), the spelling index.txt and certs_by_serial/ use.
std::string random_serial();
// Upper-case hex of a serial, two digits per byte ("00" for zero): OpenSSL's spelling.
std::string serial_hex(const ASN1_INTEGER* serial);
// Parse hex (either case); throws PkiError("serial X: not hexadecimal") if bad.
Asn1IntegerPtr serial_from_hex(const std::string& hex);

// A self-signed CA certificate for `key` with subject CN=`cn`.  Throws PkiError.
X509Ptr make_ca_cert(EVP_PKEY* key, const std::string& cn, const Validity& v, const std::string& serial);

// A request with subject CN=`cn`, signed by `key` (what easy-rsa keeps in reqs/).
X509ReqPtr make_csr(EVP_PKEY* key, const std::string& cn);

// Sign `req` (subject and public key copied from it; its extensions ignored, as
// easy-rsa does without --copy-ext) with the CA, adding `type`'s extensions and `san`.
X509Ptr sign_request(X509_REQ* req, X509* ca, EVP_PKEY* ca_key, CertType type, const std::vector<std::string>& san,
                     const Validity& v, const std::string& serial);

// One revoked certificate for a CRL.  `reason` is an RFC 5280 CRLReason code, or -1
// for none (no reasonCode entry extension).
struct RevokedCert {
    std::string serial;  // hex
    std::time_t revoked_at = 0;
    int reason = -1;
};

// A v2 CRL issued by `ca`: lastUpdate `now`, nextUpdate `now + days`, the entries
// sorted by serial, authorityKeyIdentifier as easy-rsa's crl_ext.  Throws PkiError.
X509CrlPtr make_crl(X509* ca, EVP_PKEY* ca_key, const std::vector<RevokedCert>& revoked, std::time_t now, int days);

}  // namespace vpn::pki
