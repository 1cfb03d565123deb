#include "common/openvpn/peer_info.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "common/openvpn/ncp.hpp"

namespace vpn::ovpn {
namespace {

constexpr std::size_t kMaxLine = 255;  // output_peer_info_env: char line[256]

void check_value(std::string_view v) {
    if (v.find_first_of(std::string_view("\n\0", 2)) != std::string_view::npos)
        throw std::invalid_argument("peer-info value must not contain a newline or NUL");
}

bool is_name_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// misc.c: validate_peer_info_line, in the C locale.
bool validate_line(std::string& line) {
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    for (std::size_t i = 0; i < eq; ++i)
        if (!is_name_char(static_cast<unsigned char>(line[i]))) return false;
    for (std::size_t i = eq + 1; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c < 0x21 || c > 0x7e || c == '$' || c == '(' || c == '`') line[i] = '_';
    }
    return true;
}

}  // namespace

std::string build_peer_info(const PeerInfoParams& p) {
    if (p.mode == PeerInfoMode::P2mpServer) return "";
    check_value(p.version);
    check_value(p.platform);
    check_value(p.data_ciphers);
    std::string out;
    const bool pull = p.mode == PeerInfoMode::Pull;
    if (pull) {
        out += fmt::format("IV_VER={}\nIV_PLAT={}\n", p.version, p.platform);
        // We accept non-sequential packet ids on TCP (the replay window applies as on UDP).
        out += "IV_TCPNL=1\n";
        out += fmt::format("IV_MTU={}\n", p.tun_max_mtu);
        // ssl.c: push_peer_info -- IV_NCP=2 promises both AES-GCM ciphers.
        if (cipher_in_list("AES-128-GCM", p.data_ciphers) && cipher_in_list("AES-256-GCM", p.data_ciphers))
            out += "IV_NCP=2\n";
    }
    out += fmt::format("IV_CIPHERS={}\n", p.data_ciphers);
    out += fmt::format("IV_PROTO={}\n", announced_iv_proto(p.mode, p.implemented));
    if (pull) {
        switch (p.compression) {
            case CompressionAdvert::None: break;
            case CompressionAdvert::Stubs: out += "IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n"; break;
            case CompressionAdvert::Lzo: out += "IV_LZO=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n"; break;
        }
    }
    return out;
}

PeerInfo parse_peer_info(std::string_view text) {
    PeerInfo info;
    // Like a C string: nothing after a NUL counts.
    text = text.substr(0, text.find('\0'));
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        while (!raw.empty() && (raw.back() == '\r' || raw.back() == '\n')) raw.remove_suffix(1);  // chomp
        if (raw.empty()) continue;
        std::string line(raw);
        if (line.size() > kMaxLine || !validate_line(line) ||
            !(line.starts_with("IV_") || line.starts_with("UV_"))) {
            ++info.rejected;
            continue;
        }
        const auto eq = line.find('=');
        info.vars.insert_or_assign(line.substr(0, eq), line.substr(eq + 1));
    }
    return info;
}

}  // namespace vpn::ovpn
