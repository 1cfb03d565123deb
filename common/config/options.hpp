#pragma once
// Typed options: what the config file and command line say, after parsing and
// validation.  Every field has OpenVPN 2.6's default for the same config.  Paths are
// already absolute (resolved against the working directory and any `cd`).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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

// `mode` (options.c: MODE_POINT_TO_POINT, MODE_SERVER).  Our server serves one TLS
// client (no pool, no client-config-dir): see directives_server.cpp.
enum class Mode { P2p, Server };
// `topology` (options.c: parse_topology); unset means 2.6's default, net30.
enum class Topology { Net30, P2p, Subnet };

enum class KeyDirection { Bidirectional, Normal /* "0" */, Inverse /* "1" */ };

enum class CompLzo { Absent, Yes, No, Adaptive };

// `technique tls|ipsec`: OpenVPN's data channel (static key or TLS) or IKEv2 + ESP.
enum class Technique { Tls, Ipsec };
enum class NatTraversal { Yes, No, Force };
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

// A key given as a file path or an inline block (<secret>, <tls-auth>, <ca>...).
struct KeySource {
    std::string path;                        // absolute; empty when inline
    std::optional<std::string> inline_text;  // the text between <NAME> and </NAME>
    Origin origin;
};

// A PEM file (ca, cert, key, dh, crl-verify) or a credentials file, given as a path
// or an inline <name> block: the same shape as a key.
using PemSource = KeySource;

enum class TlsVersion { V1_0, V1_1, V1_2, V1_3 };
enum class PeerRole { Server, Client };  // remote-cert-tls
// verify-x509-name's type (ssl_verify.h: VERIFY_X509_SUBJECT_DN, _RDN, _RDN_PREFIX).
enum class X509NameType { Subject, Name, NamePrefix };

struct VerifyX509Name {
    std::string name;
    X509NameType type = X509NameType::Subject;
};

// An IPsec directive's argument as written and where: ipsec/ gives it meaning (proposal
// strings need the IKE transform tables, which common/ must not see) and names this
// line in its errors.
struct WrittenValue {
    std::string text;
    Origin origin;
};

// The IPsec-only directives (directives_ipsec.cpp; README of ipsec/).  Stored raw and
// checked for shape here; the app's loader hands them to ipsec/ when technique ipsec.
struct IpsecOptions {
    std::optional<KeySource> ike_psk;          // ike-psk FILE or <ike-psk>: text loaded later
    std::optional<WrittenValue> ike_id;        // unset: certificate subject, else our address
    std::optional<WrittenValue> ike_remote_id; // unset: whatever the PSK file or CA vouches for
    std::optional<WrittenValue> ike_proposals; // unset: ipsec's defaults
    std::optional<WrittenValue> esp_proposals;
    int ike_lifetime = 14400;  // seconds
    int esp_lifetime = 3600;
    std::optional<Origin> ike_lifetime_origin, esp_lifetime_origin;
    NatTraversal nat_traversal = NatTraversal::Yes;
    std::optional<Origin> nat_traversal_origin;
    struct SpiPair {
        std::uint32_t out = 0;  // our outbound SA's SPI (the peer's IN)
        std::uint32_t in = 0;
        Origin origin;
    };
    std::optional<SpiPair> esp_spi;
    std::optional<KeySource> setkey;  // setkey FILE or <setkey>: statements parsed by ipsec/
};

using Sha256Fingerprint = std::array<std::uint8_t, 32>;

// OpenVPN 2.6's default --data-ciphers (the runtime drops CHACHA20-POLY1305 when
// OpenSSL lacks it, as options_postprocess_setdefault_ncpciphers does).
inline constexpr const char* kDefaultDataCiphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305";

// TLS-mode settings (options.c of OpenVPN 2.6; defaults from init_options).  Parsed and
// validated now; the runtime refuses TLS mode until it exists (Options::tls_requested).
struct TlsOptions {
    bool server = false;  // tls-server
    bool client = false;  // tls-client, or `client`
    bool pull = false;    // pull, or `client`

    std::optional<PemSource> ca;
    std::optional<PemSource> cert;
    std::optional<PemSource> key;
    std::optional<PemSource> dh;          // unset or `dh none`: ECDHE only; dropped on a client
    std::optional<PemSource> crl_verify;  // a CRL file (the `dir` form is refused)
    std::optional<KeySource> tls_auth;    // direction: Options::key_direction
    std::optional<KeySource> tls_crypt;

    std::string data_ciphers = kDefaultDataCiphers;  // as written, ':'-separated
    bool data_ciphers_set = false;
    std::optional<std::string> data_ciphers_fallback;

    int reneg_sec = 3600;
    std::optional<int> reneg_sec_min;       // unset: 2.6's automatic jitter (server side)
    std::optional<long long> reneg_bytes;   // unset: 64 MB with 64-bit block ciphers, else off
    long long reneg_pkts = 0;               // 0 = off
    int hand_window = 60;
    int tran_window = 3600;

    std::optional<PeerRole> remote_cert_tls;
    std::optional<VerifyX509Name> verify_x509_name;
    std::vector<Sha256Fingerprint> peer_fingerprints;  // lines and blocks accumulate

    // Unset minimum: validate() makes it 1.2, or the maximum when that is lower
    // (options.c: options_set_backwards_compatible_options).  `or-highest` with a
    // version OpenSSL does not know gives 1.3, OpenSSL 3's highest.
    TlsVersion tls_version_min = TlsVersion::V1_2;
    std::optional<TlsVersion> tls_version_max;
    std::optional<std::string> tls_cipher;        // TLS <= 1.2 cipher list
    std::optional<std::string> tls_ciphersuites;  // TLS 1.3 suites
    std::optional<std::string> tls_groups;

    // auth-user-pass: a file or an <auth-user-pass> block; `auth_user_pass_stdin`
    // when the directive had no argument (ask on the terminal).
    std::optional<KeySource> auth_user_pass;
    bool auth_user_pass_stdin = false;
    bool push_peer_info = false;
};

// How a client walks its remotes (options.c: connection entries, init.c).
struct ConnectOptions {
    bool remote_random = false;
    int connect_retry = 1;              // seconds before the first retry (at most 65535)
    int connect_retry_max_wait = 300;   // back-off ceiling in seconds
    int connect_retry_max = 0;          // rounds through the remote list; 0 = unlimited
    int resolv_retry = 1'000'000'000;   // seconds; `infinite` (the default) = RESOLV_RETRY_INFINITE
    int server_poll_timeout = 120;      // seconds to wait for a connection/reply per remote
};

// Multi-client server addressing (directives_pool.cpp; expanded by validate_pool.cpp
// as OpenVPN 2.6 helper.c: helper_client_server).  Addresses in host byte order.
struct ServerOptions {
    // server NETWORK NETMASK [nopool]
    std::optional<std::pair<std::uint32_t, std::uint32_t>> server;
    bool server_nopool = false;
    std::optional<Origin> server_origin;
    // server-bridge IP NETMASK POOL-START POOL-END, or bare `server-bridge [nogw]`
    struct Bridge { std::uint32_t ip = 0, netmask = 0, pool_start = 0, pool_end = 0; };
    std::optional<Bridge> bridge;
    bool bridge_dhcp = false;  // bare server-bridge: push "route-gateway dhcp" unless nogw
    bool bridge_nogw = false;
    std::optional<Origin> bridge_origin;
    // ifconfig-pool START END [NETMASK] (or set by the helpers); netmask 0 = none
    bool pool_defined = false;
    std::uint32_t pool_start = 0, pool_end = 0, pool_netmask = 0;
    std::optional<Origin> pool_origin;
    std::optional<std::string> pool_persist_file;  // absolute
    int pool_persist_seconds = 600;                // 0: read only, entries fixed
    std::optional<Origin> persist_origin;
    bool client_to_client = false;
    std::optional<Origin> c2c_origin;
    bool duplicate_cn = false;
    std::optional<Origin> duplicate_cn_origin;
    int max_clients = 1024;
    // Set by `server` with topology subnet: the server's own route gateway (2.6's
    // route_default_gateway = network + 2).
    std::optional<std::string> route_gateway;
    // push-ifconfig-constraint (network, netmask) set by `server` for tap/subnet.
    std::optional<std::pair<std::uint32_t, std::uint32_t>> push_ifconfig_constraint;

    // client-config-dir DIR (absolute), ccd-exclusive
    std::optional<std::string> client_config_dir;
    bool ccd_exclusive = false;
    int max_routes_per_client = 256;
    // status FILE [N] (absolute, every N seconds, 2.6 default 60), status-version 1|2|3
    std::optional<std::string> status_file;
    int status_seconds = 60;
    int status_version = 1;
    // management IP PORT, or management PATH unix
    struct Management {
        std::string host;  // "127.0.0.1", "::1", "localhost"
        std::uint16_t port = 0;
        std::optional<std::string> unix_path;  // absolute; host/port unused then
    };
    std::optional<Management> management;
    // Per-client scripts: command lines as written (split like `up`).
    std::optional<std::string> learn_address;
    std::optional<std::string> client_connect;
    std::optional<std::string> client_disconnect;
    std::optional<std::string> auth_user_pass_verify;
    bool auth_verify_via_file = true;  // via-file, else via-env
    bool username_as_common_name = false;
    std::string tmp_dir = "/tmp";  // tmp-dir: via-file and client-connect files
    // connect-freq-initial N S: stateless reset replies per S seconds.  2.6's default
    // (100 10) makes a burst of clients wait tens of seconds; our replies keep no
    // state and are no larger than the reset they answer, so the default is higher.
    int connect_freq_initial_n = 2000;
    int connect_freq_initial_s = 10;

    // `push-remove ifconfig` (the exact word): the generated ifconfig is not pushed
    // (push.c: push_remove_option).  `push-remove ifconfig-ipv6` is accepted, no effect.
    bool push_ifconfig_blocked = false;
    // The last line of each directive parsed into the fields above (Origin::name says
    // which; see config/directive_lines.hpp), for validate()'s errors and warnings.
    std::vector<Origin> lines;
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
    // Where cipher, auth and replay-window were given: technique ipsec maps them onto
    // ESP (manual keying) and must name the line when it cannot.
    std::optional<Origin> cipher_origin, auth_origin, replay_window_origin;

    // --- compression -------------------------------------------------------------
    CompLzo comp_lzo = CompLzo::Absent;
    bool compress_lzo = false;  // `compress lzo`
    AllowCompression allow_compression = AllowCompression::Unset;

    // --- technique ------------------------------------------------------------------
    Technique technique = Technique::Tls;
    std::optional<Origin> technique_origin;
    IpsecOptions ipsec;

    // --- liveness ----------------------------------------------------------------
    int ping = 0;           // seconds; 0 = off
    int ping_restart = 0;   // seconds; 0 = off
    int ping_exit = 0;      // seconds; 0 = off
    int explicit_exit_notify = 0;  // OCC_EXIT repeats at shutdown (UDP only)

    // --- TLS mode and the client's connection attempts -----------------------------
    TlsOptions tls;
    ConnectOptions connect;
    // The first directive of the TLS family (tls-client, ca, data-ciphers... see
    // directives_tls.cpp), kept for the runtime's "TLS mode is not supported yet".
    std::optional<Origin> first_tls_directive;

    // --- mode server (one TLS client) ----------------------------------------------
    Mode mode = Mode::P2p;
    std::optional<Origin> mode_origin;  // the last `mode` line
    std::optional<Topology> topology;
    // Each `push "OPTION ARGS"` as written (no ',', at most 255 bytes), then under
    // mode server the "ping N" / "ping-restart N" that keepalive adds (helper.c).
    std::vector<std::string> push;
    // ifconfig-push LOCAL REMOTE-NETMASK: the client's ifconfig, dotted quads as written.
    std::optional<std::pair<std::string, std::string>> ifconfig_push;
    ServerOptions server;  // pool, server/server-bridge helpers, c2c, duplicate-cn, max-clients

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
    // TLS mode: tls-client, tls-server or client was given (after validate(), exactly
    // one role).  first_tls_directive is then set.
    bool tls_requested() const;
    // The effective compression mode after 2.6's allow-compression rules:
    // framing on the wire, whether we compress what we send.
    bool lzo_framing() const;   // comp-lzo (any) or compress lzo: 1-byte 0x66/0xFA header
    bool lzo_compress_out() const;
};

}  // namespace vpn::config
