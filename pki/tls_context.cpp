#include "pki/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <fmt/format.h>

#include "pki/cert_verify.hpp"
#include "pki/pem_io.hpp"

namespace vpn::pki {

using ovpn::session::VerifyState;
namespace {

bool is_inline(const std::string& s) { return s.find("-----BEGIN") != std::string::npos; }

std::vector<X509Ptr> certs_from(const std::string& src) {
    return is_inline(src) ? parse_certs(src, kInlineName) : load_certs(src);
}

std::string ssl_error(const char* fallback) {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return fallback;
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

int verify_state_index() {
    // One index per process; OpenSSL keeps it for the process's lifetime.
    static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return idx;
}

void record(VerifyState& st, int depth, const std::string& why, X509* cert) {
    if (!st.failure.empty()) return;  // keep the first, most specific reason
    st.failure = fmt::format("VERIFY ERROR: depth={}, error={}: {}", depth, why,
                             cert ? openvpn_subject(cert) : std::string("?"));
}

// ssl_verify_openssl.c: verify_callback -> ssl_verify.c: verify_cert.  Chain errors
// come from OpenSSL (CRL included, via the store flags); the OpenVPN-specific checks
// run on the peer's own certificate only.
int verify_callback(int preverify_ok, X509_STORE_CTX* xs) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* st = ssl ? static_cast<VerifyState*>(SSL_get_ex_data(ssl, verify_state_index())) : nullptr;
    if (!st || !st->policy) return preverify_ok;
    const VerifyPolicy& pol = *static_cast<const VerifyPolicy*>(st->policy);
    const int depth = X509_STORE_CTX_get_error_depth(xs);
    X509* cert = X509_STORE_CTX_get_current_cert(xs);

    if (!preverify_ok) {
        if (pol.ca_less) {
            // CA-less mode: no chain to verify; the fingerprint decides (below).
            X509_STORE_CTX_set_error(xs, X509_V_OK);
        } else {
            record(*st, depth, verify_error_reason(X509_STORE_CTX_get_error(xs)), cert);
            return 0;
        }
    }
    if (depth != 0 || !cert) return 1;

    if (pol.remote_cert_tls) {
        if (auto v = check_remote_cert_tls(cert, *pol.remote_cert_tls); !v) {
            record(*st, 0, v.reason, cert);
            return 0;
        }
    }
    if (!pol.verify_x509_name.empty()) {
        if (auto v = check_x509_name(cert, pol.verify_x509_name, pol.verify_x509_type); !v) {
            record(*st, 0, v.reason, cert);
            return 0;
        }
    }
    if (!pol.peer_fingerprints.empty()) {
        if (auto v = check_fingerprint(cert, pol.peer_fingerprints); !v) {
            record(*st, 0, v.reason, cert);
            return 0;
        }
    }
    st->common_name = openvpn_common_name(cert);
    return 1;
}

int parse_version(const std::string& v, const char* what) {
    if (v == "1.2") return TLS1_2_VERSION;
    if (v == "1.3") return TLS1_3_VERSION;
    // 1.0/1.1 are below what OpenSSL 3's default security level allows anyway.
    if (v == "1.0") return TLS1_VERSION;
    if (v == "1.1") return TLS1_1_VERSION;
    throw TlsConfigError(std::string(what) + ": unknown version '" + v + "'");
}

}  // namespace

OpenSslTlsContext::OpenSslTlsContext(const TlsConfig& cfg) : server_(cfg.server) {
    ctx_.reset(SSL_CTX_new(cfg.server ? TLS_server_method() : TLS_client_method()));
    if (!ctx_) throw TlsConfigError("SSL_CTX_new: " + ssl_error("out of memory"));
    SSL_CTX* c = ctx_.get();

    // ssl_openssl.c: tls_ctx_set_options -- no tickets, no cache, no TLS-level
    // renegotiation (OpenVPN re-keys by new sessions), server picks the cipher.
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(c, 0);  // TLS 1.3 would otherwise send tickets after the handshake
    // RELEASE_BUFFERS: an idle session holds no 17 KB record buffers (a server keeps
    // one session per client).
    SSL_CTX_set_mode(c, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_min_proto_version(
            c, cfg.tls_version_min.empty() ? TLS1_2_VERSION : parse_version(cfg.tls_version_min, "tls-version-min")) != 1)
        throw TlsConfigError("tls-version-min: " + ssl_error("refused"));
    if (!cfg.tls_version_max.empty() &&
        SSL_CTX_set_max_proto_version(c, parse_version(cfg.tls_version_max, "tls-version-max")) != 1)
        throw TlsConfigError("tls-version-max: " + ssl_error("refused"));

    if (!cfg.tls_cipher.empty() && SSL_CTX_set_cipher_list(c, cfg.tls_cipher.c_str()) != 1)
        throw TlsConfigError("tls-cipher: no usable cipher in '" + cfg.tls_cipher + "'");
    if (!cfg.tls_ciphersuites.empty() && SSL_CTX_set_ciphersuites(c, cfg.tls_ciphersuites.c_str()) != 1)
        throw TlsConfigError("tls-ciphersuites: no usable suite in '" + cfg.tls_ciphersuites + "'");
    if (!cfg.tls_groups.empty() && SSL_CTX_set1_groups_list(c, cfg.tls_groups.c_str()) != 1)
        throw TlsConfigError("tls-groups: unknown group in '" + cfg.tls_groups + "'");
    // `dh FILE` (server): finite-field DHE for TLS 1.2 peers that want it
    // (ssl_openssl.c: tls_ctx_load_dh_params).  `dh none` / absent: no parameters and
    // auto-DH off, so only ECDHE key exchanges (and TLS 1.3 groups) are possible.
    if (cfg.server && !cfg.dh.empty()) {
        EvpPkeyPtr dh = is_inline(cfg.dh) ? parse_dh_params(cfg.dh, kInlineName) : load_dh_params(cfg.dh);
        if (SSL_CTX_set0_tmp_dh_pkey(c, dh.get()) != 1) throw TlsConfigError("dh: " + ssl_error("refused"));
        dh.release();  // the context owns it now
    }

    if (cfg.cert.empty()) throw TlsConfigError("cert: missing");
    if (cfg.key.empty()) throw TlsConfigError("key: missing");
    auto certs = certs_from(cfg.cert);
    const std::string cert_name = is_inline(cfg.cert) ? kInlineName : cfg.cert;
    const std::string key_name = is_inline(cfg.key) ? kInlineName : cfg.key;
    EvpPkeyPtr key = is_inline(cfg.key) ? parse_private_key(cfg.key, key_name)
                                             : load_private_key(cfg.key);
    check_key_matches(certs.front().get(), key.get(), key_name, cert_name);
    if (SSL_CTX_use_certificate(c, certs.front().get()) != 1)
        throw TlsConfigError("cert: " + ssl_error("refused by OpenSSL"));
    for (std::size_t i = 1; i < certs.size(); ++i)
        if (SSL_CTX_add1_chain_cert(c, certs[i].get()) != 1)
            throw TlsConfigError("cert: " + ssl_error("chain certificate refused"));
    if (SSL_CTX_use_PrivateKey(c, key.get()) != 1) throw TlsConfigError("key: " + ssl_error("refused by OpenSSL"));

    policy_.remote_cert_tls = cfg.remote_cert_tls;
    policy_.verify_x509_name = cfg.verify_x509_name;
    policy_.verify_x509_type = cfg.verify_x509_type;
    policy_.peer_fingerprints = cfg.peer_fingerprints;
    if (cfg.ca.empty()) {
        if (cfg.peer_fingerprints.empty()) throw TlsConfigError("ca: missing (and no peer-fingerprint)");
        policy_.ca_less = true;
    } else {
        auto cas = certs_from(cfg.ca);
        if (!cfg.crl.empty() && !is_inline(cfg.crl)) {
            std::vector<X509Ptr> shared;
            for (const auto& ca : cas) shared.push_back(share(ca.get()));
            crl_ = std::make_unique<CrlReloader>(std::move(shared), cfg.crl);
            // No SSL exists yet, so replacing the context's store is safe here; later
            // CRLs reach sessions through their own verify store (new_ssl).
            SSL_CTX_set_cert_store(c, crl_->current().release());
        } else {
            std::vector<X509CrlPtr> crls;
            if (!cfg.crl.empty()) crls = parse_crls(cfg.crl, kInlineName);
            TrustStore(std::move(cas), std::move(crls)).install(SSL_CTX_get_cert_store(c));
        }
    }
    // A server demands a client certificate (verify-client-cert require, the default).
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | (cfg.server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), verify_callback);
    (void)verify_state_index();
}

SSL* OpenSslTlsContext::new_ssl(VerifyState& state) const {
    SSL* ssl = SSL_new(ctx_.get());
    if (!ssl) throw TlsConfigError("SSL_new: " + ssl_error("out of memory"));
    if (crl_) {
        // 2.6 reloads before each new TLS session (ssl.c: key_state_init).
        X509StorePtr store;
        try {
            store = crl_->current();
        } catch (...) {
            SSL_free(ssl);
            throw;
        }
        if (SSL_set1_verify_cert_store(ssl, store.get()) != 1) {
            SSL_free(ssl);
            throw TlsConfigError("crl-verify: " + ssl_error("cannot attach the CRL store"));
        }
    }
    state.policy = &policy_;
    SSL_set_ex_data(ssl, verify_state_index(), &state);
    if (server_)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    return ssl;
}

std::shared_ptr<const ovpn::session::TlsContext> make_tls_context(const TlsConfig& cfg) {
    return std::make_shared<const OpenSslTlsContext>(cfg);
}

}  // namespace vpn::pki
