#pragma once
// Traffic and drop counters of one tunnel, written to the log on SIGUSR2 the way
// OpenVPN prints its statistics.  Plain integers: one thread owns a session.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/openvpn/drop_reason.hpp"

namespace vpn::p2p {

// Drops the runtime sees outside the codec.
// NoKey: a packet from the TUN with no data key to seal it (TLS: before keys).
// Spd*: IPsec with setkey policies (ipsec/manual/spd.hpp): a packet from the TUN
// that a `discard` policy drops, that a policy would send in clear (`none`, or
// `use` without an SA: a TUN has no clear path), whose `require`/`unique` policy
// has no usable SA (none added, or expired), that no `out` policy selects; and a
// decrypted packet that matches no `in` policy of its SA.
enum class LinkDrop : std::uint8_t {
    WrongSource,
    BadPayload,
    Truncated,
    TunWrite,
    LinkWrite,
    NoPeer,
    NoKey,
    SpdDiscard,
    SpdClear,
    SpdNoSa,
    SpdNoPolicy,
    SpdInMismatch,
    Count
};
const char* link_drop_name(LinkDrop d);

struct TunnelStats {
    std::uint64_t tun_read_bytes = 0, tun_read_packets = 0;
    std::uint64_t tun_write_bytes = 0, tun_write_packets = 0;
    std::uint64_t link_read_bytes = 0, link_read_packets = 0;
    std::uint64_t link_write_bytes = 0, link_write_packets = 0;
    std::uint64_t pings_sent = 0, pings_received = 0;
    // IPsec's IKE (zero elsewhere): IKE SAs that failed authentication; IKE datagrams
    // dropped (malformed, unauthenticated, stray) and requests sent again, by the
    // front door and the IKE SAs alive at the last 1-second tick.
    std::uint64_t ike_auth_failures = 0, ike_drops = 0, ike_retransmits = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(ovpn::Drop::Count)> codec_drops{};
    std::array<std::uint64_t, static_cast<std::size_t>(LinkDrop::Count)> link_drops{};

    void count(ovpn::Drop d) { ++codec_drops[static_cast<std::size_t>(d)]; }
    void count(LinkDrop d) { ++link_drops[static_cast<std::size_t>(d)]; }
    std::uint64_t total_drops() const;
    // Adds another tunnel's counters (a server's clients into one report).
    TunnelStats& operator+=(const TunnelStats& s);

    // "TUN/TAP read bytes,1234" ... "drop bad-hmac,3": one line each, as OpenVPN's
    // SIGUSR2 dump; every drop reason is listed, zero or not, so tools can parse it.
    std::vector<std::string> report_lines() const;
};

}  // namespace vpn::p2p
