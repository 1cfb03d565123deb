#pragma once
// The mssfix clamp for one tunnel from its options and its data channel's shape
// (options.c + mss.c: frame_calculate_mssfix): 1492 bytes on the wire by default
// with tun-mtu 1500, else tun-mtu as a fixed inner size.
#include <cstddef>
#include <cstdint>

#include "common/config/options.hpp"
#include "p2p/link_plan.hpp"

namespace vpn::p2p {

struct ChannelShape {
    std::size_t crypto_overhead = 0;  // HMAC + IV (CBC), or opcode/peer-id + pid + tag (AEAD)
    std::size_t block_size = 0;       // CBC block; 0 for AEAD / none
    std::size_t packet_id = 0;        // packet-id bytes inside the encrypted payload (CBC)
    std::size_t opcode = 0;           // TLS mode: 1 (V1) or 4 (V2) header bytes outside the crypto
};

// 0 when mssfix is off.
std::uint16_t mss_for(const config::Options& o, const ChannelShape& ch, const LinkPlan& plan);

}  // namespace vpn::p2p
