#include "p2p/device_setup.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "common/net/sock_addr.hpp"
#include "tun/rtnetlink.hpp"

namespace vpn::p2p {
namespace {

tun::Ipv4 must_ipv4(const std::string& text, const char* what) {
    if (auto a = tun::parse_ipv4(text)) return *a;
    // Route networks may be host names (OpenVPN resolves them once at start).
    std::string err;
    auto addrs = net::resolve(text, 0, net::Want::V4, false, &err);
    if (addrs.empty()) throw std::runtime_error(fmt::format("cannot resolve {} '{}': {}", what, text, err));
    auto* in = reinterpret_cast<const sockaddr_in*>(&addrs.front().storage);
    return tun::Ipv4{in->sin_addr.s_addr};
}

}  // namespace

tun::TunDevice open_device(const config::Options& o, bool want_offloads) {
    bool tap = o.device_type() == config::DevType::Tap;
    // TUN devices carry a virtio header so the kernel can hand us TCP super-packets
    // (TSO) and take coalesced ones back: the batched data path (tun/offload).
    tun::TunOptions opts;
    opts.vnet_hdr = !tap && want_offloads;
    auto dev = tun::TunDevice::open(o.dev, tap ? tun::Kind::Tap : tun::Kind::Tun, opts);
    bool offloads = opts.vnet_hdr && dev.enable_offloads();
    log::info("{} device [{}] opened{}", tap ? "TAP" : "TUN", dev.name(), offloads ? " (TSO offload)" : "");
    dev.set_nonblocking(true);
    dev.set_txqueuelen(1000);
    tun::set_mtu(dev.ifindex(), o.tun_mtu);
    if (o.ifconfig_local && o.ifconfig_remote) {
        auto local = must_ipv4(*o.ifconfig_local, "ifconfig address");
        auto other = must_ipv4(*o.ifconfig_remote, "ifconfig address");
        // tap, and tun with topology subnet: the second word is a netmask.
        if (tap || o.topology == config::Topology::Subnet) {
            int prefix = tun::netmask_to_prefix(other);
            if (prefix < 0) throw std::runtime_error(fmt::format("ifconfig: '{}' is not a netmask", *o.ifconfig_remote));
            tun::add_address(dev.ifindex(), local, prefix);
            log::info("net_addr_v4_add: {}/{} dev {}", *o.ifconfig_local, prefix, dev.name());
        } else {
            tun::add_address_p2p(dev.ifindex(), local, other);
            log::info("net_addr_ptp_v4_add: {} peer {} dev {}", *o.ifconfig_local, *o.ifconfig_remote, dev.name());
        }
    }
    tun::set_link_up(dev.ifindex(), true);
    log::info("net_iface_mtu_set: mtu {} for {}; link up", o.tun_mtu, dev.name());
    return dev;
}

void add_routes(const config::Options& o, const tun::TunDevice& dev) {
    for (const auto& r : o.routes) {
        auto net = must_ipv4(r.network, "route network");
        auto mask = must_ipv4(r.netmask, "route netmask");
        int prefix = tun::netmask_to_prefix(mask);
        if (prefix < 0) throw std::runtime_error(fmt::format("route: '{}' is not a netmask", r.netmask));
        auto masked = tun::network_of(net, prefix);
        if (masked.be != net.be) {
            log::warn("WARNING: route {} {}: host bits set, using network {}", r.network, r.netmask,
                      tun::format_ipv4(masked));
            net = masked;
        }
        std::optional<tun::Ipv4> gw;
        if (r.gateway && *r.gateway != "vpn_gateway")
            gw = must_ipv4(*r.gateway, "route gateway");
        else if (o.device_type() == config::DevType::Tun && o.ifconfig_remote && o.topology != config::Topology::Subnet)
            gw = must_ipv4(*o.ifconfig_remote, "route gateway");  // OpenVPN's vpn_gateway in p2p
        tun::add_route(net, prefix, gw, dev.ifindex(), r.metric);
        log::info("route add {}/{} via {} dev {}", r.network, prefix,
                  gw ? tun::format_ipv4(*gw) : std::string("(device)"), dev.name());
    }
}

}  // namespace vpn::p2p
