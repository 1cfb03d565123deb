// Which directives go with which technique (ipsec/README.md lists the decisions).
// Run before the other cross-directive rules, so that a config written for the other
// technique gets one clear error at the line that does not belong, not a confusing
// consequence of it (e.g. "mode server requires tls-server").
#include <fmt/format.h>

#include <algorithm>

#include "common/config/arg_parse.hpp"
#include "common/config/validate.hpp"

namespace vpn::config {
namespace {

constexpr std::string_view kIpsecOnly[] = {"ike-psk",      "ike-id",       "ike-remote-id", "ike-proposals",
                                           "esp-proposals", "ike-lifetime", "esp-lifetime",  "nat-traversal",
                                           "esp-spi",      "setkey"};

enum class Verdict {
    Refused,  // an error at the line: the directive would promise something ESP does not do
    Ignored,  // one warning: harmless in a converted OpenVPN config
};

struct Rule {
    std::string_view name;
    Verdict verdict;
    std::string_view why;
};

// Directives of technique tls that have no meaning (or none yet) with technique
// ipsec.  Everything not listed keeps its meaning (dev, ifconfig, route, remote,
// server, client, ca/cert/key, keepalive, the process directives ...).
constexpr Rule kIpsecRules[] = {
    {"tls-server", Verdict::Refused, "IKE has no TLS roles (a side with 'remote' initiates; 'client' also asks for an address)"},
    {"tls-client", Verdict::Refused, "IKE has no TLS roles (a side with 'remote' initiates; 'client' also asks for an address)"},
    {"pull", Verdict::Refused, "use 'client', which asks the gateway for an address"},
    {"dh", Verdict::Refused, "IKE's Diffie-Hellman groups are chosen in ike-proposals"},
    {"tls-auth", Verdict::Refused, "IKE protects its own messages"},
    {"tls-crypt", Verdict::Refused, "IKE protects its own messages"},
    {"auth-user-pass", Verdict::Refused, "EAP is not supported, use ike-psk or certificates"},
    {"push-peer-info", Verdict::Refused, "IKE has no peer-info"},
    {"data-ciphers", Verdict::Refused, "use esp-proposals"},
    {"ncp-ciphers", Verdict::Refused, "use esp-proposals"},
    {"data-ciphers-fallback", Verdict::Refused, "use esp-proposals"},
    {"reneg-sec", Verdict::Refused, "use esp-lifetime and ike-lifetime"},
    {"reneg-bytes", Verdict::Refused, "use esp-lifetime and ike-lifetime"},
    {"reneg-pkts", Verdict::Refused, "use esp-lifetime and ike-lifetime"},
    {"hand-window", Verdict::Refused, "IKE retransmits on its own schedule"},
    {"tran-window", Verdict::Refused, "an IKE rekey replaces the old SA when the new one is up"},
    {"remote-cert-tls", Verdict::Refused, "use ike-remote-id to name the peer"},
    {"verify-x509-name", Verdict::Refused, "use ike-remote-id to name the peer"},
    {"peer-fingerprint", Verdict::Refused, "IKE certificates are checked against a ca"},
    {"tls-version-min", Verdict::Refused, "there is no TLS"},
    {"tls-version-max", Verdict::Refused, "there is no TLS"},
    {"tls-cipher", Verdict::Refused, "use ike-proposals"},
    {"tls-ciphersuites", Verdict::Refused, "use ike-proposals"},
    {"tls-groups", Verdict::Refused, "use ike-proposals"},
    {"key-direction", Verdict::Refused, "manual SAs take both directions' keys from the whole static key"},
    {"port", Verdict::Refused, "IKE uses UDP ports 500 and 4500"},
    {"lport", Verdict::Refused, "IKE uses UDP ports 500 and 4500"},
    {"rport", Verdict::Refused, "IKE uses UDP ports 500 and 4500"},
    {"ping", Verdict::Refused, "use keepalive, which drives IKE dead peer detection"},
    {"ping-restart", Verdict::Refused, "use keepalive, which drives IKE dead peer detection"},
    {"ping-exit", Verdict::Refused, "use keepalive, which drives IKE dead peer detection"},
    {"server-bridge", Verdict::Refused, "ESP tunnel mode carries IP packets, not Ethernet frames"},
    {"ifconfig-push", Verdict::Refused, "the gateway assigns addresses from its pool ('server' or ifconfig-pool)"},
    {"push-reset", Verdict::Refused, "not supported with technique ipsec"},
    {"push-remove", Verdict::Refused, "not supported with technique ipsec"},
    {"iroute", Verdict::Refused, "not supported with technique ipsec"},
    {"client-config-dir", Verdict::Refused, "not supported with technique ipsec"},
    {"ccd-exclusive", Verdict::Refused, "not supported with technique ipsec"},
    {"max-routes-per-client", Verdict::Refused, "not supported with technique ipsec"},
    {"learn-address", Verdict::Refused, "not supported with technique ipsec"},
    {"client-connect", Verdict::Refused, "not supported with technique ipsec"},
    {"client-disconnect", Verdict::Refused, "not supported with technique ipsec"},
    {"auth-user-pass-verify", Verdict::Refused, "EAP is not supported"},
    {"username-as-common-name", Verdict::Refused, "EAP is not supported"},
    {"tmp-dir", Verdict::Refused, "not supported with technique ipsec"},
    {"connect-freq-initial", Verdict::Refused, "IKE answers floods with COOKIE notifies instead"},
    {"status", Verdict::Refused, "not supported with technique ipsec yet"},
    {"status-version", Verdict::Refused, "not supported with technique ipsec yet"},
    {"management", Verdict::Refused, "not supported with technique ipsec yet"},
    {"comp-lzo", Verdict::Ignored, "no ESP meaning, ignored"},
    {"compress", Verdict::Ignored, "no ESP meaning, ignored"},
    {"allow-compression", Verdict::Ignored, "no ESP meaning, ignored"},
    {"float", Verdict::Ignored, "ESP in UDP follows the peer's NAT mapping anyway, ignored"},
    {"nobind", Verdict::Ignored, "IKE always uses ports 500 and 4500, ignored"},
    {"explicit-exit-notify", Verdict::Ignored, "IKE sends a Delete when the tunnel ends anyway, ignored"},
};

void check_tls(const LoadState& st) {
    for (const Origin& line : st.seen) {
        if (std::find(std::begin(kIpsecOnly), std::end(kIpsecOnly), line.name) != std::end(kIpsecOnly)) {
            fail(line, fmt::format("'{}' needs 'technique ipsec', expected a 'technique ipsec' line or no {} line",
                                   line.name, line.name));
        }
    }
}

void check_ipsec(Options& o, const LoadState& st, const WarningSink& warn) {
    const std::string at = o.technique_origin->str();
    for (const Origin& line : st.seen) {
        auto rule = std::find_if(std::begin(kIpsecRules), std::end(kIpsecRules),
                                 [&](const Rule& r) { return r.name == line.name; });
        if (rule == std::end(kIpsecRules)) continue;
        if (rule->verdict == Verdict::Refused) {
            fail(line, fmt::format("'{}' cannot be used with 'technique ipsec' at {}: {}", line.name, at, rule->why));
        }
        if (warn) warn(fmt::format("{}: '{}' with technique ipsec: {}", line.str(), line.name, rule->why));
    }
    if (o.device_type() == DevType::Tap) {
        fail(o.dev_origin, "technique ipsec needs a tun device: ESP tunnel mode carries IP packets, expected 'dev tun'");
    }
    if ((o.proto != Proto::Udp || st.proto_plain_tcp) && st.proto) {
        fail(*st.proto, "'proto': IKE and ESP in UDP run over UDP, expected 'proto udp' or no proto line");
    }
    for (std::size_t i = 0; i < o.remotes.size(); ++i) {
        if (o.remotes[i].port || o.remotes[i].proto) {
            fail(st.remotes[i], "'remote': IKE uses UDP ports 500 and 4500, expected 'remote HOST' without a port or "
                                "protocol");
        }
    }
    for (const auto& [text, line] : st.push_lines) {
        if (!ipsec_pushable(text)) {
            fail(line, fmt::format("'push' {} cannot be sent over IKE, expected push \"route NET MASK\" or push "
                                   "\"dhcp-option DNS ADDRESS\"",
                                   shown(text)));
        }
    }
    // What the ignored directives set must not reach the runtime.
    o.comp_lzo = CompLzo::Absent;
    o.compress_lzo = false;
    o.allow_compression = AllowCompression::Unset;
    o.float_remote = false;
    o.nobind = false;
    o.explicit_exit_notify = 0;
}

}  // namespace

void validate_technique(Options& o, const LoadState& st, const WarningSink& warn) {
    if (o.technique == Technique::Ipsec) check_ipsec(o, st, warn);
    else check_tls(st);
}

}  // namespace vpn::config
