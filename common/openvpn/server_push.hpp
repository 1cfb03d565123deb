#pragma once
// The option list of the PUSH_REPLY a `mode server` sends its one client (push.c:
// send_push_reply_auth_token / prepare_push_reply of OpenVPN 2.6).  Pure: the
// messages themselves come from build_push_reply (push_reply.hpp).
//
// Observed with stock 2.6.14 (mode server, tls-server, ifconfig 10.8.0.1 10.8.0.2,
// ifconfig-push 10.8.0.2 10.8.0.1 in a client-config-dir file, three push lines and
// `keepalive 10 60` between the 2nd and 3rd), towards a 2.6.14 client:
//   PUSH_REPLY,route 192.168.50.0 255.255.255.0,dhcp-option DNS 10.8.0.1,
//   route-delay 2,ping 10,ping-restart 60,ifconfig 10.8.0.2 10.8.0.1,peer-id 0,
//   cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500
// (tests/vectors/openvpn/server/, tests/unit/test_server_push.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/config/options.hpp"

namespace vpn::ovpn {

struct PushPeer {
    std::optional<std::uint32_t> peer_id;      // set when the client announced IV_PROTO data-v2
    std::vector<std::string> session_options;  // TlsSession::push_options(): "cipher X", "key-derivation
                                               // tls-ekm" / "protocol-flags ..." as it gives them
    // IV_MTU from the client's peer info, when it sent one: 2.6 then pushes
    // "tun-mtu <the server's tun-mtu>" last (and logs a warning if IV_MTU is lower).
    std::optional<int> client_mtu;
};

// The options of one client's PUSH_REPLY, in 2.6's order:
//   1. o.push as it stands after validate(): the config's push lines, then the
//      "ping N" / "ping-restart N" that keepalive adds under mode server;
//   2. "ifconfig LOCAL REMOTE-NETMASK" from o.ifconfig_push, if set;
//   3. "peer-id N" if peer.peer_id;
//   4. peer.session_options, unchanged;
//   5. "tun-mtu <o.tun_mtu>" if peer.client_mtu.
// Nothing else: 2.6 pushes "topology subnet" and "route-gateway" only from its
// `server` helper (as push lines), never for ifconfig-push.  ifconfig-ipv6 and
// auth-token (2.6 pushes them between ifconfig and peer-id / after peer-id) are not
// supported.  The caller turns the list into messages with build_push_reply().
std::vector<std::string> server_push_options(const config::Options& o, const PushPeer& peer);

// The same for one client of a multi-client server: `push` is its list (the server's
// merged with its client-config-dir / client-connect edits), `ifconfig` what its
// "ifconfig" line says (nullopt: none).
std::vector<std::string> client_push_options(std::vector<std::string> push,
                                             const std::optional<std::pair<std::string, std::string>>& ifconfig,
                                             int tun_mtu, const PushPeer& peer);

}  // namespace vpn::ovpn
