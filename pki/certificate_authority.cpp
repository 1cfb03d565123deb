#include "pki/certificate_authority.hpp"

#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include "pki/ca_index.hpp"
#include "pki/cert_verify.hpp"
#include "pki/file_io.hpp"
#include "pki/static_key.hpp"

namespace vpn::pki {

namespace {

constexpr unsigned kDirMode = 0700;
constexpr unsigned kKeyMode = 0600;
constexpr unsigned kPublicMode = 0644;

// Files created by an operation so far; removed again unless the operation commits.
class CreatedFiles {
public:
    ~CreatedFiles() {
        if (!committed_)
            for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) ::unlink(it->c_str());
    }
    void write(const std::string& path, std::string_view text, unsigned mode) {
        write_file(path, text, mode, WriteMode::CreateNew);
        paths_.push_back(path);
    }
    void commit() { committed_ = true; }

private:
    std::vector<std::string> paths_;
    bool committed_ = false;
};

// The serial file as `openssl ca` leaves it: the next serial, upper-case hex.
std::string next_serial_text(const std::string& serial) {
    BIGNUM* raw = nullptr;
    if (BN_hex2bn(&raw, serial.c_str()) == 0) return serial + "\n";
    BignumPtr bn(raw);
    BN_add_word(bn.get(), 1);
    char* h = BN_bn2hex(bn.get());
    std::string s = h ? h : serial;
    OPENSSL_free(h);
    return s + "\n";
}

// easy-rsa 3.1 (Debian 12) wants DIR/openssl-easyrsa.cnf, which its own init-pki
// copies in; do the same when easy-rsa is installed so it can work on this PKI too.
// (3.2 makes the file on demand; without easy-rsa there is nothing to copy.)
void copy_easyrsa_config(const PkiLayout& layout) {
    std::string target = layout.path("openssl-easyrsa.cnf");
    if (file_exists(target)) return;
    for (const char* dir : {"/etc/easy-rsa", "/usr/share/easy-rsa", "/usr/local/share/easy-rsa"}) {
        std::string source = std::string(dir) + "/openssl-easyrsa.cnf";
        if (!file_exists(source)) continue;
        try {
            write_file(target, read_text_file(source, 1u << 20), 0600, WriteMode::CreateNew);
        } catch (const PkiError&) {
            // Only a convenience for easy-rsa: the PKI itself does not need it.
        }
        return;
    }
}

}  // namespace

CertificateAuthority::CertificateAuthority(std::string dir, PassphraseFn passphrase)
    : layout_(std::move(dir)), passphrase_(std::move(passphrase)) {}

std::time_t CertificateAuthority::now() const { return now_ ? *now_ : std::time(nullptr); }

void CertificateAuthority::init() {
    for (const auto& p : {layout_.ca_cert(), layout_.ca_key(), layout_.index()})
        if (file_exists(p)) throw PkiError(layout_.dir() + ": already holds a PKI; remove it to start over");
    make_dirs(layout_.dir(), kDirMode);
    for (const char* sub : {"private", "reqs", "issued"}) make_dirs(layout_.path(sub), kDirMode);
    copy_easyrsa_config(layout_);
    if (!file_exists(layout_.tls_crypt_key())) {
        auto key = generate_static_key();
        try {
            write_static_key_file(layout_.tls_crypt_key(), key);
        } catch (const KeyFileError& e) {
            throw PkiError(e.what());
        }
    }
}

X509Ptr CertificateAuthority::build_ca(const BuildCaOptions& o) {
    if (!file_exists(layout_.path("private")))
        throw PkiError(layout_.dir() + ": not a PKI directory (run 'vpn pki init' first)");
    if (file_exists(layout_.ca_cert())) throw PkiError(layout_.ca_cert() + ": a CA already exists");
    if (file_exists(layout_.ca_key()))
        throw PkiError(layout_.ca_key() + ": a CA key exists without ca.crt; refusing to replace it");
    if (o.common_name.empty() || o.common_name.size() > 64)
        throw PkiError("--cn: the CA name must have 1 to 64 characters");
    if (o.days <= 0) throw PkiError(fmt::format("--days {}: must be positive", o.days));

    std::string pass;
    if (o.encrypt_key) {
        if (!passphrase_) throw PkiError("no passphrase given for the CA key");
        pass = passphrase_();
        if (pass.size() < 4) {
            wipe(pass);
            throw PkiError("CA passphrase: at least 4 characters");  // OpenSSL's PEM minimum
        }
    }
    auto key = generate_key(o.key);
    auto cert = make_ca_cert(key.get(), o.common_name, Validity::days_from(now(), o.days), random_serial());
    std::string key_pem = key_to_pem(key.get(), pass);
    wipe(pass);

    for (const char* sub : {"certs_by_serial", "revoked/certs_by_serial", "revoked/private_by_serial",
                            "revoked/reqs_by_serial", "issued", "reqs"})
        make_dirs(layout_.path(sub), kDirMode);
    CreatedFiles files;
    try {
        files.write(layout_.ca_key(), key_pem, kKeyMode);
        wipe(key_pem);
        files.write(layout_.ca_cert(), cert_to_pem(cert.get()), kPublicMode);
    } catch (...) {
        wipe(key_pem);
        throw;
    }
    // A database left from an earlier CA would mix serials of two CAs: replace it.
    write_file(layout_.index(), std::string_view(), kPublicMode, WriteMode::Replace);
    write_file(layout_.index_attr(), std::string_view("unique_subject = no\n"), kPublicMode, WriteMode::Replace);
    write_file(layout_.serial(), std::string_view("01\n"), kPublicMode, WriteMode::Replace);
    files.commit();
    return cert;
}

LoadedCa CertificateAuthority::load_ca() const {
    if (!file_exists(layout_.ca_cert()))
        throw PkiError(layout_.ca_cert() + ": no CA certificate (run 'vpn pki build-ca' first)");
    LoadedCa ca;
    ca.cert = load_cert(layout_.ca_cert());
    if (!file_exists(layout_.ca_key())) throw PkiError(layout_.ca_key() + ": no CA key");
    ca.key = load_private_key(layout_.ca_key(), passphrase_);
    check_key_matches(ca.cert.get(), ca.key.get(), layout_.ca_key(), layout_.ca_cert());
    return ca;
}

void CertificateAuthority::require_database() const {
    if (!file_exists(layout_.index()))
        throw PkiError(layout_.index() + ": no CA database (run 'vpn pki build-ca' first)");
}

std::string CertificateAuthority::unused_serial(const CaIndex& db) const {
    for (int i = 0; i < 5; ++i) {
        auto s = random_serial();
        if (!db.find_serial(s)) return s;
    }
    throw PkiError(layout_.index() + ": cannot find an unused serial number");
}

IssuedCert CertificateAuthority::issue(const IssueOptions& o) {
    check_entity_name(o.name);
    if (o.type == CertType::Ca) throw PkiError("issue: use build-ca for a CA");
    if (!o.validity && o.days <= 0) throw PkiError(fmt::format("--days {}: must be positive", o.days));
    IssuedCert out;
    out.cert_path = layout_.cert(o.name);
    out.key_path = layout_.key(o.name);
    out.req_path = layout_.req(o.name);
    for (const auto& p : {out.cert_path, out.key_path, out.req_path})
        if (file_exists(p)) throw PkiError(fmt::format("{}: already exists ({}); revoke it or pick another name", o.name, p));
    require_database();
    auto ca = load_ca();
    auto db = CaIndex::load(layout_.index());

    out.serial = unused_serial(db);
    auto key = generate_key(o.key);
    auto req = make_csr(key.get(), o.name);
    std::vector<std::string> san = o.san;
    if (san.empty() && o.type == CertType::Server) san.push_back(default_server_san(o.name));
    Validity v = o.validity ? *o.validity : Validity::days_from(now(), o.days);
    out.cert = sign_request(req.get(), ca.cert.get(), ca.key.get(), o.type, san, v, out.serial);

    IndexEntry e;
    e.status = 'V';
    e.expiry = db_time(v.not_after);
    e.serial = out.serial;
    e.subject = "/CN=" + o.name;
    db.entries().push_back(e);

    std::string cert_pem = cert_to_pem(out.cert.get());
    std::string key_pem = key_to_pem(key.get());
    CreatedFiles files;
    try {
        files.write(out.key_path, key_pem, kKeyMode);
        wipe(key_pem);
    } catch (...) {
        wipe(key_pem);
        throw;
    }
    files.write(out.req_path, csr_to_pem(req.get()), kPublicMode);
    files.write(out.cert_path, cert_pem, kPublicMode);
    files.write(layout_.cert_by_serial(out.serial), cert_pem, kPublicMode);
    write_file(layout_.index(), db.to_text(), kPublicMode, WriteMode::Replace);
    files.commit();
    // Only informative with random serials; kept as openssl ca leaves it.
    write_file(layout_.serial(), next_serial_text(out.serial), kPublicMode, WriteMode::Replace);
    return out;
}

std::string CertificateAuthority::revoke(const std::string& name, const std::string& reason) {
    check_entity_name(name);
    if (!reason.empty() && crl_reason_code(reason) < 0) throw PkiError(fmt::format("revoke: unknown reason '{}'", reason));
    std::string cert_path = layout_.cert(name);
    if (!file_exists(cert_path)) throw PkiError(fmt::format("{}: no issued certificate to revoke ({})", name, cert_path));
    require_database();
    auto cert = load_cert(cert_path);
    auto ca = load_cert(layout_.ca_cert());
    if (X509_check_issued(ca.get(), cert.get()) != X509_V_OK) {
        ERR_clear_error();
        throw PkiError(cert_path + ": not issued by this CA (" + layout_.ca_cert() + ")");
    }
    std::string serial = serial_hex(X509_get0_serialNumber(cert.get()));
    auto db = CaIndex::load(layout_.index());
    IndexEntry* e = db.find_serial(serial);
    if (!e) throw PkiError(fmt::format("{}: serial {} is not in {}", cert_path, serial, layout_.index()));
    if (e->status == 'R') throw PkiError(fmt::format("{}: already revoked (serial {})", name, serial));
    e->status = 'R';
    e->revocation = db_time(now()) + (reason.empty() ? "" : "," + reason);
    write_file(layout_.index(), db.to_text(), kPublicMode, WriteMode::Replace);

    // easy-rsa's revoke_move: frees the name for a new certificate.
    for (const char* sub : {"revoked/certs_by_serial", "revoked/private_by_serial", "revoked/reqs_by_serial"})
        make_dirs(layout_.path(sub), kDirMode);
    move_file(cert_path, layout_.revoked_cert(serial));
    if (file_exists(layout_.key(name))) move_file(layout_.key(name), layout_.revoked_key(serial));
    if (file_exists(layout_.req(name))) move_file(layout_.req(name), layout_.revoked_req(serial));
    // easy-rsa 3.2 keeps ready-made inline files; they hold the revoked credentials.
    ::unlink(layout_.path("inline/" + name + ".inline").c_str());
    ::unlink(layout_.path("inline/private/" + name + ".inline").c_str());
    return serial;
}

X509CrlPtr CertificateAuthority::gen_crl(int days) {
    if (days <= 0) throw PkiError(fmt::format("--days {}: must be positive", days));
    require_database();
    auto ca = load_ca();
    auto db = CaIndex::load(layout_.index());
    std::vector<RevokedCert> revoked;
    for (const auto& e : db.entries()) {
        if (e.status != 'R') continue;
        RevokedCert r;
        r.serial = e.serial;
        r.revoked_at = *e.revoked_at();  // parse() checked it
        r.reason = crl_reason_code(e.reason());
        revoked.push_back(std::move(r));
    }
    auto crl = make_crl(ca.cert.get(), ca.key.get(), revoked, now(), days);
    write_file(layout_.crl(), crl_to_pem(crl.get()), kPublicMode, WriteMode::Replace);
    return crl;
}

}  // namespace vpn::pki
