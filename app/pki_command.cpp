// vpn pki [--dir DIR] [--passphrase | --passphrase-file FILE] COMMAND ...
//
// An easy-rsa-3-compatible CA on top of pki/certificate_authority.hpp.  Options may
// come before or after the command; nothing prompts unless --passphrase asks for it.
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "pki/ca_index.hpp"
#include "pki/ca_listing.hpp"
#include "pki/certificate_authority.hpp"
#include "pki/file_io.hpp"
#include "pki/inline_config.hpp"
#include "pki/passphrase.hpp"

namespace vpn::app {

namespace {

const char* kUsage =
    "usage: vpn pki [--dir DIR] [--passphrase | --passphrase-file FILE] COMMAND ...\n"
    "\n"
    "An easy-rsa 3 compatible certificate authority (same directory layout; DIR\n"
    "defaults to ./pki).  Keys are ECDSA P-256 unless --rsa BITS (2048, 3072, 4096).\n"
    "\n"
    "  init                                   create DIR and its tls-crypt key\n"
    "  build-ca [--cn NAME] [--days N] [--rsa BITS]\n"
    "                                         self-signed CA (default 3650 days)\n"
    "  issue server NAME [--days N] [--san DNS:x,IP:y] [--rsa BITS]\n"
    "  issue client NAME [--days N] [--san ...] [--rsa BITS]\n"
    "                                         key + certificate (default 825 days)\n"
    "  revoke NAME [REASON]                   e.g. keyCompromise, superseded\n"
    "  gen-crl [--days N]                     write DIR/crl.pem (default 180 days)\n"
    "  list                                   certificates with type and status\n"
    "  inline client NAME [--remote HOST [PORT]] [--proto udp|tcp]\n"
    "                                         print a single-file client config\n"
    "\n"
    "--passphrase asks on the terminal for the CA key's passphrase (build-ca then\n"
    "encrypts the key with it); --passphrase-file FILE reads it from FILE's first line.\n";

struct Args {
    std::string dir = "pki";
    bool ask_passphrase = false;
    std::string passphrase_file;
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> options;  // --name -> values
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

bool is_number(const std::string& s) {
    return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
}

Args parse(const std::vector<std::string>& in) {
    Args a;
    // Options with one value; --remote takes HOST and an optional numeric PORT.
    static const std::map<std::string, int> kValued = {{"--dir", 1},  {"--passphrase-file", 1}, {"--cn", 1},
                                                       {"--days", 1}, {"--rsa", 1},             {"--san", 1},
                                                       {"--remote", 1}, {"--proto", 1}};
    for (std::size_t i = 0; i < in.size(); ++i) {
        const std::string& s = in[i];
        if (s == "--passphrase") {
            a.ask_passphrase = true;
        } else if (s.rfind("--", 0) == 0 && s.size() > 2) {
            if (!kValued.count(s)) throw UsageError(s + ": unknown option");
            if (i + 1 >= in.size()) throw UsageError(s + ": needs a value");
            std::string v = in[++i];
            if (s == "--dir") a.dir = v;
            else if (s == "--passphrase-file") a.passphrase_file = v;
            else a.options[s].push_back(v);
            if (s == "--remote" && i + 1 < in.size() && is_number(in[i + 1])) a.options["--remote-port"].push_back(in[++i]);
        } else {
            a.positional.push_back(s);
        }
    }
    if (a.dir.empty()) throw UsageError("--dir: empty directory name");
    return a;
}

// Refuse options the command does not take, and repeated single-value options.
void allow_only(const Args& a, const std::string& cmd, std::initializer_list<const char*> allowed) {
    for (const auto& [name, values] : a.options) {
        std::string shown = name == "--remote-port" ? "--remote" : name;
        bool ok = false;
        for (const char* n : allowed) ok = ok || shown == n;
        if (!ok) throw UsageError(fmt::format("{}: {} is not an option of this command", cmd, shown));
        if (values.size() > 1 && name != "--san") throw UsageError(fmt::format("{}: {} given twice", cmd, shown));
    }
}

std::optional<std::string> opt(const Args& a, const std::string& name) {
    auto it = a.options.find(name);
    if (it == a.options.end()) return std::nullopt;
    return it->second.front();
}

int int_opt(const Args& a, const std::string& name, int fallback) {
    auto v = opt(a, name);
    if (!v) return fallback;
    if (!is_number(*v) || std::stoi(*v) <= 0) throw UsageError(fmt::format("{} {}: expected a positive number", name, *v));
    return std::stoi(*v);
}

pki::KeySpec key_spec(const Args& a) {
    auto bits = opt(a, "--rsa");
    if (!bits) return pki::KeySpec::ec();
    if (!is_number(*bits)) throw UsageError(fmt::format("--rsa {}: expected 2048, 3072 or 4096", *bits));
    return pki::KeySpec::rsa(std::stoi(*bits));
}

void want_positionals(const Args& a, std::size_t min, std::size_t max, const char* usage) {
    if (a.positional.size() < min || a.positional.size() > max) throw UsageError(fmt::format("usage: vpn pki {}", usage));
}

pki::PassphraseFn passphrase_source(const Args& a, bool new_key) {
    if (!a.passphrase_file.empty()) {
        std::string f = a.passphrase_file;
        return [f] { return pki::read_passphrase_file(f); };
    }
    if (a.ask_passphrase) {
        return [new_key] {
            return pki::prompt_passphrase(new_key ? "New CA key passphrase: " : "CA key passphrase: ", new_key);
        };
    }
    return {};
}

int run(const Args& a) {
    const std::string& cmd = a.positional.front();
    bool new_key = cmd == "build-ca";
    pki::CertificateAuthority ca(a.dir, passphrase_source(a, new_key));
    const auto& L = ca.layout();

    if (cmd == "init") {
        allow_only(a, cmd, {});
        want_positionals(a, 1, 1, "init");
        ca.init();
        fmt::print("vpn pki: PKI ready in {} (tls-crypt key {}); next: vpn pki build-ca\n", L.dir(), L.tls_crypt_key());
    } else if (cmd == "build-ca") {
        allow_only(a, cmd, {"--cn", "--days", "--rsa"});
        want_positionals(a, 1, 1, "build-ca [--cn NAME] [--days N] [--rsa BITS]");
        pki::BuildCaOptions o;
        if (auto cn = opt(a, "--cn")) o.common_name = *cn;
        o.days = int_opt(a, "--days", 3650);
        o.key = key_spec(a);
        o.encrypt_key = a.ask_passphrase || !a.passphrase_file.empty();
        ca.build_ca(o);
        fmt::print("vpn pki: CA '{}' ({}, {} days) created: {}, key {}{}\n", o.common_name, o.key.describe(), o.days,
                   L.ca_cert(), L.ca_key(), o.encrypt_key ? " (encrypted)" : "");
    } else if (cmd == "issue") {
        allow_only(a, cmd, {"--days", "--san", "--rsa"});
        want_positionals(a, 3, 3, "issue server|client NAME [--days N] [--san DNS:x,IP:y] [--rsa BITS]");
        auto type = pki::parse_leaf_type(a.positional[1]);
        if (!type) throw UsageError(fmt::format("issue {}: expected server or client", a.positional[1]));
        pki::IssueOptions o;
        o.type = *type;
        o.name = a.positional[2];
        o.days = int_opt(a, "--days", 825);
        o.key = key_spec(a);
        if (auto it = a.options.find("--san"); it != a.options.end())
            for (const auto& s : it->second)
                for (auto& item : pki::parse_san_list(s)) o.san.push_back(item);
        auto issued = ca.issue(o);
        fmt::print("vpn pki: {} certificate '{}' issued (serial {}, {} days): {}, key {}\n", a.positional[1], o.name,
                   issued.serial, o.days, issued.cert_path, issued.key_path);
    } else if (cmd == "revoke") {
        allow_only(a, cmd, {});
        want_positionals(a, 2, 3, "revoke NAME [REASON]");
        std::string serial = ca.revoke(a.positional[1], a.positional.size() > 2 ? a.positional[2] : "");
        fmt::print("vpn pki: '{}' revoked (serial {}); run 'vpn pki gen-crl' and give the server the new {}\n",
                   a.positional[1], serial, L.crl());
    } else if (cmd == "gen-crl") {
        allow_only(a, cmd, {"--days"});
        want_positionals(a, 1, 1, "gen-crl [--days N]");
        int days = int_opt(a, "--days", 180);
        auto crl = ca.gen_crl(days);
        auto* revoked = X509_CRL_get_REVOKED(crl.get());
        fmt::print("vpn pki: {} written ({} revoked, valid {} days)\n", L.crl(), revoked ? sk_X509_REVOKED_num(revoked) : 0,
                   days);
    } else if (cmd == "list") {
        allow_only(a, cmd, {});
        want_positionals(a, 1, 1, "list");
        if (!pki::file_exists(L.index()))
            throw pki::PkiError(L.index() + ": no CA database (run 'vpn pki build-ca' first)");
        std::fputs(pki::format_listing(pki::list_certificates(L, std::time(nullptr))).c_str(), stdout);
    } else if (cmd == "inline") {
        allow_only(a, cmd, {"--remote", "--proto"});
        want_positionals(a, 3, 3, "inline client NAME [--remote HOST [PORT]] [--proto udp|tcp]");
        if (a.positional[1] != "client") throw UsageError(fmt::format("inline {}: only 'inline client' exists", a.positional[1]));
        pki::InlineClientOptions o;
        o.name = a.positional[2];
        o.remote_host = opt(a, "--remote").value_or("");
        if (auto p = opt(a, "--remote-port")) o.remote_port = *p;
        o.proto = opt(a, "--proto").value_or("udp");
        std::string text = pki::inline_client_config(L, o);
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
        pki::wipe(text);
        if (o.remote_host.empty())
            fmt::print(stderr, "vpn pki: no --remote given: set the server's address on the 'remote' line\n");
    } else {
        throw UsageError(fmt::format("{}: unknown command (see vpn pki --help)", cmd));
    }
    return 0;
}

}  // namespace

int pki_command(const std::vector<std::string>& args) {
    for (const auto& s : args) {
        if (s == "--help" || s == "-h" || s == "help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
    }
    try {
        Args a = parse(args);
        if (a.positional.empty()) {
            std::fputs(kUsage, stderr);
            return 1;
        }
        return run(a);
    } catch (const std::exception& e) {
        std::string msg = e.what();
        if (msg.find("a passphrase is needed") != std::string::npos) msg += " (--passphrase or --passphrase-file FILE)";
        fmt::print(stderr, "vpn pki: {}\n", msg);
        return 1;
    }
}

}  // namespace vpn::app
