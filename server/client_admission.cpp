// A client's admission to the MultiServer (2.6's multi_connection_established and
// what runs before it): user/password, client-config-dir, duplicate-cn, the pool,
// client-connect, the address and routes, the PUSH_REPLY; and the hooks that run
// the scripts for real.
#include <algorithm>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "common/openvpn/ncp.hpp"
#include "common/openvpn/server_push.hpp"
#include "server/multi_server.hpp"
#include "server/multi_server_client.hpp"

namespace vpn::server {

using ovpn::session::TlsSession;

ServerHooks server_hooks(const config::Options& o) {
    ServerHooks h;
    const auto& s = o.server;
    if (s.client_config_dir) {
        h.load_ccd = [dir = *s.client_config_dir, excl = s.ccd_exclusive](std::string_view cn) {
            return load_client_config(dir, cn, excl);
        };
    }
    auto settings = std::make_shared<ScriptSettings>(ScriptSettings::from_options(o));
    if (s.auth_user_pass_verify)
        h.verify_user_pass = [settings](const ClientScriptInfo& i, std::string_view pw) {
            return verify_user_pass(*settings, i, pw);
        };
    if (s.client_connect)
        h.client_connect = [settings](const ClientScriptInfo& i) { return client_connect(*settings, i); };
    if (s.client_disconnect)
        h.client_disconnect = [settings](const ClientScriptInfo& i) { client_disconnect(*settings, i); };
    if (s.learn_address)
        h.learn_address = [settings](std::string_view op, const std::string& a, const ClientScriptInfo* i) {
            return learn_address(*settings, op, a, i);
        };
    return h;
}

std::string MultiServer::client_label(const Client& c) const {
    const std::string& cn = c.info.common_name;
    return fmt::format("{}/{}", cn.empty() ? "UNDEF" : cn, format_real_address(c.addr));
}

// ssl_verify.c (user/pass), multi.c: multi_connection_established: the client-config-dir
// file, the client-connect script, the virtual address, the routes -- in 2.6's order.
std::string MultiServer::authorize(Client& c, const TlsSession& s) {
    const auto& so = o_.server;
    c.info.common_name = s.peer_common_name();
    c.info.username = s.peer_username();
    c.info.peer_info = s.peer_info();
    if (hooks_.verify_user_pass) {
        const auto& pw = s.peer_password();
        std::string_view password(reinterpret_cast<const char*>(pw.data()), pw.size());
        if (c.info.username.empty() || !hooks_.verify_user_pass(c.info, password))
            return fmt::format("{}: TLS Auth Error: Auth Username/Password verification failed for peer",
                               client_label(c));
    }
    if (so.username_as_common_name && !c.info.username.empty()) c.info.common_name = c.info.username;
    const std::string& cn = c.info.common_name;

    ClientConfig cfg;
    if (hooks_.load_ccd) {
        auto r = hooks_.load_ccd(cn);
        for (const auto& w : r.config.warnings) log::warn("{}", w);
        if (r.status == CcdStatus::Refused) return fmt::format("{}: {}", client_label(c), r.reason);
        if (r.status == CcdStatus::Loaded) {
            if (r.config.disable) return fmt::format("{}: client is disabled in {}", client_label(c), r.path);
            cfg = std::move(r.config);
        }
    }
    if (!so.duplicate_cn && !cn.empty()) {
        for (auto& other : slots_) {
            if (!other || other.get() == &c || !other->admitted || other->info.common_name != cn) continue;
            log::info("MULTI: new connection by client '{}' will cause previous active sessions by this client to "
                      "be dropped.  Remember to use the --duplicate-cn option if you want multiple clients using "
                      "the same certificate or username to concurrently connect.",
                      cn);
            // Gone before the pool is asked, so the name gets its address back (2.6:
            // multi_delete_dup runs before multi_select_virtual_addr).
            end_client(*other, "duplicate-cn");
        }
    }
    if (!cfg.ifconfig_push && o_.ifconfig_push) {
        // ifconfig-push in the main config: every client's address (a one-client server).
        auto local = tun::parse_ipv4(o_.ifconfig_push->first);
        auto second = tun::parse_ipv4(o_.ifconfig_push->second);
        if (local && second) cfg.ifconfig_push = IfconfigPush{*local, *second, std::nullopt};
    }
    // multi_select_virtual_addr: a fixed address, else the pool (early, for the
    // client-connect script's environment).
    if (!cfg.ifconfig_push && pool_) {
        c.lease = pool_->acquire(cn);
        if (c.lease) {
            c.info.pool_remote_ip = c.lease->address;
            const bool net30 = c.lease->peer != 0;
            c.info.pool_is_netmask = !net30;
            c.info.pool_netmask_or_local = net30 ? c.lease->peer : pool_netmask();
        }
    }
    if (hooks_.client_connect) {
        auto r = hooks_.client_connect(c.info);
        for (const auto& w : r.config.warnings) log::warn("{}", w);
        if (!r.accepted || r.config.disable) {
            if (c.lease) pool_->release(*c.lease);
            c.lease.reset();
            return fmt::format("{}: client-connect refused the client", client_label(c));
        }
        c.connect_ran = r.ran;
        if (r.config.ifconfig_push) cfg.ifconfig_push = r.config.ifconfig_push;
        for (const auto& ir : r.config.iroutes) cfg.iroutes.push_back(ir);
        c.push = merge_push(merge_push(o_.push, cfg), r.config);
        cfg.block_ifconfig = cfg.block_ifconfig || r.config.block_ifconfig;
    } else {
        c.push = merge_push(o_.push, cfg);
    }
    if (cfg.ifconfig_push) {
        if (c.lease) pool_->release(*c.lease);
        c.lease.reset();
        const auto& ip = *cfg.ifconfig_push;
        c.vaddr = ip.local;
        c.ifconfig.emplace(tun::format_ipv4(ip.alias.value_or(ip.local)), tun::format_ipv4(ip.remote_netmask));
    } else if (c.lease) {
        c.vaddr = tun::Ipv4::from_host(c.lease->address);
        c.ifconfig.emplace(ipv4_text(c.lease->address), ipv4_text(ifconfig_second(*c.lease)));
    } else if (pool_ || so.pool_defined) {
        log::warn("{} MULTI: no dynamic or static remote --ifconfig address is available", client_label(c));
    }
    if (so.push_ifconfig_blocked || cfg.block_ifconfig) c.ifconfig.reset();
    if (c.vaddr.be != 0 && !tap_) learn(c, Route{RouteKind::Address, c.vaddr, 32});
    for (const auto& ir : cfg.iroutes) learn(c, Route{RouteKind::Iroute, ir.network, ir.prefix_len});
    c.admitted = true;
    return {};
}

// pool.c / multi.c: the second word of the pushed ifconfig.
std::uint32_t MultiServer::ifconfig_second(const Lease& l) const {
    if (l.peer != 0) return l.peer;  // net30: the client's peer in its /30
    if (!tap_ && o_.topology.value_or(config::Topology::Net30) == config::Topology::P2p)
        return server_address_.host();
    return pool_netmask();
}

std::uint32_t MultiServer::pool_netmask() const {
    if (o_.server.pool_netmask) return o_.server.pool_netmask;
    if (o_.ifconfig_remote)
        if (auto m = tun::parse_ipv4(*o_.ifconfig_remote)) return m->host();
    return 0xffffff00u;
}

bool MultiServer::learn(Client& c, const Route& r) {
    const LearnResult p = routes_.preview(r, c.slot);
    switch (p.op) {
        case LearnOp::None:
            return true;
        case LearnOp::Add:
        case LearnOp::Update:
            break;
        default:
            log::warn("{} MULTI: cannot learn route {}", client_label(c), format_route(r));
            return false;
    }
    if (hooks_.learn_address &&
        !hooks_.learn_address(p.op == LearnOp::Add ? "add" : "update", format_route(r), &c.info))
        return false;
    const LearnResult done = routes_.learn(r, c.slot);
    if (done.previous != kNoClient && slots_[done.previous]) {
        auto& prev = slots_[done.previous]->routes;
        prev.erase(std::remove(prev.begin(), prev.end(), r), prev.end());
    }
    c.routes.push_back(r);
    log::verbose("MULTI: Learn: {} -> {}", format_route(r), client_label(c));
    return true;
}

bool MultiServer::learn_mac(Client& c, const Mac& mac, std::int64_t now) {
    if (!mac_learnable(mac)) return false;
    LearnResult p = macs_.preview(mac, c.slot, now);
    if (p.op == LearnOp::TableFull) {
        for (const auto& e : macs_.expire(now))
            if (hooks_.learn_address) hooks_.learn_address("delete", format_mac(e.mac), nullptr);
        p = macs_.preview(mac, c.slot, now);
    }
    if (p.op == LearnOp::None) {
        macs_.learn(mac, c.slot, now);  // refreshes its age
        return true;
    }
    if (p.op != LearnOp::Add && p.op != LearnOp::Update) return false;
    if (hooks_.learn_address && !hooks_.learn_address(p.op == LearnOp::Add ? "add" : "update", format_mac(mac), &c.info))
        return false;
    macs_.learn(mac, c.slot, now);
    return true;
}

void MultiServer::on_up(Client& c) {
    c.established = true;
    c.info.connected_since = std::time(nullptr);
    log::info("{} MULTI: peer-id {}, virtual address {}, {}", client_label(c), c.slot,
              c.vaddr.be ? tun::format_ipv4(c.vaddr) : std::string("none"), c.link->cipher());
}

std::vector<std::string> MultiServer::push_for(Client& c, const TlsSession& s, std::uint32_t peer_id) {
    ovpn::PushPeer peer;
    if (peer_id != ovpn::kNoPeerId) peer.peer_id = peer_id;
    peer.session_options = s.push_options();
    if (int mtu = ovpn::peer_info_mtu(s.peer_info())) peer.client_mtu = mtu;
    return ovpn::client_push_options(c.push, c.ifconfig, o_.tun_mtu, peer);
}


}  // namespace vpn::server
