// `dh FILE`: DH parameters for a TLS server (pki/tls_context.cpp, pki/pem_io.cpp).
#include <doctest/doctest.h>

#include <openssl/ssl.h>

#include "pki/pem_io.hpp"
#include "pki/tls_context.hpp"
#include "test_tls_session_support.hpp"

namespace {

using namespace vpn;

// RFC 7919 ffdhe2048, as `openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048` writes it.
const char* const kFfdhe2048 =
    "-----BEGIN DH PARAMETERS-----\n"
    "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
    "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
    "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
    "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
    "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
    "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
    "-----END DH PARAMETERS-----\n";

pki::TlsConfig server_config() {
    auto& p = tls_test::shared_pki();
    pki::TlsConfig c;
    c.server = true;
    c.ca = p.ca_path();
    c.cert = p.cert("server");
    c.key = p.key("server");
    return c;
}

}  // namespace

TEST_CASE("dh: PEM parameters load, inline or from a file; the server context takes them") {
    auto params = pki::parse_dh_params(kFfdhe2048, "dh.pem");
    REQUIRE(params);
    CHECK(EVP_PKEY_get_bits(params.get()) == 2048);

    pki::TlsConfig c = server_config();
    c.dh = kFfdhe2048;  // inline
    CHECK_NOTHROW(pki::OpenSslTlsContext ctx(c));

    pki_test::TempDir dir;
    const std::string path = dir / "dh.pem";
    pki_test::spit(path, kFfdhe2048);
    c.dh = path;
    CHECK_NOTHROW(pki::OpenSslTlsContext ctx(c));
}

TEST_CASE("dh: a missing, foreign or corrupt file is a one-line error naming it") {
    pki_test::TempDir dir;
    pki::TlsConfig c = server_config();
    c.dh = dir / "missing.pem";
    CHECK(pki_test::error_of([&] { pki::OpenSslTlsContext ctx(c); }).find(c.dh + ": cannot read") == 0);
    const std::string cert_as_dh = dir / "cert.pem";
    pki_test::spit(cert_as_dh, pki_test::slurp(tls_test::shared_pki().cert("server")));
    c.dh = cert_as_dh;
    CHECK(pki_test::error_of([&] { pki::OpenSslTlsContext ctx(c); }) == cert_as_dh + ": not PEM DH parameters");
    const std::string corrupt = dir / "corrupt.pem";
    pki_test::spit(corrupt, "-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n");
    c.dh = corrupt;
    CHECK(pki_test::error_of([&] { pki::OpenSslTlsContext ctx(c); }) == corrupt + ": corrupt DH parameters");
}
