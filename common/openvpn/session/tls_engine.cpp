#include "common/openvpn/session/tls_engine.hpp"

#include <openssl/err.h>

#include <fmt/format.h>


namespace vpn::ovpn::session {
namespace {

std::string queued_error(const char* fallback) {
    unsigned long e = ERR_peek_last_error();
    std::string s = fallback;
    if (e != 0) {
        const char* r = ERR_reason_error_string(e);
        s = fmt::format("TLS error: {}", r ? r : "unknown");
    }
    ERR_clear_error();
    return s;
}

}  // namespace

TlsEngine::TlsEngine(const TlsContext& ctx) {
    ssl_ = ctx.new_ssl(verify_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    if (!in_ || !out_) {
        BIO_free(in_);
        BIO_free(out_);
        SSL_free(ssl_);
        throw TlsConfigError("BIO_new: out of memory");
    }
    // An empty input BIO means "retry later", not EOF (ssl_openssl.c: bio_read).
    BIO_set_mem_eof_return(in_, -1);
    BIO_set_mem_eof_return(out_, -1);
    SSL_set_bio(ssl_, in_, out_);
}

TlsEngine::~TlsEngine() { SSL_free(ssl_); }

void TlsEngine::fail(std::string why) {
    if (status_ == Status::Failed) return;
    status_ = Status::Failed;
    // A certificate refusal is the most useful line; OpenSSL's own error follows it.
    failure_ = verify_.failure.empty() ? std::move(why) : verify_.failure;
    ERR_clear_error();
}

bool TlsEngine::feed(Bytes ciphertext) {
    if (ciphertext.empty()) return true;
    if (ciphertext.size() > static_cast<std::size_t>(INT32_MAX)) return false;
    return BIO_write(in_, ciphertext.data(), static_cast<int>(ciphertext.size())) ==
           static_cast<int>(ciphertext.size());
}

TlsEngine::Status TlsEngine::step() {
    if (status_ == Status::Failed) return status_;
    if (!SSL_is_init_finished(ssl_)) {
        ERR_clear_error();
        int r = SSL_do_handshake(ssl_);
        if (r != 1) {
            int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return status_;
            fail(queued_error("TLS handshake failed"));
            return status_;
        }
        status_ = Status::Established;
    }
    while (!held_.empty()) {
        const auto& m = held_.front();
        ERR_clear_error();
        int r = SSL_write(ssl_, m.data(), static_cast<int>(m.size()));
        if (r <= 0) {
            int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
            fail(queued_error("TLS write failed"));
            return status_;
        }
        held_.pop_front();
    }
    return status_;
}

bool TlsEngine::write_record(Bytes plain) {
    if (plain.empty() || plain.size() > kMaxRecord || status_ == Status::Failed) return false;
    held_.emplace_back(plain);
    step();
    return status_ != Status::Failed;
}

std::size_t TlsEngine::read_record(MutBytes out) {
    if (status_ != Status::Established || out.size() < kMaxRecord) return 0;
    ERR_clear_error();
    int r = SSL_read(ssl_, out.data(), static_cast<int>(kMaxRecord));
    if (r > 0) return static_cast<std::size_t>(r);
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    if (e == SSL_ERROR_ZERO_RETURN)
        fail("TLS session closed by the peer");
    else
        fail(queued_error("TLS read failed"));
    return 0;
}

std::size_t TlsEngine::pending_ciphertext() const { return BIO_ctrl_pending(out_); }

std::size_t TlsEngine::take_ciphertext(MutBytes out) {
    if (out.empty()) return 0;
    int n = BIO_read(out_, out.data(), static_cast<int>(std::min<std::size_t>(out.size(), INT32_MAX)));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool TlsEngine::export_keying_material(std::string_view label, MutBytes out) const {
    if (status_ != Status::Established) return false;
    return SSL_export_keying_material(ssl_, out.data(), out.size(), label.data(), label.size(), nullptr, 0, 0) == 1;
}

std::string TlsEngine::describe() const {
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
    return fmt::format("{}, cipher {}", SSL_get_version(ssl_), c ? SSL_CIPHER_get_name(c) : "none");
}

}  // namespace vpn::ovpn::session
