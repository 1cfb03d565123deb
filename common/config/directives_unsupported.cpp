// Directives that are accepted and ignored (harmless tuning found in classic
// configs) and OpenVPN 2.6 directives that later features will implement.
//
// `fragment` is deliberately NOT in the ignored list: it adds a header to every
// data packet, so ignoring it would make us talk garbage to a peer that uses it.
#include "common/config/directive.hpp"

namespace vpn::config {
namespace {

constexpr DirectiveSpec kIgnored[] = {
    {"sndbuf", 1, 1, "N", "bytes", "socket send buffer size", nullptr, Support::Ignored},
    {"rcvbuf", 1, 1, "N", "bytes", "socket receive buffer size", nullptr, Support::Ignored},
    {"txqueuelen", 1, 1, "N", "queue length", "TUN/TAP transmit queue length", nullptr, Support::Ignored},
    {"mute", 1, 1, "N", "message count", "log at most N messages of one category in a row", nullptr, Support::Ignored},
    {"tun-ipv6", 0, 0, "", "", "obsolete IPv6 switch", nullptr, Support::Ignored},
    {"ping-timer-rem", 0, 0, "", "", "run the ping-restart timer only with a remote", nullptr, Support::Ignored},
    {"fast-io", 0, 0, "", "", "optimise UDP writes", nullptr, Support::Ignored},
    {"nice", 1, 1, "N", "niceness", "change process priority", nullptr, Support::Ignored},
    {"route-delay", 0, 2, "[N [W]]", "seconds", "delay adding routes", nullptr, Support::Ignored},
    {"mtu-disc", 1, 1, "no|maybe|yes", "no, maybe or yes", "path MTU discovery on the socket", nullptr, Support::Ignored},
    {"persist-local-ip", 0, 0, "", "", "keep the local address across restarts", nullptr, Support::Ignored},
    {"persist-remote-ip", 0, 0, "", "", "keep the remote address across restarts", nullptr, Support::Ignored},
    {"suppress-timestamps", 0, 0, "", "", "log without timestamps", nullptr, Support::Ignored},
    {"machine-readable-output", 0, 0, "", "", "log in a machine-readable format", nullptr, Support::Ignored},
    {"providers", 1, 15, "NAME...", "OpenSSL provider names", "load OpenSSL providers", nullptr, Support::Ignored},
};

// Every other directive of OpenVPN 2.6 (options.c: add_option).  Sorted.
constexpr std::string_view kNotYet[] = {
    "allow-nonadmin", "allow-pull-fqdn", "allow-recursive-routing", "askpass", "auth-gen-token",
    "auth-gen-token-secret", "auth-nocache", "auth-retry", "auth-token", "auth-token-user",
    "auth-user-pass-optional", "bcast-buffers", "bind", "bind-dev", "block-ipv6", "block-outside-dns", "capath",
    "chroot", "client-cert-not-required", "client-crresponse", "client-nat", "comp-noadapt", "compat-mode",
    "compat-names", "connect-freq", "connect-timeout", "connection", "cryptoapicert", "dev-node",
    "dhcp-internal", "dhcp-option", "dhcp-pre-release", "dhcp-release", "dhcp-renew", "disable", "disable-dco",
    "disable-occ", "dns", "down-pre", "ecdh-curve", "echo", "engine", "errors-to-stderr", "extra-certs",
    "force-tls-key-material-export", "fragment", "genkey", "gremlin", "hash-size", "help", "http-proxy",
    "http-proxy-option", "http-proxy-override", "http-proxy-retry", "http-proxy-timeout",
    "http-proxy-user-pass", "ifconfig-ipv6", "ifconfig-ipv6-pool", "ifconfig-ipv6-push", "ifconfig-noexec",
    "ifconfig-nowarn", "ifconfig-push-constraint", "ignore-unknown-option", "inactive", "ip-remote-hint",
    "ip-win32", "ipchange", "iproute", "iroute-ipv6", "key-derivation", "key-method",
    "keying-material-exporter", "link-mtu", "lladdr", "management-client", "management-client-auth",
    "management-client-group", "management-client-user", "management-external-cert", "management-external-key",
    "management-forget-disconnect", "management-hold", "management-log-cache", "management-query-passwords",
    "management-query-proxy", "management-query-remote", "management-signal", "management-up-down", "mark",
    "max-packet-size", "max-routes", "memstats", "mktun", "mlock", "msg-channel", "mtu-dynamic", "mtu-test",
    "multihome", "no-name-remapping", "ns-cert-type", "opt-verify", "parameter", "passtos", "pause-exit",
    "peer-id", "pkcs11-cert-private", "pkcs11-id", "pkcs11-id-management", "pkcs11-pin-cache",
    "pkcs11-private-mode", "pkcs11-protected-authentication", "pkcs11-providers", "pkcs12", "plugin",
    "port-share", "preresolve", "prng", "proto-force", "protocol-flags", "pull-filter", "push-continuation",
    "rdns-internal", "redirect-gateway", "redirect-private", "register-dns", "remap-usr1", "remote-cert-eku",
    "remote-cert-ku", "remote-random-hostname", "replay-persist", "rmtun", "route-gateway", "route-ipv6",
    "route-ipv6-gateway", "route-method", "route-metric", "route-noexec", "route-nopull", "route-pre-down",
    "route-up", "server-ipv6", "service", "session-timeout", "setcon", "setenv", "setenv-safe", "shaper",
    "show-adapters", "show-ciphers", "show-curves", "show-digests", "show-engines", "show-gateway",
    "show-groups", "show-net", "show-net-up", "show-pkcs11-ids", "show-tls", "show-valid-subnets",
    "single-session", "socket-flags", "socks-proxy", "socks-proxy-retry", "stale-routes-check",
    "static-challenge", "syslog", "tap-sleep", "tcp-nodelay", "tcp-queue-limit", "test-crypto",
    "tls-cert-profile", "tls-crypt-v2", "tls-crypt-v2-verify", "tls-exit", "tls-export-cert", "tls-timeout",
    "tls-verify", "tun-mtu-extra", "tun-mtu-max", "udp-mtu", "up-delay", "up-restart",
    "use-prediction-resistance", "verify-client-cert", "verify-hash", "version", "vlan-accept", "vlan-pvid",
    "vlan-tagging", "win-sys", "windows-driver", "x509-track", "x509-username-field",
};

}  // namespace

std::span<const DirectiveSpec> ignored_directives() { return kIgnored; }
std::span<const std::string_view> not_yet_supported_directives() { return kNotYet; }

}  // namespace vpn::config
