#pragma once
// `crl-verify FILE` re-read when the file changes, as OpenVPN 2.6 does before each
// new TLS session (ssl.c: key_state_init -> tls_ctx_reload_crl; ssl_openssl.c:
// backend_tls_ctx_reload_crl).  OpenSslTlsContext::new_ssl() asks for the store of
// each new session; connections already running keep the store they started with.
//
// How the new CRLs reach OpenSSL: X509_STORE has no "remove CRL", and swapping the
// SSL_CTX's own store (SSL_CTX_set_cert_store) would free it under a handshake that
// is verifying with it on another thread.  So every reload builds a fresh X509_STORE
// (the CAs + the new CRLs, CRL_CHECK | CRL_CHECK_ALL) and each new SSL gets it as its
// verify store (SSL_set1_verify_cert_store, reference counted by OpenSSL).  The
// SSL_CTX's own store keeps the CAs for building our own chain.
//
// Change detection: stat() of the path, compared on device, inode, size and mtime
// (nanoseconds) -- 2.6 compares only size and whole-second mtime, so a same-size
// rewrite within one second goes unnoticed there and is seen here.  The file is
// stat'ed before it is read: a change during the read shows as a newer stamp next
// time and is loaded then.
//
// Failures after startup never stop the daemon (2.6 neither), and each is logged once
// until the file changes again:
//   - stat fails (file removed):  warning, the current CRLs stay (2.6: "not
//     reloading CRL").
//   - the changed file does not parse: warning naming the file, and no CRL at all
//     until it is fixed, so CRL_CHECK refuses every new peer ("unable to get
//     certificate CRL") -- fail closed, as 2.6 does (it drops the old CRLs first):
//     a certificate revoked a moment ago must not get in through a broken file.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pki/openssl_types.hpp"

namespace vpn::pki {

// One version of a file as stat() sees it.
struct FileStamp {
    std::uint64_t dev = 0, ino = 0;
    std::int64_t size = 0;
    std::int64_t mtime_sec = 0, mtime_nsec = 0;
    bool operator==(const FileStamp&) const = default;
};

// stat(path); nullopt if it fails (errno tells why).
std::optional<FileStamp> stamp_file(const std::string& path);

// A fresh X509_STORE holding `cas` and `crls`, with X509_V_FLAG_CRL_CHECK |
// X509_V_FLAG_CRL_CHECK_ALL (no CRLs then refuses every certificate).  Throws PkiError if OpenSSL
// refuses an object.
X509StorePtr build_verify_store(const std::vector<X509Ptr>& cas, const std::vector<X509CrlPtr>& crls);

class CrlReloader {
public:
    using WarnFn = std::function<void(const std::string&)>;

    // Load `crl_path` now, trusting `cas` (not empty).  Throws PkiError as load_crls()
    // does ("crl.pem: corrupt CRL", "crl.pem: cannot read: ..."): a bad CRL at startup
    // is fatal, as in 2.6.  `warn` receives the reload warnings (default: log::warn).
    CrlReloader(std::vector<X509Ptr> cas, std::string crl_path, WarnFn warn = {});

    // The verify store for a session starting now: reloads first if the file changed
    // since the last attempt.  Returns a new reference (never null).  Thread-safe.
    X509StorePtr current();

    const std::string& path() const { return path_; }

private:
    void reload_locked(const FileStamp& seen);

    std::vector<X509Ptr> cas_;
    std::string path_;
    WarnFn warn_;
    std::mutex mu_;
    std::optional<FileStamp> stamp_;  // of the last load attempt; nullopt = stat failed
    X509StorePtr store_;
};

}  // namespace vpn::pki
