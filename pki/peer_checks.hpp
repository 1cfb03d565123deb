#pragma once
// The checks OpenVPN 2.6 applies to the peer's own certificate (depth 0) after the
// chain is verified (ssl_verify.c: verify_peer_cert, verify_cert), with the same
// semantics, each answering a Verdict with a one-line reason:
//   remote-cert-tls server|client   keyUsage present + EKU serverAuth|clientAuth
//   remote-cert-ku HEX...           keyUsage bits (ssl_verify_openssl.c x509_verify_cert_ku)
//   remote-cert-eku OID|NAME        ssl_verify_openssl.c x509_verify_cert_eku
//   verify-x509-name NAME [subject|name|name-prefix]
//   peer-fingerprint AA:BB:...      SHA-256 of the DER certificate
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pki/openssl_types.hpp"
#include "pki/verdict.hpp"

namespace vpn::pki {

// --- key usage ------------------------------------------------------------------------

enum class RemoteCertTls { Server, Client };
// "server" / "client"; nullopt otherwise.
std::optional<RemoteCertTls> parse_remote_cert_tls(std::string_view s);

// OpenVPN 2.6 (options.c "remote-cert-tls"): the keyUsage extension must be present
// (its bits are left to the TLS library) and the EKU must list
// "TLS Web Server Authentication" (server) or "TLS Web Client Authentication" (client).
Verdict check_remote_cert_tls(X509* cert, RemoteCertTls want);

// remote-cert-ku: `expected` empty = the extension must merely be present; otherwise
// the certificate's first keyUsage byte (digitalSignature = 0x80 ... decipherOnly
// as OpenVPN numbers them) must contain all bits of at least one expected value.
Verdict check_key_usage(X509* cert, const std::vector<unsigned>& expected);

// remote-cert-eku: `expected` is a long name ("TLS Web Server Authentication") or a
// dotted OID ("1.3.6.1.5.5.7.3.1"), compared exactly as OpenVPN does.
Verdict check_extended_key_usage(X509* cert, const std::string& expected);

// --- names -----------------------------------------------------------------------------

enum class X509NameType { Subject, Name, NamePrefix };
// "subject" / "name" / "name-prefix"; nullopt otherwise.
std::optional<X509NameType> parse_x509_name_type(std::string_view s);

// The subject as OpenVPN prints and compares it: "C=US, O=Org, CN=server"
// (X509_NAME_print_ex with XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN, UTF-8, control
// characters escaped), non-printable bytes replaced by '_' (string_mod_remap_name).
std::string openvpn_subject(X509* cert);
// The last CN in the subject, UTF-8, with the same '_' remapping; "" if none.
std::string openvpn_common_name(X509* cert);

// verify-x509-name: Subject = whole subject equal, Name = CN equal, NamePrefix = CN
// starts with `expected`.  Reason: "X509 name 'SUBJECT' does not match 'EXPECTED'".
Verdict check_x509_name(X509* cert, const std::string& expected, X509NameType type);

// --- fingerprints ----------------------------------------------------------------------

using Sha256Fingerprint = std::array<std::uint8_t, 32>;

Sha256Fingerprint sha256_fingerprint(X509* cert);
// "AA:BB:...:FF", upper case: the form peer-fingerprint takes and OpenVPN logs.
std::string format_fingerprint(const Sha256Fingerprint& fp);
// 32 colon-separated hex pairs, either case (options.c parse_hash_fingerprint);
// nullopt if malformed, too short or too long.
std::optional<Sha256Fingerprint> parse_fingerprint(std::string_view text);

// peer-fingerprint: the certificate's SHA-256 must be one of `allowed` (compared in
// constant time).  Reason: "certificate fingerprint AA:... is not a peer-fingerprint".
Verdict check_fingerprint(X509* cert, const std::vector<Sha256Fingerprint>& allowed);

}  // namespace vpn::pki
