// vpn::tun::offload against the real kernel, as root, in a private network namespace:
//
//   client 10.77.0.1 ──TCP──► 10.77.0.2:5001                    server 10.77.1.1:5001
//        │ (kernel TSO: 64 KB super-packets)                          ▲ (kernel takes GSO writes)
//        ▼                                                            │
//      ofa0 ── read ─► Segmenter ─► NAT ─► Coalescer ─► write ──► ofb0
//      ofa0 ◄─ write ─ Coalescer ◄─ NAT ◄─ Segmenter ◄─ read ──── ofb0
//
// Both tuns are opened with IFF_VNET_HDR and TUNSETOFFLOAD(CSUM|TSO4|TSO6).  The "NAT"
// maps 10.77.0.1→10.77.0.2 onto 10.77.1.2→10.77.1.1 and back, recomputing checksums, so
// one netns holds both TCP ends.  A bulk transfer must arrive intact with no TCP checksum
// errors, and super-packets must really have been segmented and coalesced on the way.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "tun/ipv4.hpp"
#include "tun/offload/checksum.hpp"
#include "tun/offload/coalescer.hpp"
#include "tests/unit/isolated_child.hpp"
#include "tun/offload/segmenter.hpp"
#include "tun/offload/tcp_packet.hpp"
#include "tun/rtnetlink.hpp"
#include "tun/tun_device.hpp"

using namespace vpn::tun;
using namespace vpn::tun::offload;

namespace {

using test_support::run_isolated;
using test_support::Skip;



std::uint32_t addr(const char* text) { return parse_ipv4(text)->be; }

// Rewrites an IPv4 packet's addresses and recomputes its checksums from scratch.
void nat(vpn::MutBytes p, std::uint32_t src, std::uint32_t dst) {
    if (p.size() < 20 || (p[0] >> 4) != 4) return;
    std::memcpy(&p[12], &src, 4);
    std::memcpy(&p[16], &dst, 4);
    const std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
    vpn::store_be16(&p[10], ipv4_header_checksum(vpn::Bytes(p).first(ihl)));
    if (const auto t = parse_tcp_packet(p)) {
        std::uint8_t* check = p.data() + ihl + kTcpCheckOffset;
        check[0] = check[1] = 0;
        vpn::store_be16(check, finish(sum_bytes(vpn::Bytes(p).subspan(ihl), t->pseudo_header())));
    }
}

struct Direction {
    int from = -1;
    int to = -1;
    std::uint32_t src = 0;  // new source / destination after NAT
    std::uint32_t dst = 0;
    Coalescer coalescer;
    std::vector<std::uint8_t> in = std::vector<std::uint8_t>(kVnetHdrSize + 65536);
    std::vector<std::uint8_t> seg = std::vector<std::uint8_t>(65536);
    std::uint64_t reads = 0, multi = 0, bad = 0, write_errors = 0;

    // One batch: up to 64 reads, segment, NAT, coalesce, then write everything.
    void pump() {
        for (int r = 0; r < 64; ++r) {
            const ssize_t n = ::read(from, in.data(), in.size());
            if (n <= 0) break;
            ++reads;
            const Segmenter s(vpn::Bytes(in.data(), static_cast<std::size_t>(n)));
            if (!s.valid()) {
                ++bad;
                continue;
            }
            if (s.count() > 1) ++multi;
            for (std::size_t i = 0; i < s.count(); ++i) {
                const std::size_t len = s.segment(i, seg);
                const vpn::MutBytes pkt(seg.data(), len);
                nat(pkt, src, dst);
                if (coalescer.add(pkt) == Coalescer::AddResult::NeedFlush) {
                    flush();
                    coalescer.add(pkt);
                }
            }
        }
        flush();
    }
    void flush() {
        for (const vpn::Bytes w : coalescer.flush())
            if (::write(to, w.data(), w.size()) != static_cast<ssize_t>(w.size())) ++write_errors;
    }
};

std::string proc_tcp_counter(const std::string& name) {
    std::ifstream f("/proc/net/snmp");
    std::string header, values, line;
    while (std::getline(f, line)) {
        if (line.rfind("Tcp: ", 0) != 0) continue;
        if (header.empty()) header = line;
        else values = line;
    }
    std::istringstream h(header), v(values);
    for (std::string k, x; h >> k && v >> x;)
        if (k == name) return x;
    return "?";
}

std::string bulk_transfer_through_offload_tuns() {
    TunOptions opts{.vnet_hdr = true};
    TunDevice a = TunDevice::open("ofa0", Kind::Tun, opts);
    TunDevice b = TunDevice::open("ofb0", Kind::Tun, opts);
    if (!a.enable_offloads() || !b.enable_offloads()) throw Skip{"TUNSETOFFLOAD refused"};
    a.set_nonblocking(true);
    b.set_nonblocking(true);
    add_address_p2p(a.ifindex(), *parse_ipv4("10.77.0.1"), *parse_ipv4("10.77.0.2"));
    add_address_p2p(b.ifindex(), *parse_ipv4("10.77.1.1"), *parse_ipv4("10.77.1.2"));
    set_link_up(a.ifindex(), true);
    set_link_up(b.ifindex(), true);

    Direction ab, ba;
    ab.from = a.fd(), ab.to = b.fd(), ab.src = addr("10.77.1.2"), ab.dst = addr("10.77.1.1");
    ba.from = b.fd(), ba.to = a.fd(), ba.src = addr("10.77.0.2"), ba.dst = addr("10.77.0.1");
    std::atomic<bool> stop{false};
    std::thread forwarder([&] {
        pollfd fds[2] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}};
        while (!stop) {
            if (::poll(fds, 2, 50) <= 0) continue;
            if (fds[0].revents & POLLIN) ab.pump();
            if (fds[1].revents & POLLIN) ba.pump();
        }
    });

    const int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(5001);
    sa.sin_addr.s_addr = addr("10.77.1.1");
    EXPECT(::bind(ls, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    EXPECT(::listen(ls, 1) == 0);

    constexpr std::size_t kTotal = 48u << 20;
    auto byte_at = [](std::size_t i) { return static_cast<std::uint8_t>((i * 131) ^ (i >> 13)); };
    std::size_t received = 0;
    bool intact = true;
    std::thread server([&] {
        const int c = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        std::vector<std::uint8_t> buf(1 << 18);
        for (ssize_t n; (n = ::read(c, buf.data(), buf.size())) > 0;) {
            for (ssize_t k = 0; k < n; ++k) intact = intact && buf[k] == byte_at(received + k);
            received += static_cast<std::size_t>(n);
        }
        ::close(c);
    });

    const int cs = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sin_addr.s_addr = addr("10.77.0.2");
    const auto t0 = std::chrono::steady_clock::now();
    std::string failure;
    if (::connect(cs, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        failure = fmt::format("connect: {}", std::strerror(errno));
    } else {
        std::vector<std::uint8_t> chunk(1 << 20);
        for (std::size_t sent = 0; sent < kTotal && failure.empty();) {
            for (std::size_t k = 0; k < chunk.size(); ++k) chunk[k] = byte_at(sent + k);
            for (std::size_t off = 0; off < chunk.size();) {
                const ssize_t n = ::write(cs, chunk.data() + off, chunk.size() - off);
                if (n <= 0) {
                    failure = fmt::format("send: {}", std::strerror(errno));
                    break;
                }
                off += static_cast<std::size_t>(n);
            }
            sent += chunk.size();
        }
    }
    ::shutdown(cs, SHUT_WR);
    server.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    stop = true;
    forwarder.join();
    ::close(cs);
    ::close(ls);

    if (!failure.empty()) throw std::runtime_error(failure);
    EXPECT(received == kTotal);
    EXPECT(intact);
    EXPECT(ab.bad == 0 && ba.bad == 0);
    EXPECT(ab.write_errors == 0 && ba.write_errors == 0);
    EXPECT(ab.multi > 0);                              // the kernel did hand us TSO super-packets
    EXPECT(ab.coalescer.stats().super_packets > 0);    // and took GSO writes back
    EXPECT(proc_tcp_counter("InCsumErrors") == "0");
    // Shown by the parent: throughput and batching on this machine.
    const CoalescerStats& st = ab.coalescer.stats();
    return fmt::format("{} MB in {:.2f} s ({:.0f} Mbit/s, no crypto); A->B: {} tun reads ({} TSO), {} segments "
                       "written as {} super-packets + {} single packets; TCP retransmits {}",
                       kTotal >> 20, secs, kTotal * 8 / secs / 1e6, ab.reads, ab.multi, st.packets,
                       st.super_packets, st.packets - st.merged, proc_tcp_counter("RetransSegs"));
}

}  // namespace

TEST_CASE("offload: bulk TCP through two offloading tuns, segmented and coalesced in user space") {
    run_isolated("offload netns", bulk_transfer_through_offload_tuns);
}
