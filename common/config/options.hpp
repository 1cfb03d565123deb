#pragma once
// Typed options: what the config file and command line say, after parsing and
// validation.  Every field has OpenVPN 2.6's default for the same config.  Paths are
// already absolute (resolved against the working directory and any `cd`).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vpn::config {

// Where a directive came from, for errors found after parsing ("file:line").
struct Origin {
    std::string file;  // "[command line]" for --directive arguments
    int line = 0;      // 1-based; for the command line, the argument's position
    std::string name;  // the directive, e.g. "port" (printed for command-line origins)
    // "server.conf:3" for files, "[command line] --port" for the command line.
    std::string str() const;
};

enum class DevType { Tun, Tap };
enum class Proto { Udp, TcpServer, TcpClient };
enum class Family { Any, V4, V6 };  // udp4/tcp4-client... pin the family

enum class KeyDirection { Bidirectional, Normal /* "0" */, Inverse /* "1" */ };

enum class CompLzo { Absent, Yes, No, Adaptive };
enum class AllowCompression { Unset, No, Asym, Yes };

struct Remote {
    std::string host;
    std::optional<std::uint16_t> port;  // unset: use rport
    std::optional<Proto> proto;         // unset: use proto
    std::optional<Family> family;
};

struct Route {
    std::string network;                 // host name or dotted quad, as written
    std::string netmask = "255.255.255.255";
    std::optional<std::string> gateway;  // unset or "vpn_gateway": the ifconfig peer
    std::optional<int> metric;
};

// A key given as a file path or an inline <secret> block.
struct KeySource {
    std::string path;                        // absolute; empty when inline
    std::optional<std::string> inline_text;  // the text between <secret> and </secret>
    Origin origin;
};

struct Options {
    std::string config_file;  // the main config, absolute; empty if none

    // --- device -----------------------------------------------------------------
    std::string dev = "";                 // "tun", "tap", "tun3", "mytun"...; required to run
    std::optional<DevType> dev_type;      // from dev-type, else derived from dev's prefix
    int tun_mtu = 1500;
    // mssfix: unset (or bare `mssfix`) = OpenVPN's default, 1492 including the outer
    // headers with tun-mtu 1500, else tun-mtu as a fixed inner limit.  0 = off.
    std::optional<int> mssfix;
    bool mssfix_encap = false;  // "mtu"
    bool mssfix_fixed = false;  // "fixed"
    std::optional<std::string> ifconfig_local;
    std::optional<std::string> ifconfig_remote;  // tun: peer address; tap: netmask
    std::vector<Route> routes;
    Origin dev_origin;

    // --- transport --------------------------------------------------------------
    Proto proto = Proto::Udp;
    Family family = Family::Any;
    std::uint16_t lport = 1194;
    std::uint16_t rport = 1194;
    std::optional<std::string> local;
    std::vector<Remote> remotes;
    bool nobind = false;
    bool float_remote = false;  // `float`

    // --- static key data channel ---------------------------------------------------
    std::optional<KeySource> secret;
    KeyDirection key_direction = KeyDirection::Bidirectional;  // secret's 2nd arg or key-direction
    std::string cipher = "BF-CBC";  // OpenVPN 2.6's static-mode default (weak: warned)
    bool cipher_set = false;
    std::string auth = "SHA1";
    int replay_window = 64;          // packets, 0..65536
    int replay_window_seconds = 15;  // 0..600
    bool mute_replay_warnings = false;

    // --- compression -------------------------------------------------------------
    CompLzo comp_lzo = CompLzo::Absent;
    bool compress_lzo = false;  // `compress lzo`
    AllowCompression allow_compression = AllowCompression::Unset;

    // --- liveness ----------------------------------------------------------------
    int ping = 0;           // seconds; 0 = off
    int ping_restart = 0;   // seconds; 0 = off
    int ping_exit = 0;      // seconds; 0 = off
    int explicit_exit_notify = 0;  // OCC_EXIT repeats at shutdown (UDP only)

    // --- process -----------------------------------------------------------------
    int verb = 1;
    std::optional<std::string> log_file;
    bool log_append = false;
    std::optional<std::string> writepid;
    bool daemon = false;
    std::string daemon_name;  // syslog ident; default "vpn"
    std::optional<std::string> user;
    std::optional<std::string> group;
    bool persist_tun = false;
    bool persist_key = false;
    std::optional<std::string> up;    // command line, split like OpenVPN (shell-free)
    std::optional<std::string> down;
    int script_security = 1;
    std::string cd;  // from `cd DIR`, absolute; scripts run there

    // --- derived helpers ---------------------------------------------------------
    DevType device_type() const;
    // The effective compression mode after 2.6's allow-compression rules:
    // framing on the wire, whether we compress what we send.
    bool lzo_framing() const;   // comp-lzo (any) or compress lzo: 1-byte 0x66/0xFA header
    bool lzo_compress_out() const;
};

}  // namespace vpn::config
