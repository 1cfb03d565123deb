// Child SAs as IKE_AUTH and CREATE_CHILD_SA create them: keys from SK_d (RFC 7296
// §2.17), split by who initiated *that exchange* (pitfall 10), and the ChildSaUp
// event the runtime installs.
#include <algorithm>

#include "ipsec/esp/sa_keys.hpp"
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/proposal_select.hpp"
#include "ipsec/ike/ts_narrow.hpp"

namespace vpn::ike {

bool IkeSa::install_child(const Proposal& chosen, std::uint32_t spi_in, std::uint32_t spi_out, bool we_initiated,
                          Bytes pfs_secret, Bytes ni, Bytes nr, std::vector<TrafficSelector> local_ts,
                          std::vector<TrafficSelector> remote_ts, std::optional<std::uint32_t> replaces,
                          std::int64_t now) {
    TransformSet t = transform_set(chosen);
    auto suite = esp_suite(t);
    if (!suite) return false;
    TransformSet keyed = t;
    keyed.dh = dh::kNone;
    auto keys = derive_child_sa_keys(*cur_->prf, cur_->keys.sk_d.span(), keyed, pfs_secret, ni, nr);
    if (!keys) return false;
    ChildSaUp up;
    try {
        esp::SaKeys i_to_r = esp::make_sa_keys(*suite, keys->ei.span(), keys->ai.span());
        esp::SaKeys r_to_i = esp::make_sa_keys(*suite, keys->er.span(), keys->ar.span());
        // Ei/Ai protect exchange-initiator -> exchange-responder traffic.
        up.out = we_initiated ? i_to_r : r_to_i;
        up.in = we_initiated ? r_to_i : i_to_r;
    } catch (const esp::EspError&) {
        return false;
    }
    up.inbound_spi = spi_in;
    up.outbound_spi = spi_out;
    up.suite = *suite;
    up.esn = false;
    up.udp_encap = natt_;
    up.local_ts = local_ts;
    up.remote_ts = remote_ts;
    up.lifetime_ms = cfg_.esp_lifetime_ms;
    up.replaces_inbound_spi = replaces;

    Child c;
    c.spi_in = spi_in;
    c.spi_out = spi_out;
    c.transforms = t;
    c.local_ts = std::move(local_ts);
    c.remote_ts = std::move(remote_ts);
    c.rekey_at = jittered(cfg_.esp_lifetime_ms, now);
    c.expire_at = now + cfg_.esp_lifetime_ms;
    children_.push_back(std::move(c));
    emit(std::move(up));
    return true;
}

std::uint32_t IkeSa::new_inbound_spi() {
    for (;;) {
        std::uint32_t s = rng_->esp_spi();
        if (!child_by_in(s)) return s;
    }
}

IkeSa::Child* IkeSa::child_by_in(std::uint32_t spi) {
    auto it = std::find_if(children_.begin(), children_.end(), [&](const Child& c) { return c.spi_in == spi; });
    return it == children_.end() ? nullptr : &*it;
}

IkeSa::Child* IkeSa::child_by_out(std::uint32_t spi) {
    auto it = std::find_if(children_.begin(), children_.end(), [&](const Child& c) { return c.spi_out == spi; });
    return it == children_.end() ? nullptr : &*it;
}

void IkeSa::remove_child(std::uint32_t spi_in, const std::string& reason) {
    auto it = std::find_if(children_.begin(), children_.end(), [&](const Child& c) { return c.spi_in == spi_in; });
    if (it == children_.end()) return;
    emit(ChildSaDown{it->spi_in, it->spi_out, reason});
    children_.erase(it);
}

std::vector<TrafficSelector> IkeSa::allowed_remote_ts() const {
    // A gateway's clients get exactly their virtual address (pitfall 17).
    if (cfg_.virtual_ip == VirtualIp::Gateway) {
        if (vip_) return {ts_host(*vip_)};
        return {};
    }
    if (cfg_.remote_ts.empty()) return {ts_any_v4()};
    return cfg_.remote_ts;
}

}  // namespace vpn::ike
