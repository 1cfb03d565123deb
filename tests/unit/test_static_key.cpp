// Static key files (openvpn-wire.md §1.1): parse files written by stock
// `openvpn --genkey secret`, reproduce its exact text, accept what its tolerant reader
// accepts, and reject what it rejects with the file name in the message.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pki/static_key.hpp"
#include "common/util/hex.hpp"

using vpn::pki::KeyFileError;
using vpn::pki::StaticKey;
using vpn::pki::parse_static_key;

namespace {

const std::string kVectors = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/";

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    REQUIRE(f.good());
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string hex(vpn::Bytes b) { return vpn::to_hex(b); }

// The 16 data lines of static.key (from the captures folder).
std::string data_lines(const std::string& text) {
    auto a = text.find("-----BEGIN OpenVPN Static key V1-----\n");
    auto b = text.find("-----END");
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    a += 38;
    return text.substr(a, b - a);
}

const std::string kHead = "-----BEGIN OpenVPN Static key V1-----\n";
const std::string kFoot = "-----END OpenVPN Static key V1-----\n";

std::string error_of(const std::string& text, const std::string& name = "k.key") {
    try {
        parse_static_key(text, name);
    } catch (const KeyFileError& e) {
        return e.what();
    }
    return "";
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/vpn-static-key-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("static key: parse the capture key and slice it as struct key2") {
    const std::string text = slurp(kVectors + "static.key");
    StaticKey k = parse_static_key(text, "static.key");
    REQUIRE(k.key_count() == 2);
    CHECK(k.raw().size() == 256);
    CHECK(hex(k.cipher(0).first(16)) == "82ba35ccfc1d31f13de6be56d03f2cb4");
    CHECK(hex(k.hmac(0).first(16)) == "a5a46bdf30bcba8bc7a6af0f18026bef");   // file bytes 64..
    CHECK(hex(k.cipher(1).first(16)) == "2541756bad02339393075a4a5ee7bdb2");  // file bytes 128..
    CHECK(hex(k.hmac(1).first(16)) == "4fc33399cc0ef8a85317b3de3c8575d8");    // file bytes 192..
    CHECK(k.cipher(0).size() == 64);
    CHECK(k.hmac(1).size() == 64);
    CHECK_THROWS_AS(k.cipher(2), std::out_of_range);
    CHECK(vpn::pki::format_static_key(k) == text);
}

TEST_CASE("static key: format(parse(x)) is byte-identical to openvpn --genkey secret output") {
    const std::string text = slurp(kVectors + "genkey.key");  // written by stock openvpn 2.6.14
    StaticKey k = vpn::pki::read_static_key_file(kVectors + "genkey.key");
    CHECK(k.key_count() == 2);
    CHECK(vpn::pki::format_static_key(k) == text);
}

TEST_CASE("static key: tolerant reader accepts what OpenVPN accepts") {
    const std::string text = slurp(kVectors + "static.key");
    const StaticKey ref = parse_static_key(text, "ref");
    const std::string data = data_lines(text);

    SUBCASE("comments and junk before the header, junk after the footer") {
        CHECK(parse_static_key("# my key\n; other\nrandom text -----\n" + kHead + data + kFoot + "trailing\n", "x") == ref);
    }
    SUBCASE("CRLF line ends, tabs and spaces inside data") {
        std::string d;
        for (char c : data) {
            if (c == '\n') d += " \t\r\n";
            else d += c;
        }
        CHECK(parse_static_key("-----BEGIN OpenVPN Static key V1-----\r\n" + d + "-----END OpenVPN Static key V1-----\r\n", "x") == ref);
    }
    SUBCASE("upper-case hex, hex pairs split across lines, all on one line") {
        std::string flat;
        for (char c : data)
            if (c != '\n') flat += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        CHECK(parse_static_key(kHead + flat + "\n" + kFoot, "x") == ref);
        std::string split = flat.substr(0, 33) + "\n" + flat.substr(33) + "\n";
        CHECK(parse_static_key(kHead + split + kFoot, "x") == ref);
    }
    SUBCASE("header and footer lines may carry trailing text; no final newline") {
        CHECK(parse_static_key("-----BEGIN OpenVPN Static key V1----- extra\n" + data +
                                   "-----END OpenVPN Static key V1-----",
                               "x") == ref);
    }
    SUBCASE("anything after the 256th byte is ignored until the footer") {
        CHECK(parse_static_key(kHead + data + "not hex at all!\n" + kFoot, "x") == ref);
    }
    SUBCASE("a legacy 1024-bit file gives one key; 200 bytes also give one") {
        std::string half = data.substr(0, 8 * 33);
        StaticKey k = parse_static_key(kHead + half + kFoot, "x");
        CHECK(k.key_count() == 1);
        CHECK(hex(k.cipher(0).first(4)) == "82ba35cc");
        CHECK(vpn::pki::format_static_key(k).starts_with("#\n# 1024 bit OpenVPN static key\n#\n"));
        StaticKey k200 = parse_static_key(kHead + data.substr(0, 400 + 12) + "\n" + kFoot, "x");
        CHECK(k200.key_count() == 1);
    }
    SUBCASE("inline block text (as between <secret> tags)") {
        CHECK(parse_static_key("\n" + kHead + data + kFoot, "[inline]") == ref);
    }
}

TEST_CASE("static key: errors carry the name and OpenVPN's reason") {
    const std::string data = data_lines(slurp(kVectors + "static.key"));

    std::string bad = data;
    bad[4 * 33 + 5] = 'g';  // line 6 of the file (header is line 1)
    CHECK(error_of(kHead + bad + kFoot) ==
          "k.key: Non-Hex character ('g') found at line 6 (66/128/256 bytes found/min/max)");

    std::string ctl = data;
    ctl[2] = '\x01';
    CHECK(error_of(kHead + ctl + kFoot) ==
          "k.key: Non-Hex, unprintable character (0x01) found at line 2 (1/128/256 bytes found/min/max)");

    CHECK(error_of(kHead + data) == "k.key: Footer text not found (256/128/256 bytes found/min/max)");
    CHECK(error_of(kHead + data + "-----END OpenVPN Static key V2-----\n") ==
          "k.key: Footer text not found (256/128/256 bytes found/min/max)");
    CHECK(error_of(kHead + data.substr(0, 3 * 33) + kFoot) ==
          "k.key: Insufficient key material or header text not found (48/128/256 bytes found/min/max)");
    CHECK(error_of(data + kFoot, "cfg.conf:12") ==
          "cfg.conf:12: Insufficient key material or header text not found (0/128/256 bytes found/min/max)");
    CHECK(error_of("") == "k.key: Insufficient key material or header text not found (0/128/256 bytes found/min/max)");
    CHECK(error_of(" " + kHead + data + kFoot).find("header text not found") != std::string::npos);
    // A '#' comment inside the data is not allowed (OpenVPN aborts too).
    CHECK(error_of(kHead + "# comment\n" + data + kFoot).find("Non-Hex character ('#') found at line 2") !=
          std::string::npos);
}

TEST_CASE("static key: generate, write 0600, refuse to overwrite, read back") {
    TempDir dir;
    const std::string path = dir.path + "/new.key";
    StaticKey a = vpn::pki::generate_static_key();
    StaticKey b = vpn::pki::generate_static_key();
    CHECK(a.key_count() == 2);
    CHECK_FALSE(a == b);

    vpn::pki::write_static_key_file(path, a);
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(slurp(path) == vpn::pki::format_static_key(a));
    CHECK(vpn::pki::read_static_key_file(path) == a);

    try {
        vpn::pki::write_static_key_file(path, b);
        FAIL("overwrote an existing key file");
    } catch (const KeyFileError& e) {
        CHECK(std::string(e.what()).starts_with(path + ": file exists"));
    }
    CHECK(vpn::pki::read_static_key_file(path) == a);

    REQUIRE(chmod(path.c_str(), 0644) == 0);
    CHECK(vpn::pki::read_static_key_file(path) == a);  // only a warning for 0644
    vpn::pki::write_static_key_file(path, b, /*overwrite=*/true);
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(vpn::pki::read_static_key_file(path) == b);

    try {
        vpn::pki::read_static_key_file(dir.path + "/missing.key");
        FAIL("read a missing file");
    } catch (const KeyFileError& e) {
        CHECK(std::string(e.what()).starts_with(dir.path + "/missing.key: cannot open key file"));
    }

    // Interop: stock openvpn accepts our file (its crypto self-test loads the key).
    if (access("/usr/sbin/openvpn", X_OK) == 0) {
        const std::string cmd = "/usr/sbin/openvpn --test-crypto --secret '" + path +
                                "' --cipher AES-256-CBC --verb 0 >/dev/null 2>&1";
        CHECK(std::system(cmd.c_str()) == 0);
    } else {
        MESSAGE("stock openvpn not installed: interop check skipped");
    }
}

TEST_CASE("static key: from_bytes checks the size") {
    std::uint8_t buf[256] = {1};
    CHECK(StaticKey::from_bytes(vpn::Bytes(buf, 256)).key_count() == 2);
    CHECK(StaticKey::from_bytes(vpn::Bytes(buf, 128)).key_count() == 1);
    CHECK_THROWS_AS(StaticKey::from_bytes(vpn::Bytes(buf, 255)), std::invalid_argument);
    CHECK_THROWS_AS(StaticKey::from_bytes(vpn::Bytes(buf, 0)), std::invalid_argument);
    StaticKey empty;
    CHECK(empty.key_count() == 0);
}
