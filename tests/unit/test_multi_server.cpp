// MultiServer (server/multi_server.hpp): the sans-IO multi-client core driven with real
// pull-client TlsLinks under a fake clock.  Each client has its own made-up UDP address;
// a FakeSink records what the server sends (with its destination) and writes to the TUN.
// Covered: the stateless first reset, pool addresses and peer-ids, routing between
// the TUN and clients (client-to-client on and off), spoofed sources, garbage and
// replays, keepalive expiry, explicit-exit-notify, management status / kill, net30,
// client-config-dir (ifconfig-push, iroute, disable), duplicate common names, a
// client restarting from its address, max-clients, and TCP connections.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "p2p/tls_link.hpp"
#include "p2p/tls_setup.hpp"
#include "server/multi_server.hpp"
#include "test_config_support.hpp"
#include "test_tls_session_support.hpp"

namespace {

using namespace vpn;
using p2p::LinkSession;
using p2p::Now;
using p2p::TlsLink;
using p2p::TlsLinkConfig;
using p2p::TlsLinkHooks;
using p2p::Verdict;
using server::MultiServer;

// One CA (EC keys), a server certificate and clients with distinct common names.
struct ServerPki {
    pki_test::TempDir dir;
    pki::CertificateAuthority ca;
    ServerPki() : ca(pki_test::make_ca(dir / "pki", "Multi Test CA")) {
        pki_test::issue(ca, pki::CertType::Server, "server");
        for (const char* cn : {"alice", "bob", "carol", "dave", "erin"}) pki_test::issue(ca, pki::CertType::Client, cn);
    }
    std::string ca_path() const { return ca.layout().ca_cert(); }
    std::string cert(const std::string& n) const { return ca.layout().cert(n); }
    std::string key(const std::string& n) const { return ca.layout().key(n); }
};

ServerPki& test_pki() {
    static ServerPki p;
    return p;
}

std::shared_ptr<const ovpn::session::TlsContext> client_ctx(const std::string& cn) {
    auto& p = test_pki();
    pki::TlsConfig c;
    c.server = false;
    c.ca = p.ca_path();
    c.cert = p.cert(cn);
    c.key = p.key(cn);
    c.remote_cert_tls = pki::RemoteCertTls::Server;
    return pki::make_tls_context(c);
}

// 127.0.0.<host>:<port>, by hand (no resolver in unit tests).
net::SockAddr udp_addr(std::uint8_t a, std::uint8_t b, std::uint8_t host, std::uint16_t port) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    in.sin_addr.s_addr = htonl((127u << 24) | (std::uint32_t{a} << 16) | (std::uint32_t{b} << 8) | host);
    net::SockAddr s;
    std::memcpy(&s.storage, &in, sizeof in);
    s.len = sizeof in;
    return s;
}

std::uint32_t ipv4(const char* text) {
    in_addr a{};
    REQUIRE(inet_pton(AF_INET, text, &a) == 1);
    return ntohl(a.s_addr);
}

// An IPv4/UDP packet src -> dst carrying `tag` (with a valid header checksum).
std::vector<std::uint8_t> ip_packet(std::uint32_t src, std::uint32_t dst, std::uint32_t tag, std::size_t len = 120) {
    std::vector<std::uint8_t> p(len, 0);
    p[0] = 0x45;
    store_be16(&p[2], static_cast<std::uint16_t>(len));
    p[8] = 64;
    p[9] = 17;
    store_be32(&p[12], src);
    store_be32(&p[16], dst);
    std::uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += load_be16(&p[static_cast<std::size_t>(i)]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    store_be16(&p[10], static_cast<std::uint16_t>(~sum));
    store_be16(&p[20], 5000);
    store_be16(&p[22], 6000);
    store_be16(&p[24], static_cast<std::uint16_t>(len - 20));
    store_be32(&p[28], tag);
    for (std::size_t i = 32; i < len; ++i) p[i] = static_cast<std::uint8_t>(i * 13 + tag);
    return p;
}

struct FakeSink final : server::ServerSink {
    struct Datagram {
        std::vector<std::uint8_t> bytes;
        net::SockAddr to;
    };
    std::vector<std::uint8_t> slot = std::vector<std::uint8_t>(65536);
    std::vector<Datagram> out;
    std::vector<std::vector<std::uint8_t>> tun;

    MutBytes link_slot() override { return slot; }
    void link_commit(std::size_t len, const net::SockAddr& to) override {
        REQUIRE(len <= slot.size());
        out.push_back({std::vector<std::uint8_t>(slot.begin(), slot.begin() + static_cast<std::ptrdiff_t>(len)), to});
    }
    void to_tun(Bytes packet) override { tun.emplace_back(packet.begin(), packet.end()); }
};

// One pull client at its own address.
struct Client {
    std::string cn;
    net::SockAddr addr;
    std::unique_ptr<TlsLink> link;
    std::vector<std::vector<std::string>> pushed;
    int pushes = 0;
    std::vector<std::vector<std::uint8_t>> received;  // what reached this client's "TUN"
    std::size_t drops = 0;
    bool driven = true;  // false: its process is gone (no timers, nothing sent or received)
    Verdict verdict = Verdict::None;
    std::string reason;
    std::vector<std::uint8_t> last_sent;  // the last data datagram it sealed
    std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(4096), out = std::vector<std::uint8_t>(4096),
                              scratch = std::vector<std::uint8_t>(4096), open = std::vector<std::uint8_t>(4096);

    // The first pushed option named `word`, its words joined by spaces ("" when none).
    std::string option(const std::string& word) const {
        for (const auto& o : pushed) {
            if (o.empty() || o[0] != word) continue;
            std::string s;
            for (const auto& w : o) s += (s.empty() ? "" : " ") + w;
            return s;
        }
        return {};
    }
    std::vector<std::string> option_words(const std::string& word) const {
        for (const auto& o : pushed)
            if (!o.empty() && o[0] == word) return o;
        return {};
    }
    void deliver(Bytes d, Now now) {
        auto in = link->decapsulate(d, open, scratch, now);
        if (in.kind == LinkSession::Kind::Dropped) ++drops;
        if (in.kind == LinkSession::Kind::ToTun) received.emplace_back(in.packet.begin(), in.packet.end());
    }
};

const std::string kSubnet = "topology subnet\nserver 10.8.0.0 255.255.255.0\nkeepalive 2 10\n";

// A server (config text + the test PKI) and its clients.
struct Net {
    config_test::TempDir tmp;
    config::Options o;
    std::unique_ptr<MultiServer> server;
    FakeSink sink;
    Now now{1000, 1700000000, 1000000};
    std::int64_t next_tick_ms = 1000000 + 1000;
    std::vector<std::unique_ptr<Client>> clients;
    std::vector<FakeSink::Datagram> stray;  // server output for no live client

    explicit Net(const std::string& extra, bool datagram = true) {
        auto& p = test_pki();
        const std::string text = "mode server\ntls-server\ndev tun\nca " + p.ca_path() + "\ncert " + p.cert("server") +
                                 "\nkey " + p.key("server") + "\ndh none\n" + extra;
        o = config_test::load_ok(text, tmp.path).opts;
        auto link = p2p::prepare_tls_tunnel(o).link;
        server = std::make_unique<MultiServer>(o, link, server::server_hooks(o), datagram);
    }

    Client& add(const std::string& cn, net::SockAddr addr, int exit_notify = 0) {
        auto c = std::make_unique<Client>();
        Client* cp = c.get();
        cp->cn = cn;
        cp->addr = addr;
        TlsLinkConfig cc;
        cc.ctx = client_ctx(cn);
        cc.session = tls_test::client_cfg();
        cc.pull = true;
        cc.reneg_sec = 0;
        cc.peer.explicit_exit_notify = exit_notify;
        cc.peer.occ_requests = false;  // as prepare_tls_tunnel: key method 2 carried the options
        TlsLinkHooks h;
        // What a pull client applies from the push: its peer-id and keepalive.
        h.on_push = [cp](const std::vector<std::vector<std::string>>& opts) {
            cp->pushed = opts;
            ++cp->pushes;
            int ping = 0, restart = 0;
            for (const auto& x : opts) {
                if (x.size() == 2 && x[0] == "peer-id") cp->link->set_peer_id(static_cast<std::uint32_t>(std::stoul(x[1])));
                if (x.size() == 2 && x[0] == "ping") ping = std::stoi(x[1]);
                if (x.size() == 2 && x[0] == "ping-restart") restart = std::stoi(x[1]);
            }
            if (ping || restart) cp->link->set_keepalive(ping, restart);
            return std::string();
        };
        cp->link = std::make_unique<TlsLink>(cc, h, now);
        clients.push_back(std::move(c));
        return *cp;
    }

    Client* at(const net::SockAddr& a) {
        for (auto& c : clients)
            if (c->driven && c->addr.same_endpoint(a)) return c.get();
        return nullptr;
    }

    // The server's output so far, handed to the clients it is addressed to.
    bool route_output() {
        auto out = std::move(sink.out);
        sink.out.clear();
        for (auto& d : out) {
            if (Client* c = at(d.to))
                c->deliver(d.bytes, now);
            else
                stray.push_back(std::move(d));
        }
        return !out.empty();
    }

    // Everything the clients and the server want to send, until quiet.
    void pump() {
        for (int round = 0; round < 64; ++round) {
            bool any = false;
            for (std::size_t i = 0; i < clients.size(); ++i) {
                Client& c = *clients[i];
                if (!c.driven) continue;
                for (int k = 0; k < 256; ++k) {
                    const std::size_t n = c.link->next_datagram(c.out, c.scratch, now);
                    if (n == 0) break;
                    any = true;
                    server->on_link(Bytes(c.out.data(), n), c.addr, now, sink);
                }
            }
            any |= route_output();
            if (!any) return;
        }
    }

    void advance(std::int64_t ms) {
        now.mono_ms += ms;
        now.mono = now.mono_ms / 1000;
        now.wall = 1700000000 + now.mono - 1000;
    }

    // `ms` of fake time: clients' and server's timers (1-second ticks, wakes) and traffic.
    void run_ms(std::int64_t ms, std::int64_t step = 50) {
        for (std::int64_t t = 0; t < ms; t += step) {
            advance(step);
            for (auto& c : clients) {
                if (!c->driven) continue;
                const Verdict v = c->link->on_timer(now);
                if (v != Verdict::None) {
                    c->verdict = v;
                    c->reason = c->link->verdict_reason();
                    c->driven = false;  // the client would start over; we watch the server
                }
            }
            if (auto w = server->next_wake_ms(); w && *w <= now.mono_ms) server->wake(now, sink);
            if (now.mono_ms >= next_tick_ms) {
                server->tick(now, sink);
                next_tick_ms += 1000;
            }
            pump();
        }
    }

    // Run until `c` has its push and data keys (or gave up / 10 s passed).
    bool connect(Client& c) {
        for (int i = 0; i < 500 && c.driven && !(c.pushes > 0 && c.link->up()); ++i) run_ms(20, 20);
        return c.pushes > 0 && c.link->up();
    }

    // A packet from `c` through its tunnel into the server.
    void send(Client& c, const std::vector<std::uint8_t>& packet) {
        const std::size_t off = c.link->payload_offset();
        std::copy(packet.begin(), packet.end(), c.buf.begin() + static_cast<std::ptrdiff_t>(off));
        const std::size_t n = c.link->encapsulate(c.buf, off, packet.size(), c.out, c.scratch, now);
        REQUIRE(n > 0);
        c.last_sent.assign(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(n));
        server->on_link(c.last_sent, c.addr, now, sink);
        route_output();
    }

    // A packet read from the server's TUN.
    void from_tun(const std::vector<std::uint8_t>& packet, bool route = true) {
        constexpr std::size_t kOff = 64;
        std::vector<std::uint8_t> b(packet.size() + kOff + 256);
        std::copy(packet.begin(), packet.end(), b.begin() + kOff);
        server->on_tun(b, kOff, packet.size(), now, sink);
        if (route) route_output();
    }

    // The common names in status_lines(2)'s CLIENT_LIST rows, sorted.
    std::vector<std::string> listed() {
        std::vector<std::string> cns;
        for (const auto& l : server->status_lines(2)) {
            if (l.rfind("CLIENT_LIST,", 0) != 0) continue;
            const auto a = l.find(',') + 1;
            cns.push_back(l.substr(a, l.find(',', a) - a));
        }
        std::sort(cns.begin(), cns.end());
        return cns;
    }
    // The CLIENT_LIST row of `cn` ("" if none).
    std::string row_of(const std::string& cn) {
        for (const auto& l : server->status_lines(2))
            if (l.rfind("CLIENT_LIST," + cn + ",", 0) == 0) return l;
        return {};
    }
};

bool has_packet(const std::vector<std::vector<std::uint8_t>>& v, const std::vector<std::uint8_t>& p) {
    return std::find(v.begin(), v.end(), p) != v.end();
}

// alice, bob and carol connected one after the other (so the pool order is known).
struct ThreeClients : Net {
    Client *a, *b, *c;
    explicit ThreeClients(const std::string& extra) : Net(extra) {
        a = &add("alice", udp_addr(0, 0, 2, 40001));
        REQUIRE(connect(*a));
        b = &add("bob", udp_addr(0, 0, 3, 40002));
        REQUIRE(connect(*b));
        c = &add("carol", udp_addr(0, 0, 4, 40003));
        REQUIRE(connect(*c));
        REQUIRE(server->client_count() == 3);
    }
};

}  // namespace

TEST_CASE("multi server: a reset gets a stateless reply; the client exists only once it proves the cookie") {
    Net n(kSubnet);
    Client& a = n.add("alice", udp_addr(0, 0, 2, 40001));
    // Its first datagram, the reset: one reply to its address, no client state.
    std::size_t len = a.link->next_datagram(a.out, a.scratch, n.now);
    REQUIRE(len > 0);
    n.server->on_link(Bytes(a.out.data(), len), a.addr, n.now, n.sink);
    CHECK(n.server->client_count() == 0);
    CHECK(n.server->counters().gate_replies == 1);
    REQUIRE(n.sink.out.size() == 1);
    CHECK(n.sink.out[0].to.same_endpoint(a.addr));
    n.route_output();

    // Its answer (the cookie proof), first replayed from another address: no state.
    len = a.link->next_datagram(a.out, a.scratch, n.now);
    REQUIRE(len > 0);
    const std::vector<std::uint8_t> proof(a.out.begin(), a.out.begin() + static_cast<std::ptrdiff_t>(len));
    n.server->on_link(proof, udp_addr(0, 0, 99, 40001), n.now, n.sink);
    CHECK(n.server->client_count() == 0);
    n.server->on_link(proof, a.addr, n.now, n.sink);
    CHECK(n.server->client_count() == 1);
    n.route_output();
    REQUIRE(n.connect(a));
    CHECK(n.server->client_count() == 1);
}

TEST_CASE("multi server: forged resets from many addresses create no clients") {
    Net n(kSubnet);
    // A genuine reset (a client that never goes on) and random "resets", each from
    // 200 addresses.
    Client& m = n.add("erin", udp_addr(0, 0, 9, 1));
    m.driven = false;
    const std::size_t len = m.link->next_datagram(m.out, m.scratch, n.now);
    REQUIRE(len > 0);
    const std::vector<std::uint8_t> reset(m.out.begin(), m.out.begin() + static_cast<std::ptrdiff_t>(len));
    std::mt19937 rng(3);
    for (int i = 0; i < 200; ++i) {
        const auto from = udp_addr(1, static_cast<std::uint8_t>(i / 200), static_cast<std::uint8_t>(i % 200 + 1),
                                   static_cast<std::uint16_t>(10000 + i));
        n.server->on_link(reset, from, n.now, n.sink);
        std::vector<std::uint8_t> junk(14 + rng() % 100);
        for (auto& x : junk) x = static_cast<std::uint8_t>(rng());
        junk[0] = static_cast<std::uint8_t>(7 << 3);  // HARD_RESET_CLIENT_V2, key 0
        n.server->on_link(junk, from, n.now, n.sink);
        // A made-up "proof" (P_ACK_V1 / P_CONTROL_V1) from the same address.
        junk[0] = static_cast<std::uint8_t>((i % 2 ? 5 : 4) << 3);
        n.server->on_link(junk, from, n.now, n.sink);
    }
    CHECK(n.server->client_count() == 0);
    CHECK(n.server->counters().gate_replies >= 200);
    n.sink.out.clear();
    n.run_ms(3000);
    CHECK(n.server->client_count() == 0);
    // The server still takes a real client.
    Client& a = n.add("alice", udp_addr(0, 0, 2, 40001));
    REQUIRE(n.connect(a));
    CHECK(n.server->client_count() == 1);
}

TEST_CASE("multi server: three clients get distinct pool addresses (subnet) and peer-ids") {
    ThreeClients n(kSubnet + "client-to-client\n");
    CHECK(n.a->option("ifconfig") == "ifconfig 10.8.0.2 255.255.255.0");
    CHECK(n.b->option("ifconfig") == "ifconfig 10.8.0.3 255.255.255.0");
    CHECK(n.c->option("ifconfig") == "ifconfig 10.8.0.4 255.255.255.0");
    std::set<std::string> ids;
    for (Client* c : {n.a, n.b, n.c}) {
        auto p = c->option_words("peer-id");
        REQUIRE(p.size() == 2);
        ids.insert(p[1]);
    }
    CHECK(ids.size() == 3);
    CHECK(n.server->virtual_address_of("bob") == "10.8.0.3");
    CHECK(n.server->pool()->in_use() == 3);
    // keepalive 2 10: the clients are told 2 / 10.
    CHECK(n.a->option("ping") == "ping 2");
    CHECK(n.a->option("ping-restart") == "ping-restart 10");
}

TEST_CASE("multi server: routing between the TUN and clients, client-to-client on") {
    ThreeClients n(kSubnet + "client-to-client\n");
    const auto A = ipv4("10.8.0.2"), B = ipv4("10.8.0.3"), C = ipv4("10.8.0.4"), S = ipv4("10.8.0.1");

    // A -> the server's address: the TUN.
    auto p1 = ip_packet(A, S, 1);
    n.send(*n.a, p1);
    REQUIRE(n.sink.tun.size() == 1);
    CHECK(n.sink.tun[0] == p1);

    // TUN -> B's address: B only, the same bytes.
    auto p2 = ip_packet(S, B, 2);
    n.from_tun(p2);
    REQUIRE(n.b->received.size() == 1);
    CHECK(n.b->received[0] == p2);
    CHECK(n.a->received.empty());
    CHECK(n.c->received.empty());

    // A -> C with client-to-client: C gets it, the TUN does not.
    auto p3 = ip_packet(A, C, 3);
    n.send(*n.a, p3);
    REQUIRE(n.c->received.size() == 1);
    CHECK(n.c->received[0] == p3);
    CHECK(n.sink.tun.size() == 1);
    CHECK(n.b->received.size() == 1);

    // No client at this address: counted, nobody gets it.
    const auto routed = n.server->counters().no_route;
    n.from_tun(ip_packet(S, ipv4("10.8.0.50"), 4));
    CHECK(n.server->counters().no_route == routed + 1);
    CHECK(n.a->received.empty());
}

TEST_CASE("multi server: without client-to-client a packet for another client goes to the TUN") {
    ThreeClients n(kSubnet);
    auto p = ip_packet(ipv4("10.8.0.2"), ipv4("10.8.0.4"), 7);
    n.send(*n.a, p);
    REQUIRE(n.sink.tun.size() == 1);
    CHECK(n.sink.tun[0] == p);
    n.run_ms(200);
    CHECK(n.c->received.empty());
}

TEST_CASE("multi server: a client sending from another client's address is dropped and counted") {
    ThreeClients n(kSubnet + "client-to-client\n");
    const auto spoofed = n.server->counters().spoofed_source;
    n.send(*n.a, ip_packet(ipv4("10.8.0.3"), ipv4("10.8.0.1"), 9));
    n.send(*n.a, ip_packet(ipv4("10.8.0.3"), ipv4("10.8.0.4"), 10));  // nor to a client
    CHECK(n.server->counters().spoofed_source == spoofed + 2);
    CHECK(n.sink.tun.empty());
    CHECK(n.c->received.empty());
    // Its own address still works.
    n.send(*n.a, ip_packet(ipv4("10.8.0.2"), ipv4("10.8.0.1"), 11));
    CHECK(n.sink.tun.size() == 1);
}

TEST_CASE("multi server: one client's garbage and replays do not disturb the others") {
    ThreeClients n(kSubnet + "client-to-client\n");
    const auto A = ipv4("10.8.0.2"), B = ipv4("10.8.0.3"), C = ipv4("10.8.0.4"), S = ipv4("10.8.0.1");
    n.send(*n.b, ip_packet(B, S, 20));
    const auto b_data = n.b->last_sent;
    n.send(*n.a, ip_packet(A, S, 21));
    const auto a_data = n.a->last_sent;
    REQUIRE(n.sink.tun.size() == 2);
    const std::uint32_t b_peer_id = static_cast<std::uint32_t>(std::stoul(n.b->option_words("peer-id").at(1)));

    std::mt19937 rng(11);
    const std::uint8_t firsts[] = {7 << 3, 8 << 3, 4 << 3, 5 << 3, 9 << 3, 6 << 3, 3 << 3, 0};
    for (int i = 0; i < 400; ++i) {
        std::vector<std::uint8_t> junk(1 + rng() % 300);
        for (auto& x : junk) x = static_cast<std::uint8_t>(rng());
        junk[0] = firsts[i % 8];
        if (junk[0] == (9 << 3) && junk.size() > 4 && i % 3 == 0) {  // P_DATA_V2 naming B
            junk[1] = static_cast<std::uint8_t>(b_peer_id >> 16);
            junk[2] = static_cast<std::uint8_t>(b_peer_id >> 8);
            junk[3] = static_cast<std::uint8_t>(b_peer_id);
        }
        n.server->on_link(junk, n.a->addr, n.now, n.sink);
    }
    // Replays: A's own packet again, and B's packet from A's and from a new address
    // (it must not move B there).
    const auto attacker = udp_addr(0, 0, 66, 6666);
    for (int i = 0; i < 5; ++i) {
        n.server->on_link(a_data, n.a->addr, n.now, n.sink);
        n.server->on_link(b_data, n.a->addr, n.now, n.sink);
        n.server->on_link(b_data, attacker, n.now, n.sink);
    }
    CHECK(n.sink.tun.size() == 2);  // nothing new reached the TUN
    for (const auto& d : n.sink.out) CHECK_FALSE(d.to.same_endpoint(attacker));
    n.route_output();
    CHECK(n.server->client_count() == 3);
    // B was not moved: the server still sends to B's own address (before B says
    // anything that could move it back).
    CHECK(n.row_of("bob").find(",127.0.0.3:40002,") != std::string::npos);
    auto to_b = ip_packet(S, B, 23);
    n.from_tun(to_b, /*route=*/false);
    REQUIRE(n.sink.out.size() == 1);
    CHECK(n.sink.out[0].to.same_endpoint(n.b->addr));
    n.route_output();
    CHECK(has_packet(n.b->received, to_b));

    // Everyone still passes traffic.
    n.run_ms(3000);
    CHECK(n.server->client_count() == 3);
    n.send(*n.b, ip_packet(B, S, 22));
    CHECK(n.sink.tun.size() == 3);
    auto to_c = ip_packet(A, C, 24);
    n.send(*n.a, to_c);
    CHECK(has_packet(n.c->received, to_c));
    CHECK(n.b->drops == 0);
    CHECK(n.c->drops == 0);
}

TEST_CASE("multi server: a silent client expires after twice keepalive's restart value, freeing its address") {
    ThreeClients n(kSubnet + "client-to-client\n");
    CHECK(n.o.ping == 2);
    CHECK(n.o.ping_restart == 20);  // helper.c: the server doubles keepalive's second value
    n.a->driven = false;            // alice's process is gone
    n.run_ms(15000);                // beyond the 10 s the clients were told
    CHECK(n.server->client_count() == 3);
    CHECK(n.listed() == std::vector<std::string>{"alice", "bob", "carol"});
    n.run_ms(8000);  // beyond 20 s
    CHECK(n.server->client_count() == 2);
    CHECK(n.listed() == std::vector<std::string>{"bob", "carol"});
    CHECK(n.server->virtual_address_of("alice").empty());
    CHECK(n.server->pool()->in_use() == 2);
    const auto no_route = n.server->counters().no_route;
    n.from_tun(ip_packet(ipv4("10.8.0.1"), ipv4("10.8.0.2"), 30));
    CHECK(n.server->counters().no_route == no_route + 1);
    // The others are fine, and alice coming back gets her address again.
    auto p = ip_packet(ipv4("10.8.0.1"), ipv4("10.8.0.3"), 31);
    n.from_tun(p);
    CHECK(has_packet(n.b->received, p));
    Client& a2 = n.add("alice", udp_addr(0, 0, 2, 40011));
    REQUIRE(n.connect(a2));
    CHECK(a2.option("ifconfig") == "ifconfig 10.8.0.2 255.255.255.0");
    CHECK(n.server->client_count() == 3);
}

TEST_CASE("multi server: a client with explicit-exit-notify is dropped at once") {
    Net n(kSubnet);
    Client& a = n.add("alice", udp_addr(0, 0, 2, 40001), /*exit_notify=*/1);
    REQUIRE(n.connect(a));
    Client& b = n.add("bob", udp_addr(0, 0, 3, 40002));
    REQUIRE(n.connect(b));
    REQUIRE(n.server->client_count() == 2);
    CHECK(a.link->begin_exit(n.now, true) == Verdict::None);
    for (int k = 0; k < 64; ++k) {
        const std::size_t len = a.link->next_datagram(a.out, a.scratch, n.now);
        if (len == 0) break;
        n.server->on_link(Bytes(a.out.data(), len), a.addr, n.now, n.sink);
    }
    a.driven = false;
    auto w = n.server->next_wake_ms();
    REQUIRE(w);
    CHECK(*w <= n.now.mono_ms);
    n.server->wake(n.now, n.sink);
    CHECK(n.server->client_count() == 1);
    CHECK(n.listed() == std::vector<std::string>{"bob"});
}

TEST_CASE("multi server: management status lists the connected common names; kill ends one") {
    ThreeClients n(kSubnet);
    CHECK(n.listed() == std::vector<std::string>{"alice", "bob", "carol"});
    const std::string row = n.row_of("bob");
    CHECK(row.find(",127.0.0.3:40002,10.8.0.3,") != std::string::npos);
    CHECK(n.server->kill_by_common_name("nobody") == 0);
    CHECK(n.server->kill_by_common_name("bob") == 1);
    n.run_ms(2000);
    CHECK(n.server->client_count() == 2);
    CHECK(n.listed() == std::vector<std::string>{"alice", "carol"});
    // bob was told to reconnect (RESTART).
    CHECK(n.b->verdict == Verdict::Restart);
    CHECK(n.b->reason == "server-pushed-connection-reset");
    CHECK(n.a->verdict == Verdict::None);
    // kill by address too.
    CHECK(n.server->kill_by_address(ipv4("127.0.0.4"), 40003) == 1);
    n.run_ms(2000);
    CHECK(n.listed() == std::vector<std::string>{"alice"});
}

TEST_CASE("multi server: net30 pool addresses in the pushed ifconfig") {
    Net n("topology net30\nserver 10.8.0.0 255.255.255.0\nkeepalive 2 10\n");
    Client& a = n.add("alice", udp_addr(0, 0, 2, 40001));
    REQUIRE(n.connect(a));
    Client& b = n.add("bob", udp_addr(0, 0, 3, 40002));
    REQUIRE(n.connect(b));
    CHECK(a.option("ifconfig") == "ifconfig 10.8.0.6 10.8.0.5");
    CHECK(b.option("ifconfig") == "ifconfig 10.8.0.10 10.8.0.9");
    auto p = ip_packet(ipv4("10.8.0.1"), ipv4("10.8.0.10"), 40);
    n.from_tun(p);
    CHECK(has_packet(b.received, p));
    CHECK(a.received.empty());
    n.send(a, ip_packet(ipv4("10.8.0.6"), ipv4("10.8.0.1"), 41));
    CHECK(n.sink.tun.size() == 1);
}

TEST_CASE("multi server: client-config-dir ifconfig-push, iroute and disable") {
    config_test::TempDir ccd;
    ccd.write("carol", "ifconfig-push 10.8.0.77 255.255.255.0\niroute 192.168.200.0 255.255.255.0\n");
    ccd.write("dave", "disable\n");
    Net n(kSubnet + "client-config-dir " + ccd.path + "\n");
    Client& a = n.add("alice", udp_addr(0, 0, 2, 40001));
    REQUIRE(n.connect(a));
    Client& c = n.add("carol", udp_addr(0, 0, 4, 40003));
    REQUIRE(n.connect(c));
    CHECK(a.option("ifconfig") == "ifconfig 10.8.0.2 255.255.255.0");
    CHECK(c.option("ifconfig") == "ifconfig 10.8.0.77 255.255.255.0");
    CHECK(n.server->virtual_address_of("carol") == "10.8.0.77");

    // The iroute: packets for the network behind carol reach carol; carol may send
    // from it.
    auto p = ip_packet(ipv4("10.8.0.1"), ipv4("192.168.200.5"), 50);
    n.from_tun(p);
    CHECK(has_packet(c.received, p));
    CHECK(a.received.empty());
    auto q = ip_packet(ipv4("10.8.0.77"), ipv4("10.8.0.1"), 51);
    n.from_tun(ip_packet(ipv4("10.8.0.1"), ipv4("10.8.0.77"), 52));
    CHECK(c.received.size() == 2);
    n.send(c, q);
    n.send(c, ip_packet(ipv4("192.168.200.9"), ipv4("10.8.0.1"), 53));
    CHECK(n.sink.tun.size() == 2);
    CHECK(n.server->counters().spoofed_source == 0);

    // dave is disabled: AUTH_FAILED, never a tunnel, and gone from the server.
    Client& d = n.add("dave", udp_addr(0, 0, 5, 40004));
    CHECK_FALSE(n.connect(d));
    CHECK(d.verdict == Verdict::Exit);
    CHECK(d.reason == "auth-failure");
    CHECK(d.option("ifconfig").empty());
    n.run_ms(15000);
    CHECK(n.server->client_count() == 2);
    CHECK(n.listed() == std::vector<std::string>{"alice", "carol"});
}

TEST_CASE("multi server: a second connection with the same common name ends the first") {
    Net n(kSubnet);
    Client& first = n.add("alice", udp_addr(0, 0, 2, 40001));
    REQUIRE(n.connect(first));
    Client& b = n.add("bob", udp_addr(0, 0, 3, 40002));
    REQUIRE(n.connect(b));
    Client& second = n.add("alice", udp_addr(0, 0, 12, 40021));
    REQUIRE(n.connect(second));
    n.run_ms(1000);
    CHECK(n.server->client_count() == 2);
    CHECK(n.listed() == std::vector<std::string>{"alice", "bob"});
    CHECK(n.row_of("alice").find(",127.0.0.12:40021,") != std::string::npos);
    // multi.c closes the old instance before selecting the new one's address, so the
    // common name gets its address back.
    CHECK(second.option("ifconfig") == "ifconfig 10.8.0.2 255.255.255.0");
    const auto tun_before = n.sink.tun.size();
    n.send(first, ip_packet(ipv4("10.8.0.2"), ipv4("10.8.0.1"), 60));
    CHECK(n.sink.tun.size() == tun_before);
    const auto vaddr = n.server->virtual_address_of("alice");
    REQUIRE_FALSE(vaddr.empty());
    n.send(second, ip_packet(ipv4(vaddr.c_str()), ipv4("10.8.0.1"), 61));
    CHECK(n.sink.tun.size() == tun_before + 1);
    auto p = ip_packet(ipv4("10.8.0.1"), ipv4(vaddr.c_str()), 62);
    n.from_tun(p);
    CHECK(has_packet(second.received, p));
}

TEST_CASE("multi server: a client starting over from the same address replaces its old session") {
    ThreeClients n(kSubnet);
    // Its new reset goes to the gate; the cookie proof first reaches the old session,
    // which drops it, and then replaces that session: one client, not two.
    n.b->link->restart(n.now);
    n.b->pushes = 0;
    REQUIRE(n.connect(*n.b));
    n.run_ms(1000);
    CHECK(n.server->client_count() == 3);
    CHECK(n.listed() == std::vector<std::string>{"alice", "bob", "carol"});
    CHECK(n.b->option("ifconfig") == "ifconfig 10.8.0.3 255.255.255.0");
    auto p = ip_packet(ipv4("10.8.0.1"), ipv4("10.8.0.3"), 70);
    n.from_tun(p);
    CHECK(has_packet(n.b->received, p));
    n.send(*n.b, ip_packet(ipv4("10.8.0.3"), ipv4("10.8.0.1"), 71));
    CHECK(n.sink.tun.size() == 1);
}

TEST_CASE("multi server: max-clients refuses a proven newcomer and leaves the others") {
    Net n(kSubnet + "max-clients 2\n");
    Client& a = n.add("alice", udp_addr(0, 0, 2, 40001));
    REQUIRE(n.connect(a));
    Client& b = n.add("bob", udp_addr(0, 0, 3, 40002));
    REQUIRE(n.connect(b));
    Client& c = n.add("carol", udp_addr(0, 0, 4, 40003));
    CHECK_FALSE(n.connect(c));
    CHECK(n.server->client_count() == 2);
    CHECK(n.server->counters().max_clients > 0);
    CHECK(n.listed() == std::vector<std::string>{"alice", "bob"});
    auto p = ip_packet(ipv4("10.8.0.1"), ipv4("10.8.0.3"), 80);
    n.from_tun(p);
    CHECK(has_packet(b.received, p));
}

TEST_CASE("multi server: TCP connections: the reset creates the client, a closed connection ends it") {
    Net n("proto tcp-server\n" + kSubnet, /*datagram=*/false);
    // A connection whose first packet is not a reset is closed, nothing kept.
    const auto junk_from = udp_addr(0, 0, 50, 50000);
    std::vector<std::uint8_t> junk(40, 0x11);
    junk[0] = static_cast<std::uint8_t>(4 << 3);  // P_CONTROL_V1
    n.server->on_link(junk, junk_from, n.now, n.sink);
    CHECK(n.server->client_count() == 0);
    auto closed = n.server->take_closed();
    REQUIRE(closed.size() == 1);
    CHECK(closed[0].same_endpoint(junk_from));

    Client& a = n.add("alice", udp_addr(0, 0, 2, 40001));
    const std::size_t len = a.link->next_datagram(a.out, a.scratch, n.now);
    REQUIRE(len > 0);
    n.server->on_link(Bytes(a.out.data(), len), a.addr, n.now, n.sink);
    CHECK(n.server->client_count() == 1);  // the connection already proved the address
    CHECK(n.server->counters().gate_replies == 0);
    n.route_output();
    REQUIRE(n.connect(a));
    Client& b = n.add("bob", udp_addr(0, 0, 3, 40002));
    REQUIRE(n.connect(b));
    CHECK(n.listed() == std::vector<std::string>{"alice", "bob"});
    auto p = ip_packet(ipv4("10.8.0.1"), ipv4("10.8.0.3"), 90);
    n.from_tun(p);
    CHECK(has_packet(b.received, p));

    n.server->on_link_closed(a.addr, n.now);
    a.driven = false;
    CHECK(n.server->client_count() == 1);
    CHECK(n.listed() == std::vector<std::string>{"bob"});
    closed = n.server->take_closed();
    REQUIRE(closed.size() == 1);
    CHECK(closed[0].same_endpoint(a.addr));
}
