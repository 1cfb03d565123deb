#pragma once
// OpenSSL's CA database, easy-rsa's pki/index.txt (the `database` of `openssl ca`,
// read by OpenSSL's TXT_DB).  One line per certificate, six tab-separated fields:
//
//   V|R|E  <notAfter>  <revoked>  <serial>  unknown  /CN=name
//
//   notAfter  ASN.1 time text, YYMMDDHHMMSSZ (YYYYMMDDHHMMSSZ from 2050 on)
//   revoked   empty unless R: YYMMDDHHMMSSZ, or YYMMDDHHMMSSZ,reason[,extra]
//   serial    upper-case hex, two digits per byte
//   subject   OpenSSL's one-line form, "/CN=name" (or "/C=../O=../CN=name")
//
// Lines starting with '#' are kept as they are.  Reading is strict (OpenSSL refuses
// a database with a wrong field count, so do we) and bounded.
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpn::pki {

struct IndexEntry {
    char status = 'V';       // 'V' valid, 'R' revoked, 'E' expired, '#' comment line
    std::string expiry;      // notAfter text
    std::string revocation;  // "" or "YYMMDDHHMMSSZ[,reason[,extra]]"
    std::string serial;      // hex as written
    std::string file = "unknown";
    std::string subject;     // "/CN=name"
    std::string raw;         // the whole line, for '#' lines

    // The last CN of the subject ("" if none).
    std::string common_name() const;
    // The revocation time / reason name parts of `revocation`.
    std::optional<std::time_t> revoked_at() const;
    std::string reason() const;  // "" if none
};

class CaIndex {
public:
    // Throws PkiError("NAME:LINE: malformed entry: why").  Lines are at most 64 KiB.
    static CaIndex parse(std::string_view text, const std::string& name);
    // An absent file is an error here (PkiError "PATH: cannot read: ...").
    static CaIndex load(const std::string& path);

    // The file text: one line per entry, each ending in '\n'.
    std::string to_text() const;

    std::vector<IndexEntry>& entries() { return entries_; }
    const std::vector<IndexEntry>& entries() const { return entries_; }

    // The entry with this serial (hex, case-insensitive, leading zero bytes ignored).
    IndexEntry* find_serial(std::string_view serial);
    const IndexEntry* find_serial(std::string_view serial) const;

private:
    std::vector<IndexEntry> entries_;
};

// Database time text for `t`: YYMMDDHHMMSSZ (UTCTime) through 2049.
std::string db_time(std::time_t t);
// Parse database time text (UTCTime or GeneralizedTime); nullopt if malformed.
std::optional<std::time_t> parse_db_time(std::string_view text);
// "2029-02-25 06:52:00Z" for `list`.
std::string iso_time(std::time_t t);

// RFC 5280 CRLReason code for a reason word as `openssl ca -crl_reason` writes it
// ("keyCompromise", "superseded", "keyTime" = keyCompromise, ...), -1 if unknown.
int crl_reason_code(std::string_view reason);

}  // namespace vpn::pki
