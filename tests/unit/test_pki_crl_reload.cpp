// pki/crl_reloader.hpp + OpenSslTlsContext::new_ssl: `crl-verify FILE` re-read when
// the file changes (OpenVPN 2.6 ssl.c: tls_ctx_reload_crl).  Handshakes run between
// two SSL objects joined by an in-memory BIO pair.
#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "pki/crl_reloader.hpp"
#include "pki/tls_context.hpp"
#include "test_pki_support.hpp"

using namespace vpn::pki;
using pki_test::slurp;
using pki_test::spit;
using pki_test::TempDir;
using vpn::ovpn::session::VerifyState;

namespace {

// Move the mtime forward (each call further), as a slow rewrite would.
void bump_mtime(const std::string& path, int seconds = 5) {
    static int extra = 0;
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = std::time(nullptr) + seconds + ++extra;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), ts, 0) == 0);
}

// A CA with a server and a client, and crl.pem revoking nothing.
struct Fixture {
    TempDir tmp;
    std::string dir = tmp / "pki";
    CertificateAuthority ca = pki_test::make_ca(dir);
    IssuedCert server = pki_test::issue(ca, CertType::Server, "server");
    IssuedCert client = pki_test::issue(ca, CertType::Client, "client");
    std::string crl = [this] {
        ca.gen_crl();
        return ca.layout().crl();
    }();

    TlsConfig config(bool server_side) const {
        TlsConfig c;
        c.server = server_side;
        c.ca = ca.layout().ca_cert();
        const std::string name = server_side ? "server" : "client";
        c.cert = ca.layout().cert(name);
        c.key = ca.layout().key(name);
        if (server_side) c.crl = crl;
        return c;
    }

    // revoke + gen-crl (which rewrites crl.pem), then push its mtime forward so the
    // change shows even on a file system with coarse timestamps.
    void revoke_client() {
        ca.revoke("client");
        ca.gen_crl();
        bump_mtime(crl);
    }
};

// One side of a connection: the SSL and the verify state it reports into.
struct Conn {
    VerifyState state;
    SSL* ssl = nullptr;
    explicit Conn(const OpenSslTlsContext& ctx) { ssl = ctx.new_ssl(state); }
    ~Conn() { SSL_free(ssl); }
    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
};

bool fatal(SSL* ssl, int rc) {
    int e = SSL_get_error(ssl, rc);
    return e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;
}

// Run the handshake until the server accepts or refuses.  True if both completed.
bool handshake(Conn& client, Conn& server) {
    BIO *a = nullptr, *b = nullptr;
    REQUIRE(BIO_new_bio_pair(&a, 0, &b, 0) == 1);
    SSL_set_bio(client.ssl, a, a);
    SSL_set_bio(server.ssl, b, b);
    int rc_c = 0, rc_s = 0;
    bool client_done = false;
    for (int round = 0; round < 50; ++round) {
        if (!client_done) {
            rc_c = SSL_do_handshake(client.ssl);
            client_done = rc_c == 1 || fatal(client.ssl, rc_c);
        }
        rc_s = SSL_do_handshake(server.ssl);
        if (rc_s == 1 || fatal(server.ssl, rc_s)) break;
    }
    ERR_clear_error();
    return rc_c == 1 && rc_s == 1;
}

// Verify `cert` against `store` as a TLS server would; the X509_V_ERR code (0 = OK).
int verify_with(X509_STORE* store, X509* cert) {
    std::unique_ptr<X509_STORE_CTX, OsslFree> ctx(X509_STORE_CTX_new());
    REQUIRE(X509_STORE_CTX_init(ctx.get(), store, cert, nullptr) == 1);
    int rc = X509_verify_cert(ctx.get());
    int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return rc == 1 ? 0 : err;
}

std::vector<X509Ptr> cas_of(const Fixture& f) { return load_certs(f.ca.layout().ca_cert()); }

}  // namespace

TEST_CASE("crl-verify: a rewritten CRL file applies to the next handshake") {
    Fixture f;
    OpenSslTlsContext server(f.config(true));
    OpenSslTlsContext client(f.config(false));
    {
        Conn c(client), s(server);
        CHECK(handshake(c, s));
        CHECK(s.state.failure.empty());
    }
    // Made before the CRL changes: a session keeps the CRL it started with.
    Conn early_c(client), early_s(server);

    f.revoke_client();
    {
        Conn c(client), s(server);
        CHECK(!handshake(c, s));
        CHECK(s.state.failure.find("revoked") != std::string::npos);
        CHECK(s.state.failure == "VERIFY ERROR: depth=0, error=certificate revoked: CN=client");
    }
    CHECK(handshake(early_c, early_s));
    CHECK(early_s.state.failure.empty());

    // The same file again without a change: still refused (no flip-flop).
    Conn c(client), s(server);
    CHECK(!handshake(c, s));
    CHECK(s.state.failure.find("revoked") != std::string::npos);
}

TEST_CASE("crl-verify: an unparsable new CRL warns once and refuses peers until it is fixed") {
    Fixture f;
    std::vector<std::string> warnings;
    CrlReloader r(cas_of(f), f.crl, [&](const std::string& m) { warnings.push_back(m); });
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == 0);

    spit(f.crl, "-----BEGIN X509 CRL-----\nZm9vYmFy\n-----END X509 CRL-----\n");
    bump_mtime(f.crl);
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == X509_V_ERR_UNABLE_TO_GET_CRL);
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == X509_V_ERR_UNABLE_TO_GET_CRL);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "CRL: cannot reload: " + f.crl + ": corrupt CRL; refusing new peers until it is fixed");
    CHECK(warnings[0].find('\n') == std::string::npos);

    // Not a CRL at all (a half-written file, say): the same.
    spit(f.crl, "");
    bump_mtime(f.crl);
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == X509_V_ERR_UNABLE_TO_GET_CRL);
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[1] == "CRL: cannot reload: " + f.crl + ": not a PEM CRL; refusing new peers until it is fixed");

    // Fixed: the new (revoking) CRL is taken.
    f.revoke_client();
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == X509_V_ERR_CERT_REVOKED);
    CHECK(verify_with(r.current().get(), f.server.cert.get()) == 0);
    CHECK(warnings.size() == 2);
}

TEST_CASE("crl-verify: a removed file keeps the loaded CRL, its return is loaded") {
    Fixture f;
    std::vector<std::string> warnings;
    CrlReloader r(cas_of(f), f.crl, [&](const std::string& m) { warnings.push_back(m); });
    f.revoke_client();
    const std::string revoking = slurp(f.crl);
    REQUIRE(std::remove(f.crl.c_str()) == 0);
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == 0);  // the first CRL still holds
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == 0);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "CRL: cannot stat " + f.crl + ": No such file or directory; keeping the CRL loaded before");
    spit(f.crl, revoking);
    CHECK(verify_with(r.current().get(), f.client.cert.get()) == X509_V_ERR_CERT_REVOKED);
    CHECK(warnings.size() == 1);
}

TEST_CASE("crl-verify: a bad CRL at startup is fatal, naming the file") {
    Fixture f;
    spit(f.crl, "junk\n");
    CHECK(pki_test::error_of([&] { OpenSslTlsContext ctx(f.config(true)); }) == f.crl + ": not a PEM CRL");
    CHECK(pki_test::error_of([&] { CrlReloader r(cas_of(f), f.tmp / "none.pem"); }) ==
          f.tmp / "none.pem: cannot read: No such file or directory");
}

TEST_CASE("crl-verify: an inline CRL is never reloaded; the file path is") {
    Fixture f;
    TlsConfig cfg = f.config(true);
    cfg.crl = slurp(f.crl);  // inline text
    OpenSslTlsContext inline_server(cfg);
    OpenSslTlsContext client(f.config(false));
    f.revoke_client();
    Conn c(client), s(inline_server);
    CHECK(handshake(c, s));
}

TEST_CASE("file stamps: a same-size replacement by rename is a change") {
    TempDir t;
    const std::string p = t / "crl.pem", q = t / "crl.new";
    spit(p, "aaaa");
    auto before = stamp_file(p);
    REQUIRE(before);
    CHECK(stamp_file(p) == before);
    spit(q, "bbbb");
    // Same size, and the same mtime as the old file: only the inode differs.
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    struct timespec ts[2] = {st.st_mtim, st.st_mtim};
    REQUIRE(::utimensat(AT_FDCWD, q.c_str(), ts, 0) == 0);
    REQUIRE(std::rename(q.c_str(), p.c_str()) == 0);
    auto after = stamp_file(p);
    REQUIRE(after);
    CHECK(after->size == before->size);
    CHECK(after->mtime_sec == before->mtime_sec);
    CHECK(after != before);
    CHECK(!stamp_file(t / "missing"));
}
