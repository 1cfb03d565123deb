#include "ipsec/ike/psk_file.hpp"

#include <algorithm>
#include "common/util/hex.hpp"

namespace vpn::ike {

namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

// Decoded straight into the SecureBuffer: no std::string copy of the secret.
Outcome<crypto::SecureBuffer> decode_secret(std::string_view s) {
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        if (s.empty() || s.size() % 2) return Failure{"hex secret must have an even, non-zero number of digits"};
        crypto::SecureBuffer out(s.size() / 2);
        if (!decode_hex(s, out.span())) return Failure{"hex secret contains a non-hex character"};
        return out;
    }
    return crypto::SecureBuffer(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

struct Line {
    std::size_t number;
    std::string_view text;
};

}  // namespace

Outcome<PskFile> PskFile::parse(std::string_view text, const std::string& name) {
    std::vector<Line> lines;
    for (std::size_t pos = 0, number = 1;; ++number) {
        auto nl = text.find('\n', pos);
        std::string_view t = trim(text.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
        if (!t.empty() && t.front() != '#') lines.push_back({number, t});
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    auto fail = [&](std::size_t line, const std::string& why) {
        return Failure{name + ":" + std::to_string(line) + ": " + why};
    };
    if (lines.empty()) return Failure{name + ": no pre-shared key"};

    PskFile f;
    bool one_word = lines.size() == 1 &&
                    std::none_of(lines[0].text.begin(), lines[0].text.end(), [](char c) { return blank(c); });
    if (one_word) {
        auto secret = decode_secret(lines[0].text);
        if (!secret) return fail(lines[0].number, secret.error());
        f.entries_.push_back({std::nullopt, secret.take(), lines[0].number});
        f.single_ = true;
        return f;
    }
    for (const auto& l : lines) {
        std::size_t ws = 0;
        while (ws < l.text.size() && !blank(l.text[ws])) ++ws;
        std::string_view id_text = l.text.substr(0, ws);
        std::string_view secret_text = trim(l.text.substr(ws));
        if (secret_text.empty()) return fail(l.number, "secret missing for '" + std::string(id_text) + "'");
        std::optional<Identity> id;
        if (id_text != "*") {
            auto parsed = parse_identity(id_text);
            if (!parsed) return fail(l.number, "bad ID '" + std::string(id_text) + "': " + parsed.error());
            if (parsed->type == IdType::DerAsn1Dn)
                return fail(l.number, "ID '" + std::string(id_text) + "': a DN cannot be used in a PSK file");
            id = parsed.take();
        }
        for (const auto& e : f.entries_) {
            bool same = (!e.id && !id) || (e.id && id && identity_matches(*e.id, *id));
            if (same)
                return fail(l.number,
                            "duplicate entry for '" + std::string(id_text) + "' (line " + std::to_string(e.line) + ")");
        }
        auto secret = decode_secret(secret_text);
        if (!secret) return fail(l.number, secret.error());
        f.entries_.push_back({std::move(id), secret.take(), l.number});
    }
    return f;
}

const crypto::SecureBuffer* PskFile::find(const Identity& peer) const {
    const crypto::SecureBuffer* fallback = nullptr;
    for (const auto& e : entries_) {
        if (!e.id)
            fallback = &e.secret;
        else if (identity_matches(*e.id, peer))
            return &e.secret;
    }
    return fallback;
}

}  // namespace vpn::ike
