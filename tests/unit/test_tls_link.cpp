// TlsLink (p2p/tls_link.hpp): a pull client and a one-client server joined by a
// direct wire under a fake clock: handshake, push, data both ways, renegotiation
// under traffic without a lost packet, a client starting over, and garbage.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "p2p/tls_link.hpp"
#include "test_tls_session_support.hpp"

namespace {

using namespace vpn;
using vpn::p2p::LinkSession;
using vpn::p2p::Now;
using vpn::p2p::TlsLink;
using vpn::p2p::TlsLinkConfig;
using vpn::p2p::TlsLinkHooks;
using vpn::p2p::Verdict;

// A minimal IPv4 packet (the data session only forwards version-4 packets >= 20 bytes).
std::vector<std::uint8_t> ip_packet(std::uint32_t seq, std::size_t len = 100) {
    std::vector<std::uint8_t> p(len, 0);
    p[0] = 0x45;
    std::memcpy(p.data() + 16, &seq, 4);
    return p;
}

std::uint32_t seq_of(Bytes p) {
    std::uint32_t s = 0;
    std::memcpy(&s, p.data() + 16, 4);
    return s;
}

struct End {
    std::unique_ptr<TlsLink> link;
    std::vector<std::uint32_t> received;  // sequence numbers that reached "the TUN"
    std::vector<std::vector<std::string>> pushed;
    int ups = 0;
    std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(4096), out = std::vector<std::uint8_t>(4096),
                              scratch = std::vector<std::uint8_t>(4096), open = std::vector<std::uint8_t>(4096);
};

struct Pair {
    Now now{1000, 1700000000, 1000000};
    End client, server;
    std::size_t client_drops = 0, server_drops = 0;

    explicit Pair(int server_reneg = 0, const tls_test::WrapConfig& wrap = {}) {
        TlsLinkConfig cc;
        cc.ctx = tls_test::client_ctx();
        cc.session = tls_test::client_cfg(wrap);
        cc.pull = true;
        cc.reneg_sec = 0;
        TlsLinkHooks ch;
        ch.on_push = [this](const std::vector<std::vector<std::string>>& o) {
            client.pushed = o;
            return std::string();
        };
        ch.on_up = [this](const ovpn::session::TlsSession&) { ++client.ups; };
        client.link = std::make_unique<TlsLink>(cc, ch, now);

        TlsLinkConfig sc;
        sc.ctx = tls_test::server_ctx();
        sc.session = tls_test::server_cfg(wrap);
        sc.server = true;
        sc.reneg_sec = server_reneg;
        TlsLinkHooks sh;
        sh.push_for = [](const ovpn::session::TlsSession& s, std::uint32_t peer_id) {
            std::vector<std::string> o{"route 10.9.0.0 255.255.255.0", "ifconfig 10.8.0.2 10.8.0.1"};
            if (peer_id != ovpn::kNoPeerId) o.push_back("peer-id " + std::to_string(peer_id));
            for (const auto& x : s.push_options()) o.push_back(x);
            return o;
        };
        sh.on_up = [this](const ovpn::session::TlsSession&) { ++server.ups; };
        server.link = std::make_unique<TlsLink>(sc, sh, now);
    }

    // Everything `from` wants to send, delivered to `to` (or dropped by `keep`).
    template <class Keep>
    std::size_t flush(End& from, End& to, std::size_t& drops, Keep keep) {
        std::size_t n = 0;
        for (int i = 0; i < 1000; ++i) {
            std::size_t len = from.link->next_datagram(from.out, from.scratch, now);
            if (len == 0) break;
            ++n;
            std::vector<std::uint8_t> d(from.out.begin(), from.out.begin() + static_cast<std::ptrdiff_t>(len));
            if (!keep(d)) continue;
            deliver(to, d, drops);
        }
        return n;
    }
    void deliver(End& to, Bytes d, std::size_t& drops) {
        auto in = to.link->decapsulate(d, to.open, to.scratch, now);
        if (in.kind == LinkSession::Kind::Dropped) ++drops;
        if (in.kind == LinkSession::Kind::ToTun) to.received.push_back(seq_of(in.packet));
    }
    std::size_t pump() {
        auto all = [](const std::vector<std::uint8_t>&) { return true; };
        return flush(client, server, server_drops, all) + flush(server, client, client_drops, all);
    }
    void advance(std::int64_t ms) {
        now.mono_ms += ms;
        now.mono = now.mono_ms / 1000;
        now.wall = 1700000000 + now.mono - 1000;
    }
    Verdict tick(End& e) { return e.link->on_timer(now); }
    void run_ms(std::int64_t ms, std::int64_t step = 20) {
        for (std::int64_t t = 0; t < ms; t += step) {
            pump();
            advance(step);
            tick(client);
            tick(server);
            pump();
        }
    }
    // Seal one packet from `from` and deliver it; false if nothing could be sealed.
    bool send_data(End& from, End& to, std::uint32_t seq, std::size_t& drops) {
        auto p = ip_packet(seq);
        const std::size_t off = from.link->payload_offset();
        std::memcpy(from.buf.data() + off, p.data(), p.size());
        std::size_t n = from.link->encapsulate(from.buf, off, p.size(), from.out, from.scratch, now);
        if (n == 0) return false;
        deliver(to, Bytes(from.out.data(), n), drops);
        return true;
    }
};

}  // namespace

TEST_CASE("tls link: pull client and one-client server connect, push, and pass data both ways") {
    Pair p;
    p.run_ms(3000);
    REQUIRE(p.client.link->up());
    REQUIRE(p.server.link->up());
    CHECK(p.client.ups == 1);
    CHECK(p.server.ups == 1);
    REQUIRE(!p.client.pushed.empty());
    CHECK(p.client.pushed[0] == std::vector<std::string>{"route", "10.9.0.0", "255.255.255.0"});
    // The client announced P_DATA_V2, so the server gave it peer-id 0.
    bool peer_id = false;
    for (auto& o : p.client.pushed) peer_id |= o == std::vector<std::string>{"peer-id", "0"};
    CHECK(peer_id);
    p.client.link->set_peer_id(0);
    for (std::uint32_t i = 1; i <= 50; ++i) {
        REQUIRE(p.send_data(p.client, p.server, i, p.server_drops));
        REQUIRE(p.send_data(p.server, p.client, 1000 + i, p.client_drops));
    }
    CHECK(p.server.received.size() == 50);
    CHECK(p.client.received.size() == 50);
    CHECK(p.server.received.back() == 50);
    CHECK(p.client.received.back() == 1050);
    CHECK(p.server_drops == 0);
    CHECK(p.client_drops == 0);
}

TEST_CASE("tls link: nothing is sealed before the keys exist") {
    Pair p;
    CHECK_FALSE(p.send_data(p.client, p.server, 1, p.server_drops));
    CHECK(p.server.received.empty());
}

TEST_CASE("tls link: server-initiated renegotiations under traffic lose no packet") {
    Pair p(/*server_reneg=*/5);
    p.run_ms(2000);
    REQUIRE(p.client.link->up());
    std::uint32_t seq = 0;
    // 30 s of traffic both ways every 10 ms: several soft resets happen meanwhile.
    for (int step = 0; step < 3000; ++step) {
        ++seq;
        REQUIRE(p.send_data(p.client, p.server, seq, p.server_drops));
        REQUIRE(p.send_data(p.server, p.client, seq, p.client_drops));
        p.advance(10);
        p.tick(p.client);
        p.tick(p.server);
        p.pump();
    }
    CHECK(p.server.received.size() == seq);
    CHECK(p.client.received.size() == seq);
    CHECK(p.server_drops == 0);
    CHECK(p.client_drops == 0);
    CHECK(p.client.ups == 1);  // renegotiations do not restart the tunnel
}

TEST_CASE("tls link: a client that starts over replaces the server's session") {
    Pair p;
    p.run_ms(2000);
    REQUIRE(p.server.link->up());
    p.client.link->restart(p.now);
    CHECK_FALSE(p.client.link->up());
    p.run_ms(3000);
    REQUIRE(p.client.link->up());
    REQUIRE(p.server.link->up());
    CHECK(p.server.ups == 2);
    CHECK(p.client.ups == 2);
    p.client.link->set_peer_id(0);
    REQUIRE(p.send_data(p.client, p.server, 7, p.server_drops));
    REQUIRE(p.send_data(p.server, p.client, 8, p.client_drops));
    CHECK(p.server.received.back() == 7);
    CHECK(p.client.received.back() == 8);
}

TEST_CASE("tls link: garbage and forged packets are dropped and leave the tunnel up") {
    tls_test::WrapConfig wrap;
    wrap.mode = ovpn::control::WrapMode::TlsCrypt;
    wrap.key = tls_test::random_key2();
    Pair p(0, wrap);
    p.run_ms(2000);
    REQUIRE(p.server.link->up());
    std::mt19937 rng(7);
    std::size_t drops = 0;
    for (int i = 0; i < 500; ++i) {
        std::vector<std::uint8_t> junk(1 + rng() % 200);
        for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
        if (i % 3 == 0) junk[0] = static_cast<std::uint8_t>(7 << 3);  // a "new client" reset
        if (i % 3 == 1) junk[0] = static_cast<std::uint8_t>(9 << 3);  // P_DATA_V2 key 0
        p.deliver(p.server, junk, drops);
        p.deliver(p.client, junk, drops);
    }
    CHECK(drops == 1000);
    CHECK(p.server.ups == 1);
    p.client.link->set_peer_id(0);
    REQUIRE(p.send_data(p.client, p.server, 9, p.server_drops));
    CHECK(p.server.received.back() == 9);
}

namespace {

// A second client talking to the server from another UDP address (the foreign path).
struct Newcomer {
    End end;
    net::SockAddr addr;
    Newcomer(Pair& p) {
        TlsLinkConfig cc;
        cc.ctx = tls_test::client_ctx();
        cc.session = tls_test::client_cfg();
        cc.pull = true;
        cc.reneg_sec = 0;
        end.link = std::make_unique<TlsLink>(cc, TlsLinkHooks{}, p.now);
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(40000);
        in.sin_addr.s_addr = htonl(0xC0000207);  // 192.0.2.7 (no resolver in unit tests)
        std::memcpy(&addr.storage, &in, sizeof in);
        addr.len = sizeof in;
    }
    // One exchange round with the server over the foreign path; `answer`: whether the
    // newcomer receives what the server sends it.
    void round(Pair& p, bool answer = true) {
        for (int i = 0; i < 100; ++i) {
            std::size_t len = end.link->next_datagram(end.out, end.scratch, p.now);
            if (len == 0) break;
            Bytes d(end.out.data(), len);
            REQUIRE(p.server.link->accepts_new_source(d, addr));
            p.server.link->decapsulate_foreign(d, addr, p.now);
        }
        net::SockAddr to;
        std::vector<std::uint8_t> buf(4096);
        for (int i = 0; i < 100; ++i) {
            std::size_t len = p.server.link->next_foreign(buf, to);
            if (len == 0) break;
            CHECK(to.same_endpoint(addr));
            std::size_t drops = 0;
            if (answer) p.deliver(end, Bytes(buf.data(), len), drops);
        }
    }
};

}  // namespace

TEST_CASE("tls link: a reset from another address that never completes leaves the current client up") {
    Pair p;
    p.run_ms(2000);
    REQUIRE(p.server.link->up());
    Newcomer n(p);
    for (int t = 0; t < 100; ++t) {  // 10 s: the newcomer never hears back
        n.round(p, /*answer=*/false);
        p.advance(100);
        p.tick(p.server);
        p.tick(p.client);
        p.pump();
    }
    CHECK_FALSE(p.server.link->take_new_peer());
    CHECK(p.server.ups == 1);
    p.client.link->set_peer_id(0);
    REQUIRE(p.send_data(p.client, p.server, 11, p.server_drops));
    REQUIRE(p.send_data(p.server, p.client, 12, p.client_drops));
    CHECK(p.server.received.back() == 11);
    CHECK(p.client.received.back() == 12);
}

TEST_CASE("tls link: a client at another address that completes its handshake takes over") {
    Pair p;
    p.run_ms(2000);
    REQUIRE(p.server.link->up());
    Newcomer n(p);
    std::optional<net::SockAddr> adopted;
    for (int t = 0; t < 100 && !adopted; ++t) {
        n.round(p);
        adopted = p.server.link->take_new_peer();
        p.advance(20);
        n.end.link->on_timer(p.now);
        p.tick(p.server);
    }
    REQUIRE(adopted);
    CHECK(adopted->same_endpoint(n.addr));
    CHECK(p.server.ups == 2);
    // From now on the newcomer is the peer: the ordinary path, both ways.
    for (int t = 0; t < 50 && !n.end.link->up(); ++t) {
        std::size_t drops = 0;
        p.flush(n.end, p.server, drops, [](const std::vector<std::uint8_t>&) { return true; });
        p.flush(p.server, n.end, drops, [](const std::vector<std::uint8_t>&) { return true; });
        p.advance(20);
        n.end.link->on_timer(p.now);
        p.tick(p.server);
    }
    REQUIRE(n.end.link->up());
    n.end.link->set_peer_id(0);
    std::size_t drops = 0;
    REQUIRE(p.send_data(n.end, p.server, 21, drops));
    REQUIRE(p.send_data(p.server, n.end, 22, drops));
    CHECK(p.server.received.back() == 21);
    CHECK(n.end.received.back() == 22);
}
