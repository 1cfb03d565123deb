#pragma once
// Bringing the TUN/TAP device up from the options: open, MTU, addresses, link up,
// then (after the up script) routes.  Everything goes away with the device when it
// is closed, so there is no teardown besides closing it.
#include <string>

#include "common/config/options.hpp"
#include "tun/tun_device.hpp"

namespace vpn::p2p {

// Throws tun::TunError / std::runtime_error with a one-line reason.
// `offloads`: TUN with a virtio header and TSO (the p2p data path's batching); the
// multi-client server reads plain packets.
tun::TunDevice open_device(const config::Options& o, bool offloads = true);

void add_routes(const config::Options& o, const tun::TunDevice& dev);

}  // namespace vpn::p2p
