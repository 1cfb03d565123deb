#include "pki/peer_checks.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "pki/pem_io.hpp"

namespace vpn::pki {

namespace {

// string_mod(str, CC_PRINT, CC_CRLF, '_'): keep printable ASCII, map the rest.
std::string remap_name(std::string s) {
    for (auto& c : s) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e) c = '_';
    }
    return s;
}

struct EkuFree {
    void operator()(EXTENDED_KEY_USAGE* e) const { sk_ASN1_OBJECT_pop_free(e, ASN1_OBJECT_free); }
};
struct BitStringFree {
    void operator()(ASN1_BIT_STRING* b) const { ASN1_BIT_STRING_free(b); }
};

std::string obj_text(const ASN1_OBJECT* o, int no_name) {
    char buf[256];
    int n = OBJ_obj2txt(buf, sizeof buf, o, no_name);
    if (n < 0) return {};
    return std::string(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

}  // namespace

std::optional<RemoteCertTls> parse_remote_cert_tls(std::string_view s) {
    if (s == "server") return RemoteCertTls::Server;
    if (s == "client") return RemoteCertTls::Client;
    return std::nullopt;
}

Verdict check_remote_cert_tls(X509* cert, RemoteCertTls want) {
    if (auto v = check_key_usage(cert, {}); !v) return v;
    auto eku = want == RemoteCertTls::Server ? "TLS Web Server Authentication" : "TLS Web Client Authentication";
    auto v = check_extended_key_usage(cert, eku);
    if (!v)
        v.reason += fmt::format(" (remote-cert-tls {})", want == RemoteCertTls::Server ? "server" : "client");
    return v;
}

Verdict check_key_usage(X509* cert, const std::vector<unsigned>& expected) {
    std::unique_ptr<ASN1_BIT_STRING, BitStringFree> ku(
        static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(cert, NID_key_usage, nullptr, nullptr)));
    ERR_clear_error();
    if (!ku) return Verdict::fail("certificate has no key usage extension");
    if (expected.empty()) return Verdict::pass();
    // OpenVPN folds the first 8 named bits into one byte, bit 0 (digitalSignature)
    // as 0x80 (ssl_verify_openssl.c: x509_verify_cert_ku).
    unsigned nku = 0;
    for (int i = 0; i < 8; ++i)
        if (ASN1_BIT_STRING_get_bit(ku.get(), i)) nku |= 1u << (7 - i);
    for (unsigned e : expected)
        if (e != 0 && (nku & e) == e) return Verdict::pass();
    std::string want;
    for (unsigned e : expected) want += fmt::format("{}{:04x}", want.empty() ? "" : ", ", e);
    return Verdict::fail(fmt::format("certificate has key usage {:04x}, expected one of {}", nku, want));
}

Verdict check_extended_key_usage(X509* cert, const std::string& expected) {
    std::unique_ptr<EXTENDED_KEY_USAGE, EkuFree> eku(
        static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr)));
    ERR_clear_error();
    if (!eku) return Verdict::fail(fmt::format("certificate has no extended key usage, expected {}", expected));
    std::string have;
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
        const ASN1_OBJECT* o = sk_ASN1_OBJECT_value(eku.get(), i);
        auto name = obj_text(o, 0), oid = obj_text(o, 1);
        if (name == expected || oid == expected) return Verdict::pass();
        have += (have.empty() ? "" : ", ") + name;
    }
    return Verdict::fail(fmt::format("certificate has extended key usage {}, expected {}", have, expected));
}

std::optional<X509NameType> parse_x509_name_type(std::string_view s) {
    if (s == "subject") return X509NameType::Subject;
    if (s == "name") return X509NameType::Name;
    if (s == "name-prefix") return X509NameType::NamePrefix;
    return std::nullopt;
}

std::string openvpn_subject(X509* cert) {
    BioPtr b(BIO_new(BIO_s_mem()));
    if (!b) throw PkiError("out of memory");
    X509_NAME_print_ex(b.get(), X509_get_subject_name(cert), 0,
                       XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_UTF8_CONVERT | ASN1_STRFLGS_ESC_CTRL);
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(b.get(), &mem);
    return remap_name(mem ? std::string(mem->data, mem->length) : std::string());
}

std::string openvpn_common_name(X509* cert) {
    X509_NAME* name = X509_get_subject_name(cert);
    int last = -1;
    for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(name, NID_commonName, i))
        last = i;
    if (last < 0) return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) {
        ERR_clear_error();
        return {};
    }
    std::string cn(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return remap_name(std::move(cn));
}

Verdict check_x509_name(X509* cert, const std::string& expected, X509NameType type) {
    std::string subject = openvpn_subject(cert);
    bool ok = false;
    switch (type) {
        case X509NameType::Subject: ok = subject == expected; break;
        case X509NameType::Name: ok = openvpn_common_name(cert) == expected; break;
        case X509NameType::NamePrefix: ok = openvpn_common_name(cert).rfind(expected, 0) == 0; break;
    }
    if (ok) return Verdict::pass();
    return Verdict::fail(fmt::format("X509 name '{}' does not match '{}'", subject, expected));
}

Sha256Fingerprint sha256_fingerprint(X509* cert) {
    Sha256Fingerprint fp{};
    unsigned int len = 0;
    if (X509_digest(cert, EVP_sha256(), fp.data(), &len) != 1 || len != fp.size())
        throw PkiError(openssl_error("cannot hash certificate"));
    return fp;
}

std::string format_fingerprint(const Sha256Fingerprint& fp) {
    std::string s;
    s.reserve(fp.size() * 3);
    for (std::size_t i = 0; i < fp.size(); ++i) s += fmt::format("{}{:02X}", i ? ":" : "", fp[i]);
    return s;
}

std::optional<Sha256Fingerprint> parse_fingerprint(std::string_view text) {
    Sha256Fingerprint fp{};
    if (text.size() != fp.size() * 3 - 1) return std::nullopt;
    for (std::size_t i = 0; i < fp.size(); ++i) {
        char hi = text[3 * i], lo = text[3 * i + 1];
        if (!std::isxdigit(static_cast<unsigned char>(hi)) || !std::isxdigit(static_cast<unsigned char>(lo)))
            return std::nullopt;
        if (i + 1 < fp.size() && text[3 * i + 2] != ':') return std::nullopt;
        auto nib = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10); };
        fp[i] = static_cast<std::uint8_t>(nib(hi) << 4 | nib(lo));
    }
    return fp;
}

Verdict check_fingerprint(X509* cert, const std::vector<Sha256Fingerprint>& allowed) {
    auto fp = sha256_fingerprint(cert);
    for (const auto& a : allowed)
        if (CRYPTO_memcmp(a.data(), fp.data(), fp.size()) == 0) return Verdict::pass();
    return Verdict::fail(fmt::format("certificate fingerprint {} is not a peer-fingerprint", format_fingerprint(fp)));
}

}  // namespace vpn::pki
