#include "common/openvpn/occ_string.hpp"

#include <arpa/inet.h>
#include <strings.h>

#include <cstdint>
#include <fmt/format.h>
#include <optional>
#include <string_view>

#include "common/crypto/algorithms.hpp"

namespace vpn::ovpn {
namespace {

using vpn::config::DevType;
using vpn::config::KeyDirection;
using vpn::config::Options;
using vpn::config::Proto;

constexpr int kTapExtra = 32;     // mtu.h: TAP_MTU_EXTRA_DEFAULT
constexpr int kLongPacketId = 8;  // static mode: id + time

enum class OccDev { Tun, Tap, Null, Unknown };

OccDev occ_dev(const Options& o) {
    if (o.dev_type) return *o.dev_type == DevType::Tap ? OccDev::Tap : OccDev::Tun;
    // tun.c: dev_type_enum -- the device name's prefix decides.
    std::string_view d = o.dev;
    if (d.starts_with("tun")) return OccDev::Tun;
    if (d.starts_with("tap")) return OccDev::Tap;
    if (d.starts_with("null")) return OccDev::Null;
    return OccDev::Unknown;
}

const char* dev_name(OccDev d) {
    switch (d) {
        case OccDev::Tun: return "tun";
        case OccDev::Tap: return "tap";
        case OccDev::Null: return "null";
        case OccDev::Unknown: break;
    }
    return "[unknown-dev-type]";
}

bool compression_configured(const Options& o) {
    return o.comp_lzo != vpn::config::CompLzo::Absent || o.compress_lzo;
}

std::optional<std::uint32_t> parse_ipv4(const std::string& s) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    return ntohl(a.s_addr);
}

std::string ipv4_string(std::uint32_t a) {
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

// An address as print_in_addr_t would show it (canonical dotted quad).
std::string canonical(const std::string& s) {
    auto a = parse_ipv4(s);
    return a ? ipv4_string(*a) : s;
}

// tun.c: ifconfig_options_string.  Empty when there is nothing to say.
std::string ifconfig_item(const Options& o, OccDev dev, bool remote_view) {
    if (!o.ifconfig_local || !o.ifconfig_remote) return {};
    if (dev == OccDev::Tap) {
        auto local = parse_ipv4(*o.ifconfig_local);
        auto mask = parse_ipv4(*o.ifconfig_remote);
        if (!local || !mask) return {};
        return ipv4_string(*local & *mask) + " " + ipv4_string(*mask);
    }
    if (dev == OccDev::Tun) {
        // The pair is written from the peer's side: "remote local" in our own string.
        const std::string l = canonical(*o.ifconfig_local), r = canonical(*o.ifconfig_remote);
        return remote_view ? l + " " + r : r + " " + l;
    }
    return "[undef]";
}

const char* proto_name(Proto p, bool remote_view) {
    // socket.c: proto_remote -- always "v4", TCP roles swapped in the remote view.
    switch (p) {
        case Proto::Udp: return "UDPv4";
        case Proto::TcpClient: return remote_view ? "TCPv4_SERVER" : "TCPv4_CLIENT";
        case Proto::TcpServer: return remote_view ? "TCPv4_CLIENT" : "TCPv4_SERVER";
    }
    return "UDPv4";
}

bool is_bf_cbc(std::string_view name) { return name == "BF-CBC"; }

}  // namespace

int occ_link_mtu(const Options& o) {
    const OccDev dev = occ_dev(o);
    int payload = o.tun_mtu;
    if (dev == OccDev::Tap) payload += kTapExtra;
    if (compression_configured(o)) payload += 1;  // v1 framing byte
    if (!o.secret) return payload;                // mtu.c: neither --secret nor TLS

    // mtu.c: BF-CBC is counted as "none" plus 8 bytes of IV and 8 of block, so that
    // OpenSSL builds without Blowfish compute the same number.
    int overhead = 0;
    bool cbc = false;
    int iv = 0, block = 0;
    if (is_bf_cbc(o.cipher)) {
        overhead += 8 + 8;
    } else {
        auto c = crypto::CipherAlgorithm::fetch(o.cipher);
        if (!c.is_none()) {
            cbc = c.is_cbc();
            iv = c.iv_length();
            block = c.block_size();
        }
    }
    auto md = crypto::DigestAlgorithm::fetch(o.auth);
    if (cbc) payload += kLongPacketId;      // inside the encrypted part
    else overhead += kLongPacketId;         // cipher none: in the clear
    overhead += iv + block + md.size();     // the OCC count includes one full block
    if (o.proto != Proto::Udp) overhead += 2;
    return payload + overhead;
}

std::string occ_options_string(const Options& o, bool remote_view) {
    const OccDev dev = occ_dev(o);
    std::string s = fmt::format("V4,dev-type {},link-mtu {},tun-mtu {},proto {}", dev_name(dev),
                                occ_link_mtu(o), o.tun_mtu, proto_name(o.proto, remote_view));
    const std::string ifc = ifconfig_item(o, dev, remote_view);
    if (!ifc.empty()) s += ",ifconfig " + ifc;
    if (compression_configured(o)) s += ",comp-lzo";  // any compression, not only LZO

    if (o.key_direction != KeyDirection::Bidirectional) {
        const bool zero = (o.key_direction == KeyDirection::Normal) != remote_view;
        s += zero ? ",keydir 0" : ",keydir 1";
    }
    if (o.secret) {
        int keysize = 0;
        std::string cipher;
        if (is_bf_cbc(o.cipher)) {
            cipher = "BF-CBC";
            keysize = 128;
        } else {
            auto c = crypto::CipherAlgorithm::fetch(o.cipher);
            cipher = c.is_none() ? "[null-cipher]" : c.name();
            keysize = c.key_length() * 8;
        }
        s += fmt::format(",cipher {},auth {},keysize {},secret", cipher, crypto::occ_digest_name(o.auth),
                         keysize);
    }
    return s;
}

}  // namespace vpn::ovpn
