#pragma once
// Everything one IKE SA needs to know, built by the runtime from ipsec::IkeSettings
// (proposals, credentials, identities, lifetimes, NAT-T, DPD) plus the traffic
// selectors or virtual-IP mode of its role.  Times are milliseconds.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include "ipsec/config/proposal.hpp"
#include "ipsec/ike/ike_endpoint.hpp"
#include "ipsec/ike/ike_identity.hpp"
#include "ipsec/ike/ike_random.hpp"
#include "ipsec/ike/psk_file.hpp"
#include "ipsec/ike/ts_payload.hpp"
#include "pki/cert_verify.hpp"
#include "pki/openssl_types.hpp"

namespace vpn::ike {

enum class IkeRole { Initiator, Responder };

// Who hands out inner addresses (RFC 7296 §3.15, §2.19).
enum class VirtualIp {
    None,     // traffic selectors from local_ts / remote_ts
    Client,   // ask for INTERNAL_IP4_ADDRESS + DNS, propose TSi = any, accept narrowing
    Gateway,  // assign through `allocator`, narrow TSi to the address, TSr to local_ts
};

enum class NatTraversal {
    Yes,    // NAT detection; ESP in UDP and IKE on 4500 when a NAT is seen
    No,     // no NAT-D notifies: plain ESP, IKE stays on 500
    Force,  // claim a NAT ourselves (fake NAT_DETECTION_SOURCE_IP, as strongSwan's encap=yes)
};

// The gateway's address pool, one lease per authenticated peer identity.
class AddressAllocator {
public:
    virtual ~AddressAllocator() = default;
    virtual std::optional<IpAddress> acquire(const Identity& peer) = 0;
    virtual void release(const Identity& peer, const IpAddress& address) = 0;
};

// Certificate authentication: our certificate (+ intermediates) and key, and what
// a peer's certificate must chain to.
struct CertCredentials {
    pki::X509Ptr cert;
    std::vector<pki::X509Ptr> intermediates;
    pki::EvpPkeyPtr key;
    std::shared_ptr<const pki::TrustStore> trust;
    std::optional<std::time_t> verify_time;  // tests: check certificates at this time
};

// strongSwan's defaults (ikev2-esp.md §2.5): sends at 0, 4, 11.2, 24.2, 47.5, 89.5 s,
// gives up at ~165 s.
struct RetransmitPolicy {
    std::int64_t timeout_ms = 4000;
    double base = 1.8;
    int tries = 5;  // retransmissions after the first send
};

struct IkeSaConfig {
    IkeRole role = IkeRole::Initiator;
    std::vector<ipsec::Proposal> ike_proposals;
    std::vector<ipsec::Proposal> esp_proposals;  // a DH group in one means PFS on rekey

    // Exactly one of the two: PSK (the secret is looked up by the peer's identity)
    // or certificates.
    std::shared_ptr<const PskFile> psk;
    std::shared_ptr<const CertCredentials> cert;

    Identity local_id;
    std::optional<Identity> remote_id;  // nullopt: any the PSK file or the CA vouches for

    // Our side and the peer's side of the tunnel (TSi/TSr from our point of view).
    // Gateway: local_ts are the subnets behind it; remote_ts unused.
    std::vector<TrafficSelector> local_ts, remote_ts;
    VirtualIp virtual_ip = VirtualIp::None;
    std::shared_ptr<AddressAllocator> allocator;  // Gateway
    std::vector<IpAddress> dns;                   // Gateway: INTERNAL_IP4_DNS values

    std::int64_t ike_lifetime_ms = 14400 * 1000;  // rekeyed at ~90 % minus jitter
    std::int64_t esp_lifetime_ms = 3600 * 1000;
    std::int64_t dpd_interval_ms = 0;  // 0: no DPD
    std::int64_t dpd_timeout_ms = 0;   // 0: the retransmit schedule decides
    std::int64_t half_open_timeout_ms = 30 * 1000;  // responder: IKE_AUTH must come by then
    NatTraversal nat = NatTraversal::Yes;
    std::size_t fragment_size = 1280;  // IP packet size limit (RFC 7383); 0: never fragment
    RetransmitPolicy retransmit;

    std::shared_ptr<RandomSource> random;  // null: system_random()
    KeyExchangeFactory key_exchange;       // empty: system_key_exchange()
};

}  // namespace vpn::ike
