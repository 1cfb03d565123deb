// Rows for TLS mode's identity and transport: the roles (tls-server, tls-client,
// client, pull), the PEM files (ca, cert, key, dh, crl-verify), control-channel
// wrapping (tls-auth, tls-crypt) and the client's credentials (auth-user-pass,
// push-peer-info).  Meanings and arities follow OpenVPN 2.6 options.c (add_option,
// helper_client_server).  Only parsed: the runtime refuses TLS mode for now.
//
// Two kinds of TLS directives, as 2.6 tells them apart after parsing
// (options_postprocess_verify_ce, MUST_BE_UNDEF): "only" ones are an error without
// tls-client/tls-server; "lenient" ones (data-ciphers, tls-version-*, tls-groups,
// peer-fingerprint) are accepted and have no effect there (validate_tls.cpp).
#include <fmt/format.h>

#include <algorithm>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"

namespace vpn::config {

void note_tls_directive(ParseContext& c, const Directive& d, TlsKind kind) {
    if (!c.opts.first_tls_directive) c.opts.first_tls_directive = d.origin;
    auto& slot = kind == TlsKind::Only ? c.state.tls_only : c.state.tls_lenient;
    if (kind != TlsKind::Role && !slot) slot = std::pair{d.name, d.origin};
}

namespace {

void drop_pending(ParseContext& c, const std::string& name) {
    std::erase_if(c.state.inline_pending, [&](const auto& p) { return p.first == name; });
}

}  // namespace

void set_file_source(ParseContext& c, const Directive& d, std::optional<KeySource>& dst) {
    if (d.inline_text) {
        if (d.inline_text->find_first_not_of(" \t\r\n") == std::string::npos) {
            fail(d.origin, fmt::format("'{}': empty <{}> block, expected its content between <{}> and </{}>",
                                       d.name, d.name, d.name, d.name));
        }
        dst = KeySource{"", *d.inline_text, d.origin};
        drop_pending(c, d.name);
        return;
    }
    const std::string& a = d.args[0];
    if (a == "[inline]") {
        if (dst && dst->inline_text) return;  // the block came first
        dst = KeySource{"", std::nullopt, d.origin};
        drop_pending(c, d.name);
        c.state.inline_pending.emplace_back(d.name, d.origin);
        return;
    }
    if (a.empty()) fail(d.origin, fmt::format("'{}': empty file name, expected a file or [inline]", d.name));
    dst = KeySource{resolve_path(c.state.base_dir, a), std::nullopt, d.origin};
    drop_pending(c, d.name);
}

namespace {

void set_role(ParseContext& c, const Directive& d, bool server) {
    note_tls_directive(c, d, TlsKind::Role);
    (server ? c.opts.tls.server : c.opts.tls.client) = true;
    if (!c.state.tls_role) {
        c.state.tls_role = std::pair{d.name, d.origin};
        c.state.tls_role_after_secret = c.opts.secret.has_value();
    } else if (c.opts.tls.server && c.opts.tls.client && !c.state.role_conflict) {
        c.state.role_conflict = std::pair{d.name, d.origin};
    }
}

void set_pull(ParseContext& c, const Directive& d) {
    c.opts.tls.pull = true;
    if (!c.state.pull) c.state.pull = std::pair{d.name, d.origin};
}

void parse_tls_server(ParseContext& c, const Directive& d) { set_role(c, d, true); }
void parse_tls_client(ParseContext& c, const Directive& d) { set_role(c, d, false); }

void parse_client(ParseContext& c, const Directive& d) {
    // options.c: helper_client_server -- `client` is tls-client plus pull.
    set_role(c, d, false);
    set_pull(c, d);
}

void parse_pull(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    set_pull(c, d);
}

void parse_ca(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    set_file_source(c, d, c.opts.tls.ca);
}

void parse_cert(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    set_file_source(c, d, c.opts.tls.cert);
}

void parse_key(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    set_file_source(c, d, c.opts.tls.key);
}

void parse_dh(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    if (!d.inline_text && d.args[0] == "none") {
        c.opts.tls.dh.reset();
        drop_pending(c, d.name);
        return;
    }
    set_file_source(c, d, c.opts.tls.dh);
}

void parse_crl_verify(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    if (d.args.size() > 1) {
        if (d.args[1] == "dir") {
            fail(d.origin, "'crl-verify DIR dir' (a directory of CRLs) is not supported yet, expected "
                           "'crl-verify FILE'");
        }
        fail(d.origin, fmt::format("'crl-verify': {} is not a mode, expected dir or no second argument",
                                   shown(d.args[1])));
    }
    set_file_source(c, d, c.opts.tls.crl_verify);
}

void parse_tls_auth(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    if (d.args.size() > 1) {
        // crypto.c: ascii2keydirection; the same setting as key-direction.
        if (d.args[1] == "0") c.opts.key_direction = KeyDirection::Normal;
        else if (d.args[1] == "1") c.opts.key_direction = KeyDirection::Inverse;
        else fail(d.origin, fmt::format("'tls-auth': {} is not a key direction, expected 0 or 1", shown(d.args[1])));
    }
    set_file_source(c, d, c.opts.tls.tls_auth);
    if (c.opts.tls.tls_crypt && !c.state.wrap_conflict) c.state.wrap_conflict = d.origin;
}

void parse_tls_crypt(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    set_file_source(c, d, c.opts.tls.tls_crypt);
    if (c.opts.tls.tls_auth && !c.state.wrap_conflict) c.state.wrap_conflict = d.origin;
}

void parse_auth_user_pass(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    if (!d.inline_text && (d.args.empty() || d.args[0] == "stdin")) {
        // options.c: no file, or the word "stdin", means ask on the terminal.
        c.opts.tls.auth_user_pass = KeySource{"", std::nullopt, d.origin};
        c.opts.tls.auth_user_pass_stdin = true;
        drop_pending(c, d.name);
        return;
    }
    c.opts.tls.auth_user_pass_stdin = false;
    set_file_source(c, d, c.opts.tls.auth_user_pass);
}

void parse_push_peer_info(ParseContext& c, const Directive& d) {
    note_tls_directive(c, d, TlsKind::Only);
    c.opts.tls.push_peer_info = true;
}


constexpr DirectiveSpec kRows[] = {
    {"tls-server", 0, 0, "", "", "TLS server role", parse_tls_server},
    {"tls-client", 0, 0, "", "", "TLS client role", parse_tls_client},
    {"client", 0, 0, "", "", "tls-client plus pull", parse_client},
    {"pull", 0, 0, "", "", "accept options pushed by the server", parse_pull},
    {"ca", 1, 1, "FILE|[inline]", "CA certificate file or [inline]", "CA certificates (PEM), or a <ca> block", parse_ca, Support::Supported, kInlineOk},
    {"cert", 1, 1, "FILE|[inline]", "certificate file or [inline]", "this side's certificate (PEM), or a <cert> block", parse_cert, Support::Supported, kInlineOk},
    {"key", 1, 1, "FILE|[inline]", "private key file or [inline]", "this side's private key (PEM), or a <key> block", parse_key, Support::Supported, kInlineOk},
    {"dh", 1, 1, "FILE|none", "DH parameters file or none", "DH parameters for a server (TLS 1.2 DHE suites); none or absent: ECDHE only", parse_dh, Support::Supported, kInlineOk},
    {"crl-verify", 1, 2, "FILE", "CRL file", "refuse peer certificates revoked by this CRL (PEM)", parse_crl_verify, Support::Supported, kInlineOk},
    {"tls-auth", 1, 2, "FILE|[inline] [0|1]", "key file (or [inline]) and optional key direction 0 or 1", "HMAC-authenticate the control channel (2nd argument: key-direction)", parse_tls_auth, Support::Supported, kInlineOk},
    {"tls-crypt", 1, 1, "FILE|[inline]", "key file or [inline]", "encrypt and authenticate the control channel", parse_tls_crypt, Support::Supported, kInlineOk},
    {"auth-user-pass", 0, 1, "[FILE|[inline]]", "file (or [inline]) with username and password lines", "send a username and password (no FILE: ask)", parse_auth_user_pass, Support::Supported, kInlineOk},
    {"push-peer-info", 0, 0, "", "", "accepted for compatibility: a pull client always sends its IV_ variables (no extra detail)", parse_push_peer_info},
};


}  // namespace

std::span<const DirectiveSpec> tls_directives() { return kRows; }

}  // namespace vpn::config
