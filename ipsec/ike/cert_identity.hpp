#pragma once
// Certificates in IKE: our identity from our certificate, whether a peer's
// certificate vouches for the identity it claims (RFC 7296 §3.5 and strongSwan's
// rule: subject DN for ID_DER_ASN1_DN, a subjectAltName for the others), the CERT
// payload's DER, CERTREQ hashes, and the chain check -- the same pki::TrustStore
// (ca + crl-verify) the TLS mode uses, plus the key usage IKE needs.
#include <array>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/ike_identity.hpp"
#include "ipsec/ike/outcome.hpp"
#include "pki/cert_verify.hpp"
#include "pki/openssl_types.hpp"
#include "pki/verdict.hpp"

namespace vpn::ike {

// ID_DER_ASN1_DN with the certificate's subject, byte for byte (the default
// `ike-id` with a certificate).
Outcome<Identity> certificate_identity(X509* cert);

// `ike-id` text (parse_identity); when it is a DN equal to `own_cert`'s subject
// (canonically), the subject's own DER is used so that peers comparing bytes agree.
// `own_cert` may be null.
Outcome<Identity> configured_identity(std::string_view text, X509* own_cert);

// Does `cert` vouch for `id`?  ID_DER_ASN1_DN: the subject (X509_NAME_cmp);
// ID_FQDN: a dNSName, ID_RFC822_ADDR: an rfc822Name (both ignoring ASCII case, no
// wildcards); ID_IPV4/IPV6_ADDR: an iPAddress; other types never.  The reason
// names the identity and the subject.
pki::Verdict check_identity_in_certificate(const Identity& id, X509* cert);

// A CERT payload's Certificate Data (encoding 4, X.509 Signature): one DER
// certificate, nothing after it.
Outcome<pki::X509Ptr> parse_certificate_der(Bytes der);
// The DER of `cert`, for our CERT payload.
std::vector<std::uint8_t> certificate_der(X509* cert);

// SHA-1 of the CA's SubjectPublicKeyInfo (DER) -- one entry of a CERTREQ payload
// with encoding 4 (RFC 7296 §3.7).
using CaKeyHash = std::array<std::uint8_t, 20>;
CaKeyHash ca_key_hash(X509* ca);
// The Certification Authority field of our CERTREQ: the hashes of `cas`, concatenated.
std::vector<std::uint8_t> certreq_data(const std::vector<pki::X509Ptr>& cas);
// True if a received CERTREQ's data lists `ca` (its length must be a multiple of 20).
bool certreq_names(Bytes certreq, X509* ca);

// The peer's certificate: chain to a trusted CA with CRLs exactly as the TLS mode
// checks it (TrustStore::verify: OpenSSL's reasons, "certificate revoked", ...),
// then RFC 4945 §5.1.3.2 as strongSwan applies it: a keyUsage extension, if
// present, must allow digitalSignature or nonRepudiation.  `intermediates` are the
// peer's further CERT payloads; `at` overrides the clock (tests).
pki::Verdict verify_peer_certificate(const pki::TrustStore& trust, X509* leaf, const std::vector<X509*>& intermediates,
                                     std::optional<std::time_t> at = {});

}  // namespace vpn::ike
