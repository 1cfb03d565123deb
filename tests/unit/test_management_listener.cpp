// ManagementListener on loopback TCP (ephemeral port) and on a unix socket in a temp
// directory: real sockets, one thread.  Plain POSIX sockets are the management
// clients; the io_context is pumped in short slices until a condition holds, with a
// bounded number of slices (no timing assertions).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "server/management_listener.hpp"

using namespace vpn;
using server::ManagementListener;

namespace {

const std::string kTitle = "vpn test x86_64-pc-linux-gnu [SSL (OpenSSL)]";
const std::string kGreeting = ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n";

struct FakeOwner : server::ManagementOwner {
    std::vector<int> status_versions;
    std::vector<std::string> killed;
    std::size_t big_status = 0;  // status 3 answers this many bytes (to fill queues)

    std::vector<std::string> status_lines(int version) override {
        status_versions.push_back(version);
        if (version == 3 && big_status) return {std::string(big_status, 'x')};
        return {"TITLE,fake", "CLIENT_LIST,alice", "END"};
    }
    int kill_by_common_name(const std::string& cn) override {
        killed.push_back(cn);
        return cn == "x" ? 1 : 0;
    }
    int kill_by_address(std::uint32_t, std::uint16_t) override { return 0; }
    server::LoadStats load_stats() override { return {2, 100, 200}; }
    std::vector<server::ClientBytes> client_bytes() override { return {{7, 1000, 2000}}; }
};

config::ServerOptions::Management tcp_where() {
    config::ServerOptions::Management m;
    m.host = "127.0.0.1";
    m.port = 0;  // ephemeral
    return m;
}

config::ServerOptions::Management unix_where(const std::string& path) {
    config::ServerOptions::Management m;
    m.unix_path = path;
    return m;
}

// A management client: a non-blocking POSIX socket and what it has read so far.
struct Peer {
    int fd = -1;
    std::string got;
    bool eof = false;

    static Peer tcp(std::uint16_t port) {
        Peer p;
        p.fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(p.fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        // Loopback connect completes from the kernel's backlog; no loop turn needed.
        REQUIRE(::connect(p.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        ::fcntl(p.fd, F_SETFL, O_NONBLOCK);
        return p;
    }
    static Peer local(const std::string& path) {
        Peer p;
        p.fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        REQUIRE(p.fd >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.data(), path.size());
        REQUIRE(::connect(p.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        ::fcntl(p.fd, F_SETFL, O_NONBLOCK);
        return p;
    }
    Peer() = default;
    Peer(Peer&& o) noexcept : fd(o.fd), got(std::move(o.got)), eof(o.eof) { o.fd = -1; }
    ~Peer() {
        if (fd >= 0) ::close(fd);
    }

    void say(const std::string& s) const { REQUIRE(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size())); }
    void drain() {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n > 0) {
                got.append(buf, std::size_t(n));
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) eof = true;
            return;
        }
    }
    // Everything read up to and including the first `marker`, removed from `got`.
    std::string take_through(const std::string& marker) {
        const auto at = got.find(marker);
        if (at == std::string::npos) return {};
        std::string out = got.substr(0, at + marker.size());
        got.erase(0, at + marker.size());
        return out;
    }
};

// Runs the loop in slices, letting the peers read, until `done` holds.
bool pump(asio::io_context& io, std::vector<Peer*> peers, const std::function<bool()>& done, int slices = 400) {
    for (int i = 0; i < slices; ++i) {
        for (Peer* p : peers) p->drain();
        if (done()) return true;
        if (io.stopped()) io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
    for (Peer* p : peers) p->drain();
    return done();
}

bool has(const Peer& p, const std::string& s) { return p.got.find(s) != std::string::npos; }

std::string temp_dir() {
    char t[] = "/tmp/vpn-mgmt-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    return t;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

// Greeting, version, status, kill, then quit closes the connection.
void conversation(asio::io_context& io, Peer& p, FakeOwner& owner) {
    REQUIRE(pump(io, {&p}, [&] { return has(p, "\r\n"); }));
    CHECK(p.take_through("\r\n") == kGreeting);

    p.say("version\n");
    REQUIRE(pump(io, {&p}, [&] { return has(p, "END\r\n"); }));
    CHECK(p.take_through("END\r\n") == "OpenVPN Version: " + kTitle + "\r\nManagement Version: 5\r\nEND\r\n");

    p.say("status\n");
    REQUIRE(pump(io, {&p}, [&] { return has(p, "END\r\n"); }));
    CHECK(p.take_through("END\r\n") == "TITLE,fake\r\nCLIENT_LIST,alice\r\nEND\r\n");
    CHECK(owner.status_versions.back() == 0);  // 0: the configured status-version

    p.say("kill x\n");
    REQUIRE(pump(io, {&p}, [&] { return has(p, "\r\n"); }));
    CHECK(p.take_through("\r\n") == "SUCCESS: common name 'x' found, 1 client(s) killed\r\n");
    CHECK(owner.killed.back() == "x");

    p.say("quit\nversion\n");  // nothing after quit is answered
    REQUIRE(pump(io, {&p}, [&] { return p.eof; }));
    CHECK(p.got.empty());
}

}  // namespace

TEST_CASE("ManagementListener TCP: greeting, commands, quit closes; several clients at once") {
    asio::io_context io;
    FakeOwner owner;
    ManagementListener m(io, tcp_where(), owner, kTitle);
    m.start();
    REQUIRE(m.port() != 0);

    Peer other = Peer::tcp(m.port());
    Peer p = Peer::tcp(m.port());
    REQUIRE(pump(io, {&other, &p}, [&] { return m.client_count() == 2; }));
    conversation(io, p, owner);
    REQUIRE(pump(io, {&other}, [&] { return m.client_count() == 1; }));

    // The other client was served all along and still is.
    REQUIRE(pump(io, {&other}, [&] { return has(other, "\r\n"); }));
    CHECK(other.take_through("\r\n") == kGreeting);
    other.say("load-stats\n");
    REQUIRE(pump(io, {&other}, [&] { return has(other, "\r\n"); }));
    CHECK(other.take_through("\r\n") == "SUCCESS: nclients=2,bytesin=100,bytesout=200\r\n");

    // bytecount reports come from the 1-second timer.
    other.say("bytecount 1\n");
    REQUIRE(pump(io, {&other}, [&] { return has(other, ">BYTECOUNT_CLI:"); }));
    CHECK(other.take_through("\r\n") == "SUCCESS: bytecount interval changed\r\n");
    CHECK(other.take_through("\r\n") == ">BYTECOUNT_CLI:7,1000,2000\r\n");

    // stop() closes every client.
    m.stop();
    CHECK(m.client_count() == 0);
    REQUIRE(pump(io, {&other}, [&] { return other.eof; }));
}

TEST_CASE("ManagementListener TCP: a busy port is a one-line error") {
    asio::io_context io;
    FakeOwner owner;
    ManagementListener first(io, tcp_where(), owner, kTitle);
    first.start();
    auto where = tcp_where();
    where.port = first.port();
    ManagementListener second(io, where, owner, kTitle);
    try {
        second.start();
        FAIL("a second bind on the same port succeeded");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.find("MANAGEMENT: Socket bind failed on local address [AF_INET]127.0.0.1:") == 0);
        CHECK(what.find('\n') == std::string::npos);
    }

    auto bad = tcp_where();
    bad.host = "not-an-address";  // never resolved: no DNS for the management port
    ManagementListener third(io, bad, owner, kTitle);
    CHECK_THROWS_AS(third.start(), std::runtime_error);
}

TEST_CASE("ManagementListener TCP: clients beyond the limit are closed at once") {
    asio::io_context io;
    FakeOwner owner;
    ManagementListener m(io, tcp_where(), owner, kTitle);
    m.start();
    std::vector<Peer> peers;
    for (std::size_t i = 0; i < ManagementListener::kMaxClients; ++i) peers.push_back(Peer::tcp(m.port()));
    std::vector<Peer*> ptrs;
    for (auto& p : peers) ptrs.push_back(&p);
    REQUIRE(pump(io, ptrs, [&] { return m.client_count() == ManagementListener::kMaxClients; }));

    Peer extra = Peer::tcp(m.port());
    ptrs.push_back(&extra);
    REQUIRE(pump(io, ptrs, [&] { return extra.eof; }));
    CHECK(extra.got.empty());  // no greeting: closed before it was served
    CHECK(m.client_count() == ManagementListener::kMaxClients);
    for (std::size_t i = 0; i < peers.size(); ++i) CHECK(peers[i].got == kGreeting);
}

TEST_CASE("ManagementListener TCP: a client that does not read is dropped") {
    asio::io_context io;
    FakeOwner owner;
    owner.big_status = 1u << 20;
    ManagementListener m(io, tcp_where(), owner, kTitle);
    m.start();
    Peer p = Peer::tcp(m.port());
    REQUIRE(pump(io, {}, [&] { return m.client_count() == 1; }));
    // 32 MB of answers asked for, none read: kernel buffers hold a few MB, our queue
    // at most kMaxQueuedBytes, so the client must go.
    const int asked = 32;
    for (int i = 0; i < asked; ++i) p.say("status 3\n");
    REQUIRE(pump(io, {}, [&] { return m.client_count() == 0; }));
    CHECK(owner.status_versions.size() < std::size_t(asked));  // the rest was never built
}

TEST_CASE("ManagementListener unix socket: stale file replaced, conversation, file removed at the end") {
    const std::string dir = temp_dir();
    const std::string path = dir + "/mgmt.sock";
    {
        // A stale socket: bound by a process that is gone (nobody accepts on it).
        const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path.data(), path.size());
        REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        ::close(s);
        REQUIRE(exists(path));
    }
    asio::io_context io;
    FakeOwner owner;
    {
        ManagementListener m(io, unix_where(path), owner, kTitle);
        m.start();
        CHECK(m.port() == 0);
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK((st.st_mode & 0777) == 0660);

        // A live socket is not taken over by a second instance.
        ManagementListener second(io, unix_where(path), owner, kTitle);
        CHECK_THROWS_AS(second.start(), std::runtime_error);
        CHECK(exists(path));

        Peer p = Peer::local(path);
        conversation(io, p, owner);
        REQUIRE(pump(io, {}, [&] { return m.client_count() == 0; }));
    }
    CHECK_FALSE(exists(path));  // removed with the listener
    ::rmdir(dir.c_str());
}

TEST_CASE("ManagementListener unix socket: a file that is not a socket is left alone") {
    const std::string dir = temp_dir();
    const std::string path = dir + "/not-a-socket";
    { std::ofstream(path) << "precious\n"; }
    asio::io_context io;
    FakeOwner owner;
    ManagementListener m(io, unix_where(path), owner, kTitle);
    CHECK_THROWS_AS(m.start(), std::runtime_error);
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);
    CHECK(line == "precious");
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
}

TEST_CASE("ManagementListener: handlers pending when the listener goes away do nothing") {
    asio::io_context io;
    FakeOwner owner;
    std::optional<Peer> p;
    {
        ManagementListener m(io, tcp_where(), owner, kTitle);
        m.start();
        p.emplace(Peer::tcp(m.port()));
        REQUIRE(pump(io, {&*p}, [&] { return m.client_count() == 1; }));
        p->say("status\n");  // arrives after the listener is gone
    }
    // The accept, read and timer handlers run now, against a destroyed listener.
    REQUIRE(pump(io, {&*p}, [&] { return p->eof; }));
    CHECK(owner.status_versions.empty());
    CHECK(p->got == kGreeting);
}
