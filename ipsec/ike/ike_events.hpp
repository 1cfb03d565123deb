#pragma once
// What an IkeSa tells the runtime (besides datagrams to send).  The runtime applies
// them in order: install/remove ESP SAs, configure the virtual IP, switch sockets.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ipsec/esp/sa_keys.hpp"
#include "ipsec/ike/ike_endpoint.hpp"
#include "ipsec/ike/ike_header.hpp"
#include "ipsec/ike/ike_identity.hpp"
#include "ipsec/ike/ts_payload.hpp"

namespace vpn::ike {

// A child SA is negotiated: install the inbound SA (our SPI, `in` keys) and switch
// outbound traffic for these selectors to the outbound one.  With
// `replaces_inbound_spi` it is a rekey: keep the old inbound SA until its
// ChildSaDown (no traffic gap), send on the new outbound SA from now on.
struct ChildSaUp {
    std::uint32_t inbound_spi = 0;
    std::uint32_t outbound_spi = 0;
    esp::Suite suite;
    esp::SaKeys in, out;
    bool esn = false;  // always false: we offer no-ESN only (libipsec has no ESN)
    bool udp_encap = false;  // NAT detected: ESP in UDP 4500 both ways
    std::vector<TrafficSelector> local_ts, remote_ts;
    std::int64_t lifetime_ms = 0;  // hard limit; the IkeSa rekeys before it
    std::optional<std::uint32_t> replaces_inbound_spi;
};

struct ChildSaDown {
    std::uint32_t inbound_spi = 0;
    std::uint32_t outbound_spi = 0;
    std::string reason;
};

// IKE_AUTH (or a CREATE_CHILD_SA) did not produce the child; the IKE SA stays.
struct ChildSaFailed {
    std::uint16_t notify = 0;  // the error notify (ours or the peer's)
    std::string reason;
};

struct IkeUp {
    Identity peer;
    std::optional<IpAddress> virtual_ip;  // assigned by us (Gateway) or to us (Client)
    std::vector<IpAddress> dns;           // received (Client) or handed out (Gateway)
};

struct IkeDown {
    std::string reason;
    bool authentication = false;  // AUTH failed (ours refused, or the peer's did not verify)
};

// NAT detected (or forced): IKE and ESP move to UDP 4500 with these endpoints.
struct NatChanged {
    bool use_4500 = true;
    Endpoint peer;
    Endpoint local;
};

// An authenticated message came from a new address/port (NAT rebinding, RFC 7296
// §2.23): send IKE and ESP there from now on.
struct PeerMoved {
    Endpoint peer;
};

// The IKE SA was rekeyed: datagrams now carry these SPIs (front doors re-index).
struct IkeRekeyed {
    IkeSpi old_spi_i{}, old_spi_r{};
    IkeSpi new_spi_i{}, new_spi_r{};
};

using IkeEvent = std::variant<ChildSaUp, ChildSaDown, ChildSaFailed, IkeUp, IkeDown, NatChanged, PeerMoved, IkeRekeyed>;

}  // namespace vpn::ike
