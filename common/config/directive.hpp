#pragma once
// Internal to the config loader: one parsed directive, the registry row that
// describes it, and the state that parse functions share while a config loads.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config/load.hpp"
#include "common/config/options.hpp"

namespace vpn::config {

// One directive as written: `name args...` on a line or the command line, or an
// inline block `<name>...</name>` (then `args` is empty and `inline_text` is set).
struct Directive {
    std::string name;
    std::vector<std::string> args;
    std::optional<std::string> inline_text;
    Origin origin;
};

// What load() remembers beyond Options: where things were said (for cross-directive
// errors found by validate()) and the current directory for relative paths.
struct LoadState {
    std::string base_dir;  // absolute; `cd` changes it for the directives after it
    int depth = 0;         // config files currently being read
    std::vector<std::string> include_stack;  // canonical paths of those files

    bool proto_plain_tcp = false;  // `proto tcp|tcp4|tcp6`: client or server decided later
    std::vector<Origin> remotes;     // parallel to Options::remotes
    std::optional<Origin> local, lport, nobind;
    std::optional<Origin> proto;  // the last proto line
    std::optional<Origin> ifconfig;
    std::optional<Origin> up, down;
    std::optional<Origin> compression;        // last comp-lzo / compress line
    std::optional<Origin> allow_compression;  // last allow-compression line
    std::optional<Origin> secret_pending_inline;  // `secret [inline]` with no block yet
    std::optional<Origin> explicit_exit_notify;

    std::optional<Origin> keepalive;
    int keepalive_ping = 0;
    int keepalive_timeout = 0;

    // mode server (directives_server.cpp, validate_server.cpp).
    std::optional<Origin> first_push;     // the first push line
    std::optional<Origin> ifconfig_push;  // the last ifconfig-push line
    std::optional<Origin> topology;       // the last topology line

    // TLS family (directives_tls.cpp, validate_tls.cpp).  Each pair is the directive
    // name as written ("client", "ncp-ciphers") and where it first appeared.
    std::optional<std::pair<std::string, Origin>> tls_role;        // first tls-server/tls-client/client
    std::optional<std::pair<std::string, Origin>> role_conflict;   // the other role, when both were given
    bool tls_role_after_secret = false;  // a secret was already set when tls_role was seen
    std::optional<std::pair<std::string, Origin>> pull;            // first pull/client
    std::optional<std::pair<std::string, Origin>> tls_only;        // first directive 2.6 refuses without TLS mode
    std::optional<std::pair<std::string, Origin>> tls_lenient;     // first one 2.6 ignores without TLS mode
    std::optional<Origin> wrap_conflict;  // the later of tls-auth / tls-crypt when both were given
    std::optional<Origin> tls_version_min, tls_version_max;
    // `NAME [inline]` lines whose <NAME> block has not been seen (keyed by NAME).
    std::vector<std::pair<std::string, Origin>> inline_pending;

    // The first line of every directive applied (Origin::name says which), for the
    // per-technique rules of validate_technique(): `technique` may come last.
    std::vector<Origin> seen;
    // Each push line as written, with its line (technique ipsec pushes only some).
    std::vector<std::pair<std::string, Origin>> push_lines;
};

// What a parse function gets: the options being filled and the shared state.
struct ParseContext {
    Options& opts;
    LoadState& state;
    const WarningSink& warn;
    // Reads another config file for `config FILE` (depth/loop checks included).
    std::function<void(const Directive&)> include;

    void warning(const Origin& where, const std::string& what) const;
};

enum class Support {
    Supported,  // parsed into Options
    Ignored,    // harmless tuning: arity checked, one warning, no effect
};

// Row flag: the directive may be given as an inline block <name>...</name>.
inline constexpr unsigned kInlineOk = 1u;

// One row of the registry (see directive_registry.cpp).
struct DirectiveSpec {
    std::string_view name;
    int min_args;
    int max_args;
    std::string_view synopsis;  // arguments for help: "HOST [PORT [PROTO]]"
    std::string_view expects;   // for arity errors: "port number 1..65535"
    std::string_view doc;       // one line for `vpn --help`
    void (*parse)(ParseContext& ctx, const Directive& d);  // null when Ignored
    Support support = Support::Supported;
    unsigned flags = 0;
};

// Bookkeeping every TLS-family parse function does first (directives_tls.cpp): sets
// Options::first_tls_directive and the LoadState slot validate_tls() reads.  Role:
// tls-server/tls-client/client; Only: an error without a role (2.6's MUST_BE_UNDEF
// list, pull, auth-user-pass); Lenient: without a role only a warning.
enum class TlsKind { Role, Only, Lenient };
void note_tls_directive(ParseContext& c, const Directive& d, TlsKind kind);

// `NAME FILE`, `NAME [inline]` (its <NAME> block before or after) or a <NAME> block,
// into `dst`, as `secret` reads them (directives_tls.cpp).  An empty block or file
// name is an error at d's line.
void set_file_source(ParseContext& c, const Directive& d, std::optional<KeySource>& dst);

// The groups of rows, one per file (directives_*.cpp).
std::span<const DirectiveSpec> device_transport_directives();
std::span<const DirectiveSpec> crypto_directives();
std::span<const DirectiveSpec> process_directives();
std::span<const DirectiveSpec> tls_directives();
std::span<const DirectiveSpec> tls_session_directives();
std::span<const DirectiveSpec> connect_directives();
std::span<const DirectiveSpec> server_directives();
std::span<const DirectiveSpec> pool_directives();
std::span<const DirectiveSpec> ipsec_directives();
std::span<const DirectiveSpec> ignored_directives();
// OpenVPN 2.6 directives that later features will implement (an error for now).
std::span<const std::string_view> not_yet_supported_directives();

}  // namespace vpn::config
