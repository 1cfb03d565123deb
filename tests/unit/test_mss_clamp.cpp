#include <doctest/doctest.h>

#include <vector>

#include "common/openvpn/mss_clamp.hpp"

using namespace vpn;

namespace {

std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t s = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) s += load_be16(p + i);
    if (n & 1) s += std::uint32_t(p[n - 1]) << 8;
    return s;
}
std::uint16_t fold(std::uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(~s);
}

// IPv4 TCP SYN with options: MSS 1460, NOP, NOP, SACK-permitted... valid checksums.
std::vector<std::uint8_t> syn4(std::uint16_t mss, std::uint8_t flags = 0x02) {
    std::vector<std::uint8_t> p(20 + 28, 0);
    p[0] = 0x45;
    store_be16(&p[2], static_cast<std::uint16_t>(p.size()));
    p[8] = 64;
    p[9] = 6;
    std::uint8_t src[4] = {10, 0, 0, 2}, dst[4] = {10, 0, 0, 1};
    std::copy(src, src + 4, &p[12]);
    std::copy(dst, dst + 4, &p[16]);
    store_be16(&p[10], fold(sum16(p.data(), 20)));
    std::uint8_t* t = &p[20];
    store_be16(t, 40000);
    store_be16(t + 2, 5001);
    t[12] = 7 << 4;  // 28-byte header
    t[13] = flags;
    std::uint8_t opts[8] = {1, 1, 2, 4, std::uint8_t(mss >> 8), std::uint8_t(mss), 4, 2};
    std::copy(opts, opts + 8, t + 20);
    std::uint32_t pseudo = sum16(&p[12], 8) + 6 + 28;
    store_be16(t + 16, fold(sum16(t, 28, pseudo)));
    return p;
}
bool tcp4_checksum_ok(const std::vector<std::uint8_t>& p) {
    std::uint32_t pseudo = sum16(&p[12], 8) + 6 + static_cast<std::uint32_t>(p.size() - 20);
    return fold(sum16(&p[20], p.size() - 20, pseudo)) == 0;
}
std::uint16_t mss_of(const std::vector<std::uint8_t>& p, std::size_t tcp_at) { return load_be16(&p[tcp_at + 24]); }

}  // namespace

TEST_CASE("mssfix value as OpenVPN 2.6 computes it (mss.c: frame_calculate_mssfix)") {
    // AES-256-CBC + SHA256 static key over UDP/IPv4, default mssfix 1492 mtu:
    // 1492 - (32 + 16) - 28 = 1416 -> 1408 - 1 = 1407, minus packet id 8 and 40 = 1359.
    ovpn::MssfixParams p;
    p.crypto_overhead = 48;
    p.block_size = 16;
    p.payload_overhead = 8;
    CHECK(ovpn::mssfix_value(p) == 1359);
    p.payload_overhead = 9;  // + comp-lzo byte
    CHECK(ovpn::mssfix_value(p) == 1358);
    p.encap_overhead = 48;  // IPv6 outer
    p.payload_overhead = 8;
    CHECK(ovpn::mssfix_value(p) == 1343);
    p.fixed = true;
    p.mssfix = 1400;
    CHECK(ovpn::mssfix_value(p) == 1360);
    p.mssfix = 0;
    CHECK(ovpn::mssfix_value(p) == 0);
}

TEST_CASE("mssfix: a full segment at the clamped MSS fits the limit without wasting a block") {
    // For every block cipher size and HMAC length, the datagram carrying a full
    // segment (IPv4 + TCP + MSS bytes, packet id, padding, IV, HMAC, UDP/IPv4) must
    // fit mssfix, and the MSS must not waste a whole block.
    for (std::size_t block : {8u, 16u}) {
        for (std::size_t hmac : {20u, 32u, 64u}) {
            ovpn::MssfixParams p;
            p.crypto_overhead = hmac + block;  // HMAC + IV
            p.block_size = block;
            p.payload_overhead = 8;
            std::size_t mss = ovpn::mssfix_value(p);
            auto wire = [&](std::size_t m) { return ((m + 40 + 8) / block + 1) * block + block + hmac + 28; };
            CAPTURE(block);
            CAPTURE(hmac);
            CHECK(wire(mss) <= 1492);
            CHECK(wire(mss + block) > 1492);
        }
    }
}

TEST_CASE("mss clamp rewrites a SYN's MSS and keeps the checksum valid") {
    auto p = syn4(1460);
    REQUIRE(tcp4_checksum_ok(p));
    CHECK(ovpn::clamp_mss(p, 1359));
    CHECK(mss_of(p, 20) == 1359);
    CHECK(tcp4_checksum_ok(p));
    CHECK_FALSE(ovpn::clamp_mss(p, 1400));  // already below: untouched
    CHECK(mss_of(p, 20) == 1359);

    auto synack = syn4(1460, 0x12);
    CHECK(ovpn::clamp_mss(synack, 1000));
    CHECK(tcp4_checksum_ok(synack));

    auto ack = syn4(1460, 0x10);  // not a SYN
    CHECK_FALSE(ovpn::clamp_mss(ack, 1000));
    CHECK(mss_of(ack, 20) == 1460);
}

TEST_CASE("mss clamp: IPv6 uses 20 less, Ethernet frames are unwrapped") {
    auto v4 = syn4(1460);
    std::vector<std::uint8_t> p(40 + 28, 0);
    p[0] = 0x60;
    store_be16(&p[4], 28);
    p[6] = 6;
    p[7] = 64;
    std::copy(v4.begin() + 20, v4.end(), p.begin() + 40);
    CHECK(ovpn::clamp_mss(p, 1359));
    CHECK(mss_of(p, 40) == 1339);

    std::vector<std::uint8_t> frame(14, 0);
    frame[12] = 0x08;
    auto syn = syn4(1460);
    frame.insert(frame.end(), syn.begin(), syn.end());
    CHECK(ovpn::clamp_mss_ethernet(frame, 1300));
    CHECK(mss_of(frame, 34) == 1300);
}

TEST_CASE("mss clamp leaves malformed packets alone and never reads past them") {
    auto good = syn4(1460);
    for (std::size_t len = 0; len < good.size(); ++len) {
        std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<long>(len));
        CHECK_FALSE(ovpn::clamp_mss(cut, 1000));
    }
    auto bad_opt = syn4(1460);
    bad_opt[20 + 20 + 3] = 40;  // MSS option claims 40 bytes
    CHECK_FALSE(ovpn::clamp_mss(bad_opt, 1000));
    auto frag = syn4(1460);
    store_be16(&frag[6], 0x0001);  // a fragment: OpenVPN skips those
    CHECK_FALSE(ovpn::clamp_mss(frag, 1000));
    auto hl = syn4(1460);
    hl[20 + 12] = 15 << 4;  // header longer than the packet
    CHECK_FALSE(ovpn::clamp_mss(hl, 1000));
}
