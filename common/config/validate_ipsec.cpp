// Cross-directive rules of technique ipsec: which way the SAs are keyed and what each
// way needs.  The meaning of proposal strings and setkey statements is checked later
// by ipsec/ (ipsec/config/ipsec_plan.hpp); here only which directives go together.
#include <fmt/format.h>

#include "common/config/arg_parse.hpp"
#include "common/config/validate.hpp"

namespace vpn::config {
namespace {

void check_pending_inline(const LoadState& st) {
    if (!st.inline_pending.empty()) {
        const auto& [name, at] = st.inline_pending.front();
        fail(at, fmt::format("'{} [inline]' has no <{}> block, expected a <{}> ... </{}> block in the config", name,
                             name, name, name));
    }
}

// The lines of directives that only IKE gives a meaning to.
std::vector<std::pair<std::string_view, const Origin*>> ike_only_lines(const Options& o, const LoadState& st) {
    const IpsecOptions& ip = o.ipsec;
    std::vector<std::pair<std::string_view, const Origin*>> v;
    auto add = [&](std::string_view name, const Origin* at) {
        if (at) v.emplace_back(name, at);
    };
    add("ike-psk", ip.ike_psk ? &ip.ike_psk->origin : nullptr);
    add("ike-id", ip.ike_id ? &ip.ike_id->origin : nullptr);
    add("ike-remote-id", ip.ike_remote_id ? &ip.ike_remote_id->origin : nullptr);
    add("ike-proposals", ip.ike_proposals ? &ip.ike_proposals->origin : nullptr);
    add("ike-lifetime", ip.ike_lifetime_origin ? &*ip.ike_lifetime_origin : nullptr);
    add("esp-lifetime", ip.esp_lifetime_origin ? &*ip.esp_lifetime_origin : nullptr);
    add("ca", o.tls.ca ? &o.tls.ca->origin : nullptr);
    add("cert", o.tls.cert ? &o.tls.cert->origin : nullptr);
    add("key", o.tls.key ? &o.tls.key->origin : nullptr);
    add("crl-verify", o.tls.crl_verify ? &o.tls.crl_verify->origin : nullptr);
    add("client", st.pull ? &st.pull->second : nullptr);
    add("mode server", o.mode == Mode::Server && o.mode_origin ? &*o.mode_origin : nullptr);
    return v;
}

void check_manual(const Options& o, const LoadState& st, std::string_view how, const Origin& keyed_at) {
    const IpsecOptions& ip = o.ipsec;
    for (const auto& [name, at] : ike_only_lines(o, st)) {
        fail(*at, fmt::format("'{}' needs IKE, but '{}' at {} keys the SAs manually, expected no {} line", name, how,
                              keyed_at.str(), name));
    }
    if (ip.esp_spi && how != "secret") {
        fail(ip.esp_spi->origin, fmt::format("'esp-spi' is for SAs keyed from 'secret'; with '{}' at {} the SPIs are "
                                             "in its add statements",
                                             how, keyed_at.str()));
    }
    if (how == "setkey") {
        auto refuse = [&](std::string_view name, const Origin& at, std::string_view instead) {
            fail(at, fmt::format("'{}' has no meaning with 'setkey' at {}: {}", name, keyed_at.str(), instead));
        };
        if (o.cipher_origin) refuse("cipher", *o.cipher_origin, "its add statements choose the algorithms (-E)");
        if (o.auth_origin) refuse("auth", *o.auth_origin, "its add statements choose the algorithms (-A)");
        if (ip.esp_proposals) refuse("esp-proposals", ip.esp_proposals->origin, "its add statements choose the algorithms");
        if (o.replay_window_origin) refuse("replay-window", *o.replay_window_origin, "use -r on its add statements");
        if (ip.nat_traversal_origin) refuse("nat-traversal", *ip.nat_traversal_origin, "use esp-udp on its add statements");
        return;
    }
    if (!o.ifconfig_local) {
        fail(keyed_at, "manual keying from 'secret' needs 'ifconfig LOCAL PEER' (the SPIs and keys derive from the two "
                       "tunnel addresses), expected an ifconfig line");
    }
    if (o.auth_origin && !o.cipher_origin) {
        fail(*o.auth_origin, "'auth' for manual keying needs 'cipher' too (without cipher the first esp-proposals "
                             "entry picks both), expected a cipher line or no auth line");
    }
}

void check_ike(const Options& o, const LoadState& st) {
    const IpsecOptions& ip = o.ipsec;
    const TlsOptions& t = o.tls;
    const Origin& at = *o.technique_origin;
    if (ip.esp_spi) {
        fail(ip.esp_spi->origin, "'esp-spi' is for SAs keyed from 'secret'; IKE chooses the SPIs, expected a secret "
                                 "line or no esp-spi line");
    }
    if (o.cipher_origin) {
        fail(*o.cipher_origin, "'cipher' only picks the algorithm of SAs keyed from 'secret'; with IKE use "
                               "esp-proposals");
    }
    if (o.auth_origin) {
        fail(*o.auth_origin, "'auth' only picks the algorithm of SAs keyed from 'secret'; with IKE use esp-proposals");
    }
    if (t.cert && !t.key) fail(t.cert->origin, "'cert' without 'key', expected the certificate's private key");
    if (t.key && !t.cert) fail(t.key->origin, "'key' without 'cert', expected the key's certificate");
    if (t.cert && !t.ca) fail(t.cert->origin, "'cert' without 'ca', expected the CA that vouches for the peer");
    if (ip.ike_psk && t.cert) {
        fail(ip.ike_psk->origin, fmt::format("'ike-psk' and 'cert' at {} are two ways to authenticate, expected one "
                                             "of them",
                                             t.cert->origin.str()));
    }
    if (!ip.ike_psk && !t.cert) {
        fail(at, "technique ipsec with IKE needs a way to authenticate, expected ike-psk, or ca, cert and key (or "
                 "secret / setkey for manual keying)");
    }
    if (st.pull) {
        if (o.remotes.empty()) {
            fail(st.pull->second, "'client' needs a 'remote', expected the gateway to connect to");
        }
        if (st.ifconfig) {
            fail(*st.ifconfig, fmt::format("'ifconfig' with 'client' at {}: the gateway assigns this side's "
                                           "address, expected no ifconfig line",
                                           st.pull->second.str()));
        }
    } else if (o.mode != Mode::Server && !o.ifconfig_local) {
        fail(at, "IPsec point-to-point needs 'ifconfig LOCAL PEER' (the tunnel addresses the SAs carry), expected an "
                 "ifconfig line, or 'client' / 'server' for a gateway");
    }
}

}  // namespace

void validate_ipsec(Options& o, const LoadState& st, const WarningSink&) {
    check_pending_inline(st);
    const IpsecOptions& ip = o.ipsec;
    if (o.secret && ip.setkey) {
        const bool setkey_later = o.secret->origin.file == ip.setkey->origin.file
                                      ? o.secret->origin.line < ip.setkey->origin.line
                                      : true;
        const Origin& later = setkey_later ? ip.setkey->origin : o.secret->origin;
        const Origin& earlier = setkey_later ? o.secret->origin : ip.setkey->origin;
        fail(later, fmt::format("'{}' conflicts with '{}' at {}, expected one way of manual keying",
                                setkey_later ? "setkey" : "secret", setkey_later ? "secret" : "setkey", earlier.str()));
    }
    if (o.secret) check_manual(o, st, "secret", o.secret->origin);
    else if (ip.setkey) check_manual(o, st, "setkey", ip.setkey->origin);
    else check_ike(o, st);
    // The user's push lines were checked by validate_technique(); these come from the
    // `server` helper, written for OpenVPN clients.
    std::erase_if(o.push, [](const std::string& p) { return !ipsec_pushable(p); });
    if (o.mode == Mode::Server && st.pull) {
        fail(st.pull->second, fmt::format("'client' cannot be used with 'mode server' at {}", o.mode_origin->str()));
    }
}

}  // namespace vpn::config
