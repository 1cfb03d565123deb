#include "common/openvpn/protocol_flags.hpp"

namespace vpn::ovpn {
namespace {

constexpr unsigned kPullOnly = iv_proto::kRequestPush | iv_proto::kAuthPendingKw | iv_proto::kAuthFailTemp;
constexpr unsigned kKnown = iv_proto::kDataV2 | iv_proto::kRequestPush | iv_proto::kTlsKeyExport |
                            iv_proto::kAuthPendingKw | iv_proto::kNcpP2p | iv_proto::kDnsOption |
                            iv_proto::kCcExitNotify | iv_proto::kAuthFailTemp | iv_proto::kDynTlsCrypt;

ProtocolChoice shared(unsigned peer, unsigned ours) {
    const unsigned both = peer & ours;
    ProtocolChoice c;
    c.data_v2 = (both & iv_proto::kDataV2) != 0;
    c.tls_ekm = (both & iv_proto::kTlsKeyExport) != 0;
    c.cc_exit = (both & iv_proto::kCcExitNotify) != 0;
    c.dyn_tls_crypt = (both & iv_proto::kDynTlsCrypt) != 0;
    return c;
}

}  // namespace

unsigned announced_iv_proto(PeerInfoMode mode, unsigned implemented) {
    unsigned bits = implemented & kKnown & ~iv_proto::kNcpP2p;
    switch (mode) {
        case PeerInfoMode::P2mpServer: return 0;
        case PeerInfoMode::Pull: break;
        case PeerInfoMode::P2p: bits = (bits & ~kPullOnly) | iv_proto::kNcpP2p; break;
    }
    // ssl.h: anyone announcing a flag must announce DATA_V2 too (old peers test
    // IV_PROTO >= 2 for it).
    return bits ? bits | iv_proto::kDataV2 : 0;
}

ProtocolChoice server_protocol_choice(unsigned client_iv_proto, unsigned implemented) {
    ProtocolChoice c = shared(client_iv_proto, implemented);
    c.push_early = (client_iv_proto & implemented & iv_proto::kRequestPush) != 0;
    return c;
}

ProtocolChoice p2p_protocol_choice(unsigned peer_iv_proto, unsigned implemented) {
    if (!(peer_iv_proto & iv_proto::kNcpP2p)) return {};
    return shared(peer_iv_proto, implemented);
}

std::vector<std::string> protocol_push_options(const ProtocolChoice& c) {
    std::vector<std::string> out;
    std::string flags;
    // push.c: prepare_push_reply -- tls-ekm rides in protocol-flags only for cc-exit
    // clients (the flag arrived with the same release); others get key-derivation.
    if (c.cc_exit) {
        flags += " cc-exit";
        if (c.tls_ekm) flags += " tls-ekm";
    } else if (c.tls_ekm) {
        out.emplace_back("key-derivation tls-ekm");
    }
    if (c.dyn_tls_crypt) flags += " dyn-tls-crypt";
    if (!flags.empty()) out.push_back("protocol-flags" + flags);
    return out;
}

bool apply_protocol_option(const std::vector<std::string>& words, unsigned implemented, ProtocolChoice& into,
                           std::vector<std::string>& warnings) {
    if (words.empty()) return false;
    auto set = [&](std::string_view flag, unsigned bit, bool& field) {
        if (implemented & bit)
            field = true;
        else
            warnings.push_back("Pushed protocol flag " + std::string(flag) + " is not supported; ignored");
    };
    if (words[0] == "key-derivation") {
        if (words.size() < 2) {
            warnings.push_back("key-derivation needs a method");
            return true;
        }
        if (words[1] == "tls-ekm")
            set("tls-ekm", iv_proto::kTlsKeyExport, into.tls_ekm);
        else
            warnings.push_back("Unknown key-derivation method " + words[1]);
        return true;
    }
    if (words[0] == "protocol-flags") {
        for (std::size_t i = 1; i < words.size(); ++i) {
            if (words[i] == "cc-exit")
                set("cc-exit", iv_proto::kCcExitNotify, into.cc_exit);
            else if (words[i] == "tls-ekm")
                set("tls-ekm", iv_proto::kTlsKeyExport, into.tls_ekm);
            else if (words[i] == "dyn-tls-crypt")
                set("dyn-tls-crypt", iv_proto::kDynTlsCrypt, into.dyn_tls_crypt);
            else
                warnings.push_back("Unknown protocol-flags flag: " + words[i]);
        }
        return true;
    }
    return false;
}

}  // namespace vpn::ovpn
