#include "ipsec/config/proposal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "ipsec/config/config_fail.hpp"
#include "ipsec/config/esp_algorithms.hpp"

namespace vpn::ipsec {
namespace {

using ike::TransformType;

struct Keyword {
    std::string_view name;
    Transform t;
};

constexpr Transform encr(std::uint16_t id, std::uint16_t bits = 0) { return {TransformType::Encr, id, bits}; }
constexpr Transform integ(std::uint16_t id) { return {TransformType::Integ, id, 0}; }
constexpr Transform prf(std::uint16_t id) { return {TransformType::Prf, id, 0}; }
constexpr Transform dh(std::uint16_t id) { return {TransformType::Dh, id, 0}; }

// strongSwan's proposal_keywords for what we implement.  "gcm128" names the ICV in
// bits and plain "gcm" is strongSwan's shorthand for the 16-byte ICV.
constexpr Keyword kKeywords[] = {
    {"aes128", encr(ike::encr::kAesCbc, 128)},
    {"aes192", encr(ike::encr::kAesCbc, 192)},
    {"aes256", encr(ike::encr::kAesCbc, 256)},
    {"aes128gcm16", encr(ike::encr::kAesGcm16, 128)},
    {"aes128gcm128", encr(ike::encr::kAesGcm16, 128)},
    {"aes128gcm", encr(ike::encr::kAesGcm16, 128)},
    {"aes192gcm16", encr(ike::encr::kAesGcm16, 192)},
    {"aes192gcm128", encr(ike::encr::kAesGcm16, 192)},
    {"aes192gcm", encr(ike::encr::kAesGcm16, 192)},
    {"aes256gcm16", encr(ike::encr::kAesGcm16, 256)},
    {"aes256gcm128", encr(ike::encr::kAesGcm16, 256)},
    {"aes256gcm", encr(ike::encr::kAesGcm16, 256)},
    {"3des", encr(ike::encr::k3Des)},
    {"chacha20poly1305", encr(ike::encr::kChaCha20Poly1305)},
    {"sha1", integ(ike::integ::kHmacSha1_96)},
    {"sha", integ(ike::integ::kHmacSha1_96)},
    {"sha256", integ(ike::integ::kHmacSha256_128)},
    {"sha2_256", integ(ike::integ::kHmacSha256_128)},
    {"sha384", integ(ike::integ::kHmacSha384_192)},
    {"sha2_384", integ(ike::integ::kHmacSha384_192)},
    {"sha512", integ(ike::integ::kHmacSha512_256)},
    {"sha2_512", integ(ike::integ::kHmacSha512_256)},
    {"prfsha1", prf(ike::prf::kHmacSha1)},
    {"prfsha256", prf(ike::prf::kHmacSha256)},
    {"prfsha384", prf(ike::prf::kHmacSha384)},
    {"prfsha512", prf(ike::prf::kHmacSha512)},
    {"modp2048", dh(ike::dh::kModp2048)},
    {"modp3072", dh(ike::dh::kModp3072)},
    {"modp4096", dh(ike::dh::kModp4096)},
    {"ecp256", dh(ike::dh::kEcp256)},
    {"ecp384", dh(ike::dh::kEcp384)},
    {"ecp521", dh(ike::dh::kEcp521)},
    {"x25519", dh(ike::dh::kCurve25519)},
    {"curve25519", dh(ike::dh::kCurve25519)},
    {"esn", {TransformType::Esn, ike::esn::kYes, 0}},
    {"noesn", {TransformType::Esn, ike::esn::kNo, 0}},
};

// Keywords strongSwan knows that we deliberately do not implement (weak, or not in
// RFC 8221/8247's recommended sets): a clearer message than "unknown".
constexpr std::string_view kRefused[] = {
    "des",        "blowfish",    "cast128",     "md5",         "prfmd5",     "modp768",     "modp1024",
    "modp1536",   "modp1024s160", "modp2048s224", "modp2048s256", "aesxcbc", "prfaesxcbc", "aescmac",
    "prfaescmac", "aes128ccm16", "aes256ccm16", "aes128ctr",   "aes256ctr",  "camellia128", "camellia256",
    "x448",       "curve448",    "ecp224",      "ecp192",      "null",       "sha256_96",   "aes",
};

// strongSwan: proposal.c -- with a classic cipher and no PRF, each integrity
// algorithm brings the PRF of the same hash.
std::uint16_t prf_for_integ(std::uint16_t integ_id) {
    switch (integ_id) {
        case ike::integ::kHmacSha1_96: return ike::prf::kHmacSha1;
        case ike::integ::kHmacSha256_128: return ike::prf::kHmacSha256;
        case ike::integ::kHmacSha384_192: return ike::prf::kHmacSha384;
        default: return ike::prf::kHmacSha512;
    }
}

class ProposalParser {
public:
    ProposalParser(ProposalKind kind, const config::Origin& where, std::string_view directive)
        : kind_(kind), where_(where), directive_(directive) {}

    Proposal parse(std::string_view text) {
        text_ = text;
        Proposal p;
        p.text = std::string(text);
        std::size_t pos = 0;
        while (true) {
            std::size_t dash = text.find('-', pos);
            std::string_view word = text.substr(pos, dash == std::string_view::npos ? text.npos : dash - pos);
            add(p, word);
            if (dash == std::string_view::npos) break;
            pos = dash + 1;
        }
        settle(p);
        return p;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        fail_at(where_, fmt::format("'{}': proposal '{}': {}", directive_, text_, what));
    }

    void add(Proposal& p, std::string_view word) {
        if (word.empty()) fail("an empty algorithm (two '-' in a row, or one at an end)");
        std::string lower(word);
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        auto kw = std::find_if(std::begin(kKeywords), std::end(kKeywords), [&](const Keyword& k) { return k.name == lower; });
        if (kw == std::end(kKeywords)) {
            if (std::find(std::begin(kRefused), std::end(kRefused), lower) != std::end(kRefused)) {
                fail(fmt::format("'{}' is not supported (weak or not implemented here)", word));
            }
            fail(fmt::format("unknown algorithm '{}', expected e.g. aes256gcm16, aes256, sha256, prfsha256, x25519",
                             word));
        }
        const Transform& t = kw->t;
        if (kind_ == ProposalKind::Esp && t.type == TransformType::Prf) {
            fail(fmt::format("'{}' is a PRF, which only IKE proposals take", word));
        }
        if (kind_ == ProposalKind::Ike && t.type == TransformType::Esn) {
            fail(fmt::format("'{}' is an ESP option, which IKE proposals do not take", word));
        }
        if (std::find(p.transforms.begin(), p.transforms.end(), t) == p.transforms.end()) p.transforms.push_back(t);
    }

    void settle(Proposal& p) {
        auto encrs = p.of(TransformType::Encr);
        if (encrs.empty()) fail("no encryption algorithm, expected e.g. aes256gcm16 or aes256");
        const auto aeads = std::count_if(encrs.begin(), encrs.end(), [](const Transform& t) { return is_aead(t.id); });
        const bool aead = aeads > 0;
        if (aead && aeads != static_cast<long>(encrs.size())) {
            fail("AEAD and classic ciphers mixed, expected them in separate proposals");
        }
        auto integs = p.of(TransformType::Integ);
        if (aead && !integs.empty()) {
            fail(fmt::format("integrity '{}' with an AEAD cipher (it authenticates itself), expected no integrity "
                             "algorithm",
                             transform_name(TransformType::Integ, integs.front().id)));
        }
        if (!aead && integs.empty()) fail("a classic cipher without integrity, expected e.g. sha256");
        if (kind_ == ProposalKind::Ike) {
            if (p.of(TransformType::Prf).empty()) {
                if (aead) fail("an AEAD cipher without a PRF, expected e.g. prfsha256");
                for (const Transform& i : integs) {
                    Transform t = prf(prf_for_integ(i.id));
                    if (std::find(p.transforms.begin(), p.transforms.end(), t) == p.transforms.end()) {
                        p.transforms.push_back(t);
                    }
                }
            }
            if (p.of(TransformType::Dh).empty()) fail("no Diffie-Hellman group, expected e.g. x25519 or modp2048");
        } else if (p.of(TransformType::Esn).empty()) {
            p.transforms.push_back({TransformType::Esn, ike::esn::kNo, 0});
        }
        std::stable_sort(p.transforms.begin(), p.transforms.end(), [](const Transform& a, const Transform& b) {
            return static_cast<int>(a.type) < static_cast<int>(b.type);
        });
    }

    ProposalKind kind_;
    const config::Origin& where_;
    std::string_view directive_;
    std::string_view text_;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::vector<Transform> Proposal::of(ike::TransformType type) const {
    std::vector<Transform> v;
    for (const Transform& t : transforms) {
        if (t.type == type) v.push_back(t);
    }
    return v;
}

std::vector<Proposal> parse_proposals(std::string_view list, ProposalKind kind, const config::Origin& where,
                                      std::string_view directive) {
    ProposalParser parser(kind, where, directive);
    std::vector<Proposal> out;
    std::size_t pos = 0;
    while (true) {
        std::size_t comma = list.find(',', pos);
        std::string_view one = trim(list.substr(pos, comma == std::string_view::npos ? list.npos : comma - pos));
        if (one.empty()) {
            fail_at(where, fmt::format("'{}': an empty proposal (two ',' in a row, or one at an end), expected "
                                       "proposals such as aes256gcm16-prfsha256-x25519",
                                       directive));
        }
        out.push_back(parser.parse(one));
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return out;
}

std::string proposal_name(const Proposal& p) {
    std::string s;
    for (const Transform& t : p.transforms) {
        if (!s.empty()) s += '-';
        s += transform_name(t.type, t.id, t.key_bits);
    }
    return s;
}

}  // namespace vpn::ipsec
