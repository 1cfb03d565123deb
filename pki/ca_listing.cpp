#include "pki/ca_listing.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "pki/ca_index.hpp"
#include "pki/cert_profile.hpp"
#include "pki/cert_signer.hpp"
#include "pki/file_io.hpp"
#include "pki/pem_io.hpp"

namespace vpn::pki {

namespace {

// The certificate of an index entry: issued/NAME.crt if it carries that serial,
// else the by-serial copies openssl ca and easy-rsa's revoke keep.
std::string usage_of(const PkiLayout& layout, const IndexEntry& e) {
    const std::string name = e.common_name();
    std::vector<std::string> candidates;
    // The CN comes from the database file: only a plain name may become a path.
    bool plain = true;
    try {
        check_entity_name(name);
    } catch (const PkiError&) {
        plain = false;
    }
    if (plain) candidates.push_back(layout.cert(name));
    candidates.push_back(layout.cert_by_serial(e.serial));
    candidates.push_back(layout.revoked_cert(e.serial));
    for (const auto& path : candidates) {
        if (!file_exists(path)) continue;
        try {
            auto cert = load_cert(path);
            if (serial_hex(X509_get0_serialNumber(cert.get())) != e.serial) continue;
            return describe_usage(cert.get());
        } catch (const PkiError&) {
            continue;  // an unreadable copy: try the next one
        }
    }
    return "-";
}

}  // namespace

std::vector<ListEntry> list_certificates(const PkiLayout& layout, std::time_t now) {
    auto db = CaIndex::load(layout.index());
    std::vector<ListEntry> rows;
    for (const auto& e : db.entries()) {
        if (e.status == '#') continue;
        ListEntry r;
        r.name = e.common_name();
        r.serial = e.serial;
        r.expires = parse_db_time(e.expiry).value_or(0);
        r.type = usage_of(layout, e);
        if (e.status == 'R') r.status = "revoked";
        else if (e.status == 'E' || r.expires <= now) r.status = "expired";
        else r.status = "valid";
        rows.push_back(std::move(r));
    }
    return rows;
}

std::string format_listing(const std::vector<ListEntry>& rows) {
    std::size_t wn = 4, wt = 4, ws = 6;
    for (const auto& r : rows) {
        wn = std::max(wn, r.name.size());
        wt = std::max(wt, r.type.size());
        ws = std::max(ws, r.serial.size());
    }
    std::string out = fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<20}  {}\n", "NAME", wn, "TYPE", wt, "SERIAL", ws, "EXPIRES", "STATUS");
    for (const auto& r : rows)
        out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<20}  {}\n", r.name, wn, r.type, wt, r.serial, ws, iso_time(r.expires),
                           r.status);
    return out;
}

}  // namespace vpn::pki
