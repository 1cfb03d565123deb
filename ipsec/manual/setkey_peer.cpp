#include "ipsec/manual/setkey_peer.hpp"

#include <fmt/format.h>

#include "ipsec/config/config_fail.hpp"

namespace vpn::ipsec::manual {
namespace {

std::string addr_text(std::uint32_t a) {
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

// This host's end and the peer's end of an SA used in `dir`.
struct Ends {
    Endpoint local, peer;
};
Ends ends_of(const SetkeySa& s) {
    return s.sa.direction == SaDirection::Outbound ? Ends{s.src, s.dst} : Ends{s.dst, s.src};
}

[[noreturn]] void refuse(const SetkeySa& s, const std::string& what) { fail_at(s.origin, "setkey: " + what); }

void check_same(const SetkeySa& first, const SetkeySa& s) {
    const Ends a = ends_of(first), b = ends_of(s);
    const std::string at = first.origin.str();
    if (b.peer.addr != a.peer.addr) {
        refuse(s, fmt::format("this SA's peer is {}, but the SA at {} has {}; a point-to-point tunnel has one peer, "
                              "expected every SA between {} and {}",
                              addr_text(b.peer.addr), at, addr_text(a.peer.addr), addr_text(a.local.addr),
                              addr_text(a.peer.addr)));
    }
    if (b.local.addr != a.local.addr) {
        refuse(s, fmt::format("this SA's local end is {}, but the SA at {} has {}; one tunnel uses one local "
                              "address, expected every SA between {} and {}",
                              addr_text(b.local.addr), at, addr_text(a.local.addr), addr_text(a.local.addr),
                              addr_text(a.peer.addr)));
    }
    if (s.udp_encap != first.udp_encap) {
        refuse(s, fmt::format("{} here, but the SA at {} is {}; one tunnel uses one encapsulation, expected all esp "
                              "or all esp-udp",
                              s.udp_encap ? "esp-udp" : "esp", at, first.udp_encap ? "esp-udp" : "esp"));
    }
    if (s.udp_encap && (b.local.port != a.local.port || b.peer.port != a.peer.port)) {
        refuse(s, fmt::format("esp-udp ports: local {} and peer {} here, but local {} and peer {} at {}; one socket "
                              "serves the tunnel, expected the same ports",
                              endpoint_text(b.local), endpoint_text(b.peer), endpoint_text(a.local),
                              endpoint_text(a.peer), at));
    }
}

}  // namespace

std::string endpoint_text(const Endpoint& e) {
    return e.port ? fmt::format("{}[{}]", addr_text(e.addr), *e.port) : addr_text(e.addr);
}

std::vector<std::string> setkey_warnings(const SetkeyDb& db) {
    std::vector<std::string> out;
    for (const SetkeySa& s : db.sas) {
        if (s.sa.direction != SaDirection::Unknown) continue;
        out.push_back(fmt::format("{}: setkey: no -P out or -P in ipsec policy names {} -> {}, so SA 0x{:x} is not "
                                  "used",
                                  s.origin.str(), endpoint_text(s.src), endpoint_text(s.dst), s.sa.spi));
    }
    for (const SetkeyPolicy& p : db.policies) {
        const bool gif = p.action == PolicyAction::Ipsec && p.upper == 4 && p.src.prefix == 32 &&
                         p.dst.prefix == 32 && p.src.addr == p.tunnel_src.addr && p.dst.addr == p.tunnel_dst.addr;
        if (!gif) continue;
        out.push_back(fmt::format("{}: setkey: this policy selects IP-in-IP packets between the gateways themselves "
                                  "(a gif tunnel's); vpn's TUN carries the inner packets, so it matches nothing here, "
                                  "expected the subnets, e.g. spdadd 192.168.1.0/24 192.168.2.0/24 any ...",
                                  p.origin.str()));
    }
    return out;
}

SetkeyPeer setkey_peer(const SetkeyDb& db) {
    const SetkeySa* first = nullptr;
    SetkeyPeer p;
    for (const SetkeySa& s : db.sas) {
        if (s.sa.direction == SaDirection::Unknown) continue;
        if (!first) {
            first = &s;
            const Ends e = ends_of(s);
            p.local = e.local;
            p.peer = e.peer;
            p.udp_encap = s.udp_encap;
        } else {
            check_same(*first, s);
        }
        ++(s.sa.direction == SaDirection::Outbound ? p.outbound : p.inbound);
    }
    if (!first) {
        if (db.sas.empty()) throw config::ConfigError("setkey: no SA, expected add statements");
        refuse(db.sas.front(), "no -P out or -P in ipsec policy names the endpoints of this or any other SA, so none "
                               "would be used; expected spdadd SRC DST any -P out ipsec esp/tunnel/A-B/require");
    }
    return p;
}

}  // namespace vpn::ipsec::manual
