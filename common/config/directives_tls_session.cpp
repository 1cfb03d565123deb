// Rows for TLS mode's session parameters: data-cipher negotiation (data-ciphers,
// ncp-ciphers, data-ciphers-fallback), renegotiation and its windows, peer
// verification (remote-cert-tls, verify-x509-name, peer-fingerprint) and the TLS
// library's knobs (tls-version-*, tls-cipher, tls-ciphersuites, tls-groups).
// Meanings, arities and defaults follow OpenVPN 2.6 options.c (add_option,
// init_options) and ssl.c (tls_version_parse, parse_hash_fingerprint).
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"
#include "common/util/hex.hpp"

namespace vpn::config {
namespace {

constexpr long long kMaxSeconds = 1'000'000'000;
constexpr std::string_view kSecondsWhat = "a number of seconds (0..1000000000)";
constexpr long long kMaxCount = 999'999'999'999'999'999;  // 18 digits: parse_decimal's bound

std::string text_arg(const Directive& d, std::size_t i, std::string_view what) {
    if (d.args[i].empty()) fail(d.origin, fmt::format("'{}': empty argument, expected {}", d.name, what));
    return d.args[i];
}

void parse_data_ciphers(ParseContext& c, const Directive& d) {
    // ncp-ciphers is 2.4's name for the same list.  Cipher names are checked by the
    // crypto layer at run time (ssl_ncp.c: mutate_ncp_cipher_list).
    note_tls_directive(c, d, TlsKind::Lenient);
    const std::string& list = d.args[0];
    if (list.find_first_not_of(':') == std::string::npos) {
        fail(d.origin, fmt::format("'{}': {} names no cipher, expected a ':'-separated list such as "
                                   "AES-256-GCM:AES-128-GCM",
                                   d.name, shown(list)));
    }
    c.opts.tls.data_ciphers = list;
    c.opts.tls.data_ciphers_set = true;
}

void parse_data_ciphers_fallback(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Lenient);
    c.opts.tls.data_ciphers_fallback = text_arg(d, 0, "a cipher name");
}

void parse_reneg_sec(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    c.opts.tls.reneg_sec = int_arg(d, 0, 0, kMaxSeconds, kSecondsWhat);
    if (d.args.size() > 1) c.opts.tls.reneg_sec_min = int_arg(d, 1, 0, kMaxSeconds, kSecondsWhat);
}

void parse_reneg_bytes(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    auto v = parse_decimal(d.args[0], 0, kMaxCount);
    if (!v) fail(d.origin, fmt::format("'reneg-bytes': {} is not a byte count (0 = off)", shown(d.args[0])));
    c.opts.tls.reneg_bytes = *v;
}

void parse_reneg_pkts(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    auto v = parse_decimal(d.args[0], 0, kMaxCount);
    if (!v) fail(d.origin, fmt::format("'reneg-pkts': {} is not a packet count (0 = off)", shown(d.args[0])));
    c.opts.tls.reneg_pkts = *v;
}

void parse_hand_window(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    // 0 would fail every handshake at once.
    c.opts.tls.hand_window = int_arg(d, 0, 1, kMaxSeconds, "a number of seconds (1..1000000000)");
}

void parse_tran_window(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    c.opts.tls.tran_window = int_arg(d, 0, 0, kMaxSeconds, kSecondsWhat);
}

void parse_remote_cert_tls(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    if (d.args[0] == "server") c.opts.tls.remote_cert_tls = PeerRole::Server;
    else if (d.args[0] == "client") c.opts.tls.remote_cert_tls = PeerRole::Client;
    else fail(d.origin, fmt::format("'remote-cert-tls': {} is not a role, expected server or client", shown(d.args[0])));
}

void parse_verify_x509_name(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    VerifyX509Name v{text_arg(d, 0, "a name"), X509NameType::Subject};
    if (d.args.size() > 1) {
        const std::string& t = d.args[1];
        if (t == "subject") v.type = X509NameType::Subject;
        else if (t == "name") v.type = X509NameType::Name;
        else if (t == "name-prefix") v.type = X509NameType::NamePrefix;
        else fail(d.origin, fmt::format("'verify-x509-name': {} is not a name type, expected subject, name or "
                                        "name-prefix", shown(t)));
    }
    c.opts.tls.verify_x509_name = std::move(v);
}

// ssl.c: parse_hash_fingerprint -- exactly 32 pairs of hex digits joined by ':'.
std::optional<Sha256Fingerprint> parse_fingerprint(std::string_view s) {
    Sha256Fingerprint fp{};
    if (s.size() != fp.size() * 3 - 1) return std::nullopt;
    for (std::size_t i = 0; i < fp.size(); ++i) {
        int hi = hex_value(s[i * 3]);
        int lo = hex_value(s[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < fp.size() && s[i * 3 + 2] != ':')) return std::nullopt;
        fp[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return fp;
}

void add_fingerprint(ParseContext& c, const Origin& where, std::string_view text) {
    auto fp = parse_fingerprint(text);
    if (!fp) {
        fail(where, fmt::format("'peer-fingerprint': {} is not a SHA-256 fingerprint, expected 32 hex bytes "
                                "separated by colons (AB:CD:...:EF)", shown(text)));
    }
    c.opts.tls.peer_fingerprints.push_back(*fp);
}

void parse_peer_fingerprint(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Lenient);
    if (!d.inline_text) {
        add_fingerprint(c, d.origin, d.args[0]);
        return;
    }
    // options.c: parse_hash_fingerprint_multiline -- one per line; blank lines and
    // '#'/';' comments skipped.  Errors name the line inside the block.
    std::string_view rest = *d.inline_text;
    int line = d.origin.line;
    std::size_t added = 0;
    while (!rest.empty()) {
        ++line;
        std::size_t nl = rest.find('\n');
        std::string_view l = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        const std::size_t b = l.find_first_not_of(" \t\r\v\f");
        if (b == std::string_view::npos || l[b] == '#' || l[b] == ';') continue;
        l = l.substr(b, l.find_last_not_of(" \t\r\v\f") + 1 - b);
        add_fingerprint(c, Origin{d.origin.file, line, d.origin.name}, l);
        ++added;
    }
    if (added == 0) fail(d.origin, "'peer-fingerprint': empty <peer-fingerprint> block, expected one "
                                   "fingerprint per line");
}

std::optional<TlsVersion> tls_version(std::string_view v) {
    if (v == "1.0") return TlsVersion::V1_0;
    if (v == "1.1") return TlsVersion::V1_1;
    if (v == "1.2") return TlsVersion::V1_2;
    if (v == "1.3") return TlsVersion::V1_3;
    return std::nullopt;
}

void parse_tls_version_min(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Lenient);
    if (d.args.size() > 1 && d.args[1] != "or-highest") {
        fail(d.origin, fmt::format("'tls-version-min': {} is not a modifier, expected or-highest", shown(d.args[1])));
    }
    auto v = tls_version(d.args[0]);
    // ssl.c: tls_version_parse -- an unknown version with or-highest is the highest.
    if (!v && d.args.size() > 1) v = TlsVersion::V1_3;
    if (!v) {
        fail(d.origin, fmt::format("'tls-version-min': {} is not a TLS version, expected 1.0, 1.1, 1.2 or 1.3",
                                   shown(d.args[0])));
    }
    c.opts.tls.tls_version_min = *v;
    c.state.tls_version_min = d.origin;
}

void parse_tls_version_max(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Lenient);
    auto v = tls_version(d.args[0]);
    if (!v) {
        fail(d.origin, fmt::format("'tls-version-max': {} is not a TLS version, expected 1.0, 1.1, 1.2 or 1.3",
                                   shown(d.args[0])));
    }
    c.opts.tls.tls_version_max = *v;
    c.state.tls_version_max = d.origin;
}

void parse_tls_cipher(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    c.opts.tls.tls_cipher = text_arg(d, 0, "an OpenSSL cipher list");
}

void parse_tls_ciphersuites(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    c.opts.tls.tls_ciphersuites = text_arg(d, 0, "a TLS 1.3 cipher suite list");
}

void parse_tls_groups(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Lenient);
    c.opts.tls.tls_groups = text_arg(d, 0, "a ':'-separated group list");
}


constexpr DirectiveSpec kRows[] = {
    {"data-ciphers", 1, 1, "LIST", "':'-separated cipher list", "data ciphers to negotiate (default AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305)", parse_data_ciphers},
    {"ncp-ciphers", 1, 1, "LIST", "':'-separated cipher list", "old name of data-ciphers", parse_data_ciphers},
    {"data-ciphers-fallback", 1, 1, "NAME", "cipher name", "data cipher for a peer that cannot negotiate", parse_data_ciphers_fallback},
    {"reneg-sec", 1, 2, "MAX [MIN]", "seconds and optional minimum seconds", "new data keys every MAX s (default 3600, 0 = off), jittered down to MIN", parse_reneg_sec},
    {"reneg-bytes", 1, 1, "N", "byte count", "renegotiate after N bytes (0 = off)", parse_reneg_bytes},
    {"reneg-pkts", 1, 1, "N", "packet count", "renegotiate after N packets (0 = off)", parse_reneg_pkts},
    {"hand-window", 1, 1, "N", "seconds", "TLS handshake must finish within N s (default 60)", parse_hand_window},
    {"tran-window", 1, 1, "N", "seconds", "old key stays valid N s after a renegotiation (default 3600)", parse_tran_window},
    {"remote-cert-tls", 1, 1, "server|client", "server or client", "require the peer certificate's key usage for this role", parse_remote_cert_tls},
    {"verify-x509-name", 1, 2, "NAME [TYPE]", "name and optional type subject, name or name-prefix", "check the peer's subject (TYPE subject), CN (name) or CN prefix (name-prefix)", parse_verify_x509_name},
    {"peer-fingerprint", 1, 1, "SHA256", "SHA-256 fingerprint AB:CD:...", "pin the peer certificate's SHA-256; may repeat; without ca: CA-less", parse_peer_fingerprint, Support::Supported, kInlineOk},
    {"tls-version-min", 1, 2, "V [or-highest]", "TLS version 1.0..1.3 and optional or-highest", "lowest TLS version: 1.0, 1.1, 1.2 (default) or 1.3", parse_tls_version_min},
    {"tls-version-max", 1, 1, "V", "TLS version 1.0..1.3", "highest TLS version: 1.0, 1.1, 1.2 or 1.3", parse_tls_version_max},
    {"tls-cipher", 1, 1, "LIST", "OpenSSL cipher list", "TLS 1.2 cipher list", parse_tls_cipher},
    {"tls-ciphersuites", 1, 1, "LIST", "TLS 1.3 cipher suite list", "TLS 1.3 cipher suites", parse_tls_ciphersuites},
    {"tls-groups", 1, 1, "LIST", "':'-separated group list", "key exchange groups", parse_tls_groups},
};


}  // namespace

std::span<const DirectiveSpec> tls_session_directives() { return kRows; }

}  // namespace vpn::config
