// vpn CONFIG [--directive args ...]     run a tunnel
// vpn --genkey secret FILE              OpenVPN-compatible static key
// vpn pki COMMAND ...                   easy-rsa compatible CA (app/pki_command.cpp)
// vpn check CONFIG [--directive ...]    validate and print what would run
//
// The command line is split in two: what CLI11 handles (help, version, genkey, the
// config file) and OpenVPN-style `--directive args` that go to the config language.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "common/config/help.hpp"

namespace {

bool is_cli_flag(const std::string& a) {
    return a == "--help" || a == "-h" || a == "--version" || a == "--genkey";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // `vpn pki ...` is a tool of its own with its own options (and --help).
    if (!args.empty() && args[0] == "pki") return vpn::app::pki_command({args.begin() + 1, args.end()});
    if (!args.empty() && args[0] == "check") {
        if (args.size() < 2 || args[1].rfind("--", 0) == 0) {
            std::fputs("usage: vpn check CONFIG [--directive args ...]\n", stderr);
            return 1;
        }
        return vpn::app::check_command(args[1], {args.begin() + 2, args.end()});
    }
    std::vector<std::string> cli_args;  // for CLI11, in order
    std::vector<std::string> directives;
    std::string config_file;
    std::vector<std::string> genkey;
    bool genkey_mode = false;

    std::size_t i = 0;
    if (!args.empty() && !args[0].empty() && args[0][0] != '-') config_file = args[i++];
    for (; i < args.size(); ++i) {
        if (args[i] == "--genkey") {
            genkey_mode = true;
            // `--genkey secret FILE`, `--genkey --secret FILE`, `--genkey secret` (stdout)
            while (i + 1 < args.size() && (args[i + 1].rfind("--", 0) != 0 || args[i + 1] == "--secret"))
                genkey.push_back(args[++i] == "--secret" ? "secret" : args[i]);
        } else if (is_cli_flag(args[i])) {
            cli_args.push_back(args[i]);
        } else {
            directives.push_back(args[i]);
        }
    }

    CLI::App app{"OpenVPN-compatible tunnels (static key, TLS) and IPsec (technique ipsec: IKEv2 or manual keys).\n"
                 "  vpn CONFIG [--directive args ...]   run a tunnel\n"
                 "  vpn --genkey secret [FILE]          make a static key (stdout without FILE)\n"
                 "  vpn check CONFIG                    validate a config and print what would run\n"
                 "  vpn pki COMMAND ...                 certificate authority (vpn pki --help)",
                 "vpn"};
    app.set_version_flag("--version", std::string("vpn ") + VPN_VERSION);
    app.footer(vpn::config::directive_help());
    try {
        std::vector<std::string> reversed(cli_args.rbegin(), cli_args.rend());
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    if (genkey_mode) return vpn::app::genkey_command(genkey, directives);
    if (config_file.empty() && directives.empty()) {
        std::fputs(app.help().c_str(), stdout);
        return 1;
    }
    return vpn::app::run_command(config_file, directives);
}
