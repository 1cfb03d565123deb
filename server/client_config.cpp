#include "server/client_config.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "common/config/arg_parse.hpp"
#include "common/config/config_error.hpp"
#include "common/config/directive_registry.hpp"
#include "common/config/lexer.hpp"

namespace vpn::server {
namespace {

using config::Directive;
using config::shown;

// Directives 2.6 accepts in a CCD (CLIENT_CONNECT_OPT_MASK in multi.h: INSTANCE, INHERIT,
// PUSH, TIMER, CONFIG, ECHO, COMP, SOCKFLAGS) that we do not implement yet.
constexpr std::array<std::string_view, 25> kAcceptedBy26 = {
    "config",  "echo",       "parameter",    "socket-flags", "bind-dev",  "inactive",
    "session-timeout",       "ping",         "ping-exit",    "ping-restart", "ping-timer-rem",
    "max-routes-per-client", "iroute-ipv6",  "ifconfig-ipv6-push", "comp-lzo", "comp-noadapt",
    "compress", "cipher",    "data-ciphers-fallback", "data-ciphers", "ncp-ciphers",
    "auth-token", "auth-token-user", "vlan-pvid", "push-peer-info"};

constexpr std::array<std::string_view, 6> kOurs = {"ifconfig-push", "iroute",     "push",
                                                    "push-reset",    "push-remove", "disable"};

// The CCD directive closest to a misspelt name, else the nearest known directive.
std::optional<std::string_view> suggest(std::string_view name) {
    for (std::string_view known : kOurs)
        if (config::edit_distance(name, known, 2) <= 2) return known;
    return config::suggest_directive(name);
}

// OPTION_PARM_SIZE - 1, as common/config/directives_server.cpp.
constexpr std::size_t kMaxPushedOption = 255;

class Parser {
public:
    explicit Parser(ClientConfig& out) : out_(out) {}

    void warn(const std::string& where, const std::string& what) { note(fmt::format("{}: {}", where, what)); }
    void note(std::string line) {
        ++count_;
        if (out_.warnings.size() < kMaxWarnings) out_.warnings.push_back(std::move(line));
    }
    void finish() {
        if (count_ > kMaxWarnings) out_.warnings.push_back(fmt::format("... and {} more", count_ - kMaxWarnings));
    }

    void apply(const Directive& d) {
        const std::string at = d.origin.str();
        if (d.inline_text) {
            warn(at, fmt::format("inline block <{}> is not allowed in a client-config-dir file; ignored", d.name));
            return;
        }
        const auto n = d.args.size();
        auto arity = [&](std::size_t lo, std::size_t hi, std::string_view syn) {
            if (n >= lo && n <= hi) return true;
            warn(at, fmt::format("'{}' takes {}, got {} argument{}; line ignored", d.name, syn, n, n == 1 ? "" : "s"));
            return false;
        };
        if (d.name == "ifconfig-push") {
            if (arity(2, 3, "LOCAL REMOTE-NETMASK [ALIAS]")) ifconfig_push(d, at);
        } else if (d.name == "iroute") {
            if (arity(1, 2, "NETWORK [NETMASK]")) iroute(d, at);
        } else if (d.name == "push") {
            if (arity(1, 1, "one quoted option")) push(d.args[0], at);
        } else if (d.name == "push-reset") {
            if (arity(0, 0, "no arguments")) {
                out_.push_reset = true;  // push.c: push_reset clears the whole list so far
                out_.push.clear();
                out_.push_remove.clear();
            }
        } else if (d.name == "push-remove") {
            if (arity(1, 1, "one option name")) push_remove(d.args[0]);
        } else if (d.name == "disable") {
            if (arity(0, 0, "no arguments")) out_.disable = true;
        } else if (std::find(kAcceptedBy26.begin(), kAcceptedBy26.end(), d.name) != kAcceptedBy26.end()) {
            warn(at, fmt::format("'{}' is accepted by OpenVPN 2.6 in a client-config-dir file but not supported by "
                                 "vpn yet; ignored", d.name));
        } else if (config::find_directive(d.name) || config::is_not_yet_supported(d.name)) {
            // options.c: verify_permission "option '%s' cannot be used in this context".
            warn(at, fmt::format("'{}' cannot be used in a client-config-dir file, expected ifconfig-push, iroute, "
                                 "push, push-reset, push-remove or disable; ignored", d.name));
        } else if (auto s = suggest(d.name)) {
            warn(at, fmt::format("unknown directive {} (did you mean '{}'?); ignored", shown(d.name), *s));
        } else {
            warn(at, fmt::format("unknown directive {}; ignored", shown(d.name)));
        }
    }

private:
    std::optional<tun::Ipv4> addr(const Directive& d, std::size_t i, const std::string& at, std::string_view role) {
        auto a = tun::parse_ipv4(d.args[i]);
        if (!a) {
            warn(at, fmt::format("'{}': {} is not an IPv4 address, expected {} as a dotted quad; line ignored",
                                 d.name, shown(d.args[i]), role));
        }
        return a;
    }

    void ifconfig_push(const Directive& d, const std::string& at) {
        auto local = addr(d, 0, at, "the client's address");
        if (!local) return;
        auto remote = addr(d, 1, at, "the peer address (net30/p2p) or netmask (subnet)");
        if (!remote) return;
        std::optional<tun::Ipv4> alias;
        if (d.args.size() == 3 && !(alias = addr(d, 2, at, "the alias address"))) return;
        // options.c refuses a zero address ("cannot parse --ifconfig-push addresses").
        if (local->be == 0 || remote->be == 0) {
            warn(at, "'ifconfig-push': 0.0.0.0 is not usable, expected a real address and peer/netmask; line ignored");
            return;
        }
        out_.ifconfig_push = IfconfigPush{*local, *remote, alias};
    }

    void iroute(const Directive& d, const std::string& at) {
        auto net = addr(d, 0, at, "the network");
        if (!net) return;
        int len = 32;
        if (d.args.size() == 2) {
            auto mask = addr(d, 1, at, "the netmask");
            if (!mask) return;
            len = tun::netmask_to_prefix(*mask);
            if (len < 0) {
                warn(at, fmt::format("'iroute': {} is not a contiguous netmask, expected e.g. 255.255.255.0; "
                                     "line ignored", shown(d.args[1])));
                return;
            }
        }
        Iroute r{tun::network_of(*net, len), len};
        if (!(r.network == *net)) {
            // 2.6 keeps the host bits and its lookups (masked) never match the route.
            warn(at, fmt::format("'iroute': {} has host bits set for /{}, using {}/{}", shown(d.args[0]), len,
                                 tun::format_ipv4(r.network), len));
        }
        if (std::find(out_.iroutes.begin(), out_.iroutes.end(), r) == out_.iroutes.end()) out_.iroutes.push_back(r);
    }

    void push(const std::string& text, const std::string& at) {
        if (text.find_first_not_of(" \t") == std::string::npos) {
            warn(at, "'push': empty option, expected e.g. push \"route 10.1.0.0 255.255.0.0\"; line ignored");
        } else if (text.find(',') != std::string::npos) {
            // push.c: push_option_ex "illegal comma": PUSH_REPLY is split on ','.
            warn(at, fmt::format("'push': {} contains ',', expected one option per push line; line ignored",
                                 shown(text)));
        } else if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
            warn(at, "'push': the option contains a line break or NUL; line ignored");
        } else if (text.size() > kMaxPushedOption) {
            warn(at, fmt::format("'push': the option is {} bytes, expected at most {}; line ignored", text.size(),
                                 kMaxPushedOption));
        } else {
            out_.push.push_back(text);
        }
    }

    void push_remove(const std::string& what) {
        if (what == "ifconfig") {
            out_.block_ifconfig = true;
            return;
        }
        if (what == "ifconfig-ipv6") {
            out_.block_ifconfig_ipv6 = true;
            return;
        }
        std::erase_if(out_.push, [&](const std::string& e) { return push_remove_matches(e, what); });
        out_.push_remove.push_back(what);
    }

    ClientConfig& out_;
    std::size_t count_ = 0;
};

// Reads a regular file into `out`, bounded; an errno-style reason on failure.
// ENOENT is reported through `missing`.
std::optional<std::string> read_regular(const std::string& path, std::string& out, bool& missing) {
    missing = false;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        missing = errno == ENOENT || errno == ENOTDIR;
        return std::string(std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return std::string("not a regular file");
    }
    char buf[8192];
    std::optional<std::string> err;
    while (true) {
        ssize_t r = ::read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            err = std::strerror(errno);
            break;
        }
        if (r == 0) break;
        if (out.size() + static_cast<std::size_t>(r) > kMaxClientConfigBytes) {
            err = fmt::format("larger than {} bytes", kMaxClientConfigBytes);
            break;
        }
        out.append(buf, static_cast<std::size_t>(r));
    }
    ::close(fd);
    return err;
}

}  // namespace

ClientConfig parse_client_config(std::string_view text, const std::string& file) {
    ClientConfig out;
    Parser parser(out);
    config::ConfigReader reader(text, file);
    // The reader has consumed the offending line when it throws, so reading goes on
    // with the next one: 2.6 logs CCD errors (D_IMPORT_ERRORS is non-fatal) and goes on.
    // Each call consumes at least one line, so this ends.
    while (true) {
        try {
            auto d = reader.next();
            if (!d) break;
            parser.apply(*d);
        } catch (const config::ConfigError& e) {
            parser.note(fmt::format("{}; line ignored", e.what()));
        }
    }
    parser.finish();
    return out;
}

std::optional<std::string> ccd_file_name(std::string_view common_name) {
    std::string name;
    name.reserve(common_name.size());
    for (char c : common_name) {
        const auto u = static_cast<unsigned char>(c);
        name += (u < 0x20 || u == 0x7f || c == '/') ? '_' : c;
    }
    if (name.empty() || name == "." || name == "..") return std::nullopt;
    return name;
}

CcdResult load_client_config(const std::string& dir, std::string_view common_name, bool exclusive) {
    CcdResult res;
    auto refuse = [&](std::string why) {
        res.status = CcdStatus::Refused;
        res.reason = std::move(why);
        return res;
    };
    const auto name = ccd_file_name(common_name);
    if (exclusive && (!name || common_name == kDefaultClientConfig)) {
        return refuse(fmt::format("ccd-exclusive: common name {} has no client-config-dir file", shown(common_name)));
    }
    std::vector<std::string> candidates;
    if (name) candidates.push_back(dir + "/" + *name);
    if (!exclusive) candidates.push_back(dir + "/" + std::string(kDefaultClientConfig));
    for (const auto& path : candidates) {
        std::string text;
        bool missing = false;
        res.path = path;
        if (auto err = read_regular(path, text, missing)) {
            if (missing) continue;
            return refuse(fmt::format("cannot read client-config-dir file {}: {}", shown(path), *err));
        }
        res.status = CcdStatus::Loaded;
        res.config = parse_client_config(text, path);
        return res;
    }
    if (exclusive) {
        return refuse(fmt::format("ccd-exclusive: no client-config-dir file {} for common name {}", shown(res.path),
                                  shown(common_name)));
    }
    res.path.clear();
    return res;
}

bool push_remove_matches(std::string_view entry, std::string_view what) { return entry.starts_with(what); }

std::vector<std::string> merge_push(std::span<const std::string> server_push, const ClientConfig& ccd) {
    std::vector<std::string> out;
    if (!ccd.push_reset) {
        for (const auto& e : server_push) {
            bool removed = std::any_of(ccd.push_remove.begin(), ccd.push_remove.end(),
                                       [&](const std::string& w) { return push_remove_matches(e, w); });
            if (!removed) out.push_back(e);
        }
    }
    out.insert(out.end(), ccd.push.begin(), ccd.push.end());
    return out;
}

}  // namespace vpn::server
