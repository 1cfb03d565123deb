#pragma once
// Peer-info: the IV_ variables a peer sends in key method 2 (openvpn-wire.md §8.4;
// ssl.c: push_peer_info; comp.c: comp_generate_peer_info_string; misc.c:
// output_peer_info_env, validate_peer_info_line).
//
// What a 2.6 pull client on Linux writes (one "NAME=value\n" per line, this order):
//   IV_VER=2.6.14  IV_PLAT=linux  IV_TCPNL=1  IV_MTU=1600  IV_NCP=2
//   IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305  IV_PROTO=990
//   IV_LZO_STUB=1  IV_COMP_STUB=1  IV_COMP_STUBv2=1
// A P2P peer writes only IV_CIPHERS and IV_PROTO (with bit 5); a p2mp server nothing.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/openvpn/protocol_flags.hpp"

namespace vpn::ovpn {

// What we say about compression (comp_generate_peer_info_string).
enum class CompressionAdvert {
    None,   // nothing: compression refused outright (COMP_F_ALLOW_NOCOMP_ONLY)
    Stubs,  // IV_LZO_STUB, IV_COMP_STUB, IV_COMP_STUBv2: 2.6's default (framing only)
    Lzo,    // IV_LZO, IV_COMP_STUB, IV_COMP_STUBv2: allow-compression with LZO (no LZ4 here)
};

struct PeerInfoParams {
    PeerInfoMode mode = PeerInfoMode::Pull;
    // IV_VER: servers do not act on it; we present the stock release we are
    // wire-compatible with unless the caller says otherwise.
    std::string version = "2.6.14";
    std::string platform = "linux";  // IV_PLAT
    std::string data_ciphers;        // normalised --data-ciphers, sent as IV_CIPHERS
    unsigned implemented = iv_proto::kDataV2;  // iv_proto bits we implement (see announced_iv_proto)
    int tun_max_mtu = 1600;          // IV_MTU: max(tun-max-mtu, tun-mtu, 1600) (init.c)
    CompressionAdvert compression = CompressionAdvert::Stubs;
};

// The peer-info string for the key-method-2 message ("" for P2mpServer).  Throws
// std::invalid_argument if a value holds a newline or NUL.
std::string build_peer_info(const PeerInfoParams& p);

struct PeerInfo {
    std::map<std::string, std::string, std::less<>> vars;  // IV_* and UV_* only; a repeated name keeps the last
    std::size_t rejected = 0;  // lines that failed validation or were not IV_/UV_ (2.6 warns for each)
};

// Split a received peer-info into variables as 2.6 exports them to scripts: lines
// of at most 255 bytes split on '\n', trailing CR/LF dropped, name [A-Za-z0-9_]+ then
// '=', and in the value every non-printable, blank, '$', '(' or '`' replaced by '_'.
// Only IV_ and UV_ names are kept.  Longer lines are rejected whole (2.6 would cut
// them into pieces).
PeerInfo parse_peer_info(std::string_view text);

}  // namespace vpn::ovpn
