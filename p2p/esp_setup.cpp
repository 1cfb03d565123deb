#include "p2p/esp_setup.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "ipsec/esp/esp_algorithms.hpp"
#include "ipsec/manual/sa_params.hpp"
#include "p2p/mss_plan.hpp"

namespace vpn::p2p {
namespace {

// RFC 3948's port for ESP in UDP, used unless the config names its own.
constexpr std::uint16_t kNatTPort = 4500;

std::string addr_text(std::uint32_t a) {
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

// True if an interface of this host (its network namespace) has IPv4 address `a`;
// also true when the list cannot be read, leaving it to bind() to complain.
bool host_has_address(std::uint32_t a) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return true;
    bool found = false;
    for (const ifaddrs* i = list; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        found = ntohl(reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr) == a;
    }
    ::freeifaddrs(list);
    return found;
}

// The MSS clamp for the outbound SA that adds the most.
std::uint16_t mss_of(const config::Options& o, const esp::OutboundSa* sa, const LinkPlan& link) {
    if (!sa) return 0;
    ChannelShape shape;
    shape.block_size = esp::pad_align(sa->suite().encr) > 4 ? esp::pad_align(sa->suite().encr) : 0;
    shape.crypto_overhead = sa->head_room() + 2 + esp::icv_len(sa->suite());
    return mss_for(o, shape, link);
}

const ipsec::manual::SetkeySa& first_used(const ipsec::manual::SetkeyDb& db) {
    for (const auto& s : db.sas)
        if (s.sa.direction != ipsec::manual::SaDirection::Unknown) return s;
    throw std::runtime_error("setkey: no SA is used by a policy");
}

}  // namespace

EspSetup static_key_setup(const config::Options& o, const ipsec::IpsecPlan& plan, Now now) {
    (void)now;
    if (plan.keying != ipsec::Keying::StaticKey || plan.static_sas.size() != 2)
        throw std::runtime_error("static_key_setup: needs the two SAs of a static key");
    auto out = std::make_unique<esp::OutboundSa>(ipsec::manual::sa_params(plan.static_sas[0]));
    std::vector<std::unique_ptr<esp::InboundSa>> in;
    in.push_back(std::make_unique<esp::InboundSa>(ipsec::manual::sa_params(plan.static_sas[1])));
    EspSetup s{ipsec::manual::ManualSad(std::move(out), std::move(in)), {}, {}};

    // ESP in UDP lives on 4500 at both ends (the config refuses port/lport/rport under
    // technique ipsec); raw ESP has no ports at all.
    config::Options at_natt = o;
    at_natt.lport = at_natt.rport = kNatTPort;
    for (auto& r : at_natt.remotes) r.port.reset();
    s.link = plan_link(at_natt);
    s.cfg.udp_encap = plan.static_udp_encap;
    s.link.raw_esp = !s.cfg.udp_encap;
    s.cfg.mss = mss_of(o, s.sad.widest_outbound(), s.link);
    return s;
}

EspSetup setkey_setup(const config::Options& o, const ipsec::IpsecPlan& plan, Now now) {
    if (plan.keying != ipsec::Keying::Setkey) throw std::runtime_error("setkey_setup: needs setkey keying");
    const ipsec::manual::SetkeyPeer& peer = plan.setkey_peer;
    const std::string where = first_used(plan.setkey).origin.str();
    const std::string local = addr_text(peer.local.addr);
    if (o.local) {
        in_addr a{};
        if (::inet_pton(AF_INET, o.local->c_str(), &a) != 1 || ntohl(a.s_addr) != peer.local.addr)
            throw std::runtime_error(fmt::format("{}: setkey: the SAs' local end is {}, but 'local' is {}; expected "
                                                 "local {} or no local line",
                                                 where, local, *o.local, local));
    } else if (!host_has_address(peer.local.addr)) {
        throw std::runtime_error(fmt::format("{}: setkey: {} is this host's end of the SAs (the in/out policies say "
                                             "so), but no interface here has that address; expected the policies "
                                             "written from this host's side",
                                             where, local));
    }
    if (!o.remotes.empty() && o.remotes.front().host != addr_text(peer.peer.addr))
        log::warn("'remote {}' is not used with setkey: the SAs name the peer, {}", o.remotes.front().host,
                  addr_text(peer.peer.addr));

    // The link as the SAs describe it: bound to our end, talking to theirs, ports
    // from esp-udp's addr[port] (4500 by default), none for raw ESP.
    config::Options at = o;
    at.local = local;
    at.lport = peer.local.port.value_or(kNatTPort);
    at.rport = peer.peer.port.value_or(kNatTPort);
    at.remotes.assign(1, config::Remote{addr_text(peer.peer.addr), at.rport, std::nullopt, config::Family::V4});
    at.family = config::Family::V4;
    at.float_remote = false;
    at.nobind = false;
    EspSetup s{ipsec::manual::ManualSad(plan.setkey, now.mono), {}, {}};
    s.link = plan_link(at);
    s.cfg.udp_encap = peer.udp_encap;
    s.link.raw_esp = !peer.udp_encap;
    s.cfg.mss = mss_of(o, s.sad.widest_outbound(), s.link);
    return s;
}

}  // namespace vpn::p2p
