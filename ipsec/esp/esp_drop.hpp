#pragma once
// Why an ESP (or UDP-4500) datagram was dropped.  Hostile or broken input is
// normal on the Internet: every case is a counted reason, never an exception.
#include <cstdint>
#include <string>

#include "common/util/enum_counters.hpp"

namespace vpn::esp {

enum class Drop : std::uint8_t {
    Truncated,      // shorter than SPI | seq | IV | one block or trailer | ICV
    BadLength,      // encrypted part not a whole number of cipher blocks
    WrongSpi,       // handed to an SA whose SPI it does not carry
    UnknownSpi,     // no inbound SA with this SPI
    Replay,         // sequence number already received
    TooOld,         // left of the anti-replay window (or seq 0, or before ESN epoch 0)
    BadIcv,         // ICV / GCM tag mismatch: wrong key, tampering, wrong ESN guess
    BadPadding,     // authenticated, but pad length or padding bytes (1, 2, 3, ...) wrong
    BadNextHeader,  // authenticated, next header neither 4 (IPv4) nor 41 (IPv6) nor 59
    BadInner,       // inner IP header does not match next header or its own length
    Dummy,          // next header 59: a traffic-flow-confidentiality dummy (RFC 4303 §2.6)
    Malformed,      // UDP 4500 datagram that is neither keepalive, IKE nor ESP
    CryptoFailure,  // the cipher library failed (should not happen)
    Count
};

// Short kebab-case name: "truncated", "bad-icv", "replay", ...
const char* drop_name(Drop d);

// One counter per reason.  Not atomic: one instance per receiving worker.
using DropCounters = EnumCounters<Drop, drop_name>;

}  // namespace vpn::esp
