// setkey(8) statements (ipsec/manual/setkey.hpp): files in the style of the seed
// articles (Spenneberg's Sys Admin article, the FreeBSD handbook, setkey(8)), adapted
// to ESP with supported algorithms; each refusal with its FILE:LINE.
#include <doctest/doctest.h>

#include <string>

#include "common/config/config_error.hpp"
#include "ipsec/manual/setkey.hpp"

using namespace vpn::ipsec::manual;
namespace ike = vpn::ike;

namespace {

constexpr std::uint32_t ip(int a, int b, int c, int d) {
    return static_cast<std::uint32_t>(a) << 24 | static_cast<std::uint32_t>(b) << 16 |
           static_cast<std::uint32_t>(c) << 8 | static_cast<std::uint32_t>(d);
}

std::string setkey_err(const std::string& text, int first_line = 1) {
    try {
        parse_setkey(text, "ipsec.conf", first_line);
    } catch (const vpn::config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

const std::string kAes128 = "0x" + std::string(32, 'a');
const std::string kSha1 = "0x" + std::string(40, 'b');
const std::string kSha256 = "0x" + std::string(64, 'c');

std::string add_line(const std::string& tail) { return "add 10.0.0.1 10.0.0.2 esp 0x1001 " + tail + ";\n"; }

}  // namespace

TEST_CASE("Spenneberg's manually keyed file, as ESP tunnel with AES-CBC and HMAC-SHA256") {
    const std::string text =
        "#!/usr/sbin/setkey -f\n"
        "#\n"
        "# File /etc/ipsec.conf\n"
        "\n"
        "# delete the SAD and SPD\n"
        "flush;\n"
        "spdflush;\n"
        "\n"
        "# add <IP> <IP> <protocol> <SPI> -E <algorithm> <key> -A <algorithm> <key>\n"
        "add 192.168.1.5 192.168.2.5 esp 0x301 -m tunnel -E aes-cbc \\\n"
        "    0xdf84cd88405b8faed89031e4118e6cf6 -A hmac-sha256\n"
        "    0xe10bd52b0529b54aac97db63462850f3e10bd52b0529b54aac97db63462850f3;\n"
        "add 192.168.2.5 192.168.1.5 esp 0x401 -m tunnel -E rijndael-cbc\n"
        "    \"sixteen byte key\" -A hmac-sha2-256 \"thirty-two bytes of key material\";\n"
        "\n"
        "# Security policies define when to use which SA\n"
        "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec\n"
        "      esp/tunnel/192.168.1.5-192.168.2.5/require;\n"
        "spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec\n"
        "      esp/tunnel/192.168.2.5-192.168.1.5/require;\n";
    SetkeyDb db = parse_setkey(text, "ipsec.conf");
    REQUIRE(db.sas.size() == 2);
    const SetkeySa& out = db.sas[0];
    CHECK(out.src.addr == ip(192, 168, 1, 5));
    CHECK(out.dst.addr == ip(192, 168, 2, 5));
    CHECK_FALSE(out.udp_encap);
    CHECK(out.sa.spi == 0x301);
    CHECK(out.sa.algorithm == vpn::ipsec::EspAlgorithm{ike::encr::kAesCbc, 128, ike::integ::kHmacSha256_128});
    REQUIRE(out.sa.encr_key.size() == 16);
    CHECK(out.sa.encr_key.data()[0] == 0xdf);
    CHECK(out.sa.encr_key.data()[15] == 0xf6);
    REQUIRE(out.sa.integ_key.size() == 32);
    CHECK(out.sa.integ_key.data()[31] == 0xf3);
    CHECK(out.sa.replay_window == 0);  // no -r: no replay check (RFC 4303 §5)
    CHECK(out.sa.direction == SaDirection::Outbound);
    CHECK(out.origin.str() == "ipsec.conf:10");
    const SetkeySa& in = db.sas[1];
    CHECK(in.sa.direction == SaDirection::Inbound);
    CHECK(std::string(reinterpret_cast<const char*>(in.sa.encr_key.data()), 16) == "sixteen byte key");
    CHECK(in.sa.integ_key.size() == 32);
    REQUIRE(db.policies.size() == 2);
    const SetkeyPolicy& p = db.policies[0];
    CHECK(p.src == Selector{ip(10, 1, 0, 0), 16, std::nullopt});
    CHECK(p.dst == Selector{ip(10, 2, 0, 0), 16, std::nullopt});
    CHECK(p.upper == -1);
    CHECK(p.dir == PolicyDir::Out);
    CHECK(p.action == PolicyAction::Ipsec);
    CHECK(p.tunnel_src == Endpoint{ip(192, 168, 1, 5), std::nullopt});
    CHECK(p.tunnel_dst == Endpoint{ip(192, 168, 2, 5), std::nullopt});
    CHECK(p.level == PolicyLevel::Require);
    CHECK(p.origin.str() == "ipsec.conf:17");
    CHECK(db.policies[1].dir == PolicyDir::In);
}

TEST_CASE("the reference's 3DES example, the FreeBSD handbook's ipencap policies, options") {
    const std::string text =
        "add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -E 3des-cbc 0x" + std::string(48, '1') + " -A hmac-sha1 " + kSha1 +
        " ;\n"
        "add 10.0.0.2 10.0.0.1 esp 4098 -m any -r 64 -u 7 -f seq-pad -lh 3600 -ls 3000 -bh 1000000 -bs 900000 "
        "-E aes-gcm-16 0x" + std::string(72, '2') + ";\n"
        "spdadd 10.0.0.1/32 10.0.0.2/32 ipencap -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;\n"
        "spdadd 10.0.0.2/32 10.0.0.1/32 ipencap -P in ipsec esp/tunnel/10.0.0.2-10.0.0.1/unique:7;\n"
        "spdadd 192.168.1.0/24[80] 0.0.0.0/0[any] tcp -P out prio 10 none;\n"
        "spdadd 192.168.1.9 192.168.2.0/24 icmp -P fwd discard;\n"
        "spdadd 192.168.7.0/24 192.168.8.0/24 50 -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/use;\n";
    SetkeyDb db = parse_setkey(text, "ipsec.conf");
    REQUIRE(db.sas.size() == 2);
    CHECK(db.sas[0].sa.algorithm == vpn::ipsec::EspAlgorithm{ike::encr::k3Des, 0, ike::integ::kHmacSha1_96});
    CHECK(db.sas[0].sa.encr_key.size() == 24);
    const SetkeySa& gcm = db.sas[1];
    CHECK(gcm.sa.spi == 4098);
    CHECK(gcm.sa.algorithm == vpn::ipsec::EspAlgorithm{ike::encr::kAesGcm16, 256, ike::integ::kNone});
    CHECK(gcm.sa.encr_key.size() == 36);  // key and salt
    CHECK(gcm.sa.integ_key.empty());
    CHECK(gcm.sa.replay_window == 64);
    CHECK(gcm.reqid == 7);
    CHECK(gcm.hard_seconds == 3600);
    CHECK(gcm.soft_seconds == 3000);
    CHECK(gcm.hard_bytes == 1000000);
    CHECK(gcm.soft_bytes == 900000);
    CHECK(gcm.sa.direction == SaDirection::Inbound);
    REQUIRE(db.policies.size() == 5);
    CHECK(db.policies[0].upper == 4);
    CHECK(db.policies[1].level == PolicyLevel::Unique);
    CHECK(db.policies[1].unique_id == 7);
    CHECK(db.policies[2].action == PolicyAction::None);
    CHECK(db.policies[2].src.port == 80);
    CHECK(db.policies[2].dst == Selector{0, 0, std::nullopt});
    CHECK(db.policies[2].upper == 6);
    CHECK(db.policies[3].action == PolicyAction::Discard);
    CHECK(db.policies[3].dir == PolicyDir::Fwd);
    CHECK(db.policies[3].upper == 1);
    CHECK(db.policies[4].upper == 50);
    CHECK(db.policies[4].level == PolicyLevel::Use);
}

TEST_CASE("NAT-T with manual keys: esp-udp and [port] endpoints") {
    const std::string text =
        "add 192.168.0.1[4500] 192.168.1.2[30000] esp-udp 0x2001 -E aes-cbc " + kAes128 + " -A hmac-sha1 " + kSha1 +
        ";\n"
        "add 192.168.1.2 192.168.0.1 esp-udp 0x2002 -E aes-cbc " + kAes128 + " -A hmac-sha1 " + kSha1 + ";\n"
        "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/192.168.0.1[4500]-192.168.1.2[30000]/require;\n";
    SetkeyDb db = parse_setkey(text, "nat.conf");
    REQUIRE(db.sas.size() == 2);
    CHECK(db.sas[0].udp_encap);
    CHECK(db.sas[0].src == Endpoint{ip(192, 168, 0, 1), 4500});
    CHECK(db.sas[0].dst == Endpoint{ip(192, 168, 1, 2), 30000});
    CHECK(db.sas[0].sa.direction == SaDirection::Outbound);
    CHECK(db.sas[1].dst.port == 4500);  // RFC 3948's port when none is written
    CHECK(db.sas[1].sa.direction == SaDirection::Unknown);
    CHECK(db.policies[0].tunnel_dst == Endpoint{ip(192, 168, 1, 2), 30000});
}

TEST_CASE("statements apply in order: delete, deleteall, flush, spddelete, spdflush") {
    const std::string sa1 = add_line("-E aes-cbc " + kAes128 + " -A hmac-sha1 " + kSha1);
    const std::string sa2 = "add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-cbc " + kAes128 + " -A hmac-sha1 " + kSha1 + ";\n";
    const std::string sa3 = "add 10.0.0.2 10.0.0.1 esp 0x1003 -E null -A hmac-sha256 " + kSha256 + ";\n";
    const std::string pol = "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;\n";
    CHECK(parse_setkey(sa1 + sa2 + sa3 + "delete 10.0.0.1 10.0.0.2 esp 0x1001;\n", "f").sas.size() == 2);
    auto db = parse_setkey(sa1 + sa2 + sa3 + "deleteall 10.0.0.1 10.0.0.2 esp;\n", "f");
    REQUIRE(db.sas.size() == 1);
    CHECK(db.sas[0].sa.spi == 0x1003);
    CHECK(db.sas[0].sa.algorithm.encr_id == ike::encr::kNull);
    CHECK(parse_setkey(sa1 + sa2 + "flush;\n" + sa3, "f").sas.size() == 1);
    CHECK(parse_setkey(sa1 + "flush esp;\n", "f").sas.empty());
    CHECK(parse_setkey(pol + "spddelete 10.1.0.0/16 10.2.0.0/16 any -P out;\n", "f").policies.empty());
    CHECK(parse_setkey(pol + "spdflush;\n" + pol, "f").policies.size() == 1);
    CHECK(parse_setkey("dump;\nspddump;\n" + sa1, "f").sas.size() == 1);
    // Re-adding after a delete is fine: setkey scripts often do that to change keys.
    CHECK(parse_setkey(sa1 + "delete 10.0.0.1 10.0.0.2 esp 4097;\n" + sa1, "f").sas.size() == 1);
}

TEST_CASE("refusals name the line and why") {
    const std::string good_algs = "-E aes-cbc " + kAes128 + " -A hmac-sha1 " + kSha1;
    CHECK(setkey_err("flush;\nadd 10.0.0.1 10.0.0.2 ah 0x300 -A hmac-sha1 " + kSha1 + ";\n") ==
          "ipsec.conf:2: setkey: 'ah' is not supported (ESP only: AH does not survive NAT), expected esp");
    CHECK(setkey_err("add 10.0.0.1 10.0.0.2 ipcomp 0x300 -C deflate;\n") ==
          "ipsec.conf:1: setkey: 'ipcomp' is not supported (ESP only), expected esp");
    CHECK(setkey_err("add 10.0.0.1 10.0.0.2 tcp 0x1000 -A tcp-md5 \"abc\";\n") ==
          "ipsec.conf:1: setkey: 'tcp' (TCP-MD5 signatures) is not supported, expected esp");
    for (const char* alg : {"des-cbc", "blowfish-cbc", "cast128-cbc", "twofish-cbc"}) {
        CAPTURE(alg);
        CHECK(setkey_err(add_line(std::string("-E ") + alg + " 0x0011223344556677 -A hmac-sha1 " + kSha1)) ==
              "ipsec.conf:1: setkey: -E " + std::string(alg) +
                  " is not supported (weak or not implemented), expected aes-cbc, aes-gcm-16, 3des-cbc or null");
    }
    for (const char* alg : {"keyed-md5", "keyed-sha1", "hmac-md5"}) {
        CAPTURE(alg);
        CHECK(setkey_err(add_line("-E aes-cbc " + kAes128 + " -A " + alg + " 0x00112233")) ==
              "ipsec.conf:1: setkey: -A " + std::string(alg) +
                  " is not supported (weak or not implemented), expected hmac-sha1, hmac-sha256, hmac-sha384, "
                  "hmac-sha512 or null");
    }
    CHECK(setkey_err(add_line("-ctx 1 1 \"system_u\" " + good_algs)) ==
          "ipsec.conf:1: setkey: -ctx (security context labels) is not supported");
    CHECK(setkey_err("spdadd 10.1.0.0/16 10.2.0.0/16 any -ctx 1 1 \"x\" -P out none;\n") ==
          "ipsec.conf:1: setkey: -ctx (security context labels) is not supported");
    CHECK(setkey_err(add_line("-m transport " + good_algs)) ==
          "ipsec.conf:1: setkey: -m transport is not supported: ESP over a TUN device is tunnel mode only, expected -m "
          "tunnel");
    CHECK(setkey_err("\nspdadd 192.168.1.5 192.168.2.5 any -P out ipsec\n      esp/transport//require;\n") ==
          "ipsec.conf:3: setkey: esp/transport is not supported: ESP over a TUN device is tunnel mode only, expected "
          "esp/tunnel/SRC-DST/LEVEL");
    CHECK(setkey_err("spdadd 192.168.1.5 192.168.2.5 any -P out ipsec\n esp/tunnel/1.1.1.1-2.2.2.2/require\n"
                     " ah/transport//require;\n") ==
          "ipsec.conf:3: setkey: 'ah' is not supported (ESP only: AH does not survive NAT), expected esp/tunnel/...");
}

TEST_CASE("key lengths are checked per algorithm") {
    CHECK(setkey_err(add_line("-E aes-cbc 0x" + std::string(30, 'a') + " -A hmac-sha1 " + kSha1)) ==
          "ipsec.conf:1: setkey: -E aes-cbc takes a 128, 192 or 256-bit key, got 120 bits");
    CHECK(setkey_err(add_line("-E aes-gcm-16 " + kAes128)) ==
          "ipsec.conf:1: setkey: -E aes-gcm-16 takes a 128, 192 or 256-bit key followed by a 32-bit salt (160, 224 or "
          "288 bits), got 128 bits");
    CHECK(setkey_err(add_line("-E 3des-cbc " + kAes128 + " -A hmac-sha1 " + kSha1)) ==
          "ipsec.conf:1: setkey: -E 3des-cbc takes a 192-bit key, got 128 bits");
    CHECK(setkey_err(add_line("-E aes-cbc " + kAes128 + " -A hmac-sha256 " + kSha1)) ==
          "ipsec.conf:1: setkey: -A hmac-sha256 takes a 256-bit key, got 160 bits");
    CHECK(setkey_err(add_line("-E aes-cbc " + kAes128 + " -A hmac-sha512 \"short\"")) ==
          "ipsec.conf:1: setkey: -A hmac-sha512 takes a 512-bit key, got 40 bits");
    CHECK(setkey_err(add_line("-E aes-cbc 0xabc -A hmac-sha1 " + kSha1)) ==
          "ipsec.conf:1: setkey: the key of aes-cbc has an odd number of hex digits");
    CHECK(setkey_err(add_line("-E aes-cbc 0x" + std::string(30, 'a') + "zz -A hmac-sha1 " + kSha1)) ==
          "ipsec.conf:1: setkey: the key of aes-cbc has a character that is not a hex digit");
    CHECK(setkey_err(add_line("-E aes-cbc secret -A hmac-sha1 " + kSha1)) ==
          "ipsec.conf:1: setkey: the key of aes-cbc is neither 0x-hex nor a \"quoted string\"");
    CHECK(parse_setkey(add_line("-E aes-cbc 0x" + std::string(64, 'a') + " -A hmac-sha384 0x" + std::string(96, 'b')),
                       "f")
              .sas[0]
              .sa.algorithm == vpn::ipsec::EspAlgorithm{ike::encr::kAesCbc, 256, ike::integ::kHmacSha384_192});
}

TEST_CASE("algorithm combinations") {
    CHECK(setkey_err(add_line("-E aes-gcm-16 0x" + std::string(40, 'a') + " -A hmac-sha1 " + kSha1)) ==
          "ipsec.conf:1: setkey: -E aes-gcm-16 authenticates itself, expected no -A (or -A null)");
    CHECK(setkey_err(add_line("-E null -A null")) ==
          "ipsec.conf:1: setkey: -E null with no -A protects nothing, expected -A");
    CHECK(setkey_err(add_line("-E aes-cbc " + kAes128)) ==
          "ipsec.conf:1: setkey: -E without -A: encryption with no integrity check is refused, expected -A "
          "hmac-sha256 KEY");
    CHECK(setkey_err(add_line("-A hmac-sha1 " + kSha1)) ==
          "ipsec.conf:1: setkey: an esp SA needs -E ALGORITHM KEY (use -E null for integrity only)");
    CHECK(setkey_err(add_line("-E aes-ctr " + kAes128)) ==
          "ipsec.conf:1: setkey: -E aes-ctr is not supported (weak or not implemented), expected aes-cbc, aes-gcm-16, "
          "3des-cbc or null");
    CHECK(setkey_err(add_line("-E rot13 " + kAes128)) ==
          "ipsec.conf:1: setkey: 'rot13' is not an encryption algorithm, expected aes-cbc, rijndael-cbc, aes-gcm-16, "
          "3des-cbc or null");
}

TEST_CASE("syntax errors, statements across lines, inline blocks count from their first line") {
    const std::string sa = "-E aes-cbc " + kAes128 + " -A hmac-sha1 " + kSha1;
    CHECK(setkey_err("flush;\nadd 10.0.0.1 10.0.0.2 esp 0x1001 " + sa + "\n") ==
          "ipsec.conf:2: setkey: the 'add' statement has no final ';', expected it to end with ';'");
    CHECK(setkey_err("add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbc \"unterminated\n;\n") ==
          "ipsec.conf:1: setkey: unterminated \"quoted string\", expected a closing '\"' on the same line");
    CHECK(setkey_err("add 10.0.0.1\n  10.0.0.2 esp 0x0ff " + sa + ";\n") ==
          "ipsec.conf:2: setkey: SPI 0x0ff is reserved (0..255), expected 256 or more");
    CHECK(setkey_err("add 10.0.0.1 10.0.0.2 esp 0x100000000 " + sa + ";\n") ==
          "ipsec.conf:1: setkey: '0x100000000' is not an SPI, expected a decimal or 0x hex number of at most 32 bits");
    CHECK(setkey_err("add 10.0.0.1 10.0.0.2 esp;\n") == "ipsec.conf:1: setkey: 'add' ends early, expected the SPI");
    CHECK(setkey_err("add fe80::1 10.0.0.2 esp 0x1001 " + sa + ";\n") ==
          "ipsec.conf:1: setkey: 'fe80::1' is an IPv6 address, which is not supported here, expected an IPv4 address");
    CHECK(setkey_err("add gw.example.org 10.0.0.2 esp 0x1001 " + sa + ";\n") ==
          "ipsec.conf:1: setkey: 'gw.example.org' is not an IPv4 address, expected e.g. 192.0.2.1");
    CHECK(setkey_err("add -6 10.0.0.1 10.0.0.2 esp 0x1001 " + sa + ";\n") ==
          "ipsec.conf:1: setkey: -6 (IPv6) is not supported here, expected IPv4 addresses");
    CHECK(setkey_err(add_line(sa + " -x 1")) ==
          "ipsec.conf:1: setkey: unexpected '-x' in 'add', expected -m, -r, -u, -f, -lh, -ls, -bh, -bs, -E or -A");
    CHECK(setkey_err(add_line(sa + " -E null")) == "ipsec.conf:1: setkey: -E given twice, expected one encryption algorithm");
    CHECK(setkey_err("spdadd 10.0.0.0/33 10.1.0.0/16 any -P out none;\n") ==
          "ipsec.conf:1: setkey: '33' is not a prefix length (0..32)");
    CHECK(setkey_err("spdadd 10.0.0.0/8 10.1.0.0/16 sctp -P out none;\n") ==
          "ipsec.conf:1: setkey: 'sctp' is not an upper-layer protocol, expected any, tcp, udp, icmp or a number");
    CHECK(setkey_err("spdadd 10.0.0.0/8 10.1.0.0/16 any -P sideways none;\n") ==
          "ipsec.conf:1: setkey: 'sideways' is not a direction, expected in, out or fwd");
    CHECK(setkey_err("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/always;\n") ==
          "ipsec.conf:1: setkey: 'always' is not a level, expected default, use, require or unique[:N]");
    CHECK(setkey_err("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out ipsec esp/tunnel//require;\n") ==
          "ipsec.conf:1: setkey: a tunnel request needs its endpoints, expected esp/tunnel/SRC-DST/LEVEL");
    CHECK(setkey_err("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out bypass;\n") ==
          "ipsec.conf:1: setkey: 'bypass' is not a policy, expected discard, none or ipsec");
    CHECK(setkey_err("spdadd 10.0.0.0/8 10.1.0.0/16 any -P out none extra;\n") ==
          "ipsec.conf:1: setkey: unexpected 'extra' in 'spdadd', expected ';'");
    CHECK(setkey_err("addd 10.0.0.1 10.0.0.2 esp 0x1001;\n") ==
          "ipsec.conf:1: setkey: 'addd' is not a setkey command, expected add, delete, deleteall, flush, spdadd, "
          "spddelete or spdflush");
    // In a <setkey> block on line 7 of a config, the block's first line is 8.
    CHECK(setkey_err("flush;\nbogus;\n", 8) ==
          "ipsec.conf:9: setkey: 'bogus' is not a setkey command, expected add, delete, deleteall, flush, spdadd, "
          "spddelete or spdflush");
}

TEST_CASE("adding twice and deleting what is not there are errors") {
    const std::string sa = add_line("-E aes-cbc " + kAes128 + " -A hmac-sha1 " + kSha1);
    CHECK(setkey_err(sa + "\n" + sa) ==
          "ipsec.conf:3: setkey: SPI 0x1001 to 10.0.0.2 is already added at ipsec.conf:1, expected a different SPI");
    CHECK(setkey_err("delete 10.0.0.1 10.0.0.2 esp 0x1001;\n") ==
          "ipsec.conf:1: setkey: no SA 10.0.0.1 -> 10.0.0.2 with SPI 0x1001 to delete");
    const std::string pol = "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out none;\n";
    CHECK(setkey_err(pol + pol) ==
          "ipsec.conf:2: setkey: the same selectors and direction are already added at ipsec.conf:1, expected "
          "spddelete first");
    CHECK(setkey_err("spddelete 10.1.0.0/16 10.2.0.0/16 any -P out;\n") ==
          "ipsec.conf:1: setkey: no policy with these selectors and direction to delete");
}
