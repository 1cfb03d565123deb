#pragma once
// IKE-keyed IPsec peers as a LinkSession: the IKE exchanges (ike::ResponderGate with
// its IkeSas) on UDP 500/4500 and the ESP SAs they negotiate, over the TunnelLoop's
// data path.  One peer (point-to-point, road-warrior client) or many (a gateway
// handing out virtual IPs).  Sans-IO like the other sessions:
//
//   TUN packet ─► encapsulate: the peer's outbound SA (gateway: by the inner
//                 destination = the peer's virtual IP) ─► ESP datagram
//   datagram   ─► decapsulate_from: port 500 ─► IKE
//                                   port 4500 ─► keepalive / IKE (marker) / ESP
//                                   raw       ─► ESP ─► SPI ─► peer ─► TUN
//   IKE events ─► ChildSaUp: install inbound, switch outbound; ChildSaDown: remove;
//                 NAT-T / peer moves: where that peer's ESP goes
//   IKE datagrams go out addressed (next_foreign), with the non-ESP marker on 4500.
//
// Point to point, an initiator starts an IKE SA at once and again after it dies
// (Restart); a responder waits; when a peer's new IKE SA comes up (it restarted),
// the old one is closed.  A gateway keeps one entry per IKE SA, and accepts from a
// peer only packets from the virtual IP it was given.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ipsec/esp/outbound_sa.hpp"
#include "ipsec/esp/sa_table.hpp"
#include "ipsec/ike/responder_gate.hpp"
#include "p2p/link_session.hpp"
#include "p2p/tunnel_stats.hpp"

namespace vpn::p2p {

struct IkeLinkConfig {
    ike::IkeSaConfig sa;  // the template of every IkeSa (role set per SA)
    std::optional<net::SockAddr> initiate_to;  // p2p / client: the peer's address
    // After an initiated IKE SA fails or dies: wait this long before the next try,
    // doubling up to retry_max_ms (connect-retry, connect-retry-max-wait); reset once
    // an SA is up.
    std::int64_t retry_ms = 5000;
    std::int64_t retry_max_ms = 300000;
    bool gateway = false;  // many peers, each behind its virtual IP
    bool address_identity = false;  // PSK without ike-id: our identity is our address
    std::uint32_t replay_window = 64;
    int nat_keepalive = 20;  // seconds between 0xFF keepalives while ESP is in UDP
    std::uint16_t mss = 0;
    ike::GateConfig gate;
    // One peer: where its ESP goes (in UDP to that endpoint, or raw to its address).
    std::function<void(const net::SockAddr& peer, bool udp)> esp_path;
    // Road-warrior client: the gateway's address for us, what it routes to us, and
    // its DNS servers, once the first child SA is up (again after a new IKE SA).
    std::function<void(const ike::IpAddress& vip, const std::vector<ike::TrafficSelector>& remote_ts,
                       const std::vector<ike::IpAddress>& dns)>
        on_client_address;
    // Our address towards a peer (route lookup); tests replace it.
    std::function<std::optional<ike::IpAddress>(const ike::IpAddress& peer)> local_address;
};

class IkeLink final : public LinkSession {
public:
    IkeLink(IkeLinkConfig cfg, Now now);
    // The gate calls back into this object: it stays where it was built.
    IkeLink(const IkeLink&) = delete;
    IkeLink& operator=(const IkeLink&) = delete;

    std::size_t overhead() const override;
    std::size_t payload_offset() const override;
    std::size_t encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                            Now now) override;
    Inbound decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) override;
    Inbound decapsulate_from(Bytes datagram, const Origin& origin, MutBytes out, MutBytes scratch,
                             Now now) override;
    bool counts_send_drops() const override { return true; }
    bool addressed() const override { return cfg_.gateway; }
    const net::SockAddr& destination() const override { return dest_; }
    std::size_t next_foreign(MutBytes out, net::SockAddr& to) override;
    std::size_t next_datagram(MutBytes out, MutBytes scratch, Now now) override;
    Verdict on_timer(Now now) override;
    std::optional<std::int64_t> next_wake_ms() const override;
    const std::string& verdict_reason() const override { return reason_; }
    Verdict begin_exit(Now now, bool can_notify) override;
    void restart(Now now) override;
    TunnelStats& stats() override { return stats_; }

    std::size_t peers() const { return peers_.size(); }

private:
    using SaId = ike::ResponderGate::SaId;
    struct Peer {
        std::optional<ike::IpAddress> vip;
        std::vector<ike::IpAddress> dns;
        std::unique_ptr<esp::OutboundSa> out;
        std::vector<std::uint32_t> inbound_spis;
        net::SockAddr esp_to;  // port 0: raw ESP
        bool udp = false;
        bool up = false;  // IkeUp seen
        bool esp_seen = false;  // authentic ESP since the last tick (for its IkeSa's DPD)
    };

    void start_initiator(std::int64_t now_ms);
    void on_ike(Bytes message, const net::SockAddr& from, std::uint16_t local_port, std::int64_t now_ms);
    void pump(std::int64_t now_ms);
    void on_event(SaId id, ike::IkeEvent& ev, std::int64_t now_ms);
    void child_up(SaId id, ike::ChildSaUp& up, std::int64_t now_ms);
    void child_down(SaId id, const ike::ChildSaDown& down);
    void forget(SaId id);
    // TunnelStats' IKE lines from the gate and the live SAs (once a second: stats()
    // is on the per-packet path).
    void refresh_ike_counters();
    void forget_all();
    std::optional<ike::IkeSaConfig> responder_config(const ike::Endpoints& ep) const;
    ike::Endpoint local_endpoint(const ike::IpAddress& peer, std::uint16_t port) const;
    void set_esp_to(SaId id, Peer& p, const ike::Endpoint& remote, bool udp);
    Peer* sending_peer(Bytes inner);

    IkeLinkConfig cfg_;
    ike::ResponderGate gate_;
    std::map<SaId, Peer> peers_;
    std::optional<SaId> current_;  // one peer: the IKE SA whose children carry traffic
    // Per-packet lookups straight to the peer (peers_ is a std::map: its entries do
    // not move; forget() erases them here first).
    std::unordered_map<std::uint32_t, Peer*> by_spi_;  // our inbound SPIs
    std::unordered_map<std::uint32_t, Peer*> by_vip_;  // gateway: virtual IP (host order)
    esp::SpiTable in_;
    net::SockAddr dest_;  // where the last sealed datagram goes (gateway)
    std::deque<std::pair<std::vector<std::uint8_t>, net::SockAddr>> ike_out_;
    TunnelStats stats_;
    std::string reason_;
    std::optional<std::int64_t> retry_at_ms_;  // initiator: when to start over
    bool kick_ = false;                        // an SA has work queued: wake at once
    std::int64_t retry_wait_ms_ = 0;
    std::int64_t last_esp_sent_ms_ = 0;
    bool keepalive_due_ = false;
    std::optional<std::int64_t> exit_deadline_ms_;
    std::int64_t now_ms_ = 0;
};

}  // namespace vpn::p2p
