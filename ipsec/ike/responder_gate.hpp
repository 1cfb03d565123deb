#pragma once
// The front door of the IKE sockets: routes each datagram to its IkeSa by SPI,
// creates responder IkeSas only for valid IKE_SA_INIT requests, asks for a COOKIE
// (RFC 7296 §2.6) once too many SAs are half-open, caps half-open SAs, and reaps
// SAs that are closed.  Initiator SAs the runtime starts are adopted so that one
// gate serves every SA of a socket pair.
//
//   gate.on_datagram(msg, ep, now); gate.on_timer(now);
//   for (auto& d : gate.take_datagrams()) ...; for (auto& [sa, ev] : gate.take_events()) ...
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ipsec/ike/ike_cookie.hpp"
#include "ipsec/ike/ike_sa.hpp"

namespace vpn::ike {

struct GateConfig {
    std::size_t cookie_threshold = 30;  // half-open SAs before cookies are required (strongSwan's)
    std::size_t max_half_open = 1000;   // beyond this, new IKE_SA_INITs are dropped
    std::int64_t cookie_secret_ms = 120 * 1000;
    std::shared_ptr<RandomSource> random;  // null: system_random()
};

struct GateStats {
    std::uint64_t cookies_sent = 0;
    std::uint64_t bad_cookies = 0;
    std::uint64_t refused_half_open = 0;  // over max_half_open
    std::uint64_t unknown_spi = 0;
    std::uint64_t malformed = 0;
    std::uint64_t created = 0;
    std::uint64_t reaped = 0;
};

class ResponderGate {
public:
    using SaId = std::uint64_t;
    // The responder config for a peer at `ep`; nullopt refuses it (no state, no answer).
    using ConfigFactory = std::function<std::optional<IkeSaConfig>(const Endpoints& ep)>;

    ResponderGate(ConfigFactory factory, GateConfig cfg, std::int64_t now_ms);

    void on_datagram(Bytes message, const Endpoints& ep, std::int64_t now_ms);
    void on_timer(std::int64_t now_ms);
    std::optional<std::int64_t> next_wake(std::int64_t now_ms) const;

    // An initiator SA (already start()ed or not) to route responses to.
    SaId adopt(std::unique_ptr<IkeSa> sa);
    IkeSa* find(SaId id);

    struct Event {
        SaId sa;
        IkeEvent event;
    };
    std::vector<OutDatagram> take_datagrams();
    std::vector<Event> take_events();  // reaps closed SAs afterwards

    std::size_t size() const { return sas_.size(); }
    std::size_t half_open() const;
    const GateStats& stats() const { return stats_; }

private:
    struct Entry {
        std::unique_ptr<IkeSa> sa;
        std::vector<IkeSpi> spis;  // indexed in by_spi_
        IkeSpi init_spi{};         // responder: the peer's SPIi, for IKE_SA_INIT retransmits
        Endpoint init_from;
    };
    void on_sa_init_request(Bytes message, const IkeHeader& h, const Endpoints& ep, std::int64_t now);
    void reindex(SaId id);
    void collect(SaId id);
    void reap();

    ConfigFactory factory_;
    GateConfig cfg_;
    std::shared_ptr<RandomSource> rng_;
    CookieJar cookies_;
    SaId next_id_ = 1;
    std::map<SaId, Entry> sas_;
    std::map<IkeSpi, SaId> by_spi_;
    std::map<std::pair<IkeSpi, std::vector<std::uint8_t>>, SaId> by_init_;  // (SPIi, remote ip|port)
    std::vector<OutDatagram> out_;
    std::vector<Event> events_;
    GateStats stats_;
};

}  // namespace vpn::ike
