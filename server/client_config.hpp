#pragma once
// One client-config-dir (CCD) file, read as OpenVPN 2.6 reads it (multi.c:
// multi_client_connect_source_ccd, ssl_verify.c: ccd-exclusive check, options.c:
// add_option with the CCD permission mask).  Parsing is sans-IO; load_client_config()
// is the only function that touches the file system.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tun/ipv4.hpp"

namespace vpn::server {

// `ifconfig-push LOCAL REMOTE-NETMASK [ALIAS]`.  The server routes LOCAL to the
// client; when ALIAS is set, 2.6 pushes "ifconfig ALIAS REMOTE-NETMASK" instead of LOCAL.
struct IfconfigPush {
    tun::Ipv4 local;
    tun::Ipv4 remote_netmask;
    std::optional<tun::Ipv4> alias;
};

// `iroute NETWORK [NETMASK]`: a network behind the client (host bits cleared).
struct Iroute {
    tun::Ipv4 network;
    int prefix_len = 32;
    friend bool operator==(const Iroute&, const Iroute&) = default;
};

struct ClientConfig {
    std::optional<IfconfigPush> ifconfig_push;  // the last valid line wins
    std::vector<Iroute> iroutes;                // file order, duplicates dropped
    // The push-list edits, already reduced to "what happens to the inherited list":
    // `push` holds the file's own options that survive later push-reset/push-remove
    // lines; `push_reset` says the server's list is dropped; `push_remove` holds the
    // push-remove arguments given after the last push-reset (applied to the server's list).
    std::vector<std::string> push;
    bool push_reset = false;
    std::vector<std::string> push_remove;
    // `push-remove ifconfig` / `push-remove ifconfig-ipv6` (exact words) suppress the
    // generated ifconfig line instead of matching the list (push.c: push_remove_option).
    bool block_ifconfig = false;
    bool block_ifconfig_ipv6 = false;
    bool disable = false;  // `disable`: the caller refuses the client
    // "FILE:LINE: ..." for every line 2.6 would complain about and skip (2.6 treats CCD
    // errors as non-fatal: the client still connects).  At most kMaxWarnings + 1 lines.
    std::vector<std::string> warnings;
};

inline constexpr std::size_t kMaxWarnings = 32;
inline constexpr std::size_t kMaxClientConfigBytes = 1u << 20;
// multi.c: CCD_DEFAULT, read when the client has no file of its own.
inline constexpr std::string_view kDefaultClientConfig = "DEFAULT";

// Parses the text of one CCD file.  `file` names it in warnings.  Never throws for
// content problems: bad lines become warnings and are skipped, as in 2.6.
ClientConfig parse_client_config(std::string_view text, const std::string& file);

// The file name 2.6 derives from a common name (platform.c: platform_gen_path): control
// bytes (< 0x20, 0x7f) and '/' become '_'.  nullopt when 2.6 has no path ("", ".", "..").
std::optional<std::string> ccd_file_name(std::string_view common_name);

enum class CcdStatus {
    Loaded,    // `config` holds the file's contents (check config.disable!)
    NotFound,  // no file for this client and no DEFAULT: connect without one
    Refused,   // refuse the client; `reason` says why
};

struct CcdResult {
    CcdStatus status = CcdStatus::NotFound;
    ClientConfig config;
    std::string path;    // the file read (or tried, for ccd-exclusive)
    std::string reason;  // Refused only
};

// Looks up DIR/<ccd_file_name(cn)>, falling back to DIR/DEFAULT.  With `exclusive`
// (ccd-exclusive) the client's own file must exist and the CN must not be "DEFAULT",
// otherwise Refused.  A file that exists but cannot be read, is not a regular file, or
// is larger than kMaxClientConfigBytes is Refused (2.6 would silently skip it; failing
// closed keeps a `disable` line from being lost).
CcdResult load_client_config(const std::string& dir, std::string_view common_name, bool exclusive);

// push.c: push_remove_option's rule: an entry is removed when it starts with `what`
// (plain prefix, so "route" also removes "route-gateway ..." and "route-ipv6 ...").
bool push_remove_matches(std::string_view entry, std::string_view what);

// The options the client gets: the server's list (unless push-reset) minus the
// push-remove matches, followed by the CCD's own push lines.
std::vector<std::string> merge_push(std::span<const std::string> server_push, const ClientConfig& ccd);

}  // namespace vpn::server
