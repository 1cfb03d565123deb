// vpn::tun: pure parts (IPv4 helpers, netlink message bytes, attribute parsing) and, as
// root, the real thing inside private network namespaces:
//
//   test process ── fork ──► child: unshare(CLONE_NEWNET) ─► tun0/tap0/... in an empty netns
//        ▲                     │ runs the checks, throws on the first failure
//        └──── pipe: "" or the failure text, exit status 0 / 1 / 77 (skip) ◄┘
//
// The host's interfaces, addresses and routes are never touched.  Inside a new netns
// /sys still shows the host's devices, so read-backs use netlink, ioctls and /proc/net.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/unit/isolated_child.hpp"
#include "tun/ipv4.hpp"
#include "tun/netlink_message.hpp"
#include "tun/rtnetlink.hpp"
#include "tun/rtnetlink_request.hpp"
#include "tun/tun_device.hpp"

using namespace vpn::tun;

namespace {

using test_support::run_isolated;
using test_support::Skip;

Ipv4 ip(const char* text) {
    auto a = parse_ipv4(text);
    REQUIRE(a);
    return *a;
}

std::vector<std::uint8_t> bytes_of(const NetlinkMessage& m) { return {m.bytes().begin(), m.bytes().end()}; }

// ---- child-process harness ----------------------------------------------------------


// Runs `fn` expecting a TunError whose message contains `needle` (and errno `err` if set).
void expect_tun_error(const std::function<void()>& fn, const std::string& needle, int err, int line) {
    try {
        fn();
    } catch (const TunError& e) {
        if (std::string(e.what()).find(needle) == std::string::npos)
            throw std::runtime_error(fmt::format("line {}: TunError \"{}\" lacks \"{}\"", line, e.what(), needle));
        if (err != 0 && e.error() != err)
            throw std::runtime_error(fmt::format("line {}: TunError \"{}\" has errno {} not {}", line, e.what(),
                                                 e.error(), err));
        return;
    }
    throw std::runtime_error(fmt::format("line {}: no TunError (wanted \"{}\")", line, needle));
}
#define EXPECT_TUN_ERROR(expr, needle, err) expect_tun_error([&] { expr; }, needle, err, __LINE__)



// ---- read-backs that do not go through our netlink code -----------------------------

ifreq ifreq_for(const std::string& name, int request) {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name.c_str());
    const int rc = ::ioctl(s, request, &ifr);
    const int err = errno;
    ::close(s);
    if (rc != 0) throw std::runtime_error(fmt::format("ioctl on {}: {}", name, errno_text(err)));
    return ifr;
}

// /proc/net/route follows the reader's netns; returns the lines for `dev`.
std::vector<std::string> proc_routes(const std::string& dev) {
    std::ifstream in("/proc/net/route");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        if (line.rfind(dev + "\t", 0) == 0) out.push_back(line);
    return out;
}

// /proc/net/route prints addresses as the raw 32-bit value in host order.
std::string proc_hex(Ipv4 a) { return fmt::format("{:08X}", a.be); }

std::optional<RouteInfo> find_route(const std::vector<RouteInfo>& routes, Ipv4 dst, int prefix_len) {
    for (const auto& r : routes)
        if (r.dst == dst && r.prefix_len == prefix_len) return r;
    return std::nullopt;
}

}  // namespace

// ======================================================================================
TEST_CASE("parse_ipv4 / format_ipv4") {
    CHECK(parse_ipv4("10.0.0.1")->be == (std::endian::native == std::endian::little ? 0x0100000au : 0x0a000001u));
    CHECK(parse_ipv4("10.0.0.1")->host() == 0x0a000001u);
    CHECK(parse_ipv4("0.0.0.0")->be == 0);
    CHECK(parse_ipv4("255.255.255.255")->host() == 0xffffffffu);
    CHECK(format_ipv4(Ipv4::from_host(0xc0a84d01)) == "192.168.77.1");
    CHECK(format_ipv4(ip("0.0.0.0")) == "0.0.0.0");
    for (const char* bad : {"", "1", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.0.0.1", "1.2.3.04", "01.2.3.4",
                            " 1.2.3.4", "1.2.3.4 ", "1..3.4", "a.b.c.d", "1.2.3.-4", "1.2.3.1000", "1.2.3.4/24",
                            "0x1.2.3.4"})
        CHECK_MESSAGE(!parse_ipv4(bad), bad);
    CHECK(parse_ipv4("0.10.100.200"));
}

TEST_CASE("netmask_to_prefix / prefix_to_netmask / network_of") {
    CHECK(netmask_to_prefix(ip("255.255.255.0")) == 24);
    CHECK(netmask_to_prefix(ip("255.255.255.255")) == 32);
    CHECK(netmask_to_prefix(ip("0.0.0.0")) == 0);
    CHECK(netmask_to_prefix(ip("128.0.0.0")) == 1);
    CHECK(netmask_to_prefix(ip("255.255.255.252")) == 30);
    CHECK(netmask_to_prefix(ip("255.0.255.0")) == -1);
    CHECK(netmask_to_prefix(ip("0.255.255.255")) == -1);
    CHECK(netmask_to_prefix(ip("255.255.255.253")) == -1);
    for (int p = 0; p <= 32; ++p) CHECK(netmask_to_prefix(prefix_to_netmask(p)) == p);
    CHECK(prefix_to_netmask(20) == ip("255.255.240.0"));
    CHECK(network_of(ip("10.1.2.3"), 24) == ip("10.1.2.0"));
    CHECK(network_of(ip("10.1.2.3"), 0) == ip("0.0.0.0"));
    CHECK(network_of(ip("10.1.2.3"), 32) == ip("10.1.2.3"));
}

// Netlink is host byte order; the expected bytes below are for little-endian hosts.
TEST_CASE("netlink message bytes" * doctest::skip(std::endian::native != std::endian::little)) {
    SUBCASE("RTM_NEWADDR p2p: 10.0.0.1 peer 10.0.0.2 on ifindex 5") {
        NetlinkMessage m = build_address(RTM_NEWADDR, AddressSpec{5, ip("10.0.0.1"), ip("10.0.0.2"), 32, {}});
        m.set_seq(1);
        const std::vector<std::uint8_t> want = {
            0x28, 0, 0, 0, 0x14, 0, 0x05, 0x06, 1, 0, 0, 0, 0, 0, 0, 0,  // nlmsghdr: len 40, NEWADDR, REQ|ACK|EXCL|CREATE
            2, 32, 0, 0, 5, 0, 0, 0,                                     // ifaddrmsg: AF_INET /32 scope 0 ifindex 5
            8, 0, 2, 0, 10, 0, 0, 1,                                     // IFA_LOCAL 10.0.0.1
            8, 0, 1, 0, 10, 0, 0, 2,                                     // IFA_ADDRESS 10.0.0.2
        };
        CHECK(bytes_of(m) == want);
    }
    SUBCASE("RTM_NEWADDR subnet: 192.168.77.1/24 with broadcast on ifindex 7") {
        NetlinkMessage m = build_address(RTM_NEWADDR, subnet_address_spec(7, ip("192.168.77.1"), 24));
        m.set_seq(3);
        const std::vector<std::uint8_t> want = {
            0x30, 0, 0, 0, 0x14, 0, 0x05, 0x06, 3, 0, 0, 0, 0, 0, 0, 0,
            2, 24, 0, 0, 7, 0, 0, 0,
            8, 0, 2, 0, 192, 168, 77, 1,    // IFA_LOCAL
            8, 0, 1, 0, 192, 168, 77, 1,    // IFA_ADDRESS
            8, 0, 4, 0, 192, 168, 77, 255,  // IFA_BROADCAST
        };
        CHECK(bytes_of(m) == want);
        CHECK(!subnet_address_spec(7, ip("10.0.0.0"), 31).broadcast);
        CHECK(!subnet_address_spec(7, ip("10.0.0.1"), 32).broadcast);
        CHECK(*subnet_address_spec(7, ip("10.0.0.1"), 30).broadcast == ip("10.0.0.3"));
    }
    SUBCASE("RTM_DELADDR has no CREATE|EXCL") {
        NetlinkMessage m = build_address(RTM_DELADDR, AddressSpec{5, ip("10.0.0.1"), ip("10.0.0.2"), 32, {}});
        CHECK(m.type() == RTM_DELADDR);
        CHECK(m.flags() == (NLM_F_REQUEST | NLM_F_ACK));
    }
    SUBCASE("RTM_NEWROUTE: 10.9.0.0/24 via 10.8.0.2 oif 5 metric 5") {
        NetlinkMessage m = build_route(RTM_NEWROUTE, RouteSpec{ip("10.9.0.0"), 24, ip("10.8.0.2"), 5, 5});
        m.set_seq(2);
        const std::vector<std::uint8_t> want = {
            0x3c, 0, 0, 0, 0x18, 0, 0x05, 0x06, 2, 0, 0, 0, 0, 0, 0, 0,  // len 60, NEWROUTE
            2, 24, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0,  // rtmsg: AF_INET /24, table main, proto boot, scope universe, unicast
            8, 0, 1, 0, 10, 9, 0, 0,                // RTA_DST
            8, 0, 5, 0, 10, 8, 0, 2,                // RTA_GATEWAY
            8, 0, 4, 0, 5, 0, 0, 0,                 // RTA_OIF
            8, 0, 6, 0, 5, 0, 0, 0,                 // RTA_PRIORITY
        };
        CHECK(bytes_of(m) == want);
    }
    SUBCASE("RTM_NEWROUTE on-link default route: no RTA_DST, scope link") {
        NetlinkMessage m = build_route(RTM_NEWROUTE, RouteSpec{ip("0.0.0.0"), 0, {}, 9, {}});
        const std::vector<std::uint8_t> want = {
            0x24, 0, 0, 0, 0x18, 0, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0,
            2, 0, 0, 0, 254, 3, 253, 1, 0, 0, 0, 0,
            8, 0, 4, 0, 9, 0, 0, 0,
        };
        CHECK(bytes_of(m) == want);
    }
    SUBCASE("RTM_DELROUTE matches any scope/protocol/type") {
        NetlinkMessage m = build_route(RTM_DELROUTE, RouteSpec{ip("10.9.0.0"), 24, {}, 5, {}});
        const std::vector<std::uint8_t> want = {
            0x2c, 0, 0, 0, 0x19, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            2, 24, 0, 0, 254, 0, 255, 0, 0, 0, 0, 0,
            8, 0, 1, 0, 10, 9, 0, 0,
            8, 0, 4, 0, 5, 0, 0, 0,
        };
        CHECK(bytes_of(m) == want);
    }
    SUBCASE("RTM_SETLINK: MTU and up") {
        const std::vector<std::uint8_t> mtu = {
            0x28, 0, 0, 0, 0x13, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // ifinfomsg: ifindex 4, no flag change
            8, 0, 4, 0, 0x78, 0x05, 0, 0,                    // IFLA_MTU 1400
        };
        CHECK(bytes_of(build_set_mtu(4, 1400)) == mtu);
        const std::vector<std::uint8_t> up = {
            0x20, 0, 0, 0, 0x13, 0, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,  // flags IFF_UP, change IFF_UP
        };
        CHECK(bytes_of(build_set_link_up(4, true)) == up);
    }
}

TEST_CASE("netlink builder bounds and padding") {
    NetlinkMessage m(RTM_NEWLINK, NLM_F_REQUEST);
    m.put_string(IFLA_IFNAME, "tun0");  // 4 + 5 bytes, padded to 12
    CHECK(m.bytes().size() == 16 + 12);
    const std::size_t nest = m.begin_nested(IFLA_LINKINFO);
    m.put_string(1, "tun");
    m.end_nested(nest);
    CHECK(m.bytes().size() == 28 + 4 + 8);
    CHECK(m.bytes()[28] == 12);  // nested length covers its child

    std::vector<std::uint8_t> big(NetlinkMessage::kCapacity, 0xaa);
    CHECK_THROWS_AS(m.put_attr(1, vpn::Bytes(big)), TunError);
    CHECK(m.bytes().size() == 40);  // unchanged after the refused append
    std::vector<std::uint8_t> chunk(100, 1);
    CHECK_THROWS_AS(
        [&] {
            for (int i = 0; i < 10; ++i) m.put_attr(2, vpn::Bytes(chunk));
        }(),
        TunError);
    CHECK(m.bytes().size() <= NetlinkMessage::kCapacity);
}

TEST_CASE("AttrReader rejects lengths it cannot trust") {
    SUBCASE("well-formed, last attribute without padding") {
        const std::uint8_t data[] = {8, 0, 3, 0, 1, 2, 3, 4, 5, 0, 0x83, 0x80, 'x'};
        AttrReader r{vpn::Bytes(data)};
        auto a = r.next();
        REQUIRE(a);
        CHECK(a->type == 3);
        CHECK(a->as_u32());
        auto b = r.next();
        REQUIRE(b);
        CHECK(b->type == 0x83);  // NLA_F_NESTED masked off
        CHECK(b->as_string() == "x");
        CHECK(!b->as_u32());
        CHECK(!r.next());
        CHECK(!r.malformed());
    }
    SUBCASE("length beyond the buffer") {
        const std::uint8_t data[] = {8, 0, 3, 0, 1, 2, 3, 4, 12, 0, 1, 0, 9, 9};
        AttrReader r{vpn::Bytes(data)};
        CHECK(r.next());
        CHECK(!r.next());
        CHECK(r.malformed());
    }
    SUBCASE("length shorter than the header") {
        const std::uint8_t data[] = {2, 0, 3, 0, 1, 2, 3, 4};
        AttrReader r{vpn::Bytes(data)};
        CHECK(!r.next());
        CHECK(r.malformed());
        CHECK(!r.next());
    }
    SUBCASE("trailing bytes shorter than a header are ignored") {
        const std::uint8_t data[] = {4, 0, 1, 0, 7, 7};
        AttrReader r{vpn::Bytes(data)};
        auto a = r.next();
        REQUIRE(a);
        CHECK(a->payload.empty());
        CHECK(!a->as_ipv4());
        CHECK(!r.next());
    }
    CHECK(!read_header<rtmsg>(vpn::Bytes()).has_value());
}

TEST_CASE("open rejects bad names before touching the kernel") {
    // Pure checks: these fail before /dev/net/tun is opened, so they need no root.
    try {
        TunDevice::open("averyveryverylongname", Kind::Tun);
        FAIL("no error");
    } catch (const TunError& e) {
        CHECK(std::string(e.what()) == "tun device name 'averyveryverylongname' is too long (at most 15 characters)");
    }
    CHECK_THROWS_WITH_AS(TunDevice::open("bad/name", Kind::Tap), "invalid tap device name 'bad/name'", TunError);
    CHECK_THROWS_AS(TunDevice::open("a b", Kind::Tun), TunError);
    CHECK_THROWS_AS(TunDevice::open("..", Kind::Tun), TunError);
}

// ======================================================================================
TEST_CASE("tun device in a private netns: mtu, up, address, routes, removal") {
    run_isolated("tun", [] {
        TunDevice dev = TunDevice::open("tun", Kind::Tun);
        EXPECT(dev.name() == "tun0");  // a fresh netns has no tun yet
        EXPECT(dev.ifindex() > 0 && dev.fd() >= 0 && dev.kind() == Kind::Tun);
        const int idx = dev.ifindex();
        EXPECT(interface_label(idx) == "tun0");

        EXPECT_TUN_ERROR(set_mtu(idx, 20), "cannot set MTU 20 on tun0: Invalid argument (kernel: ", EINVAL);
        set_mtu(idx, 1400);
        EXPECT(ifreq_for("tun0", SIOCGIFMTU).ifr_mtu == 1400);
        EXPECT(get_link(idx)->mtu == 1400);
        dev.set_txqueuelen(4000);
        EXPECT(ifreq_for("tun0", SIOCGIFTXQLEN).ifr_qlen == 4000);
        EXPECT(get_link(idx)->txqlen == 4000);
        set_link_up(idx, true);
        EXPECT(ifreq_for("tun0", SIOCGIFFLAGS).ifr_flags & IFF_UP);
        EXPECT(get_link(idx)->flags & IFF_POINTOPOINT);
        EXPECT(get_link(idx)->name == "tun0");
        EXPECT(!get_link(idx + 1000));

        add_address_p2p(idx, ip("10.8.0.1"), ip("10.8.0.2"));
        auto addrs = list_addresses(idx);
        EXPECT(addrs.size() == 1);
        EXPECT(addrs[0].local == ip("10.8.0.1") && addrs[0].address == ip("10.8.0.2"));
        EXPECT(addrs[0].prefix_len == 32 && !addrs[0].broadcast);
        EXPECT_TUN_ERROR(add_address_p2p(idx, ip("10.8.0.1"), ip("10.8.0.2")),
                         "cannot add address 10.8.0.1 peer 10.8.0.2 on tun0: File exists", EEXIST);

        add_route(ip("10.9.0.0"), 24, ip("10.8.0.2"), idx, 5);
        add_route(ip("10.10.0.0"), 16, std::nullopt, idx, std::nullopt);
        auto routes = list_routes();
        const auto via = find_route(routes, ip("10.9.0.0"), 24);
        EXPECT(via && via->gateway == ip("10.8.0.2") && via->ifindex == idx && via->metric == 5);
        EXPECT(via->protocol == RTPROT_BOOT && via->type == RTN_UNICAST && via->table == RT_TABLE_MAIN);
        const auto onlink = find_route(routes, ip("10.10.0.0"), 16);
        EXPECT(onlink && !onlink->gateway && onlink->ifindex == idx && onlink->scope == RT_SCOPE_LINK);
        const auto peer = find_route(routes, ip("10.8.0.2"), 32);  // the kernel's p2p host route
        EXPECT(peer && peer->protocol == RTPROT_KERNEL);

        const auto proc = proc_routes("tun0");
        auto has = [&](Ipv4 dst, Ipv4 gw) {
            const std::string key = "tun0\t" + proc_hex(dst) + "\t" + proc_hex(gw) + "\t";
            return std::any_of(proc.begin(), proc.end(), [&](const std::string& l) { return l.rfind(key, 0) == 0; });
        };
        EXPECT(has(ip("10.9.0.0"), ip("10.8.0.2")));
        EXPECT(has(ip("10.10.0.0"), ip("0.0.0.0")));

        auto lookup = route_to(ip("10.9.0.77"));
        EXPECT(lookup && lookup->gateway == ip("10.8.0.2") && lookup->ifindex == idx);
        EXPECT(lookup->prefsrc == ip("10.8.0.1"));
        EXPECT(!route_to(ip("192.0.2.1")));  // no default route in this netns

        EXPECT_TUN_ERROR(add_route(ip("10.9.0.0"), 24, ip("10.8.0.2"), idx, 5),
                         "cannot add route 10.9.0.0/24 via 10.8.0.2 dev tun0 metric 5: File exists", EEXIST);
        EXPECT_TUN_ERROR(add_route(ip("10.9.0.1"), 24, std::nullopt, idx, std::nullopt),
                         "10.9.0.1 has host bits set beyond /24 (network is 10.9.0.0)", EINVAL);
        EXPECT_TUN_ERROR(add_route(ip("10.11.0.0"), 33, std::nullopt, idx, std::nullopt), "out of range", EINVAL);
        EXPECT_TUN_ERROR(add_route(ip("10.12.0.0"), 24, ip("172.31.0.1"), idx, std::nullopt),
                         "cannot add route 10.12.0.0/24 via 172.31.0.1 dev tun0: ", 0);  // gateway not on-link

        // Bytes really flow through fd() with IFF_NO_PI: a datagram routed into tun0 comes
        // out as a bare IPv4 packet.
        dev.set_nonblocking(true);
        EXPECT(::fcntl(dev.fd(), F_GETFL) & O_NONBLOCK);
        const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9);
        to.sin_addr.s_addr = ip("10.9.0.5").be;
        EXPECT(::sendto(s, "hello", 5, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 5);
        ::close(s);
        bool seen = false;
        std::uint8_t pkt[2048];
        for (int i = 0; i < 20 && !seen; ++i) {
            pollfd pfd{dev.fd(), POLLIN, 0};
            if (::poll(&pfd, 1, 1000) <= 0) break;
            const ssize_t n = ::read(dev.fd(), pkt, sizeof pkt);
            if (n >= 33 && pkt[0] == 0x45 && pkt[9] == IPPROTO_UDP)
                seen = std::equal(pkt + 16, pkt + 20, "\x0a\x09\x00\x05") && std::equal(pkt + 28, pkt + 33, "hello");
        }
        EXPECT(seen);

        del_route(ip("10.9.0.0"), 24, ip("10.8.0.2"), idx, 5);
        EXPECT(!find_route(list_routes(), ip("10.9.0.0"), 24));
        EXPECT_TUN_ERROR(del_route(ip("10.9.0.0"), 24, ip("10.8.0.2"), idx, 5),
                         "cannot delete route 10.9.0.0/24 via 10.8.0.2 dev tun0 metric 5: No such process", ESRCH);
        del_address_p2p(idx, ip("10.8.0.1"), ip("10.8.0.2"));
        EXPECT(list_addresses(idx).empty());
        set_link_up(idx, false);
        EXPECT(!(get_link(idx)->flags & IFF_UP));

        // Closing the only fd removes the device, and with it its addresses and routes.
        set_link_up(idx, true);
        add_address_p2p(idx, ip("10.8.0.1"), ip("10.8.0.2"));
        add_route(ip("10.9.0.0"), 24, ip("10.8.0.2"), idx, std::nullopt);
        dev.close();
        dev.close();  // idempotent
        EXPECT(!get_link(idx));
        for (const auto& r : list_routes(0)) EXPECT(r.ifindex != idx);
        for (const auto& a : list_addresses()) EXPECT(a.local != ip("10.8.0.1"));
        EXPECT(proc_routes("tun0").empty());
        EXPECT_TUN_ERROR(set_mtu(idx, 1500), "cannot set MTU 1500 on ifindex", ENODEV);
    });
}

TEST_CASE("tap device in a private netns: subnet address with broadcast") {
    run_isolated("tap", [] {
        TunDevice dev = TunDevice::open("tap", Kind::Tap);
        EXPECT(dev.name() == "tap0" && dev.kind() == Kind::Tap);
        const int idx = dev.ifindex();
        set_mtu(idx, 1500);
        set_link_up(idx, true);
        const auto link = get_link(idx);
        EXPECT(link && link->mtu == 1500 && (link->flags & IFF_BROADCAST) && !(link->flags & IFF_POINTOPOINT));

        add_address(idx, ip("192.168.77.1"), 24);
        auto addrs = list_addresses(idx);
        EXPECT(addrs.size() == 1);
        EXPECT(addrs[0].local == ip("192.168.77.1") && addrs[0].address == ip("192.168.77.1"));
        EXPECT(addrs[0].prefix_len == 24 && addrs[0].broadcast == ip("192.168.77.255"));
        EXPECT_TUN_ERROR(add_address(idx, ip("192.168.77.1"), 24), "cannot add address 192.168.77.1/24 on tap0: File exists",
                         EEXIST);
        const auto net = find_route(list_routes(), ip("192.168.77.0"), 24);  // kernel prefix route
        EXPECT(net && net->ifindex == idx && net->scope == RT_SCOPE_LINK && !net->gateway);
        EXPECT(!proc_routes("tap0").empty());

        add_address(idx, ip("10.20.0.0"), 31);
        bool found31 = false;
        for (const auto& a : list_addresses(idx))
            if (a.local == ip("10.20.0.0")) found31 = a.prefix_len == 31 && !a.broadcast;
        EXPECT(found31);
        add_route(ip("0.0.0.0"), 0, ip("192.168.77.254"), idx, 100);
        const auto def = find_route(list_routes(), ip("0.0.0.0"), 0);
        EXPECT(def && def->gateway == ip("192.168.77.254") && def->metric == 100);
        EXPECT(route_to(ip("198.51.100.1"))->gateway == ip("192.168.77.254"));
        del_route(ip("0.0.0.0"), 0, std::nullopt, 0, std::nullopt);  // matched by destination alone
        EXPECT(!find_route(list_routes(), ip("0.0.0.0"), 0));

        del_address(idx, ip("192.168.77.1"), 24);
        del_address(idx, ip("10.20.0.0"), 31);
        EXPECT(list_addresses(idx).empty());
        EXPECT_TUN_ERROR(del_address(idx, ip("192.168.77.1"), 24), "cannot delete address 192.168.77.1/24 on tap0", 0);

        add_address(idx, ip("192.168.77.1"), 24);
        dev.close();
        EXPECT(!get_link(idx));
        EXPECT(list_addresses().empty() || list_addresses(idx).empty());
        EXPECT(!find_route(list_routes(), ip("192.168.77.0"), 24));
        EXPECT(proc_routes("tap0").empty());
    });
}

TEST_CASE("open: names in use, persistence, multi-queue, vnet header, moves") {
    run_isolated("open", [] {
        TunDevice a = TunDevice::open("vpnx0", Kind::Tun);
        EXPECT(a.name() == "vpnx0");
        EXPECT_TUN_ERROR(TunDevice::open("vpnx0", Kind::Tap),
                         "cannot create tap device vpnx0: Invalid argument (a device of that name exists and is not "
                         "a tap device",
                         EINVAL);
        EXPECT_TUN_ERROR(TunDevice::open("vpnx0", Kind::Tun),
                         "cannot create tun device vpnx0: Device or resource busy (the device is already in use", EBUSY);
        EXPECT_TUN_ERROR(TunDevice::open("lo", Kind::Tun), "cannot create tun device lo: Invalid argument", EINVAL);
        EXPECT_TUN_ERROR(a.open_queue(), "not a multi-queue device", EINVAL);

        TunDevice b = std::move(a);
        EXPECT(a.fd() == -1 && b.fd() >= 0 && b.name() == "vpnx0");
        a = std::move(b);
        EXPECT(a.fd() >= 0 && b.fd() == -1);

        TunDevice named = TunDevice::open("vpn%d", Kind::Tap);  // kernel fills in the number
        EXPECT(named.name() == "vpn0");

        // persist-tun: the device outlives its fd until persistence is switched off again.
        TunDevice p = TunDevice::open("vpnp0", Kind::Tun);
        const int pidx = p.ifindex();
        p.set_persist(true);
        p.close();
        EXPECT(get_link(pidx));
        TunDevice q = TunDevice::open("vpnp0", Kind::Tun);
        EXPECT(q.ifindex() == pidx);
        q.set_persist(false);
        q.close();
        EXPECT(!get_link(pidx));

        TunDevice mq = TunDevice::open("vpnmq0", Kind::Tun, true);
        TunDevice mq2 = mq.open_queue();
        EXPECT(mq2.ifindex() == mq.ifindex() && mq2.fd() != mq.fd() && mq2.options().multi_queue);
        EXPECT_TUN_ERROR(TunDevice::open("vpnmq0", Kind::Tun, false), "multi-queue setting differs", EINVAL);
        const int mqidx = mq.ifindex();
        mq.close();
        EXPECT(get_link(mqidx));  // one queue still open
        mq2.close();
        EXPECT(!get_link(mqidx));

        TunDevice plain = TunDevice::open("tun", Kind::Tun);
        EXPECT(!plain.enable_offloads() && !plain.offloads_enabled());
        TunDevice v = TunDevice::open("tun", Kind::Tun, TunOptions{.vnet_hdr = true});
        EXPECT(v.options().vnet_hdr);
        EXPECT(v.enable_offloads() && v.offloads_enabled());
    });
}

TEST_CASE("EPERM without CAP_NET_ADMIN is one clear line") {
    run_isolated("capset", [] {
        // Stay root but drop CAP_NET_ADMIN from the effective and permitted sets.
        __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        EXPECT(::syscall(SYS_capget, &hdr, data) == 0);
        data[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
        data[CAP_NET_ADMIN / 32].permitted &= ~(1u << (CAP_NET_ADMIN % 32));
        EXPECT(::syscall(SYS_capset, &hdr, data) == 0);
        EXPECT_TUN_ERROR(TunDevice::open("tun", Kind::Tun),
                         "cannot create tun device: Operation not permitted (run as root or grant CAP_NET_ADMIN)",
                         EPERM);
        EXPECT_TUN_ERROR(set_mtu(1, 1400), "cannot set MTU 1400 on lo: Operation not permitted", EPERM);
    });
    run_isolated("setuid", [] {
        EXPECT(::setgid(65534) == 0 && ::setuid(65534) == 0);
        // EACCES if /dev/net/tun is 0600, EPERM from TUNSETIFF if it is 0666.
        try {
            TunDevice::open("tun3", Kind::Tun);
        } catch (const TunError& e) {
            const std::string what = e.what();
            EXPECT(e.error() == EACCES || e.error() == EPERM);
            EXPECT(what.find("(run as root or grant CAP_NET_ADMIN)") != std::string::npos);
            EXPECT(what.rfind("cannot open /dev/net/tun: Permission denied", 0) == 0 ||
                   what.rfind("cannot create tun device tun3: Operation not permitted", 0) == 0);
            return;
        }
        throw std::runtime_error("open succeeded as nobody");
    });
}

TEST_CASE("no /dev/net/tun names the module") {
    run_isolated(
        "no-clone-device",
        [] {
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                ::mount("tmpfs", "/dev/net", "tmpfs", 0, nullptr) != 0)
                throw Skip{fmt::format("cannot hide /dev/net: {}", errno_text(errno))};
            EXPECT_TUN_ERROR(TunDevice::open("tun", Kind::Tun),
                             "cannot open /dev/net/tun: No such file or directory (load the tun module)", ENOENT);
        },
        CLONE_NEWNET | CLONE_NEWNS);
}
