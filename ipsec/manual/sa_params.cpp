#include "ipsec/manual/sa_params.hpp"

#include <fmt/format.h>

#include "ipsec/esp/esp_algorithms.hpp"

namespace vpn::ipsec::manual {
namespace {

esp::Suite suite_of(const EspAlgorithm& a) {
    auto encr = esp::encr_from_ike(a.encr_id);
    auto integ = esp::integ_from_ike(a.integ_id);
    if (!encr || !integ)
        throw esp::EspError(
            fmt::format("ESP algorithm {} is not implemented in the data path", esp_algorithm_name(a)));
    esp::Suite s{*encr, a.encr_key_bits, *integ};
    // The config layer writes 0 bits for fixed-key ciphers; the data path wants 192.
    if (s.encr == esp::Encr::TripleDesCbc) s.encr_bits = 192;
    esp::validate(s);
    return s;
}

}  // namespace

esp::SaParams sa_params(const ManualSa& m) {
    esp::SaParams p;
    p.spi = m.spi;
    p.keys = esp::make_sa_keys(suite_of(m.algorithm), m.encr_key.span(), m.integ_key.span());
    p.replay_window = m.replay_window;
    return p;
}

}  // namespace vpn::ipsec::manual
