#include "pki/cert_signer.hpp"

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <fmt/format.h>

#include "pki/pem_io.hpp"

namespace vpn::pki {

namespace {

// EdDSA signs the message itself; every other key type gets SHA-256
// (easy-rsa's EASYRSA_DIGEST default).
const EVP_MD* digest_for(EVP_PKEY* key) {
    if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448")) return nullptr;
    return EVP_sha256();
}

struct NameFree {
    void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};

std::unique_ptr<X509_NAME, NameFree> cn_name(const std::string& cn) {
    std::unique_ptr<X509_NAME, NameFree> n(X509_NAME_new());
    if (!n || X509_NAME_add_entry_by_txt(n.get(), "CN", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(cn.data()),
                                         static_cast<int>(cn.size()), -1, 0) != 1)
        throw PkiError(openssl_error(("cannot use common name '" + cn + "'").c_str()));
    return n;
}

void set_validity(X509* cert, const Validity& v) {
    if (!ASN1_TIME_set(X509_getm_notBefore(cert), v.not_before) || !ASN1_TIME_set(X509_getm_notAfter(cert), v.not_after))
        throw PkiError(openssl_error("cannot set validity"));
}

void set_serial(X509* cert, const std::string& hex) {
    auto s = serial_from_hex(hex);
    if (X509_set_serialNumber(cert, s.get()) != 1) throw PkiError(openssl_error("cannot set serial"));
}

}  // namespace

Validity Validity::days_from(std::time_t now, int days) {
    return {now, now + static_cast<std::time_t>(days) * 86400};
}

std::string random_serial() {
    unsigned char b[16];
    do {
        if (RAND_bytes(b, sizeof b) != 1) throw PkiError(openssl_error("no randomness for a serial number"));
    } while (b[0] == 0);  // keep all 128 bits, as easy-rsa insists
    std::string s;
    for (auto c : b) s += fmt::format("{:02X}", c);
    return s;
}

std::string serial_hex(const ASN1_INTEGER* serial) {
    BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn) throw PkiError(openssl_error("unreadable serial number"));
    char* h = BN_bn2hex(bn.get());
    if (!h) throw PkiError(openssl_error("unreadable serial number"));
    std::string s(h);
    OPENSSL_free(h);
    if (s == "0") s = "00";
    return s;
}

Asn1IntegerPtr serial_from_hex(const std::string& hex) {
    bool ok = !hex.empty() && hex.size() <= 64;
    for (char c : hex) ok = ok && std::isxdigit(static_cast<unsigned char>(c));
    if (!ok) throw PkiError(fmt::format("serial {}: not hexadecimal", hex));
    BIGNUM* raw = nullptr;
    if (BN_hex2bn(&raw, hex.c_str()) == 0) throw PkiError(fmt::format("serial {}: not hexadecimal", hex));
    BignumPtr bn(raw);
    Asn1IntegerPtr out(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    if (!out) throw PkiError(openssl_error("cannot encode serial"));
    return out;
}

X509Ptr make_ca_cert(EVP_PKEY* key, const std::string& cn, const Validity& v, const std::string& serial) {
    X509Ptr cert(X509_new());
    if (!cert) throw PkiError("out of memory");
    auto name = cn_name(cn);
    if (X509_set_version(cert.get(), X509_VERSION_3) != 1 || X509_set_subject_name(cert.get(), name.get()) != 1 ||
        X509_set_issuer_name(cert.get(), name.get()) != 1 || X509_set_pubkey(cert.get(), key) != 1)
        throw PkiError(openssl_error("cannot build CA certificate"));
    set_serial(cert.get(), serial);
    set_validity(cert.get(), v);
    add_profile_extensions(cert.get(), cert.get(), CertType::Ca, {});
    if (X509_sign(cert.get(), key, digest_for(key)) <= 0) throw PkiError(openssl_error("cannot sign CA certificate"));
    return cert;
}

X509ReqPtr make_csr(EVP_PKEY* key, const std::string& cn) {
    X509ReqPtr req(X509_REQ_new());
    if (!req) throw PkiError("out of memory");
    auto name = cn_name(cn);
    if (X509_REQ_set_version(req.get(), 0) != 1 || X509_REQ_set_subject_name(req.get(), name.get()) != 1 ||
        X509_REQ_set_pubkey(req.get(), key) != 1)
        throw PkiError(openssl_error("cannot build certificate request"));
    if (X509_REQ_sign(req.get(), key, digest_for(key)) <= 0) throw PkiError(openssl_error("cannot sign request"));
    return req;
}

X509Ptr sign_request(X509_REQ* req, X509* ca, EVP_PKEY* ca_key, CertType type, const std::vector<std::string>& san,
                     const Validity& v, const std::string& serial) {
    EVP_PKEY* pub = X509_REQ_get0_pubkey(req);
    if (!pub) throw PkiError("certificate request has no public key");
    X509Ptr cert(X509_new());
    if (!cert) throw PkiError("out of memory");
    if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
        X509_set_subject_name(cert.get(), X509_REQ_get_subject_name(req)) != 1 ||
        X509_set_issuer_name(cert.get(), X509_get_subject_name(ca)) != 1 || X509_set_pubkey(cert.get(), pub) != 1)
        throw PkiError(openssl_error("cannot build certificate"));
    set_serial(cert.get(), serial);
    set_validity(cert.get(), v);
    add_profile_extensions(cert.get(), ca, type, san);
    if (X509_sign(cert.get(), ca_key, digest_for(ca_key)) <= 0) throw PkiError(openssl_error("cannot sign certificate"));
    return cert;
}

X509CrlPtr make_crl(X509* ca, EVP_PKEY* ca_key, const std::vector<RevokedCert>& revoked, std::time_t now, int days) {
    X509CrlPtr crl(X509_CRL_new());
    if (!crl) throw PkiError("out of memory");
    Asn1TimePtr last(ASN1_TIME_set(nullptr, now));
    Asn1TimePtr next(ASN1_TIME_adj(nullptr, now, days, 0));
    // Version 2 because of the extensions (RFC 5280 §5.1.2.1).
    if (!last || !next || X509_CRL_set_version(crl.get(), 1) != 1 ||
        X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca)) != 1 ||
        X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 || X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1)
        throw PkiError(openssl_error("cannot build CRL"));
    for (const auto& r : revoked) {
        X509_REVOKED* rev = X509_REVOKED_new();
        if (!rev) throw PkiError("out of memory");
        auto serial = serial_from_hex(r.serial);
        Asn1TimePtr when(ASN1_TIME_set(nullptr, r.revoked_at));
        bool ok = when && X509_REVOKED_set_serialNumber(rev, serial.get()) == 1 &&
                  X509_REVOKED_set_revocationDate(rev, when.get()) == 1;
        if (ok && r.reason >= 0) {
            ASN1_ENUMERATED* e = ASN1_ENUMERATED_new();
            ok = e && ASN1_ENUMERATED_set(e, r.reason) == 1 &&
                 X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0, 0) == 1;
            ASN1_ENUMERATED_free(e);
        }
        if (!ok || X509_CRL_add0_revoked(crl.get(), rev) != 1) {
            X509_REVOKED_free(rev);
            throw PkiError(openssl_error("cannot add revoked certificate to CRL"));
        }
    }
    X509_CRL_sort(crl.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, ca, nullptr, nullptr, crl.get(), 0);
    // easy-rsa's crl_ext; "keyid" without ":always" so a CA lacking a
    // subjectKeyIdentifier (an old import) still gets a CRL.
    X509_EXTENSION* aki = X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid,issuer:always");
    if (!aki) throw PkiError(openssl_error("cannot make CRL authorityKeyIdentifier"));
    int ok = X509_CRL_add_ext(crl.get(), aki, -1);
    X509_EXTENSION_free(aki);
    if (ok != 1) throw PkiError(openssl_error("cannot add CRL extension"));
    if (X509_CRL_sign(crl.get(), ca_key, digest_for(ca_key)) <= 0) throw PkiError(openssl_error("cannot sign CRL"));
    return crl;
}

}  // namespace vpn::pki
