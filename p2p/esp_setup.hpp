#pragma once
// What a manually keyed ESP tunnel is built from, worked out from the plan before
// anything is opened: the SAs (and policies), the link's framing, and where the
// socket binds and whom it talks to.
#include "common/config/options.hpp"
#include "ipsec/config/ipsec_plan.hpp"
#include "ipsec/manual/manual_sad.hpp"
#include "p2p/esp_link.hpp"
#include "p2p/link_plan.hpp"

namespace vpn::p2p {

struct EspSetup {
    ipsec::manual::ManualSad sad;
    EspLinkConfig cfg;
    LinkPlan link;
};

// Static key: the two derived SAs, no policies; UDP 4500 with nat-traversal force,
// else raw ESP; the peer is `remote` (or whoever sends first).
EspSetup static_key_setup(const config::Options& o, const ipsec::IpsecPlan& plan, Now now);

// setkey: every SA a policy uses and the policies; the socket binds to the SAs'
// local end (which must be an address of this host, and `local` if given) and
// talks to their peer (`remote` is not needed); esp-udp SAs take their ports.
// Throws std::runtime_error naming the setkey statement when the local end is
// not ours.
EspSetup setkey_setup(const config::Options& o, const ipsec::IpsecPlan& plan, Now now);

}  // namespace vpn::p2p
