// status-version 1/2/3 text rebuilt byte for byte from snapshots of the stock OpenVPN
// 2.6.14 runs in tests/vectors/openvpn/status (see README.md there).
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "server/status_report.hpp"

using namespace vpn::server;
using vpn::net::SockAddr;

namespace {

const std::string kTitle =
    "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]";

std::string read_vector(const std::string& name) {
    std::ifstream f(std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/status/" + name, std::ios::binary);
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The server listened on a dual-stack udp6 socket: IPv4 clients appear v4-mapped.
SockAddr mapped_v4(const char* ip, std::uint16_t port) {
    SockAddr a;
    sockaddr_in6 s{};
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(port);
    std::string m = std::string("::ffff:") + ip;
    inet_pton(AF_INET6, m.c_str(), &s.sin6_addr);
    std::memcpy(&a.storage, &s, sizeof s);
    a.len = sizeof s;
    return a;
}

SockAddr v6(const char* ip, std::uint16_t port) {
    SockAddr a;
    sockaddr_in6 s{};
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &s.sin6_addr);
    std::memcpy(&a.storage, &s, sizeof s);
    a.len = sizeof s;
    return a;
}

SockAddr v4(const char* ip, std::uint16_t port) {
    SockAddr a;
    sockaddr_in s{};
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    inet_pton(AF_INET, ip, &s.sin_addr);
    std::memcpy(&a.storage, &s, sizeof s);
    a.len = sizeof s;
    return a;
}

struct UtcZone {
    UtcZone() { setenv("TZ", "UTC0", 1); tzset(); }
};

ClientStatus client(const char* cn, SockAddr real, const char* vip, const char* vip6, std::uint64_t rx,
                    std::uint64_t tx, std::time_t since, std::uint64_t cid) {
    ClientStatus c;
    c.common_name = cn;
    c.real = real;
    c.virtual_v4 = vip;
    c.virtual_v6 = vip6;
    c.bytes_received = rx;
    c.bytes_sent = tx;
    c.connected_since = since;
    c.client_id = cid;
    c.peer_id = static_cast<std::uint32_t>(cid);
    c.cipher = "AES-256-GCM";
    return c;
}

RouteStatus route(const char* vaddr, const char* cn, SockAddr real, std::time_t t) {
    RouteStatus r;
    r.virtual_address = vaddr;
    r.common_name = cn;
    r.real = real;
    r.last_ref = t;
    return r;
}

}  // namespace

TEST_CASE("status-version 1 matches the stock file") {
    UtcZone utc;
    const auto c1 = mapped_v4("10.99.1.2", 47844);
    const auto c2 = v6("fd99:2::2", 1194);
    StatusSnapshot s;
    s.now = 1795430538;  // 2026-11-23 10:42:18 UTC
    s.title = kTitle;
    s.max_bcast_mcast_queue = 2;
    s.clients = {client("c1", c1, "10.8.0.2", "fd00:8::1000", 2374, 2429, 1795430531, 0),
                 client("c2", c2, "10.8.0.3", "fd00:8::1001", 2288, 2341, 1795430531, 1)};
    s.routes = {route("fd00:8::1000", "c1", c1, 1795430531), route("fd00:8::1001", "c2", c2, 1795430537),
                route("10.8.0.2", "c1", c1, 1795430537), route("10.8.0.3", "c2", c2, 1795430531)};
    CHECK(format_status(s, 1) == read_vector("status-v1.txt"));
}

TEST_CASE("status-version 2 and 3 match the stock files") {
    UtcZone utc;
    StatusSnapshot s;
    s.title = kTitle;
    s.max_bcast_mcast_queue = 2;
    {
        const auto c1 = mapped_v4("10.99.1.2", 52028);
        const auto c2 = v6("fd99:2::2", 40000);
        s.now = 1795430549;
        s.clients = {client("c1", c1, "10.8.0.2", "fd00:8::1000", 2159, 2214, 1795430543, 0),
                     client("c2", c2, "10.8.0.3", "fd00:8::1001", 2160, 2214, 1795430543, 1)};
        s.routes = {route("10.8.0.3", "c2", c2, 1795430543), route("10.8.0.2", "c1", c1, 1795430543),
                    route("fd00:8::1001", "c2", c2, 1795430543), route("fd00:8::1000", "c1", c1, 1795430543)};
        CHECK(format_status(s, 2) == read_vector("status-v2.txt"));
    }
    {
        const auto c1 = mapped_v4("10.99.1.2", 38235);
        const auto c2 = v6("fd99:2::2", 40000);
        s.now = 1795430595;
        s.clients = {client("c1", c1, "10.8.0.2", "fd00:8::1000", 2266, 2323, 1795430588, 0),
                     client("c2", c2, "10.8.0.3", "fd00:8::1001", 2161, 2214, 1795430588, 1)};
        s.routes = {route("10.8.0.3", "c2", c2, 1795430588), route("10.8.0.2", "c1", c1, 1795430594),
                    route("fd00:8::1000", "c1", c1, 1795430588), route("fd00:8::1001", "c2", c2, 1795430588)};
        CHECK(format_status(s, 3) == read_vector("status-v3.txt"));
    }
}

TEST_CASE("status details") {
    UtcZone utc;
    CHECK(format_real_address(v4("192.0.2.7", 1194)) == "192.0.2.7:1194");
    CHECK(format_real_address(mapped_v4("192.0.2.7", 5)) == "192.0.2.7:5");
    CHECK(format_real_address(v6("2001:db8::1", 5)) == "2001:db8::1");
    CHECK(format_real_address(SockAddr{}) == "UNKNOWN");
    CHECK(format_status_time(0) == "1970-01-01 00:00:00");
    StatusSnapshot s;
    CHECK(format_status(s, 4) == "ERROR: bad status format version number\n");
    ClientStatus c;  // empty names print as UNDEF; a cached route gets its 'C'
    c.real = v4("192.0.2.7", 1);
    s.clients.push_back(c);
    RouteStatus r = route("10.8.0.9", "", v4("192.0.2.7", 1), 0);
    r.cached = true;
    s.routes.push_back(r);
    const auto lines = status_lines(s, 2);
    CHECK(lines[3] == "CLIENT_LIST,UNDEF,192.0.2.7:1,,,0,0,1970-01-01 00:00:00,0,UNDEF,0,0,");
    CHECK(lines[5] == "ROUTING_TABLE,10.8.0.9C,UNDEF,192.0.2.7:1,1970-01-01 00:00:00,0");
    // A line of 512 bytes or more ends the output there, as status_printf does.
    s.clients[0].common_name = std::string(600, 'x');
    const auto cut = status_lines(s, 1);
    REQUIRE(cut.size() == 3);
    CHECK(cut.back() == "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since");
}
