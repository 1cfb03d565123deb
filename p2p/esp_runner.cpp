// Setup and teardown of a manually keyed ESP tunnel, in the static-key tunnel's
// order: SAs first (cheap failures), device, up script, routes, socket, then
// daemon/privileges, then traffic.
#include "p2p/esp_runner.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "ipsec/esp/esp_algorithms.hpp"
#include "p2p/esp_link.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/mss_plan.hpp"
#include "p2p/tunnel_loop.hpp"

namespace vpn::p2p {
namespace {

// RFC 3948's port for ESP in UDP, used unless the config names its own.
constexpr std::uint16_t kNatTPort = 4500;

esp::Suite suite_of(const ipsec::EspAlgorithm& a) {
    auto encr = esp::encr_from_ike(a.encr_id);
    auto integ = esp::integ_from_ike(a.integ_id);
    if (!encr || !integ)
        throw std::runtime_error(fmt::format("ESP algorithm {} is not implemented in the data path",
                                             ipsec::esp_algorithm_name(a)));
    esp::Suite s{*encr, a.encr_key_bits, *integ};
    if (s.encr == esp::Encr::TripleDesCbc) s.encr_bits = 192;
    esp::validate(s);
    return s;
}

esp::SaParams sa_params(const ipsec::manual::ManualSa& m) {
    esp::SaParams p;
    p.spi = m.spi;
    p.keys = esp::make_sa_keys(suite_of(m.algorithm), m.encr_key.span(), m.integ_key.span());
    p.replay_window = m.replay_window;
    return p;
}

}  // namespace

int run_esp_tunnel(const config::Options& o, const ipsec::IpsecPlan& plan, const RunHooks& hooks) {
    if (plan.keying != ipsec::Keying::StaticKey || plan.static_sas.size() != 2)
        throw std::runtime_error("run_esp_tunnel: needs the two SAs of a static key");
    const auto& out_sa = plan.static_sas[0];
    const auto& in_sa = plan.static_sas[1];

    auto out = std::make_unique<esp::OutboundSa>(sa_params(out_sa));
    esp::SpiTable in;
    in.install(std::make_unique<esp::InboundSa>(sa_params(in_sa)));

    // ESP in UDP lives on 4500 at both ends (the config refuses port/lport/rport under
    // technique ipsec); raw ESP has no ports at all.
    config::Options at_natt = o;
    at_natt.lport = at_natt.rport = kNatTPort;
    for (auto& r : at_natt.remotes) r.port.reset();
    LinkPlan link = plan_link(at_natt);
    EspLinkConfig cfg;
    cfg.udp_encap = plan.static_udp_encap;
    link.raw_esp = !cfg.udp_encap;
    ChannelShape shape;
    shape.block_size = esp::pad_align(out->suite().encr) > 4 ? esp::pad_align(out->suite().encr) : 0;
    shape.crypto_overhead = out->head_room() + 2 + esp::icv_len(out->suite());
    cfg.mss = mss_for(o, shape, link);

    log::info("vpn {} starting: IPsec, manually keyed ESP ({}), {}", VPN_VERSION,
              ipsec::esp_algorithm_name(out_sa.algorithm), o.config_file.empty() ? "command line" : o.config_file);
    log::info("ESP SAs: outbound SPI 0x{:08x}, inbound SPI 0x{:08x}, {}", out_sa.spi, in_sa.spi,
              cfg.udp_encap ? "in UDP (RFC 3948)" : "IP protocol 50");
    if (o.lzo_framing()) log::warn("comp-lzo has no meaning for ESP: ignored");

    EspLink session(cfg, std::move(out), std::move(in), clock_now());
    return run_on_device(o, session, link, static_cast<std::size_t>(o.tun_mtu), hooks);
}

}  // namespace vpn::p2p
