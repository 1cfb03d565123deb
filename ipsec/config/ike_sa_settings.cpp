#include "ipsec/config/ike_sa_settings.hpp"

#include <arpa/inet.h>

#include <stdexcept>

#include <fmt/format.h>

#include "ipsec/ike/cert_identity.hpp"
#include "pki/cert_verify.hpp"
#include "pki/pem_io.hpp"

namespace vpn::ipsec {
namespace {

// A PEM source as a path or its inline text, as `ca`/`cert`/`key` allow both.
std::vector<pki::X509Ptr> certs_of(const config::PemSource& s) {
    return s.inline_text ? pki::parse_certs(*s.inline_text, s.origin.str()) : pki::load_certs(s.path);
}

pki::EvpPkeyPtr key_of(const config::PemSource& s) {
    return s.inline_text ? pki::parse_private_key(*s.inline_text, s.origin.str()) : pki::load_private_key(s.path);
}

std::shared_ptr<const ike::CertCredentials> load_credentials(const config::Options& o) {
    const auto& t = o.tls;
    if (!t.ca || !t.cert || !t.key) throw std::runtime_error("IKE with certificates needs ca, cert and key");
    auto creds = std::make_shared<ike::CertCredentials>();
    auto chain = certs_of(*t.cert);
    creds->cert = std::move(chain.front());
    for (std::size_t i = 1; i < chain.size(); ++i) creds->intermediates.push_back(std::move(chain[i]));
    creds->key = key_of(*t.key);
    if (X509_check_private_key(creds->cert.get(), creds->key.get()) != 1)
        throw std::runtime_error(fmt::format("{}: the private key does not match the certificate", t.key->origin.str()));
    std::vector<pki::X509CrlPtr> crls;
    if (t.crl_verify)
        crls = t.crl_verify->inline_text ? pki::parse_crls(*t.crl_verify->inline_text, t.crl_verify->origin.str())
                                          : pki::load_crls(t.crl_verify->path);
    creds->trust = std::make_shared<pki::TrustStore>(certs_of(*t.ca), std::move(crls));
    return creds;
}

// The config's identity text (a forced FQDN lost its '@') read back by the IKE parser.
ike::Identity identity_of(const Identity& id, X509* own_cert, const std::string& what) {
    std::string text = id.type == ike::IdType::Fqdn ? "@" + id.text : id.text;
    auto parsed = own_cert ? ike::configured_identity(text, own_cert) : ike::parse_identity(text);
    if (!parsed) throw std::runtime_error(fmt::format("{} '{}': {}", what, id.text, parsed.error()));
    return parsed.take();
}

std::optional<std::uint32_t> ipv4(const std::string& s) {
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    return ntohl(a.s_addr);
}

ike::TrafficSelector range(std::uint32_t first, std::uint32_t last) {
    ike::TrafficSelector ts;
    ts.type = ike::TsType::Ipv4AddrRange;
    for (int i = 0; i < 4; ++i) {
        ts.start[i] = static_cast<std::uint8_t>(first >> (24 - 8 * i));
        ts.end[i] = static_cast<std::uint8_t>(last >> (24 - 8 * i));
    }
    return ts;
}

ike::NatTraversal nat_of(config::NatTraversal n) {
    switch (n) {
        case config::NatTraversal::No: return ike::NatTraversal::No;
        case config::NatTraversal::Force: return ike::NatTraversal::Force;
        case config::NatTraversal::Yes: break;
    }
    return ike::NatTraversal::Yes;
}

}  // namespace

std::optional<ike::TrafficSelector> ipv4_selector(const std::string& network, const std::string& netmask) {
    auto net = ipv4(network), mask = ipv4(netmask);
    if (!net || !mask) return std::nullopt;
    if (((~*mask + 1) & ~*mask) != 0) return std::nullopt;  // ones, then zeros
    return range(*net & *mask, (*net & *mask) | ~*mask);
}

bool needs_address_identity(const IpsecPlan& plan) {
    return plan.ike && plan.ike->auth == IkeSettings::Auth::Psk && !plan.ike->local_id;
}

ike::IkeSaConfig ike_sa_config(const IpsecPlan& plan, const config::Options& o, ike::IkeRole role) {
    if (plan.keying != Keying::Ike || !plan.ike) throw std::runtime_error("ike_sa_config: not an IKE plan");
    const IkeSettings& s = *plan.ike;
    ike::IkeSaConfig c;
    c.role = role;
    c.ike_proposals = s.ike_proposals;
    c.esp_proposals = s.esp_proposals;
    if (s.auth == IkeSettings::Auth::Psk) {
        auto psk = ike::PskFile::parse(
            std::string_view(reinterpret_cast<const char*>(s.psk_text.data()), s.psk_text.size()), s.psk_name);
        if (!psk) throw std::runtime_error(psk.error());
        c.psk = std::make_shared<const ike::PskFile>(psk.take());
        if (s.local_id) c.local_id = identity_of(*s.local_id, nullptr, "ike-id");
    } else {
        c.cert = load_credentials(o);
        if (s.local_id) {
            c.local_id = identity_of(*s.local_id, c.cert->cert.get(), "ike-id");
        } else {
            auto id = ike::certificate_identity(c.cert->cert.get());
            if (!id) throw std::runtime_error(fmt::format("our certificate: {}", id.error()));
            c.local_id = id.take();
        }
    }
    if (s.remote_id) c.remote_id = identity_of(*s.remote_id, nullptr, "ike-remote-id");

    switch (plan.role) {
        case Role::PointToPoint: {
            // The tunnel's two addresses, and the networks routed to the peer.
            auto local = o.ifconfig_local ? ipv4(*o.ifconfig_local) : std::nullopt;
            auto peer = o.ifconfig_remote ? ipv4(*o.ifconfig_remote) : std::nullopt;
            if (!local || !peer) throw std::runtime_error("IKE point-to-point needs 'ifconfig LOCAL PEER' (IPv4)");
            c.local_ts.push_back(range(*local, *local));
            c.remote_ts.push_back(range(*peer, *peer));
            for (const auto& r : o.routes) {
                auto ts = ipv4_selector(r.network, r.netmask);
                if (!ts) throw std::runtime_error(fmt::format("route {} {}: not an IPv4 network and mask", r.network, r.netmask));
                c.remote_ts.push_back(*ts);
            }
            break;
        }
        case Role::Client: c.virtual_ip = ike::VirtualIp::Client; break;
        case Role::Gateway: c.virtual_ip = ike::VirtualIp::Gateway; break;
    }
    c.ike_lifetime_ms = std::int64_t(s.ike_lifetime) * 1000;
    c.esp_lifetime_ms = std::int64_t(s.esp_lifetime) * 1000;
    c.dpd_interval_ms = std::int64_t(s.dpd_interval) * 1000;
    c.dpd_timeout_ms = std::int64_t(s.dpd_timeout) * 1000;
    c.nat = nat_of(s.nat_traversal);
    return c;
}

}  // namespace vpn::ipsec
