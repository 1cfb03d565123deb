// TcpListener on loopback: real sockets, one thread.  POSIX client sockets stand in
// for peers; the io_context is pumped in short slices until a condition holds, with a
// bounded number of slices (no timing assertions).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "server/tcp_listener.hpp"

using namespace vpn;
using server::TcpListener;
using server::TcpListenerEvents;

namespace {

using Buf = std::vector<std::uint8_t>;

net::SockAddr v4(const char* ip, std::uint16_t port) {
    net::SockAddr a;
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, ip, &in->sin_addr) == 1);
    a.len = sizeof(sockaddr_in);
    return a;
}

p2p::LinkPlan loopback_plan() {
    p2p::LinkPlan p;
    p.proto = config::Proto::TcpServer;
    p.family = AF_INET;
    p.local = v4("127.0.0.1", 0);
    return p;
}

Buf bytes(const std::string& s) { return Buf(s.begin(), s.end()); }

Buf frame(const Buf& packet) {
    Buf out(2);
    out[0] = std::uint8_t(packet.size() >> 8);
    out[1] = std::uint8_t(packet.size());
    out.insert(out.end(), packet.begin(), packet.end());
    return out;
}

Buf cat(Buf a, const Buf& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Runs the loop in slices until `done` holds; false if it never did.
bool pump(asio::io_context& io, const std::function<bool()>& done, int slices = 300) {
    for (int i = 0; i < slices; ++i) {
        if (done()) return true;
        if (io.stopped()) io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
    return done();
}

struct Client {
    int fd = -1;
    net::SockAddr addr;  // our end: the listener's peer address for us

    explicit Client(std::uint16_t port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        auto to = v4("127.0.0.1", port);
        // The kernel completes the handshake from its accept queue: no loop needed.
        REQUIRE(::connect(fd, to.sa(), to.len) == 0);
        addr.len = sizeof addr.storage;
        REQUIRE(::getsockname(fd, addr.sa(), &addr.len) == 0);
        REQUIRE(::fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
    }
    ~Client() {
        if (fd >= 0) ::close(fd);
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    void send(asio::io_context& io, const Buf& data) {
        std::size_t off = 0;
        REQUIRE(pump(io, [&] {
            while (off < data.size()) {
                ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
                if (n <= 0) return false;
                off += static_cast<std::size_t>(n);
            }
            return true;
        }));
    }
    // Exactly `n` bytes, pumping the listener while they are on their way.
    Buf read(asio::io_context& io, std::size_t n) {
        Buf out;
        std::uint8_t tmp[65536];
        bool ok = pump(io, [&] {
            while (out.size() < n) {
                ssize_t r = ::recv(fd, tmp, std::min(sizeof tmp, n - out.size()), 0);
                if (r <= 0) return false;
                out.insert(out.end(), tmp, tmp + r);
            }
            return true;
        });
        CHECK(ok);
        return out;
    }
    // True once the listener closed our connection (EOF or reset), false if it stays.
    bool sees_close(asio::io_context& io, int slices = 300) {
        return pump(io, [&] {
            std::uint8_t tmp[4096];
            for (;;) {
                ssize_t r = ::recv(fd, tmp, sizeof tmp, 0);
                if (r == 0) return true;
                if (r < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
            }
        }, slices);
    }
};

struct Recorder {
    struct Rx {
        net::SockAddr from;
        Buf data;
    };
    std::vector<Rx> rx;
    std::vector<net::SockAddr> closed;
    std::function<void(const net::SockAddr&, const Buf&)> also;  // extra action per packet

    TcpListenerEvents events() {
        TcpListenerEvents e;
        e.on_packets = [this](const p2p::RxBatch& b) {
            for (std::size_t i = 0; i < b.count; ++i) {
                REQUIRE(b.from[i] != nullptr);
                rx.push_back({*b.from[i], Buf(b.datagram[i].begin(), b.datagram[i].end())});
                if (also) also(*b.from[i], rx.back().data);
            }
        };
        e.on_closed = [this](const net::SockAddr& peer) { closed.push_back(peer); };
        return e;
    }
    std::vector<Buf> from(const net::SockAddr& who) const {
        std::vector<Buf> out;
        for (auto& r : rx)
            if (r.from.same_endpoint(who)) out.push_back(r.data);
        return out;
    }
    bool closed_has(const net::SockAddr& who) const {
        for (auto& c : closed)
            if (c.same_endpoint(who)) return true;
        return false;
    }
};

Buf pattern(std::size_t n, std::uint8_t seed) {
    Buf b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = std::uint8_t(seed + i * 7);
    return b;
}

}  // namespace

TEST_CASE("tcp listener: packets from three clients come up with their peer addresses") {
    asio::io_context io;
    Recorder rec;
    TcpListener l(io, loopback_plan(), rec.events(), 1600, 16);
    l.start();
    REQUIRE(l.local_port() != 0);
    Client a(l.local_port()), b(l.local_port()), c(l.local_port());
    REQUIRE(pump(io, [&] { return l.connections() == 3; }));

    // Several packets in one write.
    a.send(io, cat(frame(bytes("a0")), frame(bytes("a1"))));
    // One packet split across writes, the first split inside the length prefix.
    auto big = frame(pattern(1000, 3));
    b.send(io, Buf(big.begin(), big.begin() + 1));
    io.run_for(std::chrono::milliseconds(10));
    b.send(io, Buf(big.begin() + 1, big.begin() + 500));
    io.run_for(std::chrono::milliseconds(10));
    b.send(io, cat(Buf(big.begin() + 500, big.end()), Buf{0, 3, 'x'}));  // and the start of the next
    io.run_for(std::chrono::milliseconds(10));
    b.send(io, Buf{'y', 'z'});
    c.send(io, frame(bytes("c")));

    REQUIRE(pump(io, [&] { return rec.rx.size() >= 5; }));
    io.run_for(std::chrono::milliseconds(20));
    CHECK(rec.rx.size() == 5);
    CHECK(rec.from(a.addr) == std::vector<Buf>{bytes("a0"), bytes("a1")});
    CHECK(rec.from(b.addr) == std::vector<Buf>{pattern(1000, 3), bytes("xyz")});
    CHECK(rec.from(c.addr) == std::vector<Buf>{bytes("c")});
    CHECK(rec.closed.empty());

    // Down: each client gets exactly its own packet, framed.
    CHECK(l.send_to(bytes("to-a"), a.addr));
    CHECK(l.send_to(pattern(1400, 9), b.addr));
    CHECK(l.send_to(bytes("to-c"), c.addr));
    CHECK(a.read(io, 6) == frame(bytes("to-a")));
    CHECK(b.read(io, 1402) == frame(pattern(1400, 9)));
    CHECK(c.read(io, 6) == frame(bytes("to-c")));

    // A batch addressed to several connections keeps each one's order.
    p2p::TxBatch batch(4096);
    net::SockAddr to[3] = {a.addr, c.addr, a.addr};
    const char* words[3] = {"first", "mid", "second"};
    for (auto* w : words) {
        std::memcpy(batch.tail().data(), w, std::strlen(w));
        batch.commit(std::strlen(w));
    }
    l.send_addressed(batch, to);
    CHECK(a.read(io, 7 + 8) == cat(frame(bytes("first")), frame(bytes("second"))));
    CHECK(c.read(io, 5) == frame(bytes("mid")));

    // Nobody there: refused and counted.
    CHECK_FALSE(l.send_to(bytes("lost"), v4("127.0.0.1", 9)));
    CHECK(l.send_failures() == 1);
}

TEST_CASE("tcp listener: a broken stream closes only its own connection") {
    asio::io_context io;
    Recorder rec;
    TcpListener l(io, loopback_plan(), rec.events(), 1600, 16);
    l.start();
    Client good(l.local_port()), longlen(l.local_port()), zerolen(l.local_port()), quitter(l.local_port());
    REQUIRE(pump(io, [&] { return l.connections() == 4; }));

    // The good packet before the bad prefix still arrives, then the connection goes.
    longlen.send(io, cat(frame(bytes("ok")), Buf{0x06, 0x41, 1, 2, 3}));  // 1601 > max_packet
    zerolen.send(io, Buf{0, 0, 0xde, 0xad});
    ::close(quitter.fd);  // a peer that just goes away
    quitter.fd = -1;
    good.send(io, frame(bytes("still here")));

    REQUIRE(pump(io, [&] { return rec.closed.size() == 3; }));
    CHECK(rec.closed_has(longlen.addr));
    CHECK(rec.closed_has(zerolen.addr));
    CHECK(rec.closed_has(quitter.addr));
    CHECK_FALSE(rec.closed_has(good.addr));
    CHECK(longlen.sees_close(io));
    CHECK(zerolen.sees_close(io));
    CHECK(rec.from(longlen.addr) == std::vector<Buf>{bytes("ok")});
    CHECK(rec.from(zerolen.addr).empty());
    CHECK(l.connections() == 1);

    // The survivor works both ways; the dead ones cannot be sent to.
    CHECK_FALSE(l.send_to(bytes("x"), longlen.addr));
    CHECK(l.send_to(bytes("pong"), good.addr));
    CHECK(good.read(io, 6) == frame(bytes("pong")));
    good.send(io, frame(bytes("again")));
    REQUIRE(pump(io, [&] { return rec.from(good.addr).size() == 2; }));
    CHECK(rec.from(good.addr).back() == bytes("again"));
}

TEST_CASE("tcp listener: close() ends one connection without on_closed, also from inside on_packets") {
    asio::io_context io;
    Recorder rec;
    TcpListener l(io, loopback_plan(), rec.events(), 1600, 16);
    l.start();
    Client a(l.local_port()), b(l.local_port()), c(l.local_port());
    REQUIRE(pump(io, [&] { return l.connections() == 3; }));

    l.close(a.addr);
    CHECK(l.connections() == 2);
    CHECK(a.sees_close(io));
    CHECK_FALSE(l.send_to(bytes("x"), a.addr));

    // The handler closes the sender while packets of the same read are still queued
    // behind the one it is looking at.
    rec.also = [&](const net::SockAddr& from, const Buf& data) {
        if (data == bytes("bye")) l.close(from);
    };
    c.send(io, cat(cat(frame(bytes("bye")), frame(bytes("after"))), frame(bytes("more"))));
    REQUIRE(pump(io, [&] { return l.connections() == 1; }));
    CHECK(c.sees_close(io));
    CHECK(rec.closed.empty());
    CHECK(rec.from(c.addr).front() == bytes("bye"));

    b.send(io, frame(bytes("b")));
    REQUIRE(pump(io, [&] { return !rec.from(b.addr).empty(); }));
    CHECK(l.send_to(bytes("to-b"), b.addr));
    CHECK(b.read(io, 6) == frame(bytes("to-b")));
}

TEST_CASE("tcp listener: connections beyond max_connections are closed at once") {
    asio::io_context io;
    Recorder rec;
    TcpListener l(io, loopback_plan(), rec.events(), 1600, 2);
    l.start();
    Client a(l.local_port()), b(l.local_port());
    REQUIRE(pump(io, [&] { return l.connections() == 2; }));
    Client extra(l.local_port());
    REQUIRE(pump(io, [&] { return l.rejected_connections() == 1; }));
    CHECK(extra.sees_close(io));
    CHECK(l.connections() == 2);
    CHECK_FALSE(l.send_to(bytes("x"), extra.addr));

    // A freed slot is usable again.
    l.close(a.addr);
    Client late(l.local_port());
    REQUIRE(pump(io, [&] { return l.connections() == 2; }));
    late.send(io, frame(bytes("late")));
    REQUIRE(pump(io, [&] { return !rec.from(late.addr).empty(); }));
}

TEST_CASE("tcp listener: a full backlog drops packets and keeps the connection") {
    asio::io_context io;
    Recorder rec;
    TcpListener l(io, loopback_plan(), rec.events(), 1600, 16);
    l.start();
    Client a(l.local_port());
    REQUIRE(pump(io, [&] { return l.connections() == 1; }));

    // The loop does not run meanwhile, so everything beyond the backlog is refused.
    std::size_t accepted = 0;
    for (int i = 0; i < 1000; ++i) accepted += l.send_to(pattern(1000, std::uint8_t(i)), a.addr) ? 1 : 0;
    CHECK(accepted < 1000);
    CHECK(accepted > 100);
    CHECK(l.send_failures() == 1000 - accepted);
    CHECK(l.connections() == 1);

    // What was accepted arrives intact and in order.
    auto got = a.read(io, accepted * 1002);
    REQUIRE(got.size() == accepted * 1002);
    bool intact = true;
    for (std::size_t i = 0; i < accepted; ++i) {
        Buf one(got.begin() + std::ptrdiff_t(i * 1002), got.begin() + std::ptrdiff_t((i + 1) * 1002));
        if (one != frame(pattern(1000, std::uint8_t(i)))) intact = false;
    }
    CHECK(intact);
    CHECK(l.send_to(bytes("after"), a.addr));
    CHECK(a.read(io, 7) == frame(bytes("after")));
}

TEST_CASE("tcp listener: a connection that never sends a packet is closed after the silent timeout") {
    asio::io_context io;
    Recorder rec;
    TcpListener l(io, loopback_plan(), rec.events(), 1600, 16);
    l.start();
    l.set_silent_timeout(std::chrono::milliseconds(200));
    Client talker(l.local_port()), silent(l.local_port());
    talker.send(io, frame(bytes("hello")));
    REQUIRE(pump(io, [&] { return !rec.closed.empty(); }));
    CHECK(rec.closed_has(silent.addr));
    CHECK(silent.sees_close(io));
    CHECK(l.connections() == 1);
    CHECK(rec.from(talker.addr) == std::vector<Buf>{bytes("hello")});
}

TEST_CASE("tcp listener: bind failure is one clear error") {
    asio::io_context io;
    Recorder rec;
    TcpListener first(io, loopback_plan(), rec.events(), 1600, 4);
    first.start();
    auto plan = loopback_plan();
    plan.local = v4("127.0.0.1", first.local_port());
    // SO_REUSEADDR does not let a second socket listen on a port already listening.
    TcpListener second(io, plan, rec.events(), 1600, 4);
    CHECK_THROWS_AS(second.start(), std::runtime_error);
}

TEST_CASE("tcp peer key: an IPv4 peer matches its IPv4-mapped spelling, nothing else") {
    auto a = v4("192.0.2.7", 1194);
    auto mapped = net::to_v4_mapped(a);
    CHECK(server::TcpPeerKey::of(a) == server::TcpPeerKey::of(mapped));
    CHECK(server::TcpPeerKeyHash{}(server::TcpPeerKey::of(a)) == server::TcpPeerKeyHash{}(server::TcpPeerKey::of(mapped)));
    CHECK_FALSE(server::TcpPeerKey::of(a) == server::TcpPeerKey::of(v4("192.0.2.7", 1195)));
    CHECK_FALSE(server::TcpPeerKey::of(a) == server::TcpPeerKey::of(v4("192.0.2.8", 1194)));
    net::SockAddr none;
    CHECK(server::TcpPeerKey::of(none).family == 0);
}
