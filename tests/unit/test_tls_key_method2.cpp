// Key-method-2 message codec (openvpn-wire.md §7.1; ssl.c: key_method_2_write/read).
#include <doctest/doctest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/openvpn/key_method2.hpp"

using vpn::Bytes;
using vpn::crypto::SecureBuffer;
using vpn::ovpn::KeyMethod2;
using vpn::ovpn::KeySource;

namespace {

std::vector<std::uint8_t> fill(std::size_t n, std::uint8_t v) { return std::vector<std::uint8_t>(n, v); }

void put(std::vector<std::uint8_t>& v, std::initializer_list<std::uint8_t> b) { v.insert(v.end(), b); }
void put(std::vector<std::uint8_t>& v, const std::vector<std::uint8_t>& b) { v.insert(v.end(), b.begin(), b.end()); }
// A key-method-2 string: u16 length including the NUL, bytes, NUL; empty = 00 00.
void put_str(std::vector<std::uint8_t>& v, const std::string& s) {
    if (s.empty()) {
        put(v, {0, 0});
        return;
    }
    const std::size_t n = s.size() + 1;
    put(v, {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
    v.insert(v.end(), s.begin(), s.end());
    v.push_back(0);
}

const std::string kOcc =
    "V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,key-method 2,tls-client";
const std::string kPeerInfo = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_PROTO=990\n";

KeyMethod2 client_message() {
    KeyMethod2 m;
    m.source = KeySource::from_parts(fill(48, 0xa1), fill(32, 0xb2), fill(32, 0xc3));
    m.options = kOcc;
    m.username = "alice";
    m.password = SecureBuffer(Bytes(reinterpret_cast<const std::uint8_t*>("s3cret"), 6));
    m.peer_info = kPeerInfo;
    return m;
}

std::vector<std::uint8_t> expected_client_bytes() {
    std::vector<std::uint8_t> v;
    put(v, {0, 0, 0, 0, 2});
    put(v, fill(48, 0xa1));
    put(v, fill(32, 0xb2));
    put(v, fill(32, 0xc3));
    put_str(v, kOcc);
    put_str(v, "alice");
    put_str(v, "s3cret");
    put_str(v, kPeerInfo);
    return v;
}

std::vector<std::uint8_t> to_vec(const SecureBuffer& b) { return std::vector<std::uint8_t>(b.span().begin(), b.span().end()); }

}  // namespace

TEST_CASE("client message: exact layout and round trip") {
    const auto wire = vpn::ovpn::build_key_method_2(client_message());
    CHECK(to_vec(wire) == expected_client_bytes());
    const auto r = vpn::ovpn::parse_key_method_2(wire.span(), true);
    REQUIRE(r.ok);
    CHECK_FALSE(r.credentials_too_long);
    CHECK(r.message.source.is_client());
    CHECK(r.message.source.pre_master()[0] == 0xa1);
    CHECK(r.message.source.random1()[31] == 0xb2);
    CHECK(r.message.source.random2()[0] == 0xc3);
    CHECK(r.message.options == kOcc);
    CHECK(r.message.username == "alice");
    CHECK(r.message.password.size() == 6);
    CHECK(std::memcmp(r.message.password.data(), "s3cret", 6) == 0);
    CHECK(r.message.peer_info == kPeerInfo);
    // Read as a server's message it is misaligned and the strings do not parse.
    const auto wrong = vpn::ovpn::parse_key_method_2(wire.span(), false);
    CHECK_FALSE(wrong.ok);
}

TEST_CASE("server message: no pre_master, empty strings are a bare zero length") {
    KeyMethod2 m;
    m.source = KeySource::from_parts({}, fill(32, 1), fill(32, 2));
    m.options = "V4,x";
    const auto wire = vpn::ovpn::build_key_method_2(m);
    std::vector<std::uint8_t> want;
    put(want, {0, 0, 0, 0, 2});
    put(want, fill(32, 1));
    put(want, fill(32, 2));
    put_str(want, "V4,x");
    put(want, {0, 0, 0, 0, 0, 0});  // username, password, peer-info
    CHECK(to_vec(wire) == want);
    const auto r = vpn::ovpn::parse_key_method_2(wire.span(), false);
    REQUIRE(r.ok);
    CHECK_FALSE(r.message.source.is_client());
    CHECK(r.message.options == "V4,x");
    CHECK(r.message.username.empty());
    CHECK(r.message.password.empty());
    CHECK(r.message.peer_info.empty());
}

TEST_CASE("every truncation: fatal up to the password, harmless in the peer-info") {
    const auto full = expected_client_bytes();
    const std::size_t peer_info_start = full.size() - (2 + kPeerInfo.size() + 1);
    for (std::size_t len = 0; len < full.size(); ++len) {
        CAPTURE(len);
        const auto r = vpn::ovpn::parse_key_method_2(Bytes(full.data(), len), true);
        if (len < peer_info_start) {
            CHECK_FALSE(r.ok);
            CHECK_FALSE(r.error.empty());
        } else {
            REQUIRE(r.ok);  // ssl.c: read_string_alloc gives up quietly
            CHECK(r.message.peer_info.empty());
            CHECK(r.message.username == "alice");
        }
    }
}

TEST_CASE("reader leniencies and limits of stock 2.6") {
    auto base = [](std::uint8_t method, const std::string& options_raw) {
        std::vector<std::uint8_t> v;
        put(v, {0xde, 0xad, 0xbe, 0xef, method});  // the leading uint32 is not checked
        put(v, fill(64, 7));
        const std::size_t n = options_raw.size();
        put(v, {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
        v.insert(v.end(), options_raw.begin(), options_raw.end());
        return v;
    };
    auto tail = [](std::vector<std::uint8_t> v) {
        put(v, {0, 0, 0, 0});  // no username, no password; no peer-info at all
        return v;
    };
    // Flags in the high nibble of the key method byte are ignored.
    auto r = vpn::ovpn::parse_key_method_2(tail(base(0x22, std::string("V4,a\0", 5))), false);
    REQUIRE(r.ok);
    CHECK(r.message.options == "V4,a");
    CHECK(vpn::ovpn::parse_key_method_2(tail(base(0x01, std::string("V4\0", 3))), false).error ==
          "key method 2: unknown key method");
    // The string ends at its first NUL; an unterminated one still reads.
    r = vpn::ovpn::parse_key_method_2(tail(base(2, std::string("V4\0junk\0", 8))), false);
    REQUIRE(r.ok);
    CHECK(r.message.options == "V4");
    r = vpn::ovpn::parse_key_method_2(tail(base(2, "V4,b")), false);
    REQUIRE(r.ok);
    CHECK(r.message.options == "V4,b");
    // Options: 512 bytes with the NUL is the maximum.
    CHECK(vpn::ovpn::parse_key_method_2(tail(base(2, std::string(511, 'o') + '\0')), false).ok);
    CHECK_FALSE(vpn::ovpn::parse_key_method_2(tail(base(2, std::string(512, 'o') + '\0')), false).ok);
    // An empty options string (length 0) is accepted, as read_string does.
    CHECK(vpn::ovpn::parse_key_method_2(tail(base(2, "")), false).ok);

    // Over-long credentials: skipped, flagged, the peer-info behind them still read.
    auto v = base(2, std::string("V4\0", 3));
    const std::string user(4096, 'u');  // + NUL = 4097 > USER_PASS_LEN
    put_str(v, user);
    put_str(v, "pw");
    put_str(v, "IV_PROTO=2\n");
    r = vpn::ovpn::parse_key_method_2(v, false);
    REQUIRE(r.ok);
    CHECK(r.credentials_too_long);
    CHECK(r.message.username.empty());
    CHECK(r.message.password.empty());
    CHECK(r.message.peer_info == "IV_PROTO=2\n");
    v = base(2, std::string("V4\0", 3));
    put_str(v, std::string(4095, 'u'));
    put_str(v, "pw");
    r = vpn::ovpn::parse_key_method_2(v, false);
    REQUIRE(r.ok);
    CHECK_FALSE(r.credentials_too_long);
    CHECK(r.message.username.size() == 4095);
    // Trailing bytes after the peer-info are ignored.
    v = tail(base(2, std::string("V4\0", 3)));
    put_str(v, "IV_X=1");
    put(v, {1, 2, 3});
    r = vpn::ovpn::parse_key_method_2(v, false);
    REQUIRE(r.ok);
    CHECK(r.message.peer_info == "IV_X=1");
}

TEST_CASE("writer refusals") {
    KeyMethod2 m = client_message();
    m.options = std::string(511, 'o');
    CHECK_NOTHROW(vpn::ovpn::build_key_method_2(m));
    m.options = std::string(512, 'o');
    CHECK_THROWS_AS(vpn::ovpn::build_key_method_2(m), std::invalid_argument);
    m = client_message();
    m.username = std::string("a\0b", 3);
    CHECK_THROWS_AS(vpn::ovpn::build_key_method_2(m), std::invalid_argument);
    m = client_message();
    m.peer_info = std::string(2000, 'p');  // the whole message must fit 2048 bytes
    CHECK_THROWS_AS(vpn::ovpn::build_key_method_2(m), std::invalid_argument);
    m.peer_info = std::string(2048 - expected_client_bytes().size() + kPeerInfo.size(), 'p');
    CHECK(vpn::ovpn::build_key_method_2(m).size() == 2048);
    m = client_message();
    m.source = KeySource{};
    CHECK_THROWS_AS(vpn::ovpn::build_key_method_2(m), std::invalid_argument);
}
