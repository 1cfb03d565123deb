#pragma once
// What each kind of certificate carries: easy-rsa 3's x509-types (ca, server, client)
// plus COMMON (empty), so certificates from `vpn pki` and from easy-rsa look alike to
// OpenVPN's `remote-cert-tls` and to IKEv2 peers:
//
//   ca      basicConstraints critical,CA:TRUE; keyUsage cRLSign,keyCertSign;
//           subjectKeyIdentifier hash; authorityKeyIdentifier keyid:always,issuer:always
//   server  basicConstraints CA:FALSE; extendedKeyUsage serverAuth;
//           keyUsage digitalSignature,keyEncipherment; SKI; AKI keyid,issuer:always;
//           subjectAltName (default DNS:NAME, or IP:NAME for an address)
//   client  basicConstraints CA:FALSE; extendedKeyUsage clientAuth;
//           keyUsage digitalSignature; SKI; AKI keyid,issuer:always; SAN only if asked
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pki/openssl_types.hpp"

namespace vpn::pki {

enum class CertType { Ca, Server, Client };

// "ca", "server", "client".
const char* cert_type_name(CertType t);
// "server" / "client" (what `issue` accepts); nullopt otherwise.
std::optional<CertType> parse_leaf_type(std::string_view s);

// Check and normalise a `--san` list, "DNS:x,IP:y,email:z" (also several --san
// options joined by ','): each item is DNS:name, IP:v4-or-v6 or email:addr.  Throws
// PkiError("--san ITEM: expected DNS:name, IP:address or email:address").
std::vector<std::string> parse_san_list(std::string_view text);

// The SAN a server certificate gets when none is asked for: IP:NAME if NAME is an IP
// address, DNS:NAME otherwise (easy-rsa's auto-SAN).
std::string default_server_san(const std::string& name);

// Add the type's extensions to `cert`, whose subject, issuer name, serial and public
// key are already set.  `issuer` is the CA certificate (`cert` itself for the CA).
// `san` is added as subjectAltName when non-empty.  Throws PkiError.
void add_profile_extensions(X509* cert, X509* issuer, CertType type, const std::vector<std::string>& san);

// What a certificate's extensions say it is for: "ca", "server", "client",
// "server+client", or "-" when it names no TLS usage.
std::string describe_usage(X509* cert);

}  // namespace vpn::pki
