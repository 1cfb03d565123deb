// PSK files (ipsec/ike/psk_file.hpp): the single-secret form, racoon psk.txt lines
// with every ID type, hex secrets, the * default, and errors with line numbers.
#include <doctest/doctest.h>

#include <string>

#include "ike_key_vectors.hpp"
#include "ipsec/ike/psk_file.hpp"

using namespace vpn::ike;
using ike_key_test::hex;

namespace {

PskFile parse_ok(const std::string& text) {
    auto f = PskFile::parse(text, "psk.txt");
    REQUIRE_MESSAGE(f, f.error());
    return f.take();
}

std::string error_of(const std::string& text) {
    auto f = PskFile::parse(text, "psk.txt");
    REQUIRE_FALSE(f);
    return f.error();
}

Identity id_of(const char* text) { return *parse_identity(text); }

std::string text_of(const vpn::crypto::SecureBuffer* b) {
    REQUIRE(b);
    return std::string(reinterpret_cast<const char*>(b->data()), b->size());
}

}  // namespace

TEST_CASE("one secret for every peer, with comments and blank lines around it") {
    auto f = parse_ok("# the bench PSK\n\n   ikebench-psk-0123456789   \r\n# end\n");
    CHECK(f.single_secret());
    CHECK(text_of(f.find(id_of("a.ike.test"))) == "ikebench-psk-0123456789");
    CHECK(text_of(f.find(id_of("10.0.0.1"))) == "ikebench-psk-0123456789");
    auto hexed = parse_ok("0x00ff10");
    CHECK(hex(*hexed.find(id_of("x"))) == "00ff10");
}

TEST_CASE("racoon psk.txt lines: addresses, FQDNs, user@FQDN, hex, spaces in secrets, *") {
    auto f = parse_ok(
        "# racoon style\n"
        "172.31.251.2\tsecret-for-v4\n"
        "2001:db8::2  secret for v6 with spaces  \n"
        "gw.ike.test  0x0102AbCd\n"
        "rw@ike.test  mail#secret\n"
        "*            fallback\n");
    CHECK_FALSE(f.single_secret());
    CHECK(f.size() == 5);
    CHECK(text_of(f.find(id_of("172.31.251.2"))) == "secret-for-v4");
    CHECK(text_of(f.find(id_of("2001:0db8:0::2"))) == "secret for v6 with spaces");
    CHECK(hex(*f.find(id_of("GW.ike.test"))) == "0102abcd");
    CHECK(text_of(f.find(id_of("rw@IKE.TEST"))) == "mail#secret");
    CHECK(text_of(f.find(id_of("172.31.251.3"))) == "fallback");
    CHECK(text_of(f.find(id_of("other.ike.test"))) == "fallback");
    // The address of ID_IPV4_ADDR is not an FQDN "172.31.251.2".
    CHECK(text_of(f.find(Identity{IdType::Fqdn, {'1', '7', '2'}})) == "fallback");

    auto no_default = parse_ok("gw.ike.test s1\n10.1.1.1 s2\n");
    CHECK(no_default.find(id_of("rw.ike.test")) == nullptr);
    CHECK(no_default.find(id_of("10.1.1.2")) == nullptr);
    CHECK(text_of(no_default.find(id_of("10.1.1.1"))) == "s2");
    // A single ID SECRET line is the ID form, not a single secret.
    auto one = parse_ok("gw.ike.test s1");
    CHECK_FALSE(one.single_secret());
    CHECK(one.find(id_of("rw.ike.test")) == nullptr);
}

TEST_CASE("errors name the file and line") {
    CHECK(error_of("") == "psk.txt: no pre-shared key");
    CHECK(error_of("# only a comment\n\n") == "psk.txt: no pre-shared key");
    CHECK(error_of("gw.ike.test s1\n\nrw.ike.test\n") == "psk.txt:3: secret missing for 'rw.ike.test'");
    CHECK(error_of("gw.ike.test s1\nGW.IKE.TEST s2\n") == "psk.txt:2: duplicate entry for 'GW.IKE.TEST' (line 1)");
    CHECK(error_of("* a\n* b\n") == "psk.txt:2: duplicate entry for '*' (line 1)");
    CHECK(error_of("gw 0x123\n") == "psk.txt:1: hex secret must have an even, non-zero number of digits");
    CHECK(error_of("gw 0xzz\n") == "psk.txt:1: hex secret contains a non-hex character");
    CHECK(error_of("0x\n") == "psk.txt:1: hex secret must have an even, non-zero number of digits");
    CHECK(error_of("a s\nCN=x s\n") == "psk.txt:2: ID 'CN=x': a DN cannot be used in a PSK file");
    CHECK(error_of("a s\n@ s\n").rfind("psk.txt:2: bad ID '@': ", 0) == 0);
}
