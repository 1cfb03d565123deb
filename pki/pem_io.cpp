#include "pki/pem_io.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>
#include <cstring>
#include <fmt/format.h>

#include "pki/file_io.hpp"

namespace vpn::pki {

namespace {

BioPtr mem_bio(std::string_view text, const std::string& name) {
    if (text.size() > INT_MAX) throw PkiError(name + ": file too large");
    BioPtr b(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!b) throw PkiError(name + ": out of memory");
    return b;
}

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

// PEM_read_bio_* signals the end of the blocks of its type this way; anything else
// is a block that is present but broken.
bool no_more_blocks() {
    unsigned long e = ERR_peek_last_error();
    return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

std::string bio_text(BIO* b) {
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(b, &mem);
    if (!mem) return {};
    return std::string(mem->data, mem->length);
}

struct PassCtx {
    const PassphraseFn* fn;
    bool asked = false;
    bool missing = false;
    std::string error;
};

int pass_cb(char* buf, int size, int /*rwflag*/, void* u) {
    auto* ctx = static_cast<PassCtx*>(u);
    ctx->asked = true;
    if (!ctx->fn || !*ctx->fn) {
        ctx->missing = true;
        return -1;
    }
    std::string p;
    try {
        p = (*ctx->fn)();
    } catch (const std::exception& e) {
        ctx->error = e.what();
        return -1;
    }
    if (size <= 0 || p.size() > static_cast<std::size_t>(size)) {
        wipe(p);
        ctx->error = "passphrase too long";
        return -1;
    }
    std::memcpy(buf, p.data(), p.size());
    int n = static_cast<int>(p.size());
    wipe(p);
    return n;
}

}  // namespace

std::string openssl_error(const char* fallback) {
    unsigned long e = ERR_peek_last_error();
    std::string s = fallback;
    if (e != 0) {
        const char* r = ERR_reason_error_string(e);
        if (r) s = fmt::format("{} (OpenSSL: {})", fallback, r);
    }
    ERR_clear_error();
    return s;
}

std::vector<X509Ptr> parse_certs(std::string_view pem, const std::string& name) {
    if (!contains(pem, "-----BEGIN CERTIFICATE-----") && !contains(pem, "-----BEGIN X509 CERTIFICATE-----"))
        throw PkiError(name + ": not a PEM certificate");
    auto bio = mem_bio(pem, name);
    std::vector<X509Ptr> out;
    ERR_clear_error();
    for (;;) {
        X509Ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!c) break;
        out.push_back(std::move(c));
    }
    bool clean_end = no_more_blocks();
    ERR_clear_error();
    if (!clean_end || out.empty()) throw PkiError(name + ": corrupt PEM certificate");
    return out;
}

X509Ptr parse_cert(std::string_view pem, const std::string& name) {
    auto certs = parse_certs(pem, name);
    return std::move(certs.front());
}

EvpPkeyPtr parse_private_key(std::string_view pem, const std::string& name, const PassphraseFn& passphrase) {
    if (!contains(pem, "-----BEGIN ") || !contains(pem, "PRIVATE KEY-----"))
        throw PkiError(name + ": not a PEM private key");
    auto bio = mem_bio(pem, name);
    PassCtx ctx{&passphrase};
    ERR_clear_error();
    EvpPkeyPtr key(PEM_read_bio_PrivateKey_ex(bio.get(), nullptr, pass_cb, &ctx, nullptr, nullptr));
    ERR_clear_error();
    if (key) return key;
    if (ctx.missing) throw PkiError(name + ": key is encrypted, a passphrase is needed");
    if (!ctx.error.empty()) throw PkiError(name + ": " + ctx.error);
    if (ctx.asked) throw PkiError(name + ": wrong passphrase or corrupt key");
    throw PkiError(name + ": corrupt private key");
}

std::vector<X509CrlPtr> parse_crls(std::string_view pem, const std::string& name) {
    if (!contains(pem, "-----BEGIN X509 CRL-----")) throw PkiError(name + ": not a PEM CRL");
    auto bio = mem_bio(pem, name);
    std::vector<X509CrlPtr> out;
    ERR_clear_error();
    for (;;) {
        X509CrlPtr c(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
        if (!c) break;
        out.push_back(std::move(c));
    }
    bool clean_end = no_more_blocks();
    ERR_clear_error();
    if (!clean_end || out.empty()) throw PkiError(name + ": corrupt CRL");
    return out;
}

X509ReqPtr parse_csr(std::string_view pem, const std::string& name) {
    if (!contains(pem, "-----BEGIN CERTIFICATE REQUEST-----") && !contains(pem, "-----BEGIN NEW CERTIFICATE REQUEST-----"))
        throw PkiError(name + ": not a PEM certificate request");
    auto bio = mem_bio(pem, name);
    ERR_clear_error();
    X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    EVP_PKEY* pub = req ? X509_REQ_get0_pubkey(req.get()) : nullptr;
    bool ok = pub && X509_REQ_verify(req.get(), pub) == 1;
    ERR_clear_error();
    if (!ok) throw PkiError(name + ": corrupt certificate request");
    return req;
}

std::vector<X509Ptr> load_certs(const std::string& path) { return parse_certs(read_text_file(path), path); }

X509Ptr load_cert(const std::string& path) { return parse_cert(read_text_file(path), path); }

EvpPkeyPtr load_private_key(const std::string& path, const PassphraseFn& passphrase) {
    std::string text = read_text_file(path, 1u << 20);
    try {
        auto key = parse_private_key(text, path, passphrase);
        wipe(text);
        return key;
    } catch (...) {
        wipe(text);
        throw;
    }
}

std::vector<X509CrlPtr> load_crls(const std::string& path) { return parse_crls(read_text_file(path), path); }

EvpPkeyPtr parse_dh_params(std::string_view pem, const std::string& name) {
    if (!contains(pem, "-----BEGIN DH PARAMETERS-----")) throw PkiError(name + ": not PEM DH parameters");
    auto bio = mem_bio(pem, name);
    ERR_clear_error();
    EvpPkeyPtr p(PEM_read_bio_Parameters(bio.get(), nullptr));
    ERR_clear_error();
    if (!p || EVP_PKEY_get_base_id(p.get()) != EVP_PKEY_DH) throw PkiError(name + ": corrupt DH parameters");
    return p;
}

EvpPkeyPtr load_dh_params(const std::string& path) { return parse_dh_params(read_text_file(path), path); }

X509ReqPtr load_csr(const std::string& path) { return parse_csr(read_text_file(path), path); }

std::string cert_to_pem(X509* cert) {
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_X509(b.get(), cert) != 1) throw PkiError(openssl_error("cannot encode certificate"));
    return bio_text(b.get());
}

std::string crl_to_pem(X509_CRL* crl) {
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_X509_CRL(b.get(), crl) != 1) throw PkiError(openssl_error("cannot encode CRL"));
    return bio_text(b.get());
}

std::string csr_to_pem(X509_REQ* req) {
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b || PEM_write_bio_X509_REQ(b.get(), req) != 1) throw PkiError(openssl_error("cannot encode request"));
    return bio_text(b.get());
}

std::string key_to_pem(EVP_PKEY* key, std::string_view passphrase) {
    // secmem: OpenSSL wipes the BIO's buffer when it is freed.
    BioPtr b(BIO_new(BIO_s_secmem()));
    if (!b) throw PkiError("out of memory");
    int ok;
    if (passphrase.empty()) {
        ok = PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    } else {
        if (passphrase.size() > INT_MAX) throw PkiError("passphrase too long");
        ok = PEM_write_bio_PKCS8PrivateKey(b.get(), key, EVP_aes_256_cbc(), passphrase.data(),
                                           static_cast<int>(passphrase.size()), nullptr, nullptr);
    }
    if (ok != 1) throw PkiError(openssl_error("cannot encode private key"));
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(b.get(), &mem);
    std::string out;
    out.reserve(mem->length);
    out.assign(mem->data, mem->length);
    return out;
}

}  // namespace vpn::pki
