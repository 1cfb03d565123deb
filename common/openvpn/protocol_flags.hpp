#pragma once
// IV_PROTO capability bits and what each side makes of them (openvpn-wire.md §8.2,
// §8.4, §7.3; ssl.h: IV_PROTO_*; ssl.c: push_peer_info; multi.c:
// multi_client_set_protocol_options; push.c: prepare_push_reply; ssl_ncp.c:
// p2p_ncp_set_options; options.c: "key-derivation", "protocol-flags").
//
//   bit value  meaning                                           2.6 pull client
//   0   1      reserved (old peers compared IV_PROTO >= 2)       -
//   1   2      P_DATA_V2 / peer-id                                yes
//   2   4      server may push without waiting for PUSH_REQUEST   yes (pull only)
//   3   8      TLS-EKM key derivation                             yes (EKM builds)
//   4   16     AUTH_PENDING with keywords (timeout N)             yes (pull only)
//   5   32     P2P NCP (peer without pull)                        P2P only
//   6   64     understands --dns                                  yes
//   7   128    EXIT over the control channel + protocol-flags     yes
//   8   256    AUTH_FAILED,TEMP                                   yes (pull only)
//   9   512    dynamic tls-crypt on renegotiation                 yes (EKM builds)
//
// A peer announcing any bit must also announce bit 1 (ssl.h).  Stock 2.6 pull
// clients send 990; we announce only the bits the caller says are implemented.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vpn::ovpn {

namespace iv_proto {
inline constexpr unsigned kDataV2 = 1u << 1;
inline constexpr unsigned kRequestPush = 1u << 2;
inline constexpr unsigned kTlsKeyExport = 1u << 3;
inline constexpr unsigned kAuthPendingKw = 1u << 4;
inline constexpr unsigned kNcpP2p = 1u << 5;
inline constexpr unsigned kDnsOption = 1u << 6;
inline constexpr unsigned kCcExitNotify = 1u << 7;
inline constexpr unsigned kAuthFailTemp = 1u << 8;
inline constexpr unsigned kDynTlsCrypt = 1u << 9;
}  // namespace iv_proto

// P2P peer-id when the peers cannot derive one by EKM: 'v' 'p' 'n'.
inline constexpr std::uint32_t kP2pDefaultPeerId = 0x76706e;

enum class PeerInfoMode {
    Pull,        // a client with pull: the full set (push_peer_info_detail 2)
    P2p,         // a TLS peer without pull or p2mp: IV_CIPHERS and IV_PROTO only (detail 1)
    P2mpServer,  // a p2mp server sends no peer-info at all (detail 0)
};

// The IV_PROTO value to announce: `implemented` (iv_proto bits) restricted to what
// the mode allows -- RequestPush, AuthPendingKw and AuthFailTemp only with pull,
// NcpP2p added in P2P mode -- plus DataV2 whenever anything is announced.  0 for
// P2mpServer.
unsigned announced_iv_proto(PeerInfoMode mode, unsigned implemented);

// What the two sides agreed on for one session.
struct ProtocolChoice {
    bool data_v2 = false;        // send P_DATA_V2 with a peer-id
    bool tls_ekm = false;        // derive data keys by EKM instead of the TLS 1.0 PRF
    bool cc_exit = false;        // EXIT as a control message instead of OCC_EXIT
    bool dyn_tls_crypt = false;  // renegotiations use the EKM-derived tls-crypt key
    bool push_early = false;     // server: may send PUSH_REPLY before a PUSH_REQUEST
};

// A p2mp server's choice for a client that announced `client_iv_proto`, limited to
// the bits we `implemented` (multi_client_set_protocol_options); push_early needs
// kRequestPush on both sides.
ProtocolChoice server_protocol_choice(unsigned client_iv_proto, unsigned implemented);

// P2P (p2p_ncp_set_options): nothing unless the peer announced kNcpP2p; then the
// shared bits.  The peer-id is kP2pDefaultPeerId, or with data_v2 and tls_ekm the 3
// bytes exported under kEkmP2pPeerIdLabel (tls_key_derivation.hpp).
ProtocolChoice p2p_protocol_choice(unsigned peer_iv_proto, unsigned implemented);

// The options prepare_push_reply adds for `c`, in its order:
//   cc_exit:            "protocol-flags cc-exit[ tls-ekm][ dyn-tls-crypt]"
//   tls_ekm, no cc_exit: "key-derivation tls-ekm" [then "protocol-flags dyn-tls-crypt"]
// (peer-id and cipher are pushed by the caller, before these.)
std::vector<std::string> protocol_push_options(const ProtocolChoice& c);

// A pull client applying a pushed option (its words, e.g. {"protocol-flags",
// "cc-exit", "tls-ekm"}).  Returns false if it is neither "key-derivation" nor
// "protocol-flags".  Flags outside `implemented` or unknown are not set and are
// described in `warnings` (one line each), as 2.6 logs unknown flags.
bool apply_protocol_option(const std::vector<std::string>& words, unsigned implemented, ProtocolChoice& into,
                           std::vector<std::string>& warnings);

}  // namespace vpn::ovpn
