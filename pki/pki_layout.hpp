#pragma once
// Where things live in a PKI directory: easy-rsa 3's layout, so either tool can
// work on a PKI the other made.
//
//   DIR/ca.crt                          DIR/private/ca.key (0600)
//   DIR/issued/NAME.crt                 DIR/private/NAME.key (0600)
//   DIR/reqs/NAME.req                   DIR/private/tls-crypt.key (0600, `vpn pki init`)
//   DIR/index.txt, index.txt.attr, serial   (openssl ca's database)
//   DIR/certs_by_serial/SERIAL.pem      copy of every issued certificate
//   DIR/crl.pem
//   DIR/revoked/{certs,private,reqs}_by_serial/SERIAL.{crt,key,req}   after revoke
// Directories are created 0700.
#include <string>
#include <string_view>

namespace vpn::pki {

class PkiLayout {
public:
    explicit PkiLayout(std::string dir) : dir_(std::move(dir)) {}

    const std::string& dir() const { return dir_; }
    std::string path(std::string_view rel) const { return dir_ + "/" + std::string(rel); }

    std::string ca_cert() const { return path("ca.crt"); }
    std::string ca_key() const { return path("private/ca.key"); }
    std::string tls_crypt_key() const { return path("private/tls-crypt.key"); }
    std::string index() const { return path("index.txt"); }
    std::string index_attr() const { return path("index.txt.attr"); }
    std::string serial() const { return path("serial"); }
    std::string crl() const { return path("crl.pem"); }

    std::string key(const std::string& name) const { return path("private/" + name + ".key"); }
    std::string cert(const std::string& name) const { return path("issued/" + name + ".crt"); }
    std::string req(const std::string& name) const { return path("reqs/" + name + ".req"); }
    std::string cert_by_serial(const std::string& serial) const { return path("certs_by_serial/" + serial + ".pem"); }
    std::string revoked_cert(const std::string& serial) const { return path("revoked/certs_by_serial/" + serial + ".crt"); }
    std::string revoked_key(const std::string& serial) const { return path("revoked/private_by_serial/" + serial + ".key"); }
    std::string revoked_req(const std::string& serial) const { return path("revoked/reqs_by_serial/" + serial + ".req"); }

private:
    std::string dir_;
};

// Throws PkiError("NAME: ...") unless NAME is usable as a certificate name and file
// base name: 1-64 characters (the CN limit) from A-Z a-z 0-9 . _ @ -, not starting
// with '.' or '-', and not "ca" or "tls-crypt" (their files are taken).
void check_entity_name(const std::string& name);

}  // namespace vpn::pki
