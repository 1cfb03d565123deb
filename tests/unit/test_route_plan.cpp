// Route plans and the up-script environment, checked against what a stock 2.6.14 client
// did with the same push (tests/vectors/openvpn/pull/: its net_addr_*/net_route_* calls
// and its up script's environment).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "client/route_plan.hpp"
#include "client/script_env.hpp"
#include "test_pull_support.hpp"

using namespace vpn::client;
using pull_test::pull;
using vpn::tun::Ipv4;
using vpn::tun::parse_ipv4;

namespace {

Ipv4 ip(const char* s) { return *parse_ipv4(s); }

std::vector<std::string> describe(const std::vector<RouteAction>& actions) {
    std::vector<std::string> out;
    for (const auto& a : actions) out.push_back(a.describe());
    return out;
}

// 2.6's kernel calls from a log, in our describe() words:
//   "net_route_v4_add: 0.0.0.0/1 via 10.8.0.1 dev [NULL] table 0 metric -1" -> "route add 0.0.0.0/1 via 10.8.0.1"
//   "net_addr_ptp_v4_add: 10.8.0.6 peer 10.8.0.5 dev tuncli"              -> "address add 10.8.0.6 peer 10.8.0.5"
//   "net_addr_v4_add: 10.8.0.2/24 dev tuncli"                               -> "address add 10.8.0.2/24"
std::vector<std::string> stock_calls(const std::string& log, const std::string& verb) {
    std::vector<std::string> out;
    for (const auto& l : pull_test::read_lines(log)) {
        auto colon = l.find(": ");
        if (colon == std::string::npos) continue;
        const std::string call = l.substr(0, colon);
        std::string rest = l.substr(colon + 2);
        rest = rest.substr(0, rest.find(" dev "));
        if (call == "net_route_v4_" + verb) {
            std::string line = "route " + verb + " " + rest;
            auto m = l.find(" metric ");
            if (m != std::string::npos && l.substr(m + 8) != "-1") line += " metric " + l.substr(m + 8);
            out.push_back(line);
        } else if (call == "net_addr_ptp_v4_" + verb || call == "net_addr_v4_" + verb) {
            out.push_back("address " + verb + " " + rest);
        }
    }
    return out;
}

// The variables of a stock up-script dump that script_environment() is responsible for.
std::map<std::string, std::string> stock_env(const std::string& file) {
    std::map<std::string, std::string> env;
    for (const auto& l : pull_test::read_lines(file)) {
        const std::string name = l.substr(0, l.find('='));
        const bool ours = name.rfind("ifconfig_", 0) == 0 || name.rfind("route_", 0) == 0 ||
                          name.rfind("foreign_option_", 0) == 0 || name.rfind("OPENVPN_", 0) == 0;
        if (ours) env[name] = l.substr(name.size() + 1);
    }
    return env;
}

std::map<std::string, std::string> as_map(const std::vector<std::pair<std::string, std::string>>& env) {
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : env) {
        CHECK_MESSAGE(m.count(k) == 0, "duplicate " << k);
        m[k] = v;
    }
    return m;
}

// The reference runs: server 127.0.0.1, default route via 192.0.2.254 on a veth.
LocalRoutes stock_host() {
    LocalRoutes l;
    l.server = ip("127.0.0.1");
    l.net_gateway = ip("192.0.2.254");
    return l;
}

PulledOptions pulled(const std::string& reply) {
    std::vector<std::string> w;
    auto r = pull(reply, w);
    REQUIRE_MESSAGE(r.ok, r.error);
    return r.options;
}

}  // namespace

TEST_CASE("route plan: stock 2.6 net30 push, calls as 2.6 made them") {
    const PulledOptions p = pulled(pull_test::logged_push_reply("net30-client.log"));
    const RoutePlan plan = plan_routes(p, stock_host());
    CHECK(plan.warnings.empty());
    const std::vector<std::string> setup = {
        "mtu 1500",
        "link up",
        "address add 10.8.0.6 peer 10.8.0.5",
        "route add 127.0.0.1/32 via 192.0.2.254",
        "route add 0.0.0.0/1 via 10.8.0.5",
        "route add 128.0.0.0/1 via 10.8.0.5",
        "route add 192.168.50.0/24 via 10.8.0.5",
        "route add 172.16.0.0/12 via 192.0.2.254 metric 5",
        "route add 10.8.0.1/32 via 10.8.0.5",
    };
    CHECK(describe(plan.setup) == setup);
    CHECK(plan.first_route == 3);
    // Same calls, same order as the stock client.
    const std::vector<std::string> from_stock(setup.begin() + 2, setup.end());
    CHECK(stock_calls("net30-client.log", "add") == from_stock);
    // Teardown: ours is the exact reverse; 2.6 removes the same set (in another order).
    const std::vector<std::string> teardown = {
        "route del 10.8.0.1/32 via 10.8.0.5",
        "route del 172.16.0.0/12 via 192.0.2.254 metric 5",
        "route del 192.168.50.0/24 via 10.8.0.5",
        "route del 128.0.0.0/1 via 10.8.0.5",
        "route del 0.0.0.0/1 via 10.8.0.5",
        "route del 127.0.0.1/32 via 192.0.2.254",
        "address del 10.8.0.6 peer 10.8.0.5",
    };
    CHECK(describe(plan.teardown) == teardown);
    auto stock_del = stock_calls("net30-client.log", "del");
    auto ours = teardown;
    std::sort(stock_del.begin(), stock_del.end());
    std::sort(ours.begin(), ours.end());
    REQUIRE(stock_del.size() == ours.size());
    // 2.6 logs "net_addr_ptp_v4_del: 10.8.0.6 dev tuncli" without the peer.
    for (std::size_t i = 0; i < ours.size(); ++i) CHECK(ours[i].rfind(stock_del[i], 0) == 0);
}

TEST_CASE("route plan: stock 2.6 net30 up-script environment, exactly") {
    const PulledOptions p = pulled(pull_test::logged_push_reply("net30-client.log"));
    const RoutePlan plan = plan_routes(p, stock_host());
    CHECK(as_map(script_environment(p, plan)) == stock_env("net30-up-env.txt"));
}

TEST_CASE("route plan: stock 2.6 subnet push with route-metric and setenv-safe") {
    std::vector<std::string> w;
    auto r = pull(pull_test::logged_push_reply("subnet-client.log"), w);
    REQUIRE(r.ok);
    const RoutePlan plan = plan_routes(r.options, stock_host());
    CHECK(plan.warnings.empty());
    const std::vector<std::string> setup = {
        "mtu 1500",
        "link up",
        "address add 10.8.0.2/24",
        "route add 127.0.0.1/32 via 192.0.2.254",
        "route add 0.0.0.0/1 via 10.8.0.1",
        "route add 128.0.0.0/1 via 10.8.0.1",
        "route add 192.168.50.0/24 via 10.8.0.1 metric 7",  // route-metric 7; the /1 routes keep none
        "route add 172.16.0.0/12 via 192.0.2.254 metric 5",
    };
    CHECK(describe(plan.setup) == setup);
    CHECK(stock_calls("subnet-client.log", "add") == std::vector<std::string>(setup.begin() + 2, setup.end()));
    CHECK(as_map(script_environment(r.options, plan)) == stock_env("subnet-up-env.txt"));
}

TEST_CASE("route plan: the observed subnet push sets an address and nothing else") {
    const PulledOptions p = pulled(
        "PUSH_REPLY,route-gateway 10.99.0.1,topology subnet,ping 10,ping-restart 60,ifconfig 10.99.0.2 "
        "255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500");
    LocalRoutes l;
    l.server = ip("198.51.100.7");
    l.net_gateway = ip("192.168.1.1");
    const RoutePlan plan = plan_routes(p, l);
    CHECK(describe(plan.setup) == std::vector<std::string>{"mtu 1500", "link up", "address add 10.99.0.2/24"});
    CHECK(describe(plan.teardown) == std::vector<std::string>{"address del 10.99.0.2/24"});
    const std::vector<std::pair<std::string, std::string>> env = {
        {"ifconfig_local", "10.99.0.2"},
        {"ifconfig_netmask", "255.255.255.0"},
        {"route_vpn_gateway", "10.99.0.1"},
        {"route_net_gateway", "192.168.1.1"},
    };
    CHECK(script_environment(p, plan) == env);
}

TEST_CASE("route plan: redirect-gateway def1, exact, and its variants") {
    LocalRoutes l;
    l.server = ip("198.51.100.7");
    l.net_gateway = ip("192.168.1.1");
    l.config_tun_mtu = 1400;
    const std::string base = "PUSH_REPLY,topology net30,ifconfig 10.8.0.6 10.8.0.5,";

    RoutePlan plan = plan_routes(pulled(base + "redirect-gateway def1"), l);
    CHECK(plan.warnings.empty());
    CHECK(describe(plan.setup) == std::vector<std::string>{"mtu 1400", "link up", "address add 10.8.0.6 peer 10.8.0.5",
                                                           "route add 198.51.100.7/32 via 192.168.1.1",
                                                           "route add 0.0.0.0/1 via 10.8.0.5",
                                                           "route add 128.0.0.0/1 via 10.8.0.5"});
    CHECK(describe(plan.teardown) == std::vector<std::string>{"route del 128.0.0.0/1 via 10.8.0.5",
                                                              "route del 0.0.0.0/1 via 10.8.0.5",
                                                              "route del 198.51.100.7/32 via 192.168.1.1",
                                                              "address del 10.8.0.6 peer 10.8.0.5"});

    SUBCASE("local: no host route to the server") {
        plan = plan_routes(pulled(base + "redirect-gateway def1 local"), l);
        CHECK(describe(plan.setup) == std::vector<std::string>{"mtu 1400", "link up",
                                                               "address add 10.8.0.6 peer 10.8.0.5",
                                                               "route add 0.0.0.0/1 via 10.8.0.5",
                                                               "route add 128.0.0.0/1 via 10.8.0.5"});
    }
    SUBCASE("autolocal follows whether the server is on a local subnet") {
        l.server_on_link = true;
        plan = plan_routes(pulled(base + "redirect-gateway def1 autolocal"), l);
        CHECK(plan.setup.size() == 5);
        l.server_on_link = false;
        plan = plan_routes(pulled(base + "redirect-gateway def1 autolocal"), l);
        CHECK(plan.setup.size() == 6);
    }
    SUBCASE("no default gateway: no redirect at all, as 2.6") {
        l.net_gateway.reset();
        plan = plan_routes(pulled(base + "redirect-gateway def1"), l);
        CHECK(plan.setup.size() == 3);
        CHECK(plan.warnings == std::vector<std::string>{
                                   "NOTE: unable to redirect IPv4 default gateway -- Cannot read current default "
                                   "gateway from system"});
    }
    SUBCASE("no vpn gateway (subnet without route-gateway)") {
        plan = plan_routes(pulled("PUSH_REPLY,topology subnet,ifconfig 10.8.0.2 255.255.255.0,redirect-gateway def1,"
                                  "route 10.9.0.0 255.255.0.0"),
                           l);
        CHECK(plan.setup.size() == 3);
        CHECK(plan.warnings == std::vector<std::string>{
                                   "NOTE: unable to redirect IPv4 default gateway -- VPN gateway parameter "
                                   "(--route-gateway or --ifconfig) is missing",
                                   "ROUTE: failed to parse/resolve route for host/network: 10.9.0.0 (no "
                                   "--route-gateway or --ifconfig peer)"});
        CHECK(plan.routes.empty());
    }
    SUBCASE("without def1 the same two routes, with a warning") {
        plan = plan_routes(pulled(base + "redirect-gateway"), l);
        CHECK(plan.setup.size() == 6);
        CHECK(plan.warnings.size() == 1);
    }
    SUBCASE("an IPv6 server gets no host route") {
        l.server.reset();
        plan = plan_routes(pulled(base + "redirect-gateway def1"), l);
        CHECK(describe(plan.setup).back() == "route add 128.0.0.0/1 via 10.8.0.5");
        CHECK(plan.setup.size() == 5);
    }
}

TEST_CASE("route plan: route gateways and special addresses") {
    LocalRoutes l;
    l.server = ip("198.51.100.7");
    std::string err;
    vpn::config::Route cr;
    cr.network = "10.50.0.0";
    cr.netmask = "255.255.0.0";
    cr.metric = 3;
    auto spec = route_spec_from_config(cr, err);
    REQUIRE(spec);
    l.config_routes.push_back(*spec);
    const RoutePlan plan = plan_routes(
        pulled("PUSH_REPLY,topology p2p,ifconfig 10.8.0.2 10.8.0.1,route-gateway 10.8.0.9,"
               "route remote_host 255.255.255.255 net_gateway,route 10.60.0.0 255.255.0.0 vpn_gateway,"
               "route 10.70.0.0 255.255.0.0 10.8.0.1"),
        l);
    // route-gateway beats the p2p peer; net_gateway is unknown here, so that route is skipped.
    CHECK(describe(plan.setup) == std::vector<std::string>{"mtu 1500", "link up", "address add 10.8.0.2 peer 10.8.0.1",
                                                           "route add 10.50.0.0/16 via 10.8.0.9 metric 3",
                                                           "route add 10.60.0.0/16 via 10.8.0.9",
                                                           "route add 10.70.0.0/16 via 10.8.0.1"});
    CHECK(plan.warnings == std::vector<std::string>{
                               "ROUTE: failed to parse/resolve route for host/network: remote_host (gateway undefined)"});
    REQUIRE(plan.routes.size() == 3);  // env numbering counts only what resolved
    const auto env = as_map(script_environment(pulled("PUSH_REPLY,topology p2p,ifconfig 10.8.0.2 10.8.0.1"), plan));
    CHECK(env.at("route_network_1") == "10.50.0.0");
    CHECK(env.at("route_metric_1") == "3");
    CHECK(env.at("route_gateway_3") == "10.8.0.1");
    CHECK(env.count("route_metric_2") == 0);
    CHECK(env.at("ifconfig_remote") == "10.8.0.1");
}

TEST_CASE("route plan: config routes must be resolved first") {
    std::string err;
    vpn::config::Route r;
    r.network = "intranet.example.com";
    CHECK_FALSE(route_spec_from_config(r, err));
    CHECK(err == "route intranet.example.com: host names must be resolved before planning routes");
    r.network = "10.1.2.0";
    r.netmask = "255.255.255.0";
    r.gateway = "net_gateway";
    auto s = route_spec_from_config(r, err);
    REQUIRE(s);
    CHECK(s->gateway->kind == AddrRef::Kind::NetGateway);
}

TEST_CASE("route plan: tap and pushed tun-mtu") {
    LocalRoutes l;
    l.tap = true;
    const PulledOptions p = pulled("PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0,route-gateway 10.8.0.1,tun-mtu 1400,"
                                   "topology subnet");
    const RoutePlan plan = plan_routes(p, l);
    CHECK(describe(plan.setup) == std::vector<std::string>{"mtu 1400", "link up", "address add 10.8.0.2/24"});
    CHECK_FALSE(plan.point_to_point);
}

TEST_CASE("route plan: no ifconfig pushed, no address") {
    const RoutePlan plan = plan_routes(pulled("PUSH_REPLY,ping 10"), LocalRoutes{});
    CHECK(describe(plan.setup) == std::vector<std::string>{"mtu 1500", "link up"});
    CHECK(plan.teardown.empty());
    CHECK(script_environment(PulledOptions{}, plan).empty());
}

TEST_CASE("route plan: hostile pushes (fixed-seed garbage) keep the invariants") {
    const std::vector<std::string> names = {"ifconfig", "route", "route-gateway", "topology", "redirect-gateway",
                                            "dhcp-option", "peer-id", "tun-mtu", "comp-lzo", "compress", "ping",
                                            "setenv-safe", "route-metric", "up", "nonsense", "echo"};
    const std::vector<std::string> values = {"10.8.0.1", "255.255.255.0", "0.0.0.0", "255.255.255.255", "net30",
                                             "subnet", "def1", "local", "vpn_gateway", "net_gateway", "remote_host",
                                             "DNS", "-1", "99999999999", "", "a b", "default", "10.8.0.0", "1"};
    std::uint32_t seed = 12345;
    auto next = [&](std::size_t n) {
        seed = seed * 1103515245u + 12345u;
        return static_cast<std::size_t>((seed >> 8) % n);
    };
    LocalRoutes l;
    l.server = ip("198.51.100.7");
    l.net_gateway = ip("192.168.1.1");
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::vector<std::string>> opts;
        for (std::size_t i = 0, n = next(8); i < n; ++i) {
            std::vector<std::string> w{names[next(names.size())]};
            for (std::size_t j = 0, m = next(6); j < m; ++j) w.push_back(values[next(values.size())]);
            opts.push_back(w);
        }
        std::vector<std::string> warnings;
        const PullResult r = parse_pulled_options(opts, pull_test::policy(), warnings);
        CHECK(r.ok == r.error.empty());
        if (!r.ok) continue;
        const RoutePlan plan = plan_routes(r.options, l);
        REQUIRE(plan.setup.size() >= 2);
        CHECK(plan.teardown.size() == plan.setup.size() - 2);
        CHECK(plan.first_route <= plan.setup.size());
        for (const auto& a : plan.setup)
            if (a.kind == RouteAction::Kind::AddRoute) CHECK((a.prefix_len >= 0 && a.prefix_len <= 32));
        script_environment(r.options, plan);
    }
}
