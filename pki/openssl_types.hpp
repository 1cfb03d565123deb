#pragma once
// Owning handles for the OpenSSL objects the PKI passes around.  Copying an X509 or
// EVP_PKEY is done with up_ref (see share()), never by re-encoding.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace vpn::pki {

struct OsslFree {
    void operator()(X509* p) const { X509_free(p); }
    void operator()(X509_REQ* p) const { X509_REQ_free(p); }
    void operator()(X509_CRL* p) const { X509_CRL_free(p); }
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509_STORE* p) const { X509_STORE_free(p); }
    void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
    void operator()(BIO* p) const { BIO_free_all(p); }
    // ASN1_TIME and ASN1_INTEGER are both ASN1_STRING underneath.
    void operator()(ASN1_STRING* p) const { ASN1_STRING_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
};

using X509Ptr = std::unique_ptr<X509, OsslFree>;
using X509ReqPtr = std::unique_ptr<X509_REQ, OsslFree>;
using X509CrlPtr = std::unique_ptr<X509_CRL, OsslFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, OsslFree>;
using BioPtr = std::unique_ptr<BIO, OsslFree>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, OsslFree>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, OsslFree>;
using BignumPtr = std::unique_ptr<BIGNUM, OsslFree>;

// A second owning handle on the same object (reference count + 1).
inline X509Ptr share(X509* p) {
    if (p) X509_up_ref(p);
    return X509Ptr(p);
}
inline EvpPkeyPtr share(EVP_PKEY* p) {
    if (p) EVP_PKEY_up_ref(p);
    return EvpPkeyPtr(p);
}
inline X509CrlPtr share(X509_CRL* p) {
    if (p) X509_CRL_up_ref(p);
    return X509CrlPtr(p);
}

}  // namespace vpn::pki
