// pki/cert_verify.hpp + peer_checks.hpp: loading with one-line errors, chain
// verification against CA + CRL (and agreement with `openssl verify`), OpenVPN's
// remote-cert-tls / remote-cert-ku / verify-x509-name / peer-fingerprint checks.
#include <doctest/doctest.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <regex>

#include "pki/ca_index.hpp"
#include "pki/cert_verify.hpp"
#include "pki/certificate_authority.hpp"
#include "test_pki_support.hpp"

using namespace vpn::pki;
using pki_test::error_of;
using pki_test::slurp;
using pki_test::spit;
using pki_test::TempDir;

namespace {

// A CA with a server and a client, and the CRL after revoking nothing.
struct Fixture {
    TempDir tmp;
    std::string dir = tmp / "pki";
    CertificateAuthority ca = pki_test::make_ca(dir);
    IssuedCert server = pki_test::issue(ca, CertType::Server, "server");
    IssuedCert client = pki_test::issue(ca, CertType::Client, "client");

    TrustStore store(bool with_crl = true) {
        if (with_crl && !pki_test::exists(dir + "/crl.pem")) ca.gen_crl();
        return TrustStore::from_files(dir + "/ca.crt", with_crl ? dir + "/crl.pem" : "");
    }
};

// `openssl verify -CAfile ca -crl_check -CRLfile crl cert`: the X509_V_ERR code it
// reports (0 = OK), or -1 if openssl is not installed.
int openssl_verify(const std::string& ca, const std::string& crl, const std::string& cert) {
    if (!pki_test::exists("/usr/bin/openssl")) return -1;
    std::string cmd = "/usr/bin/openssl verify -CAfile '" + ca + "'" + (crl.empty() ? "" : " -crl_check -CRLfile '" + crl + "'") +
                      " '" + cert + "' 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    int status = ::pclose(p);
    if (status == 0) return 0;
    std::smatch m;
    REQUIRE_MESSAGE(std::regex_search(out, m, std::regex("error (\\d+) at")), out);
    return std::stoi(m[1]);
}

}  // namespace

TEST_CASE("pki load: one-line errors naming the file") {
    Fixture f;
    std::string crt = f.tmp / "x.crt";
    spit(crt, "hello\n");
    CHECK(error_of([&] { load_certs(crt); }) == crt + ": not a PEM certificate");
    spit(crt, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    CHECK(error_of([&] { load_cert(crt); }) == crt + ": corrupt PEM certificate");
    // A good certificate followed by a broken one is still a broken bundle.
    spit(crt, slurp(f.dir + "/ca.crt") + "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    CHECK(error_of([&] { load_certs(crt); }) == crt + ": corrupt PEM certificate");
    CHECK(error_of([&] { load_cert(f.tmp / "missing.crt"); }) == f.tmp / "missing.crt: cannot read: No such file or directory");
    CHECK(error_of([&] { parse_cert("junk", kInlineName); }) == "[inline]: not a PEM certificate");

    std::string crl = f.tmp / "crl.pem";
    spit(crl, "-----BEGIN X509 CRL-----\nZm9vYmFy\n-----END X509 CRL-----\n");
    CHECK(error_of([&] { load_crls(crl); }) == crl + ": corrupt CRL");
    spit(crl, slurp(f.dir + "/ca.crt"));
    CHECK(error_of([&] { load_crls(crl); }) == crl + ": not a PEM CRL");

    std::string key = f.tmp / "k.key";
    spit(key, slurp(f.dir + "/ca.crt"));
    CHECK(error_of([&] { load_private_key(key); }) == key + ": not a PEM private key");
    spit(key, "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n");
    CHECK(error_of([&] { load_private_key(key); }) == key + ": corrupt private key");

    // easy-rsa's issued/*.crt carry a text dump before the PEM block.
    std::string dumped = f.tmp / "dump.crt";
    spit(dumped, "Certificate:\n    Data:\n        Version: 3 (0x2)\n" + slurp(f.dir + "/issued/server.crt"));
    CHECK(X509_cmp(load_cert(dumped).get(), f.server.cert.get()) == 0);
    // A bundle: two CAs.
    TempDir other;
    pki_test::make_ca(other / "pki", "Other CA");
    spit(crt, slurp(f.dir + "/ca.crt") + slurp(other / "pki/ca.crt"));
    CHECK(load_certs(crt).size() == 2);
}

TEST_CASE("pki key/certificate mismatch is detected") {
    Fixture f;
    auto server_key = load_private_key(f.dir + "/private/server.key");
    auto client_key = load_private_key(f.dir + "/private/client.key");
    CHECK(error_of([&] { check_key_matches(f.server.cert.get(), server_key.get(), "server.key", "server.crt"); }).empty());
    CHECK(error_of([&] { check_key_matches(f.client.cert.get(), server_key.get(), "client.key", "client.crt"); }) ==
          "client.key: does not match certificate client.crt");
    // Different algorithms: an RSA-free check (EC vs EC of another CA is enough).
    auto ca = f.ca.load_ca();
    CHECK(error_of([&] { check_key_matches(ca.cert.get(), client_key.get(), "ca.key", "ca.crt"); }) ==
          "ca.key: does not match certificate ca.crt");
}

TEST_CASE("pki verify: OK, then revoked after revoke + gen-crl; openssl verify agrees") {
    Fixture f;
    auto store = f.store();
    CHECK(store.verify(f.client.cert.get()).ok);
    CHECK(store.verify(f.server.cert.get()).ok);
    std::string client_crt = f.tmp / "client-copy.crt";
    spit(client_crt, slurp(f.dir + "/issued/client.crt"));
    int ossl = openssl_verify(f.dir + "/ca.crt", f.dir + "/crl.pem", client_crt);
    if (ossl >= 0) CHECK(ossl == 0);

    f.ca.revoke("client");
    // The old CRL still lets it through; the new one does not.
    CHECK(store.verify(f.client.cert.get()).ok);
    f.ca.gen_crl();
    store.set_crls(load_crls(f.dir + "/crl.pem"));
    auto v = store.verify(f.client.cert.get());
    CHECK(!v.ok);
    CHECK(v.reason == "certificate revoked");
    CHECK(v.error == X509_V_ERR_CERT_REVOKED);
    CHECK(v.depth == 0);
    CHECK(store.verify(f.server.cert.get()).ok);
    ossl = openssl_verify(f.dir + "/ca.crt", f.dir + "/crl.pem", client_crt);
    if (ossl >= 0) CHECK(ossl == X509_V_ERR_CERT_REVOKED);
    ossl = openssl_verify(f.dir + "/ca.crt", f.dir + "/crl.pem", f.dir + "/issued/server.crt");
    if (ossl >= 0) CHECK(ossl == 0);
}

TEST_CASE("pki verify: another CA's certificate, an expired one, an expired CRL") {
    Fixture f;
    auto store = f.store();

    TempDir other_dir;
    auto other = pki_test::make_ca(other_dir / "pki", "Test CA");  // same name, other key
    auto stranger = pki_test::issue(other, CertType::Client, "client");
    auto v = store.verify(stranger.cert.get());
    CHECK(!v.ok);
    CHECK(v.reason == "unable to get local issuer certificate");
    int ossl = openssl_verify(f.dir + "/ca.crt", f.dir + "/crl.pem", other_dir / "pki/issued/client.crt");
    if (ossl >= 0) CHECK(ossl == v.error);

    IssueOptions o;
    o.type = CertType::Client;
    o.name = "old";
    std::time_t now = std::time(nullptr);
    o.validity = Validity{now - 30 * 86400, now - 86400};
    auto old = f.ca.issue(o);
    v = store.verify(old.cert.get());
    CHECK(!v.ok);
    CHECK(v.reason == "certificate has expired");
    ossl = openssl_verify(f.dir + "/ca.crt", f.dir + "/crl.pem", f.dir + "/issued/old.crt");
    if (ossl >= 0) CHECK(ossl == X509_V_ERR_CERT_HAS_EXPIRED);
    // ...and at a time inside its window it would verify, were the CA valid then.
    // (Without a CRL: OpenSSL checks the CRL's dates first.)
    CHECK(f.store(false).verify(old.cert.get(), {}, now - 10 * 86400).reason == "certificate is not yet valid");
    CHECK(f.store(false).verify(f.client.cert.get(), {}, now + 900 * 86400).reason == "certificate has expired");

    // A CRL past its nextUpdate fails everything, as it does in OpenVPN.
    f.ca.set_now(now - 10 * 86400);
    f.ca.gen_crl(2);
    store.set_crls(load_crls(f.dir + "/crl.pem"));
    v = store.verify(f.client.cert.get());
    CHECK(v.reason == "CRL has expired");
    // Without a CRL for the CA at all: refused too (CRL_CHECK).
    TrustStore foreign(load_certs(f.dir + "/ca.crt"), [&] {
        other.gen_crl();
        return load_crls(other_dir / "pki/crl.pem");
    }());
    CHECK(foreign.verify(f.client.cert.get()).reason == "unable to get certificate CRL");
    // No CRL configured: only the chain counts.
    CHECK(f.store(false).verify(f.client.cert.get()).ok);
}

TEST_CASE("pki verify: OpenSSL's TLS purpose check refuses a client certificate as a server") {
    Fixture f;
    auto store = f.store();
    CHECK(store.verify(f.server.cert.get(), {}, {}, Purpose::SslServer).ok);
    CHECK(store.verify(f.client.cert.get(), {}, {}, Purpose::SslClient).ok);
    CHECK(store.verify(f.client.cert.get(), {}, {}, Purpose::SslServer).reason == "unsuitable certificate purpose");
    CHECK(store.verify(f.server.cert.get(), {}, {}, Purpose::SslClient).reason == "unsuitable certificate purpose");
}

TEST_CASE("pki remote-cert-tls / remote-cert-ku / remote-cert-eku as OpenVPN 2.6 checks them") {
    Fixture f;
    X509* srv = f.server.cert.get();
    X509* cli = f.client.cert.get();
    CHECK(check_remote_cert_tls(srv, RemoteCertTls::Server).ok);
    CHECK(check_remote_cert_tls(cli, RemoteCertTls::Client).ok);
    auto v = check_remote_cert_tls(cli, RemoteCertTls::Server);
    CHECK(!v.ok);
    CHECK(v.reason ==
          "certificate has extended key usage TLS Web Client Authentication, expected TLS Web Server Authentication "
          "(remote-cert-tls server)");
    CHECK(!check_remote_cert_tls(srv, RemoteCertTls::Client).ok);
    CHECK(!check_remote_cert_tls(f.ca.load_ca().cert.get(), RemoteCertTls::Server).ok);  // CA: KU but no EKU

    CHECK(check_extended_key_usage(srv, "1.3.6.1.5.5.7.3.1").ok);
    CHECK(check_extended_key_usage(cli, "TLS Web Client Authentication").ok);
    CHECK(!check_extended_key_usage(cli, "serverAuth").ok);  // OpenVPN compares long name or OID only

    // Classic `remote-cert-ku a0 88` (server) and `80` (client).
    CHECK(check_key_usage(srv, {0xa0, 0x88}).ok);
    CHECK(check_key_usage(cli, {0x80}).ok);
    v = check_key_usage(cli, {0xa0, 0x88});
    CHECK(v.reason == "certificate has key usage 0080, expected one of 00a0, 0088");
    CHECK(check_key_usage(srv, {}).ok);
    CHECK(parse_remote_cert_tls("server") == RemoteCertTls::Server);
    CHECK(!parse_remote_cert_tls("both"));
}

TEST_CASE("pki verify-x509-name: subject, name, name-prefix") {
    Fixture f;
    X509* srv = f.server.cert.get();
    CHECK(openvpn_subject(srv) == "CN=server");
    CHECK(openvpn_common_name(srv) == "server");
    CHECK(check_x509_name(srv, "CN=server", X509NameType::Subject).ok);
    CHECK(check_x509_name(srv, "server", X509NameType::Name).ok);
    CHECK(check_x509_name(srv, "serv", X509NameType::NamePrefix).ok);
    CHECK(!check_x509_name(srv, "serv", X509NameType::Name).ok);
    CHECK(check_x509_name(srv, "client", X509NameType::Name).reason == "X509 name 'CN=server' does not match 'client'");
    CHECK(!check_x509_name(srv, "server", X509NameType::Subject).ok);
    CHECK(parse_x509_name_type("name-prefix") == X509NameType::NamePrefix);
    CHECK(!parse_x509_name_type("cn"));
}

TEST_CASE("pki peer-fingerprint: SHA-256 of the DER certificate as AA:BB:..") {
    Fixture f;
    X509* srv = f.server.cert.get();
    auto fp = sha256_fingerprint(srv);
    // Independent computation: SHA-256 over i2d(cert).
    unsigned char* der = nullptr;
    int len = i2d_X509(srv, &der);
    REQUIRE(len > 0);
    unsigned char md[32];
    unsigned int mdlen = 0;
    REQUIRE(EVP_Digest(der, static_cast<size_t>(len), md, &mdlen, EVP_sha256(), nullptr) == 1);
    OPENSSL_free(der);
    CHECK(std::equal(fp.begin(), fp.end(), md));

    std::string text = format_fingerprint(fp);
    CHECK(std::regex_match(text, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")));
    CHECK(parse_fingerprint(text) == fp);
    std::string lower = text;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK(parse_fingerprint(lower) == fp);
    CHECK(!parse_fingerprint(text.substr(3)));           // 31 bytes
    CHECK(!parse_fingerprint(text + ":00"));              // 33 bytes
    CHECK(!parse_fingerprint(std::string(95, 'A')));      // no separators
    CHECK(!parse_fingerprint("G" + text.substr(1)));      // not hex

    CHECK(check_fingerprint(srv, {fp}).ok);
    auto v = check_fingerprint(f.client.cert.get(), {fp});
    CHECK(v.reason == "certificate fingerprint " + format_fingerprint(sha256_fingerprint(f.client.cert.get())) +
                          " is not a peer-fingerprint");

    // Agrees with `openssl x509 -fingerprint -sha256`.
    if (pki_test::exists("/usr/bin/openssl")) {
        FILE* p = ::popen(("/usr/bin/openssl x509 -noout -fingerprint -sha256 -in '" + f.dir + "/issued/server.crt'").c_str(), "r");
        REQUIRE(p);
        char buf[256] = {0};
        REQUIRE(std::fgets(buf, sizeof buf, p));
        ::pclose(p);
        CHECK(std::string(buf) == "sha256 Fingerprint=" + text + "\n");
    }
}

TEST_CASE("pki parsers: mutated and truncated input gives PkiError or a value, never a crash") {
    Fixture f;
    f.ca.revoke("client");
    f.ca.gen_crl();
    const std::string inputs[] = {slurp(f.dir + "/ca.crt"), slurp(f.dir + "/crl.pem"),
                                  slurp(f.dir + "/private/server.key"), slurp(f.dir + "/index.txt"),
                                  slurp(f.dir + "/reqs/server.req")};
    std::mt19937 rng(1234);  // fixed seed: reproducible
    int parsed = 0, refused = 0;
    for (int which = 0; which < 5; ++which) {
        for (int round = 0; round < 300; ++round) {
            std::string s = inputs[which];
            if (round % 3 == 0) {
                s.resize(rng() % (s.size() + 1));
            } else {
                for (int k = 0; k < 1 + round % 4; ++k) s[rng() % s.size()] = static_cast<char>(rng());
            }
            try {
                switch (which) {
                    case 0: parse_certs(s, "c"); break;
                    case 1: parse_crls(s, "r"); break;
                    case 2: parse_private_key(s, "k"); break;
                    case 3: CaIndex::parse(s, "i"); break;
                    case 4: parse_csr(s, "q"); break;
                }
                ++parsed;
            } catch (const PkiError& e) {
                ++refused;
                CHECK(std::string(e.what()).find('\n') == std::string::npos);  // one line
            }
        }
    }
    CHECK(parsed + refused == 1500);
    CHECK(refused > 0);
}
