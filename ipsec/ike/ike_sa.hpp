#pragma once
// One IKE SA (RFC 7296) as a sans-IO state machine: bytes and time in, datagrams
// and events out.  It runs IKE_SA_INIT and IKE_AUTH (first child), CREATE_CHILD_SA
// (child and IKE SA rekeys, extra children from the peer) and INFORMATIONAL (DPD,
// Delete), with retransmission (window 1 each way), cached responses for duplicate
// requests, RFC 7383 fragments and NAT-T.  Each exchange lives in its own file
// (ike_sa_init.cpp, ike_auth.cpp, child_rekey.cpp, ike_rekey.cpp,
// informational.cpp); the message plumbing is in ike_sa_transport.cpp.
//
//   IkeSa sa(config, endpoints, now);   sa.start(now);        // initiator
//   sa.on_datagram(msg, endpoints, now); sa.on_timer(now);    // any order
//   for (auto& d : sa.take_datagrams()) ...; for (auto& e : sa.take_events()) ...
//   wake up again at sa.next_wake()
//
// Malformed, unauthenticated, stray or replayed datagrams are counted drops
// (stats()); nothing here throws to the caller, and a bad datagram never changes
// the state of an SA.
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ipsec/ike/fragment.hpp"
#include "ipsec/ike/ike_endpoint.hpp"
#include "ipsec/ike/ike_events.hpp"
#include "ipsec/ike/ike_sa_config.hpp"
#include "ipsec/ike/key_schedule.hpp"
#include "ipsec/ike/payload_builder.hpp"
#include "ipsec/ike/payload_chain.hpp"
#include "ipsec/ike/prf.hpp"
#include "ipsec/ike/sa_payload.hpp"
#include "ipsec/ike/sk_cipher.hpp"
#include "ipsec/ike/transform_set.hpp"

namespace vpn::ike {

enum class IkeSaState : std::uint8_t {
    Idle,         // initiator before start()
    SaInitSent,   // initiator waiting for the IKE_SA_INIT response
    AuthSent,     // initiator waiting for the IKE_AUTH response
    HalfOpen,     // responder after IKE_SA_INIT, waiting for IKE_AUTH
    Established,
    Deleting,     // our Delete of the IKE SA is out
    Closed,       // dead: IkeDown was emitted (or the SA never came up)
};
const char* state_name(IkeSaState s);  // "ESTABLISHED", ...

enum class DropReason : std::uint8_t {
    Malformed,        // not a parsable IKE message / payload
    UnknownSpi,       // SPIs of no IKE SA of ours
    Unexpected,       // stray response, old or future message ID, wrong direction
    Unauthenticated,  // ICV failure, or cleartext where SK is required
    BadFragment,      // RFC 7383 fragment refused
    Internal,         // a crypto library failure while handling it
    Count_,
};
const char* drop_name(DropReason r);

struct IkeStats {
    std::array<std::uint64_t, std::size_t(DropReason::Count_)> drops{};
    std::uint64_t retransmits = 0;          // our requests sent again
    std::uint64_t duplicates_answered = 0;  // cached responses sent again
    std::uint64_t total_drops() const;
    std::uint64_t operator[](DropReason r) const { return drops[std::size_t(r)]; }
};

// A child SA as the IkeSa tracks it (for status output and tests).
struct ChildInfo {
    std::uint32_t inbound_spi = 0, outbound_spi = 0;
    TransformSet transforms;
    std::vector<TrafficSelector> local_ts, remote_ts;
    std::int64_t rekey_at = 0, expire_at = 0;
};

class IkeSa {
public:
    // `ep`: initiator: our address/port and the peer's (port 500, or 4500 to start
    // there); responder: where the first IKE_SA_INIT came from.
    IkeSa(IkeSaConfig config, Endpoints ep, std::int64_t now_ms);
    ~IkeSa();
    IkeSa(const IkeSa&) = delete;
    IkeSa& operator=(const IkeSa&) = delete;

    // Initiator: send IKE_SA_INIT.  No-op for a responder or after the first call.
    void start(std::int64_t now_ms);
    // One IKE message (non-ESP marker already removed) and where it came from.
    void on_datagram(Bytes message, const Endpoints& ep, std::int64_t now_ms);
    // Retransmissions, DPD, rekeys and expiries due at `now_ms`.
    void on_timer(std::int64_t now_ms);
    // When on_timer() next has something to do; nullopt when Closed.
    std::optional<std::int64_t> next_wake(std::int64_t now_ms) const;

    // Runtime requests; queued while another exchange of ours is in flight.
    void rekey_child(std::uint32_t inbound_spi, std::int64_t now_ms);
    void rekey_ike(std::int64_t now_ms);
    void delete_child(std::uint32_t inbound_spi, std::int64_t now_ms);
    void close(std::int64_t now_ms);  // Delete the IKE SA (and with it every child)
    // Inbound ESP was authenticated: the peer is alive (DPD only probes when idle).
    void note_inbound_esp(std::int64_t now_ms);

    std::vector<OutDatagram> take_datagrams();
    std::vector<IkeEvent> take_events();

    IkeSaState state() const { return state_; }
    bool closed() const { return state_ == IkeSaState::Closed; }
    IkeRole role() const { return cfg_.role; }
    // SPIs of the current IKE SA (SPIr is zero until the IKE_SA_INIT response).
    IkeSpi spi_i() const;
    IkeSpi spi_r() const;
    // Our SPIs of the current and, during an IKE rekey, the old IKE SA: what a
    // front door routes on.
    std::vector<IkeSpi> local_spis() const;
    const Endpoints& endpoints() const { return ep_; }
    bool nat_detected() const { return natt_; }
    const std::optional<Identity>& peer_identity() const { return peer_id_; }
    std::vector<ChildInfo> children() const;
    const IkeStats& stats() const { return stats_; }

    // Internal state, defined in ike_sa_parts.hpp (public only so that the
    // implementation files can name them).
    struct SaContext;
    struct Outstanding;
    struct Child;
    struct InitData;
    struct Inbound;
    enum class TaskKind : std::uint8_t { RekeyChild, RekeyIke, DeleteChild, DeleteIke, Dpd };
    struct Task {
        TaskKind kind;
        std::uint32_t spi = 0;  // the child's inbound SPI
    };

private:

    // ---- ike_sa.cpp: dispatch, timers, bookkeeping
    void receive(Bytes message, const Endpoints& ep, std::int64_t now);
    void dispatch(Inbound& in);
    void drop(DropReason r);
    // IkeDown, every child down, Closed.  `authentication`: the peer's AUTH failed, or
    // it refused ours (counted apart: a wrong key or certificate, not a lost peer).
    void fail(const std::string& reason, bool authentication = false);
    void emit(IkeEvent e);
    void run_tasks(std::int64_t now);
    void queue(Task t, std::int64_t now);
    void check_lifetimes(std::int64_t now);
    std::int64_t jittered(std::int64_t lifetime, std::int64_t now);
    void update_peer(const Endpoints& ep);

    // ---- ike_sa_transport.cpp: sealing, sending, retransmitting
    std::vector<std::vector<std::uint8_t>> seal(SaContext& c, const IkeHeader& h, const ChainBuilder& inner);
    void send_request(SaContext& c, ExchangeType x, const ChainBuilder& inner, Outstanding o, std::int64_t now);
    void send_response(SaContext& c, ExchangeType x, std::uint32_t mid, const ChainBuilder& inner,
                       const Endpoints& ep);
    void send_error_response(SaContext& c, ExchangeType x, std::uint32_t mid, std::uint16_t notify,
                             const Endpoints& ep, Bytes data = {});
    void send_wire(const std::vector<std::vector<std::uint8_t>>& wire, const Endpoint& to, const Endpoint& from);
    void retransmit(SaContext& c, std::int64_t now);
    bool open(SaContext& c, const MessageView& m, Inbound& in);
    SaContext* context_for(const IkeHeader& h);
    std::size_t max_message() const;

    // ---- ike_sa_init.cpp
    void send_sa_init(std::int64_t now);
    void on_sa_init(const MessageView& m, const Endpoints& ep, std::int64_t now);
    void on_sa_init_request(const MessageView& m, const Endpoints& ep, std::int64_t now);
    void on_sa_init_response(const MessageView& m, const Endpoints& ep, std::int64_t now);
    bool derive_ike_keys(Bytes shared, std::int64_t now);
    void add_nat_detection(ChainBuilder& b, const IkeSpi& spi_i, const IkeSpi& spi_r);
    bool nat_seen(const PayloadChain& c, const IkeSpi& spi_i, const IkeSpi& spi_r, const Endpoints& ep);

    // ---- ike_auth.cpp
    void send_auth(std::int64_t now);
    void on_auth_request(Inbound& in);
    void on_auth_response(Inbound& in);
    std::optional<std::vector<std::uint8_t>> our_auth(std::string& why);
    bool check_peer_auth(const PayloadChain& c, std::string& why);
    void established(std::int64_t now);

    // ---- child_sa.cpp: what IKE_AUTH and CREATE_CHILD_SA share
    bool install_child(const Proposal& chosen, std::uint32_t spi_in, std::uint32_t spi_out, bool we_initiated,
                       Bytes pfs_secret, Bytes ni, Bytes nr, std::vector<TrafficSelector> local_ts,
                       std::vector<TrafficSelector> remote_ts, std::optional<std::uint32_t> replaces,
                       std::int64_t now);
    std::uint32_t new_inbound_spi();
    Child* child_by_in(std::uint32_t spi);
    Child* child_by_out(std::uint32_t spi);
    void remove_child(std::uint32_t spi_in, const std::string& reason);
    std::vector<TrafficSelector> allowed_remote_ts() const;

    // ---- child_rekey.cpp
    void start_child_rekey(std::uint32_t spi_in, std::int64_t now);
    void on_create_child_request(Inbound& in);
    void on_child_rekey_response(Inbound& in, Outstanding& o);

    // ---- ike_rekey.cpp
    void start_ike_rekey(std::int64_t now);
    void on_ike_rekey_request(Inbound& in, const Proposal& theirs_first);
    void on_ike_rekey_response(Inbound& in, Outstanding& o);

    // ---- informational.cpp
    void start_delete_child(std::uint32_t spi_in, std::int64_t now);
    void start_delete_ike(std::int64_t now);
    void start_dpd(std::int64_t now);
    void on_informational_request(Inbound& in);
    void on_informational_response(Inbound& in, Outstanding& o);
    void on_request_timeout(SaContext& c, Outstanding& o);

    IkeSaConfig cfg_;
    std::shared_ptr<RandomSource> rng_;
    KeyExchangeFactory kex_;
    Endpoints ep_;
    IkeSaState state_ = IkeSaState::Idle;
    std::int64_t created_ = 0;
    std::int64_t last_inbound_ = 0;
    std::int64_t ike_rekey_at_ = 0;
    bool natt_ = false;
    bool frag_ = false;  // both sent FRAGMENTATION_SUPPORTED
    std::optional<Identity> peer_id_;
    std::optional<IpAddress> vip_;
    std::vector<IpAddress> dns_;

    std::unique_ptr<SaContext> cur_, old_;
    std::unique_ptr<InitData> init_;
    std::vector<Child> children_;
    std::deque<Task> tasks_;
    std::vector<std::uint8_t> plain_;  // decrypted SK contents of the message being handled

    std::vector<OutDatagram> out_;
    std::vector<IkeEvent> events_;
    IkeStats stats_;
};

}  // namespace vpn::ike
