#pragma once
// Shared by test_pulled_options.cpp and test_route_plan.cpp: the reference runs of a
// stock 2.6.14 client in tests/vectors/openvpn/pull/ (see its README).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "client/pulled_options.hpp"
#include "common/openvpn/push_reply.hpp"

namespace pull_test {

inline const std::string kDir = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/pull/";

inline std::vector<std::string> read_lines(const std::string& file) {
    std::ifstream in(kDir + file);
    REQUIRE_MESSAGE(in.good(), "cannot open " << kDir + file);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

// The PUSH_REPLY text a 2.6 client logged ("PUSH: Received control message: '...'").
inline std::string logged_push_reply(const std::string& file) {
    const std::string tag = "PUSH: Received control message: '";
    for (const auto& l : read_lines(file)) {
        auto at = l.find(tag);
        if (at != std::string::npos) return l.substr(at + tag.size(), l.size() - at - tag.size() - 1);
    }
    FAIL("no PUSH_REPLY in " << file);
    return {};
}

inline constexpr unsigned kAllProto = vpn::ovpn::iv_proto::kTlsKeyExport | vpn::ovpn::iv_proto::kCcExitNotify |
                                      vpn::ovpn::iv_proto::kDynTlsCrypt;

inline vpn::client::PullPolicy policy() {
    vpn::client::PullPolicy p;
    p.implemented_iv_proto = kAllProto;
    return p;
}

// PUSH_REPLY text -> parse_pulled_options; the reply itself must be well formed.
inline vpn::client::PullResult pull(const std::string& reply, std::vector<std::string>& warnings,
                                    const vpn::client::PullPolicy& p = policy()) {
    auto r = vpn::ovpn::parse_push_reply(reply);
    REQUIRE_MESSAGE(r.ok, r.error);
    return vpn::client::parse_pulled_options(r.reply.options, p, warnings);
}

}  // namespace pull_test
