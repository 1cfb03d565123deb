// Rows for `technique` and the IPsec-only directives (ipsec/README.md has the table).
// Only their shape is checked here; what a proposal string or a setkey statement
// means is ipsec/'s business (common/ cannot see the IKE tables), run by the app's
// loader with the origins kept in IpsecOptions.  Which directives go with which
// technique is validate_technique.cpp.
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"

namespace vpn::config {
namespace {

void parse_technique(ParseContext& c, const Directive& d) {
    const std::string& a = d.args[0];
    if (a == "tls") c.opts.technique = Technique::Tls;
    else if (a == "ipsec") c.opts.technique = Technique::Ipsec;
    else fail(d.origin, fmt::format("'technique': {} is not a technique, expected tls or ipsec", shown(a)));
    c.opts.technique_origin = d.origin;
}

void parse_ike_psk(ParseContext& c, const Directive& d) { set_file_source(c, d, c.opts.ipsec.ike_psk); }

void parse_setkey(ParseContext& c, const Directive& d) { set_file_source(c, d, c.opts.ipsec.setkey); }

// The arguments joined by one space: swanctl.conf writes "a, b" and a config line
// without quotes splits that into two words.
WrittenValue text_arg(const Directive& d, std::string_view what) {
    std::string a;
    for (const std::string& w : d.args) a += (a.empty() ? "" : " ") + w;
    if (a.find_first_not_of(" \t") == std::string::npos) {
        fail(d.origin, fmt::format("'{}': empty argument, expected {}", d.name, what));
    }
    return WrittenValue{a, d.origin};
}

void parse_ike_id(ParseContext& c, const Directive& d) {
    c.opts.ipsec.ike_id = text_arg(d, "an identity (IP address, FQDN, user@FQDN or a quoted DN)");
}

void parse_ike_remote_id(ParseContext& c, const Directive& d) {
    c.opts.ipsec.ike_remote_id = text_arg(d, "an identity (IP address, FQDN, user@FQDN or a quoted DN)");
}

void parse_ike_proposals(ParseContext& c, const Directive& d) {
    c.opts.ipsec.ike_proposals = text_arg(d, "proposals such as aes256gcm16-prfsha256-x25519");
}

void parse_esp_proposals(ParseContext& c, const Directive& d) {
    c.opts.ipsec.esp_proposals = text_arg(d, "proposals such as aes256gcm16,aes128-sha256");
}

// Below a minute a rekey would race its own exchange; above a week the key has
// protected more than any peer's defaults allow (strongSwan: 4 h / 1 h).
constexpr long long kMinLifetime = 60;
// A child SA may live shorter: rekeying under traffic is what it exercises, and
// strongSwan has no floor either.
constexpr long long kMinEspLifetime = 10;
constexpr long long kMaxLifetime = 7 * 24 * 3600;

void parse_ike_lifetime(ParseContext& c, const Directive& d) {
    c.opts.ipsec.ike_lifetime = int_arg(d, 0, kMinLifetime, kMaxLifetime, "a lifetime in seconds (60..604800)");
    c.opts.ipsec.ike_lifetime_origin = d.origin;
}

void parse_esp_lifetime(ParseContext& c, const Directive& d) {
    c.opts.ipsec.esp_lifetime = int_arg(d, 0, kMinEspLifetime, kMaxLifetime, "a lifetime in seconds (10..604800)");
    c.opts.ipsec.esp_lifetime_origin = d.origin;
}

void parse_nat_traversal(ParseContext& c, const Directive& d) {
    const std::string& a = d.args[0];
    NatTraversal v;
    if (a == "yes") v = NatTraversal::Yes;
    else if (a == "no") v = NatTraversal::No;
    else if (a == "force") v = NatTraversal::Force;
    else fail(d.origin, fmt::format("'nat-traversal': {} is not a mode, expected yes, no or force", shown(a)));
    c.opts.ipsec.nat_traversal = v;
    c.opts.ipsec.nat_traversal_origin = d.origin;
}

// An SPI as setkey(8) writes them: decimal or 0x hex.  0 never appears on the wire
// and 1..255 are reserved by IANA (RFC 4303 §2.1).
std::uint32_t spi_arg(const Directive& d, std::size_t i) {
    const std::string& a = d.args[i];
    std::optional<unsigned long long> v;
    if (a.size() > 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
        if (a.size() <= 10 && a.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos) {
            v = std::stoull(a.substr(2), nullptr, 16);
        }
    } else if (auto dec = parse_decimal(a, 0, 0xffffffffLL)) {
        v = static_cast<unsigned long long>(*dec);
    }
    if (!v || *v > 0xffffffffULL) {
        fail(d.origin, fmt::format("'esp-spi': {} is not an SPI, expected a decimal or 0x hex number of at most "
                                   "32 bits",
                                   shown(a)));
    }
    if (*v < 256) {
        fail(d.origin, fmt::format("'esp-spi': {} is reserved (SPIs 0..255), expected a number from 256 up", shown(a)));
    }
    return static_cast<std::uint32_t>(*v);
}

void parse_esp_spi(ParseContext& c, const Directive& d) {
    IpsecOptions::SpiPair p{spi_arg(d, 0), spi_arg(d, 1), d.origin};
    if (p.out == p.in) {
        // The keys derive from the SPI: one SPI both ways would give both directions
        // the same key, and AES-GCM nonces would repeat under it.
        fail(d.origin, "'esp-spi': OUT and IN are the same SPI, expected two different SPIs");
    }
    c.opts.ipsec.esp_spi = p;
}

constexpr DirectiveSpec kRows[] = {
    {"technique", 1, 1, "tls|ipsec", "tls or ipsec", "OpenVPN data channel (tls, the default) or IKEv2 + ESP (ipsec)", parse_technique},
    {"ike-psk", 1, 1, "FILE|[inline]", "pre-shared key file or [inline]", "ipsec: IKE pre-shared key(s), one secret or racoon psk.txt lines, or an <ike-psk> block", parse_ike_psk, Support::Supported, kInlineOk},
    {"ike-id", 1, 1, "ID", "an IP address, FQDN, user@FQDN or DN", "ipsec: our IKE identity (default: certificate subject, else our address)", parse_ike_id},
    {"ike-remote-id", 1, 1, "ID", "an IP address, FQDN, user@FQDN or DN", "ipsec: the identity the peer must prove", parse_ike_remote_id},
    {"ike-proposals", 1, 16, "LIST", "strongSwan proposals, e.g. aes256gcm16-prfsha256-x25519", "ipsec: IKE SA proposals (strongSwan syntax, ',' between proposals)", parse_ike_proposals},
    {"esp-proposals", 1, 16, "LIST", "strongSwan proposals, e.g. aes256gcm16,aes128-sha256", "ipsec: ESP proposals (strongSwan syntax); a DH group adds PFS on rekey", parse_esp_proposals},
    {"ike-lifetime", 1, 1, "SECONDS", "seconds (60..604800)", "ipsec: rekey the IKE SA before this (default 14400)", parse_ike_lifetime},
    {"esp-lifetime", 1, 1, "SECONDS", "seconds (10..604800)", "ipsec: rekey the ESP SAs before this (default 3600)", parse_esp_lifetime},
    {"nat-traversal", 1, 1, "yes|no|force", "yes, no or force", "ipsec: NAT detection and ESP in UDP 4500 (default yes; force: always UDP)", parse_nat_traversal},
    {"esp-spi", 2, 2, "OUT IN", "two SPIs, decimal or 0x hex, 256 or more", "ipsec manual keying from 'secret': our outbound and inbound SPIs", parse_esp_spi},
    {"setkey", 1, 1, "FILE|[inline]", "setkey(8) file or [inline]", "ipsec manual keying: setkey(8) statements (add, spdadd ...), or a <setkey> block", parse_setkey, Support::Supported, kInlineOk},
};

}  // namespace

std::span<const DirectiveSpec> ipsec_directives() { return kRows; }

}  // namespace vpn::config
