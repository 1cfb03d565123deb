#include "ipsec/ike/cert_identity.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace vpn::ike {

namespace {

struct GeneralNamesFree {
    void operator()(GENERAL_NAMES* g) const { GENERAL_NAMES_free(g); }
};

bool iequal(const unsigned char* a, std::size_t an, Bytes b) {
    return an == b.size() && std::equal(a, a + an, b.begin(), [](unsigned char x, unsigned char y) {
               return std::tolower(x) == std::tolower(y);
           });
}

std::string subject_of(X509* cert) {
    unsigned char* der = nullptr;
    int len = i2d_X509_NAME(X509_get_subject_name(cert), &der);
    if (len <= 0) return "?";
    Identity id{IdType::DerAsn1Dn, std::vector<std::uint8_t>(der, der + len)};
    OPENSSL_free(der);
    return id.str();
}

bool san_contains(X509* cert, const Identity& id) {
    std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return false;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        int type = -1;
        ASN1_STRING* value = static_cast<ASN1_STRING*>(GENERAL_NAME_get0_value(gn, &type));
        if (!value) continue;
        const unsigned char* d = ASN1_STRING_get0_data(value);
        auto n = static_cast<std::size_t>(ASN1_STRING_length(value));
        switch (id.type) {
        case IdType::Fqdn:
            if (type == GEN_DNS && iequal(d, n, id.data)) return true;
            break;
        case IdType::Rfc822Addr:
            if (type == GEN_EMAIL && iequal(d, n, id.data)) return true;
            break;
        case IdType::Ipv4Addr:
        case IdType::Ipv6Addr:
            if (type == GEN_IPADD && n == id.data.size() && std::equal(d, d + n, id.data.begin())) return true;
            break;
        default:
            break;
        }
    }
    return false;
}

}  // namespace

Outcome<Identity> certificate_identity(X509* cert) {
    if (!cert) return Failure{"no certificate"};
    unsigned char* der = nullptr;
    int len = i2d_X509_NAME(X509_get_subject_name(cert), &der);
    if (len <= 0) {
        ERR_clear_error();
        return Failure{"cannot encode the certificate subject"};
    }
    Identity id{IdType::DerAsn1Dn, std::vector<std::uint8_t>(der, der + len)};
    OPENSSL_free(der);
    return id;
}

Outcome<Identity> configured_identity(std::string_view text, X509* own_cert) {
    auto id = parse_identity(text);
    if (!id || id->type != IdType::DerAsn1Dn || !own_cert) return id;
    auto subject = certificate_identity(own_cert);
    if (subject && identity_matches(*subject, *id)) return subject;
    return id;
}

pki::Verdict check_identity_in_certificate(const Identity& id, X509* cert) {
    if (!cert) return pki::Verdict::fail("no peer certificate");
    bool ok = false;
    switch (id.type) {
    case IdType::DerAsn1Dn: {
        auto subject = certificate_identity(cert);
        ok = subject && identity_matches(*subject, id);
        break;
    }
    case IdType::Fqdn:
    case IdType::Rfc822Addr:
    case IdType::Ipv4Addr:
    case IdType::Ipv6Addr:
        ok = san_contains(cert, id);
        break;
    default:
        break;
    }
    ERR_clear_error();
    if (ok) return pki::Verdict::pass();
    return pki::Verdict::fail("identity '" + id.str() + "' is not confirmed by certificate '" + subject_of(cert) + "'");
}

Outcome<pki::X509Ptr> parse_certificate_der(Bytes der) {
    const unsigned char* p = der.data();
    pki::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    ERR_clear_error();
    if (!cert) return Failure{"CERT payload is not a DER certificate"};
    if (p != der.data() + der.size()) return Failure{"CERT payload has bytes after the certificate"};
    return cert;
}

std::vector<std::uint8_t> certificate_der(X509* cert) {
    unsigned char* der = nullptr;
    int len = cert ? i2d_X509(cert, &der) : -1;
    if (len <= 0) {
        ERR_clear_error();
        return {};
    }
    std::vector<std::uint8_t> out(der, der + len);
    OPENSSL_free(der);
    return out;
}

CaKeyHash ca_key_hash(X509* ca) {
    CaKeyHash h{};
    // The whole SubjectPublicKeyInfo, not just the key bits (X509_pubkey_digest
    // hashes only those, as for subjectKeyIdentifier): strongSwan and RFC 7296 §3.7.
    unsigned char* der = nullptr;
    int len = ca ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &der) : -1;
    unsigned int out = 0;
    if (len > 0) EVP_Digest(der, static_cast<std::size_t>(len), h.data(), &out, EVP_sha1(), nullptr);
    OPENSSL_free(der);
    ERR_clear_error();
    return h;
}

std::vector<std::uint8_t> certreq_data(const std::vector<pki::X509Ptr>& cas) {
    std::vector<std::uint8_t> out;
    for (const auto& ca : cas) {
        auto h = ca_key_hash(ca.get());
        out.insert(out.end(), h.begin(), h.end());
    }
    return out;
}

bool certreq_names(Bytes certreq, X509* ca) {
    if (certreq.size() % 20) return false;
    auto h = ca_key_hash(ca);
    for (std::size_t i = 0; i < certreq.size(); i += 20)
        if (std::equal(h.begin(), h.end(), certreq.begin() + static_cast<std::ptrdiff_t>(i))) return true;
    return false;
}

pki::Verdict verify_peer_certificate(const pki::TrustStore& trust, X509* leaf, const std::vector<X509*>& intermediates,
                                     std::optional<std::time_t> at) {
    auto v = trust.verify(leaf, intermediates, at, pki::Purpose::Any);
    if (!v) return v;
    if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(leaf) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
        return pki::Verdict::fail("certificate key usage allows neither digitalSignature nor nonRepudiation");
    return v;
}

}  // namespace vpn::ike
