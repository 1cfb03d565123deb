#pragma once
// A manual SA (static key or setkey `add`) as the ESP data path builds it.
#include "ipsec/esp/sa_keys.hpp"
#include "ipsec/manual/manual_sa.hpp"

namespace vpn::ipsec::manual {

// The SPI, keys and replay window of `m` as esp::SaParams (no ESN: manual SAs
// have none).  Throws esp::EspError if the algorithm has no data-path
// implementation or the keys do not fit it.
esp::SaParams sa_params(const ManualSa& m);

}  // namespace vpn::ipsec::manual
