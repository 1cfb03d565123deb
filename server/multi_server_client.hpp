#pragma once
// One client of the MultiServer (private to server/multi_server*.cpp).
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/multi_server.hpp"

namespace vpn::server {

struct MultiServer::Client {
    std::uint32_t slot = 0;
    std::uint64_t gen = 0;
    net::SockAddr addr;
    std::unique_ptr<p2p::TlsLink> link;
    ClientScriptInfo info;
    std::optional<Lease> lease;
    tun::Ipv4 vaddr{0};
    std::optional<std::pair<std::string, std::string>> ifconfig;
    std::vector<std::string> push;
    std::vector<Route> routes;
    bool admitted = false;     // authorize() let it in
    bool established = false;  // data keys up
    bool connect_ran = false;  // a client-connect script accepted it: client-disconnect runs
    std::optional<std::int64_t> wake;
    std::optional<std::string> end_reason;  // ending requested (kill, duplicate-cn)
};

}  // namespace vpn::server
