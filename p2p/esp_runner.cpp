// Setup and teardown of a manually keyed ESP tunnel, in the static-key tunnel's
// order: SAs first (cheap failures), device, up script, routes, socket, then
// daemon/privileges, then traffic.
#include "p2p/esp_runner.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "ipsec/config/esp_algorithms.hpp"
#include "ipsec/manual/setkey_peer.hpp"
#include "p2p/esp_link.hpp"
#include "p2p/esp_setup.hpp"
#include "p2p/tunnel_loop.hpp"

namespace vpn::p2p {
namespace {

void log_start(const config::Options& o, const ipsec::IpsecPlan& plan, const EspSetup& s) {
    const char* wire = s.cfg.udp_encap ? "in UDP (RFC 3948)" : "IP protocol 50";
    const std::string source = o.config_file.empty() ? "command line" : o.config_file;
    if (plan.keying == ipsec::Keying::StaticKey) {
        log::info("vpn {} starting: IPsec, manually keyed ESP ({}), {}", VPN_VERSION,
                  ipsec::esp_algorithm_name(plan.static_sas[0].algorithm), source);
        log::info("ESP SAs: outbound SPI 0x{:08x}, inbound SPI 0x{:08x}, {}", plan.static_sas[0].spi,
                  plan.static_sas[1].spi, wire);
        return;
    }
    log::info("vpn {} starting: IPsec, manually keyed ESP from setkey statements ({}), {}", VPN_VERSION,
              plan.setkey_name, source);
    log::info("ESP SAs: {} outbound, {} inbound, {} policies; local {}, peer {}, {}", s.sad.outbound_count(),
              s.sad.inbound_count(), plan.setkey.policies.size(), ipsec::manual::endpoint_text(plan.setkey_peer.local),
              ipsec::manual::endpoint_text(plan.setkey_peer.peer), wire);
    if (s.sad.outbound_count() == 0) log::warn("setkey: no SA is outbound: nothing will be sent to the peer");
}

}  // namespace

int run_esp_tunnel(const config::Options& o, const ipsec::IpsecPlan& plan, const RunHooks& hooks) {
    Now now = clock_now();
    EspSetup s = plan.keying == ipsec::Keying::StaticKey ? static_key_setup(o, plan, now)
                 : plan.keying == ipsec::Keying::Setkey  ? setkey_setup(o, plan, now)
                                                         : throw std::runtime_error("run_esp_tunnel: needs manual keys");
    log_start(o, plan, s);
    if (o.lzo_framing()) log::warn("comp-lzo has no meaning for ESP: ignored");

    EspLink session(s.cfg, std::move(s.sad), now);
    return run_on_device(o, session, s.link, static_cast<std::size_t>(o.tun_mtu), hooks);
}

}  // namespace vpn::p2p
