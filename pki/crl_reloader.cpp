#include "pki/crl_reloader.hpp"

#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "pki/pem_io.hpp"
#include "pki/pki_error.hpp"

namespace vpn::pki {

std::optional<FileStamp> stamp_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    FileStamp s;
    s.dev = static_cast<std::uint64_t>(st.st_dev);
    s.ino = static_cast<std::uint64_t>(st.st_ino);
    s.size = static_cast<std::int64_t>(st.st_size);
    s.mtime_sec = static_cast<std::int64_t>(st.st_mtim.tv_sec);
    s.mtime_nsec = static_cast<std::int64_t>(st.st_mtim.tv_nsec);
    return s;
}

X509StorePtr build_verify_store(const std::vector<X509Ptr>& cas, const std::vector<X509CrlPtr>& crls) {
    X509StorePtr s(X509_STORE_new());
    if (!s) throw PkiError("out of memory");
    // X509_STORE_add_* take their own reference; ours stay with the caller.
    for (const auto& c : cas)
        if (X509_STORE_add_cert(s.get(), c.get()) != 1) throw PkiError(openssl_error("cannot add CA certificate"));
    for (const auto& c : crls)
        if (X509_STORE_add_crl(s.get(), c.get()) != 1) throw PkiError(openssl_error("cannot add CRL"));
    // The flags 2.6 sets with crl-verify (ssl_openssl.c: backend_tls_ctx_reload_crl),
    // also with no CRL at all: then every peer is refused (fail closed).
    X509_STORE_set_flags(s.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    return s;
}

CrlReloader::CrlReloader(std::vector<X509Ptr> cas, std::string crl_path, WarnFn warn)
    : cas_(std::move(cas)), path_(std::move(crl_path)), warn_(std::move(warn)) {
    if (cas_.empty()) throw PkiError("no CA certificate");
    if (!warn_) warn_ = [](const std::string& m) { log::warn("{}", m); };
    // Stamp first, then read: a write racing the read shows up as a newer stamp.
    stamp_ = stamp_file(path_);
    store_ = build_verify_store(cas_, load_crls(path_));
}

X509StorePtr CrlReloader::current() {
    std::lock_guard lock(mu_);
    const auto seen = stamp_file(path_);
    if (!seen) {
        // 2.6: "WARNING: Failed to stat CRL file, not reloading CRL." (at every
        // session there; once per disappearance here).
        if (stamp_)
            warn_(fmt::format("CRL: cannot stat {}: {}; keeping the CRL loaded before", path_,
                              std::strerror(errno)));
        stamp_.reset();
    } else if (!stamp_ || *seen != *stamp_) {
        reload_locked(*seen);
    }
    X509_STORE_up_ref(store_.get());
    return X509StorePtr(store_.get());
}

void CrlReloader::reload_locked(const FileStamp& seen) {
    // The stamp is taken even when the load fails, so a broken file is reported
    // once and retried only when it changes again (as 2.6 stores mtime/size first).
    stamp_ = seen;
    try {
        auto crls = load_crls(path_);
        const std::size_t n = crls.size();
        store_ = build_verify_store(cas_, crls);
        log::info("CRL: loaded {} CRLs from file {}", n, path_);
    } catch (const PkiError& e) {
        // Fail closed, as 2.6 does (it drops the old CRLs before reading): with no
        // CRL every new peer is refused ("unable to get certificate CRL") until the
        // file is fixed -- better than letting in a certificate revoked just now.
        // e.what() already names the file ("crl.pem: corrupt CRL").
        store_ = build_verify_store(cas_, {});
        warn_(fmt::format("CRL: cannot reload: {}; refusing new peers until it is fixed", e.what()));
    }
}

}  // namespace vpn::pki
