#include "pki/cert_profile.hpp"

#include <arpa/inet.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <fmt/format.h>

#include "pki/pem_io.hpp"

namespace vpn::pki {

namespace {

bool is_ip_literal(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool dns_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '*';
}

bool email_char(char c) { return dns_char(c) || c == '@' || c == '+'; }

template <class Pred>
bool all_of(std::string_view s, Pred p) {
    for (char c : s)
        if (!p(c)) return false;
    return true;
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str());
    if (!ext) throw PkiError(openssl_error(fmt::format("cannot make extension {} = {}", OBJ_nid2sn(nid), value).c_str()));
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1) throw PkiError(openssl_error("cannot add extension"));
}

}  // namespace

const char* cert_type_name(CertType t) {
    switch (t) {
        case CertType::Ca: return "ca";
        case CertType::Server: return "server";
        case CertType::Client: return "client";
    }
    return "?";
}

std::optional<CertType> parse_leaf_type(std::string_view s) {
    if (s == "server") return CertType::Server;
    if (s == "client") return CertType::Client;
    return std::nullopt;
}

std::vector<std::string> parse_san_list(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t comma = text.find(',', pos);
        std::string item(text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
        // Trim blanks around the item ("DNS:a, IP:b").
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        if (item.empty()) continue;
        auto bad = [&] {
            return PkiError(fmt::format("--san {}: expected DNS:name, IP:address or email:address", item));
        };
        auto colon = item.find(':');
        if (colon == std::string::npos) throw bad();
        std::string kind = item.substr(0, colon), value = item.substr(colon + 1);
        for (auto& c : kind) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (value.empty() || value.size() > 253) throw bad();
        if (kind == "DNS" && all_of(value, dns_char)) {
            out.push_back("DNS:" + value);
        } else if (kind == "IP" && is_ip_literal(value)) {
            out.push_back("IP:" + value);
        } else if (kind == "EMAIL" && value.find('@') != std::string::npos && all_of(value, email_char)) {
            out.push_back("email:" + value);
        } else {
            throw bad();
        }
    }
    return out;
}

std::string default_server_san(const std::string& name) { return (is_ip_literal(name) ? "IP:" : "DNS:") + name; }

void add_profile_extensions(X509* cert, X509* issuer, CertType type, const std::vector<std::string>& san) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    // Order as easy-rsa's x509-types files list them; SKI before AKI because a
    // self-signed AKI copies the SKI (RFC 5280 §4.2.1.1).
    if (type == CertType::Ca) {
        add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
        add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always,issuer:always");
        add_ext(cert, &ctx, NID_key_usage, "cRLSign,keyCertSign");
    } else {
        add_ext(cert, &ctx, NID_basic_constraints, "CA:FALSE");
        add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
        add_ext(cert, &ctx, NID_authority_key_identifier, "keyid,issuer:always");
        if (type == CertType::Server) {
            add_ext(cert, &ctx, NID_ext_key_usage, "serverAuth");
            add_ext(cert, &ctx, NID_key_usage, "digitalSignature,keyEncipherment");
        } else {
            add_ext(cert, &ctx, NID_ext_key_usage, "clientAuth");
            add_ext(cert, &ctx, NID_key_usage, "digitalSignature");
        }
    }
    if (!san.empty()) {
        std::string value;
        for (const auto& s : san) value += (value.empty() ? "" : ",") + s;
        add_ext(cert, &ctx, NID_subject_alt_name, value);
    }
}

std::string describe_usage(X509* cert) {
    if (X509_check_ca(cert) > 0) return "ca";
    uint32_t flags = X509_get_extension_flags(cert);
    if (!(flags & EXFLAG_XKUSAGE)) return "-";
    uint32_t xku = X509_get_extended_key_usage(cert);
    bool server = xku & XKU_SSL_SERVER, client = xku & XKU_SSL_CLIENT;
    if (server && client) return "server+client";
    if (server) return "server";
    if (client) return "client";
    return "-";
}

}  // namespace vpn::pki
