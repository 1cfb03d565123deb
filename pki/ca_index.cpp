#include "pki/ca_index.hpp"

#include <openssl/asn1.h>

#include <cctype>
#include <fmt/format.h>
#include <memory>

#include "pki/file_io.hpp"
#include "pki/pki_error.hpp"

namespace vpn::pki {

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    for (;;) {
        auto tab = line.find('\t', pos);
        out.push_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos));
        if (tab == std::string_view::npos || out.size() > 6) break;
        pos = tab + 1;
    }
    return out;
}

bool is_hex(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// Canonical form for comparing serials: upper case, no leading zeros.
std::string norm_serial(std::string_view s) {
    std::string out;
    for (char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto nz = out.find_first_not_of('0');
    return nz == std::string::npos ? "0" : out.substr(nz);
}

struct TimeFree {
    void operator()(ASN1_TIME* t) const { ASN1_TIME_free(t); }
};

}  // namespace

std::string IndexEntry::common_name() const {
    auto p = subject.rfind("/CN=");
    if (p == std::string::npos) return {};
    auto start = p + 4;
    auto end = subject.find('/', start);
    return subject.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::optional<std::time_t> IndexEntry::revoked_at() const {
    return parse_db_time(std::string_view(revocation).substr(0, revocation.find(',')));
}

std::string IndexEntry::reason() const {
    auto c = revocation.find(',');
    if (c == std::string::npos) return {};
    auto rest = revocation.substr(c + 1);
    return rest.substr(0, rest.find(','));
}

CaIndex CaIndex::parse(std::string_view text, const std::string& name) {
    CaIndex db;
    std::size_t pos = 0;
    int lineno = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++lineno;
        auto bad = [&](const char* why) { return PkiError(fmt::format("{}:{}: malformed entry: {}", name, lineno, why)); };
        if (line.size() > kMaxLine) throw bad("line too long");
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        IndexEntry e;
        if (line[0] == '#') {
            e.status = '#';
            e.raw = std::string(line);
            db.entries_.push_back(std::move(e));
            continue;
        }
        auto f = split_tabs(line);
        if (f.size() != 6) throw bad("expected 6 tab-separated fields");
        if (f[0].size() != 1 || (f[0][0] != 'V' && f[0][0] != 'R' && f[0][0] != 'E')) throw bad("status is not V, R or E");
        e.status = f[0][0];
        if (!parse_db_time(f[1])) throw bad("bad expiry time");
        e.expiry = std::string(f[1]);
        e.revocation = std::string(f[2]);  // kept as is on V/E lines, where it should be empty
        if (e.status == 'R' && !e.revoked_at()) throw bad("bad revocation time");
        if (!is_hex(f[3])) throw bad("serial is not hexadecimal");
        e.serial = std::string(f[3]);
        e.file = std::string(f[4]);
        e.subject = std::string(f[5]);
        db.entries_.push_back(std::move(e));
    }
    return db;
}

CaIndex CaIndex::load(const std::string& path) { return parse(read_text_file(path, 16u << 20), path); }

std::string CaIndex::to_text() const {
    std::string out;
    for (const auto& e : entries_) {
        if (e.status == '#') {
            out += e.raw;
        } else {
            out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}", e.status, e.expiry, e.revocation, e.serial, e.file, e.subject);
        }
        out += '\n';
    }
    return out;
}

IndexEntry* CaIndex::find_serial(std::string_view serial) {
    auto want = norm_serial(serial);
    for (auto& e : entries_)
        if (e.status != '#' && norm_serial(e.serial) == want) return &e;
    return nullptr;
}

const IndexEntry* CaIndex::find_serial(std::string_view serial) const {
    return const_cast<CaIndex*>(this)->find_serial(serial);
}

std::string db_time(std::time_t t) {
    std::unique_ptr<ASN1_TIME, TimeFree> a(ASN1_TIME_set(nullptr, t));
    if (!a) throw PkiError("cannot format time");
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(a.get())),
                       static_cast<std::size_t>(ASN1_STRING_length(a.get())));
}

std::optional<std::time_t> parse_db_time(std::string_view text) {
    if (text.size() != 13 && text.size() != 15) return std::nullopt;
    for (std::size_t i = 0; i + 1 < text.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    if (text.back() != 'Z') return std::nullopt;
    std::unique_ptr<ASN1_TIME, TimeFree> a(ASN1_TIME_new());
    std::string s(text);
    if (!a || ASN1_TIME_set_string(a.get(), s.c_str()) != 1) return std::nullopt;
    struct tm tm {};
    if (ASN1_TIME_to_tm(a.get(), &tm) != 1) return std::nullopt;
    return timegm(&tm);
}

std::string iso_time(std::time_t t) {
    struct tm tm {};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

int crl_reason_code(std::string_view r) {
    // The words of OpenSSL's apps/ca.c crl_reasons[] table.
    if (r == "unspecified") return 0;
    if (r == "keyCompromise" || r == "keyTime") return 1;
    if (r == "CACompromise" || r == "CAkeyTime") return 2;
    if (r == "affiliationChanged") return 3;
    if (r == "superseded") return 4;
    if (r == "cessationOfOperation") return 5;
    if (r == "certificateHold") return 6;
    if (r == "removeFromCRL") return 8;
    return -1;
}

}  // namespace vpn::pki
