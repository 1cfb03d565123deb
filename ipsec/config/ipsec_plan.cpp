#include "ipsec/config/ipsec_plan.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include "ipsec/config/config_fail.hpp"
#include "ipsec/config/key_texts.hpp"
#include "ipsec/config/static_key_plan.hpp"
#include "ipsec/manual/setkey.hpp"

namespace vpn::ipsec {
namespace {

std::vector<Proposal> proposals(const std::optional<config::WrittenValue>& written, std::string_view fallback,
                                ProposalKind kind, std::string_view directive, const config::Options& o) {
    if (written) return parse_proposals(written->text, kind, written->origin, directive);
    // The defaults are ours and known to parse; the technique line stands in.
    return parse_proposals(fallback, kind, *o.technique_origin, directive);
}

IkeSettings ike_settings(const config::Options& o, const config::WarningSink& warn) {
    const config::IpsecOptions& ip = o.ipsec;
    IkeSettings s;
    s.ike_proposals = proposals(ip.ike_proposals, kDefaultIkeProposals, ProposalKind::Ike, "ike-proposals", o);
    s.esp_proposals = proposals(ip.esp_proposals, kDefaultEspProposals, ProposalKind::Esp, "esp-proposals", o);
    if (ip.ike_psk) {
        s.auth = IkeSettings::Auth::Psk;
        KeyText t = load_key_text(*ip.ike_psk, warn, /*refuse_world_readable=*/true);
        std::string_view body(reinterpret_cast<const char*>(t.text.data()), t.text.size());
        if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
            fail_at(ip.ike_psk->origin, fmt::format("'ike-psk': {} is empty, expected a secret, or lines 'ID SECRET'",
                                                    t.name));
        }
        s.psk_text = std::move(t.text);
        s.psk_name = t.name;
    } else {
        s.auth = IkeSettings::Auth::Certificate;
    }
    if (ip.ike_id) s.local_id = classify_identity(ip.ike_id->text);
    if (ip.ike_remote_id) s.remote_id = classify_identity(ip.ike_remote_id->text);
    s.ike_lifetime = ip.ike_lifetime;
    s.esp_lifetime = ip.esp_lifetime;
    s.nat_traversal = ip.nat_traversal;
    s.dpd_interval = o.ping;
    s.dpd_timeout = o.ping_restart;
    // OpenVPN's 64 is its own default; an ESP SA keyed by IKE gets a window of 1024
    // (reordering at multi-gigabit rates) unless `replay-window` says otherwise.
    s.replay_window = o.replay_window_origin ? static_cast<std::uint32_t>(o.replay_window) : 1024u;
    return s;
}

}  // namespace

Identity classify_identity(const std::string& text) {
    in_addr a4{};
    in6_addr a6{};
    if (::inet_pton(AF_INET, text.c_str(), &a4) == 1) return {ike::IdType::Ipv4Addr, text};
    if (::inet_pton(AF_INET6, text.c_str(), &a6) == 1) return {ike::IdType::Ipv6Addr, text};
    if (text.starts_with("@")) return {ike::IdType::Fqdn, text.substr(1)};
    if (text.find('=') != std::string::npos) return {ike::IdType::DerAsn1Dn, text};
    if (text.find('@') != std::string::npos) return {ike::IdType::Rfc822Addr, text};
    return {ike::IdType::Fqdn, text};
}

IpsecPlan build_plan(const config::Options& o, const config::WarningSink& warn) {
    IpsecPlan p;
    p.role = o.mode == config::Mode::Server ? Role::Gateway : o.tls.pull ? Role::Client : Role::PointToPoint;
    if (o.secret) {
        p.keying = Keying::StaticKey;
        p.static_sas = static_key_sas(o, warn);
        p.static_udp_encap = o.ipsec.nat_traversal == config::NatTraversal::Force;
    } else if (o.ipsec.setkey) {
        p.keying = Keying::Setkey;
        KeyText t = load_key_text(*o.ipsec.setkey, warn);
        p.setkey = manual::parse_setkey(
            std::string_view(reinterpret_cast<const char*>(t.text.data()), t.text.size()), t.file, t.first_line);
        p.setkey_name = t.name;
        if (p.setkey.sas.empty()) {
            fail_at(o.ipsec.setkey->origin, fmt::format("'setkey': {} leaves no SA after its statements, expected "
                                                        "'add' statements",
                                                        t.name));
        }
        // Point-to-point only (manual keying refuses mode server): one peer.
        p.setkey_peer = manual::setkey_peer(p.setkey);
        for (const std::string& w : manual::setkey_warnings(p.setkey)) warn(w);
    } else {
        p.keying = Keying::Ike;
        p.ike = ike_settings(o, warn);
    }
    return p;
}

}  // namespace vpn::ipsec
