#include "common/openvpn/server_push.hpp"

#include <fmt/format.h>

namespace vpn::ovpn {

std::vector<std::string> server_push_options(const config::Options& o, const PushPeer& peer) {
    return client_push_options(o.push, o.ifconfig_push, o.tun_mtu, peer);
}

std::vector<std::string> client_push_options(std::vector<std::string> push,
                                             const std::optional<std::pair<std::string, std::string>>& ifconfig,
                                             int tun_mtu, const PushPeer& peer) {
    // Config push lines (and the helpers' additions) first: push.c sends the
    // context's push_list, then prepare_push_reply appends the per-client options.
    std::vector<std::string> out = std::move(push);
    out.reserve(out.size() + peer.session_options.size() + 3);
    if (ifconfig) {
        // Dotted quads are strict (no leading zeros) when parsed, so the text as
        // written is what print_in_addr_t would print.
        out.push_back(fmt::format("ifconfig {} {}", ifconfig->first, ifconfig->second));
    }
    if (peer.peer_id) out.push_back(fmt::format("peer-id {}", *peer.peer_id));
    out.insert(out.end(), peer.session_options.begin(), peer.session_options.end());
    // prepare_push_reply: the server's own MTU, for clients that can take a pushed one.
    if (peer.client_mtu) out.push_back(fmt::format("tun-mtu {}", tun_mtu));
    return out;
}

}  // namespace vpn::ovpn
