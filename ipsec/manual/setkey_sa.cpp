// setkey's SA statements: add, delete, deleteall.  Algorithm names and key lengths
// follow setkey(8) of ipsec-tools; the accepted subset is ikev2-esp.md §6.2.
#include <fmt/format.h>

#include <algorithm>

#include "common/crypto/secure_buffer.hpp"
#include "ipsec/manual/setkey_cursor.hpp"
#include "common/util/hex.hpp"

namespace vpn::ipsec::manual {
namespace {

struct Cipher {
    std::string_view name;
    std::uint16_t id;
};

constexpr Cipher kCiphers[] = {
    {"aes-cbc", ike::encr::kAesCbc},
    {"rijndael-cbc", ike::encr::kAesCbc},
    {"3des-cbc", ike::encr::k3Des},
    {"aes-gcm-16", ike::encr::kAesGcm16},
    {"null", ike::encr::kNull},
};

constexpr Cipher kIntegs[] = {
    {"hmac-sha1", ike::integ::kHmacSha1_96},
    {"hmac-sha256", ike::integ::kHmacSha256_128},
    {"hmac-sha2-256", ike::integ::kHmacSha256_128},
    {"hmac-sha384", ike::integ::kHmacSha384_192},
    {"hmac-sha2-384", ike::integ::kHmacSha384_192},
    {"hmac-sha512", ike::integ::kHmacSha512_256},
    {"hmac-sha2-512", ike::integ::kHmacSha512_256},
    {"null", ike::integ::kNone},
};

// Names setkey knows that we refuse: broken (DES, keyed-*, MD5) or not implemented.
constexpr std::string_view kRefusedCiphers[] = {"des-cbc", "blowfish-cbc", "cast128-cbc", "twofish-cbc", "des-deriv",
                                                "des-32iv", "aes-ctr", "camellia-cbc", "simple"};
constexpr std::string_view kRefusedIntegs[] = {"keyed-md5", "keyed-sha1", "hmac-md5", "aes-xcbc-mac", "tcp-md5",
                                               "hmac-ripemd160"};

// `0x` hex digits or a "quoted" string taken as raw bytes (setkey(8)).
crypto::SecureBuffer parse_key(const Cursor& c, const Word& w, std::string_view alg) {
    const std::string& t = w.text;
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') {
        std::string_view raw = std::string_view(t).substr(1, t.size() - 2);
        return crypto::SecureBuffer(Bytes(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
    }
    if (t.size() < 3 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X')) {
        c.fail(w, fmt::format("the key of {} is neither 0x-hex nor a \"quoted string\"", alg));
    }
    const std::size_t digits = t.size() - 2;
    if (digits % 2 != 0) c.fail(w, fmt::format("the key of {} has an odd number of hex digits", alg));
    crypto::SecureBuffer key(digits / 2);
    if (!decode_hex(std::string_view(t).substr(2), key.span()))
        c.fail(w, fmt::format("the key of {} has a character that is not a hex digit", alg));
    return key;
}

// Key length rules per -E algorithm; sets the AES key bits.
void check_encr_key(const Cursor& c, const Word& at, std::string_view name, ManualSa& sa) {
    const std::size_t n = sa.encr_key.size();
    switch (sa.algorithm.encr_id) {
        case ike::encr::kAesCbc:
            if (n != 16 && n != 24 && n != 32) {
                c.fail(at, fmt::format("-E {} takes a 128, 192 or 256-bit key, got {} bits", name, n * 8));
            }
            sa.algorithm.encr_key_bits = static_cast<std::uint16_t>(n * 8);
            return;
        case ike::encr::kAesGcm16:
            if (n != 20 && n != 28 && n != 36) {
                c.fail(at, fmt::format("-E {} takes a 128, 192 or 256-bit key followed by a 32-bit salt (160, 224 or "
                                       "288 bits), got {} bits",
                                       name, n * 8));
            }
            sa.algorithm.encr_key_bits = static_cast<std::uint16_t>((n - 4) * 8);
            return;
        case ike::encr::k3Des:
            if (n != 24) c.fail(at, fmt::format("-E {} takes a 192-bit key, got {} bits", name, n * 8));
            sa.algorithm.encr_key_bits = 0;
            return;
        default: sa.algorithm.encr_key_bits = 0; return;
    }
}

void parse_encr(Cursor& c, const Word& opt, ManualSa& sa) {
    const Word& name = c.next("an encryption algorithm after -E");
    if (std::find(std::begin(kRefusedCiphers), std::end(kRefusedCiphers), name.text) != std::end(kRefusedCiphers)) {
        c.fail(name, fmt::format("-E {} is not supported (weak or not implemented), expected aes-cbc, aes-gcm-16, "
                                 "3des-cbc or null",
                                 name.text));
    }
    auto it = std::find_if(std::begin(kCiphers), std::end(kCiphers), [&](const Cipher& x) { return x.name == name.text; });
    if (it == std::end(kCiphers)) {
        c.fail(name, fmt::format("'{}' is not an encryption algorithm, expected aes-cbc, rijndael-cbc, aes-gcm-16, "
                                 "3des-cbc or null",
                                 name.text));
    }
    sa.algorithm.encr_id = it->id;
    if (it->id != ike::encr::kNull) sa.encr_key = parse_key(c, c.next("the key of -E " + name.text), name.text);
    check_encr_key(c, opt, name.text, sa);
}

void parse_integ(Cursor& c, ManualSa& sa) {
    const Word& name = c.next("an authentication algorithm after -A");
    if (name.text.starts_with("keyed-") ||
        std::find(std::begin(kRefusedIntegs), std::end(kRefusedIntegs), name.text) != std::end(kRefusedIntegs)) {
        c.fail(name, fmt::format("-A {} is not supported (weak or not implemented), expected hmac-sha1, hmac-sha256, "
                                 "hmac-sha384, hmac-sha512 or null",
                                 name.text));
    }
    auto it = std::find_if(std::begin(kIntegs), std::end(kIntegs), [&](const Cipher& x) { return x.name == name.text; });
    if (it == std::end(kIntegs)) {
        c.fail(name, fmt::format("'{}' is not an authentication algorithm, expected hmac-sha1, hmac-sha256, "
                                 "hmac-sha384, hmac-sha512 or null",
                                 name.text));
    }
    sa.algorithm.integ_id = it->id;
    if (it->id == ike::integ::kNone) return;
    const Word& kw = c.next("the key of -A " + name.text);
    sa.integ_key = parse_key(c, kw, name.text);
    const std::size_t want = integ_key_bytes(it->id);
    if (sa.integ_key.size() != want) {
        c.fail(kw, fmt::format("-A {} takes a {}-bit key, got {} bits", name.text, want * 8, sa.integ_key.size() * 8));
    }
}

std::uint32_t parse_spi(const Cursor& c, const Word& w) {
    const std::string& t = w.text;
    std::uint64_t v = 0;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        if (t.size() > 10 || t.find_first_not_of("0123456789abcdefABCDEF", 2) != std::string::npos) {
            c.fail(w, fmt::format("'{}' is not an SPI, expected a decimal or 0x hex number of at most 32 bits", t));
        }
        v = std::stoull(t.substr(2), nullptr, 16);
    } else {
        v = parse_number(c, w, 0, 0xffffffffULL, "an SPI (a decimal or 0x hex number of at most 32 bits)");
    }
    if (v < 256) c.fail(w, fmt::format("SPI {} is reserved (0..255), expected 256 or more", t));
    return static_cast<std::uint32_t>(v);
}

void skip_family_flags(Cursor& c) {
    // -4 / -n (numeric, no DNS) change nothing for IPv4 literals; -6 would.
    while (const Word* w = c.peek()) {
        if (w->text == "-4" || w->text == "-n") c.next("");
        else if (w->text == "-6") c.fail(*w, "-6 (IPv6) is not supported here, expected IPv4 addresses");
        else break;
    }
}

// The extensions setkey allows between the SPI and the algorithms, in any order.
bool parse_extension(Cursor& c, const Word& opt, SetkeySa& out) {
    const std::string& o = opt.text;
    if (o == "-m") {
        const Word& m = c.next("a mode after -m");
        if (m.text == "transport") {
            c.fail(m, "-m transport is not supported: ESP over a TUN device is tunnel mode only, expected -m tunnel");
        }
        if (m.text != "tunnel" && m.text != "any") c.fail(m, fmt::format("'{}' is not a mode, expected tunnel", m.text));
    } else if (o == "-r") {
        // Linux counts the window in packets (the setkey man page says bytes, as KAME did).
        out.sa.replay_window = static_cast<std::uint32_t>(
            parse_number(c, c.next("a window size after -r"), 0, 65536, "a replay window (0..65536 packets)"));
    } else if (o == "-u") {
        out.reqid = static_cast<std::uint32_t>(
            parse_number(c, c.next("a reqid after -u"), 1, 0x3fff, "a reqid (1..16383)"));
    } else if (o == "-f") {
        // Padding and sequence options: our ESP always pads 1, 2, 3 ... (RFC 4303 §2.4)
        // and never cycles the sequence number, which is what a receiver checks.
        const Word& f = c.next("a flag after -f");
        if (f.text != "zero-pad" && f.text != "random-pad" && f.text != "seq-pad" && f.text != "nocyclic-seq" &&
            f.text != "cyclic-seq") {
            c.fail(f, fmt::format("'{}' is not a -f flag, expected seq-pad, zero-pad, random-pad or nocyclic-seq",
                                  f.text));
        }
    } else if (o == "-lh" || o == "-ls" || o == "-bh" || o == "-bs") {
        std::uint64_t v = parse_number(c, c.next("a number after " + o), 0, 1ULL << 62, "a count (seconds or bytes)");
        (o == "-lh" ? out.hard_seconds : o == "-ls" ? out.soft_seconds : o == "-bh" ? out.hard_bytes : out.soft_bytes) = v;
    } else if (o == "-ctx") {
        c.fail(opt, "-ctx (security context labels) is not supported");
    } else if (o == "-C") {
        c.fail(opt, "-C (IPComp compression) is not supported");
    } else {
        return false;
    }
    return true;
}

void check_algorithms(const Cursor& c, const SetkeySa& out, bool had_encr) {
    const ManualSa& sa = out.sa;
    if (!had_encr) c.fail("an esp SA needs -E ALGORITHM KEY (use -E null for integrity only)");
    const bool integ = sa.algorithm.integ_id != ike::integ::kNone;
    if (sa.algorithm.encr_id == ike::encr::kAesGcm16 && integ) {
        c.fail("-E aes-gcm-16 authenticates itself, expected no -A (or -A null)");
    }
    if (sa.algorithm.encr_id == ike::encr::kNull && !integ) c.fail("-E null with no -A protects nothing, expected -A");
    if (!is_aead(sa.algorithm.encr_id) && sa.algorithm.encr_id != ike::encr::kNull && !integ) {
        // RFC 4303 allows it, but unauthenticated CBC is open to active attacks.
        c.fail("-E without -A: encryption with no integrity check is refused, expected -A hmac-sha256 KEY");
    }
}

}  // namespace

SetkeySa parse_add(Cursor& c) {
    SetkeySa out;
    out.origin = c.origin();
    skip_family_flags(c);
    out.src = parse_endpoint(c, c.next("the source address"));
    out.dst = parse_endpoint(c, c.next("the destination address"));
    out.udp_encap = parse_protocol(c, c.next("the protocol (esp)"));
    out.sa.spi = parse_spi(c, c.next("the SPI"));
    out.sa.algorithm = EspAlgorithm{ike::encr::kNull, 0, ike::integ::kNone};
    bool had_encr = false, had_integ = false;
    while (!c.done()) {
        const Word& opt = c.next("");
        if (parse_extension(c, opt, out)) continue;
        if (opt.text == "-E") {
            if (had_encr) c.fail(opt, "-E given twice, expected one encryption algorithm");
            parse_encr(c, opt, out.sa);
            had_encr = true;
        } else if (opt.text == "-A") {
            if (had_integ) c.fail(opt, "-A given twice, expected one authentication algorithm");
            parse_integ(c, out.sa);
            had_integ = true;
        } else {
            c.fail(opt, fmt::format("unexpected '{}' in 'add', expected -m, -r, -u, -f, -lh, -ls, -bh, -bs, -E or -A",
                                    opt.text));
        }
    }
    check_algorithms(c, out, had_encr);
    if (out.udp_encap) {
        // RFC 3948: ESP in UDP goes to 4500 unless the statement names the NAT's port.
        if (!out.src.port) out.src.port = 4500;
        if (!out.dst.port) out.dst.port = 4500;
    }
    return out;
}

SaSelector parse_delete(Cursor& c, bool all) {
    SaSelector s;
    skip_family_flags(c);
    s.src = parse_endpoint(c, c.next("the source address"));
    s.dst = parse_endpoint(c, c.next("the destination address"));
    parse_protocol(c, c.next("the protocol (esp)"));
    if (!all) s.spi = parse_spi(c, c.next("the SPI"));
    c.expect_end();
    return s;
}

}  // namespace vpn::ipsec::manual
