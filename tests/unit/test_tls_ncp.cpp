// Cipher negotiation (openvpn-wire.md §8.3): openvpn's tests/unit_tests/openvpn/test_ncp.c
// cases as tables, plus the server/client/P2P decisions around them.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/crypto/algorithms.hpp"
#include "common/openvpn/ncp.hpp"

using vpn::ovpn::NcpConfig;

namespace {

bool have(const char* cipher) {
    try {
        vpn::crypto::CipherAlgorithm::fetch(cipher);
        return true;
    } catch (const vpn::crypto::CryptoError&) {
        return false;
    }
}

std::optional<std::string> normalized(const std::string& list) {
    try {
        return vpn::ovpn::normalize_cipher_list(list);
    } catch (const vpn::crypto::CryptoError&) {
        return std::nullopt;
    }
}

const std::optional<std::string> kNull;

}  // namespace

TEST_CASE("test_ncp.c: test_check_ncp_ciphers_list") {
    const bool chacha = have("CHACHA20-POLY1305");
    const bool bf = have("BF-CBC");
    struct Row {
        const char* in;
        std::optional<std::string> out;
    };
    std::vector<Row> rows = {
        {"none", "none"},
        {"AES-256-GCM:none", "AES-256-GCM:none"},
        {"AES-256-GCM:AES-128-GCM", "AES-256-GCM:AES-128-GCM"},
        {"AES-256-GCM:?vollbit:AES-128-GCM", "AES-256-GCM:AES-128-GCM"},
        {"?AES-256-GCM:?AES-128-GCM", "AES-256-GCM:AES-128-GCM"},
        {"?kugelfisch:?grasshopper", kNull},
        {"Vollbit:Littlebit:AES-256-CBC:BF-CBC:?nixbit", kNull},
        {"AES-256-GCM:AES-128-CCM", kNull},
        {"AES-256-GCM:?AES-128-CCM:AES-128-GCM", "AES-256-GCM:AES-128-GCM"},
        {"vollbit", kNull},
        {"AES-256-GCM:vollbit", kNull},
        {"", kNull},
        {"ChaCha20-Poly1305:ChaCha20-Poly1305:ChaCha20-Poly1305:ChaCha20-Poly1305:ChaCha20-Poly1305:"
         "ChaCha20-Poly1305:ChaCha20-Poly1305",
         kNull},
        {"id-aes128-GCM:id-aes256-GCM", "AES-128-GCM:AES-256-GCM"},
        // Ours: case, empty items (strtok), and "none" only in lower case.
        {"aes-256-gcm::Aes-128-Gcm:", "AES-256-GCM:AES-128-GCM"},
        {"AES-256-GCM:NONE", kNull},
        {"AES-256-GCM:?None", "AES-256-GCM"},
        {"AES-256-CBC:aes-128-cbc", "AES-256-CBC:AES-128-CBC"},
        {"AES-256-CTR", kNull},  // not a data channel mode
        {"AES-256-GCM:?AES-256-OFB", "AES-256-GCM"},  // OFB/CFB: 2.6 takes them, we do not
    };
    if (chacha) {
        rows.push_back({"AES-128-CBC:CHACHA20-POLY1305", "AES-128-CBC:CHACHA20-POLY1305"});
        rows.push_back({"AES-128-CBC:ChaCha20-Poly1305", "AES-128-CBC:CHACHA20-POLY1305"});
        // 6 x 17 + 5 colons = 107 characters: still fits.
        rows.push_back({"ChaCha20-Poly1305:ChaCha20-Poly1305:ChaCha20-Poly1305:ChaCha20-Poly1305:ChaCha20-Poly1305:"
                        "ChaCha20-Poly1305",
                        "CHACHA20-POLY1305:CHACHA20-POLY1305:CHACHA20-POLY1305:CHACHA20-POLY1305:CHACHA20-POLY1305:"
                        "CHACHA20-POLY1305"});
    }
    if (chacha && bf) {
        rows.push_back({"BF-CBC:CHACHA20-POLY1305", "BF-CBC:CHACHA20-POLY1305"});
    } else {
        rows.push_back({"BF-CBC:CHACHA20-POLY1305", kNull});
    }
    for (const auto& r : rows) {
        CAPTURE(r.in);
        CHECK(normalized(r.in) == r.out);
    }
}

TEST_CASE("data-ciphers length limit: 124 characters") {
    // 31 x "AES-256-GCM" is too long; build lists of exactly 124 and 125 characters.
    std::string list = "AES-128-CBC";  // 11 characters per item, 12 with the colon
    while (list.size() + 12 <= 124) list += ":AES-128-CBC";
    CHECK(list.size() == 119);
    const std::string ok124 = list + ":none";  // 119 + 5 = 124
    CHECK(normalized(ok124) == ok124);
    CHECK(normalized(list + ":none:none") == kNull);
}

TEST_CASE("default data-ciphers") {
    const std::string d = vpn::ovpn::default_data_ciphers();
    if (have("CHACHA20-POLY1305"))
        CHECK(d == "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
    else
        CHECK(d == "AES-256-GCM:AES-128-GCM");
    CHECK(normalized(d) == d);
}

TEST_CASE("test_ncp.c: test_extract_client_ciphers") {
    struct Row {
        const char* peer_info;
        const char* list;
        bool supports_ncp;
    };
    const Row rows[] = {
        {"foo=bar\nIV_foo=y\nIV_NCP=2", "AES-256-GCM:AES-128-GCM", true},
        {"foo=bar\nIV_foo=y\nIV_NCP=2\nIV_CIPHERS=BF-CBC", "BF-CBC", true},
        {"IV_NCP=2\nIV_CIPHERS=BF-CBC:FOO-BAR\nIV_BAR=7", "BF-CBC:FOO-BAR", true},
        {"IV_CIPHERS=BF-CBC:FOO-BAR\nIV_BAR=7", "BF-CBC:FOO-BAR", true},
        {"IV_YOLO=NO\nIV_BAR=7", "", false},
        {"", "", false},
        // Ours: IV_NCP must be >= 2; 2.6 scans with sscanf("%d").
        {"IV_NCP=1", "", false},
        {"IV_NCP=3x\n", "AES-256-GCM:AES-128-GCM", true},
        {"IV_NCP=abc", "", false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.peer_info);
        CHECK(vpn::ovpn::peer_cipher_list(r.peer_info) == r.list);
        CHECK(vpn::ovpn::peer_supports_ncp(r.peer_info) == r.supports_ncp);
    }
}

TEST_CASE("test_ncp.c: test_poor_man and test_ncp_best (ncp_get_best_cipher)") {
    const char* serverlist = "CHACHA20_POLY1305:AES-128-GCM";
    const char* serverlistbfcbc = "CHACHA20_POLY1305:AES-128-GCM:BF-CBC:none";
    const char* best_list = "CHACHA20_POLY1305:AES-128-GCM:AES-256-GCM";
    struct Row {
        const char* server;
        const char* peer_info;
        const char* remote_cipher;
        std::optional<std::string> best;
    };
    const Row rows[] = {
        {serverlist, "IV_YOLO=NO\nIV_BAR=7", "BF-CBC", kNull},
        {serverlistbfcbc, "IV_YOLO=NO\nIV_BAR=7", "BF-CBC", "BF-CBC"},
        {serverlist, "IV_NCP=1\nIV_BAR=7", "AES-128-GCM", "AES-128-GCM"},
        {serverlist, "", "AES-128-GCM", "AES-128-GCM"},
        {serverlist, "", "none", kNull},
        {serverlistbfcbc, "", "none", "none"},
        {serverlist, "", "", kNull},
        {best_list, "IV_YOLO=NO\nIV_NCP=2\nIV_BAR=7", "BF-CBC", "AES-128-GCM"},
        {best_list, "IV_NCP=2\nIV_BAR=7", "CHACHA20_POLY1305", "CHACHA20_POLY1305"},
        {best_list, "IV_CIPHERS=AES-128-GCM", "AES-256-CBC", "AES-128-GCM"},
        {best_list, "IV_FOO=7\nIV_CIPHERS=AES-256-GCM\nIV_NCP=2", "AES-256-CBC", "AES-256-GCM"},
        // Ours: with IV_CIPHERS the OCC cipher does not count.
        {"AES-256-CBC:AES-256-GCM", "IV_CIPHERS=AES-128-GCM", "AES-256-CBC", kNull},
        // The server's order wins over the client's.
        {"AES-128-GCM:AES-256-GCM", "IV_CIPHERS=AES-256-GCM:AES-128-GCM", "", "AES-128-GCM"},
        // Exact, case-sensitive matches.
        {"AES-256-GCM", "IV_CIPHERS=aes-256-gcm", "", kNull},
    };
    for (const auto& r : rows) {
        CAPTURE(r.server);
        CAPTURE(r.peer_info);
        CAPTURE(r.remote_cipher);
        CHECK(vpn::ovpn::ncp_best_cipher(r.server, r.peer_info, r.remote_cipher) == r.best);
    }
}

TEST_CASE("server decision: push, fallback only for clients that said nothing") {
    const NcpConfig ours{"AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305", std::nullopt};
    const NcpConfig with_fb{"AES-256-GCM:AES-128-GCM", std::string("AES-256-CBC")};
    struct Row {
        const NcpConfig* cfg;
        const char* peer_info;
        const char* remote;
        bool ok;
        const char* cipher;
        bool push;
    };
    const Row rows[] = {
        // A stock 2.6 client.
        {&ours, "IV_NCP=2\nIV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n", "", true, "AES-256-GCM", true},
        {&ours, "IV_CIPHERS=CHACHA20-POLY1305\n", "", true, "CHACHA20-POLY1305", true},
        // A 2.4 client: IV_NCP=2 only.
        {&ours, "IV_NCP=2\n", "BF-CBC", true, "AES-256-GCM", true},
        // A pre-NCP client whose OCC cipher is in our list: chosen, not pushed.
        {&ours, "IV_VER=2.3.18\n", "AES-128-GCM", true, "AES-128-GCM", false},
        {&ours, "IV_CIPHERS=AES-256-CBC\n", "", false, "", true},
        {&with_fb, "IV_CIPHERS=AES-256-CBC\n", "", false, "", true},  // known list: no fallback
        {&with_fb, "IV_VER=2.3\n", "BF-CBC", false, "", false},        // known OCC cipher: no fallback
        {&with_fb, "IV_VER=2.3\n", "", true, "AES-256-CBC", false},    // nothing known: fallback
        {&ours, "", "", false, "", false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.peer_info);
        CAPTURE(r.remote);
        const auto res = vpn::ovpn::negotiate_server_cipher(*r.cfg, r.peer_info, r.remote);
        CHECK(res.ok == r.ok);
        CHECK(res.push_cipher == r.push);
        if (r.ok)
            CHECK(res.cipher == r.cipher);
        else
            CHECK_FALSE(res.error.empty());
    }
}

TEST_CASE("client decision after the push (check_session_cipher, poor man's NCP)") {
    const NcpConfig ours{"AES-256-GCM:AES-128-GCM", std::nullopt};
    const NcpConfig with_fb{"AES-256-GCM:AES-128-GCM", std::string("AES-256-CBC")};
    using O = std::optional<std::string_view>;
    struct Row {
        const NcpConfig* cfg;
        O pushed;
        const char* remote;
        bool ok;
        const char* cipher;
    };
    const Row rows[] = {
        {&ours, O("AES-128-GCM"), "", true, "AES-128-GCM"},
        {&ours, O("CHACHA20-POLY1305"), "", false, ""},
        {&ours, O("aes-128-gcm"), "", false, ""},  // exact match, as strcmp
        {&with_fb, O("AES-256-CBC"), "", true, "AES-256-CBC"},
        {&ours, O(), "AES-128-GCM", true, "AES-128-GCM"},  // nothing pushed: the server's OCC cipher
        {&ours, O(), "AES-256-CBC", false, ""},
        {&with_fb, O(), "BF-CBC", false, ""},  // a known server cipher is never replaced by the fallback
        {&with_fb, O(), "", true, "AES-256-CBC"},
        {&ours, O(), "", false, ""},
    };
    for (const auto& r : rows) {
        CAPTURE(r.pushed.value_or("-"));
        CAPTURE(r.remote);
        const auto res = vpn::ovpn::negotiate_client_cipher(*r.cfg, r.pushed, r.remote);
        CHECK(res.ok == r.ok);
        if (r.ok) CHECK(res.cipher == r.cipher);
        else CHECK_FALSE(res.error.empty());
    }
}

TEST_CASE("P2P: the TLS server's preference, both sides agree") {
    const NcpConfig a{"AES-128-GCM:AES-256-GCM:CHACHA20-POLY1305", std::nullopt};
    const NcpConfig b{"CHACHA20-POLY1305:AES-256-GCM", std::nullopt};
    const std::string a_info = "IV_CIPHERS=" + a.data_ciphers + "\nIV_PROTO=746\n";
    const std::string b_info = "IV_CIPHERS=" + b.data_ciphers + "\nIV_PROTO=746\n";
    // a is the TLS server: its order ranks.
    auto as_server = vpn::ovpn::negotiate_p2p_cipher(a, b_info, true);
    auto as_client = vpn::ovpn::negotiate_p2p_cipher(b, a_info, false);
    REQUIRE(as_server.ok);
    REQUIRE(as_client.ok);
    CHECK(as_server.cipher == "AES-256-GCM");
    CHECK(as_client.cipher == "AES-256-GCM");
    // b is the TLS server.
    CHECK(vpn::ovpn::negotiate_p2p_cipher(b, a_info, true).cipher == "CHACHA20-POLY1305");
    CHECK(vpn::ovpn::negotiate_p2p_cipher(a, b_info, false).cipher == "CHACHA20-POLY1305");
    // No IV_CIPHERS (an old peer) or no overlap: the fallback (an explicit --cipher in P2P).
    const NcpConfig fb{"AES-256-GCM", std::string("AES-256-CBC")};
    CHECK(vpn::ovpn::negotiate_p2p_cipher(fb, "IV_VER=2.4\n", true).cipher == "AES-256-CBC");
    CHECK(vpn::ovpn::negotiate_p2p_cipher(fb, "IV_CIPHERS=AES-128-GCM\n", false).cipher == "AES-256-CBC");
    CHECK_FALSE(vpn::ovpn::negotiate_p2p_cipher(a, "IV_VER=2.4\n", true).ok);
}

TEST_CASE("peer-info lookups as 2.6 does them") {
    CHECK(vpn::ovpn::peer_info_var("IV_A=1\nIV_CIPHERS=X:Y\nIV_B=2", "IV_CIPHERS=") == "X:Y");
    CHECK(vpn::ovpn::peer_info_var("IV_CIPHERS=X:Y", "IV_CIPHERS=") == "X:Y");
    CHECK(vpn::ovpn::peer_info_var("IV_CIPHERS=", "IV_CIPHERS=") == "");
    CHECK_FALSE(vpn::ovpn::peer_info_var("IV_CIPHER=X", "IV_CIPHERS="));
    // Substring search, as strstr: a UV_ variable can shadow it (2.6 behaves the same).
    CHECK(vpn::ovpn::peer_info_var("UV_IV_CIPHERS=Z\nIV_CIPHERS=X", "IV_CIPHERS=") == "Z");
    CHECK(vpn::ovpn::peer_info_iv_proto("IV_PROTO=990\n") == 990);
    CHECK(vpn::ovpn::peer_info_iv_proto("IV_PROTO=-2\n") == 0);
    CHECK(vpn::ovpn::peer_info_iv_proto("IV_PROTO=x\n") == 0);
    CHECK(vpn::ovpn::peer_info_iv_proto("IV_PROTO=99999999999999\n") == 0);
    CHECK(vpn::ovpn::peer_info_iv_proto("") == 0);
    CHECK(vpn::ovpn::peer_info_ncp_version("IV_NCP= 2") == 2);
}

TEST_CASE("OCC cipher of the peer") {
    CHECK(vpn::ovpn::occ_remote_cipher("V4,dev-type tun,link-mtu 1572,tun-mtu 1500,proto UDPv4,keydir 0,"
                                       "cipher AES-256-CBC,auth SHA256,keysize 256,secret") == "AES-256-CBC");
    CHECK(vpn::ovpn::occ_remote_cipher("V4,dev-type tun,cipher [null-cipher],auth SHA1") == "none");
    CHECK(vpn::ovpn::occ_remote_cipher("V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,"
                                       "keysize 128,key-method 2,tls-client") == "");
    CHECK(vpn::ovpn::occ_remote_cipher("cipher BF-CBC") == "BF-CBC");
    CHECK(vpn::ovpn::occ_remote_cipher("V4,xcipher BF-CBC,ciphers X") == "");
    CHECK(vpn::ovpn::occ_remote_cipher("V4,cipher ") == "");
}

TEST_CASE("cipher names") {
    CHECK(vpn::ovpn::normalize_cipher_name("aes-256-gcm") == "AES-256-GCM");
    CHECK(vpn::ovpn::normalize_cipher_name("id-aes192-GCM") == "AES-192-GCM");
    CHECK(vpn::ovpn::normalize_cipher_name("aes-256-cbc") == "AES-256-CBC");
    CHECK(vpn::ovpn::normalize_cipher_name("none") == "none");
    CHECK_THROWS_AS(vpn::ovpn::normalize_cipher_name("None"), vpn::crypto::CryptoError);
    CHECK_THROWS_AS(vpn::ovpn::normalize_cipher_name("AES-128-CBC-HMAC-SHA1"), vpn::crypto::CryptoError);
    if (have("CHACHA20-POLY1305")) CHECK(vpn::ovpn::normalize_cipher_name("chacha20-poly1305") == "CHACHA20-POLY1305");
    if (have("BF-CBC")) CHECK(vpn::ovpn::normalize_cipher_name("bf-cbc") == "BF-CBC");
    CHECK(vpn::ovpn::cipher_in_list("AES-128-GCM", "AES-256-GCM:AES-128-GCM"));
    CHECK_FALSE(vpn::ovpn::cipher_in_list("AES-128", "AES-256-GCM:AES-128-GCM"));
    CHECK_FALSE(vpn::ovpn::cipher_in_list("", "AES-256-GCM::AES-128-GCM"));
}

TEST_CASE("peer info: IV_MTU as a number, 0 when absent or not positive") {
    using vpn::ovpn::peer_info_mtu;
    CHECK(peer_info_mtu("IV_VER=2.6.14\nIV_MTU=1600\nIV_PROTO=990\n") == 1600);
    CHECK(peer_info_mtu("IV_VER=2.6.14\n") == 0);
    CHECK(peer_info_mtu("IV_MTU=-5\n") == 0);
    CHECK(peer_info_mtu("IV_MTU=abc\n") == 0);
    CHECK(peer_info_mtu("IV_MTU=99999999999\n") == 0);
}
