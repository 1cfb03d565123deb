#pragma once
// Why a received datagram was dropped, for counters and stats lines.  Drops are
// normal on the Internet (UDP noise, replays, a peer with the wrong key); they are
// counted, not thrown.
#include <cstdint>
#include <string>

#include "common/util/enum_counters.hpp"

namespace vpn::ovpn {

enum class Drop : std::uint8_t {
    ShortPacket,        // too short for HMAC / IV / one block / packet id
    BadHmac,            // authentication failed (wrong key, direction, or tampering)
    BadCiphertext,      // ciphertext not a whole number of blocks, or cipher failure
    BadPadding,         // authenticated, but the PKCS#7 padding is invalid
    Replay,             // packet id seen before, too old, or time went backwards
    Decompress,         // compressed payload did not decompress (corrupt or too large)
    BadCompressHeader,  // unknown compression framing byte
    Oversize,           // does not fit the caller's buffer
    NoKey,              // TLS mode: a data packet for a key_id we hold no key for
    Count
};

// Short kebab-case name: "short-packet", "bad-hmac", "replay", ...
const char* drop_name(Drop d);

// One counter per reason.  Not atomic: one instance per receiving worker.
using DropCounters = EnumCounters<Drop, drop_name>;

}  // namespace vpn::ovpn
