// TLS-mode directives (directives_tls.cpp, directives_connect.cpp) and their
// cross-directive rules (validate_tls.cpp): accepted forms, defaults, inline blocks,
// every error with its exact "FILE:LINE:" prefix, and tls_requested().
#include <doctest/doctest.h>

#include <random>

#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::cmdline_error;
using config_test::has;
using config_test::load_error;
using config_test::load_ok;
using config_test::TempDir;
using config_test::err;
using config_test::opts;
using config_test::warnings;

namespace {

// A valid TLS client / server around the lines under test (appended after them, so
// the lines under test keep their numbers).
const std::string kClient = "client\nremote vpn.example\nca ca.crt\ncert c.crt\nkey c.key\n";
const std::string kServer = "tls-server\nca ca.crt\ncert s.crt\nkey s.key\n";

const std::string kFp = "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
                        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";


}  // namespace

TEST_CASE("defaults: OpenVPN 2.6's init_options, no TLS requested") {
    Options o = opts("dev tun\nsecret s.key\n");
    CHECK_FALSE(o.tls_requested());
    CHECK_FALSE(o.first_tls_directive);
    const TlsOptions& t = o.tls;
    CHECK_FALSE(t.server);
    CHECK_FALSE(t.client);
    CHECK_FALSE(t.pull);
    CHECK_FALSE(t.ca);
    CHECK_FALSE(t.cert);
    CHECK_FALSE(t.key);
    CHECK_FALSE(t.dh);
    CHECK_FALSE(t.crl_verify);
    CHECK_FALSE(t.tls_auth);
    CHECK_FALSE(t.tls_crypt);
    CHECK(t.data_ciphers == "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
    CHECK_FALSE(t.data_ciphers_set);
    CHECK_FALSE(t.data_ciphers_fallback);
    CHECK(t.reneg_sec == 3600);
    CHECK_FALSE(t.reneg_sec_min);
    CHECK_FALSE(t.reneg_bytes);
    CHECK(t.reneg_pkts == 0);
    CHECK(t.hand_window == 60);
    CHECK(t.tran_window == 3600);
    CHECK_FALSE(t.remote_cert_tls);
    CHECK_FALSE(t.verify_x509_name);
    CHECK(t.peer_fingerprints.empty());
    CHECK(t.tls_version_min == TlsVersion::V1_2);
    CHECK_FALSE(t.tls_version_max);
    CHECK_FALSE(t.tls_cipher);
    CHECK_FALSE(t.tls_ciphersuites);
    CHECK_FALSE(t.tls_groups);
    CHECK_FALSE(t.auth_user_pass);
    CHECK_FALSE(t.push_peer_info);
    const ConnectOptions& c = o.connect;
    CHECK_FALSE(c.remote_random);
    CHECK(c.connect_retry == 1);
    CHECK(c.connect_retry_max_wait == 300);
    CHECK(c.connect_retry_max == 0);
    CHECK(c.resolv_retry == 1000000000);
    CHECK(c.server_poll_timeout == 120);
}

TEST_CASE("client: tls-client + pull, paths resolved, nobind, tls_requested") {
    TempDir tmp;
    auto r = load_ok("dev tun\n" + kClient + "remote-cert-tls server\n", tmp.path, "client.conf");
    const Options& o = r.opts;
    CHECK(r.warnings.empty());
    CHECK(o.tls_requested());
    REQUIRE(o.first_tls_directive);
    CHECK(o.first_tls_directive->str() == "client.conf:2");
    CHECK(o.tls.client);
    CHECK(o.tls.pull);
    CHECK_FALSE(o.tls.server);
    REQUIRE(o.tls.ca);
    CHECK(o.tls.ca->path == tmp.file("ca.crt"));
    CHECK_FALSE(o.tls.ca->inline_text);
    CHECK(o.tls.ca->origin.str() == "client.conf:4");
    CHECK(o.tls.cert->path == tmp.file("c.crt"));
    CHECK(o.tls.key->path == tmp.file("c.key"));
    CHECK(o.tls.remote_cert_tls == PeerRole::Server);
    CHECK(o.nobind);  // a pulling client does not bind (options_postprocess_mutate_ce)
    CHECK(opts("lport 5000\n" + kClient).nobind == false);
    CHECK(opts("local 192.0.2.1\n" + kClient).nobind == false);

    // The same with tls-client + pull spelled out.
    Options p = opts("tls-client\npull\nremote vpn.example\nca /etc/ca.crt\ncert c.crt\nkey c.key\n");
    CHECK(p.tls.client);
    CHECK(p.tls.pull);
    CHECK(p.tls.ca->path == "/etc/ca.crt");
    CHECK(p.first_tls_directive->str() == "test.conf:1");
}

TEST_CASE("tls-server and p2p tls-client") {
    Options s = opts("dev tun\nifconfig 10.8.0.1 10.8.0.2\n" + kServer + "dh dh.pem\n");
    CHECK(s.tls_requested());
    CHECK(s.tls.server);
    CHECK_FALSE(s.tls.client);
    CHECK_FALSE(s.tls.pull);
    CHECK(s.first_tls_directive->str() == "test.conf:3");
    REQUIRE(s.tls.dh);
    CHECK(s.tls.dh->path.ends_with("/dh.pem"));
    CHECK_FALSE(s.nobind);
    CHECK_FALSE(opts(kServer + "dh none\n").tls.dh);  // none: ECDHE only
    CHECK_FALSE(opts("dh x.pem\ndh none\n" + kServer).tls.dh);
    CHECK_FALSE(opts(kServer).tls.dh);  // as the issue says: no dh means ECDHE only

    Options c = opts("tls-client\nremote peer.example\nca ca.crt\ncert c.crt\nkey c.key\n");
    CHECK(c.tls_requested());
    CHECK(c.tls.client);
    CHECK_FALSE(c.tls.pull);
    CHECK_FALSE(c.nobind);
}

TEST_CASE("first_tls_directive is the first of the TLS family, wherever the role is") {
    Options o = opts("verb 3\nca ca.crt\ndata-ciphers AES-256-GCM\ncert c.crt\nkey c.key\ntls-server\n");
    CHECK(o.first_tls_directive->str() == "test.conf:2");
    o = opts("data-ciphers AES-256-GCM\n" + kServer);
    CHECK(o.first_tls_directive->str() == "test.conf:1");
    // The connection directives are not TLS directives.
    o = opts("remote-random\nconnect-retry 5\nresolv-retry 10\n" + kServer);
    CHECK(o.first_tls_directive->str() == "test.conf:4");
    // From the command line.
    TempDir tmp;
    std::string conf = tmp.write("s.conf", kServer);
    Options cl = load(conf, {"--reneg-sec", "60"}, [](const std::string&) {});
    CHECK(cl.first_tls_directive->str() == conf + ":1");
    CHECK(cl.tls.reneg_sec == 60);
    cl = load("", {"--tls-server", "--ca", "ca.crt", "--cert", "s.crt", "--key", "s.key"}, [](const std::string&) {});
    CHECK(cl.first_tls_directive->str() == "[command line] --tls-server");
}

TEST_CASE("inline blocks: <ca> <cert> <key> <dh> <crl-verify> <tls-auth> <tls-crypt> <auth-user-pass>") {
    const std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    Options o = opts("client\nremote vpn.example\n<ca>\n" + pem + "</ca>\n<cert>\n" + pem + "</cert>\n<key>\nK\n</key>\n"
                     "<tls-crypt>\nT\n</tls-crypt>\n<crl-verify>\nC\n</crl-verify>\n");
    REQUIRE(o.tls.ca);
    CHECK(o.tls.ca->inline_text == pem);
    CHECK(o.tls.ca->path.empty());
    CHECK(o.tls.ca->origin.str() == "test.conf:3");
    CHECK(o.tls.cert->inline_text == pem);
    CHECK(o.tls.key->inline_text == "K\n");
    CHECK(o.tls.tls_crypt->inline_text == "T\n");
    CHECK(o.tls.crl_verify->inline_text == "C\n");

    Options s = opts(kServer + "<dh>\nD\n</dh>\n<tls-auth>\nA\n</tls-auth>\nkey-direction 0\n");
    CHECK(s.tls.dh->inline_text == "D\n");
    CHECK(s.tls.tls_auth->inline_text == "A\n");
    CHECK(s.key_direction == KeyDirection::Normal);

    // `NAME [inline]` before or after its block, as `secret` works.
    Options b = opts("ca [inline]\n<ca>\nX\n</ca>\ntls-server\ncert s.crt\nkey s.key\n");
    CHECK(b.tls.ca->inline_text == "X\n");
    b = opts("<ca>\nX\n</ca>\nca [inline]\ntls-server\ncert s.crt\nkey s.key\n");
    CHECK(b.tls.ca->inline_text == "X\n");
    b = opts("<ca>\nX\n</ca>\nca later.crt\ntls-server\ncert s.crt\nkey s.key\n");  // a later file wins
    CHECK_FALSE(b.tls.ca->inline_text);
    CHECK(b.tls.tls_version_min == TlsVersion::V1_2);
    b = opts(kServer + "tls-auth [inline] 1\n<tls-auth>\nA\n</tls-auth>\n");
    CHECK(b.tls.tls_auth->inline_text == "A\n");
    CHECK(b.key_direction == KeyDirection::Inverse);

    CHECK(err("tls-server\ncert s.crt\nkey s.key\nca [inline]\n") ==
          "test.conf:4: 'ca [inline]' has no <ca> block, expected a <ca> ... </ca> block in the config");
    CHECK(err(kClient + "tls-crypt [inline]\n") ==
          "test.conf:6: 'tls-crypt [inline]' has no <tls-crypt> block, expected a <tls-crypt> ... </tls-crypt> block "
          "in the config");
    CHECK(err("<ca>\n\n</ca>\n") ==
          "test.conf:1: 'ca': empty <ca> block, expected its content between <ca> and </ca>");
    CHECK(err("ca \"\"\n") == "test.conf:1: 'ca': empty file name, expected a file or [inline]");
    CHECK(err("<tls-server>\nx\n</tls-server>\n").starts_with("test.conf:1: 'tls-server' cannot be an inline block"));
    CHECK(err("<data-ciphers>\nx\n</data-ciphers>\n").starts_with("test.conf:1: 'data-ciphers' cannot be an inline block"));
}

TEST_CASE("crl-verify: a file; the dir form is not supported yet") {
    Options o = opts(kServer + "crl-verify crl.pem\n");
    CHECK(o.tls.crl_verify->path.ends_with("/crl.pem"));
    CHECK(err(kServer + "crl-verify /etc/crls dir\n") ==
          "test.conf:5: 'crl-verify DIR dir' (a directory of CRLs) is not supported yet, expected 'crl-verify FILE'");
    CHECK(err(kServer + "crl-verify crl.pem x\n") ==
          "test.conf:5: 'crl-verify': 'x' is not a mode, expected dir or no second argument");
    CHECK(err("crl-verify") == "test.conf:1: 'crl-verify' expects 1 to 2 arguments (CRL file), got 0");
}

TEST_CASE("tls-auth with a direction; key-direction applies to it too") {
    Options o = opts(kServer + "tls-auth ta.key 0\n");
    CHECK(o.tls.tls_auth->path.ends_with("/ta.key"));
    CHECK(o.key_direction == KeyDirection::Normal);
    CHECK(opts(kClient + "tls-auth ta.key 1\n").key_direction == KeyDirection::Inverse);
    CHECK(opts(kClient + "tls-auth ta.key\n").key_direction == KeyDirection::Bidirectional);
    CHECK(opts(kClient + "key-direction 1\ntls-auth ta.key\n").key_direction == KeyDirection::Inverse);
    CHECK(opts(kServer + "tls-crypt tc.key\n").tls.tls_crypt->path.ends_with("/tc.key"));
    CHECK(err(kServer + "tls-auth ta.key 2\n") == "test.conf:5: 'tls-auth': '2' is not a key direction, expected 0 or 1");
    CHECK(err("tls-auth a b c") ==
          "test.conf:1: 'tls-auth' expects 1 to 2 arguments (key file (or [inline]) and optional key direction 0 or 1), got 3");
    CHECK(err("tls-crypt a 1") == "test.conf:1: 'tls-crypt' expects 1 argument (key file or [inline]), got 2");
}

TEST_CASE("data-ciphers, ncp-ciphers, data-ciphers-fallback") {
    Options o = opts(kClient + "data-ciphers AES-128-GCM:CHACHA20-POLY1305\ndata-ciphers-fallback AES-256-CBC\n");
    CHECK(o.tls.data_ciphers == "AES-128-GCM:CHACHA20-POLY1305");
    CHECK(o.tls.data_ciphers_set);
    CHECK(o.tls.data_ciphers_fallback == "AES-256-CBC");
    CHECK(opts(kClient + "ncp-ciphers AES-256-GCM\n").tls.data_ciphers == "AES-256-GCM");
    CHECK(err("data-ciphers ::") ==
          "test.conf:1: 'data-ciphers': '::' names no cipher, expected a ':'-separated list such as AES-256-GCM:AES-128-GCM");
    CHECK(err("ncp-ciphers \"\"").starts_with("test.conf:1: 'ncp-ciphers': '' names no cipher"));
    CHECK(err("data-ciphers-fallback \"\"") ==
          "test.conf:1: 'data-ciphers-fallback': empty argument, expected a cipher name");
    CHECK(err("data-ciphers a b") == "test.conf:1: 'data-ciphers' expects 1 argument (':'-separated cipher list), got 2");
}

TEST_CASE("reneg-sec, reneg-bytes, reneg-pkts, hand-window, tran-window") {
    Options o = opts(kServer + "reneg-sec 600 300\nreneg-bytes 64000000\nreneg-pkts 1000\nhand-window 30\n"
                               "tran-window 120\n");
    CHECK(o.tls.reneg_sec == 600);
    CHECK(o.tls.reneg_sec_min == 300);
    CHECK(o.tls.reneg_bytes == 64000000);
    CHECK(o.tls.reneg_pkts == 1000);
    CHECK(o.tls.hand_window == 30);
    CHECK(o.tls.tran_window == 120);
    CHECK(opts(kServer + "reneg-sec 0\nreneg-bytes 0\n").tls.reneg_sec == 0);
    CHECK(opts(kServer + "reneg-bytes 0\n").tls.reneg_bytes == 0);
    CHECK(opts(kServer + "reneg-bytes 100000000000\n").tls.reneg_bytes == 100000000000LL);
    CHECK(err("reneg-sec x") == "test.conf:1: 'reneg-sec': 'x' is not a number of seconds (0..1000000000)");
    CHECK(err("reneg-sec 10 -1") == "test.conf:1: 'reneg-sec': '-1' is not a number of seconds (0..1000000000)");
    CHECK(err("reneg-sec 1 2 3") ==
          "test.conf:1: 'reneg-sec' expects 1 to 2 arguments (seconds and optional minimum seconds), got 3");
    CHECK(err("reneg-bytes 1e6") == "test.conf:1: 'reneg-bytes': '1e6' is not a byte count (0 = off)");
    CHECK(err("reneg-pkts -5") == "test.conf:1: 'reneg-pkts': '-5' is not a packet count (0 = off)");
    CHECK(err("hand-window 0") == "test.conf:1: 'hand-window': '0' is not a number of seconds (1..1000000000)");
    CHECK(err("tran-window 1000000001") ==
          "test.conf:1: 'tran-window': '1000000001' is not a number of seconds (0..1000000000)");
}

TEST_CASE("remote-cert-tls and verify-x509-name") {
    CHECK(opts(kServer + "remote-cert-tls client\n").tls.remote_cert_tls == PeerRole::Client);
    CHECK(err("remote-cert-tls peer") ==
          "test.conf:1: 'remote-cert-tls': 'peer' is not a role, expected server or client");
    Options o = opts(kClient + "verify-x509-name \"C=DE, CN=server\"\n");
    CHECK(o.tls.verify_x509_name->name == "C=DE, CN=server");
    CHECK(o.tls.verify_x509_name->type == X509NameType::Subject);
    CHECK(opts(kClient + "verify-x509-name server name\n").tls.verify_x509_name->type == X509NameType::Name);
    CHECK(opts(kClient + "verify-x509-name srv- name-prefix\n").tls.verify_x509_name->type ==
          X509NameType::NamePrefix);
    CHECK(opts(kClient + "verify-x509-name s subject\n").tls.verify_x509_name->type == X509NameType::Subject);
    CHECK(err("verify-x509-name s cn") ==
          "test.conf:1: 'verify-x509-name': 'cn' is not a name type, expected subject, name or name-prefix");
    CHECK(err("verify-x509-name \"\"") == "test.conf:1: 'verify-x509-name': empty argument, expected a name");
}

TEST_CASE("peer-fingerprint: lines and blocks accumulate, format checked, CA-less mode") {
    Options o = opts("tls-server\ncert s.crt\nkey s.key\npeer-fingerprint " + kFp + "\n");
    REQUIRE(o.tls.peer_fingerprints.size() == 1);
    CHECK(o.tls.peer_fingerprints[0][0] == 0xAB);
    CHECK(o.tls.peer_fingerprints[0][8] == 0xAB);  // lower case hex
    CHECK(o.tls.peer_fingerprints[0][31] == 0xFF);
    CHECK_FALSE(o.tls.ca);

    std::string fp2 = kFp;
    fp2[0] = '0';
    o = opts("<peer-fingerprint>\n# the client\n  " + kFp + "  \n\n; another\n" + fp2 + "\r\n</peer-fingerprint>\n"
             "peer-fingerprint " + kFp + "\n" + kServer);
    REQUIRE(o.tls.peer_fingerprints.size() == 3);
    CHECK(o.tls.peer_fingerprints[1][0] == 0x0B);
    CHECK(o.tls.ca);

    const std::string want = ": 'peer-fingerprint': ";
    CHECK(err("peer-fingerprint AB:CD") ==
          "test.conf:1: 'peer-fingerprint': 'AB:CD' is not a SHA-256 fingerprint, expected 32 hex bytes separated by "
          "colons (AB:CD:...:EF)");
    CHECK(err("peer-fingerprint " + kFp + ":00").starts_with("test.conf:1" + want));
    CHECK(err("peer-fingerprint " + kFp.substr(0, kFp.size() - 3)).starts_with("test.conf:1" + want));
    std::string bad = kFp;
    bad[2] = '-';
    CHECK(err("peer-fingerprint " + bad).starts_with("test.conf:1" + want));
    bad = kFp;
    bad[4] = 'G';
    CHECK(err("peer-fingerprint " + bad).starts_with("test.conf:1" + want));
    // Inside a block the error names the block's line.
    CHECK(err("verb 1\n<peer-fingerprint>\n" + kFp + "\n\nnot-a-fingerprint\n</peer-fingerprint>\n") ==
          "test.conf:5: 'peer-fingerprint': 'not-a-fingerprint' is not a SHA-256 fingerprint, expected 32 hex bytes "
          "separated by colons (AB:CD:...:EF)");
    CHECK(err("<peer-fingerprint>\n# only a comment\n</peer-fingerprint>\n") ==
          "test.conf:1: 'peer-fingerprint': empty <peer-fingerprint> block, expected one fingerprint per line");
}

TEST_CASE("tls-version-min/max, tls-cipher, tls-ciphersuites, tls-groups") {
    Options o = opts(kServer + "tls-version-min 1.3\ntls-cipher ECDHE-ECDSA-AES256-GCM-SHA384\n"
                               "tls-ciphersuites TLS_AES_256_GCM_SHA384\ntls-groups X25519:P-256\n");
    CHECK(o.tls.tls_version_min == TlsVersion::V1_3);
    CHECK(o.tls.tls_cipher == "ECDHE-ECDSA-AES256-GCM-SHA384");
    CHECK(o.tls.tls_ciphersuites == "TLS_AES_256_GCM_SHA384");
    CHECK(o.tls.tls_groups == "X25519:P-256");
    CHECK(opts(kServer + "tls-version-min 1.0\n").tls.tls_version_min == TlsVersion::V1_0);
    CHECK(opts(kServer + "tls-version-min 1.1 or-highest\n").tls.tls_version_min == TlsVersion::V1_1);
    CHECK(opts(kServer + "tls-version-min 1.4 or-highest\n").tls.tls_version_min == TlsVersion::V1_3);
    o = opts(kServer + "tls-version-max 1.2\n");
    CHECK(o.tls.tls_version_max == TlsVersion::V1_2);
    CHECK(o.tls.tls_version_min == TlsVersion::V1_2);
    // No minimum given: never above the maximum (options_set_backwards_compatible_options).
    CHECK(opts(kServer + "tls-version-max 1.1\n").tls.tls_version_min == TlsVersion::V1_1);
    CHECK(opts(kServer + "tls-version-min 1.0\ntls-version-max 1.1\n").tls.tls_version_min == TlsVersion::V1_0);

    CHECK(err("tls-version-min 1.4") ==
          "test.conf:1: 'tls-version-min': '1.4' is not a TLS version, expected 1.0, 1.1, 1.2 or 1.3");
    CHECK(err("tls-version-min 1.2 or-lowest") ==
          "test.conf:1: 'tls-version-min': 'or-lowest' is not a modifier, expected or-highest");
    CHECK(err("tls-version-max 2") ==
          "test.conf:1: 'tls-version-max': '2' is not a TLS version, expected 1.0, 1.1, 1.2 or 1.3");
    CHECK(err(kServer + "tls-version-min 1.3\ntls-version-max 1.2\n") ==
          "test.conf:6: 'tls-version-max' is below the tls-version-min at test.conf:5, expected a maximum at or above "
          "the minimum");
    CHECK(err("tls-cipher \"\"") == "test.conf:1: 'tls-cipher': empty argument, expected an OpenSSL cipher list");
    CHECK(err("tls-ciphersuites \"\"").starts_with("test.conf:1: 'tls-ciphersuites': empty argument"));
    CHECK(err("tls-groups \"\"").starts_with("test.conf:1: 'tls-groups': empty argument"));
}

TEST_CASE("auth-user-pass: file, terminal, inline; needs pull") {
    Options o = opts("client\nremote vpn.example\nca ca.crt\nauth-user-pass up.txt\n");
    REQUIRE(o.tls.auth_user_pass);
    CHECK(o.tls.auth_user_pass->path.ends_with("/up.txt"));
    CHECK_FALSE(o.tls.auth_user_pass_stdin);
    CHECK_FALSE(o.tls.cert);
    o = opts("client\nremote vpn.example\nca ca.crt\nauth-user-pass\n");
    CHECK(o.tls.auth_user_pass_stdin);
    CHECK(o.tls.auth_user_pass->path.empty());
    CHECK(o.tls.auth_user_pass->origin.str() == "test.conf:4");
    o = opts("client\nremote vpn.example\nca ca.crt\n<auth-user-pass>\nuser\npass\n</auth-user-pass>\n");
    CHECK(o.tls.auth_user_pass->inline_text == "user\npass\n");
    CHECK_FALSE(o.tls.auth_user_pass_stdin);
    o = opts(kClient + "auth-user-pass [inline]\n<auth-user-pass>\nu\np\n</auth-user-pass>\npush-peer-info\n");
    CHECK(o.tls.auth_user_pass->inline_text == "u\np\n");
    CHECK(o.tls.push_peer_info);
    CHECK(err(kServer + "auth-user-pass\n") ==
          "test.conf:5: 'auth-user-pass' needs 'client' or 'pull', expected a client that pulls its options");
    CHECK(err("auth-user-pass a b") ==
          "test.conf:1: 'auth-user-pass' expects at most 1 argument (file (or [inline]) with username and password "
          "lines), got 2");
}

TEST_CASE("connection directives: remote-random, connect-retry, resolv-retry, server-poll-timeout") {
    Options o = opts("remote-random\nconnect-retry 5 60\nconnect-retry-max 3\nresolv-retry 30\nserver-poll-timeout 10\n");
    CHECK(o.connect.remote_random);
    CHECK(o.connect.connect_retry == 5);
    CHECK(o.connect.connect_retry_max_wait == 60);
    CHECK(o.connect.connect_retry_max == 3);
    CHECK(o.connect.resolv_retry == 30);
    CHECK(o.connect.server_poll_timeout == 10);
    CHECK_FALSE(o.tls_requested());
    CHECK_FALSE(o.first_tls_directive);
    CHECK(opts("resolv-retry infinite").connect.resolv_retry == 1000000000);
    CHECK(opts("connect-retry 10 2").connect.connect_retry_max_wait == 10);  // max(max, base), as options.c
    CHECK(opts("connect-retry 10").connect.connect_retry_max_wait == 300);
    TempDir tmp;
    auto r = load_ok("connect-retry 70000\n", tmp.path);
    CHECK(r.opts.connect.connect_retry == 65535);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] == "test.conf:1: 'connect-retry': wait interval truncated to 65535");
    CHECK(warnings("resolv-retry infinite\n").empty());  // no longer an ignored directive
    CHECK(err("connect-retry x") == "test.conf:1: 'connect-retry': 'x' is not a number of seconds (0..1000000000)");
    CHECK(err("connect-retry-max -1") ==
          "test.conf:1: 'connect-retry-max': '-1' is not a number of attempts (0 = unlimited)");
    CHECK(err("resolv-retry forever") ==
          "test.conf:1: 'resolv-retry': 'forever' is not a number of seconds (0..1000000000)");
    CHECK(err("server-poll-timeout") == "test.conf:1: 'server-poll-timeout' expects 1 argument (seconds), got 0");
    CHECK(err("remote-random 1") == "test.conf:1: 'remote-random' expects no arguments, got 1");
}

TEST_CASE("roles: tls-server with tls-client/client, secret with TLS (named where the second one is)") {
    CHECK(err("tls-server\ntls-client\n") ==
          "test.conf:2: 'tls-client' conflicts with 'tls-server' at test.conf:1, expected one TLS role: tls-server, or "
          "tls-client/client");
    CHECK(err("client\nverb 3\ntls-server\n").starts_with("test.conf:3: 'tls-server' conflicts with 'client' at "
                                                          "test.conf:1"));
    CHECK(opts("tls-client\nclient\nremote a.example\nca ca.crt\ncert c\nkey k\n").tls.client);  // same role twice
    CHECK(err("secret s.key\n" + kServer) ==
          "test.conf:2: secret cannot be used with TLS mode: 'tls-server' here, 'secret' at test.conf:1; expected "
          "either a static key or TLS");
    CHECK(err(kClient + "secret s.key\n") ==
          "test.conf:6: secret cannot be used with TLS mode: 'secret' here, 'client' at test.conf:1; expected either "
          "a static key or TLS");
    CHECK(err("<secret>\nx\n</secret>\ntls-client\n").starts_with("test.conf:4: secret cannot be used with TLS mode"));
    TempDir tmp;
    std::string conf = tmp.write("s.conf", "secret s.key\n");
    CHECK(cmdline_error(conf, {"--tls-client"}).starts_with("[command line] --tls-client: secret cannot be used "
                                                            "with TLS mode"));
}

TEST_CASE("TLS-only directives without a TLS role are errors; the lenient ones a warning") {
    for (const char* line : {"ca ca.crt", "cert c.crt", "key c.key", "dh dh.pem", "dh none", "crl-verify crl.pem",
                             "tls-auth ta.key", "tls-crypt tc.key", "reneg-sec 60", "reneg-bytes 1", "reneg-pkts 1",
                             "hand-window 5", "tran-window 5", "remote-cert-tls server", "verify-x509-name x",
                             "tls-cipher X", "tls-ciphersuites X", "pull", "auth-user-pass", "push-peer-info"}) {
        CAPTURE(line);
        std::string name = std::string(line).substr(0, std::string(line).find(' '));
        CHECK(err("dev tun\nsecret s.key\n" + std::string(line) + "\n") ==
              "test.conf:3: '" + name + "' can only be used in TLS mode, expected tls-client, tls-server or client too");
    }
    for (const char* line : {"data-ciphers AES-256-GCM", "ncp-ciphers AES-256-GCM", "data-ciphers-fallback BF-CBC",
                             "tls-version-min 1.2", "tls-version-max 1.3", "tls-groups X25519",
                             "peer-fingerprint AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:00:11:22:33:44:55:66:77:"
                             "88:99:AA:BB:CC:DD:EE:FF"}) {
        CAPTURE(line);
        std::string name = std::string(line).substr(0, std::string(line).find(' '));
        TempDir tmp;
        auto r = load_ok("dev tun\nsecret s.key\n" + std::string(line) + "\n", tmp.path);
        CHECK_FALSE(r.opts.tls_requested());
        CHECK(r.opts.first_tls_directive->str() == "test.conf:3");
        REQUIRE(r.warnings.size() == 1);
        CHECK(r.warnings[0] ==
              "test.conf:3: '" + name + "' has no effect without TLS mode (tls-client, tls-server or client)");
    }
}

TEST_CASE("TLS mode rules: wrapping, remote, CA, certificates, dh on a client") {
    CHECK(err(kServer + "tls-auth ta.key\ntls-crypt tc.key\n") ==
          "test.conf:6: 'tls-auth' and 'tls-crypt' cannot be used together, expected one of them");
    CHECK(err(kServer + "tls-crypt tc.key\ntls-auth ta.key\n").starts_with("test.conf:6: 'tls-auth' and 'tls-crypt'"));

    CHECK(err("client\nca ca.crt\ncert c\nkey k\n") ==
          "test.conf:1: 'client' needs a 'remote', expected the server to connect to");
    CHECK(err("tls-client\nverb 1\npull\nca ca.crt\ncert c\nkey k\n") ==
          "test.conf:3: 'pull' needs a 'remote', expected the server to connect to");

    CHECK(err("verb 1\ncert s.crt\nkey s.key\ntls-server\n") ==
          "test.conf:2: TLS mode needs a CA, expected ca or peer-fingerprint");
    CHECK(err("client\nremote a.example\ncert c\nkey k\n") ==
          "test.conf:1: TLS mode needs a CA, expected ca or peer-fingerprint");
    CHECK(opts("client\nremote a.example\ncert c\nkey k\npeer-fingerprint " + kFp + "\n").tls.peer_fingerprints.size() ==
          1);

    CHECK(err("tls-server\nca ca.crt\n") ==
          "test.conf:1: 'tls-server' needs 'cert' and 'key', expected this side's certificate and private key");
    CHECK(err("remote p.example\ntls-client\nca ca.crt\n") ==
          "test.conf:2: 'tls-client' needs 'cert' and 'key', expected this side's certificate and private key");
    CHECK(err("tls-server\nca ca.crt\ncert s.crt\n") ==
          "test.conf:3: 'cert' without 'key', expected the certificate's private key in a 'key' directive");
    CHECK(err("client\nremote a.example\nca ca.crt\nkey c.key\n") ==
          "test.conf:4: 'key' without 'cert', expected the key's certificate in a 'cert' directive");
    CHECK(err("client\nremote a.example\nca ca.crt\n") ==
          "test.conf:1: 'client' without a way to authenticate, expected 'cert' and 'key', or 'auth-user-pass'");

    TempDir tmp;
    auto r = load_ok(kClient + "dh dh.pem\n", tmp.path);
    CHECK_FALSE(r.opts.tls.dh);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0] == "test.conf:6: 'dh' is ignored on a TLS client (only a server uses DH parameters)");
    CHECK(warnings(kClient + "dh none\n").empty());
}

TEST_CASE("no longer 'not supported yet', and listed by the registry") {
    for (const char* name : {"tls-server", "tls-client", "client", "pull", "ca", "cert", "key", "dh", "crl-verify",
                             "tls-auth", "tls-crypt", "data-ciphers", "data-ciphers-fallback", "ncp-ciphers",
                             "reneg-sec", "reneg-bytes", "reneg-pkts", "hand-window", "tran-window",
                             "remote-cert-tls", "verify-x509-name", "peer-fingerprint", "tls-version-min",
                             "tls-version-max", "tls-cipher", "tls-ciphersuites", "tls-groups", "auth-user-pass",
                             "remote-random", "connect-retry", "connect-retry-max", "resolv-retry",
                             "server-poll-timeout", "push-peer-info"}) {
        CAPTURE(name);
        CHECK_FALSE(has(err(std::string(name) + "\n"), "is not supported yet"));
    }
    CHECK(err("tls-crypt-v2 k\n") == "test.conf:1: 'tls-crypt-v2' is not supported yet");
}

TEST_CASE("hostile input: random TLS configs end in options or a ConfigError, nothing else") {
    TempDir tmp;
    const std::vector<std::string> names = {"client", "tls-server", "tls-client", "pull", "ca", "cert", "key", "dh",
                                            "tls-auth", "tls-crypt", "secret", "remote", "peer-fingerprint",
                                            "<peer-fingerprint>", "</peer-fingerprint>", "<ca>", "</ca>",
                                            "auth-user-pass", "tls-version-min", "tls-version-max", "reneg-sec",
                                            "crl-verify", "data-ciphers", "connect-retry", "verify-x509-name", "#"};
    const std::vector<std::string> args = {"x", "1", "0", "[inline]", "none", "dir", "or-highest", "1.2", "1.3",
                                           "\"\"", "AB:CD", kFp, kFp + ":", "name", "server", "-1", ":", "infinite"};
    std::mt19937 rng(4321);
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        for (int l = 1 + static_cast<int>(rng() % 10); l > 0; --l) {
            text += pick(names);
            for (int k = rng() % 4; k > 0; --k) text += " " + pick(args);
            text += "\n";
        }
        try {
            Options o = load_text(text, "fuzz.conf", tmp.path, [](const std::string&) {});
            CHECK(o.tls_requested() == (o.tls.client || o.tls.server));
            if (o.tls_requested()) CHECK(o.first_tls_directive);
            ++accepted;
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()).starts_with("fuzz.conf:"));
        } catch (const std::exception& e) {
            FAIL("not a ConfigError: " << e.what() << " for input: " << text);
        }
    }
    CHECK(accepted > 0);
}
