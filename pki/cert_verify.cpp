#include "pki/cert_verify.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "pki/pem_io.hpp"

namespace vpn::pki {

namespace {

struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

}  // namespace

void check_key_matches(X509* cert, EVP_PKEY* key, const std::string& key_name, const std::string& cert_name) {
    EVP_PKEY* pub = X509_get0_pubkey(cert);
    bool same = pub && key && EVP_PKEY_eq(pub, key) == 1;
    ERR_clear_error();
    if (!same) throw PkiError(key_name + ": does not match certificate " + cert_name);
}

TrustStore::TrustStore(std::vector<X509Ptr> cas, std::vector<X509CrlPtr> crls)
    : cas_(std::move(cas)), crls_(std::move(crls)) {
    if (cas_.empty()) throw PkiError("no CA certificate");
    rebuild();
}

TrustStore TrustStore::from_files(const std::string& ca_path, const std::string& crl_path) {
    auto cas = load_certs(ca_path);
    std::vector<X509CrlPtr> crls;
    if (!crl_path.empty()) crls = load_crls(crl_path);
    return TrustStore(std::move(cas), std::move(crls));
}

void TrustStore::set_crls(std::vector<X509CrlPtr> crls) {
    crls_ = std::move(crls);
    rebuild();
}

void TrustStore::install(X509_STORE* store) const {
    for (const auto& c : cas_) {
        // A CA listed twice in a bundle is harmless; OpenSSL 3 accepts duplicates.
        if (X509_STORE_add_cert(store, c.get()) != 1) throw PkiError(openssl_error("cannot add CA certificate"));
    }
    for (const auto& c : crls_) {
        if (X509_STORE_add_crl(store, c.get()) != 1) throw PkiError(openssl_error("cannot add CRL"));
    }
    if (!crls_.empty()) X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
}

void TrustStore::rebuild() {
    X509StorePtr s(X509_STORE_new());
    if (!s) throw PkiError("out of memory");
    install(s.get());
    store_ = std::move(s);
}

Verdict TrustStore::verify(X509* leaf, const std::vector<X509*>& chain, std::optional<std::time_t> at,
                           Purpose purpose) const {
    if (!leaf) return Verdict::fail("no peer certificate");
    std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
    if (!untrusted) throw PkiError("out of memory");
    for (X509* c : chain)
        if (!sk_X509_push(untrusted.get(), c)) throw PkiError("out of memory");
    std::unique_ptr<X509_STORE_CTX, OsslFree> ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store_.get(), leaf, untrusted.get()) != 1)
        throw PkiError(openssl_error("cannot set up certificate verification"));
    if (at) X509_STORE_CTX_set_time(ctx.get(), 0, *at);
    if (purpose != Purpose::Any) {
        int p = purpose == Purpose::SslServer ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
        X509_STORE_CTX_set_purpose(ctx.get(), p);
    }
    int rc = X509_verify_cert(ctx.get());
    ERR_clear_error();
    if (rc == 1) return Verdict::pass();
    int err = X509_STORE_CTX_get_error(ctx.get());
    if (err == X509_V_OK) return Verdict::fail("certificate verification failed (internal error)");
    return Verdict::fail(verify_error_reason(err), err, X509_STORE_CTX_get_error_depth(ctx.get()));
}

std::string verify_error_reason(int x509_v_error) {
    const char* s = X509_verify_cert_error_string(x509_v_error);
    return s ? s : "certificate verification failed";
}

}  // namespace vpn::pki
