// The MultiServer as the status file, SIGUSR2 and the management interface see it.
#include <arpa/inet.h>

#include <cstring>

#include <fmt/format.h>

#include "server/multi_server.hpp"
#include "server/multi_server_client.hpp"

namespace vpn::server {

StatusSnapshot MultiServer::snapshot(std::time_t now) const {
    StatusSnapshot s;
    s.now = now;
    s.title = fmt::format("vpn {} x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO]", VPN_VERSION);
    for (const auto& c : slots_) {
        if (!c || !c->established) continue;
        ClientStatus cs;
        cs.common_name = c->info.common_name.empty() ? "UNDEF" : c->info.common_name;
        cs.real = c->addr;
        if (c->vaddr.be) cs.virtual_v4 = tun::format_ipv4(c->vaddr);
        auto& st = const_cast<p2p::TlsLink&>(*c->link).stats();
        cs.bytes_received = st.link_read_bytes;
        cs.bytes_sent = st.link_write_bytes;
        cs.connected_since = c->info.connected_since;
        cs.username = c->info.username.empty() ? "UNDEF" : c->info.username;
        cs.client_id = c->slot;
        cs.peer_id = c->slot;
        cs.cipher = c->link->cipher();
        s.clients.push_back(std::move(cs));
        for (const auto& r : c->routes) {
            RouteStatus rs;
            rs.virtual_address = format_route(r);
            rs.common_name = s.clients.back().common_name;
            rs.real = c->addr;
            rs.last_ref = now;
            s.routes.push_back(std::move(rs));
        }
    }
    return s;
}

p2p::TunnelStats MultiServer::total_stats() const {
    p2p::TunnelStats t = ended_stats_;
    for (const auto& c : slots_)
        if (c) t += const_cast<p2p::TlsLink&>(*c->link).stats();
    // What no client owns: strangers' packets, refused newcomers, device packets
    // for no one.
    auto& ld = t.link_drops;
    ld[static_cast<std::size_t>(p2p::LinkDrop::WrongSource)] +=
        counters_.unknown_source + counters_.rate_limited + counters_.max_clients;
    ld[static_cast<std::size_t>(p2p::LinkDrop::NoPeer)] += counters_.no_route;
    ld[static_cast<std::size_t>(p2p::LinkDrop::BadPayload)] += counters_.not_ipv4;
    return t;
}

std::string MultiServer::virtual_address_of(const std::string& common_name) const {
    for (const auto& c : slots_)
        if (c && c->established && c->info.common_name == common_name && c->vaddr.be)
            return tun::format_ipv4(c->vaddr);
    return {};
}

std::vector<std::string> MultiServer::status_lines(int version) {
    return server::status_lines(snapshot(std::time(nullptr)), version == 0 ? o_.server.status_version : version);
}

int MultiServer::kill_by_common_name(const std::string& cn) {
    int n = 0;
    for (auto& c : slots_) {
        if (!c || c->end_reason || c->info.common_name != cn) continue;
        c->link->send_restart(last_now_);
        request_end(*c, "kill", last_now_);
        ++n;
    }
    return n;
}

int MultiServer::kill_by_address(std::uint32_t ipv4, std::uint16_t port) {
    int n = 0;
    for (auto& c : slots_) {
        if (!c || c->end_reason || c->addr.port() != port) continue;
        std::uint32_t host = 0;
        if (c->addr.family() == AF_INET) {
            host = ntohl(reinterpret_cast<const sockaddr_in*>(c->addr.sa())->sin_addr.s_addr);
        } else if (c->addr.family() == AF_INET6) {
            const auto& a6 = reinterpret_cast<const sockaddr_in6*>(c->addr.sa())->sin6_addr;
            if (!IN6_IS_ADDR_V4MAPPED(&a6)) continue;
            std::uint32_t be;
            std::memcpy(&be, a6.s6_addr + 12, 4);
            host = ntohl(be);
        }
        if (host != ipv4) continue;
        c->link->send_restart(last_now_);
        request_end(*c, "kill", last_now_);
        ++n;
    }
    return n;
}

LoadStats MultiServer::load_stats() {
    LoadStats l;
    for (const auto& c : slots_)
        if (c && c->established) ++l.n_clients;
    l.bytes_in = counters_.link_bytes_in;
    l.bytes_out = counters_.link_bytes_out;
    return l;
}

std::vector<ClientBytes> MultiServer::client_bytes() {
    std::vector<ClientBytes> out;
    for (const auto& c : slots_) {
        if (!c || !c->established) continue;
        auto& st = c->link->stats();
        out.push_back(ClientBytes{c->slot, st.link_read_bytes, st.link_write_bytes});
    }
    return out;
}


}  // namespace vpn::server
