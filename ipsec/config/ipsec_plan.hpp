#pragma once
// What a `technique ipsec` config asks for, fully checked: the IPsec runtime's input.
// build_plan() runs after the config language's own validation (common/config), when
// the app's loader sees technique ipsec, and does what common/ cannot: parses the
// proposal strings and setkey statements, reads the key files and derives the manual
// SAs of a static key.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/load.hpp"
#include "common/crypto/secure_buffer.hpp"
#include "ipsec/config/proposal.hpp"
#include "ipsec/manual/manual_sa.hpp"
#include "ipsec/manual/setkey.hpp"
#include "ipsec/manual/setkey_peer.hpp"

namespace vpn::ipsec {

enum class Keying {
    Ike,        // IKEv2 negotiates and rekeys the ESP SAs
    StaticKey,  // two manual SAs derived from `secret` (ipsec/manual/static_key_sas.hpp)
    Setkey,     // manual SAs and policies from setkey statements
};

enum class Role {
    PointToPoint,  // ifconfig A B; initiates IKE when it has a remote, else responds
    Gateway,       // mode server / `server`: responds, assigns addresses from its pool
    Client,        // `client`: initiates and asks the gateway for an address
};

struct Identity {
    ike::IdType type = ike::IdType::Fqdn;
    std::string text;  // as sent: "@" of a forced FQDN removed
};

// "192.0.2.1" -> IPv4, "2001:db8::1" -> IPv6, "C=CH, O=x, CN=y" -> DN, "u@example.org"
// -> user@FQDN, "vpn.example.org" or "@vpn" -> FQDN (strongSwan's rules for a bare id).
Identity classify_identity(const std::string& text);

struct IkeSettings {
    std::vector<Proposal> ike_proposals;  // ike-proposals, or the defaults
    std::vector<Proposal> esp_proposals;  // esp-proposals, or the defaults
    enum class Auth { Psk, Certificate } auth = Auth::Psk;
    // ike-psk: the text as loaded (ipsec/ike/psk_file parses it); `psk_name` is the
    // file's path or "FILE:LINE" of the <ike-psk> block, for its messages.
    crypto::SecureBuffer psk_text;
    std::string psk_name;
    std::optional<Identity> local_id, remote_id;
    int ike_lifetime = 14400;  // seconds
    int esp_lifetime = 3600;
    config::NatTraversal nat_traversal = config::NatTraversal::Yes;
    int dpd_interval = 0;  // keepalive N T: probe after N idle seconds; 0 = off
    int dpd_timeout = 0;   // peer declared dead after T seconds without an answer
    std::uint32_t replay_window = 64;  // ESP anti-replay window (replay-window)
};

struct IpsecPlan {
    Role role = Role::PointToPoint;
    Keying keying = Keying::Ike;
    std::optional<IkeSettings> ike;           // Keying::Ike
    std::vector<manual::ManualSa> static_sas; // Keying::StaticKey: {outbound, inbound}
    bool static_udp_encap = false;            // Keying::StaticKey with nat-traversal force
    manual::SetkeyDb setkey;                  // Keying::Setkey
    std::string setkey_name;                  // its file, or "FILE:LINE" of the block
    manual::SetkeyPeer setkey_peer;           // Keying::Setkey: the one peer its SAs name
};

// Requires o.technique == Ipsec and a config that passed config::load().  Reads the
// secret, ike-psk and setkey files (a group- or world-readable one is warned about
// through `warn`, as for other key files).  Throws config::ConfigError naming the
// line: a bad proposal keyword or combination, a setkey statement, an unreadable or
// malformed key file, a static key of 128 bytes, a cipher/auth ESP cannot use,
// setkey SAs naming more than one peer or mixing esp and esp-udp (manual/setkey_peer.hpp).
IpsecPlan build_plan(const config::Options& o, const config::WarningSink& warn);

// The plan for `vpn check`, one line each ("ike proposals: ..."); never key bytes.
std::vector<std::string> describe_plan(const IpsecPlan& p, const config::Options& o);

}  // namespace vpn::ipsec
