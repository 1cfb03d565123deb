#pragma once
// mssfix (OpenVPN 2.6 mss.c): clamp the MSS option of TCP SYN packets crossing the
// tunnel so that the encapsulated packets fit the link without IP fragmentation.
// Applied to packets from the TUN and to packets going to it, as OpenVPN does.
#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"

namespace vpn::ovpn {

// What the MSS limit is computed from (frame_calculate_mssfix).
struct MssfixParams {
    int mssfix = 1492;       // 0 = off
    bool encap = true;       // "mtu": the limit includes the outer IP + UDP/TCP headers
    bool fixed = false;      // "fixed": the limit is the inner IP packet size
    std::size_t crypto_overhead = 0;  // HMAC + IV (CBC) or tag (+ pid for AEAD)
    std::size_t block_size = 0;       // CBC block size; 0 for stream/AEAD/none
    std::size_t payload_overhead = 0; // compression byte + CBC packet id + TAP extra
    std::size_t transport_overhead = 0;  // TCP length prefix (2) + TLS opcode/peer-id
    std::size_t encap_overhead = 28;     // outer IPv4+UDP 28, IPv6+UDP 48, TCP +12
};

// The MSS for IPv4 payloads (IPv6 ones use 20 less); 0 when mssfix is off.
std::uint16_t mssfix_value(const MssfixParams& p);

// Rewrites the MSS option of a TCP SYN (IPv4 or IPv6, TUN payload) down to `mss4`
// (mss4 - 20 for IPv6) and fixes the checksum incrementally.  Anything else, and
// any malformed packet, is left untouched.  Returns true if the packet changed.
bool clamp_mss(MutBytes ip_packet, std::uint16_t mss4);

// The same for a TAP frame carrying IPv4/IPv6 (untagged Ethernet II).
bool clamp_mss_ethernet(MutBytes frame, std::uint16_t mss4);

}  // namespace vpn::ovpn
