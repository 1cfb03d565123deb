// vpn::tun::offload: checksums, virtio_net_hdr, TSO segmentation and GRO-style coalescing,
// all on synthetic packets built like the kernel builds them (offload_test_packets.hpp).
// The last case pushes real kernel TSO traffic through two tun devices in a private netns.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "offload_test_packets.hpp"
#include "tun/offload/coalescer.hpp"
#include "tun/offload/segmenter.hpp"

using namespace offload_test;
using vpn::Bytes;
using vpn::load_be16;
using vpn::load_be32;
using vpn::MutBytes;

namespace {

// RFC 1071 straight from the text: 16-bit big-endian words, end-around carry each step.
std::uint16_t naive_sum(Bytes d) {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i < d.size(); i += 2) {
        const std::uint32_t w = (std::uint32_t{d[i]} << 8) | (i + 1 < d.size() ? d[i + 1] : 0);
        s += w;
        s = (s & 0xffff) + (s >> 16);
    }
    return static_cast<std::uint16_t>(s);
}

std::vector<Buf> segments_of(const Buf& in) {
    Segmenter seg(in);
    REQUIRE(seg.valid());
    std::vector<Buf> out;
    for (std::size_t i = 0; i < seg.count(); ++i) {
        Buf b(seg.segment_size(i) + 7, 0xee);
        const std::size_t n = seg.segment(i, MutBytes(b).subspan(3));  // an odd offset works too
        REQUIRE(n == seg.segment_size(i));
        REQUIRE(b[0] == 0xee);
        REQUIRE(b[n + 3] == 0xee);  // nothing written past the segment
        out.emplace_back(b.begin() + 3, b.begin() + 3 + static_cast<std::ptrdiff_t>(n));
    }
    return out;
}

std::vector<Buf> copy_writes(std::span<const Bytes> writes) {
    std::vector<Buf> out;
    for (const Bytes w : writes) out.emplace_back(w.begin(), w.end());
    return out;
}

std::vector<Buf> coalesce(Coalescer& c, const std::vector<Buf>& packets) {
    for (const Buf& p : packets) REQUIRE(c.add(p) == Coalescer::AddResult::Queued);
    return copy_writes(c.flush());
}

VirtioHeader header_of(const Buf& w) { return *parse_virtio_header(w); }
Buf packet_of(const Buf& w) { return Buf(w.begin() + kVnetHdrSize, w.end()); }

bool tcp_checksum_ok(const Buf& p) {
    const auto t = parse_tcp_packet(p);
    return t && verifies(sum_bytes(Bytes(p).subspan(t->ip_header_len), t->pseudo_header()));
}

// Every segment of `super` is a correct standalone packet and together they carry `payload`.
void check_segments(const TcpSpec& s, const Buf& payload, std::uint16_t mss, const std::vector<Buf>& segs) {
    const std::size_t n = payload.empty() ? 1 : (payload.size() + mss - 1) / mss;
    REQUIRE(segs.size() == n);
    Buf joined;
    for (std::size_t i = 0; i < n; ++i) {
        CAPTURE(i);
        const Buf& g = segs[i];
        const auto t = parse_tcp_packet(g);
        REQUIRE(t);
        CHECK(t->ip_header_len == ip_header_len(s));
        CHECK(t->tcp_header_len == 20 + s.options.size());
        CHECK(t->payload_len() == std::min<std::size_t>(mss, payload.size() - i * mss));
        if (s.version == 4) {
            CHECK(load_be16(&g[2]) == g.size());
            CHECK(load_be16(&g[4]) == static_cast<std::uint16_t>(s.id + i));
            CHECK(verifies(sum_bytes(Bytes(g).first(t->ip_header_len))));
            CHECK(g[8] == s.ttl);
            CHECK(std::equal(s.ip_options.begin(), s.ip_options.end(), g.begin() + 20));
        } else {
            CHECK(load_be16(&g[4]) == g.size() - 40);
            CHECK((load_be32(&g[0]) & 0xfffff) == s.flow_label);
        }
        CHECK(tcp_checksum_ok(g));
        CHECK(t->seq() == static_cast<std::uint32_t>(s.seq + i * mss));
        CHECK(t->ack() == s.ack);
        std::uint8_t want = s.flags;
        if (i + 1 != n) want &= static_cast<std::uint8_t>(~(kTcpFin | kTcpPsh));
        if (i != 0) want &= static_cast<std::uint8_t>(~kTcpCwr);
        CHECK(t->flags() == want);
        CHECK(std::equal(s.options.begin(), s.options.end(), t->tcp() + 20));
        joined.insert(joined.end(), g.begin() + static_cast<std::ptrdiff_t>(t->header_len()), g.end());
    }
    CHECK(joined == payload);
}

}  // namespace

// ---- checksum ------------------------------------------------------------------------

TEST_CASE("checksum: sum_bytes matches a naive RFC 1071 sum at every length and alignment") {
    std::mt19937 rng(7);
    Buf data = pattern(5000, 3);
    for (std::size_t len = 0; len < 300; ++len)
        for (std::size_t off = 0; off < 8; ++off) {
            const Bytes d = Bytes(data).subspan(off, len);
            REQUIRE(fold(sum_bytes(d)) == naive_sum(d));
        }
    for (int round = 0; round < 200; ++round) {
        const std::size_t len = rng() % 5000;
        Buf r(len);
        for (auto& c : r) c = static_cast<std::uint8_t>(rng());
        if (round % 10 == 0) std::fill(r.begin(), r.end(), 0xff);  // carries everywhere
        REQUIRE(fold(sum_bytes(r)) == naive_sum(r));
        // Split at an even point: the pieces chain.
        const std::size_t cut = len == 0 ? 0 : (rng() % len) & ~std::size_t{1};
        REQUIRE(fold(sum_bytes(Bytes(r).subspan(cut), sum_bytes(Bytes(r).first(cut)))) == naive_sum(r));
    }
    CHECK(fold(sum_bytes(Buf{})) == 0);
    CHECK(fold(sum_bytes(Buf(64, 0))) == 0);
    CHECK(fold(0x1fffe) == 0xffff);
    CHECK(finish(0) == 0xffff);
}

TEST_CASE("checksum: IPv4 header, pseudo headers and RFC 1624 adjust") {
    // RFC 1071 §3 numerical example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
    CHECK(fold(sum_bytes(Buf{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7})) == 0xddf2);
    // A textbook IPv4 header (checksum b861).
    const Buf h{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    CHECK(ipv4_header_checksum(h) == 0xb861);
    CHECK(verifies(sum_bytes(h)));

    const std::uint8_t a4[4] = {192, 168, 0, 1}, b4[4] = {10, 0, 0, 200};
    Buf ph4{192, 168, 0, 1, 10, 0, 0, 200, 0, 6, 0x05, 0xdc};
    CHECK(fold(pseudo_header_ipv4(a4, b4, 6, 1500)) == naive_sum(ph4));
    const auto s6 = v6_spec();
    Buf ph6(s6.src.begin(), s6.src.end());
    ph6.insert(ph6.end(), s6.dst.begin(), s6.dst.end());
    for (const std::uint8_t c : {0, 1, 0, 4, 0, 0, 0, 17}) ph6.push_back(c);  // length 0x10004
    CHECK(fold(pseudo_header_ipv6(s6.src.data(), s6.dst.data(), 17, 0x10004)) == naive_sum(ph6));

    // adjust(): change one word of a checksummed packet, compare with recomputing.
    Buf p = tcp_packet(TcpSpec{}, pattern(100));
    for (const std::uint16_t v : {0x0000, 0x05b4, 0xffff, 0x1234}) {
        const std::uint16_t old_check = load_be16(&p[36]);
        const std::uint16_t old_word = load_be16(&p[50]);
        vpn::store_be16(&p[50], v);
        vpn::store_be16(&p[36], adjust(old_check, old_word, v));
        CHECK(tcp_checksum_ok(p));
    }
}

TEST_CASE("virtio header: native (little-endian on x86) layout, round trip") {
    VirtioHeader h{kFlagNeedsCsum, kGsoTcpV6 | kGsoEcn, 0x0102, 1388, 40, 16};
    Buf b(12, 0xaa);
    REQUIRE(write_virtio_header(h, b));
    CHECK(b[10] == 0xaa);
    if constexpr (std::endian::native == std::endian::little) {
        CHECK(b == Buf{1, 0x84, 0x02, 0x01, 0x6c, 0x05, 40, 0, 16, 0, 0xaa, 0xaa});
    }
    const auto back = parse_virtio_header(b);
    REQUIRE(back);
    CHECK(*back == h);
    CHECK(back->gso() == kGsoTcpV6);
    CHECK(back->ecn());
    CHECK(back->needs_csum());
    CHECK_FALSE(parse_virtio_header(Bytes(b).first(9)));
    CHECK_FALSE(write_virtio_header(h, MutBytes(b).first(9)));
}

// ---- segmenter -----------------------------------------------------------------------

TEST_CASE("segmenter: TSO super-packets become correct MSS-sized segments") {
    struct Case {
        const char* name;
        TcpSpec spec;
        std::size_t payload;
        std::uint16_t mss;
    };
    TcpSpec v4 = TcpSpec{};
    v4.options = timestamps();
    v4.flags = kTcpAck | kTcpPsh;
    TcpSpec v4opt = v4;
    v4opt.ip_options = {0x94, 0x04, 0, 0};  // router alert: copied into every segment
    TcpSpec v6 = v6_spec();
    v6.options = timestamps();
    v6.flags = kTcpAck | kTcpPsh | kTcpFin | kTcpCwr;
    TcpSpec v4nodf = v4;
    v4nodf.df = false;
    v4nodf.flags = kTcpAck | kTcpCwr | kTcpEce;
    const std::vector<Case> cases = {
        {"v4 64K-ish, short last", v4, 65535 - 52, 1388},
        {"v4 exact multiple", v4, 1388 * 7, 1388},
        {"v4 with IP options", v4opt, 10000, 1388},
        {"v6 FIN+CWR", v6, 60000, 1428},
        {"v4 no DF, CWR", v4nodf, 3001, 1000},
        {"fits one segment", v4, 500, 1388},
        {"no payload", v4, 0, 1388},
        {"mss 1", v6, 100, 1},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const Buf payload = pattern(c.payload, 9);
        const Buf in = super_packet(c.spec, payload, c.mss);
        Segmenter seg(in);
        REQUIRE(seg.valid());
        CHECK(seg.max_segment_size() == ip_header_len(c.spec) + 20 + c.spec.options.size() +
                                            std::min<std::size_t>(c.mss, payload.size()));
        CHECK(seg.segment_size(seg.count()) == 0);
        check_segments(c.spec, payload, c.mss, segments_of(in));

        // Too small an output buffer, or an index past the end: 0, nothing written.
        Buf small(seg.segment_size(0) - 1, 0x5a);
        CHECK(seg.segment(0, small) == 0);
        CHECK(std::all_of(small.begin(), small.end(), [](std::uint8_t x) { return x == 0x5a; }));
        Buf big(70000);
        CHECK(seg.segment(seg.count(), big) == 0);
    }
}

TEST_CASE("segmenter: gso NONE packets are passed on, NEEDS_CSUM completed") {
    const Buf payload = pattern(777, 4);
    for (const int version : {4, 6}) {
        CAPTURE(version);
        TcpSpec s = version == 4 ? TcpSpec{} : v6_spec();
        const std::size_t ihl = ip_header_len(s);
        SUBCASE("TCP") {
            const Buf ref = tcp_packet(s, payload);
            const Buf ip(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(ihl));
            const Buf in = with_partial_csum(ref, {}, ihl, 16, pseudo(s, kProtoTcp, ip, ref.size() - ihl));
            CHECK(segments_of(in) == std::vector<Buf>{ref});
            Buf inplace = packet_of(in);
            CHECK(complete_checksum(header_of(in), inplace));
            CHECK(inplace == ref);
        }
        SUBCASE("UDP, including a sum that completes to 0 (sent as ffff)") {
            for (const bool zero : {false, true}) {
                Buf pl = payload;
                Buf ref = udp_packet(s, pl);
                if (zero) {
                    // Add the checksum's value to the first payload word: the sum then
                    // folds to ffff, its complement is 0, and RFC 768 transmits ffff.
                    const std::uint16_t c = load_be16(&ref[ihl + 6]);
                    const std::uint16_t w = load_be16(&pl[0]);
                    const std::uint64_t acc = std::uint64_t{w} + static_cast<std::uint16_t>(c == 0xffff ? 0 : c);
                    vpn::store_be16(&pl[0], fold(acc));
                    ref = udp_packet(s, pl);
                    REQUIRE(load_be16(&ref[ihl + 6]) == 0xffff);
                }
                const Buf ip(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(ihl));
                const Buf in = with_partial_csum(ref, {}, ihl, 6, pseudo(s, kProtoUdp, ip, ref.size() - ihl));
                CHECK(segments_of(in) == std::vector<Buf>{ref});
            }
        }
    }
    SUBCASE("without NEEDS_CSUM the bytes pass untouched, whatever they are") {
        Buf in(kVnetHdrSize, 0);
        const Buf junk = pattern(33);
        in.insert(in.end(), junk.begin(), junk.end());
        CHECK(segments_of(in) == std::vector<Buf>{junk});
    }
}

TEST_CASE("segmenter: malformed input is rejected, never trusted") {
    TcpSpec s;
    s.options = timestamps();
    const Buf good = super_packet(s, pattern(5000), 1388);
    auto error_of = [](const Buf& b) { return Segmenter(b).error(); };
    auto with = [&](auto&& edit) {
        Buf b = good;
        edit(b);
        return b;
    };
    CHECK(error_of(Buf(9)) == SegmentError::ShortHeader);
    CHECK(error_of(Buf(10)) == SegmentError::EmptyPacket);
    CHECK(error_of(with([](Buf& b) { b[1] = kGsoUdp; })) == SegmentError::UnsupportedGso);
    CHECK(error_of(with([](Buf& b) { b[1] = kGsoUdpL4; })) == SegmentError::UnsupportedGso);
    CHECK(error_of(with([](Buf& b) { b[1] = 2; })) == SegmentError::UnsupportedGso);
    CHECK(error_of(with([](Buf& b) { b[1] = kGsoEcn; })) == SegmentError::UnsupportedGso);
    CHECK(error_of(with([](Buf& b) { b[1] = kGsoTcpV6; })) == SegmentError::VersionMismatch);
    CHECK(error_of(with([](Buf& b) { b[4] = b[5] = 0; })) == SegmentError::ZeroGsoSize);
    CHECK(error_of(with([](Buf& b) { b[10 + 9] = kProtoUdp; })) == SegmentError::NotTcp);
    CHECK(error_of(with([](Buf& b) { b[10 + 6] |= 0x20; })) == SegmentError::NotTcp);     // MF
    CHECK(error_of(with([](Buf& b) { b[10] = 0x44; })) == SegmentError::NotTcp);          // IHL 4
    CHECK(error_of(with([](Buf& b) { b[10 + 32] = 0x40; })) == SegmentError::NotTcp);     // doff 4
    CHECK(error_of(with([](Buf& b) { b[10 + 32] = 0xf0; b.resize(10 + 70); b[12] = 0; b[13] = 70; }))
          == SegmentError::NotTcp);  // TCP header beyond the packet
    CHECK(error_of(with([](Buf& b) { b.push_back(0); })) == SegmentError::NotTcp);  // trailing byte
    // hdr_len, csum_start and csum_offset are not used for TCP: garbage there is harmless.
    CHECK(Segmenter(with([](Buf& b) { b[2] = b[3] = b[6] = b[7] = b[8] = b[9] = 0xff; })).valid());
    // gso NONE with checksum offsets past the end.
    Buf none = good;
    none[1] = kGsoNone;
    vpn::store_be16(&none[6], static_cast<std::uint16_t>(none.size() - 10 - 17));
    vpn::store_be16(&none[8], 16);  // field would end one byte past the packet
    CHECK(error_of(none) == SegmentError::BadCsumOffsets);
    CHECK(!complete_checksum(header_of(none), MutBytes(none).subspan(10)));
    CHECK(std::string(to_string(SegmentError::NotTcp)) == "malformed TCP super-packet");

    // Every truncation of a valid IPv4 and IPv6 super-packet is rejected.
    for (const Buf& full : {good, super_packet(v6_spec(), pattern(3000), 1000)}) {
        for (std::size_t n = 0; n < full.size(); ++n) {
            const Segmenter seg(Bytes(full).first(n));
            REQUIRE_FALSE(seg.valid());
            REQUIRE(seg.count() == 0);
            Buf out(2000);
            REQUIRE(seg.segment(0, out) == 0);
        }
    }
}

TEST_CASE("segmenter: random headers and bit flips stay in bounds") {
    std::mt19937 rng(99);
    TcpSpec s;
    s.options = timestamps();
    const Buf good = super_packet(s, pattern(4000), 1200);
    const Buf good6 = super_packet(v6_spec(), pattern(4000), 1200);
    Buf out(70000);
    for (int round = 0; round < 3000; ++round) {
        Buf b = (round & 1) ? good : good6;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) {
            const std::size_t at = rng() % std::min<std::size_t>(b.size(), 90);  // headers mostly
            b[at] = static_cast<std::uint8_t>(rng());
        }
        if (round % 7 == 0) b.resize(rng() % b.size());
        const Segmenter seg(b);
        if (!seg.valid()) continue;
        for (std::size_t i = 0; i < seg.count() && i < 5000; ++i) {
            const std::size_t n = seg.segment(i, out);
            REQUIRE(n == seg.segment_size(i));
            REQUIRE(n <= b.size());
            if (seg.header().gso() != kGsoNone) REQUIRE(tcp_checksum_ok(Buf(out.begin(), out.begin() + n)));
        }
    }
}

// ---- coalescer -----------------------------------------------------------------------

TEST_CASE("coalescer: the segments of a super-packet come back byte-identical") {
    TcpSpec v4;
    v4.options = timestamps();
    v4.flags = kTcpAck | kTcpPsh;
    TcpSpec v4ack = v4;
    v4ack.flags = kTcpAck;
    TcpSpec v4nodf = v4ack;
    v4nodf.df = false;
    TcpSpec v6 = v6_spec();
    v6.options = timestamps();
    v6.flags = kTcpAck | kTcpPsh;
    struct Case {
        const char* name;
        TcpSpec spec;
        std::size_t payload;
        std::uint16_t mss;
    };
    for (const Case& c : {Case{"v4 PSH", v4, 65535 - 52, 1388}, Case{"v4 ACK", v4ack, 1388 * 30, 1388},
                          Case{"v4 no DF", v4nodf, 20000, 1448}, Case{"v6 PSH", v6, 65535 - 72, 1428},
                          Case{"v6 short last", v6, 5000, 1000}}) {
        CAPTURE(c.name);
        const Buf in = super_packet(c.spec, pattern(c.payload, 5), c.mss);
        Coalescer co;
        const auto writes = coalesce(co, segments_of(in));
        REQUIRE(writes.size() == 1);
        CHECK(packet_of(writes[0]) == packet_of(in));
        VirtioHeader want = header_of(in);
        want.hdr_len = static_cast<std::uint16_t>(ip_header_len(c.spec) + 20 + c.spec.options.size());
        CHECK(header_of(writes[0]) == want);
        CHECK(co.stats().super_packets == 1);
        CHECK(co.stats().merged == segments_of(in).size());
        // And the result segments again into the very same packets.
        CHECK(segments_of(writes[0]) == segments_of(in));
    }
}

TEST_CASE("coalescer: interleaved flows, each in order, more flows than slots") {
    constexpr int kFlows = 11;  // > max_flows 8: the last three pass as singles
    std::vector<std::vector<Buf>> per_flow(kFlows);
    for (int f = 0; f < kFlows; ++f) {
        TcpSpec s = (f % 2) ? v6_spec() : TcpSpec{};
        s.sport = static_cast<std::uint16_t>(41000 + f);
        s.options = timestamps(100 + f);
        s.flags = kTcpAck | kTcpPsh;
        per_flow[f] = segments_of(super_packet(s, pattern(1000 * 12 + f, f), 1000));
    }
    std::vector<Buf> mixed;
    for (std::size_t i = 0; i < 13; ++i)
        for (int f = 0; f < kFlows; ++f)
            if (i < per_flow[f].size()) mixed.push_back(per_flow[f][i]);
    SUBCASE("8 open flows") {
        Coalescer co;
        const auto writes = coalesce(co, mixed);
        std::map<std::uint16_t, std::vector<Buf>> back;
        for (const Buf& w : writes)
            for (Buf& g : segments_of(w)) back[load_be16(&g[(g[0] >> 4) == 4 ? 20 : 40])].push_back(std::move(g));
        for (int f = 0; f < kFlows; ++f) CHECK(back[static_cast<std::uint16_t>(41000 + f)] == per_flow[f]);
        // Flows 0-7 merge whole; flow 0 (12 segments) ends a round early, so flow 8 gets
        // its entry for its last two segments; the rest of 8, 9, 10 pass as singles.
        CHECK(co.stats().super_packets == 9);
        CHECK(writes.size() == 8 + 1 + 11 + 2 * 13);
    }
    SUBCASE("enough open flows: one super-packet per flow") {
        Coalescer co(CoalescerConfig{.max_flows = 16});
        const auto writes = coalesce(co, mixed);
        CHECK(writes.size() == kFlows);
        CHECK(co.stats().super_packets == kFlows);
    }
}

TEST_CASE("coalescer: what must not be merged") {
    TcpSpec s;
    s.options = timestamps();
    const std::uint16_t mss = 1000;
    const auto segs = segments_of(super_packet(s, pattern(mss * 6), mss));  // 6 ACK segments
    Coalescer co;
    auto run = [&](const std::vector<Buf>& in) { return coalesce(co, in); };
    auto payload_counts = [](const std::vector<Buf>& writes) {
        std::vector<std::size_t> n;
        for (const Buf& w : writes) n.push_back(Segmenter(w).count());
        return n;
    };
    using Counts = std::vector<std::size_t>;
    auto edited = [&](std::size_t i, auto&& edit) {
        TcpSpec e = s;
        e.seq = s.seq + static_cast<std::uint32_t>(i * mss);
        e.id = static_cast<std::uint16_t>(s.id + i);
        edit(e);
        return tcp_packet(e, Buf(segs[i].begin() + 52, segs[i].end()));
    };

    CHECK(payload_counts(run(segs)) == Counts{6});
    SUBCASE("gap and reorder") {
        CHECK(payload_counts(run({segs[0], segs[1], segs[3], segs[4]})) == Counts{2, 2});
        CHECK(payload_counts(run({segs[0], segs[2], segs[1], segs[3]})) == Counts{1, 1, 1, 1});
        CHECK(payload_counts(run({segs[0], segs[1], segs[0], segs[1], segs[2]})) == Counts{2, 3});
        CHECK(payload_counts(run({segs[1], segs[1]})) == Counts{1, 1});  // duplicate
    }
    SUBCASE("PSH closes after merging, FIN/SYN/RST/URG/CWR/ECE never merge") {
        CHECK(payload_counts(run({segs[0], edited(1, [](TcpSpec& e) { e.flags |= kTcpPsh; }), segs[2], segs[3]})) ==
              Counts{2, 2});
        for (const std::uint8_t f : {kTcpFin, kTcpSyn, kTcpRst, kTcpUrg, kTcpCwr, kTcpEce}) {
            CAPTURE(int(f));
            CHECK(payload_counts(run({segs[0], edited(1, [&](TcpSpec& e) { e.flags |= f; }), segs[2], segs[3]})) ==
                  Counts{1, 1, 2});
        }
        // A flow never opens on PSH or other flags.
        CHECK(payload_counts(run({edited(0, [](TcpSpec& e) { e.flags |= kTcpPsh; }), segs[1], segs[2]})) ==
              Counts{1, 2});
    }
    SUBCASE("header fields must match") {
        auto second_differs = [&](auto&& edit) {
            // The odd one out opens its own super-packet, which segs[2] cannot join either.
            return payload_counts(run({segs[0], segs[1], edited(2, edit), segs[3]})) == Counts{2, 1, 1};
        };
        CHECK(second_differs([](TcpSpec& e) { e.options = timestamps(0x01020305); }));
        CHECK(second_differs([](TcpSpec& e) { e.options = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}; }));
        CHECK(second_differs([](TcpSpec& e) { e.ack += 1; }));
        CHECK(second_differs([](TcpSpec& e) { e.window += 1; }));
        CHECK(second_differs([](TcpSpec& e) { e.ttl -= 1; }));
        CHECK(second_differs([](TcpSpec& e) { e.tos = 1; }));     // ECN CE mark, say
        CHECK(second_differs([](TcpSpec& e) { e.df = false; }));
        CHECK(second_differs([](TcpSpec& e) { e.ip_options = {1, 1, 1, 0}; }));
        // Different ports/addresses: another flow, so both stay open and merge on.
        CHECK(payload_counts(run({segs[0], edited(1, [](TcpSpec& e) { e.sport += 1; }), segs[1], segs[2]})) ==
              Counts{3, 1});
    }
    SUBCASE("IPv4 ids: must increase without DF, ignored with DF") {
        TcpSpec nodf = s;
        nodf.df = false;
        const auto a = segments_of(super_packet(nodf, pattern(mss * 3), mss));
        CHECK(payload_counts(run(a)) == Counts{3});
        Buf b1 = a[1];
        vpn::store_be16(&b1[4], 7);
        vpn::store_be16(&b1[10], 0);
        vpn::store_be16(&b1[10], ipv4_header_checksum(Bytes(b1).first(20)));
        CHECK(payload_counts(run({a[0], b1, a[2]})) == Counts{1, 1, 1});
        // With DF, a fixed id (some stacks send 0) still merges; resegmenting gives id + i.
        std::vector<Buf> fixed;
        for (std::size_t i = 0; i < 3; ++i) fixed.push_back(edited(i, [](TcpSpec& e) { e.id = 0; }));
        const auto w = run(fixed);
        REQUIRE(payload_counts(w) == Counts{3});
        CHECK(load_be16(&segments_of(w[0])[2][4]) == 2);
    }
    SUBCASE("sizes: smaller closes, larger starts anew, 64 KB cap, pure ACKs pass") {
        const auto mixed = segments_of(super_packet(s, pattern(mss * 2 + 10), mss));  // 1000, 1000, 10
        CHECK(payload_counts(run({mixed[0], mixed[1], mixed[2], segs[3]})) == Counts{3, 1});
        TcpSpec next = s;
        next.seq = s.seq + mss;
        next.id = static_cast<std::uint16_t>(s.id + 1);
        CHECK(payload_counts(run({segs[0], tcp_packet(next, pattern(mss + 1)), segs[2]})) == Counts{1, 1, 1});
        auto many = segments_of(super_packet(s, pattern(50 * 1000), 1000));
        TcpSpec s2 = s;
        s2.seq = s.seq + 50 * 1000;
        s2.id = static_cast<std::uint16_t>(s.id + 50);
        for (Buf& g : segments_of(super_packet(s2, pattern(50 * 1000, 2), 1000))) many.push_back(std::move(g));
        const auto w = run(many);
        CHECK(w.size() == 2);
        for (const Buf& x : w) CHECK(x.size() - kVnetHdrSize <= 65535);
        CHECK(payload_counts(w) == Counts{65, 35});  // 52 + 65 * 1000 <= 65535 < 52 + 66 * 1000
        TcpSpec ackonly = s;
        ackonly.seq = s.seq + 2 * mss;
        CHECK(payload_counts(run({segs[0], segs[1], tcp_packet(ackonly, {}), segs[2]})) == Counts{2, 1, 1});
    }
    SUBCASE("corrupt checksums are never merged, and pass through unchanged") {
        Buf bad = segs[1];
        bad.back() ^= 1;
        const auto w = run({segs[0], bad, segs[2], segs[3]});
        CHECK(payload_counts(w) == Counts{1, 1, 2});
        CHECK(packet_of(w[1]) == bad);
        CHECK(header_of(w[1]) == VirtioHeader{});
        CHECK(co.stats().bad_checksum == 1);
        Buf badip = segs[0];
        badip[8] ^= 1;  // TTL changed without fixing the IPv4 header checksum
        CHECK(payload_counts(run({badip, segs[1], segs[2]})) == Counts{1, 2});
        CHECK(co.stats().bad_checksum == 2);
    }
    SUBCASE("non-TCP and garbage pass through in order") {
        const Buf udp = udp_packet(s, pattern(300));
        const Buf junk = pattern(77, 3);
        const auto w = run({segs[0], udp, segs[1], junk, segs[2]});
        REQUIRE(w.size() == 3);
        CHECK(Segmenter(w[0]).count() == 3);
        CHECK(packet_of(w[1]) == udp);
        CHECK(packet_of(w[2]) == junk);
    }
}

TEST_CASE("coalescer: full buffers ask for a flush; empty and oversized packets are dropped") {
    TcpSpec s;
    const auto segs = segments_of(super_packet(s, pattern(1000 * 8), 1000));
    const Buf udp = udp_packet(s, pattern(100));
    Coalescer co(CoalescerConfig{.max_flows = 1, .super_buffers = 1, .arena_bytes = 0, .max_writes = 2});
    CHECK(co.add(Buf{}) == Coalescer::AddResult::Dropped);
    CHECK(co.add(Buf(65536, 0x45)) == Coalescer::AddResult::Dropped);
    CHECK(co.stats().dropped == 2);
    CHECK(co.add(udp) == Coalescer::AddResult::Queued);
    CHECK(co.add(segs[0]) == Coalescer::AddResult::Queued);
    CHECK(co.add(segs[1]) == Coalescer::AddResult::Queued);  // merged: no new write needed
    CHECK(co.add(udp) == Coalescer::AddResult::NeedFlush);
    auto w = copy_writes(co.flush());
    REQUIRE(w.size() == 2);
    CHECK(Segmenter(w[1]).count() == 2);
    CHECK(co.add(udp) == Coalescer::AddResult::Queued);
    CHECK(copy_writes(co.flush()).size() == 1);
    CHECK(co.flush().empty());
    // Writes stay valid until the next add(): a whole 64 KB packet fits an emptied arena.
    const Buf huge = udp_packet(s, pattern(65535 - 28));
    CHECK(co.add(huge) == Coalescer::AddResult::Queued);
    const auto last = co.flush();
    REQUIRE(last.size() == 1);
    CHECK(Buf(last[0].begin() + kVnetHdrSize, last[0].end()) == huge);
    CHECK(std::string(to_string(Coalescer::AddResult::NeedFlush)) == "need flush");

    // Out of super-packet buffers: a flush comes before the second flow's merge.
    TcpSpec s2 = s;
    s2.sport = 1;
    const auto other = segments_of(super_packet(s2, pattern(1000 * 3), 1000));
    Coalescer one(CoalescerConfig{.super_buffers = 1});
    CHECK(one.add(segs[0]) == Coalescer::AddResult::Queued);
    CHECK(one.add(other[0]) == Coalescer::AddResult::Queued);
    CHECK(one.add(segs[1]) == Coalescer::AddResult::Queued);
    CHECK(one.add(other[1]) == Coalescer::AddResult::NeedFlush);
    w = copy_writes(one.flush());
    REQUIRE(w.size() == 2);
    CHECK(Segmenter(w[0]).count() == 2);
    CHECK(Segmenter(w[1]).count() == 1);
    CHECK(one.add(other[1]) == Coalescer::AddResult::Queued);
    CHECK(one.add(other[2]) == Coalescer::AddResult::Queued);
    w = copy_writes(one.flush());
    REQUIRE(w.size() == 1);
    CHECK(Segmenter(w[0]).count() == 2);
}

TEST_CASE("coalescer: random traffic resegments into exactly what went in, per flow") {
    std::mt19937 rng(2024);
    for (int round = 0; round < 40; ++round) {
        CAPTURE(round);
        // A few flows, each a stream of segments with occasional PSH / gaps / odd sizes.
        const int nflows = 1 + static_cast<int>(rng() % 5);
        std::vector<std::vector<Buf>> flows(nflows);
        for (int f = 0; f < nflows; ++f) {
            TcpSpec s = (rng() % 2) ? v6_spec() : TcpSpec{};
            s.sport = static_cast<std::uint16_t>(1000 + f);
            s.df = rng() % 4 != 0;
            if (rng() % 2) s.options = timestamps(static_cast<std::uint32_t>(rng()));
            const std::uint16_t mss = static_cast<std::uint16_t>(200 + rng() % 1300);
            for (int k = 0, n = static_cast<int>(5 + rng() % 40); k < n; ++k) {
                std::size_t len = mss;
                const unsigned r = rng() % 20;
                s.flags = kTcpAck;
                if (r == 0) len = rng() % mss;
                if (r == 1) s.flags |= kTcpPsh;
                if (r == 2) s.seq += 1;  // gap
                if (r == 3) s.flags |= kTcpFin;
                if (r == 4) s.ack += 1000;
                Buf p = tcp_packet(s, pattern(len, static_cast<std::uint32_t>(rng())));
                if (r == 5) p.back() ^= 0x40;  // corrupt
                flows[f].push_back(std::move(p));
                s.seq += static_cast<std::uint32_t>(len);
                s.id = static_cast<std::uint16_t>(s.id + 1);
            }
        }
        std::vector<Buf> others;
        std::vector<Buf> in;
        std::vector<std::size_t> next(nflows, 0);
        for (bool more = true; more;) {
            more = false;
            const int f = static_cast<int>(rng() % nflows);
            if (next[f] < flows[f].size()) in.push_back(flows[f][next[f]++]);
            if (rng() % 30 == 0) {
                others.push_back(udp_packet(TcpSpec{}, pattern(rng() % 200)));
                in.push_back(others.back());
            }
            for (int g = 0; g < nflows; ++g) more |= next[g] < flows[g].size();
        }
        // Small limits so NeedFlush, eviction and slot exhaustion all happen.
        Coalescer co(CoalescerConfig{.max_flows = 1 + rng() % 3, .super_buffers = 1 + rng() % 3,
                                     .arena_bytes = 0, .max_writes = 4 + rng() % 30});
        std::vector<Buf> writes;
        for (const Buf& p : in) {
            auto r = co.add(p);
            if (r == Coalescer::AddResult::NeedFlush) {
                for (Buf& w : copy_writes(co.flush())) writes.push_back(std::move(w));
                r = co.add(p);
            }
            REQUIRE(r == Coalescer::AddResult::Queued);
        }
        for (Buf& w : copy_writes(co.flush())) writes.push_back(std::move(w));

        std::map<std::uint16_t, std::vector<Buf>> back;
        std::vector<Buf> back_others;
        for (const Buf& w : writes) {
            const VirtioHeader h = header_of(w);
            if (h.gso() == kGsoNone) REQUIRE(h == VirtioHeader{});
            for (Buf& g : segments_of(w)) {
                const auto t = parse_tcp_packet(g);
                if (t) back[load_be16(t->tcp())].push_back(std::move(g));
                else back_others.push_back(std::move(g));
            }
        }
        for (int f = 0; f < nflows; ++f) REQUIRE(back[static_cast<std::uint16_t>(1000 + f)] == flows[f]);
        REQUIRE(back_others == others);
    }
}
