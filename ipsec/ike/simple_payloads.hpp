#pragma once
// Payloads with a small fixed part and one opaque value (RFC 7296 §3.4-3.9, 3.12,
// 3.16; ikev2-esp.md §1.5-1.9, 1.12):
//
//   KE        DH Group (2) | RESERVED (2) | Key Exchange Data
//   Nonce     Nonce Data (16..256 bytes)
//   IDi/IDr   ID Type (1) | RESERVED (3) | Identification Data
//   CERT      Cert Encoding (1) | Certificate Data          (CERTREQ: same layout,
//   CERTREQ   Cert Encoding (1) | Certification Authority     CertPayload for both)
//   AUTH      Auth Method (1) | RESERVED (3) | Authentication Data
//   V         Vendor ID (opaque)
//   EAP       EAP message (opaque: only parsed to be refused)
//
// The views point into the parsed body (parse) or at caller data (build).  The
// reserved bytes are ignored on parse and written as zero.
#include <cstdint>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

inline constexpr std::size_t kNonceMin = 16, kNonceMax = 256;  // RFC 7296 §3.9

struct KePayload {
    std::uint16_t group = 0;  // a dh:: value
    Bytes data;
};
struct NoncePayload {
    Bytes data;
};
// The body of an ID payload is exactly IDx' of the AUTH computation (RFC 7296
// §2.15): PayloadView::body, or encode() of this struct.
struct IdPayload {
    IdType type = IdType::Fqdn;
    Bytes data;
};
struct CertPayload {
    CertEncoding encoding = CertEncoding::X509Signature;
    Bytes data;
};
struct AuthPayload {
    AuthMethod method = AuthMethod::SharedKey;
    Bytes data;
};
struct VendorIdPayload {
    Bytes data;
};
struct EapPayload {
    Bytes data;
};

// Errors: Truncated (body shorter than the fixed part); Nonce: BadValue outside
// 16..256 bytes.  Unknown ID types, encodings and methods are kept as numbers.
Result<KePayload> parse_ke(Bytes body);
Result<NoncePayload> parse_nonce(Bytes body);
Result<IdPayload> parse_id(Bytes body);
Result<CertPayload> parse_cert(Bytes body);  // CERT and CERTREQ
Result<AuthPayload> parse_auth(Bytes body);
Result<VendorIdPayload> parse_vendor_id(Bytes body);
Result<EapPayload> parse_eap(Bytes body);

// Writers for ChainBuilder::add_payload: false unless out.size() == encoded_size().
std::size_t encoded_size(const KePayload& p);
bool encode(const KePayload& p, MutBytes out);
std::size_t encoded_size(const NoncePayload& p);
bool encode(const NoncePayload& p, MutBytes out);
std::size_t encoded_size(const IdPayload& p);
bool encode(const IdPayload& p, MutBytes out);
std::size_t encoded_size(const CertPayload& p);
bool encode(const CertPayload& p, MutBytes out);
std::size_t encoded_size(const AuthPayload& p);
bool encode(const AuthPayload& p, MutBytes out);
std::size_t encoded_size(const VendorIdPayload& p);
bool encode(const VendorIdPayload& p, MutBytes out);
std::size_t encoded_size(const EapPayload& p);
bool encode(const EapPayload& p, MutBytes out);

}  // namespace vpn::ike
