#pragma once
// One IPsec peer as a LinkSession: ESP tunnel mode over the TunnelLoop's data path
// (TUN offloads, batching, GSO), for manually keyed SAs (`technique ipsec` with a
// static key or setkey statements).  Sans-IO like PeerSession:
//
//   TUN packet ─► encapsulate: mssfix ─► ManualSad::pick (SPD) ─► OutboundSa::seal
//                 in place ─► ESP datagram
//   datagram   ─► decapsulate: [UDP 4500: keepalive / IKE / ESP] ─► ManualSad::open
//                 (SPI, decrypt, `in` policy) ─► inner packet for the TUN
//   on_timer   ─► NAT keepalives (UDP encapsulation only); SA lifetimes logged,
//                 expired SAs out of use
//
// Over UDP (RFC 3948) a datagram is an ESP packet as it is; over raw IP (protocol
// 50) the transport has already cut the IP header off.  Every packet the policies
// or the SAs refuse is a counted drop (TunnelStats: spd-*, no-key, bad-hmac ...).
#include <memory>
#include <string>

#include "ipsec/manual/manual_sad.hpp"
#include "p2p/link_session.hpp"
#include "p2p/tunnel_stats.hpp"

namespace vpn::p2p {

struct EspLinkConfig {
    bool udp_encap = false;       // ESP in UDP (port 4500) rather than IP protocol 50
    int nat_keepalive = 20;       // seconds between 0xFF keepalives over UDP; 0 = none
    std::uint16_t mss = 0;        // mssfix clamp for TCP SYNs both ways; 0 = off
};

class EspLink final : public LinkSession {
public:
    EspLink(EspLinkConfig cfg, ipsec::manual::ManualSad sad, Now now);

    std::size_t overhead() const override;
    std::size_t payload_offset() const override;
    std::size_t encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                            Now now) override;
    bool counts_send_drops() const override { return true; }
    Inbound decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) override;
    std::size_t next_datagram(MutBytes out, MutBytes scratch, Now now) override;
    Verdict on_timer(Now now) override;
    const std::string& verdict_reason() const override { return reason_; }
    Verdict begin_exit(Now now, bool can_notify) override;
    void restart(Now now) override;
    TunnelStats& stats() override { return stats_; }

    const ipsec::manual::ManualSad& sad() const { return sad_; }

private:
    LinkDrop send_drop(ipsec::manual::OutVerdict v) const;

    EspLinkConfig cfg_;
    ipsec::manual::ManualSad sad_;
    TunnelStats stats_;
    std::string reason_;
    std::int64_t last_sent_ = 0;  // monotonic seconds of our last datagram
    bool keepalive_due_ = false;
};

// The OpenVPN-style counter an ESP drop is reported under in SIGUSR2's dump.
ovpn::Drop report_as(esp::Drop d);

}  // namespace vpn::p2p
