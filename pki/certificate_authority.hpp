#pragma once
// The `vpn pki` operations on a PKI directory (pki_layout.hpp), behaving as easy-rsa 3
// does so either tool can continue a PKI the other started: init, build-ca, issue
// (gen-req + sign-req in one step), revoke, gen-crl.  Nothing here prompts; the CA
// key's passphrase comes from the PassphraseFn given at construction.
//
// Every error is a one-line PkiError naming the file or the certificate name.  An
// operation that fails part-way removes the files it had created.
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "pki/cert_profile.hpp"
#include "pki/cert_signer.hpp"
#include "pki/key_spec.hpp"
#include "pki/openssl_types.hpp"
#include "pki/pem_io.hpp"
#include "pki/pki_layout.hpp"

namespace vpn::pki {

class CaIndex;

struct BuildCaOptions {
    std::string common_name = "vpn CA";
    int days = 3650;
    KeySpec key = KeySpec::ec();
    // Encrypt private/ca.key (AES-256) with the passphrase the PassphraseFn gives.
    bool encrypt_key = false;
};

struct IssueOptions {
    CertType type = CertType::Client;  // Server or Client
    std::string name;                  // CN and file base name (check_entity_name)
    int days = 825;
    std::vector<std::string> san;      // parse_san_list() items; empty = the type's default
    KeySpec key = KeySpec::ec();
    // Exact notBefore/notAfter instead of `days` from now (tests make expired
    // certificates with this).
    std::optional<Validity> validity;
};

struct IssuedCert {
    X509Ptr cert;
    std::string serial;  // upper-case hex
    std::string cert_path, key_path, req_path;
};

struct LoadedCa {
    X509Ptr cert;
    EvpPkeyPtr key;
};

class CertificateAuthority {
public:
    explicit CertificateAuthority(std::string dir, PassphraseFn passphrase = {});

    const PkiLayout& layout() const { return layout_; }

    // Create DIR with private/ reqs/ issued/ (0700) and a fresh tls-crypt key in
    // private/tls-crypt.key (kept if present).  If easy-rsa is installed, its
    // openssl-easyrsa.cnf is copied in as easy-rsa 3.1's init-pki does.  Refuses (never deletes) if DIR already
    // holds a CA or a database: "DIR: already holds a PKI; remove it to start over".
    void init();

    // A self-signed CA: private/ca.key, ca.crt, an empty index.txt, index.txt.attr
    // ("unique_subject = no"), serial "01", and the certs_by_serial/ and revoked/
    // directories.  Refuses if a CA (or its key alone) exists.  Returns the cert.
    X509Ptr build_ca(const BuildCaOptions& o);

    // Key + request + certificate for o.name signed by the CA, with a random 128-bit
    // serial that is not in index.txt; appends the V line to index.txt, copies the
    // certificate to certs_by_serial/ and updates serial.  Refuses if issued/NAME.crt,
    // private/NAME.key or reqs/NAME.req exists.
    IssuedCert issue(const IssueOptions& o);

    // Mark issued/NAME.crt revoked in index.txt (now, optional `reason` word such as
    // "keyCompromise") and move its certificate, key and request to revoked/*_by_serial/
    // so the name can be issued again.  Needs no CA key.  Errors: no such certificate,
    // not in index.txt, already revoked, not issued by this CA.  Returns the serial.
    std::string revoke(const std::string& name, const std::string& reason = {});

    // Write crl.pem listing every R entry of index.txt, valid for `days`.
    X509CrlPtr gen_crl(int days = 180);

    // ca.crt and private/ca.key (decrypted through the PassphraseFn when encrypted),
    // checked to belong together.
    LoadedCa load_ca() const;

    // For tests: the clock every operation uses (default: time(nullptr)).
    void set_now(std::time_t t) { now_ = t; }

private:
    std::time_t now() const;
    void require_database() const;
    std::string unused_serial(const CaIndex& db) const;

    PkiLayout layout_;
    PassphraseFn passphrase_;
    std::optional<std::time_t> now_;
};

}  // namespace vpn::pki
