#pragma once
// A manually keyed ESP SA: what the runtime installs without IKE, whether it came
// from an OpenVPN static key (static_key_sas.hpp) or a setkey(8) `add` statement
// (setkey.hpp).  Manual SAs never rekey.
#include <cstdint>

#include "common/crypto/secure_buffer.hpp"
#include "ipsec/config/esp_algorithms.hpp"

namespace vpn::ipsec::manual {

enum class SaDirection {
    Outbound,  // we seal with it
    Inbound,   // we open with it
    Unknown,   // setkey: no in/out policy names its endpoints
};

struct ManualSa {
    std::uint32_t spi = 0;  // >= 256
    SaDirection direction = SaDirection::Unknown;
    EspAlgorithm algorithm;
    crypto::SecureBuffer encr_key;   // AES-GCM: the key then its 4-byte salt (RFC 4106 §8.1)
    crypto::SecureBuffer integ_key;  // empty with an AEAD cipher
    // Anti-replay window in packets; 0 = no replay check.  RFC 4303 §5: a manually
    // keyed SA cannot keep its counter across restarts, so the check is off unless
    // the config asks for it (replay-window, setkey -r).
    std::uint32_t replay_window = 0;
};

}  // namespace vpn::ipsec::manual
