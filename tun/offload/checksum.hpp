#pragma once
// The Internet checksum (RFC 1071): the one's-complement sum of big-endian 16-bit words,
// complemented.  Used by the TCP/UDP checksums (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1)
// and the IPv4 header checksum (RFC 791).
//
// A checksum is built from pieces in a 64-bit accumulator:
//
//   std::uint64_t acc = pseudo_header_ipv4(src, dst, kProtoTcp, tcp_len);
//   acc = sum_bytes(tcp_segment, acc);               // checksum field zeroed, or:
//   store_be16(field, finish(acc));                  // what goes into the header
//   verifies(acc)                                    // receive side, field included
//
// The accumulator holds a plain integer sum of 16-bit word values; it cannot overflow
// before 2^47 pieces.  Every piece but the last must have an even length (an odd piece
// would shift the bytes after it into the other half of their words).
#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"

namespace vpn::tun::offload {

inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;

// acc + the one's-complement sum of `data` (as big-endian 16-bit words; an odd last byte
// is padded with a zero byte).  32 bytes per step, with AVX2 where the CPU has it.
std::uint64_t sum_bytes(Bytes data, std::uint64_t acc = 0);

// Reduces acc to 16 bits with end-around carry: the one's-complement sum, not
// complemented (what Linux stores in th->check of a CHECKSUM_PARTIAL packet).
std::uint16_t fold(std::uint64_t acc);

// The value to store in a checksum field: ~fold(acc).
inline std::uint16_t finish(std::uint64_t acc) { return static_cast<std::uint16_t>(~fold(acc)); }

// True if data summed together with its stored checksum field is correct (folds to 0xffff).
inline bool verifies(std::uint64_t acc) { return fold(acc) == 0xffff; }

// Pseudo-header sums (RFC 9293 §3.1, RFC 8200 §8.1).  `src`/`dst` point at 4 (IPv4) or
// 16 (IPv6) address bytes in network order, e.g. straight into the IP header; `length`
// is the L4 length (header + payload).
std::uint64_t pseudo_header_ipv4(const std::uint8_t* src, const std::uint8_t* dst, std::uint8_t protocol,
                                 std::uint32_t length);
std::uint64_t pseudo_header_ipv6(const std::uint8_t* src, const std::uint8_t* dst, std::uint8_t next_header,
                                 std::uint32_t length);

// The checksum of an IPv4 header (bytes 10-11, the checksum field, are skipped).
// Precondition: header.size() >= 20 and even (IHL * 4).
std::uint16_t ipv4_header_checksum(Bytes header);

// RFC 1624 eqn. 3: the checksum field `check` after one 16-bit word of the covered data
// changes from `old_word` to `new_word` (e.g. an MSS clamp, a NAT rewrite).
std::uint16_t adjust(std::uint16_t check, std::uint16_t old_word, std::uint16_t new_word);

}  // namespace vpn::tun::offload
