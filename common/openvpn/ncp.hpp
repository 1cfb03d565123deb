#pragma once
// Data-channel cipher negotiation (NCP) exactly as OpenVPN 2.6 does it
// (openvpn-wire.md §8.3; ssl_ncp.c: mutate_ncp_cipher_list, tls_item_in_cipher_list,
// tls_peer_ncp_list, ncp_get_best_cipher, check_pull_client_ncp, check_session_cipher,
// get_p2p_ncp_cipher; multi.c: multi_client_set_protocol_options; init.c:
// do_deferred_p2p_ncp; test_ncp.c).
//
//   server (p2mp)  first cipher of OUR list that the client offers: its IV_CIPHERS, or
//                  AES-256-GCM:AES-128-GCM for IV_NCP >= 2, or (only without
//                  IV_CIPHERS) the `cipher` of its OCC string.  No match: the
//                  fallback if the client sent no cipher information at all.
//   client (pull)  a pushed `cipher` must be in our list or equal our fallback; with
//                  nothing pushed, the server's OCC cipher if in our list ("poor
//                  man's NCP"), else the fallback if the server sent no OCC cipher.
//   P2P (no pull)  first cipher of the TLS SERVER's list found in the TLS client's,
//                  both sides computing the same; else the fallback.
//
// Lists are colon-separated OpenVPN names as normalize_cipher_list() returns them.
// Comparisons are exact (case-sensitive), like 2.6's strcmp.  Peer-info variables are
// looked up as 2.6 does, by substring search (ssl_util.c: extract_var_peer_info).
#include <optional>
#include <string>
#include <string_view>

namespace vpn::ovpn {

// MAX_NCP_CIPHERS_LENGTH (127) minus the room mutate_ncp_cipher_list keeps for a ':'
// and the NUL: a normalised list has at most 124 characters.
inline constexpr std::size_t kMaxDataCiphersLen = 124;
inline constexpr std::string_view kNcpFailedReason = "Data channel cipher negotiation failed (no shared cipher)";

// 2.6's default --data-ciphers: AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305, without
// the last one if OpenSSL lacks it (options.c: options_postprocess_setdefault_ncpciphers).
std::string default_data_ciphers();

// OpenVPN's spelling of a cipher name: "aes-256-gcm" and "id-aes256-GCM" give
// "AES-256-GCM", "ChaCha20-Poly1305" gives "CHACHA20-POLY1305".  Exactly "none" stays
// "none".  BF-CBC and other legacy ciphers load OpenSSL's legacy provider.  Throws
// crypto::CryptoError for unknown names and for ciphers the data channel cannot run
// (neither GCM/ChaCha20-Poly1305, CBC, OFB nor CFB).
std::string normalize_cipher_name(std::string_view name);

// --data-ciphers as 2.6 reads it: split on ':' (empty items skipped), a leading '?'
// marks an item optional (dropped with a warning when unsupported), names normalised,
// order and duplicates kept.  Throws crypto::CryptoError ("--data-ciphers list contains
// unsupported ciphers or is too long") for an unsupported non-optional item, an empty
// result, or a result over kMaxDataCiphersLen.  Warns for "none".
std::string normalize_cipher_list(std::string_view list);

// `item` is one of the ':'-separated entries of `list` (tls_item_in_cipher_list).
bool cipher_in_list(std::string_view item, std::string_view list);

// The value after the first occurrence of `var` (e.g. "IV_CIPHERS=") anywhere in
// `peer_info`, up to the next '\n'; nullopt if absent (extract_var_peer_info).
std::optional<std::string_view> peer_info_var(std::string_view peer_info, std::string_view var);
// IV_NCP as a number (0 if absent, not a number, or out of int range).
int peer_info_ncp_version(std::string_view peer_info);
// IV_MTU as a number (0 if absent, not a number or not positive).
int peer_info_mtu(std::string_view peer_info);
// IV_PROTO as a bit set (0 if absent, not a number, out of int range, or not positive).
unsigned peer_info_iv_proto(std::string_view peer_info);
// IV_NCP >= 2 or an IV_CIPHERS list: the peer takes a pushed cipher (tls_peer_supports_ncp).
bool peer_supports_ncp(std::string_view peer_info);
// The ciphers the peer offers: IV_CIPHERS, else "AES-256-GCM:AES-128-GCM" for
// IV_NCP >= 2, else "" (tls_peer_ncp_list).
std::string peer_cipher_list(std::string_view peer_info);

// The `cipher` item of an OCC options string ("[null-cipher]" read as "none"); ""
// if there is none (options_string_extract_option, key_method_2_read).
std::string occ_remote_cipher(std::string_view options);

// ncp_get_best_cipher: the first cipher of `server_list` the peer offers; the
// peer's OCC cipher `remote_cipher` ("" = none) counts only when the peer sent no
// IV_CIPHERS.  nullopt if nothing matches.
std::optional<std::string> ncp_best_cipher(std::string_view server_list, std::string_view peer_info,
                                           std::string_view remote_cipher);

struct NcpConfig {
    std::string data_ciphers;           // normalised --data-ciphers
    std::optional<std::string> fallback;  // --data-ciphers-fallback (in P2P mode also an
                                          // explicit --cipher: options_postprocess_cipher)
};

struct NcpResult {
    bool ok = false;
    std::string cipher;  // when ok: the data channel cipher to use
    // Server: push "cipher <cipher>" (only to peers that support NCP, to spare old
    // clients an error in their log: push.c: prepare_push_reply).
    bool push_cipher = false;
    std::string error;   // when !ok: a log line; a server sends kNcpFailedReason in AUTH_FAILED
};

// A p2mp server choosing for a client (multi_client_set_protocol_options).
// `peer_info`: the client's ("" if none), `remote_cipher`: occ_remote_cipher() of its
// options string.
NcpResult negotiate_server_cipher(const NcpConfig& ours, std::string_view peer_info, std::string_view remote_cipher);

// A pull client after the PUSH_REPLY: `pushed` is the pushed `cipher` value if any,
// `remote_cipher` the server's OCC cipher ("" if none).
NcpResult negotiate_client_cipher(const NcpConfig& ours, std::optional<std::string_view> pushed,
                                  std::string_view remote_cipher);

// A P2P TLS peer (no pull, no p2mp): `we_are_tls_server` picks whose list ranks.
NcpResult negotiate_p2p_cipher(const NcpConfig& ours, std::string_view peer_info, bool we_are_tls_server);

}  // namespace vpn::ovpn
