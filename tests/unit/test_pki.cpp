// vpn pki: the CA operations in a temp dir, read back as OpenSSL and easy-rsa would
// read them (extensions, validity, index.txt lines, file modes), plus the command
// line's refusals.  ECDSA keys throughout, one RSA-2048 generation.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <regex>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "pki/ca_index.hpp"
#include "pki/ca_listing.hpp"
#include "pki/cert_verify.hpp"
#include "pki/inline_config.hpp"
#include "pki/key_spec.hpp"
#include "pki/static_key.hpp"
#include "test_pki_support.hpp"

using namespace vpn::pki;
using pki_test::error_of;
using pki_test::exists;
using pki_test::mode_of;
using pki_test::slurp;
using pki_test::spit;
using pki_test::TempDir;

namespace {

std::time_t asn1_to_time(const ASN1_TIME* t) {
    struct tm tm {};
    REQUIRE(ASN1_TIME_to_tm(t, &tm) == 1);
    return timegm(&tm);
}

// Validity length in days, to the minute.
double validity_days(X509* c) {
    return double(asn1_to_time(X509_get0_notAfter(c)) - asn1_to_time(X509_get0_notBefore(c))) / 86400.0;
}

uint32_t key_usage(X509* c) { return X509_get_key_usage(c); }

std::string san_text(X509* c) {
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return {};
    std::string out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
        if (!out.empty()) out += ",";
        if (g->type == GEN_DNS) {
            out += "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)));
        } else if (g->type == GEN_IPADD) {
            auto* d = ASN1_STRING_get0_data(g->d.iPAddress);
            if (ASN1_STRING_length(g->d.iPAddress) == 4) out += fmt::format("IP:{}.{}.{}.{}", d[0], d[1], d[2], d[3]);
            else out += "IP:v6";
        }
    }
    GENERAL_NAMES_free(names);
    return out;
}

// Run `vpn pki ARGS` with stdout discarded and stderr captured; a refusal must be
// exactly one "vpn pki: ..." line.
int run_cli(std::vector<std::string> args) {
    char errpath[] = "/tmp/vpn-pki-stderr-XXXXXX";
    int errfd = ::mkstemp(errpath);
    REQUIRE(errfd >= 0);
    std::fflush(stdout);
    std::fflush(stderr);
    int saved_out = ::dup(1), saved_err = ::dup(2);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(errfd, 2);
    ::close(null);
    ::close(errfd);
    int rc = vpn::app::pki_command(args);
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    ::close(saved_out);
    ::close(saved_err);
    std::string err = slurp(errpath);
    ::unlink(errpath);
    bool usage = err.rfind("usage:", 0) == 0;  // no command at all: the usage text
    if (rc != 0 && !usage) {
        CHECK_MESSAGE(err.rfind("vpn pki: ", 0) == 0, err);
        CHECK_MESSAGE(std::count(err.begin(), err.end(), '\n') == 1, err);
    }
    return rc;
}

}  // namespace

TEST_CASE("pki init: directories 0700 and a tls-crypt key 0600; refuses an existing CA") {
    TempDir tmp;
    std::string dir = tmp / "pki";
    CertificateAuthority ca(dir);
    ca.init();
    for (const char* d : {"", "/private", "/reqs", "/issued"}) CHECK(mode_of(dir + d) == 0700);
    CHECK(mode_of(dir + "/private/tls-crypt.key") == 0600);
    auto key = read_static_key_file(dir + "/private/tls-crypt.key");
    CHECK(key.raw().size() == 256);
    std::string before = slurp(dir + "/private/tls-crypt.key");
    ca.init();  // harmless before build-ca; the key stays
    CHECK(slurp(dir + "/private/tls-crypt.key") == before);
    ca.build_ca({});
    CHECK(error_of([&] { ca.init(); }) == dir + ": already holds a PKI; remove it to start over");
    CHECK(error_of([&] { ca.build_ca({}); }) == dir + "/ca.crt: a CA already exists");
}

TEST_CASE("pki build-ca: an easy-rsa style CA certificate and database") {
    TempDir tmp;
    std::string dir = tmp / "pki";
    CertificateAuthority ca(dir);
    CHECK(error_of([&] { ca.build_ca({}); }) == dir + ": not a PKI directory (run 'vpn pki init' first)");
    ca.init();
    BuildCaOptions o;
    o.common_name = "Example CA";
    auto cert = ca.build_ca(o);

    auto c = load_cert(dir + "/ca.crt");
    CHECK(X509_cmp(c.get(), cert.get()) == 0);
    CHECK(openvpn_subject(c.get()) == "CN=Example CA");
    CHECK(X509_check_issued(c.get(), c.get()) == X509_V_OK);  // self-signed
    CHECK(X509_get_version(c.get()) == X509_VERSION_3);
    CHECK(X509_check_ca(c.get()) == 1);
    int crit = -1;
    auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(c.get(), NID_basic_constraints, &crit, nullptr));
    REQUIRE(bc);
    CHECK(bc->ca);
    CHECK(crit == 1);
    BASIC_CONSTRAINTS_free(bc);
    CHECK(key_usage(c.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    REQUIRE(X509_get0_subject_key_id(c.get()));
    REQUIRE(X509_get0_authority_key_id(c.get()));
    CHECK(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(c.get()), X509_get0_authority_key_id(c.get())) == 0);
    CHECK(validity_days(c.get()) == doctest::Approx(3650));
    CHECK(X509_get_signature_nid(c.get()) == NID_ecdsa_with_SHA256);
    CHECK(serial_hex(X509_get0_serialNumber(c.get())).size() == 32);

    auto key = load_private_key(dir + "/private/ca.key");
    CHECK(describe_key(key.get()) == "EC P-256");
    check_key_matches(c.get(), key.get(), "ca.key", "ca.crt");
    CHECK(mode_of(dir + "/private/ca.key") == 0600);
    CHECK(slurp(dir + "/private/ca.key").rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    CHECK(slurp(dir + "/index.txt").empty());
    CHECK(slurp(dir + "/serial") == "01\n");
    CHECK(slurp(dir + "/index.txt.attr") == "unique_subject = no\n");
    for (const char* d : {"/certs_by_serial", "/revoked/certs_by_serial", "/revoked/private_by_serial", "/revoked/reqs_by_serial"})
        CHECK(mode_of(dir + d) == 0700);
}

TEST_CASE("pki issue server: extensions, SAN, validity, index.txt line, files") {
    TempDir tmp;
    std::string dir = tmp / "pki";
    auto ca = pki_test::make_ca(dir);
    auto issued = pki_test::issue(ca, CertType::Server, "vpn.example.com");

    auto c = load_cert(dir + "/issued/vpn.example.com.crt");
    CHECK(openvpn_subject(c.get()) == "CN=vpn.example.com");
    CHECK(X509_check_ca(c.get()) == 0);
    CHECK((X509_get_extension_flags(c.get()) & EXFLAG_BCONS));  // CA:FALSE present
    CHECK(X509_get_extended_key_usage(c.get()) == XKU_SSL_SERVER);
    CHECK(key_usage(c.get()) == (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
    CHECK(san_text(c.get()) == "DNS:vpn.example.com");
    CHECK(validity_days(c.get()) == doctest::Approx(825));
    CHECK(X509_get_signature_nid(c.get()) == NID_ecdsa_with_SHA256);
    CHECK(describe_usage(c.get()) == "server");
    CHECK(X509_get0_authority_key_id(c.get()));

    std::string serial = serial_hex(X509_get0_serialNumber(c.get()));
    CHECK(serial == issued.serial);
    CHECK(std::regex_match(serial, std::regex("[0-9A-F]{32}")));
    CHECK(serial.substr(0, 2) != "00");

    // index.txt exactly as openssl ca writes it.
    std::string line = slurp(dir + "/index.txt");
    std::smatch m;
    REQUIRE(std::regex_match(line, m, std::regex("V\t(\\d{12}Z)\t\t([0-9A-F]{32})\tunknown\t/CN=vpn.example.com\n")));
    CHECK(m[2] == serial);
    CHECK(*parse_db_time(m[1].str()) == asn1_to_time(X509_get0_notAfter(c.get())));

    CHECK(slurp(dir + "/certs_by_serial/" + serial + ".pem") == slurp(dir + "/issued/vpn.example.com.crt"));
    CHECK(mode_of(dir + "/private/vpn.example.com.key") == 0600);
    auto key = load_private_key(dir + "/private/vpn.example.com.key");
    check_key_matches(c.get(), key.get(), "k", "c");
    auto req = load_csr(dir + "/reqs/vpn.example.com.req");
    CHECK(EVP_PKEY_eq(X509_REQ_get0_pubkey(req.get()), key.get()) == 1);

    SUBCASE("the same name again is refused") {
        std::string e = error_of([&] { pki_test::issue(ca, CertType::Client, "vpn.example.com"); });
        CHECK(e == "vpn.example.com: already exists (" + dir + "/issued/vpn.example.com.crt); revoke it or pick another name");
    }
    SUBCASE("explicit SAN list; an IP-named server gets IP:") {
        IssueOptions o;
        o.type = CertType::Server;
        o.name = "gw";
        o.san = parse_san_list("DNS:gw.example.net, IP:192.0.2.7");
        o.days = 30;
        auto gw = ca.issue(o);
        CHECK(san_text(gw.cert.get()) == "DNS:gw.example.net,IP:192.0.2.7");
        CHECK(validity_days(gw.cert.get()) == doctest::Approx(30));
        auto ip = pki_test::issue(ca, CertType::Server, "10.8.0.1");
        CHECK(san_text(ip.cert.get()) == "IP:10.8.0.1");
        CHECK(CaIndex::load(dir + "/index.txt").entries().size() == 3);
    }
}

TEST_CASE("pki issue client: clientAuth, digitalSignature only, no SAN; RSA on request") {
    TempDir tmp;
    auto ca = pki_test::make_ca(tmp / "pki");
    auto c = pki_test::issue(ca, CertType::Client, "alice").cert;
    CHECK(X509_get_extended_key_usage(c.get()) == XKU_SSL_CLIENT);
    CHECK(key_usage(c.get()) == KU_DIGITAL_SIGNATURE);
    CHECK(san_text(c.get()).empty());
    CHECK(describe_usage(c.get()) == "client");

    IssueOptions o;
    o.type = CertType::Client;
    o.name = "rsa-user";
    o.key = KeySpec::rsa(2048);  // the one RSA generation of the suite
    auto r = ca.issue(o);
    auto key = load_private_key(tmp / "pki/private/rsa-user.key");
    CHECK(describe_key(key.get()) == "RSA 2048");
    CHECK(describe_key(X509_get0_pubkey(r.cert.get())) == "RSA 2048");
    CHECK(error_of([] { KeySpec::rsa(1024); }) == "--rsa 1024: expected 2048, 3072 or 4096");
}

TEST_CASE("pki names and SANs: bad input is refused in one line") {
    CHECK(error_of([] { check_entity_name("../x"); }) == "../x: use only letters, digits and . _ @ - in a certificate name");
    CHECK(error_of([] { check_entity_name("ca"); }) == "ca: name reserved for the PKI's own files");
    CHECK(error_of([] { check_entity_name("-x"); }) == "-x: a certificate name cannot start with '.' or '-'");
    CHECK(error_of([] { check_entity_name(std::string(65, 'a')); }).find("longer than 64") != std::string::npos);
    CHECK(error_of([] { check_entity_name("srv-1.example_2@x"); }).empty());
    CHECK(error_of([] { parse_san_list("IP:300.1.1.1"); }) == "--san IP:300.1.1.1: expected DNS:name, IP:address or email:address");
    CHECK(error_of([] { parse_san_list("URI:x"); }) == "--san URI:x: expected DNS:name, IP:address or email:address");
    CHECK(error_of([] { parse_san_list("DNS:a b"); }) != "");
    CHECK(parse_san_list("dns:a.example,ip:2001:db8::1,email:a@b.c") ==
          std::vector<std::string>{"DNS:a.example", "IP:2001:db8::1", "email:a@b.c"});
}

TEST_CASE("pki revoke + gen-crl: R line, files moved, name reusable, CRL lists the serial") {
    TempDir tmp;
    std::string dir = tmp / "pki";
    auto ca = pki_test::make_ca(dir);
    auto bob = pki_test::issue(ca, CertType::Client, "bob");
    auto carol = pki_test::issue(ca, CertType::Client, "carol");
    ca.set_now(std::time(nullptr));

    CHECK(ca.revoke("bob") == bob.serial);
    std::string idx = slurp(dir + "/index.txt");
    CHECK(std::regex_search(idx, std::regex("R\t\\d{12}Z\t\\d{12}Z\t" + bob.serial + "\tunknown\t/CN=bob\n")));
    CHECK(std::regex_search(idx, std::regex("V\t\\d{12}Z\t\t" + carol.serial + "\tunknown\t/CN=carol\n")));
    CHECK(!exists(dir + "/issued/bob.crt"));
    CHECK(!exists(dir + "/private/bob.key"));
    CHECK(exists(dir + "/revoked/certs_by_serial/" + bob.serial + ".crt"));
    CHECK(exists(dir + "/revoked/private_by_serial/" + bob.serial + ".key"));
    CHECK(exists(dir + "/revoked/reqs_by_serial/" + bob.serial + ".req"));

    CHECK(error_of([&] { ca.revoke("bob"); }) == "bob: no issued certificate to revoke (" + dir + "/issued/bob.crt)");
    CHECK(error_of([&] { ca.revoke("nobody"); }) == "nobody: no issued certificate to revoke (" + dir + "/issued/nobody.crt)");
    CHECK(error_of([&] { ca.revoke("carol", "whatever"); }) == "revoke: unknown reason 'whatever'");
    CHECK(ca.revoke("carol", "keyCompromise") == carol.serial);
    CHECK(CaIndex::load(dir + "/index.txt").find_serial(carol.serial)->reason() == "keyCompromise");

    auto again = pki_test::issue(ca, CertType::Client, "bob");  // the name is free again
    CHECK(again.serial != bob.serial);

    auto crl = ca.gen_crl();
    auto loaded = load_crls(dir + "/crl.pem");
    REQUIRE(loaded.size() == 1);
    CHECK(X509_CRL_get_version(loaded[0].get()) == 1);  // v2
    auto cacert = load_cert(dir + "/ca.crt");
    CHECK(X509_CRL_verify(loaded[0].get(), X509_get0_pubkey(cacert.get())) == 1);
    CHECK(double(asn1_to_time(X509_CRL_get0_nextUpdate(loaded[0].get())) -
                 asn1_to_time(X509_CRL_get0_lastUpdate(loaded[0].get()))) / 86400 == doctest::Approx(180));
    auto* revoked = X509_CRL_get_REVOKED(loaded[0].get());
    REQUIRE(sk_X509_REVOKED_num(revoked) == 2);
    std::vector<std::string> serials;
    for (int i = 0; i < 2; ++i) serials.push_back(serial_hex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
    CHECK(std::find(serials.begin(), serials.end(), bob.serial) != serials.end());
    CHECK(std::find(serials.begin(), serials.end(), carol.serial) != serials.end());
    CHECK(mode_of(dir + "/crl.pem") == 0644);
}

TEST_CASE("pki list: name, type, serial, expiry, valid/revoked/expired") {
    TempDir tmp;
    std::string dir = tmp / "pki";
    auto ca = pki_test::make_ca(dir);
    pki_test::issue(ca, CertType::Server, "server");
    auto old = pki_test::issue(ca, CertType::Client, "gone");
    IssueOptions o;
    o.type = CertType::Client;
    o.name = "stale";
    std::time_t now = std::time(nullptr);
    o.validity = Validity{now - 20 * 86400, now - 10 * 86400};
    pki_test::issue(ca, CertType::Client, "alice");
    ca.issue(o);
    ca.revoke("gone");

    auto rows = list_certificates(ca.layout(), now);
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].name == "server");
    CHECK(rows[0].type == "server");
    CHECK(rows[0].status == "valid");
    CHECK(rows[1].name == "gone");
    CHECK(rows[1].type == "client");  // found in revoked/certs_by_serial
    CHECK(rows[1].status == "revoked");
    CHECK(rows[1].serial == old.serial);
    CHECK(rows[3].name == "stale");
    CHECK(rows[3].status == "expired");
    std::string table = format_listing(rows);
    CHECK(table.rfind("NAME  ", 0) == 0);
    CHECK(table.find("revoked\n") != std::string::npos);
}

TEST_CASE("pki index.txt: reads easy-rsa's database, writes it back unchanged, refuses garbage") {
    // From easy-rsa 3.1.0 (Debian 12): a server and a revoked client.
    const std::string text =
        "V\t290225065200Z\t\t119388CBB461DF6BD1FCBAC8A167F08B\tunknown\t/CN=srv\n"
        "R\t290225065200Z\t261123065200Z\tBF0EB5150CC5BF62789A56157A49556E\tunknown\t/CN=cli\n"
        "R\t20510101000000Z\t261123065200Z,superseded\t0A\tunknown\t/C=DE/O=x/CN=multi/emailAddress=a@b\n";
    auto db = CaIndex::parse(text, "index.txt");
    REQUIRE(db.entries().size() == 3);
    CHECK(db.to_text() == text);
    CHECK(db.entries()[0].common_name() == "srv");
    CHECK(db.entries()[2].common_name() == "multi");
    CHECK(db.entries()[2].reason() == "superseded");
    CHECK(*db.entries()[1].revoked_at() == 1795416720);  // 2026-11-23 06:52:00Z
    CHECK(db.find_serial("bf0eb5150cc5bf62789a56157a49556e") == &db.entries()[1]);
    CHECK(db.find_serial("000A") == &db.entries()[2]);
    CHECK(db.find_serial("0B") == nullptr);
    CHECK(crl_reason_code("superseded") == 4);

    CHECK(error_of([] { CaIndex::parse("V\t290225065200Z\t\t0A\tunknown\n", "index.txt"); }) ==
          "index.txt:1: malformed entry: expected 6 tab-separated fields");
    CHECK(error_of([] { CaIndex::parse("\nX\t290225065200Z\t\t0A\tunknown\t/CN=a\n", "i"); }) ==
          "i:2: malformed entry: status is not V, R or E");
    CHECK(error_of([] { CaIndex::parse("R\t290225065200Z\tyesterday\t0A\tunknown\t/CN=a\n", "i"); }) ==
          "i:1: malformed entry: bad revocation time");
    CHECK(error_of([] { CaIndex::parse("V\t290225065200Z\t\tXYZ\tunknown\t/CN=a\n", "i"); }) ==
          "i:1: malformed entry: serial is not hexadecimal");
}

TEST_CASE("pki CA key with a passphrase: encrypted PKCS#8, needed to issue, wrong one refused") {
    TempDir tmp;
    std::string dir = tmp / "pki";
    std::string pass = "correct horse";
    {
        CertificateAuthority ca(dir, [&] { return pass; });
        ca.init();
        BuildCaOptions o;
        o.encrypt_key = true;
        ca.build_ca(o);
    }
    CHECK(slurp(dir + "/private/ca.key").rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0);
    CertificateAuthority none(dir);
    CHECK(error_of([&] { pki_test::issue(none, CertType::Client, "x"); }) ==
          dir + "/private/ca.key: key is encrypted, a passphrase is needed");
    CertificateAuthority wrong(dir, [] { return std::string("nope"); });
    CHECK(error_of([&] { pki_test::issue(wrong, CertType::Client, "x"); }) ==
          dir + "/private/ca.key: wrong passphrase or corrupt key");
    CHECK(!exists(dir + "/private/x.key"));  // nothing left behind
    CertificateAuthority right(dir, [&] { return pass; });
    CHECK(pki_test::issue(right, CertType::Client, "x").serial.size() == 32);
    CHECK(none.revoke("x").size() == 32);  // revoking needs no CA key, as a database edit
}

TEST_CASE("pki inline client: a complete single-file config") {
    TempDir tmp;
    std::string dir = tmp / "pki";
    auto ca = pki_test::make_ca(dir);
    pki_test::issue(ca, CertType::Client, "alice");
    pki_test::issue(ca, CertType::Server, "server");
    InlineClientOptions o;
    o.name = "alice";
    o.remote_host = "vpn.example.com";
    o.remote_port = "1195";
    std::string text = inline_client_config(ca.layout(), o);
    CHECK(text.find("client\ndev tun\nproto udp\nremote vpn.example.com 1195\nnobind\nremote-cert-tls server\n<ca>\n") !=
          std::string::npos);
    auto block = [&](const std::string& tag) {
        auto a = text.find("<" + tag + ">\n"), b = text.find("</" + tag + ">\n");
        REQUIRE(a != std::string::npos);
        REQUIRE(b != std::string::npos);
        return text.substr(a + tag.size() + 3, b - a - tag.size() - 3);
    };
    auto cert = parse_cert(block("cert"), "cert");
    auto key = parse_private_key(block("key"), "key");
    check_key_matches(cert.get(), key.get(), "key", "cert");
    CHECK(X509_cmp(parse_cert(block("ca"), "ca").get(), load_cert(dir + "/ca.crt").get()) == 0);
    CHECK(parse_static_key(block("tls-crypt"), "tls-crypt").raw().size() == 256);

    o.name = "server";
    CHECK(error_of([&] { inline_client_config(ca.layout(), o); }) == dir + "/issued/server.crt: not a client certificate");
    o.name = "alice";
    o.remote_host = "x\nredirect-gateway";
    CHECK(error_of([&] { inline_client_config(ca.layout(), o); }).find("not a host name") != std::string::npos);
    o.remote_host = "";
    CHECK(inline_client_config(ca.layout(), o).find(";remote YOUR-SERVER 1195") != std::string::npos);
    ca.revoke("alice");
    CHECK(error_of([&] { inline_client_config(ca.layout(), o); }) == "alice: no issued certificate (" + dir + "/issued/alice.crt)");
}

TEST_CASE("vpn pki command line: happy path and one-line refusals with non-zero status") {
    TempDir tmp;
    std::string dir = tmp / "p";
    std::string pf = tmp / "pass";
    spit(pf, "s3cret-pass\nignored second line\n");
    CHECK(run_cli({"--dir", dir, "init"}) == 0);
    CHECK(run_cli({"--dir", dir, "--passphrase-file", pf, "build-ca", "--cn", "CLI CA", "--days", "100"}) == 0);
    CHECK(run_cli({"--dir", dir, "issue", "server", "srv"}) == 1);  // CA key encrypted: no passphrase
    CHECK(run_cli({"issue", "server", "srv", "--dir", dir, "--passphrase-file", pf, "--san", "DNS:srv,IP:10.0.0.1"}) == 0);
    CHECK(run_cli({"--dir", dir, "--passphrase-file", pf, "issue", "client", "c1", "--days", "10"}) == 0);
    CHECK(run_cli({"--dir", dir, "--passphrase-file", pf, "issue", "client", "c1"}) == 1);  // exists
    CHECK(run_cli({"--dir", dir, "revoke", "nobody"}) == 1);
    CHECK(run_cli({"--dir", dir, "revoke", "c1"}) == 0);
    CHECK(run_cli({"--dir", dir, "--passphrase-file", pf, "gen-crl", "--days", "7"}) == 0);
    CHECK(run_cli({"--dir", dir, "list"}) == 0);
    CHECK(run_cli({"--dir", dir, "list", "--san", "x"}) == 1);     // option of another command
    CHECK(run_cli({"--dir", dir, "issue", "router", "r"}) == 1);   // unknown type
    CHECK(run_cli({"--dir", dir, "frobnicate"}) == 1);
    CHECK(run_cli({"--dir", dir, "--bogus", "list"}) == 1);
    CHECK(run_cli({"--dir", dir, "issue", "client", "x", "--days", "-3"}) == 1);
    CHECK(run_cli({"--help"}) == 0);
    CHECK(run_cli({}) == 1);

    auto ca = load_cert(dir + "/ca.crt");
    CHECK(openvpn_subject(ca.get()) == "CN=CLI CA");
    CHECK(validity_days(ca.get()) == doctest::Approx(100));
    auto srv = load_cert(dir + "/issued/srv.crt");
    CHECK(san_text(srv.get()) == "DNS:srv,IP:10.0.0.1");
    CHECK(load_crls(dir + "/crl.pem").size() == 1);
}
