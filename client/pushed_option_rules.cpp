// The option names behind classify_pushed_option.  The lists are facts read from
// OpenVPN 2.6's options.c (each directive's VERIFY_PERMISSION class) and init.c
// (pull_permission_mask); they are data, not code.
#include "client/pushed_option_rules.hpp"

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

namespace vpn::client {
namespace {

// Known to 2.6 with a class outside the pull mask (OPT_P_GENERAL, SCRIPT, CONFIG,
// INSTANCE, PLUGIN, CONNECTION, INLINE, MTU, NICE...).  Sorted for binary search.
constexpr std::string_view kNotPushable[] = {
    "allow-compression", "allow-nonadmin", "allow-pull-fqdn", "allow-recursive-routing", "askpass", "auth",
    "auth-gen-token", "auth-gen-token-secret", "auth-nocache", "auth-retry", "auth-user-pass",
    "auth-user-pass-optional", "auth-user-pass-verify", "bcast-buffers", "bind", "ca", "capath",
    "ccd-exclusive", "cd", "cert", "chroot", "client", "client-cert-not-required", "client-config-dir",
    "client-connect", "client-crresponse", "client-disconnect", "client-to-client", "compat-names", "config",
    "connect-freq", "connect-freq-initial", "connect-retry", "connect-retry-max", "connect-timeout",
    "connection", "crl-verify", "cryptoapicert", "daemon", "data-ciphers", "data-ciphers-fallback", "dev",
    "dev-node", "dev-type", "dh", "dhcp-internal", "disable", "disable-occ", "down", "down-pre", "duplicate-cn",
    "ecdh-curve", "engine", "extra-certs", "fast-io", "float", "force-tls-key-material-export", "fragment",
    "genkey", "gremlin", "group", "hand-window", "hash-size", "help", "http-proxy", "http-proxy-option",
    "http-proxy-override", "http-proxy-retry", "http-proxy-timeout", "http-proxy-user-pass",
    "ifconfig-ipv6-pool", "ifconfig-ipv6-push", "ifconfig-pool", "ifconfig-pool-persist", "ifconfig-push",
    "ifconfig-push-constraint", "ignore-unknown-option", "ipchange", "iproute", "iroute", "iroute-ipv6",
    "keepalive", "key", "key-direction", "keying-material-exporter", "learn-address", "link-mtu", "local",
    "log", "log-append", "lport", "machine-readable-output", "management", "management-client",
    "management-client-auth", "management-client-group", "management-client-user", "management-external-cert",
    "management-external-key", "management-forget-disconnect", "management-hold", "management-log-cache",
    "management-query-passwords", "management-query-proxy", "management-query-remote", "management-signal",
    "management-up-down", "mark", "max-clients", "max-packet-size", "max-routes-per-client", "memstats",
    "mktun", "mlock", "mode", "msg-channel", "mssfix", "mtu-disc", "mtu-dynamic", "mtu-test", "multihome",
    "mute-replay-warnings", "nice", "no-name-remapping", "no-replay", "nobind", "ns-cert-type", "opt-verify",
    "passtos", "pause-exit", "peer-fingerprint", "persist-local-ip", "persist-remote-ip", "pkcs11-cert-private",
    "pkcs11-id", "pkcs11-id-management", "pkcs11-pin-cache", "pkcs11-private-mode",
    "pkcs11-protected-authentication", "pkcs11-providers", "pkcs12", "plugin", "port", "port-share",
    "preresolve", "proto", "proto-force", "pull", "pull-filter", "push", "push-peer-info", "push-remove",
    "push-reset", "rdns-internal", "remap-usr1", "remote", "remote-cert-eku", "remote-cert-ku",
    "remote-cert-tls", "remote-random", "remote-random-hostname", "reneg-bytes", "reneg-pkts", "reneg-sec",
    "replay-persist", "replay-window", "resolv-retry", "rmtun", "route-noexec", "route-nopull",
    "route-pre-down", "route-up", "rport", "script-security", "secret", "server", "server-bridge",
    "server-ipv6", "service", "setcon", "setenv", "show-adapters", "show-ciphers", "show-curves",
    "show-digests", "show-engines", "show-gateway", "show-net", "show-pkcs11-ids", "show-tls",
    "show-valid-subnets", "single-session", "socks-proxy", "stale-routes-check", "static-challenge", "status",
    "status-version", "suppress-timestamps", "syslog", "tcp-nodelay", "tcp-queue-limit", "test-crypto",
    "tls-auth", "tls-cert-profile", "tls-cipher", "tls-ciphersuites", "tls-client", "tls-crypt", "tls-crypt-v2",
    "tls-crypt-v2-verify", "tls-exit", "tls-export-cert", "tls-groups", "tls-server", "tls-timeout",
    "tls-verify", "tls-version-max", "tls-version-min", "tmp-dir", "tran-window", "tun-mtu-extra",
    "tun-mtu-max", "txqueuelen", "up", "up-delay", "up-restart", "use-prediction-resistance", "user",
    "username-as-common-name", "verify-client-cert", "verify-x509-name", "version", "vlan-accept", "vlan-pvid",
    "vlan-tagging", "win-sys", "windows-driver", "writepid", "x509-track", "x509-username-field",
};

// OPT_P_ROUTE and OPT_P_DHCPDNS: allowed only without route-nopull.
constexpr std::array<std::string_view, 14> kRouteOrDns = {
    "block-ipv6",       "block-outside-dns", "client-nat", "dhcp-option", "dhcp-pre-release",
    "dhcp-renew",       "dns",               "ip-win32",   "redirect-gateway", "register-dns",
    "route",            "route-ipv6",        "route-metric", "tap-sleep",
};

// The rest of the pull mask (UP, ROUTE_EXTRAS, SOCKBUF, SOCKFLAGS, SETENV, SHAPER, TIMER,
// COMP, PERSIST, MESSAGES, EXPLICIT_NOTIFY, ECHO, PULL_MODE, PEER_ID, NCP, PUSH_MTU), plus
// tun-ipv6 and route-ipv6-gateway which 2.6 accepts without a permission check.
constexpr std::array<std::string_view, 43> kPushable = {
    "auth-token", "auth-token-user", "bind-dev", "cipher", "comp-lzo", "comp-noadapt", "compress", "echo",
    "errors-to-stderr", "explicit-exit-notify", "ifconfig", "ifconfig-ipv6", "ifconfig-noexec",
    "ifconfig-nowarn", "inactive", "key-derivation", "lladdr", "mute", "peer-id", "persist-key", "persist-tun",
    "ping", "ping-exit", "ping-restart", "ping-timer-rem", "protocol-flags", "push-continuation", "rcvbuf",
    "route-delay", "route-gateway", "route-ipv6-gateway", "route-method", "session-timeout", "setenv-safe",
    "shaper", "show-net-up", "sndbuf", "socket-flags", "topology", "tun-ipv6", "tun-mtu", "verb",
    "parameter",
};

static_assert(std::is_sorted(std::begin(kNotPushable), std::end(kNotPushable)));

bool contains(const auto& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

PushClass classify_pushed_option(std::string_view name) {
    if (contains(kRouteOrDns, name)) return PushClass::RouteOrDns;
    if (contains(kPushable, name)) return PushClass::Pushable;
    if (std::binary_search(std::begin(kNotPushable), std::end(kNotPushable), name)) return PushClass::NotPushable;
    return PushClass::Unknown;
}

std::string unrecognized_option_message(std::string_view name, std::size_t index) {
    return fmt::format("Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:{}: {}",
                       index, name);
}

std::string forbidden_option_message(std::string_view name) {
    return fmt::format("Options error: option '{}' cannot be used in this context ([PUSH-OPTIONS])", name);
}

}  // namespace vpn::client
