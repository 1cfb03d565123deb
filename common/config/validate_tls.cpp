// Cross-directive rules of TLS mode, as OpenVPN 2.6 checks them after parsing
// (options.c: options_postprocess_verify_ce "SSL/TLS mode sanity checks",
// check_ca_required, options_postprocess_mutate; the MUST_BE_UNDEF list).
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/validate.hpp"

namespace vpn::config {
namespace {

void emit(const WarningSink& warn, const Origin& where, const std::string& what) {
    if (warn) warn(fmt::format("{}: {}", where.str(), what));
}

// "specify only one of --tls-server, --tls-client, or --secret": named at whichever
// came second.
void check_roles(const Options& o, const LoadState& st) {
    if (st.role_conflict) {
        fail(st.role_conflict->second,
             fmt::format("'{}' conflicts with '{}' at {}, expected one TLS role: tls-server, or tls-client/client",
                         st.role_conflict->first, st.tls_role->first, st.tls_role->second.str()));
    }
    if (o.secret && st.tls_role) {
        const auto& [role, role_at] = *st.tls_role;
        if (st.tls_role_after_secret) {
            fail(role_at, fmt::format("secret cannot be used with TLS mode: '{}' here, 'secret' at {}; expected "
                                      "either a static key or TLS",
                                      role, o.secret->origin.str()));
        }
        fail(o.secret->origin, fmt::format("secret cannot be used with TLS mode: 'secret' here, '{}' at {}; "
                                           "expected either a static key or TLS",
                                           role, role_at.str()));
    }
}

void check_pending_inline(const LoadState& st) {
    if (st.inline_pending.empty()) return;
    const auto& [name, at] = st.inline_pending.front();
    fail(at, fmt::format("'{} [inline]' has no <{}> block, expected a <{}> ... </{}> block in the config", name, name,
                         name, name));
}

// Outside TLS mode: 2.6 refuses the TLS-only directives and ignores the others.
void check_static_mode( const LoadState& st, const WarningSink& warn) {
    if (st.tls_only) {
        const auto& [name, at] = *st.tls_only;
        fail(at, fmt::format("'{}' can only be used in TLS mode, expected tls-client, tls-server or client too",
                             name));
    }
    if (st.tls_lenient) {
        const auto& [name, at] = *st.tls_lenient;
        emit(warn, at, fmt::format("'{}' has no effect without TLS mode (tls-client, tls-server or client)", name));
    }
}

void check_credentials(const Options& o, const LoadState& st) {
    const TlsOptions& t = o.tls;
    if (t.cert && !t.key) {
        fail(t.cert->origin, "'cert' without 'key', expected the certificate's private key in a 'key' directive");
    }
    if (t.key && !t.cert) {
        fail(t.key->origin, "'key' without 'cert', expected the key's certificate in a 'cert' directive");
    }
    const auto& [role, role_at] = *st.tls_role;
    if (t.pull) {
        if (!t.cert && !t.auth_user_pass) {
            fail(st.pull->second, fmt::format("'{}' without a way to authenticate, expected 'cert' and 'key', or "
                                              "'auth-user-pass'",
                                              st.pull->first));
        }
    } else if (!t.cert) {
        // Only a pulling client may do without a certificate of its own.
        fail(role_at, fmt::format("'{}' needs 'cert' and 'key', expected this side's certificate and private key",
                                  role));
    }
    if (t.auth_user_pass && !t.pull) {
        fail(t.auth_user_pass->origin, "'auth-user-pass' needs 'client' or 'pull', expected a client that pulls "
                                       "its options");
    }
}

void settle_tls_versions(Options& o, const LoadState& st) {
    TlsOptions& t = o.tls;
    if (!t.tls_version_max) return;
    if (!st.tls_version_min) {
        // options_set_backwards_compatible_options: never a minimum above the maximum.
        if (*t.tls_version_max < TlsVersion::V1_2) t.tls_version_min = *t.tls_version_max;
        return;
    }
    if (t.tls_version_min > *t.tls_version_max) {
        fail(*st.tls_version_max, fmt::format("'tls-version-max' is below the tls-version-min at {}, expected a "
                                              "maximum at or above the minimum",
                                              st.tls_version_min->str()));
    }
}

}  // namespace

void validate_tls(Options& o, const LoadState& st, const WarningSink& warn) {
    check_roles(o, st);
    check_pending_inline(st);
    if (!o.tls_requested()) {
        check_static_mode(st, warn);
        return;
    }
    TlsOptions& t = o.tls;
    if (st.wrap_conflict) {
        fail(*st.wrap_conflict, "'tls-auth' and 'tls-crypt' cannot be used together, expected one of them");
    }
    if (t.pull && o.remotes.empty()) {
        fail(st.pull->second, fmt::format("'{}' needs a 'remote', expected the server to connect to", st.pull->first));
    }
    if (!t.ca && t.peer_fingerprints.empty()) {
        // check_ca_required; peer-fingerprint alone is 2.6's CA-less mode.
        fail(*o.first_tls_directive, "TLS mode needs a CA, expected ca or peer-fingerprint");
    }
    check_credentials(o, st);
    if (t.dh && !t.server) {
        emit(warn, t.dh->origin, "'dh' is ignored on a TLS client (only a server uses DH parameters)");
        t.dh.reset();
    }
    settle_tls_versions(o, st);
    // options_postprocess_mutate_ce: a pulling client does not bind unless told to.
    if (t.pull && !o.local && !st.lport) o.nobind = true;
}

}  // namespace vpn::config
