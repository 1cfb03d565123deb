// Pulled options: stock 2.6 PUSH_REPLYs, 2.6's permission masks and refusal messages,
// every value check.  Reference runs: tests/vectors/openvpn/pull/README.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "client/import_log.hpp"
#include "client/pulled_options.hpp"
#include "client/pushed_option_rules.hpp"
#include "test_pull_support.hpp"

using namespace vpn::client;
using pull_test::pull;
using vpn::tun::format_ipv4;

namespace {

// From /work/shared/protocol/openvpn-captures/observed-logs.txt (2.6.14 server, topology subnet).
const std::string kObservedGcm =
    "PUSH_REPLY,route-gateway 10.99.0.1,topology subnet,ping 10,ping-restart 60,ifconfig 10.99.0.2 "
    "255.255.255.0,peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500";
const std::string kObservedCbc =
    "PUSH_REPLY,route-gateway 10.97.0.1,topology subnet,ping 2,ping-restart 20,ifconfig 10.97.0.2 "
    "255.255.255.0,peer-id 0,cipher AES-256-CBC,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500";

// One option pushed alone; returns the result and leaves the warnings in `w`.
PullResult one(const std::string& option, std::vector<std::string>& w, const PullPolicy& p = pull_test::policy()) {
    return pull("PUSH_REPLY," + option, w, p);
}

// The option is refused with exactly `warning` and changes nothing.
void refused(const std::string& option, const std::string& warning, const PullPolicy& p = pull_test::policy()) {
    std::vector<std::string> w;
    auto r = one(option, w, p);
    CAPTURE(option);
    REQUIRE(r.ok);
    REQUIRE(w.size() == 1);
    CHECK(w[0] == warning);
    CHECK(r.options.routes.empty());
    CHECK(r.options.dhcp_options.empty());
    CHECK_FALSE(r.options.redirect.enabled);
    CHECK(r.options.setenv.empty());
}

// A hard failure with exactly `error`.
void fails(const std::string& reply_options, const std::string& error, const PullPolicy& p = pull_test::policy()) {
    std::vector<std::string> w;
    auto r = pull("PUSH_REPLY," + reply_options, w, p);
    CAPTURE(reply_options);
    CHECK_FALSE(r.ok);
    CHECK(r.error == error);
}

}  // namespace

TEST_CASE("pulled options: the observed 2.6 subnet push (AES-256-GCM)") {
    std::vector<std::string> w;
    auto r = pull(kObservedGcm, w);
    REQUIRE(r.ok);
    CHECK(w.empty());
    const PulledOptions& o = r.options;
    CHECK(o.topology == Topology::Subnet);
    CHECK(o.effective_topology == Topology::Subnet);
    REQUIRE(o.ifconfig);
    CHECK(format_ipv4(o.ifconfig->local) == "10.99.0.2");
    CHECK(format_ipv4(o.ifconfig->remote_or_netmask) == "255.255.255.0");
    REQUIRE(o.route_gateway);
    CHECK(format_addr_ref(*o.route_gateway) == "10.99.0.1");
    CHECK(o.ping == 10);
    CHECK(o.ping_restart == 60);
    CHECK(o.peer_id == 0u);
    CHECK(o.cipher == "AES-256-GCM");
    CHECK(o.protocol_set);
    CHECK(o.protocol.cc_exit);
    CHECK(o.protocol.tls_ekm);
    CHECK(o.protocol.dyn_tls_crypt);
    CHECK(o.tun_mtu == 1500);
    CHECK(o.routes.empty());
    CHECK_FALSE(o.redirect.enabled);
    CHECK_FALSE(o.compression);
}

TEST_CASE("pulled options: the observed 2.6 subnet push (AES-256-CBC, keepalive 2 20)") {
    std::vector<std::string> w;
    auto r = pull(kObservedCbc, w);
    REQUIRE(r.ok);
    CHECK(w.empty());
    CHECK(r.options.ping == 2);
    CHECK(r.options.ping_restart == 20);
    CHECK(r.options.cipher == "AES-256-CBC");
    CHECK(format_ipv4(r.options.ifconfig->local) == "10.97.0.2");
}

TEST_CASE("pulled options: protocol flags we do not implement are not set") {
    std::vector<std::string> w;
    PullPolicy p;  // nothing implemented
    auto r = pull(kObservedGcm, w, p);
    REQUIRE(r.ok);
    CHECK_FALSE(r.options.protocol.tls_ekm);
    CHECK_FALSE(r.options.protocol.cc_exit);
    CHECK(w.size() == 3);
}

TEST_CASE("pulled options: a stock 2.6 net30 server with redirect-gateway, routes and dhcp-options") {
    std::vector<std::string> w;
    auto r = pull(pull_test::logged_push_reply("net30-client.log"), w);
    REQUIRE(r.ok);
    CHECK(w.empty());
    const PulledOptions& o = r.options;
    CHECK(o.topology == Topology::Net30);
    CHECK(format_ipv4(o.ifconfig->local) == "10.8.0.6");
    CHECK(format_ipv4(o.ifconfig->remote_or_netmask) == "10.8.0.5");
    CHECK(o.redirect.enabled);
    CHECK(o.redirect.reroute_ipv4);
    CHECK(o.redirect.def1);
    CHECK(o.redirect.bypass_dhcp);
    CHECK_FALSE(o.redirect.local);
    REQUIRE(o.dhcp_options.size() == 2);
    CHECK(o.dhcp_options[0].type == "DNS");
    CHECK(o.dhcp_options[0].value == "10.8.0.1");
    CHECK(o.dhcp_options[1].type == "DOMAIN");
    CHECK(o.dhcp_options[1].value == "example.org");
    REQUIRE(o.routes.size() == 3);
    CHECK(format_addr_ref(o.routes[0].network) == "192.168.50.0");
    CHECK(format_ipv4(o.routes[0].netmask) == "255.255.255.0");
    CHECK_FALSE(o.routes[0].gateway);
    CHECK(format_addr_ref(*o.routes[1].gateway) == "net_gateway");
    CHECK(o.routes[1].metric == 5);
    CHECK(format_ipv4(o.routes[2].netmask) == "255.255.255.255");
    CHECK(o.route_delay == 2);
}

TEST_CASE("pulled options: 2.6's refusals in a stock push, message for message") {
    std::vector<std::string> w;
    auto r = pull(pull_test::logged_push_reply("subnet-client.log"), w);
    REQUIRE(r.ok);
    // What 2.6.14 logged for the same push, minus its version suffix; block-outside-dns
    // and register-dns are Windows-only options, which we name as such.
    std::vector<std::string> stock;
    for (const auto& l : pull_test::read_lines("subnet-client.log")) {
        if (l.rfind("Options error:", 0) != 0) continue;
        std::string s = l.substr(0, l.find(" (2.6.14)"));
        if (s.find("block-outside-dns") == std::string::npos && s.find("register-dns") == std::string::npos)
            stock.push_back(s);
    }
    REQUIRE(stock.size() == 4);
    for (const auto& s : stock) CHECK_MESSAGE(std::count(w.begin(), w.end(), s) == 1, s);
    const std::vector<std::string> expected = {
        "Options error: option 'script-security' cannot be used in this context ([PUSH-OPTIONS])",
        "Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:7: bogus-option",
        "pushed option 'block-outside-dns' ignored (Windows only)",
        "pushed option 'register-dns' ignored (Windows only)",
        "Options error: option 'setenv' cannot be used in this context ([PUSH-OPTIONS])",
        "Options error: option 'up' cannot be used in this context ([PUSH-OPTIONS])",
    };
    CHECK(w == expected);
    // ... and the rest still applies.
    CHECK(r.options.topology == Topology::Subnet);
    CHECK(r.options.route_metric == 7);
    REQUIRE(r.options.setenv.size() == 1);
    CHECK(r.options.setenv[0] == std::make_pair(std::string("OPENVPN_BAZ"), std::string("qux")));
    CHECK(r.options.echo == std::vector<std::string>{""});
    CHECK(r.options.dhcp_options.size() == 4);
}

TEST_CASE("pulled options: options outside 2.6's pull mask are refused, never applied") {
    for (const char* opt : {"secret /etc/passwd", "auth SHA256", "script-security 3", "up /bin/sh", "down /bin/sh",
                            "route-up /bin/sh", "tls-auth ta.key", "plugin x.so", "config other.conf", "dev tun9",
                            "remote 1.2.3.4", "data-ciphers BF-CBC", "keepalive 1 2", "setenv PATH /tmp", "cd /",
                            "user root", "log /etc/shadow", "management 0.0.0.0 1", "tls-verify x", "ca x"}) {
        const std::string name = std::string(opt).substr(0, std::string(opt).find(' '));
        refused(opt, forbidden_option_message(name));
        CHECK(classify_pushed_option(name) == PushClass::NotPushable);
    }
    CHECK(forbidden_option_message("up") == "Options error: option 'up' cannot be used in this context ([PUSH-OPTIONS])");
}

TEST_CASE("pulled options: route-nopull refuses routes and dhcp-options but not route-gateway") {
    PullPolicy p = pull_test::policy();
    p.route_nopull = true;
    refused("route 10.1.0.0 255.255.0.0", forbidden_option_message("route"), p);
    refused("redirect-gateway def1", forbidden_option_message("redirect-gateway"), p);
    refused("dhcp-option DNS 10.8.0.1", forbidden_option_message("dhcp-option"), p);
    refused("route-metric 5", forbidden_option_message("route-metric"), p);
    std::vector<std::string> w;
    auto r = one("route-gateway 10.8.0.1", w, p);
    CHECK(w.empty());
    CHECK(r.options.route_gateway);
}

TEST_CASE("pulled options: unknown names and wrong arity use 2.6's 'Unrecognized option' line") {
    refused("bogus-option 1",
            "Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:1: bogus-option");
    refused("ping", "Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:1: ping");
    refused("topology subnet extra",
            "Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:1: topology");
    refused("route 1.0.0.0 255.0.0.0 10.0.0.1 5 extra",
            "Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:1: route");
    std::vector<std::string> w;
    auto r = pull("PUSH_REPLY,ping 5,nonsense", w);
    REQUIRE(w.size() == 1);
    CHECK(w[0] == "Options error: Unrecognized option or missing or extra parameter(s) in [PUSH-OPTIONS]:2: nonsense");
    CHECK(r.options.ping == 5);
}

TEST_CASE("pulled options: pushable options we do not act on are named and ignored") {
    refused("shaper 1000", "pushed option 'shaper' ignored (not supported yet)");
    refused("route-ipv6 fd00::/64", "pushed option 'route-ipv6' ignored (not supported yet)");
    refused("dns server 1 address 10.0.0.1", "pushed option 'dns' ignored (not supported yet)");
    refused("block-outside-dns", "pushed option 'block-outside-dns' ignored (Windows only)");
    refused("register-dns", "pushed option 'register-dns' ignored (Windows only)");
    refused("route-gateway dhcp", "pushed option 'route-gateway dhcp' ignored (Windows only)");
    std::vector<std::string> w;
    auto r = one("ifconfig-ipv6 fd00::2/64 fd00::1", w);
    REQUIRE(r.ok);
    CHECK(r.options.ifconfig_ipv6 == "fd00::2/64 fd00::1");
    CHECK(w == std::vector<std::string>{"pushed option 'ifconfig-ipv6 fd00::2/64 fd00::1' stored but not supported yet"});
    w.clear();
    r = pull("PUSH_REPLY,tun-ipv6,route-method exe,comp-noadapt", w);
    CHECK(r.ok);
    CHECK(w.empty());  // accepted silently, as 2.6 does
}

TEST_CASE("pulled options: a bad ifconfig fails the whole push") {
    fails("ifconfig 10.8.0.x 255.255.255.0", "ifconfig parms '10.8.0.x' and '255.255.255.0' must be valid addresses");
    fails("ifconfig vpn.example.com 10.8.0.1",
          "ifconfig parms 'vpn.example.com' and '10.8.0.1' must be valid addresses");
    // No topology pushed: 2.6's default net30 wants a peer address.
    fails("ifconfig 10.8.0.2 255.255.255.0",
          "ifconfig 10.8.0.2 255.255.255.0: 255.255.255.0 looks like a netmask, but topology net30 needs the peer's "
          "address");
    fails("topology subnet,ifconfig 10.8.0.2 255.0.255.0",
          "ifconfig 10.8.0.2 255.0.255.0: 255.0.255.0 is not a netmask (topology subnet)");
    fails("topology subnet,ifconfig 10.8.0.0 255.255.255.0",
          "ifconfig 10.8.0.0 255.255.255.0: local address is the subnet's network address");
    fails("topology subnet,ifconfig 10.8.0.255 255.255.255.0",
          "ifconfig 10.8.0.255 255.255.255.0: local address is the subnet's broadcast address");
    fails("topology subnet,ifconfig 127.0.0.2 255.255.255.0",
          "ifconfig 127.0.0.2 255.255.255.0: local address 127.0.0.2 is a loopback address");
    fails("topology p2p,ifconfig 10.8.0.2 10.8.0.2",
          "ifconfig 10.8.0.2 10.8.0.2: local and remote addresses must be different");
    fails("ifconfig 10.8.0.2 224.0.0.1", "ifconfig 10.8.0.2 224.0.0.1: remote address 224.0.0.1 is a multicast address");
    fails("ifconfig 0.0.0.0 10.8.0.1", "ifconfig 0.0.0.0 10.8.0.1: local address 0.0.0.0 is the unspecified address");
    // Topology is applied after all options, whatever their order.
    std::vector<std::string> w;
    auto r = pull("PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0,topology subnet", w);
    CHECK(r.ok);
    // A /31 or /32 has no network/broadcast address to avoid.
    r = pull("PUSH_REPLY,topology subnet,ifconfig 10.8.0.0 255.255.255.254", w);
    CHECK(r.ok);
    PullPolicy p = pull_test::policy();
    p.default_topology = Topology::Subnet;  // the client's own `topology subnet`
    r = pull("PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0", w, p);
    CHECK(r.ok);
    CHECK(r.options.effective_topology == Topology::Subnet);
    PullPolicy tap = pull_test::policy();
    tap.tap = true;  // a tap device takes a netmask even with (default) net30
    r = pull("PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0", w, tap);
    CHECK(r.ok);
    fails("ifconfig 10.8.0.2 10.8.0.1", "ifconfig 10.8.0.2 10.8.0.1: 10.8.0.1 is not a netmask (topology subnet)", tap);
}

TEST_CASE("pulled options: compression per allow-compression (stubs only by default)") {
    const std::string refused_msg =
        "server pushed compression settings that are not allowed and will result in a non-working connection "
        "(allow-compression)";
    for (const char* o : {"comp-lzo yes", "comp-lzo", "comp-lzo adaptive", "compress lzo", "compress lz4",
                          "compress lz4-v2"})
        fails(o, refused_msg);
    {  // The stock push that made a stock 2.6 client give up the same way.
        std::vector<std::string> w;
        auto r = pull(pull_test::logged_push_reply("complzo-client.log"), w);
        CHECK_FALSE(r.ok);
        CHECK(r.error == refused_msg);
        const auto log = pull_test::read_lines("complzo-client.log");
        CHECK(std::any_of(log.begin(), log.end(), [](const std::string& l) {
            return l.find("server pushed compression settings that are not allowed") != std::string::npos;
        }));
    }
    struct Stub { const char* option; PushedCompression mode; };
    for (const Stub& s : {Stub{"comp-lzo no", PushedCompression::LzoStub}, Stub{"compress", PushedCompression::StubSwap},
                          Stub{"compress stub", PushedCompression::StubSwap},
                          Stub{"compress stub-v2", PushedCompression::StubV2}}) {
        std::vector<std::string> w;
        auto r = one(s.option, w);
        CAPTURE(s.option);
        REQUIRE(r.ok);
        CHECK(r.options.compression == s.mode);
    }
    PullPolicy allowed = pull_test::policy();
    allowed.compression_allowed = true;
    std::vector<std::string> w;
    auto r = one("comp-lzo yes", w, allowed);
    REQUIRE(r.ok);
    CHECK(r.options.compression == PushedCompression::Lzo);
    fails("compress lz4", "server pushed 'compress lz4': compression algorithm not supported", allowed);
    refused("compress zstd", "pushed option 'compress zstd' ignored: bad compression option");
}

TEST_CASE("pulled options: pull_policy follows 2.6's allow-compression rules") {
    using vpn::config::AllowCompression;
    using vpn::config::CompLzo;
    vpn::config::Options o;
    CHECK_FALSE(pull_policy(o).compression_allowed);  // nothing configured: stubs only
    o.comp_lzo = CompLzo::Yes;
    CHECK(pull_policy(o).compression_allowed);  // own compression, no allow-compression: asym
    o.allow_compression = AllowCompression::No;
    CHECK_FALSE(pull_policy(o).compression_allowed);
    o.comp_lzo = CompLzo::Absent;
    o.allow_compression = AllowCompression::Asym;
    CHECK(pull_policy(o).compression_allowed);
    o.allow_compression = AllowCompression::Unset;
    o.compress_lzo = true;
    CHECK(pull_policy(o).compression_allowed);
    CHECK_FALSE(pull_policy(o).tap);
    o.dev_type = vpn::config::DevType::Tap;
    CHECK(pull_policy(o).tap);
}

TEST_CASE("pulled options: peer-id must fit 24 bits") {
    std::vector<std::string> w;
    auto r = one("peer-id 16777214", w);
    REQUIRE(r.ok);
    CHECK(r.options.peer_id == 16777214u);
    fails("peer-id 16777215", "pushed peer-id '16777215' is not a number in 0..16777214");
    fails("peer-id -1", "pushed peer-id '-1' is not a number in 0..16777214");
    fails("peer-id 7x", "pushed peer-id '7x' is not a number in 0..16777214");
}

TEST_CASE("pulled options: route values are checked one by one") {
    refused("route 10.1.0.x", "route parameter network/IP '10.1.0.x' must be a valid address; route ignored");
    refused("route example.com", "route parameter network/IP 'example.com' must be a valid address; route ignored");
    refused("route 10.1.0.0 255.255.0.x", "route parameter netmask '255.255.0.x' must be an IP address; route ignored");
    refused("route 10.1.0.0 255.0.255.0", "route 10.1.0.0 255.0.255.0: netmask is not contiguous; route ignored");
    refused("route 10.1.2.3 255.255.0.0",
            "route 10.1.2.3 255.255.0.0: network has host bits set beyond the netmask; route ignored");
    refused("route 10.1.0.0 255.255.0.0 gw.example.com",
            "route parameter gateway 'gw.example.com' must be a valid address; route ignored");
    refused("route 10.1.0.0 255.255.0.0 10.8.0.1 -1", "route metric for network 10.1.0.0 (-1) must be >= 0; route ignored");
    std::vector<std::string> w;
    auto r = pull("PUSH_REPLY,route remote_host 255.255.255.255 net_gateway,route 10.2.0.0 default default 9", w);
    REQUIRE(r.ok);
    CHECK(w.empty());
    REQUIRE(r.options.routes.size() == 2);
    CHECK(r.options.routes[0].network.kind == AddrRef::Kind::RemoteHost);
    CHECK(r.options.routes[0].gateway->kind == AddrRef::Kind::NetGateway);
    CHECK(format_ipv4(r.options.routes[1].netmask) == "255.255.255.255");
    CHECK_FALSE(r.options.routes[1].gateway);
    CHECK(r.options.routes[1].metric == 9);
}

TEST_CASE("pulled options: other values are checked with a one-line reason") {
    refused("route-gateway gw.example.com", "route-gateway parm 'gw.example.com' must be a valid address");
    refused("route-metric x", "pushed option 'route-metric x' ignored: not a metric");
    refused("ping 1O", "pushed option 'ping 1O' ignored: not a number of seconds");
    refused("ping-restart -5", "pushed option 'ping-restart -5' ignored: not a number of seconds");
    refused("tun-mtu 50", "pushed option 'tun-mtu 50' ignored: --mtu parm must be between 100 and 65536");
    refused("topology star", "Bad topology option: star");
    refused("dhcp-option DNS 10.8.0", "pushed option 'dhcp-option DNS 10.8.0' ignored: not an IPv4 address");
    refused("dhcp-option DOMAIN a$(reboot)", "pushed option 'dhcp-option DOMAIN' ignored: unexpected characters");
    refused("setenv-safe PATH=x y", "pushed option 'setenv-safe PATH=x' ignored: bad variable name");
    refused("redirect-gateway def1 sideways", "unknown --redirect-gateway flag: sideways; redirect-gateway ignored");
    refused("explicit-exit-notify many", "pushed option 'explicit-exit-notify many' ignored: not a count");
    std::vector<std::string> w;
    auto r = one("redirect-gateway def1 block-local", w);
    CHECK(r.options.redirect.block_local);
    CHECK(w == std::vector<std::string>{"redirect-gateway flag block-local ignored (not supported yet)"});
    w.clear();
    r = one("redirect-gateway def1 !ipv4", w);
    CHECK_FALSE(r.options.redirect.enabled);
    w.clear();
    r = pull("PUSH_REPLY,echo hello world,auth-token SESS_ID,explicit-exit-notify,dhcp-option DISABLE-NBT", w);
    REQUIRE(r.ok);
    CHECK(w.empty());
    CHECK(r.options.echo == std::vector<std::string>{"hello world"});
    CHECK(r.options.auth_token == "SESS_ID");
    CHECK(r.options.explicit_exit_notify == 1);
    REQUIRE(r.options.dhcp_options.size() == 1);
    CHECK(r.options.dhcp_options[0].value.empty());
}

TEST_CASE("pulled options: later values win, lists accumulate") {
    std::vector<std::string> w;
    auto r = pull("PUSH_REPLY,ping 5,route 10.1.0.0 255.255.0.0,ping 7,route 10.2.0.0 255.255.0.0,cipher A,cipher B", w);
    REQUIRE(r.ok);
    CHECK(r.options.ping == 7);
    CHECK(r.options.routes.size() == 2);
    CHECK(r.options.cipher == "B");
    CHECK(w.empty());
}

TEST_CASE("pulled options: import log lines as a stock 2.6 client printed them") {
    for (const char* log : {"net30-client.log", "subnet-client.log"}) {
        CAPTURE(log);
        std::vector<std::string> w;
        auto r = pull(pull_test::logged_push_reply(log), w);
        REQUIRE(r.ok);
        std::vector<std::string> stock, ours, dhcp;
        for (const auto& l : pull_test::read_lines(log))
            if (l.rfind("OPTIONS IMPORT:", 0) == 0 || l.rfind("Timers:", 0) == 0) stock.push_back(l);
        for (const auto& l : import_log_lines(r.options))
            (l.rfind("Pushed dhcp-option ", 0) == 0 ? dhcp : ours).push_back(l);
        CHECK(stock.size() >= 6);
        CHECK(ours == stock);
        CHECK(dhcp.size() == r.options.dhcp_options.size());
        CHECK(dhcp.front() == "Pushed dhcp-option DNS 10.8.0.1");
    }
    PulledOptions only_ping;
    only_ping.ping_restart = 30;
    only_ping.auth_token = "SECRET";
    CHECK(import_log_lines(only_ping) == std::vector<std::string>{"Timers: ping-restart 30"});
}
