// Ping and OCC payloads (openvpn-wire.md §8.7-8.9) and the OCC options string (§8.8),
// checked against strings stock openvpn 2.6.14 computed for the same settings
// (tests/vectors/openvpn/occ_strings.txt, made by occ_strings.sh).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/config/options.hpp"
#include "common/openvpn/control_payloads.hpp"
#include "common/openvpn/occ_string.hpp"

using vpn::Bytes;
using namespace vpn::ovpn;
namespace cfg = vpn::config;

namespace {

const std::string kVectors = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/";

struct Expected {
    std::string local, remote;
};

std::map<std::string, Expected> load_strings() {
    std::ifstream f(kVectors + "occ_strings.txt");
    REQUIRE(f.good());
    std::map<std::string, Expected> m;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto a = line.find('|');
        auto b = line.find('|', a + 1);
        REQUIRE(b != std::string::npos);
        m[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
    }
    return m;
}

cfg::Options base(const std::string& dev, const char* cipher, const char* auth, bool secret = true) {
    cfg::Options o;
    o.dev = dev;
    if (secret) o.secret = cfg::KeySource{"/etc/static.key", std::nullopt, {}};
    o.cipher = cipher;
    o.auth = auth;
    return o;
}

cfg::Options with_ifconfig(cfg::Options o, const char* l, const char* r) {
    o.ifconfig_local = l;
    o.ifconfig_remote = r;
    return o;
}

cfg::Options with_dir(cfg::Options o, cfg::KeyDirection d) {
    o.key_direction = d;
    return o;
}

// The same settings as the openvpn command lines in occ_strings.sh.
std::map<std::string, cfg::Options> cases() {
    using KD = cfg::KeyDirection;
    std::map<std::string, cfg::Options> c;
    c["static_dir0_aes256_sha256"] =
        with_dir(with_ifconfig(base("tun", "AES-256-CBC", "SHA256"), "10.98.0.1", "10.98.0.2"), KD::Normal);
    c["static_bidir_aes128_sha1"] = with_ifconfig(base("tun", "AES-128-CBC", "SHA1"), "10.96.0.1", "10.96.0.2");
    c["static_dir1_lowercase"] =
        with_dir(with_ifconfig(base("tun", "aes-256-cbc", "sha512"), "10.0.0.2", "10.0.0.1"), KD::Inverse);
    c["static_bf_default"] = with_ifconfig(base("tun", "BF-CBC", "SHA1"), "10.0.0.1", "10.0.0.2");
    c["static_none_none"] = with_ifconfig(base("tun", "none", "none"), "10.0.0.1", "10.0.0.2");
    auto tap = with_ifconfig(base("tap", "AES-128-CBC", "SHA1"), "10.1.2.3", "255.255.255.0");
    tap.comp_lzo = cfg::CompLzo::Adaptive;
    c["static_tap_comp_lzo"] = tap;
    auto tcps = with_dir(base("tun", "AES-256-CBC", "SHA256"), KD::Normal);
    tcps.proto = cfg::Proto::TcpServer;
    c["static_tcp_server"] = tcps;
    auto tcpc = with_dir(base("tun", "AES-256-CBC", "SHA256"), KD::Inverse);
    tcpc.proto = cfg::Proto::TcpClient;
    c["static_tcp_client"] = tcpc;
    auto mtu = with_ifconfig(base("tun", "AES-192-CBC", "SHA1"), "10.0.0.1", "10.0.0.2");
    mtu.tun_mtu = 1400;
    mtu.comp_lzo = cfg::CompLzo::No;
    c["static_mtu1400_comp_no"] = mtu;
    auto lzo = base("tun", "AES-256-CBC", "SHA1");
    lzo.compress_lzo = true;
    lzo.allow_compression = cfg::AllowCompression::Yes;
    c["static_compress_lzo"] = lzo;
    c["static_no_ifconfig_sha224"] = base("tun", "AES-128-CBC", "SHA224");
    c["static_dev_null"] = base("null", "AES-256-CBC", "SHA1");
    c["static_auth_none"] = with_dir(base("tun", "AES-256-CBC", "none"), KD::Inverse);
    auto cn = with_dir(base("tun", "none", "SHA256"), KD::Normal);
    cn.comp_lzo = cfg::CompLzo::Adaptive;
    c["static_cipher_none_sha256"] = cn;
    c["no_crypto_tun"] = with_ifconfig(base("tun", "BF-CBC", "SHA1", false), "10.0.0.1", "10.0.0.2");
    auto nct = with_ifconfig(base("tap", "BF-CBC", "SHA1", false), "10.1.2.3", "255.255.0.0");
    nct.comp_lzo = cfg::CompLzo::Adaptive;
    c["no_crypto_tap_comp"] = nct;
    return c;
}

std::vector<std::uint8_t> vec(Bytes b) { return {b.begin(), b.end()}; }

}  // namespace

TEST_CASE("occ string: identical to stock openvpn 2.6 for every recorded case") {
    const auto expected = load_strings();
    const auto options = cases();
    REQUIRE(expected.size() == options.size());
    for (const auto& [name, o] : options) {
        CAPTURE(name);
        auto it = expected.find(name);
        REQUIRE(it != expected.end());
        CHECK(occ_options_string(o, false) == it->second.local);
        CHECK(occ_options_string(o, true) == it->second.remote);
    }
}

TEST_CASE("occ string: the capture's strings and the reference's link-mtu examples") {
    auto o = cases()["static_dir0_aes256_sha256"];
    // openvpn-captures/observed-logs.txt, cap_static.pcap
    CHECK(occ_options_string(o, false) ==
          "V4,dev-type tun,link-mtu 1572,tun-mtu 1500,proto UDPv4,ifconfig 10.98.0.2 10.98.0.1,keydir 0,cipher AES-256-CBC,auth SHA256,keysize 256,secret");
    CHECK(occ_link_mtu(o) == 1572);
    CHECK(occ_link_mtu(cases()["static_bidir_aes128_sha1"]) == 1560);
    CHECK(occ_link_mtu(cases()["static_bf_default"]) == 1544);
    CHECK_THROWS(occ_options_string(base("tun", "NO-SUCH-CIPHER", "SHA1"), false));
}

TEST_CASE("control payloads: classify") {
    std::vector<std::uint8_t> ping(kPingMagic.begin(), kPingMagic.end());
    CHECK(classify(ping) == PayloadKind::Ping);
    auto longer = ping;
    longer.push_back(0);
    CHECK(classify(longer) == PayloadKind::Data);  // a ping is exactly the magic
    CHECK(classify(Bytes(ping.data(), 15)) == PayloadKind::Data);
    CHECK(classify(Bytes()) == PayloadKind::Data);

    std::vector<std::uint8_t> occ(kOccMagic.begin(), kOccMagic.end());
    CHECK(classify(occ) == PayloadKind::Occ);  // no opcode: still OCC (then ignored)
    CHECK_FALSE(occ_opcode(occ).has_value());
    CHECK(parse_occ(occ).op == OccOp::Unknown);
    occ.push_back(9);
    CHECK(occ_opcode(occ) == std::optional<std::uint8_t>(9));
    CHECK(parse_occ(occ).op == OccOp::Unknown);

    std::vector<std::uint8_t> ip = {0x45, 0, 0, 20};
    CHECK(classify(ip) == PayloadKind::Data);
    CHECK_FALSE(occ_opcode(ip).has_value());
}

TEST_CASE("control payloads: builders and parse_occ") {
    std::uint8_t buf[256];
    REQUIRE(build_ping(buf) == 16);
    CHECK(classify(Bytes(buf, 16)) == PayloadKind::Ping);

    REQUIRE(build_occ_request(buf) == 17);
    CHECK(vec(Bytes(buf, 17)) == std::vector<std::uint8_t>{0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, 0x2d,
                                                            0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c, 0x00});
    CHECK(parse_occ(Bytes(buf, 17)).op == OccOp::Request);
    REQUIRE(build_occ_exit(buf) == 17);
    CHECK(buf[16] == 6);
    CHECK(parse_occ(Bytes(buf, 17)).op == OccOp::Exit);

    const std::string s = "V4,dev-type tun,link-mtu 1560";
    const std::size_t n = build_occ_reply(buf, s);
    REQUIRE(n == 17 + s.size() + 1);
    CHECK(buf[16] == 1);
    CHECK(buf[n - 1] == 0);
    auto m = parse_occ(Bytes(buf, n));
    CHECK(m.op == OccOp::Reply);
    CHECK(m.options == s);
    CHECK(occ_reply_string(Bytes(buf, n)) == std::optional<std::string_view>(s));
    // Without its NUL: parse_occ still shows the text, occ_reply_string refuses it.
    CHECK(parse_occ(Bytes(buf, n - 1)).options == s);
    CHECK_FALSE(occ_reply_string(Bytes(buf, n - 1)).has_value());
    CHECK_FALSE(occ_reply_string(Bytes(buf, 17)).has_value());

    std::uint8_t small[16];
    CHECK(build_ping(vpn::MutBytes(small, 15)) == 0);
    CHECK(build_occ_request(small) == 0);
    CHECK(build_occ_reply(vpn::MutBytes(buf, 17 + s.size()), s) == 0);  // no room for the NUL
    CHECK(build_occ_reply(buf, std::string_view("a\0b", 3)) == 0);
}
