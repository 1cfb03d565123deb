#include "ipsec/ike/ike_identity.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "pki/openssl_types.hpp"
#include "common/util/hex.hpp"

namespace vpn::ike {

namespace {

struct NameFree {
    void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
using NamePtr = std::unique_ptr<X509_NAME, NameFree>;

NamePtr decode_name(Bytes der) {
    const unsigned char* p = der.data();
    NamePtr n(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
    // Trailing bytes after the Name would be ignored by OpenSSL: refuse them.
    if (n && p != der.data() + der.size()) n.reset();
    ERR_clear_error();
    return n;
}

std::string printable(Bytes b) {
    std::string s;
    for (auto c : b) s += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    return s;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool iequal(Bytes a, Bytes b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](std::uint8_t x, std::uint8_t y) {
               return std::tolower(x) == std::tolower(y);
           });
}

Identity text_identity(IdType type, std::string_view s) {
    return Identity{type, std::vector<std::uint8_t>(s.begin(), s.end())};
}

// "C=XX, O=Org, CN=name" -> DER.  OpenSSL picks the string types (PrintableString
// for C, UTF8String otherwise); a peer's certificate may use others, which is why
// DNs are compared canonically, never by bytes.
Outcome<Identity> dn_identity(std::string_view text) {
    NamePtr name(X509_NAME_new());
    if (!name) return Failure{"out of memory"};
    std::string rdn;
    auto add = [&](std::string_view part) -> Outcome<bool> {
        part = trim(part);
        auto eq = part.find('=');
        if (eq == std::string_view::npos) return Failure{"DN component '" + std::string(part) + "' has no '='"};
        std::string key(trim(part.substr(0, eq)));
        std::string value(trim(part.substr(eq + 1)));
        if (key.empty() || value.empty()) return Failure{"empty DN component in '" + std::string(part) + "'"};
        if (OBJ_txt2nid(key.c_str()) == NID_undef) {
            // "cn=", "c=": short names are upper case in OpenSSL's table.
            std::string upper = key;
            for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            ERR_clear_error();
            if (OBJ_txt2nid(upper.c_str()) == NID_undef) {
                ERR_clear_error();
                return Failure{"unknown DN attribute '" + key + "'"};
            }
            key = upper;
        }
        if (X509_NAME_add_entry_by_txt(name.get(), key.c_str(), MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) != 1) {
            ERR_clear_error();
            return Failure{"invalid value for DN attribute '" + key + "'"};
        }
        return true;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' && i + 1 < text.size()) {
            rdn += text[++i];
        } else if (c == ',') {
            auto r = add(rdn);
            if (!r) return Failure{r.error()};
            rdn.clear();
        } else {
            rdn += c;
        }
    }
    auto r = add(rdn);
    if (!r) return Failure{r.error()};
    unsigned char* der = nullptr;
    int len = i2d_X509_NAME(name.get(), &der);
    if (len <= 0) {
        ERR_clear_error();
        return Failure{"cannot encode DN"};
    }
    Identity id{IdType::DerAsn1Dn, std::vector<std::uint8_t>(der, der + len)};
    OPENSSL_free(der);
    return id;
}

}  // namespace

std::vector<std::uint8_t> Identity::payload_body() const {
    std::vector<std::uint8_t> b(4 + data.size(), 0);
    b[0] = static_cast<std::uint8_t>(type);
    std::copy(data.begin(), data.end(), b.begin() + 4);
    return b;
}

std::string Identity::str() const {
    switch (type) {
    case IdType::Ipv4Addr:
    case IdType::Ipv6Addr: {
        char buf[INET6_ADDRSTRLEN] = {};
        int af = type == IdType::Ipv4Addr ? AF_INET : AF_INET6;
        if ((data.size() == 4 || data.size() == 16) && inet_ntop(af, data.data(), buf, sizeof buf)) return buf;
        return "(bad address)";
    }
    case IdType::Fqdn:
    case IdType::Rfc822Addr:
        return printable(data);
    case IdType::DerAsn1Dn: {
        NamePtr n = decode_name(data);
        pki::BioPtr bio(BIO_new(BIO_s_mem()));
        if (!n || !bio) return "(bad DN)";
        X509_NAME_print_ex(bio.get(), n.get(), 0, XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253);
        char* p = nullptr;
        long len = BIO_get_mem_data(bio.get(), &p);
        return printable(Bytes(reinterpret_cast<const std::uint8_t*>(p), static_cast<std::size_t>(len)));
    }
    case IdType::KeyId:
        return "keyid:" + to_hex(data);
    case IdType::DerAsn1Gn:
        return "asn1gn:" + to_hex(data);
    }
    return "(unknown ID type " + std::to_string(static_cast<int>(type)) + ")";
}

Outcome<Identity> parse_identity_payload(Bytes body) {
    if (body.size() < 4) return Failure{"ID payload too short"};
    Identity id{static_cast<IdType>(body[0]), std::vector<std::uint8_t>(body.begin() + 4, body.end())};
    switch (id.type) {
    case IdType::Ipv4Addr:
        if (id.data.size() != 4) return Failure{"ID_IPV4_ADDR must be 4 bytes"};
        break;
    case IdType::Ipv6Addr:
        if (id.data.size() != 16) return Failure{"ID_IPV6_ADDR must be 16 bytes"};
        break;
    case IdType::Fqdn:
    case IdType::Rfc822Addr:
    case IdType::KeyId:
    case IdType::DerAsn1Gn:
        if (id.data.empty()) return Failure{"empty identification data"};
        break;
    case IdType::DerAsn1Dn:
        if (!decode_name(id.data)) return Failure{"ID_DER_ASN1_DN is not a DER Name"};
        break;
    default:
        return Failure{"unknown ID type " + std::to_string(body[0])};
    }
    return id;
}

Outcome<Identity> parse_identity(std::string_view text) {
    text = trim(text);
    if (text.empty()) return Failure{"empty identity"};
    std::string s(text);
    std::uint8_t addr[16];
    if (inet_pton(AF_INET, s.c_str(), addr) == 1) return Identity{IdType::Ipv4Addr, {addr, addr + 4}};
    if (inet_pton(AF_INET6, s.c_str(), addr) == 1) return Identity{IdType::Ipv6Addr, {addr, addr + 16}};
    if (text.find('=') != std::string_view::npos) return dn_identity(text);
    if (std::any_of(text.begin(), text.end(), [](char c) { return c <= ' ' || c == 0x7f; }))
        return Failure{"identity '" + s + "' contains whitespace or control characters"};
    if (text.front() == '@') {
        text.remove_prefix(1);
        if (text.empty()) return Failure{"empty FQDN after '@'"};
        return text_identity(IdType::Fqdn, text);
    }
    if (text.find('@') != std::string_view::npos) return text_identity(IdType::Rfc822Addr, text);
    // RFC 7296 §3.5: an ID_FQDN has no terminating dot.
    if (text.size() > 1 && text.back() == '.') text.remove_suffix(1);
    return text_identity(IdType::Fqdn, text);
}

Outcome<Identity> address_identity(Bytes ip) {
    if (ip.size() == 4) return Identity{IdType::Ipv4Addr, {ip.begin(), ip.end()}};
    if (ip.size() == 16) return Identity{IdType::Ipv6Addr, {ip.begin(), ip.end()}};
    return Failure{"an address is 4 or 16 bytes"};
}

bool identity_matches(const Identity& wanted, const Identity& received) {
    if (wanted.type != received.type) return false;
    switch (wanted.type) {
    case IdType::Fqdn:
    case IdType::Rfc822Addr:
        return iequal(wanted.data, received.data);
    case IdType::DerAsn1Dn: {
        NamePtr a = decode_name(wanted.data), b = decode_name(received.data);
        bool same = a && b && X509_NAME_cmp(a.get(), b.get()) == 0;
        ERR_clear_error();
        return same;
    }
    default:
        return wanted.data == received.data;
    }
}

}  // namespace vpn::ike
