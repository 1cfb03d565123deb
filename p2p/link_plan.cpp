#include "p2p/link_plan.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"

namespace vpn::p2p {
namespace {

net::Want want_of(config::Family f) {
    return f == config::Family::V4 ? net::Want::V4 : f == config::Family::V6 ? net::Want::V6 : net::Want::Any;
}

}  // namespace

std::optional<net::SockAddr> resolve_remote(const LinkPlan& plan) {
    if (plan.remote_host.empty()) return std::nullopt;
    std::string err;
    auto addrs = net::resolve(plan.remote_host, plan.remote_port, plan.want, false, &err);
    if (addrs.empty()) {
        log::warn("RESOLVE: cannot resolve host address: {}:{}: {}", plan.remote_host, plan.remote_port, err);
        return std::nullopt;
    }
    for (const auto& a : addrs) {
        if (a.family() == plan.family) return a;
        if (plan.family == AF_INET6 && !plan.v6only && a.family() == AF_INET) return net::to_v4_mapped(a);
    }
    log::warn("RESOLVE: {} has no address of the link's family", plan.remote_host);
    return std::nullopt;
}

bool next_remote(LinkPlan& plan) {
    if (plan.remotes.size() < 2) return true;
    plan.remote_index = (plan.remote_index + 1) % plan.remotes.size();
    const auto& r = plan.remotes[plan.remote_index];
    plan.remote_host = r.host;
    plan.remote_port = r.port;
    plan.want = r.want;
    plan.remote = resolve_remote(plan);
    return plan.remote_index == 0;
}

LinkPlan plan_link(const config::Options& o) {
    LinkPlan p;
    p.proto = o.proto;
    p.float_remote = o.float_remote;
    p.want = want_of(o.family);
    p.connect_retry = o.connect.connect_retry;
    p.connect_retry_max_wait = o.connect.connect_retry_max_wait;
    p.connect_retry_max = o.connect.connect_retry_max;
    if (!o.remotes.empty()) {
        const auto& r = o.remotes.front();
        p.remote_host = r.host;
        p.remote_port = r.port.value_or(o.rport);
        if (r.proto) p.proto = *r.proto;
        if (r.family) p.want = want_of(*r.family);
        // One socket serves every remote: lines with another protocol or family than
        // the first are skipped (2.6 would reopen its socket; we say so instead).
        for (const auto& x : o.remotes) {
            if (x.proto.value_or(o.proto) != p.proto ||
                (x.family && want_of(*x.family) != p.want && p.want != net::Want::Any)) {
                log::warn("WARNING: remote {}: another protocol or family than the first remote; skipped", x.host);
                continue;
            }
            p.remotes.push_back({x.host, x.port.value_or(o.rport), x.family ? want_of(*x.family) : p.want});
        }
        if (o.connect.remote_random && p.remotes.size() > 1) {
            std::random_device rd;
            std::shuffle(p.remotes.begin(), p.remotes.end(), std::mt19937(rd()));
            p.remote_host = p.remotes.front().host;
            p.remote_port = p.remotes.front().port;
        }
    }
    // The socket family: pinned by udp4/udp6, else the remote's, else dual-stack.
    if (p.want == net::Want::V4) {
        p.family = AF_INET;
    } else if (p.want == net::Want::V6) {
        p.family = AF_INET6;
        p.v6only = true;
    } else {
        p.family = AF_INET6;
        if (!p.remote_host.empty()) {
            std::string err;
            auto addrs = net::resolve(p.remote_host, p.remote_port, net::Want::Any, false, &err);
            if (!addrs.empty() && addrs.front().family() == AF_INET) p.family = AF_INET;
        }
        if (o.local) {
            std::string err;
            auto addrs = net::resolve(*o.local, o.lport, net::Want::Any, true, &err);
            if (!addrs.empty() && addrs.front().family() == AF_INET) p.family = AF_INET;
        }
    }
    p.bind = !o.nobind || p.proto == config::Proto::TcpServer;
    if (o.local) {
        std::string err;
        auto addrs = net::resolve(*o.local, o.lport, p.family == AF_INET ? net::Want::V4 : net::Want::V6, true, &err);
        if (addrs.empty()) throw std::runtime_error(fmt::format("cannot resolve local address '{}': {}", *o.local, err));
        p.local = addrs.front();
    } else {
        p.local = net::any_address(p.family, o.lport);
    }
    p.remote = resolve_remote(p);
    return p;
}

}  // namespace vpn::p2p
