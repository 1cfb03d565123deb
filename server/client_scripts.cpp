#include "server/client_scripts.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/config/options.hpp"
#include "common/log/log.hpp"
#include "common/openvpn/peer_info.hpp"

namespace vpn::server {
namespace {

// common.h: SCRIPT_SECURITY_WARNING, logged by run_command.c for every refused call.
constexpr const char* kScriptSecurityWarning =
    "WARNING: External program may not be called unless '--script-security 2' or higher is enabled. See --help "
    "text or man page for detailed info.";

// env_set.c: env_allowed -- names starting with "password" reach scripts only at
// script-security 3; we never put them in a client environment at all.
bool is_password_var(std::string_view name) { return name.starts_with("password"); }

std::string ipv4_text(std::uint32_t host_order) {
    in_addr a{};
    a.s_addr = htonl(host_order);
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

// socket.c: setenv_sockaddr with SA_IP_PORT: PREFIX_ip (IPv4 or v4-mapped IPv6) or
// PREFIX_ip6, then PREFIX_port when the port is not 0.
void add_sockaddr(process::Env& env, const char* prefix, const net::SockAddr& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    std::uint16_t port = 0;
    const char* suffix = "_ip";
    if (a.family() == AF_INET && a.len >= sizeof(sockaddr_in)) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&a.storage);
        inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
        port = ntohs(in->sin_port);
    } else if (a.family() == AF_INET6 && a.len >= sizeof(sockaddr_in6)) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], buf, sizeof buf);
        } else {
            inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
            suffix = "_ip6";
        }
        port = ntohs(in6->sin6_port);
    } else {
        return;  // no address known
    }
    env.emplace_back(fmt::format("{}{}", prefix, suffix), buf);
    if (port != 0) env.emplace_back(fmt::format("{}_port", prefix), std::to_string(port));
}

// otime.c: time_string: local time, "YYYY-MM-DD HH:MM:SS".
std::string time_ascii(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void wipe(std::string& s) {
    if (!s.empty()) explicit_bzero(s.data(), s.size());
    s.clear();
}

void wipe(process::Env& env) {
    for (auto& [k, v] : env)
        if (is_password_var(k)) wipe(v);
}

// The command line of a configured script split into words, or empty (logged) when
// it cannot run: script-security below 2 (2.6 refuses at run time) or an unparsable line.
std::vector<std::string> command_of(const ScriptSettings& s, const std::string& line, const char* directive) {
    if (s.script_security < 2) {
        log::warn("{}", kScriptSecurityWarning);
        return {};
    }
    auto argv = process::split_command(line);
    if (argv.empty()) log::error("--{}: cannot parse command '{}'", directive, line);
    return argv;
}

int run(const ScriptSettings& s, const std::vector<std::string>& argv, const process::Env& client,
        const char* directive) {
    process::Env env = s.server_env;
    env.insert(env.end(), client.begin(), client.end());
    log::verbose("--{}: {}", directive, fmt::join(argv, " "));
    const int rc = process::run_command(argv, env, s.cwd);
    wipe(env);
    return rc;
}

// platform.c: platform_create_temp_file: a new file only we can read, created
// atomically so nobody can plant one in a shared tmp-dir.
struct TempFile {
    std::string path;
    int fd = -1;

    static std::optional<TempFile> create(const std::string& dir, const char* prefix) {
        std::string tmpl = fmt::format("{}/openvpn_{}_XXXXXX.tmp", dir.empty() ? "/tmp" : dir, prefix);
        const int fd = mkstemps(tmpl.data(), 4);
        if (fd < 0) {
            log::error("Could not create temporary file '{}': {}", tmpl, std::strerror(errno));
            return std::nullopt;
        }
        fchmod(fd, S_IRUSR | S_IWUSR);  // mkstemps already does; be explicit under odd umasks
        return TempFile{std::move(tmpl), fd};
    }
    TempFile(std::string p, int f) : path(std::move(p)), fd(f) {}
    TempFile(TempFile&& o) noexcept : path(std::move(o.path)), fd(o.fd) { o.path.clear(), o.fd = -1; }
    TempFile& operator=(TempFile&&) = delete;
    ~TempFile() {
        if (fd >= 0) ::close(fd);
        if (!path.empty() && ::unlink(path.c_str()) != 0 && errno != ENOENT)
            log::error("MULTI: problem deleting temporary file: {}", path);
    }
    bool write_all(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::write(fd, data.data(), data.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return ::close(std::exchange(fd, -1)) == 0;
    }
};

// Reads what the client-connect script left in its file, bounded like a CCD file.
std::optional<std::string> read_bounded(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || out.size() + static_cast<std::size_t>(n) > kMaxClientConfigBytes) {
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
}

}  // namespace

std::string_view script_type_name(ScriptType t) {
    switch (t) {
        case ScriptType::UserPassVerify: return "user-pass-verify";
        case ScriptType::ClientConnect: return "client-connect";
        case ScriptType::ClientDisconnect: return "client-disconnect";
        case ScriptType::LearnAddress: return "learn-address";
    }
    return "";
}

ScriptSettings ScriptSettings::from_options(const config::Options& o) {
    ScriptSettings s;
    s.learn_address = o.server.learn_address;
    s.client_connect = o.server.client_connect;
    s.client_disconnect = o.server.client_disconnect;
    s.auth_user_pass_verify = o.server.auth_user_pass_verify;
    s.auth_verify_via_file = o.server.auth_verify_via_file;
    s.tmp_dir = o.server.tmp_dir;
    s.script_security = o.script_security;
    s.cwd = o.cd;
    s.server_env = {{"config", o.config_file},
                    {"verb", std::to_string(o.verb)},
                    {"daemon", o.daemon ? "1" : "0"},
                    {"daemon_log_redirect", o.log_file ? "1" : "0"},
                    {"daemon_pid", std::to_string(::getpid())}};
    return s;
}

std::string remap_credential(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) c = '_';
    }
    return out;
}

process::Env client_env(const ClientScriptInfo& info, ScriptType t) {
    process::Env env;
    // Set while authenticating (ssl.c key_method_2_read, ssl_verify.c
    // set_verify_user_pass_env / setenv_untrusted), so every later script sees them too.
    for (auto& [name, value] : ovpn::parse_peer_info(info.peer_info).vars) env.emplace_back(name, value);
    for (const auto& kv : info.extra)
        if (!is_password_var(kv.first)) env.push_back(kv);
    if (!info.common_name.empty()) env.emplace_back("common_name", info.common_name);
    if (!info.username.empty()) env.emplace_back("username", remap_credential(info.username));
    add_sockaddr(env, "untrusted", info.real);
    env.emplace_back("dev", info.dev);
    env.emplace_back("tun_mtu", std::to_string(info.tun_mtu));

    if (t != ScriptType::UserPassVerify) {
        // multi.c: multi_client_connect_setenv (trusted address, virtual address, time).
        add_sockaddr(env, "trusted", info.real);
        // multi_set_virtual_addr_env: SA_SET_IF_NONZERO.
        if (info.pool_remote_ip && *info.pool_remote_ip != 0) {
            env.emplace_back("ifconfig_pool_remote_ip", ipv4_text(*info.pool_remote_ip));
            if (info.pool_netmask_or_local && *info.pool_netmask_or_local != 0)
                env.emplace_back(info.pool_is_netmask ? "ifconfig_pool_netmask" : "ifconfig_pool_local_ip",
                                 ipv4_text(*info.pool_netmask_or_local));
        }
        env.emplace_back("time_ascii", time_ascii(info.connected_since));
        env.emplace_back("time_unix", std::to_string(static_cast<long long>(info.connected_since)));
    }
    if (t == ScriptType::ClientDisconnect) {
        // multi.c: multi_client_disconnect_setenv, setenv_stats.
        env.emplace_back("bytes_received", std::to_string(info.bytes_received));
        env.emplace_back("bytes_sent", std::to_string(info.bytes_sent));
        env.emplace_back("time_duration", std::to_string(static_cast<long long>(info.now - info.connected_since)));
    }
    env.emplace_back("script_type", std::string(script_type_name(t)));
    return env;
}

bool verify_user_pass(const ScriptSettings& s, const ClientScriptInfo& info, std::string_view password) {
    if (!s.auth_user_pass_verify) return false;
    auto argv = command_of(s, *s.auth_user_pass_verify, "auth-user-pass-verify");
    if (argv.empty()) return false;

    process::Env env = client_env(info, ScriptType::UserPassVerify);
    std::optional<TempFile> file = s.auth_verify_via_file ? TempFile::create(s.tmp_dir, "up") : std::nullopt;
    if (s.auth_verify_via_file) {
        if (!file) return false;
        const std::string user = remap_credential(info.username);
        std::string content;
        content.reserve(user.size() + password.size() + 2);  // no reallocation: one copy to wipe
        content.append(user).append(1, '\n').append(password).append(1, '\n');
        for (std::size_t i = user.size() + 1; i + 1 < content.size(); ++i) {
            const auto u = static_cast<unsigned char>(content[i]);
            if (u < 0x20 || u == 0x7f) content[i] = '_';
        }
        const bool ok = file->write_all(content);
        wipe(content);
        if (!ok) {
            log::error("TLS Auth Error: could not write username/password to file: {}", file->path);
            return false;
        }
        argv.push_back(file->path);
    } else {
        if (info.username.empty()) env.emplace_back("username", "");
        if (s.script_security >= 3) {
            // Built in place (no temporary, no reallocation afterwards) so wipe() reaches
            // the only copy.
            env.reserve(env.size() + 1);
            std::string& pw = env.emplace_back("password", std::string(password.size(), '\0')).second;
            for (std::size_t i = 0; i < password.size(); ++i) {
                const auto u = static_cast<unsigned char>(password[i]);
                pw[i] = (u < 0x20 || u == 0x7f) ? '_' : password[i];
            }
        }
    }
    const int rc = run(s, argv, env, "auth-user-pass-verify");
    wipe(env);
    if (rc == 2) log::warn("--auth-user-pass-verify: deferred authentication (exit status 2) is not supported, refusing");
    return rc == 0;
}

ClientConnectResult client_connect(const ScriptSettings& s, const ClientScriptInfo& info) {
    ClientConnectResult r;
    if (!s.client_connect) {
        r.accepted = true;
        return r;
    }
    auto argv = command_of(s, *s.client_connect, "client-connect");
    if (argv.empty()) return r;
    auto file = TempFile::create(s.tmp_dir, "cc");
    if (!file) return r;
    ::close(std::exchange(file->fd, -1));
    argv.push_back(file->path);
    process::Env env = client_env(info, ScriptType::ClientConnect);
    env.emplace_back("client_connect_config_file", file->path);
    r.ran = true;
    const int rc = run(s, argv, env, "client-connect");
    if (rc != 0) {
        log::info("MULTI: client-connect script '{}' failed (exit status {}), refusing the client", argv[0], rc);
        return r;
    }
    auto text = read_bounded(file->path);
    if (!text) {
        log::error("MULTI: cannot read the client-connect file {} (missing, unreadable or over {} bytes), refusing",
                   file->path, kMaxClientConfigBytes);
        return r;
    }
    r.config = parse_client_config(*text, file->path);
    for (const auto& w : r.config.warnings) log::warn("{}", w);
    r.accepted = true;
    return r;
}

void client_disconnect(const ScriptSettings& s, const ClientScriptInfo& info) {
    if (!s.client_disconnect) return;
    auto argv = command_of(s, *s.client_disconnect, "client-disconnect");
    if (argv.empty()) return;
    run(s, argv, client_env(info, ScriptType::ClientDisconnect), "client-disconnect");
}

bool learn_address(const ScriptSettings& s, std::string_view op, const std::string& address,
                   const ClientScriptInfo* client) {
    if (!s.learn_address) return true;
    auto argv = command_of(s, *s.learn_address, "learn-address");
    if (argv.empty()) return false;
    argv.emplace_back(op);
    argv.push_back(address);
    process::Env env;
    if (client) {
        env = client_env(*client, ScriptType::LearnAddress);
        // tls_common_name(..., false): "UNDEF" when there is none.
        argv.push_back(client->common_name.empty() ? "UNDEF" : client->common_name);
    } else {
        env.emplace_back("script_type", std::string(script_type_name(ScriptType::LearnAddress)));
    }
    return run(s, argv, env, "learn-address") == 0;
}

}  // namespace vpn::server
