// server / server-bridge / ifconfig-pool... (directives_pool.cpp, validate_pool.cpp).
// Expected values are what stock OpenVPN 2.6.14 printed at verb 4 for the same
// config (ifconfig_local, ifconfig_remote_netmask, ifconfig_pool_*, push_entry, route).
#include <doctest/doctest.h>

#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::err;
using config_test::has;
using config_test::opts;
using config_test::warnings;

namespace {

const std::string kPki = "ca ca.crt\ncert s.crt\nkey s.key\n";

std::string ip(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." + std::to_string((a >> 8) & 0xff) +
           "." + std::to_string(a & 0xff);
}

struct Expanded {
    std::string local, remote, start, end, netmask;
    bool pool;
    std::vector<std::string> push;
    std::vector<std::string> routes;  // "NET/MASK"
};

void check(const std::string& conf, const Expanded& e) {
    Options o = opts(conf + kPki);
    CHECK(o.mode == Mode::Server);
    CHECK(o.tls.server);
    CHECK(o.ifconfig_local.value_or("[UNDEF]") == e.local);
    CHECK(o.ifconfig_remote.value_or("[UNDEF]") == e.remote);
    CHECK(o.server.pool_defined == e.pool);
    CHECK(ip(o.server.pool_start) == e.start);
    CHECK(ip(o.server.pool_end) == e.end);
    CHECK(ip(o.server.pool_netmask) == e.netmask);
    CHECK(o.push == e.push);
    std::vector<std::string> routes;
    for (const Route& r : o.routes) routes.push_back(r.network + "/" + r.netmask);
    CHECK(routes == e.routes);
}

}  // namespace

TEST_CASE("server 10.8.0.0/24 per topology, as stock 2.6 expands it") {
    check("dev tun\nserver 10.8.0.0 255.255.255.0\n",
          {"10.8.0.1", "10.8.0.2", "10.8.0.4", "10.8.0.251", "0.0.0.0", true, {"route 10.8.0.1", "topology net30"},
           {"10.8.0.0/255.255.255.0"}});
    check("dev tun\ntopology p2p\nserver 10.8.0.0 255.255.255.0\n",
          {"10.8.0.1", "10.8.0.2", "10.8.0.4", "10.8.0.251", "0.0.0.0", true, {"topology p2p"},
           {"10.8.0.0/255.255.255.0"}});
    check("dev tun\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n",
          {"10.8.0.1", "255.255.255.0", "10.8.0.2", "10.8.0.254", "255.255.255.0", true,
           {"route-gateway 10.8.0.1", "topology subnet"}, {}});
    Options o = opts("dev tun\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n" + kPki);
    CHECK(o.server.route_gateway.value_or("") == "10.8.0.2");
    // tap: no topology push, whatever the topology
    check("dev tap\nserver 10.8.0.0 255.255.255.0\n",
          {"10.8.0.1", "255.255.255.0", "10.8.0.2", "10.8.0.254", "255.255.255.0", true, {"route-gateway 10.8.0.1"}, {}});
    check("dev tap\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n",
          {"10.8.0.1", "255.255.255.0", "10.8.0.2", "10.8.0.254", "255.255.255.0", true, {"route-gateway 10.8.0.1"}, {}});
}

TEST_CASE("server /16, /29, nopool, client-to-client and keepalive ordering") {
    check("dev tun\nserver 10.9.0.0 255.255.0.0\n",
          {"10.9.0.1", "10.9.0.2", "10.9.0.4", "10.9.255.251", "0.0.0.0", true, {"route 10.9.0.1", "topology net30"},
           {"10.9.0.0/255.255.0.0"}});
    check("dev tun\ntopology subnet\nserver 10.9.0.0 255.255.0.0\n",
          {"10.9.0.1", "255.255.0.0", "10.9.0.2", "10.9.255.254", "255.255.0.0", true,
           {"route-gateway 10.9.0.1", "topology subnet"}, {}});
    check("dev tun\nserver 10.8.0.0 255.255.255.0 nopool\n",
          {"10.8.0.1", "10.8.0.2", "0.0.0.0", "0.0.0.0", "0.0.0.0", false, {"route 10.8.0.1", "topology net30"},
           {"10.8.0.0/255.255.255.0"}});
    check("dev tun\ntopology subnet\nserver 10.8.0.0 255.255.255.0 nopool\n",
          {"10.8.0.1", "255.255.255.0", "0.0.0.0", "0.0.0.0", "255.255.255.0", false,
           {"route-gateway 10.8.0.1", "topology subnet"}, {}});
    check("dev tun\ntopology subnet\nserver 10.8.0.0 255.255.255.248\n",
          {"10.8.0.1", "255.255.255.248", "10.8.0.2", "10.8.0.6", "255.255.255.248", true,
           {"route-gateway 10.8.0.1", "topology subnet"}, {}});
    check("dev tun\nclient-to-client\npush \"dhcp-option DNS 1.1.1.1\"\nkeepalive 10 60\nserver 10.8.0.0 255.255.255.0\n",
          {"10.8.0.1", "10.8.0.2", "10.8.0.4", "10.8.0.251", "0.0.0.0", true,
           {"dhcp-option DNS 1.1.1.1", "route 10.8.0.0 255.255.255.0", "topology net30", "ping 10", "ping-restart 60"},
           {"10.8.0.0/255.255.255.0"}});
    check("dev tun\ntopology p2p\nclient-to-client\nserver 10.8.0.0 255.255.255.0\n",
          {"10.8.0.1", "10.8.0.2", "10.8.0.4", "10.8.0.251", "0.0.0.0", true,
           {"route 10.8.0.0 255.255.255.0", "topology p2p"}, {"10.8.0.0/255.255.255.0"}});
    // 2.6: net30 + /29 gives a one-slot pool: "IPv4 pool size is too small (1)" at start
    CHECK(has(err("dev tun\nserver 10.8.0.0 255.255.255.248\n" + kPki), "expected at least 2"));
    CHECK(has(warnings("dev tun\nserver 10.8.0.0 255.255.255.0\n" + kPki)[0], "net30"));
}

TEST_CASE("server-bridge forms") {
    check("dev tap\nserver-bridge 10.8.0.4 255.255.255.0 10.8.0.128 10.8.0.254\n",
          {"[UNDEF]", "[UNDEF]", "10.8.0.128", "10.8.0.254", "255.255.255.0", true, {"route-gateway 10.8.0.4"}, {}});
    check("dev tap\nserver-bridge\n",
          {"[UNDEF]", "[UNDEF]", "0.0.0.0", "0.0.0.0", "0.0.0.0", false, {"route-gateway dhcp"}, {}});
    check("dev tap\nserver-bridge nogw\n", {"[UNDEF]", "[UNDEF]", "0.0.0.0", "0.0.0.0", "0.0.0.0", false, {}, {}});
    CHECK(has(err("dev tun\nserver-bridge\n" + kPki), "only makes sense with dev tap"));
    CHECK(has(err("dev tap\nserver-bridge 10.8.0.4 255.255.255.0 10.8.1.128 10.8.0.254\n" + kPki),
              "10.8.0.4 and 10.8.1.128 are not in the same 255.255.255.0 subnet"));
    CHECK(has(err("dev tap\nserver-bridge 10.8.0.4 255.255.255.0 10.8.0.200 10.8.0.100\n" + kPki), "greater"));
    CHECK(has(err("dev tap\nserver 10.8.0.0 255.255.255.0\nserver-bridge\n" + kPki), "cannot be used together"));
}

TEST_CASE("server errors, as stock 2.6 refuses them") {
    CHECK(has(err("dev tun\nserver 10.8.0.0 255.255.255.0\nclient\nremote x\n" + kPki), "cannot be used together"));
    CHECK(has(err("dev tun\nserver 10.8.0.0 255.254.0.0\n" + kPki), "too many host addresses"));
    CHECK(has(err("dev tun\nserver 10.8.0.0 255.255.255.252\n" + kPki), "/29"));
    CHECK(has(err("dev tap\nserver 10.8.0.0 255.255.255.254\n" + kPki), "/30"));
    CHECK(has(err("dev tun\nserver 10.8.0.1 255.255.255.0\n" + kPki), "not a network"));
    CHECK(has(err("dev tun\nserver 10.8.0.0 255.0.255.0\n" + kPki), "not a network"));
    CHECK(has(err("dev tun\nserver 0.0.0.0 255.255.255.0\n" + kPki), "0.0.0.0"));
    CHECK(has(err("dev tun\nserver 10.8.0.0 255.255.255.0 foo\n" + kPki), "not a recognized flag"));
    CHECK(err("dev tun\n\nserver 10.8.0.0 255.255.255.0\nifconfig-pool 10.8.0.4 10.8.0.100\n" + kPki)
              .starts_with("test.conf:4: 'server' already defines an ifconfig-pool"));
    CHECK(has(err("dev tun\nsecret s.key\nserver 10.8.0.0 255.255.255.0\n"), "'secret'"));
    CHECK(has(err("dev tun\nserver 10.8.0.0 255.255.255.0\ntls-client\n" + kPki), "cannot be used together"));
    // nopool + an explicit pool is fine (stock printed 10.8.0.4 - 10.8.0.100)
    Options o = opts("dev tun\nserver 10.8.0.0 255.255.255.0 nopool\nifconfig-pool 10.8.0.4 10.8.0.100\n" + kPki);
    CHECK(ip(o.server.pool_start) == "10.8.0.4");
    CHECK(ip(o.server.pool_end) == "10.8.0.100");
}

TEST_CASE("ifconfig-pool, ifconfig-pool-persist, client-to-client, duplicate-cn, max-clients") {
    const std::string srv = "dev tun\nmode server\ntls-server\nifconfig 10.8.0.1 10.8.0.2\n" + kPki;
    Options o = opts("ifconfig-pool 10.8.0.4 10.8.0.255\nifconfig-pool-persist ipp.txt 0\nmax-clients 10\n"
                     "duplicate-cn\n" + srv);
    CHECK(o.server.pool_defined);
    CHECK(ip(o.server.pool_start) == "10.8.0.4");
    CHECK(ip(o.server.pool_end) == "10.8.0.255");
    CHECK(o.server.pool_persist_file.value_or("").ends_with("/ipp.txt"));
    CHECK(o.server.pool_persist_seconds == 0);
    CHECK(o.server.max_clients == 10);
    CHECK(o.server.duplicate_cn);
    CHECK(has(warnings("ifconfig-pool 10.8.0.4 10.8.0.255\nifconfig-pool-persist ipp.txt 0\nduplicate-cn\n" + srv)[0],
              "duplicate-cn"));
    Options d = opts(srv);
    CHECK(d.server.max_clients == 1024);
    CHECK(d.server.pool_persist_seconds == 600);
    CHECK_FALSE(d.server.client_to_client);
    CHECK(opts("client-to-client\n" + srv).server.client_to_client);
    CHECK(has(err("ifconfig-pool 10.8.0.4 10.8.0.100\ndev tun\n"), "requires 'mode server'"));
    CHECK(has(err("client-to-client\ndev tun\n"), "requires 'mode server'"));
    CHECK(has(err("duplicate-cn\ndev tun\n"), "requires 'mode server'"));
    CHECK(has(err("ifconfig-pool-persist x.txt\n" + srv), "must be used with an ifconfig-pool"));
    CHECK(has(err("ifconfig-pool 10.8.0.4 10.8.0.8 255.255.255.0\n" + srv), "only valid with dev tap"));
    CHECK(has(err("ifconfig-pool 10.0.0.0 10.1.0.0\n" + srv), "too large"));
    CHECK(has(err("ifconfig-pool 10.0.0.9 10.0.0.8\n" + srv), "greater"));
    CHECK(has(err("max-clients 0\n" + srv), "max-clients"));
    CHECK(has(err("max-clients 16777215\n" + srv), "max-clients"));
    CHECK(has(err("max-clients abc\n" + srv), "max-clients"));
    // the one-client server of before keeps working
    Options one = opts("ifconfig-push 10.8.0.6 10.8.0.5\n" + srv);
    CHECK(one.ifconfig_push);
    CHECK_FALSE(one.server.pool_defined);
}
