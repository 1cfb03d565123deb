// Rows for the static-key data channel and compression.  Meanings follow OpenVPN
// 2.6 options.c (secret, key-direction, replay-window, comp-lzo, compress,
// allow-compression); the cipher and digest names are checked by the crypto layer.
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"

namespace vpn::config {
namespace {

KeyDirection direction_arg(const Directive& d, std::size_t i) {
    // crypto.c: ascii2keydirection accepts exactly "0" and "1".
    if (d.args[i] == "0") return KeyDirection::Normal;
    if (d.args[i] == "1") return KeyDirection::Inverse;
    fail(d.origin, fmt::format("'{}': {} is not a key direction, expected 0 or 1", d.name, shown(d.args[i])));
}

void parse_secret(ParseContext& c, const Directive& d) {
    if (d.inline_text) {
        c.opts.secret = KeySource{"", *d.inline_text, d.origin};
        c.state.secret_pending_inline.reset();
        return;
    }
    if (d.args.size() > 1) c.opts.key_direction = direction_arg(d, 1);
    if (d.args[0] == "[inline]") {
        // The key is (or will be) in a <secret> block of this config.
        if (c.opts.secret && c.opts.secret->inline_text) return;
        c.opts.secret = KeySource{"", std::nullopt, d.origin};
        c.state.secret_pending_inline = d.origin;
        return;
    }
    if (d.args[0].empty()) fail(d.origin, "'secret': empty file name, expected a key file or [inline]");
    c.opts.secret = KeySource{resolve_path(c.state.base_dir, d.args[0]), std::nullopt, d.origin};
    c.state.secret_pending_inline.reset();
}

void parse_key_direction(ParseContext& c, const Directive& d) { c.opts.key_direction = direction_arg(d, 0); }

std::string name_arg(const Directive& d) {
    if (d.args[0].empty()) fail(d.origin, fmt::format("'{}': empty name, expected an algorithm name", d.name));
    return d.args[0];
}

void parse_cipher(ParseContext& c, const Directive& d) {
    c.opts.cipher = name_arg(d);
    c.opts.cipher_set = true;
    c.opts.cipher_origin = d.origin;
}

void parse_auth(ParseContext& c, const Directive& d) {
    c.opts.auth = name_arg(d);
    c.opts.auth_origin = d.origin;
}

void parse_replay_window(ParseContext& c, const Directive& d) {
    // packet_id.h: MIN/MAX_SEQ_BACKTRACK 0..65536, MIN/MAX_TIME_BACKTRACK 0..600
    c.opts.replay_window = int_arg(d, 0, 0, 65536, "a window size (0..65536 packets)");
    if (d.args.size() > 1) c.opts.replay_window_seconds = int_arg(d, 1, 0, 600, "a time window (0..600 seconds)");
    c.opts.replay_window_origin = d.origin;
}

void parse_no_replay(ParseContext&, const Directive& d) {
    fail(d.origin, "no-replay is refused: it disables replay protection");
}

void parse_mute_replay(ParseContext& c, const Directive&) { c.opts.mute_replay_warnings = true; }

void parse_comp_lzo(ParseContext& c, const Directive& d) {
    CompLzo mode = CompLzo::Adaptive;  // no argument = adaptive
    if (!d.args.empty()) {
        const std::string& a = d.args[0];
        if (a == "yes") mode = CompLzo::Yes;
        else if (a == "no") mode = CompLzo::No;
        else if (a == "adaptive") mode = CompLzo::Adaptive;
        else fail(d.origin, fmt::format("'comp-lzo': {} is not a mode, expected yes, no or adaptive", shown(a)));
    }
    // comp-lzo and compress set the same thing in OpenVPN: the later one wins.
    c.opts.comp_lzo = mode;
    c.opts.compress_lzo = false;
    c.state.compression = d.origin;
}

void parse_compress(ParseContext& c, const Directive& d) {
    if (d.args.empty()) {
        fail(d.origin, "compress without an algorithm (stub framing) is not supported; use comp-lzo or compress lzo");
    }
    const std::string& alg = d.args[0];
    if (alg == "lzo") {
        c.opts.compress_lzo = true;
        c.opts.comp_lzo = CompLzo::Absent;
        c.state.compression = d.origin;
        return;
    }
    if (alg == "lz4" || alg == "lz4-v2" || alg == "stub" || alg == "stub-v2" || alg == "migrate") {
        fail(d.origin, fmt::format("compress {} is not supported; use comp-lzo or compress lzo", alg));
    }
    fail(d.origin, fmt::format("'compress': {} is not a compression algorithm, expected lzo", shown(alg)));
}

void parse_allow_compression(ParseContext& c, const Directive& d) {
    const std::string& a = d.args[0];
    AllowCompression v;
    if (a == "no") v = AllowCompression::No;
    else if (a == "asym") v = AllowCompression::Asym;
    else if (a == "yes") v = AllowCompression::Yes;
    else fail(d.origin, fmt::format("'allow-compression': {} is not a mode, expected no, asym or yes", shown(a)));
    // options.c refuses to loosen the setting once it was "no".
    if (c.opts.allow_compression == AllowCompression::No && v != AllowCompression::No) {
        fail(d.origin, fmt::format("'allow-compression {}' after 'allow-compression no' at {}, expected "
                                   "a single allow-compression setting", a, c.state.allow_compression->str()));
    }
    c.opts.allow_compression = v;
    c.state.allow_compression = d.origin;
}

constexpr DirectiveSpec kRows[] = {
    {"secret", 1, 2, "FILE|[inline] [0|1]", "key file (or [inline]) and optional key direction 0 or 1", "static key file, or a <secret> block; the 2nd argument is the key direction", parse_secret, Support::Supported, kInlineOk},
    {"key-direction", 1, 1, "0|1", "0 or 1", "which halves of the static key this side uses (the peer uses the other)", parse_key_direction},
    {"cipher", 1, 1, "NAME", "cipher name", "data channel cipher (static key default BF-CBC)", parse_cipher},
    {"auth", 1, 1, "NAME", "digest name", "HMAC digest (default SHA1)", parse_auth},
    {"replay-window", 1, 2, "N [T]", "window size 0..65536 and optional seconds 0..600", "replay window of N packets and T seconds (default 64 15)", parse_replay_window},
    {"no-replay", 0, 0, "", "", "refused: it disables replay protection", parse_no_replay},
    {"mute-replay-warnings", 0, 0, "", "", "do not log replayed packets", parse_mute_replay},
    {"comp-lzo", 0, 1, "[yes|no|adaptive]", "yes, no or adaptive", "LZO compression framing (no argument = adaptive)", parse_comp_lzo},
    {"compress", 0, 1, "lzo", "lzo", "LZO compression framing (only lzo is supported)", parse_compress},
    {"allow-compression", 1, 1, "no|asym|yes", "no, asym or yes", "whether sent packets may be compressed (default asym with compression)", parse_allow_compression},
};

}  // namespace

std::span<const DirectiveSpec> crypto_directives() { return kRows; }

}  // namespace vpn::config
