// Setup and teardown of an IKE-keyed IPsec tunnel.  Point-to-point runs like the
// static-key tunnel (device first); a road-warrior client opens its device only
// when the gateway has assigned its address, as OpenVPN's pull client does after
// the PUSH_REPLY.
#include "p2p/ike_runner.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "ipsec/config/ike_sa_settings.hpp"
#include "p2p/device_script.hpp"
#include "p2p/device_setup.hpp"
#include "p2p/ike_link.hpp"
#include "p2p/ipsec_transport.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/mss_plan.hpp"
#include "p2p/tunnel_loop.hpp"
#include "tun/rtnetlink.hpp"

namespace vpn::p2p {
namespace {

// A traffic selector's address range as the CIDR blocks that cover it exactly.
std::vector<std::pair<tun::Ipv4, int>> cidr_blocks(const ike::TrafficSelector& ts) {
    std::vector<std::pair<tun::Ipv4, int>> out;
    if (ts.type != ike::TsType::Ipv4AddrRange) return out;
    auto be = [](const std::array<std::uint8_t, 16>& a) {
        return std::uint64_t(a[0]) << 24 | std::uint64_t(a[1]) << 16 | std::uint64_t(a[2]) << 8 | a[3];
    };
    std::uint64_t lo = be(ts.start), hi = be(ts.end);
    // Bounded: a range splits into at most 62 blocks.
    while (lo <= hi && out.size() < 64) {
        int prefix = 32;
        while (prefix > 0) {
            std::uint64_t size = 1ull << (32 - (prefix - 1));
            if (lo % size != 0 || lo + size - 1 > hi) break;
            --prefix;
        }
        out.emplace_back(tun::Ipv4::from_host(static_cast<std::uint32_t>(lo)), prefix);
        lo += 1ull << (32 - prefix);
    }
    return out;
}

tun::Ipv4 ipv4_of(const ike::IpAddress& a) { return tun::Ipv4::from_host(a.host_v4()); }

// The road warrior's device: the virtual IP as a /32, a route per offered network
// (everything offered is the gateway's to route: 0.0.0.0/0 becomes the two /1
// halves, as redirect-gateway def1 does, so the route to the gateway survives),
// plus the config's own `route`s.
class ClientAddress {
public:
    explicit ClientAddress(const config::Options& o) : o_(o) {}

    // Returns true when a device was (re)opened and must be attached to the loop.
    bool apply(const ike::IpAddress& vip, const std::vector<ike::TrafficSelector>& remote_ts,
               const std::vector<ike::IpAddress>& dns) {
        if (vip.len != 4) {
            log::warn("IKE: the gateway assigned an IPv6 address; only IPv4 runs here");
            return false;
        }
        if (dev_ && vip_ == vip) return false;  // the same address after a new IKE SA: keep everything
        close();
        dev_.emplace(open_device(o_));
        tun::add_address(dev_->ifindex(), ipv4_of(vip), 32);
        vip_ = vip;
        log::info("virtual IP {} on {}", vip.str(), dev_->name());
        for (const auto& d : dns) log::info("DNS server from the gateway: {}", d.str());
        for (const auto& ts : remote_ts)
            for (auto [net, prefix] : cidr_blocks(ts)) {
                if (prefix == 0) {
                    add(tun::Ipv4::from_host(0), 1);
                    add(tun::Ipv4::from_host(0x80000000u), 1);
                } else if (!(prefix == 32 && net.be == ipv4_of(vip).be)) {
                    add(net, prefix);
                }
            }
        if (o_.up) run_script(o_, *o_.up, "up", dev_->name(), ScriptAddresses::from(o_));
        add_routes(o_, *dev_);
        return true;
    }

    void close() {
        if (!dev_) return;
        std::string name = dev_->name();
        dev_.reset();
        device_closed(o_, name, ScriptAddresses::from(o_));
    }

    const std::optional<tun::TunDevice>& device() const { return dev_; }

private:
    void add(tun::Ipv4 net, int prefix) {
        tun::add_route(net, prefix, std::nullopt, dev_->ifindex(), std::nullopt);
        log::info("route add {}/{} dev {}", tun::format_ipv4(net), prefix, dev_->name());
    }

    const config::Options& o_;
    std::optional<tun::TunDevice> dev_;
    std::optional<ike::IpAddress> vip_;
};

}  // namespace

int run_ike_tunnel(const config::Options& o, const ipsec::IpsecPlan& plan, const RunHooks& hooks) {
    if (plan.keying != ipsec::Keying::Ike || !plan.ike) throw std::runtime_error("run_ike_tunnel: needs an IKE plan");
    if (plan.role == ipsec::Role::Gateway) throw std::runtime_error("run_ike_tunnel: the gateway is the server's");
    const bool client = plan.role == ipsec::Role::Client;
    const bool initiator = !o.remotes.empty();
    IkeLinkConfig cfg;
    cfg.sa = ipsec::ike_sa_config(plan, o, initiator ? ike::IkeRole::Initiator : ike::IkeRole::Responder);
    cfg.address_identity = ipsec::needs_address_identity(plan);
    cfg.replay_window = plan.ike->replay_window;
    cfg.retry_ms = std::int64_t(std::max(o.connect.connect_retry, 1)) * 1000;
    cfg.retry_max_ms = std::int64_t(std::max(o.connect.connect_retry_max_wait, o.connect.connect_retry)) * 1000;

    config::Options at_ike = o;
    at_ike.lport = at_ike.rport = 500;
    for (auto& r : at_ike.remotes) r.port.reset();
    LinkPlan link = plan_link(at_ike);
    link.ike = true;
    // strongSwan's libipsec only speaks ESP in UDP; plain ESP is for peers that
    // detect no NAT and are not forced into UDP.
    link.raw_esp = plan.ike->nat_traversal != config::NatTraversal::Force;
    if (initiator) {
        if (!link.remote) throw std::runtime_error(fmt::format("cannot resolve remote '{}'", link.remote_host));
        cfg.initiate_to = link.remote;
    }
    ChannelShape shape;  // the largest ESP overhead: CBC, 16-byte blocks, a 32-byte ICV
    shape.block_size = 16;
    shape.crypto_overhead = 8 + 16 + 2 + 32;
    cfg.mss = mss_for(o, shape, link);

    log::info("vpn {} starting: IPsec, IKEv2 ({}, {}), {}", VPN_VERSION,
              plan.ike->auth == ipsec::IkeSettings::Auth::Psk ? "pre-shared key" : "certificates",
              client ? "road-warrior client" : initiator ? "initiator" : "responder",
              o.config_file.empty() ? "command line" : o.config_file);
    if (o.lzo_framing()) log::warn("comp-lzo has no meaning for ESP: ignored");

    IpsecTransport* transport = nullptr;
    cfg.esp_path = [&transport](const net::SockAddr& peer, bool udp) {
        if (transport) transport->set_esp_peer(peer, udp);
    };
    const std::size_t payload_max = static_cast<std::size_t>(o.tun_mtu);
    if (!client) {
        IkeLink session(std::move(cfg), clock_now());
        return run_on_device(o, session, link, payload_max, hooks, [&transport](TunnelLoop& loop) {
            transport = &static_cast<IpsecTransport&>(loop.transport());
        });
    }

    ClientAddress address(o);
    TunnelLoop* loop = nullptr;
    bool announced = false;
    cfg.on_client_address = [&](const ike::IpAddress& vip, const std::vector<ike::TrafficSelector>& ts,
                                const std::vector<ike::IpAddress>& dns) {
        try {
            if (address.apply(vip, ts, dns)) loop->attach_tun(address.device()->fd(), address.device()->options().vnet_hdr);
        } catch (const std::exception& e) {
            log::error("Exiting due to fatal error: {}", e.what());
            loop->stop(1);
            return;
        }
        if (!announced) {
            announced = true;
            log::info("Initialization Sequence Completed");
            if (hooks.after_setup) hooks.after_setup();
        }
    };
    IkeLink session(std::move(cfg), clock_now());
    asio::io_context io(1);
    TunnelLoop tunnel(io, session, link, payload_max);
    loop = &tunnel;
    transport = &static_cast<IpsecTransport&>(tunnel.transport());
    tunnel.start();
    int status = tunnel.run();
    tunnel.detach_tun();
    try {
        address.close();
    } catch (const std::exception& e) {
        log::error("{}", e.what());
    }
    return status;
}

}  // namespace vpn::p2p
