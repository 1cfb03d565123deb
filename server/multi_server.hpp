#pragma once
// The multi-client server (`mode server`, OpenVPN 2.6 multi.c / mudp.c / mtcp.c) as a
// sans-IO state machine: datagrams with their source address and TUN packets in,
// datagrams with their destination and TUN packets out (through a ServerSink), time
// passed in.  The runner (server_runner.cpp) owns sockets, the device and timers.
//
//   datagram from A ─► A is a client's ─► its TlsLink ─► data ─► source check ─►
//                  │                                          c2c ? other client : TUN
//                  │                                   └► control: handshake, push, rekey
//                  ├► P_DATA_V2 naming a live peer-id ─► that client; it floats to A
//                  │                                     once the packet authenticates
//                  └► unknown A (UDP) ─► StatelessGate: a reset gets a cookie reply and
//                     no state; the packet proving the cookie creates the client
//                     (TCP: the connection already proved A; its reset creates it)
//   TUN packet ─► route table (virtual address, iroutes) / MAC table (TAP) ─► client
//   tick (1 s) / wake ─► every client's pings, expiry, rekey, retransmissions
//
// A client is a slot: its index is its peer-id and its management CID.  Each client's
// TlsLink has its own TLS session, keys, replay windows and timers, so one client's
// garbage, replays, renegotiation or exit never touches another's state.
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config/options.hpp"
#include "common/net/sock_addr.hpp"
#include "common/openvpn/session/stateless_gate.hpp"
#include "p2p/tls_link.hpp"
#include "server/address_pool.hpp"
#include "server/client_config.hpp"
#include "server/client_scripts.hpp"
#include "server/mac_table.hpp"
#include "server/management.hpp"
#include "server/route_table.hpp"
#include "server/status_report.hpp"

namespace vpn::server {

// Where the server's output goes.  link_slot()/link_commit() let a datagram be sealed
// straight into the runner's send batch.
class ServerSink {
public:
    virtual ~ServerSink() = default;
    // Room for the next datagram (at least 2048 + the largest packet).
    virtual MutBytes link_slot() = 0;
    virtual void link_commit(std::size_t len, const net::SockAddr& to) = 0;
    virtual void to_tun(Bytes packet) = 0;
};

// What a client's connection runs outside the server's state (files and scripts);
// server_hooks() gives 2.6's behaviour from the options, tests give fakes.
struct ServerHooks {
    std::function<CcdResult(std::string_view common_name)> load_ccd;  // null: no client-config-dir
    std::function<bool(const ClientScriptInfo&, std::string_view password)> verify_user_pass;  // null: none
    std::function<ClientConnectResult(const ClientScriptInfo&)> client_connect;               // null: none
    std::function<void(const ClientScriptInfo&)> client_disconnect;                           // null: none
    // op "add" / "update" / "delete"; true when the route may be learned.
    std::function<bool(std::string_view op, const std::string& address, const ClientScriptInfo*)> learn_address;
};
ServerHooks server_hooks(const config::Options& o);

// Drops and refusals the server counts outside the clients' own statistics.
struct ServerCounters {
    std::uint64_t unknown_source = 0;    // not a client, not a reset / cookie proof
    std::uint64_t gate_replies = 0;      // stateless answers to resets
    std::uint64_t rate_limited = 0;      // resets beyond connect-freq-initial
    std::uint64_t max_clients = 0;       // proven newcomers refused: every slot in use
    std::uint64_t spoofed_source = 0;    // a client's packet from an address it was not given
    std::uint64_t no_route = 0;          // a TUN packet for no client
    std::uint64_t not_ipv4 = 0;          // TUN mode carries IPv4 only
    std::uint64_t link_bytes_in = 0, link_bytes_out = 0;
    std::uint64_t clients_ended = 0;
};

class MultiServer final : public ManagementOwner {
public:
    // `link`: every client's TlsLink settings (prepare_tls_tunnel); `datagram`: UDP
    // (stateless gate, peer-id float) or TCP (one connection per client).
    MultiServer(const config::Options& o, p2p::TlsLinkConfig link, ServerHooks hooks, bool datagram);
    ~MultiServer() override;
    // The device's name, for the scripts' `dev`.
    void set_dev_name(std::string name) { dev_name_ = std::move(name); }

    // One datagram (UDP) or frame (TCP) from `from`.
    void on_link(Bytes datagram, const net::SockAddr& from, p2p::Now now, ServerSink& sink);
    // A TCP connection went away: its client ends.
    void on_link_closed(const net::SockAddr& from, p2p::Now now);
    // One packet read from the device, at buf[off..off+len) (buf[off-1] writable).
    void on_tun(MutBytes buf, std::size_t off, std::size_t len, p2p::Now now, ServerSink& sink);
    // Every second: all clients' timers.
    void tick(p2p::Now now, ServerSink& sink);
    // When next_wake_ms() is reached: the clients whose timers are due.
    void wake(p2p::Now now, ServerSink& sink);
    std::optional<std::int64_t> next_wake_ms() const;
    // Shutdown: clients that can be told (UDP, keys up) get RESTART, as 2.6 does with
    // explicit-exit-notify on the server; then every client ends (scripts run).
    void shutdown(p2p::Now now, ServerSink& sink);
    // TCP connections to close (their clients ended), oldest first.
    std::vector<net::SockAddr> take_closed();

    std::size_t overhead() const { return p2p::TlsCodec::kMaxOverhead + 1; }
    std::size_t client_count() const { return n_clients_; }
    const ServerCounters& counters() const { return counters_; }
    AddressPool* pool() { return pool_ ? &*pool_ : nullptr; }
    StatusSnapshot snapshot(std::time_t now) const;
    // Every client's traffic and drops (ended ones included) and the server's own
    // drops, in one block as the p2p tunnel reports it on SIGUSR2.
    p2p::TunnelStats total_stats() const;
    // A client's virtual IPv4 address ("" when none), for tests and logs.
    std::string virtual_address_of(const std::string& common_name) const;

    // ManagementOwner
    std::vector<std::string> status_lines(int version) override;
    int kill_by_common_name(const std::string& cn) override;
    int kill_by_address(std::uint32_t ipv4, std::uint16_t port) override;
    LoadStats load_stats() override;
    std::vector<ClientBytes> client_bytes() override;

private:
    struct Client;
    // A socket address as a map key (family, port, address).
    struct AddrKey {
        std::array<std::uint8_t, 20> b{};
        bool operator==(const AddrKey&) const = default;
    };
    struct AddrHash {
        std::size_t operator()(const AddrKey& k) const;
    };
    static AddrKey key_of(const net::SockAddr& a);

    Client* client_for(const net::SockAddr& from);
    void from_stranger(Bytes datagram, const net::SockAddr& from, p2p::Now now, ServerSink& sink);
    bool gate_allows_reply(p2p::Now now);
    Client* add_client(std::unique_ptr<ovpn::session::TlsSession> session, const net::SockAddr& from, p2p::Now now);
    // True when the datagram authenticated.  `c` may be gone afterwards when false.
    bool deliver(Client& c, Bytes datagram, p2p::Now now, ServerSink& sink);
    void from_client(Client& c, Bytes packet, p2p::Now now, ServerSink& sink);
    void frame_from_client(Client& c, Bytes frame, p2p::Now now, ServerSink& sink);
    void send_to(Client& c, Bytes packet, p2p::Now now, ServerSink& sink);
    void seal_to(Client& c, MutBytes buf, std::size_t off, std::size_t len, p2p::Now now, ServerSink& sink);
    void flush(Client& c, p2p::Now now, ServerSink& sink);
    void service(Client& c, p2p::Now now, ServerSink& sink);
    void note_wake(Client& c);
    void end_client(Client& c, const std::string& why);
    void request_end(Client& c, const std::string& why, p2p::Now now);
    bool is_reset_for_new_session(const Client& c, Bytes datagram) const;

    // TlsLink hooks, per client.
    std::string authorize(Client& c, const ovpn::session::TlsSession& s);
    void on_up(Client& c);
    std::vector<std::string> push_for(Client& c, const ovpn::session::TlsSession& s, std::uint32_t peer_id);
    bool learn(Client& c, const Route& r);
    bool learn_mac(Client& c, const Mac& mac, std::int64_t now);
    std::string client_label(const Client& c) const;
    std::uint32_t ifconfig_second(const Lease& l) const;
    std::uint32_t pool_netmask() const;

    const config::Options& o_;
    p2p::TlsLinkConfig link_cfg_;
    ServerHooks hooks_;
    bool datagram_;
    bool tap_;
    std::optional<ovpn::session::StatelessGate> gate_;
    std::optional<AddressPool> pool_;
    RouteTable routes_;
    MacTable macs_;
    tun::Ipv4 server_address_{0};

    std::vector<std::unique_ptr<Client>> slots_;  // index = peer-id = CID
    std::vector<std::uint32_t> free_;             // free slot indices, lowest last
    std::size_t n_clients_ = 0;
    std::unordered_map<AddrKey, std::uint32_t, AddrHash> by_addr_;
    std::vector<net::SockAddr> closed_;

    struct Due {
        std::int64_t ms;
        std::uint32_t slot;
        std::uint64_t gen;
        bool operator>(const Due& o) const { return ms > o.ms; }
    };
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
    std::uint64_t next_gen_ = 1;

    // connect-freq-initial: replies in the current window.
    std::int64_t freq_window_start_ = 0;
    int freq_count_ = 0;

    ServerCounters counters_;
    p2p::TunnelStats ended_stats_;  // clients that are gone
    std::string dev_name_;
    p2p::Now last_now_{};  // for requests from outside the loop's handlers (management)
    std::vector<std::uint8_t> scratch_, open_, fwd_;
};

}  // namespace vpn::server
