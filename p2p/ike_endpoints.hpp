#pragma once
// Socket addresses <-> the IKE state machines' endpoints, and which of our
// addresses talks to a peer (the kernel's route choice: IKE's NAT detection hashes
// and a PSK peer's default identity need our real address, and the sockets are
// bound to the wildcard).
#include <optional>

#include "common/net/sock_addr.hpp"
#include "ipsec/ike/ike_endpoint.hpp"

namespace vpn::p2p {

// IPv4-mapped IPv6 addresses (dual-stack sockets) become plain IPv4 ones.
ike::Endpoint to_endpoint(const net::SockAddr& a);
net::SockAddr to_sockaddr(const ike::Endpoint& e);

// The source address the kernel would use towards `peer` (a connected UDP socket's
// name); nullopt when there is no route.
std::optional<ike::IpAddress> local_address_towards(const ike::IpAddress& peer);

}  // namespace vpn::p2p
