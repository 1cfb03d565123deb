// server_push_options (common/openvpn/server_push.hpp) against what a stock 2.6.14
// `mode server` really sent (tests/vectors/openvpn/server/): same config, same
// per-client facts, same PUSH_REPLY text.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "common/openvpn/protocol_flags.hpp"
#include "common/openvpn/push_reply.hpp"
#include "common/openvpn/server_push.hpp"
#include "test_config_support.hpp"

using namespace vpn;
using config_test::has;
using config_test::opts;

namespace {

const std::string kDir = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/server/";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The stock server config with its `client-config-dir D` line replaced by D/client's
// lines (stock 2.6 needs the ccd file for ifconfig-push; we take it in the main config).
config::Options stock_config(const std::string& name) {
    std::istringstream in(slurp(kDir + name));
    std::string text, line;
    while (std::getline(in, line)) {
        if (line.starts_with("client-config-dir ")) text += slurp(kDir + line.substr(18) + "/client");
        else text += line + "\n";
    }
    std::vector<std::string> warnings;
    return config::load_text(text, name, kDir, [&](const std::string& w) { warnings.push_back(w); });
}

// The text between the quotes of the client's "PUSH: Received control message: '...'".
std::string observed_reply(const std::string& log) {
    std::string text = slurp(kDir + log);
    const std::string tag = "PUSH: Received control message: '";
    auto start = text.find(tag);
    REQUIRE(start != std::string::npos);
    start += tag.size();
    auto end = text.find('\'', start);
    REQUIRE(end != std::string::npos);
    return text.substr(start, end - start);
}

// What the stock server knew about its 2.6.14 client (net30-server-peer-info.log):
// IV_PROTO=990 (data-v2, tls-ekm, cc-exit, dyn-tls-crypt...), IV_MTU=1600, AES-256-GCM.
ovpn::PushPeer stock_peer() {
    ovpn::ProtocolChoice choice;
    choice.data_v2 = choice.tls_ekm = choice.cc_exit = choice.dyn_tls_crypt = true;
    ovpn::PushPeer peer;
    peer.peer_id = 0;
    peer.session_options.push_back("cipher AES-256-GCM");
    for (auto& o : ovpn::protocol_push_options(choice)) peer.session_options.push_back(o);
    peer.client_mtu = 1600;
    return peer;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

const std::string kServer = "mode server\ntls-server\nca ca.crt\ncert s.crt\nkey s.key\ndev tun\n";

}  // namespace

TEST_CASE("the stock 2.6.14 net30 reply, option for option") {
    config::Options o = stock_config("net30-server.conf");
    std::vector<std::string> got = ovpn::server_push_options(o, stock_peer());
    CHECK(joined(got) ==
          "route 192.168.50.0 255.255.255.0,dhcp-option DNS 10.8.0.1,route-delay 2,ping 10,ping-restart 60,"
          "ifconfig 10.8.0.2 10.8.0.1,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,"
          "tun-mtu 1500");
    // ... and as the one message build_push_reply makes of it, byte for byte.
    std::vector<std::string> msgs = ovpn::build_push_reply(got);
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0] == observed_reply("net30-client.log"));
}

TEST_CASE("topology subnet: 2.6 pushes the netmask and nothing more") {
    config::Options o = stock_config("subnet-server.conf");
    std::vector<std::string> msgs = ovpn::build_push_reply(ovpn::server_push_options(o, stock_peer()));
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0] == observed_reply("subnet-client.log"));
    CHECK_FALSE(has(msgs[0], "topology"));
    CHECK_FALSE(has(msgs[0], "route-gateway"));
}

TEST_CASE("each part is optional: push lines, ifconfig, peer-id, session options, tun-mtu") {
    config::Options o = opts(kServer);
    CHECK(ovpn::server_push_options(o, {}).empty());
    CHECK(ovpn::build_push_reply(ovpn::server_push_options(o, {})) == std::vector<std::string>{"PUSH_REPLY"});

    // No peer-id (a client without data-v2), key-derivation instead of protocol-flags
    // (a client without cc-exit), no IV_MTU: none of them is invented.
    ovpn::PushPeer peer;
    peer.session_options = {"cipher AES-128-GCM", "key-derivation tls-ekm"};
    o = opts("push \"route 10.1.0.0 255.255.0.0\"\nifconfig-push 10.9.0.6 10.9.0.5\n" + kServer);
    CHECK(ovpn::server_push_options(o, peer) ==
          std::vector<std::string>{"route 10.1.0.0 255.255.0.0", "ifconfig 10.9.0.6 10.9.0.5", "cipher AES-128-GCM",
                                   "key-derivation tls-ekm"});

    // peer-id is printed in decimal; tun-mtu is OUR tun-mtu whatever IV_MTU says.
    peer = {};
    peer.peer_id = 16777214;
    peer.client_mtu = 1400;
    o = opts("tun-mtu 1420\n" + kServer);
    CHECK(ovpn::server_push_options(o, peer) == std::vector<std::string>{"peer-id 16777214", "tun-mtu 1420"});
}

TEST_CASE("keepalive's pushes follow every push line, as helper.c appends them after parsing") {
    config::Options o = opts("keepalive 5 30\npush \"route 10.1.0.0 255.255.0.0\"\n" + kServer +
                             "push \"dhcp-option DNS 10.9.0.1\"\nifconfig-push 10.9.0.2 10.9.0.1\n");
    ovpn::PushPeer peer;
    peer.peer_id = 3;
    CHECK(ovpn::server_push_options(o, peer) ==
          std::vector<std::string>{"route 10.1.0.0 255.255.0.0", "dhcp-option DNS 10.9.0.1", "ping 5",
                                   "ping-restart 30", "ifconfig 10.9.0.2 10.9.0.1", "peer-id 3"});
}

TEST_CASE("a long list splits into push-continuation messages like 2.6") {
    std::string text = kServer;
    for (int i = 0; i < 60; ++i) text += "push \"route 10." + std::to_string(i) + ".0.0 255.255.0.0\"\n";
    text += "ifconfig-push 10.9.0.2 10.9.0.1\n";
    config::Options o = opts(text);
    ovpn::PushPeer peer = stock_peer();
    std::vector<std::string> msgs = ovpn::build_push_reply(ovpn::server_push_options(o, peer));
    REQUIRE(msgs.size() >= 2);
    for (std::size_t i = 0; i + 1 < msgs.size(); ++i) CHECK(msgs[i].ends_with(",push-continuation 2"));
    CHECK(msgs.back().ends_with(",tun-mtu 1500,push-continuation 1"));
    for (const auto& m : msgs) CHECK(m.size() < ovpn::kPushBundleSize);
    // Re-parsed, the options come back in order.
    std::vector<std::string> back;
    for (const auto& m : msgs) {
        ovpn::PushReplyResult r = ovpn::parse_push_reply(m);
        REQUIRE(r.ok);
        for (const auto& words : r.reply.options) {
            std::string s;
            for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
            back.push_back(s);
        }
    }
    CHECK(back == ovpn::server_push_options(o, peer));
}
