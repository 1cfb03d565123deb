#pragma once
// Internal to build_plan: the two SAs of `technique ipsec` + `secret`, with the
// algorithm from cipher/auth or the first esp-proposals entry.
#include <vector>

#include "common/config/load.hpp"
#include "ipsec/config/esp_algorithms.hpp"
#include "ipsec/manual/manual_sa.hpp"

namespace vpn::ipsec {

// cipher (+ auth) when cipher is given: AES-128/192/256-CBC, AES-128/192/256-GCM,
// DES-EDE3-CBC with SHA1/SHA256/SHA384/SHA512 (auth defaults to SHA1 as in OpenVPN;
// ignored, with a warning, for GCM); else the first algorithms of the first
// esp-proposals entry (default aes256gcm16).  Throws ConfigError at the cipher or
// auth line for names ESP has no transform for.
EspAlgorithm static_key_algorithm(const config::Options& o, const config::WarningSink& warn);

// Reads the static key and derives {outbound, inbound}.  Anti-replay only when
// replay-window is given (RFC 4303 §5).  Throws ConfigError at the secret line for an
// unreadable or 128-byte key.
std::vector<manual::ManualSa> static_key_sas(const config::Options& o, const config::WarningSink& warn);

}  // namespace vpn::ipsec
