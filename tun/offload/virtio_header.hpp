#pragma once
// struct virtio_net_hdr (<linux/virtio_net.h>, the 10-byte legacy layout) that precedes
// every packet on a tun fd opened with IFF_VNET_HDR:
//
//   0 flags (u8)   1 gso_type (u8)   2 hdr_len   4 gso_size   6 csum_start   8 csum_offset
//
// The four 16-bit fields are in the byte order tun uses for "legacy" virtio: the host's
// native order (little endian on x86/arm64) unless TUNSETVNETBE/TUNSETVNETLE changed it
// (drivers/net/tun_vnet.h: tun_vnet_legacy_is_little_endian()).  We never set either.
//
// Read side: with TUN_F_TSO4/6 the kernel sets gso_type TCPV4/TCPV6 (+ECN) and
// gso_size = MSS, and NEEDS_CSUM with csum_start/csum_offset pointing at the L4 checksum
// field, which holds the pseudo-header sum only.  hdr_len is skb_headlen(), i.e. not
// necessarily the header length: do not rely on it.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/util/bytes.hpp"

namespace vpn::tun::offload {

inline constexpr std::size_t kVnetHdrSize = 10;

// flags
inline constexpr std::uint8_t kFlagNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr std::uint8_t kFlagDataValid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID

// gso_type (the ECN bit is or-ed onto TCPV4/TCPV6)
inline constexpr std::uint8_t kGsoNone = 0;
inline constexpr std::uint8_t kGsoTcpV4 = 1;
inline constexpr std::uint8_t kGsoUdp = 3;  // UFO, gone from Linux since 4.14
inline constexpr std::uint8_t kGsoTcpV6 = 4;
inline constexpr std::uint8_t kGsoUdpL4 = 5;  // USO: only with TUN_F_USO4/6, which we never enable
inline constexpr std::uint8_t kGsoEcn = 0x80;

struct VirtioHeader {
    std::uint8_t flags = 0;
    std::uint8_t gso_type = kGsoNone;  // raw: may carry kGsoEcn
    std::uint16_t hdr_len = 0;
    std::uint16_t gso_size = 0;
    std::uint16_t csum_start = 0;
    std::uint16_t csum_offset = 0;

    bool needs_csum() const { return (flags & kFlagNeedsCsum) != 0; }
    std::uint8_t gso() const { return static_cast<std::uint8_t>(gso_type & ~kGsoEcn); }  // without ECN
    bool ecn() const { return (gso_type & kGsoEcn) != 0; }

    friend bool operator==(const VirtioHeader&, const VirtioHeader&) = default;
};

// The header in the first kVnetHdrSize bytes of `in`; nullopt if `in` is shorter.  No
// field is validated here (the segmenter does that against the packet).
std::optional<VirtioHeader> parse_virtio_header(Bytes in);

// Writes `h` into out[0, kVnetHdrSize).  False (nothing written) if out is shorter.
bool write_virtio_header(const VirtioHeader& h, MutBytes out);

}  // namespace vpn::tun::offload
