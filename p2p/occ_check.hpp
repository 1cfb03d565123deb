#pragma once
// Compares the options string a peer sent in OCC_REPLY with the one we expect, the
// way OpenVPN warns "'cipher' is used inconsistently": a mismatch is a warning, not an
// error (the data channel itself decides whether the two ends can talk).
#include <string>
#include <string_view>
#include <vector>

namespace vpn::p2p {

// One human-readable line per differing option; empty when the strings agree.
std::vector<std::string> occ_mismatches(std::string_view expected, std::string_view received);

}  // namespace vpn::p2p
