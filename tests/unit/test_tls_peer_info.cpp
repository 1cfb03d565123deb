// Peer-info and IV_PROTO (openvpn-wire.md §8.2, §8.4): what we announce, how we read a
// peer's, and which protocol flags a server pushes for them.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/openvpn/peer_info.hpp"
#include "common/openvpn/protocol_flags.hpp"

using namespace vpn::ovpn;

namespace {

// Every bit a stock 2.6 pull client with EKM announces.
constexpr unsigned kStock = iv_proto::kDataV2 | iv_proto::kRequestPush | iv_proto::kTlsKeyExport |
                            iv_proto::kAuthPendingKw | iv_proto::kDnsOption | iv_proto::kCcExitNotify |
                            iv_proto::kAuthFailTemp | iv_proto::kDynTlsCrypt;

}  // namespace

TEST_CASE("a pull client with stock 2.6's features writes stock 2.6's peer-info") {
    PeerInfoParams p;
    p.data_ciphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305";
    p.implemented = kStock;
    // The lines cap_udp_tlscrypt's stock 2.6.14 client sent (observed-logs.txt), in order.
    CHECK(build_peer_info(p) ==
          "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
          "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n"
          "IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n");
    CHECK(kStock == 990);
}

TEST_CASE("peer-info variants: our features, ciphers, compression, modes") {
    PeerInfoParams p;
    p.data_ciphers = "AES-256-CBC";
    p.implemented = iv_proto::kDataV2 | iv_proto::kRequestPush | iv_proto::kTlsKeyExport;
    p.tun_max_mtu = 1500;
    p.compression = CompressionAdvert::Lzo;
    p.version = "0.1.0";
    // No IV_NCP without both AES-GCM ciphers in the list.
    CHECK(build_peer_info(p) ==
          "IV_VER=0.1.0\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1500\nIV_CIPHERS=AES-256-CBC\nIV_PROTO=14\n"
          "IV_LZO=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n");
    p.compression = CompressionAdvert::None;
    p.data_ciphers = "AES-128-GCM:AES-256-GCM";
    CHECK(build_peer_info(p) ==
          "IV_VER=0.1.0\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1500\nIV_NCP=2\nIV_CIPHERS=AES-128-GCM:AES-256-GCM\n"
          "IV_PROTO=14\n");
    // P2P: only IV_CIPHERS and IV_PROTO, bit 5 added, pull-only bits dropped.
    p.mode = PeerInfoMode::P2p;
    p.implemented = kStock;
    CHECK(build_peer_info(p) == "IV_CIPHERS=AES-128-GCM:AES-256-GCM\nIV_PROTO=746\n");
    p.mode = PeerInfoMode::P2mpServer;
    CHECK(build_peer_info(p) == "");
    p.mode = PeerInfoMode::Pull;
    p.data_ciphers = "A\nIV_PROTO=1023";
    CHECK_THROWS_AS(build_peer_info(p), std::invalid_argument);
}

TEST_CASE("announced IV_PROTO") {
    using namespace iv_proto;
    struct Row {
        PeerInfoMode mode;
        unsigned implemented;
        unsigned announced;
    };
    const Row rows[] = {
        {PeerInfoMode::Pull, kStock, 990},
        {PeerInfoMode::Pull, kDataV2 | kRequestPush | kTlsKeyExport, 14},
        {PeerInfoMode::Pull, kDataV2 | kRequestPush | kTlsKeyExport | kCcExitNotify, 142},
        {PeerInfoMode::Pull, kTlsKeyExport, kTlsKeyExport | kDataV2},  // DATA_V2 comes with any flag
        {PeerInfoMode::Pull, kNcpP2p | kDataV2, kDataV2},              // bit 5 is P2P only
        {PeerInfoMode::Pull, 0, 0},
        {PeerInfoMode::Pull, 1u | (1u << 10) | (1u << 12), 0},         // bit 0 and 2.7's bits never
        {PeerInfoMode::P2p, kStock, 746},                               // 2+8+32+64+128+512
        {PeerInfoMode::P2p, 0, kNcpP2p | kDataV2},
        {PeerInfoMode::P2mpServer, kStock, 0},
    };
    for (const auto& r : rows) {
        CAPTURE(static_cast<int>(r.mode));
        CAPTURE(r.implemented);
        CHECK(announced_iv_proto(r.mode, r.implemented) == r.announced);
    }
}

TEST_CASE("reading a peer's peer-info like output_peer_info_env") {
    const auto info = parse_peer_info(
        "IV_VER=2.6.14\nIV_PLAT=linux\r\nIV_PROTO=990\n"
        "IV_GUI_VER=x y$(z)`w\n"        // blanks and shell characters become '_'
        "FOO=bar\n"                     // not IV_/UV_: rejected
        "IV-BAD=1\n"                    // bad name
        "=novalue\n"                    // no name
        "\n"                            // empty lines are skipped
        "UV_USER=me\n"
        "IV_PLAT=win\n"                 // a repeated name keeps the last
        "IV_LONG=" + std::string(250, 'x') + "\n"  // 258 characters: too long
        "IV_NOEQ\n"
        "IV_EMPTY=");
    CHECK(info.vars.at("IV_VER") == "2.6.14");
    CHECK(info.vars.at("IV_PLAT") == "win");
    CHECK(info.vars.at("IV_PROTO") == "990");
    CHECK(info.vars.at("IV_GUI_VER") == "x_y__z)_w");
    CHECK(info.vars.at("UV_USER") == "me");
    CHECK(info.vars.at("IV_EMPTY") == "");
    CHECK(info.vars.size() == 6);
    CHECK(info.rejected == 5);
    // Nothing after a NUL counts.
    const auto cut = parse_peer_info(std::string("IV_A=1\n\0IV_B=2\n", 15));
    CHECK(cut.vars.size() == 1);
    CHECK(parse_peer_info("").vars.empty());
}

TEST_CASE("server protocol choice and the options it pushes") {
    using namespace iv_proto;
    const unsigned ours_all = kStock;
    const unsigned ours_min = kDataV2 | kRequestPush | kTlsKeyExport;
    // A stock client against a server implementing everything: the observed push.
    auto c = server_protocol_choice(990, ours_all);
    CHECK(c.data_v2);
    CHECK(c.tls_ekm);
    CHECK(c.cc_exit);
    CHECK(c.dyn_tls_crypt);
    CHECK(c.push_early);
    CHECK(protocol_push_options(c) == std::vector<std::string>{"protocol-flags cc-exit tls-ekm dyn-tls-crypt"});
    // Against our minimal server: EKM without cc-exit is pushed as key-derivation.
    c = server_protocol_choice(990, ours_min);
    CHECK_FALSE(c.cc_exit);
    CHECK_FALSE(c.dyn_tls_crypt);
    CHECK(protocol_push_options(c) == std::vector<std::string>{"key-derivation tls-ekm"});
    c = server_protocol_choice(990, ours_min | kDynTlsCrypt);
    CHECK(protocol_push_options(c) == std::vector<std::string>{"key-derivation tls-ekm", "protocol-flags dyn-tls-crypt"});
    c = server_protocol_choice(kDataV2 | kCcExitNotify, ours_all);
    CHECK(protocol_push_options(c) == std::vector<std::string>{"protocol-flags cc-exit"});
    // A 2.4 client (IV_PROTO=2): peer-id only, nothing pushed for flags, PRF keys.
    c = server_protocol_choice(2, ours_all);
    CHECK(c.data_v2);
    CHECK_FALSE(c.tls_ekm);
    CHECK_FALSE(c.push_early);
    CHECK(protocol_push_options(c).empty());
    CHECK_FALSE(server_protocol_choice(0, ours_all).data_v2);
}

TEST_CASE("P2P protocol choice needs the peer's bit 5") {
    using namespace iv_proto;
    CHECK_FALSE(p2p_protocol_choice(kStock, kStock).tls_ekm);  // a pull client, not P2P
    const auto c = p2p_protocol_choice(746, kDataV2 | kTlsKeyExport);
    CHECK(c.data_v2);
    CHECK(c.tls_ekm);
    CHECK_FALSE(c.cc_exit);
    CHECK(kP2pDefaultPeerId == 0x76706e);
}

TEST_CASE("a client applying pushed protocol options") {
    using namespace iv_proto;
    ProtocolChoice c;
    std::vector<std::string> warnings;
    const unsigned ours = kDataV2 | kTlsKeyExport | kCcExitNotify;
    CHECK(apply_protocol_option({"protocol-flags", "cc-exit", "tls-ekm", "dyn-tls-crypt", "frob"}, ours, c, warnings));
    CHECK(c.cc_exit);
    CHECK(c.tls_ekm);
    CHECK_FALSE(c.dyn_tls_crypt);  // not implemented: refused, warned
    CHECK(warnings.size() == 2);
    ProtocolChoice d;
    warnings.clear();
    CHECK(apply_protocol_option({"key-derivation", "tls-ekm"}, ours, d, warnings));
    CHECK(d.tls_ekm);
    CHECK(apply_protocol_option({"key-derivation", "magic"}, ours, d, warnings));
    CHECK(warnings.size() == 1);
    CHECK_FALSE(apply_protocol_option({"route", "10.0.0.0"}, ours, d, warnings));
    CHECK_FALSE(apply_protocol_option({}, ours, d, warnings));
}
