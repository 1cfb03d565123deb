#pragma once
// The per-client scripts of an OpenVPN 2.6 server, run synchronously: auth-user-pass-verify
// (ssl_verify.c: verify_user_pass_script), client-connect / client-disconnect (multi.c:
// multi_client_connect_call_script, multi_client_disconnect_script) and learn-address
// (multi.c: learn_address_script).
//
// 2.6 keeps one environment per client that grows as the client goes through its
// life (peer info and untrusted_* at authentication, trusted_*, pool addresses and
// time_* at connect, byte counts at disconnect); every script sees what was set before
// it.  client_env() rebuilds that state for a script type from ClientScriptInfo, so the
// caller only keeps the facts.  Not implemented: deferred results (exit status 2 of
// auth-user-pass-verify, client_connect_deferred_file), auth_control_file and the
// X509_* / tls_* certificate variables (pass them in ClientScriptInfo::extra).
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "common/net/sock_addr.hpp"
#include "common/process/command.hpp"
#include "server/client_config.hpp"

namespace vpn::config {
struct Options;
}

namespace vpn::server {

enum class ScriptType { UserPassVerify, ClientConnect, ClientDisconnect, LearnAddress };

// The `script_type` value: "user-pass-verify", "client-connect", "client-disconnect",
// "learn-address".
std::string_view script_type_name(ScriptType t);

struct ClientScriptInfo {
    std::string common_name;  // "" when unknown: not exported
    std::string username;     // as the client sent it; "" = none (not exported)
    net::SockAddr real;       // the client's address: untrusted_* / trusted_* (ip6 for IPv6)
    // The client's tunnel address (2.6: push_ifconfig_local) and the second ifconfig-push
    // word, both host order.  `pool_is_netmask` (tap, or tun with topology subnet) names
    // the second one ifconfig_pool_netmask, else (net30 / p2p) ifconfig_pool_local_ip.
    std::optional<std::uint32_t> pool_remote_ip;
    std::optional<std::uint32_t> pool_netmask_or_local;
    bool pool_is_netmask = true;
    std::string dev;  // the server's device, e.g. "tun0"
    int tun_mtu = 1500;
    std::string peer_info;  // as received in key method 2: "IV_VER=2.6.14\nIV_PLAT=linux\n..."
    std::time_t connected_since = 0;  // time_unix / time_ascii (local time, as 2.6)
    std::time_t now = 0;              // client-disconnect: time_duration = now - connected_since
    std::uint64_t bytes_received = 0, bytes_sent = 0;  // client-disconnect
    // More per-client variables the caller already has (X509_0_CN, tls_serial_0 ...),
    // exported as they are to every script of this client.
    process::Env extra;
};

struct ScriptSettings {
    // Command lines as written in the config (split like `up`, no shell).
    std::optional<std::string> learn_address;
    std::optional<std::string> client_connect;
    std::optional<std::string> client_disconnect;
    std::optional<std::string> auth_user_pass_verify;
    bool auth_verify_via_file = true;  // via-file, else via-env
    int script_security = 1;           // below 2 nothing runs (and counts as failure)
    std::string tmp_dir = "/tmp";      // via-file and client-connect temporary files
    std::string cwd;                   // `cd`: scripts run there ("" = ours)
    // Server-wide variables every script gets first (2.6 options.c setenv_settings:
    // config, verb, daemon, daemon_pid ...).
    process::Env server_env;

    // Filled from config::Options: server.learn_address, server.client_connect,
    // server.client_disconnect, server.auth_user_pass_verify, server.auth_verify_via_file,
    // server.tmp_dir, script_security, cd; server_env from config_file, verb, daemon,
    // log_file and our pid.
    static ScriptSettings from_options(const config::Options& o);
};

// 2.6 ssl_verify.c: string_mod_remap_name / string_mod(CC_PRINT, CC_CRLF): bytes below
// 0x20 and 0x7f become '_' in the username and password before any script sees them.
std::string remap_credential(std::string_view s);

// The variables 2.6 has in a client's environment when it runs a script of type `t`,
// script_type included, without the password (only verify_user_pass adds it, and only
// via-env at script-security 3) and without the run-specific temporary file names.
// For LearnAddress this is the environment of add/update; `learn-address delete` in 2.6
// runs without any client environment (see learn_address()).
process::Env client_env(const ClientScriptInfo& info, ScriptType t);

// auth-user-pass-verify.  via-file: "USERNAME\nPASSWORD\n" in a new 0600 file in tmp_dir
// whose path is the last argument, removed afterwards; via-env: `username` and
// `password` in the environment (2.6 gives scripts the password only at script-security
// 3).  True when the script exited with status 0.  False for anything else, including
// no script configured (the caller decides whether a script is required), script-security
// below 2, and 2.6's "deferred" status 2 (not supported).
bool verify_user_pass(const ScriptSettings& s, const ClientScriptInfo& info, std::string_view password);

struct ClientConnectResult {
    bool ran = false;       // a client-connect script is configured and was started
    bool accepted = false;  // no script, or it exited 0: the client may connect
    // The options the script wrote into its file (client_connect_config_file), read as a
    // CCD file; empty when it wrote nothing.  Apply them after the CCD file's (2.6: the
    // script's ifconfig-push overrides the CCD one and the pool address).
    ClientConfig config;
};

// client-connect: creates an empty temporary file in tmp_dir, passes it as last
// argument (and as client_connect_config_file), runs the script and reads the file
// back.  A non-zero exit refuses the client; so does script-security below 2 with a
// script configured, or a file that cannot be created or read.  No script configured:
// {ran=false, accepted=true}.  Run client-disconnect later only when `ran && accepted`
// (2.6 runs it only for clients whose connect script succeeded).
ClientConnectResult client_connect(const ScriptSettings& s, const ClientScriptInfo& info);

// client-disconnect: its exit status is ignored, as in 2.6.
void client_disconnect(const ScriptSettings& s, const ClientScriptInfo& info);

// learn-address OP ADDRESS [CN].  `op` is "add", "update" or "delete"; `address` as
// format_route() / format_mac() print it.  `client` gives CN and environment for add
// and update; 2.6 runs delete with no client (nullptr here): no CN argument and only
// script_type in the environment.  True when no script is configured or it exited 0;
// false when it failed or script-security is below 2 (2.6 then does not learn the route).
bool learn_address(const ScriptSettings& s, std::string_view op, const std::string& address,
                   const ClientScriptInfo* client);

}  // namespace vpn::server
