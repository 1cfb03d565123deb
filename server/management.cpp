#include "server/management.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include <fmt/format.h>

namespace vpn::server {

namespace {

constexpr int kManagementVersion = 5;     // manage.h MANAGEMENT_VERSION
constexpr std::size_t kMaxParms = 16;     // options.h MAX_PARMS
constexpr std::size_t kParmSize = 256;    // options.h OPTION_PARM_SIZE
constexpr std::size_t kKillFieldSize = 128;  // manage.c man_kill: char p1[128], p2[128]

void emit(std::string& out, std::string_view line) {
    out.append(line);
    out.append("\r\n");  // manage.c log_entry_print(LOG_PRINT_CRLF)
}

// The help text of 2.6.14 (manage.c man_help, built without PKCS#11 as Debian's is not).
constexpr const char* kHelp[] = {
    "Commands:",
    "auth-retry t           : Auth failure retry mode (none,interact,nointeract).",
    "bytecount n            : Show bytes in/out, update every n secs (0=off).",
    "echo [on|off] [N|all]  : Like log, but only show messages in echo buffer.",
    "cr-response response   : Send a challenge response answer via CR_RESPONSE to server",
    "exit|quit              : Close management session.",
    "forget-passwords       : Forget passwords entered so far.",
    "help                   : Print this message.",
    "hold [on|off|release]  : Set/show hold flag to on/off state, or",
    "                         release current hold and start tunnel.",
    "kill cn                : Kill the client instance(s) having common name cn.",
    "kill IP:port           : Kill the client instance connecting from IP:port.",
    "load-stats             : Show global server load stats.",
    "log [on|off] [N|all]   : Turn on/off realtime log display",
    "                         + show last N lines or 'all' for entire history.",
    "mute [n]               : Set log mute level to n, or show level if n is absent.",
    "needok type action     : Enter confirmation for NEED-OK request of 'type',",
    "                         where action = 'ok' or 'cancel'.",
    "needstr type action    : Enter confirmation for NEED-STR request of 'type',",
    "                         where action is reply string.",
    "net                    : (Windows only) Show network info and routing table.",
    "password type p        : Enter password p for a queried OpenVPN password.",
    "remote type [host port] : Override remote directive, type=ACCEPT|MOD|SKIP.",
    "remote-entry-count     : Get number of available remote entries.",
    "remote-entry-get  i|all [j]: Get remote entry at index = i to to j-1 or all.",
    "proxy type [host port flags] : Enter dynamic proxy server info.",
    "pid                    : Show process ID of the current OpenVPN process.",
    "pkcs11-id-count        : Get number of available PKCS#11 identities.",
    "pkcs11-id-get index    : Get PKCS#11 identity at index.",
    "client-auth CID KID    : Authenticate client-id/key-id CID/KID (MULTILINE)",
    "client-auth-nt CID KID : Authenticate client-id/key-id CID/KID",
    "client-deny CID KID R [CR] : Deny auth client-id/key-id CID/KID with log reason",
    "                             text R and optional client reason text CR",
    "client-pending-auth CID KID MSG timeout : Instruct OpenVPN to send AUTH_PENDING and INFO_PRE msg",
    "                                      to the client and wait for a final client-auth/client-deny",
    "client-kill CID [M]    : Kill client instance CID with message M (def=RESTART)",
    "env-filter [level]     : Set env-var filter level",
    "rsa-sig                : Enter a signature in response to >RSA_SIGN challenge",
    "                         Enter signature base64 on subsequent lines followed by END",
    "pk-sig                 : Enter a signature in response to >PK_SIGN challenge",
    "                         Enter signature base64 on subsequent lines followed by END",
    "certificate            : Enter a client certificate in response to >NEED-CERT challenge",
    "                         Enter certificate base64 on subsequent lines followed by END",
    "signal s               : Send signal s to daemon,",
    "                         s = SIGHUP|SIGTERM|SIGUSR1|SIGUSR2.",
    "state [on|off] [N|all] : Like log, but show state history.",
    "status [n]             : Show current daemon status info using format #n.",
    "test n                 : Produce n lines of output for testing/debugging.",
    "username type u        : Enter username u for a queried OpenVPN username.",
    "verb [n]               : Set log verbosity level to n, or show if n is absent.",
    "version [n]            : Set client's version to n or show current version of daemon.",
    "END",
};

// C atoi without its overflow UB: optional spaces and sign, then digits; saturates.
long long bounded_atoi(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    long long v = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (v < 1'000'000'000'000LL) v = v * 10 + (s[i] - '0');
    }
    return neg ? -v : v;
}

// manage.c man_need
bool need(const std::vector<std::string>& p, std::size_t n, bool at_least, std::string& out) {
    if (p.size() > n) return true;
    emit(out, fmt::format("ERROR: the '{}' command requires {}{} parameter{}", p[0], at_least ? "at least " : "", n,
                          n > 1 ? "s" : ""));
    return false;
}

}  // namespace

ManagementSession::ManagementSession(ManagementOwner& owner, std::string title)
    : owner_(owner), title_(std::move(title)) {}

std::string ManagementSession::greeting() const {
    return fmt::format(">INFO:OpenVPN Management Interface Version {} -- type 'help' for more info\r\n",
                       kManagementVersion);
}

std::string ManagementSession::receive(std::string_view bytes) {
    std::string out;
    for (unsigned char c : bytes) {
        if (closed_) break;
        // manage.c command_line_add keeps only printable bytes (>= 32, not DEL, UTF-8
        // allowed) and '\n'; a full buffer is cleared and the byte lost.
        if (c != '\n' && (c < 32 || c == 127)) continue;
        if (pending_.size() + 1 > kMaxLine) {
            pending_.clear();
            continue;
        }
        if (c != '\n') {
            pending_.push_back(static_cast<char>(c));
            continue;
        }
        std::string line;
        line.swap(pending_);
        process_line(line, out);
    }
    return out;
}

void ManagementSession::process_line(const std::string& line, std::string& out) {
    std::string error;
    auto parms = parse_management_line(line, &error);
    if (!error.empty()) emit(out, error);
    if (!parms.empty()) dispatch(parms, out);
}

void ManagementSession::dispatch(const std::vector<std::string>& p, std::string& out) {
    const std::string& cmd = p[0];
    if (cmd == "exit" || cmd == "quit") {
        closed_ = true;
    } else if (cmd == "help") {
        emit(out, "Management Interface for " + title_);
        for (const char* l : kHelp) emit(out, l);
    } else if (cmd == "version" && p.size() > 1) {
        // set_client_version: remembered by 2.6, answers nothing.
    } else if (cmd == "version") {
        emit(out, "OpenVPN Version: " + title_);
        emit(out, fmt::format("Management Version: {}", kManagementVersion));
        emit(out, "END");
    } else if (cmd == "load-stats") {
        const LoadStats s = owner_.load_stats();
        emit(out, fmt::format("SUCCESS: nclients={},bytesin={},bytesout={}", s.n_clients, s.bytes_in, s.bytes_out));
    } else if (cmd == "status") {
        const long long v = p.size() > 1 ? bounded_atoi(p[1]) : 0;
        const int version = (v < -1000 || v > 1000) ? -1 : static_cast<int>(v);
        for (const auto& l : owner_.status_lines(version)) emit(out, l);
    } else if (cmd == "kill") {
        if (need(p, 1, false, out)) kill(p[1], out);
    } else if (cmd == "bytecount") {
        if (need(p, 1, false, out)) {
            const long long n = bounded_atoi(p[1]);
            bytecount_seconds_ = n > 0 ? static_cast<int>(std::min<long long>(n, 1'000'000'000)) : 0;
            emit(out, "SUCCESS: bytecount interval changed");
        }
    } else {
        emit(out, "ERROR: unknown command, enter 'help' for more options");
    }
}

void ManagementSession::kill(const std::string& victim, std::string& out) {
    // manage.c man_kill: two fields split at ':' (buf_parse into 128-byte arrays), so
    // "IPv6:port" cannot be expressed and "a:b:c" ignores c.
    const std::size_t colon = victim.find(':');
    std::string p1 = victim.substr(0, colon);
    std::string p2;
    if (colon != std::string::npos) p2 = victim.substr(colon + 1, victim.find(':', colon + 1) - colon - 1);
    if (p1.size() >= kKillFieldSize) p1.resize(kKillFieldSize - 1);
    if (p2.size() >= kKillFieldSize) p2.resize(kKillFieldSize - 1);

    if (!p1.empty() && !p2.empty()) {
        // getaddr() without GETADDR_RESOLVE: numeric IPv4 only, inet_aton forms included.
        in_addr a{};
        if (inet_aton(p1.c_str(), &a) == 0) {
            emit(out, "ERROR: error parsing IP address: " + p1);
            return;
        }
        const long long port = bounded_atoi(p2);
        if (port <= 0 || port >= 65536) {
            emit(out, "ERROR: port number is out of range: " + p2);
            return;
        }
        char text[INET_ADDRSTRLEN] = {};
        inet_ntop(AF_INET, &a, text, sizeof text);
        const int n = owner_.kill_by_address(ntohl(a.s_addr), static_cast<std::uint16_t>(port));
        if (n > 0) {
            emit(out, fmt::format("SUCCESS: {} client(s) at address {}:{} killed", n, text, port));
        } else {
            emit(out, fmt::format("ERROR: client at address {}:{} not found", text, port));
        }
    } else if (!p1.empty()) {
        const int n = owner_.kill_by_common_name(p1);
        if (n > 0) {
            emit(out, fmt::format("SUCCESS: common name '{}' found, {} client(s) killed", p1, n));
        } else {
            emit(out, fmt::format("ERROR: common name '{}' not found", p1));
        }
    } else {
        emit(out, "ERROR: kill parse");
    }
}

std::string ManagementSession::tick(std::time_t now) {
    std::string out;
    if (bytecount_seconds_ <= 0 || closed_) return out;
    std::map<std::uint64_t, std::time_t> seen;
    for (const auto& c : owner_.client_bytes()) {
        auto it = last_bytecount_.find(c.client_id);
        std::time_t last = it == last_bytecount_.end() ? 0 : it->second;
        if (now >= last + bytecount_seconds_) {
            emit(out, fmt::format(">BYTECOUNT_CLI:{},{},{}", c.client_id, c.bytes_in, c.bytes_out));
            last = now;
        }
        seen[c.client_id] = last;
    }
    last_bytecount_.swap(seen);  // forget clients that left: the map stays bounded
    return out;
}

std::vector<std::string> parse_management_line(std::string_view line, std::string* error) {
    // A state machine over the line plus its terminating NUL, as options.c parse_line.
    enum class St { Initial, Quoted, Unquoted, SQuoted };
    auto space = [](char c) { return c == '\0' || c == ' ' || (c >= '\t' && c <= '\r'); };
    std::vector<std::string> out;
    std::string parm;
    St st = St::Initial;
    bool backslash = false;
    for (std::size_t i = 0; i <= line.size(); ++i) {
        const char in = i < line.size() ? line[i] : '\0';
        char o = 0;
        bool done = false;
        if (!backslash && in == '\\' && st != St::SQuoted) {
            backslash = true;
        } else {
            if (st == St::Initial) {
                if (!space(in)) {
                    if (in == ';' || in == '#') break;
                    if (!backslash && in == '"') st = St::Quoted;
                    else if (!backslash && in == '\'') st = St::SQuoted;
                    else { o = in; st = St::Unquoted; }
                }
            } else if (st == St::Unquoted) {
                if (!backslash && space(in)) done = true; else o = in;
            } else if (st == St::Quoted) {
                if (!backslash && in == '"') done = true; else o = in;
            } else {
                if (in == '\'') done = true; else o = in;
            }
            if (done) {
                out.push_back(std::move(parm));
                parm.clear();
                st = St::Initial;
            }
            if (backslash && o && !(o == '\\' || o == '"' || space(o))) {
                if (error) {
                    *error = "ERROR: Options warning: Bad backslash ('\\') usage in TCP:0: remember that backslashes "
                             "are treated as shell-escapes and if you need to pass backslash characters as part of a "
                             "Windows filename, you should use double backslashes such as \"c:\\\\openvpn\\\\static.key\"";
                }
                return {};
            }
            backslash = false;
        }
        if (o) {
            if (parm.size() >= kParmSize) {
                parm.resize(kParmSize - 1);
                if (error) {
                    *error = fmt::format("ERROR: Options error: Parameter at TCP:0 is too long ({} chars max): {}",
                                         kParmSize, parm);
                }
                return {};
            }
            parm.push_back(o);
        }
        if (out.size() >= kMaxParms) break;
    }
    if (out.size() < kMaxParms) {
        if (st == St::Quoted) {
            if (error) *error = "ERROR: Options error: No closing quotation (\") in TCP:0";
            return {};
        }
        if (st == St::SQuoted) {
            if (error) *error = "ERROR: Options error: No closing single quotation (') in TCP:0";
            return {};
        }
    }
    return out;
}

}  // namespace vpn::server
