#pragma once
// setkey(8) statements (ipsec-tools / KAME), as users keep them in /etc/ipsec.conf:
// what `setkey FILE` and a <setkey> block hold.  Parsed and applied in order (add,
// delete, deleteall, flush, spdadd, spddelete, spdflush), giving the SAs and policies
// the runtime installs.  Supported subset and refusals: shared/protocol/ikev2-esp.md
// §6.2, and README.md here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/options.hpp"
#include "ipsec/manual/manual_sa.hpp"

namespace vpn::ipsec::manual {

// An outer (tunnel) address, IPv4 in host byte order, with the UDP port that
// `192.0.2.1[4500]` gives (esp-udp SAs and policies).
struct Endpoint {
    std::uint32_t addr = 0;
    std::optional<std::uint16_t> port;
    bool operator==(const Endpoint&) const = default;
};

struct SetkeySa {
    Endpoint src, dst;       // packets from src to dst carry this SPI
    bool udp_encap = false;  // esp-udp: ESP in UDP (RFC 3948)
    ManualSa sa;             // direction from the policies (see SetkeyDb)
    std::uint32_t reqid = 0; // -u, for `unique:N` policies
    std::uint64_t hard_seconds = 0, soft_seconds = 0;  // -lh/-ls; 0 = never
    std::uint64_t hard_bytes = 0, soft_bytes = 0;      // -bh/-bs; 0 = never
    config::Origin origin;   // the add statement
};

// A selector on the inner packet: address/prefix and optional port (none = any).
struct Selector {
    std::uint32_t addr = 0;
    int prefix = 32;
    std::optional<std::uint16_t> port;
    bool operator==(const Selector&) const = default;
};

enum class PolicyDir { In, Out, Fwd };
enum class PolicyAction { Ipsec, None, Discard };
enum class PolicyLevel { Default, Use, Require, Unique };

struct SetkeyPolicy {
    Selector src, dst;
    int upper = -1;  // IP protocol number; -1 = any
    PolicyDir dir = PolicyDir::Out;
    PolicyAction action = PolicyAction::Ipsec;
    // ipsec esp/tunnel/TUNNEL_SRC-TUNNEL_DST/LEVEL:
    Endpoint tunnel_src, tunnel_dst;
    PolicyLevel level = PolicyLevel::Require;
    std::uint32_t unique_id = 0;  // unique:N; 0 = any SA of the endpoints
    config::Origin origin;
};

struct SetkeyDb {
    std::vector<SetkeySa> sas;
    std::vector<SetkeyPolicy> policies;
};

// Parses and applies the statements of `text`.  `file` and `first_line` name the text's
// first line in messages (an inline block starts on the line after `<setkey>`).
// After applying, each SA's direction is Outbound when an `-P out ipsec` policy's
// tunnel endpoints are its src-dst, Inbound for an `-P in` one, else Unknown.
// Throws config::ConfigError "FILE:LINE: setkey: ..." for a syntax error, a
// refused feature (ah, ipcomp, tcp, transport mode, IPv6, weak algorithms, -ctx,
// keyed-*), a key of the wrong length, adding an SA or policy twice, deleting one
// that does not exist, an unterminated statement.
SetkeyDb parse_setkey(std::string_view text, const std::string& file, int first_line = 1);

}  // namespace vpn::ipsec::manual
