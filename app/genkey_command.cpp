#include <cstdio>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "pki/static_key.hpp"

namespace vpn::app {

int genkey_command(const std::vector<std::string>& args, const std::vector<std::string>& extra) {
    // OpenVPN 2.6: `--genkey secret|tls-auth|tls-crypt [FILE]` all write a static key V1.
    std::string type = args.empty() ? "secret" : args[0];
    if (type != "secret" && type != "tls-auth" && type != "tls-crypt") {
        fmt::print(stderr, "vpn: --genkey {}: unknown key type, expected secret, tls-auth or tls-crypt\n", type);
        return 1;
    }
    if (args.size() > 2 || !extra.empty()) {
        fmt::print(stderr, "vpn: --genkey takes a key type and at most one file name\n");
        return 1;
    }
    try {
        auto key = pki::generate_static_key();
        if (args.size() < 2) {
            std::fputs(pki::format_static_key(key).c_str(), stdout);
        } else {
            pki::write_static_key_file(args[1], key);
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "vpn: {}\n", e.what());
        return 1;
    }
    return 0;
}

}  // namespace vpn::app
