#pragma once
// Shared by test_pki*.cpp: a temporary PKI directory, file helpers and error capture.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pki/certificate_authority.hpp"
#include "pki/pki_error.hpp"

namespace pki_test {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/vpn-pki-test-XXXXXX";
        char* d = ::mkdtemp(tmpl);
        REQUIRE(d != nullptr);
        path_ = d;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

private:
    std::string path_;
};

inline std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    REQUIRE_MESSAGE(f.good(), path);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

inline void spit(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    REQUIRE(f.good());
    f << text;
}

inline unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

inline bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// The PkiError text `f` throws ("" if it throws nothing).
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const vpn::pki::PkiError& e) {
        return e.what();
    }
    return {};
}

// init + build-ca in `dir` (ECDSA, no passphrase).
inline vpn::pki::CertificateAuthority make_ca(const std::string& dir, const std::string& cn = "Test CA") {
    vpn::pki::CertificateAuthority ca(dir);
    ca.init();
    vpn::pki::BuildCaOptions o;
    o.common_name = cn;
    ca.build_ca(o);
    return ca;
}

inline vpn::pki::IssuedCert issue(vpn::pki::CertificateAuthority& ca, vpn::pki::CertType type, const std::string& name) {
    vpn::pki::IssueOptions o;
    o.type = type;
    o.name = name;
    return ca.issue(o);
}

}  // namespace pki_test
