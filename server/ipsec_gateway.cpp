#include "server/ipsec_gateway.hpp"

#include <arpa/inet.h>

#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "ipsec/config/ike_sa_settings.hpp"
#include "p2p/ike_endpoints.hpp"
#include "p2p/ike_link.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/mss_plan.hpp"
#include "p2p/tunnel_loop.hpp"
#include "server/address_pool.hpp"
#include "server/status_file.hpp"

namespace vpn::server {
namespace {

// The name a peer's lease is kept under: for a certificate's subject DN its common
// name, as the TLS server keys the pool, so a client keeps its address when the
// server switches technique; any other identity as written.
std::string pool_name(const ike::Identity& id) {
    std::string text = id.str();
    if (id.type != ike::IdType::DerAsn1Dn) return text;
    auto at = text.rfind("CN=");
    if (at == std::string::npos) return text;
    auto end = text.find(", ", at);
    return text.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3);
}

// The TLS server's pool, leased by IKE identity instead of common name: the same
// peer gets the same address again, and the persist file keeps that across restarts.
class PoolAllocator final : public ike::AddressAllocator {
public:
    PoolAllocator(const PoolConfig& cfg, const std::optional<std::string>& persist_path, int persist_seconds)
        : pool_(cfg) {
        if (persist_path) persist_.emplace(*persist_path, persist_seconds);
        if (persist_)
            pool_.load_persist(persist_->load(), [&](const std::string& w) { log::warn("{}: {}", persist_->path(), w); });
    }

    std::optional<ike::IpAddress> acquire(const ike::Identity& peer) override {
        auto lease = pool_.acquire(pool_name(peer));
        if (!lease) {
            log::warn("IKE: the address pool is full; {} gets no virtual IP", peer.str());
            return std::nullopt;
        }
        leases_[lease->address] = *lease;
        save();
        return ike::IpAddress::v4_host(lease->address);
    }

    void release(const ike::Identity& peer, const ike::IpAddress& address) override {
        (void)peer;
        auto it = leases_.find(address.host_v4());
        if (it == leases_.end()) return;
        pool_.release(it->second);
        leases_.erase(it);
        save();
    }

private:
    void save() {
        if (persist_ && !persist_->read_only()) persist_->write(pool_.persist_text());
    }

    AddressPool pool_;
    std::optional<PersistFile> persist_;
    std::map<std::uint32_t, Lease> leases_;
};

// `push "route NET MASK"` and `push "dhcp-option DNS ADDR"`: what IPsec can carry of
// the push list (the config layer refuses the rest under technique ipsec).
void from_pushes(const config::Options& o, ike::IkeSaConfig& c) {
    for (const auto& line : o.push) {
        std::istringstream words(line);
        std::string verb, a, b;
        words >> verb >> a >> b;
        if (verb == "route") {
            if (auto ts = ipsec::ipv4_selector(a, b.empty() ? "255.255.255.255" : b)) c.local_ts.push_back(*ts);
        } else if (verb == "dhcp-option" && a == "DNS") {
            in_addr dns{};
            if (inet_pton(AF_INET, b.c_str(), &dns) == 1) c.dns.push_back(ike::IpAddress::v4_host(ntohl(dns.s_addr)));
        }
    }
}

}  // namespace

int run_ipsec_gateway(const config::Options& o, const ipsec::IpsecPlan& plan, const p2p::RunHooks& hooks) {
    if (plan.keying != ipsec::Keying::Ike || !plan.ike) throw std::runtime_error("the IPsec gateway needs IKE keying");
    const auto& srv = o.server;
    if (!srv.pool_defined) throw std::runtime_error("the IPsec gateway needs an address pool ('server NET MASK' or ifconfig-pool)");
    p2p::IkeLinkConfig cfg;
    cfg.sa = ipsec::ike_sa_config(plan, o, ike::IkeRole::Responder);
    cfg.gateway = true;
    cfg.address_identity = ipsec::needs_address_identity(plan);
    cfg.replay_window = plan.ike->replay_window;
    // What the road warriors reach through us: the tunnel network and pushed routes.
    if (srv.server) {
        auto [net, mask] = *srv.server;
        ike::TrafficSelector ts;
        for (int i = 0; i < 4; ++i) {
            ts.start[i] = std::uint8_t((net & mask) >> (24 - 8 * i));
            ts.end[i] = std::uint8_t(((net & mask) | ~mask) >> (24 - 8 * i));
        }
        cfg.sa.local_ts.push_back(ts);
    }
    from_pushes(o, cfg.sa);

    PoolConfig pool;
    pool.kind = PoolKind::Individual;  // IPsec addresses are /32s, whatever the topology
    pool.start = srv.pool_start;
    pool.end = srv.pool_end;
    pool.duplicate_cn = srv.duplicate_cn;
    in_addr self{};
    if (o.ifconfig_local && inet_pton(AF_INET, o.ifconfig_local->c_str(), &self) == 1)
        pool.server_address = ntohl(self.s_addr);
    cfg.sa.allocator = std::make_shared<PoolAllocator>(pool, srv.pool_persist_file, srv.pool_persist_seconds);

    config::Options at_ike = o;
    at_ike.lport = at_ike.rport = 500;
    p2p::LinkPlan link = p2p::plan_link(at_ike);
    link.ike = true;
    link.raw_esp = plan.ike->nat_traversal != config::NatTraversal::Force;
    p2p::ChannelShape shape;  // the largest ESP overhead: CBC, 16-byte blocks, a 32-byte ICV
    shape.block_size = 16;
    shape.crypto_overhead = 8 + 16 + 2 + 32;
    cfg.mss = p2p::mss_for(o, shape, link);

    log::info("vpn {} starting: IPsec gateway, IKEv2 ({}), pool {} - {}, {}", VPN_VERSION,
              plan.ike->auth == ipsec::IkeSettings::Auth::Psk ? "pre-shared key" : "certificates",
              ike::IpAddress::v4_host(srv.pool_start).str(), ike::IpAddress::v4_host(srv.pool_end).str(),
              o.config_file.empty() ? "command line" : o.config_file);
    p2p::IkeLink session(std::move(cfg), p2p::clock_now());
    return p2p::run_on_device(o, session, link, static_cast<std::size_t>(o.tun_mtu), hooks);
}

}  // namespace vpn::server
