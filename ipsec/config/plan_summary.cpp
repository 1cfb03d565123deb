// describe_plan: what `vpn check` prints for technique ipsec.  SPIs and algorithms,
// never key bytes.
#include <fmt/format.h>

#include "ipsec/config/ipsec_plan.hpp"

namespace vpn::ipsec {
namespace {

std::string addr(std::uint32_t a) { return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255); }

std::string endpoint(const manual::Endpoint& e) {
    return e.port ? fmt::format("{}[{}]", addr(e.addr), *e.port) : addr(e.addr);
}

std::string selector(const manual::Selector& s) {
    std::string t = fmt::format("{}/{}", addr(s.addr), s.prefix);
    return s.port ? fmt::format("{}[{}]", t, *s.port) : t;
}

const char* direction(manual::SaDirection d) {
    switch (d) {
        case manual::SaDirection::Outbound: return "outbound";
        case manual::SaDirection::Inbound: return "inbound";
        case manual::SaDirection::Unknown: break;
    }
    return "not used by an in/out policy";
}

std::string replay(std::uint32_t w) {
    return w ? fmt::format("replay window {}", w) : std::string("no replay check");
}

std::string sa_line(const manual::ManualSa& sa) {
    return fmt::format("spi 0x{:08x} ({}), {}, {}", sa.spi, sa.spi, esp_algorithm_name(sa.algorithm),
                       replay(sa.replay_window));
}

std::string proposal_list(const std::vector<Proposal>& ps) {
    std::string s;
    for (const Proposal& p : ps) s += (s.empty() ? "" : ", ") + proposal_name(p);
    return s;
}

const char* nat_name(config::NatTraversal n) {
    switch (n) {
        case config::NatTraversal::Yes: return "yes (NAT detection; ESP in UDP 4500 behind a NAT)";
        case config::NatTraversal::No: return "no (raw ESP, IP protocol 50)";
        case config::NatTraversal::Force: return "force (ESP always in UDP 4500)";
    }
    return "?";
}

const char* role_name(Role r) {
    switch (r) {
        case Role::PointToPoint: return "point-to-point";
        case Role::Gateway: return "gateway (mode server: assigns client addresses)";
        case Role::Client: return "client (asks the gateway for an address)";
    }
    return "?";
}

void policy_lines(const manual::SetkeyDb& db, std::vector<std::string>& out) {
    static constexpr const char* kDir[] = {"in", "out", "fwd"};
    static constexpr const char* kLevel[] = {"default", "use", "require", "unique"};
    for (const manual::SetkeyPolicy& p : db.policies) {
        std::string proto = p.upper < 0 ? std::string("any") : std::to_string(p.upper);
        std::string action = p.action == manual::PolicyAction::None      ? "none (in clear)"
                             : p.action == manual::PolicyAction::Discard ? "discard"
                                                                         : "";
        if (p.action == manual::PolicyAction::Ipsec) {
            action = fmt::format("esp/tunnel/{}-{}/{}", endpoint(p.tunnel_src), endpoint(p.tunnel_dst),
                                 kLevel[static_cast<int>(p.level)]);
            if (p.unique_id) action += fmt::format(":{}", p.unique_id);
        }
        out.push_back(fmt::format("policy:        {} {} -> {} {}: {}", kDir[static_cast<int>(p.dir)], selector(p.src),
                                  selector(p.dst), proto, action));
    }
}

}  // namespace

std::vector<std::string> describe_plan(const IpsecPlan& p, const config::Options& o) {
    std::vector<std::string> out;
    out.push_back(fmt::format("config:        {}", o.config_file.empty() ? "[command line]" : o.config_file));
    const char* keying = p.keying == Keying::Ike         ? "IKEv2"
                         : p.keying == Keying::StaticKey ? "manual SAs derived from the static key"
                                                         : "manual SAs from setkey statements";
    out.push_back(fmt::format("mode:          IPsec {}, {}", role_name(p.role), keying));
    std::string dev = fmt::format("device:        {} (tun), mtu {}", o.dev, o.tun_mtu);
    if (o.ifconfig_local) dev += fmt::format(", {} peer {}", *o.ifconfig_local, o.ifconfig_remote.value_or("?"));
    out.push_back(dev);
    for (const auto& r : o.routes) {
        out.push_back(fmt::format("route:         {} {} via {}", r.network, r.netmask, r.gateway.value_or("vpn_gateway")));
    }
    for (const auto& r : o.remotes) out.push_back(fmt::format("remote:        {} (UDP 500/4500)", r.host));
    if (p.keying == Keying::StaticKey) {
        out.push_back(fmt::format("ESP SA out:    {}", sa_line(p.static_sas.at(0))));
        out.push_back(fmt::format("ESP SA in:     {}", sa_line(p.static_sas.at(1))));
        out.push_back(fmt::format("transport:     {}", p.static_udp_encap ? "ESP in UDP 4500 (nat-traversal force)"
                                                                          : "raw ESP (IP protocol 50)"));
    } else if (p.keying == Keying::Setkey) {
        out.push_back(fmt::format("setkey:        {}", p.setkey_name));
        const manual::SetkeyPeer& peer = p.setkey_peer;
        out.push_back(fmt::format("peer:          {} (local {}), {}", manual::endpoint_text(peer.peer),
                                  manual::endpoint_text(peer.local),
                                  peer.udp_encap ? "ESP in UDP (esp-udp)" : "raw ESP (IP protocol 50)"));
        for (const manual::SetkeySa& s : p.setkey.sas) {
            out.push_back(fmt::format("ESP SA:        {} -> {}{}, {}, {}", endpoint(s.src), endpoint(s.dst),
                                      s.udp_encap ? " (esp-udp)" : "", sa_line(s.sa), direction(s.sa.direction)));
        }
        policy_lines(p.setkey, out);
    } else {
        const IkeSettings& s = *p.ike;
        out.push_back(fmt::format("auth:          {}", s.auth == IkeSettings::Auth::Psk
                                                           ? fmt::format("pre-shared key ({})", s.psk_name)
                                                           : std::string("certificates (ca, cert, key)")));
        out.push_back(fmt::format("identities:    ours {}, peer {}", s.local_id ? s.local_id->text : "(default)",
                                  s.remote_id ? s.remote_id->text : "(any the credentials vouch for)"));
        out.push_back(fmt::format("ike proposals: {}", proposal_list(s.ike_proposals)));
        out.push_back(fmt::format("esp proposals: {}", proposal_list(s.esp_proposals)));
        out.push_back(fmt::format("lifetimes:     IKE SA {} s, ESP SAs {} s", s.ike_lifetime, s.esp_lifetime));
        out.push_back(fmt::format("nat-traversal: {}", nat_name(s.nat_traversal)));
        out.push_back(s.dpd_interval ? fmt::format("dpd:           after {} s idle, peer dead after {} s",
                                                   s.dpd_interval, s.dpd_timeout)
                                     : std::string("dpd:           off"));
        for (const auto& push : o.push) out.push_back(fmt::format("push:          {}", push));
    }
    return out;
}

}  // namespace vpn::ipsec
