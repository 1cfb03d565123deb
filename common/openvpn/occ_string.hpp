#pragma once
// The options compatibility string (OCC) that a static-key peer sends in OCC_REPLY
// and compares with what it expects (openvpn-wire.md §8.8; options.c: options_string,
// mtu.c: calc_options_string_link_mtu).  Produced exactly as stock 2.6 does for a
// point-to-point config without pull, e.g.
//
//   V4,dev-type tun,link-mtu 1572,tun-mtu 1500,proto UDPv4,ifconfig 10.98.0.2 10.98.0.1,
//   keydir 0,cipher AES-256-CBC,auth SHA256,keysize 256,secret
//
// A mismatch with the peer only deserves a warning (stock 2.6 never fails on it).
#include <string>

#include "common/config/options.hpp"

namespace vpn::ovpn {

// `remote_view` = false: the string we send (our "Local Options String").
// `remote_view` = true: the string we expect from the peer ("Expected Remote Options
// String"): ifconfig pair swapped, keydir complemented, TCP client/server swapped.
// Throws crypto::CryptoError for an unknown cipher or digest name.
std::string occ_options_string(const vpn::config::Options& o, bool remote_view);

// The link-mtu item alone: tun-mtu + per-packet overhead as 2.6 counts it for OCC
// (TAP +32, compression byte +1, long packet id 8, IV, one cipher block, HMAC,
// TCP length 2).  Same value for both views.
int occ_link_mtu(const vpn::config::Options& o);

}  // namespace vpn::ovpn
