#pragma once
// Cross-directive rules, run once after the config file and the command line were
// applied (order-independent checks live here, not in the parse functions).
#include <string_view>

#include "common/config/directive.hpp"

namespace vpn::config {

// Completes and checks `opts`:
//  * dev-type from the dev name's tun/tap prefix (error at the dev line otherwise);
//  * plain `proto tcp` becomes tcp-client with a remote, tcp-server without;
//  * mode server and its directives, by validate_server() (before the rest);
//  * ifconfig: for tap or topology subnet the 2nd address must be a netmask (error),
//    for tun a netmask-looking peer address is warned about, as tun.c:
//    ifconfig_sanity_check;
//  * ifconfig/local/remote addresses distinct, nobind only with a remote and without
//    local/lport (options.c: options_postprocess_verify_ce);
//  * keepalive: both values > 0, restart >= 2 * ping, no ping/ping-restart/ping-exit
//    alongside, then expanded as helper.c: helper_keepalive does: ping + ping-restart;
//    under mode server ping-restart is twice the timeout and "ping N",
//    "ping-restart TIMEOUT" are appended to Options::push;
//  * up/down need script-security >= 2 (OpenVPN checks at run time; we refuse early);
//  * real compression (comp-lzo yes|adaptive, compress lzo) with allow-compression no;
//  * `secret [inline]` without a <secret> block;
//  * explicit-exit-notify over TCP: warned about and dropped, as options.c does;
//  * the technique's directives, by validate_technique() (right after dev-type);
//  * keepalive under technique ipsec drives dead peer detection on each side: nothing
//    is pushed and ping-restart is not doubled;
//  * TLS mode by validate_tls(), or technique ipsec by validate_ipsec() (last).
// Throws ConfigError naming the line that the rule is about.  Does not require dev or
// secret: what a run needs is main's business.
void validate(Options& opts, const LoadState& state, const WarningSink& warn);

// The mode-server rules (validate_server.cpp; options.c: options_postprocess_verify_ce
// "Check consistency of --mode server options"), each error at the line it is about:
//  * mode server: pull/client and secret refused, tls-server required, no remote,
//    no nobind, no tcp-client transport;
//  * push and ifconfig-push only with mode server;
//  * ifconfig-push: with tap or topology subnet the 2nd address must be a netmask;
//    on tun net30/p2p a netmask-looking one is warned about and the two must differ;
//  * warned: topology subnet on tun with ifconfig-push but no push "topology ..."
//    (2.6 pushes none without its `server` helper; the client would assume net30).
void validate_server(Options& opts, const LoadState& state, const WarningSink& warn);

// Which directives go with which technique (validate_technique.cpp):
//  * technique tls: an IPsec-only directive (ike-*, esp-*, nat-traversal, setkey) is
//    an error at its first line;
//  * technique ipsec: TLS-only directives are errors at their first line, naming the
//    technique line and what to use instead; comp-lzo, compress, allow-compression,
//    float, nobind and explicit-exit-notify are warned about and dropped; dev must be
//    tun, proto udp, remote without port/proto, push only "route ..." and
//    "dhcp-option DNS ...".
void validate_technique(Options& opts, const LoadState& state, const WarningSink& warn);

// What `push` can say under technique ipsec: it becomes IKE configuration attributes
// and traffic selectors, which only routes and DNS servers have.
inline bool ipsec_pushable(std::string_view option) {
    return option.starts_with("route ") || option.starts_with("dhcp-option DNS ");
}

// The technique ipsec rules (validate_ipsec.cpp), each error at the line it is about.
// Keying: `secret` (manual SAs from a static key), `setkey` (manual SAs as written),
// or neither (IKE).  Then:
//  * secret with setkey, ike-psk with either, and the IKE-only directives (ike-*,
//    esp-lifetime, ca/cert/key/crl-verify, client, mode server) with manual keying;
//  * esp-spi and cipher/auth only with secret (auth also needs cipher), esp-proposals
//    and replay-window not with setkey, nat-traversal with setkey;
//  * secret needs `ifconfig LOCAL PEER` and no mode server;
//  * IKE authenticates with ike-psk, or with ca + cert + key (not both); cert needs
//    key and the reverse, cert needs ca;
//  * `client` needs remote and no ifconfig (the gateway assigns the address); a
//    point-to-point IKE config needs ifconfig;
//  * `NAME [inline]` without its <NAME> block;
//  * drops what the `server` helper pushed that IKE cannot carry (topology,
//    route-gateway).
void validate_ipsec(Options& opts, const LoadState& state, const WarningSink& warn);

// The TLS-mode rules (validate_tls.cpp), each error at the line it is about:
//  * tls-server with tls-client/client, and secret with either (whichever came second);
//  * `NAME [inline]` without its <NAME> block;
//  * without a TLS role: the TLS-only directives (ca, cert, key, dh, crl-verify,
//    tls-auth, tls-crypt, reneg-*, hand-window, tran-window, remote-cert-tls,
//    verify-x509-name, tls-cipher, tls-ciphersuites, pull, auth-user-pass,
//    push-peer-info) are errors, the others (data-ciphers, tls-version-*, tls-groups,
//    peer-fingerprint) one warning;
//  * with one: tls-auth with tls-crypt; pull/client without remote; neither ca nor
//    peer-fingerprint (at the first TLS directive); cert without key or the reverse;
//    no cert on a side that does not pull; a pulling client with neither cert nor
//    auth-user-pass; auth-user-pass without pull; tls-version-max below
//    tls-version-min;
//  * fills in: dh dropped on a client (warned), tls-version-min from a lower
//    tls-version-max, nobind for a pulling client without local/lport.
void validate_tls(Options& opts, const LoadState& state, const WarningSink& warn);

// The server/server-bridge helpers and pool rules (validate_pool.cpp), run before
// validate_server(): expands `server`/`server-bridge` exactly as 2.6 helper.c:
// helper_client_server (mode server, tls-server, ifconfig, ifconfig-pool, routes,
// pushes appended after the user's push lines), then 2.6's pool checks.
void validate_pool(Options& opts, const LoadState& state, const WarningSink& warn);

}  // namespace vpn::config
