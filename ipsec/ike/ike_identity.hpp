#pragma once
// IKE identities: the ID payload body (IDx' of RFC 7296 §2.15: ID type, three
// reserved bytes, identification data), made from `ike-id` text or parsed from the
// network, printed for logs, and compared the way a configured identity or a PSK
// file entry is matched against what a peer sent.
//
// cert_identity.hpp adds what involves certificates (subject DN, SAN matching).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/ike_constants.hpp"
#include "ipsec/ike/outcome.hpp"

namespace vpn::ike {

struct Identity {
    IdType type = IdType::Fqdn;
    std::vector<std::uint8_t> data;  // the identification data, without type/reserved

    // IDx': type | 0 0 0 | data.  What goes in the ID payload after its generic
    // header, and what prf(SK_p, IDx') is computed over.
    std::vector<std::uint8_t> payload_body() const;

    // For logs: "172.31.251.1", "2001:db8::1", "gw.ike.test", "rw@ike.test",
    // "C=XX, O=ikebench, CN=gw.ike.test", "keyid:0a1b..".  Bytes that are not
    // printable ASCII are shown as '?' (the data comes from the network).
    std::string str() const;

    bool operator==(const Identity&) const = default;  // byte equality
};

// Parse a received IDx'.  Fails on a body shorter than 4 bytes, an address of the
// wrong length, empty FQDN/RFC822/KEY_ID data, a DN that is not DER, or an ID type
// this implementation does not know.
Outcome<Identity> parse_identity_payload(Bytes body);

// `ike-id` / `ike-remote-id` / psk file text:
//   IPv4 or IPv6 address   -> ID_IPV4_ADDR / ID_IPV6_ADDR
//   "C=XX, O=Org, CN=name" -> ID_DER_ASN1_DN (any text with '='; attributes by
//                             OpenSSL short or long name; "\," escapes a comma)
//   "@name"                -> ID_FQDN "name" (strongSwan's way to force FQDN)
//   anything with '@'      -> ID_RFC822_ADDR
//   anything else          -> ID_FQDN (a trailing dot is dropped)
// Whitespace around the text is ignored; inside it (except in a DN) it is an error.
Outcome<Identity> parse_identity(std::string_view text);

// ID_IPV4_ADDR / ID_IPV6_ADDR for a 4- or 16-byte address; failure otherwise.
Outcome<Identity> address_identity(Bytes ip);

// Does the identity a peer sent (`received`) name the same entity as `wanted`?
// Addresses and KEY_IDs by bytes, FQDN and RFC822 ignoring ASCII case, DNs by
// OpenSSL's canonical comparison (X509_NAME_cmp: string types, case and spacing
// do not matter).  Different ID types never match.
bool identity_matches(const Identity& wanted, const Identity& received);

}  // namespace vpn::ike
