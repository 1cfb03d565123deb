// mode server directives (directives_server.cpp: mode, push, ifconfig-push, topology)
// and their rules (validate_server.cpp, keepalive in validate.cpp): accepted forms,
// defaults, every error with its "FILE:LINE:" prefix, the help rows, and the pull
// client's default topology (client::pull_policy).
#include <doctest/doctest.h>

#include "client/pulled_options.hpp"
#include "common/config/help.hpp"
#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::cmdline_error;
using config_test::err;
using config_test::has;
using config_test::load_ok;
using config_test::opts;
using config_test::TempDir;
using config_test::warnings;

namespace {

// A valid one-client server around the lines under test (appended after them, so the
// lines under test keep their numbers).
const std::string kServer = "mode server\ntls-server\nca ca.crt\ncert s.crt\nkey s.key\ndev tun\n";
const std::string kTls = "tls-server\nca ca.crt\ncert s.crt\nkey s.key\ndev tun\n";
const std::string kClient = "client\nremote vpn.example\nca ca.crt\ncert c.crt\nkey c.key\ndev tun\n";

}  // namespace

TEST_CASE("defaults: point-to-point, no topology, nothing to push") {
    Options o = opts("dev tun\nsecret s.key\n");
    CHECK(o.mode == Mode::P2p);
    CHECK_FALSE(o.mode_origin);
    CHECK_FALSE(o.topology);
    CHECK(o.push.empty());
    CHECK_FALSE(o.ifconfig_push);
}

TEST_CASE("mode p2p|server, with its origin; the later line wins") {
    Options o = opts("\n" + kServer);
    CHECK(o.mode == Mode::Server);
    REQUIRE(o.mode_origin);
    CHECK(o.mode_origin->str() == "test.conf:2");
    o = opts("mode p2p\ndev tun\nsecret s.key\n");
    CHECK(o.mode == Mode::P2p);
    CHECK(o.mode_origin->line == 1);
    CHECK(opts(kServer + "mode p2p\n").mode == Mode::P2p);
    CHECK(err("mode bogus") == "test.conf:1: 'mode': 'bogus' is not a mode, expected p2p or server");
    CHECK(err("mode Server") == "test.conf:1: 'mode': 'Server' is not a mode, expected p2p or server");
    CHECK(err("mode") == "test.conf:1: 'mode' expects 1 argument (p2p or server), got 0");
    CHECK(err("mode server tls") == "test.conf:1: 'mode' expects 1 argument (p2p or server), got 2");
}

TEST_CASE("topology net30|p2p|subnet, in any mode") {
    CHECK(opts("topology net30\ndev tun\n").topology == Topology::Net30);
    CHECK(opts("topology p2p\ndev tun\n").topology == Topology::P2p);
    CHECK(opts("topology subnet\n" + kServer).topology == Topology::Subnet);
    CHECK(opts("topology p2p\ntopology subnet\ndev tun\n").topology == Topology::Subnet);
    CHECK(err("\ntopology bogus") == "test.conf:2: 'topology': 'bogus' is not a topology, expected net30, p2p or "
                                     "subnet");
    CHECK(err("topology") == "test.conf:1: 'topology' expects 1 argument (net30, p2p or subnet), got 0");
    CHECK(err("topology subnet x").starts_with("test.conf:1: 'topology' expects 1 argument"));
}

TEST_CASE("topology subnet: ifconfig's second address is a netmask") {
    Options o = opts("topology subnet\nifconfig 10.8.0.1 255.255.255.0\ndev tun\n");
    CHECK(*o.ifconfig_remote == "255.255.255.0");
    CHECK(err("topology subnet\nifconfig 10.8.0.1 10.8.0.2\ndev tun") ==
          "test.conf:2: 'ifconfig': with topology subnet the second argument is a netmask; '10.8.0.2' is not one, "
          "expected e.g. 255.255.255.0");
    // net30 / p2p: a peer address, a netmask-looking one is only warned about (as before).
    auto w = warnings("topology p2p\nifconfig 10.8.0.1 255.255.255.0\ndev tun\n");
    REQUIRE(w.size() == 1);
    CHECK(w[0].starts_with("test.conf:2: 'ifconfig': with a tun device"));
    CHECK(err("topology net30\nifconfig 10.8.0.1 255.0.255.0\ndev tap").starts_with(
        "test.conf:2: 'ifconfig': with a tap device the second argument is a netmask"));
}

TEST_CASE("push: the text as written, in order, repeatable") {
    Options o = opts("push \"route 10.1.0.0 255.255.0.0\"\npush 'dhcp-option DNS 10.8.0.1'\n"
                     "push \"redirect-gateway def1 bypass-dhcp\"\npush route-delay\n" + kServer);
    CHECK(o.push == std::vector<std::string>{"route 10.1.0.0 255.255.0.0", "dhcp-option DNS 10.8.0.1",
                                             "redirect-gateway def1 bypass-dhcp", "route-delay"});
    // Command line after the file.
    TempDir tmp;
    std::string conf = tmp.write("s.conf", "push \"route 10.1.0.0 255.255.0.0\"\n" + kServer);
    o = load(conf, {"--push", "route 10.2.0.0 255.255.0.0"}, [](const std::string&) {});
    CHECK(o.push == std::vector<std::string>{"route 10.1.0.0 255.255.0.0", "route 10.2.0.0 255.255.0.0"});
}

TEST_CASE("push: refused when a 2.6 client would read it differently") {
    CHECK(err("\npush \"route 1.2.3.4,route 5.6.7.8\"\n" + kServer) ==
          "test.conf:2: 'push': 'route 1.2.3.4,route 5.6.7.8' contains ',', which a client reads as two options, "
          "expected one option per push line");
    CHECK(err("push \"\"\n" + kServer).starts_with("test.conf:1: 'push': empty option, expected an option"));
    CHECK(err("push \"  \"\n" + kServer).starts_with("test.conf:1: 'push': empty option"));
    CHECK(err("push") == "test.conf:1: 'push' expects 1 argument (one quoted option, e.g. \"route 10.1.0.0 "
                         "255.255.0.0\"), got 0");
    CHECK(err("push route 10.1.0.0").starts_with("test.conf:1: 'push' expects 1 argument"));
    // 255 bytes is the most a 2.6 client takes (file lines stop at 256 bytes, so the
    // command line carries the long ones).
    TempDir tmp;
    std::string conf = tmp.write("s.conf", kServer);
    const std::string ok(255, 'a');
    Options o = load(conf, {"--push", ok}, [](const std::string&) {});
    CHECK(o.push == std::vector<std::string>{ok});
    CHECK(cmdline_error(conf, {"--push", std::string(256, 'a')}) ==
          "[command line] --push: 'push': the option is 256 bytes, expected at most 255 (a 2.6 client cuts longer "
          "options in two)");
    CHECK(cmdline_error(conf, {"--push", "echo a\nb"}).starts_with(
        "[command line] --push: 'push': 'echo a?b' contains a line break or NUL"));
}

TEST_CASE("ifconfig-push: two dotted quads, checked against the topology") {
    Options o = opts("ifconfig-push 10.8.0.2 10.8.0.1\n" + kServer);
    REQUIRE(o.ifconfig_push);
    CHECK(o.ifconfig_push->first == "10.8.0.2");
    CHECK(o.ifconfig_push->second == "10.8.0.1");
    o = opts("topology subnet\nifconfig 10.8.0.1 255.255.255.0\nifconfig-push 10.8.0.2 255.255.255.0\n"
             "push \"topology subnet\"\n" + kServer);
    CHECK(o.ifconfig_push->second == "255.255.255.0");
    CHECK(opts("ifconfig-push 10.8.0.2 10.8.0.1\nifconfig-push 10.8.0.6 10.8.0.5\n" + kServer).ifconfig_push->first ==
          "10.8.0.6");

    CHECK(err("\nifconfig-push 10.8.0 10.8.0.1\n" + kServer) ==
          "test.conf:2: 'ifconfig-push': '10.8.0' is not an IPv4 address, expected the client's tunnel address as "
          "a dotted quad (a.b.c.d)");
    CHECK(err("ifconfig-push 10.8.0.2 host.example\n" + kServer) ==
          "test.conf:1: 'ifconfig-push': 'host.example' is not an IPv4 address, expected the client's peer address "
          "(net30/p2p) or netmask (subnet, tap) as a dotted quad (a.b.c.d)");
    CHECK(err("ifconfig-push 10.8.0.2\n" + kServer).starts_with("test.conf:1: 'ifconfig-push' expects 2 arguments"));
    CHECK(err("ifconfig-push 10.8.0.2 10.8.0.1 10.8.0.9\n" + kServer)
              .starts_with("test.conf:1: 'ifconfig-push' expects 2 arguments"));
    CHECK(err("topology subnet\nifconfig-push 10.8.0.2 10.8.0.1\npush \"topology subnet\"\n" + kServer) ==
          "test.conf:2: 'ifconfig-push': with topology subnet the second argument is the client's netmask; "
          "'10.8.0.1' is not one, expected e.g. 255.255.255.0");
    CHECK(err("ifconfig-push 10.8.0.2 10.8.0.1\n" + kServer + "dev tap\n")
              .starts_with("test.conf:1: 'ifconfig-push': with a tap device the second argument is the client's "
                           "netmask"));
    CHECK(opts("ifconfig-push 10.8.0.2 255.255.255.0\n" + kServer + "dev tap\n").ifconfig_push);
    CHECK(err("ifconfig-push 10.8.0.2 10.8.0.2\n" + kServer) ==
          "test.conf:1: 'ifconfig-push': the two addresses are the same, expected the client's address and its "
          "peer's");
    auto w = warnings("ifconfig-push 10.8.0.2 255.255.255.0\n" + kServer);
    REQUIRE(w.size() == 1);
    CHECK(w[0] == "test.conf:1: 'ifconfig-push': with a tun device and topology net30/p2p the second argument is "
                  "the client's peer address; '255.255.255.0' looks like a netmask (topology subnet?)");
}

TEST_CASE("topology subnet without a pushed topology is warned about (2.6 pushes none)") {
    auto w = warnings("topology subnet\nifconfig-push 10.8.0.2 255.255.255.0\n" + kServer);
    REQUIRE(w.size() == 1);
    CHECK(w[0].starts_with("test.conf:1: 'topology subnet' is not pushed by itself"));
    CHECK(has(w[0], "push \"topology subnet\""));
    CHECK(warnings("topology subnet\nifconfig-push 10.8.0.2 255.255.255.0\npush \"topology subnet\"\n" + kServer)
              .empty());
    CHECK(warnings("topology subnet\n" + kServer).empty());  // nothing to misread without ifconfig-push
    CHECK(warnings("topology subnet\nifconfig-push 10.8.0.2 255.255.255.0\n" + kServer + "dev tap\n").empty());
}

TEST_CASE("mode server: roles, as options_postprocess_verify_ce") {
    CHECK(err("mode server\ndev tun\n") == "test.conf:1: 'mode server' requires 'tls-server', expected a "
                                            "tls-server line");
    CHECK(err("\nmode server\ntls-client\nremote a.example\nca ca.crt\ncert c.crt\nkey c.key\ndev tun\n") ==
          "test.conf:2: 'mode server' requires 'tls-server', not the 'tls-client' at test.conf:3");
    CHECK(err("mode server\n" + kClient) == "test.conf:2: 'client' cannot be used with 'mode server' at "
                                            "test.conf:1 (a server pushes, it does not pull), expected tls-server");
    CHECK(err("mode server\npull\n" + kTls) == "test.conf:2: 'pull' cannot be used with 'mode server' at "
                                               "test.conf:1 (a server pushes, it does not pull), expected tls-server");
    CHECK(err("mode server\nsecret s.key\ndev tun\n") ==
          "test.conf:2: 'secret' cannot be used with 'mode server' at test.conf:1 (a server needs TLS), expected "
          "tls-server with ca, cert and key");
    CHECK(err("secret s.key\n" + kServer).starts_with("test.conf:1: 'secret' cannot be used with 'mode server' at "
                                                       "test.conf:2"));
    // The other TLS rules still apply.
    CHECK(err("mode server\ntls-server\ndev tun\n") == "test.conf:2: TLS mode needs a CA, expected ca or "
                                                       "peer-fingerprint");
}

TEST_CASE("mode server: transport, as options_postprocess_verify_ce") {
    CHECK(err("remote a.example\n" + kServer) == "test.conf:1: 'remote' cannot be used with 'mode server' at "
                                                 "test.conf:2 (the server waits for its client), expected no remote");
    CHECK(err(kServer + "nobind\n") == "test.conf:7: 'nobind' cannot be used with 'mode server' at test.conf:1 "
                                       "(the server listens on its port), expected no nobind");
    CHECK(err("proto tcp-client\n" + kServer) == "test.conf:1: 'proto': a tcp client cannot be used with 'mode "
                                                 "server' at test.conf:2, expected udp or tcp-server");
    CHECK(opts("proto tcp-server\n" + kServer).proto == Proto::TcpServer);
    CHECK(opts("proto tcp\n" + kServer).proto == Proto::TcpServer);
    CHECK(opts("proto udp4\n" + kServer).proto == Proto::Udp);
}

TEST_CASE("push and ifconfig-push need mode server") {
    CHECK(err("\npush \"route 10.1.0.0 255.255.0.0\"\n" + kTls) ==
          "test.conf:2: 'push' needs 'mode server' (only a server pushes options to its client), expected 'mode "
          "server' with 'tls-server', or no push lines");
    CHECK(err("push \"route 10.1.0.0 255.255.0.0\"\nmode p2p\n" + kTls).starts_with("test.conf:1: 'push' needs"));
    CHECK(err("dev tun\nsecret s.key\nifconfig-push 10.8.0.2 10.8.0.1\n") ==
          "test.conf:3: 'ifconfig-push' needs 'mode server' (it is the address a server pushes to its client), "
          "expected 'mode server' with 'tls-server', or 'ifconfig' for this side");
}

TEST_CASE("keepalive under mode server: ping, doubled ping-restart, and two pushes after the push lines") {
    Options o = opts("push \"route 10.1.0.0 255.255.0.0\"\nkeepalive 10 60\npush \"route-delay 2\"\n" + kServer);
    CHECK(o.ping == 10);
    CHECK(o.ping_restart == 120);
    CHECK(o.ping_exit == 0);
    CHECK(o.push == std::vector<std::string>{"route 10.1.0.0 255.255.0.0", "route-delay 2", "ping 10",
                                             "ping-restart 60"});
    // p2p: unchanged, nothing pushed.
    o = opts("keepalive 10 60\ndev tun\nsecret s.key\n");
    CHECK(o.ping_restart == 60);
    CHECK(o.push.empty());
    // The largest timeout doubles without overflow.
    o = opts("keepalive 10 1000000000\n" + kServer);
    CHECK(o.ping_restart == 2000000000);
    CHECK(o.push.back() == "ping-restart 1000000000");
    // helper_keepalive's checks are the same in both modes.
    CHECK(err("keepalive 10 19\n" + kServer).starts_with("test.conf:1: 'keepalive 10 19': the restart timeout"));
    CHECK(err("keepalive 10 60\n" + kServer + "ping 5\n").starts_with("test.conf:1: 'keepalive' conflicts with"));
}

TEST_CASE("help: the four rows, without the 'coming' marker") {
    std::string help = directive_help();
    for (const char* head : {"--mode p2p|server ", "--push \"OPTION ARGS\" ", "--ifconfig-push LOCAL REMOTE|NETMASK ",
                             "--topology net30|p2p|subnet "}) {
        CAPTURE(head);
        auto at = help.find(std::string("\n  ") + head);
        REQUIRE(at != std::string::npos);
        std::string line = help.substr(at + 1, help.find('\n', at + 1) - at - 1);
        CHECK_FALSE(has(line, "coming"));
    }
    CHECK(has(help, "client-config-dir file"));  // ifconfig-push says where stock 2.6 takes it
}

TEST_CASE("pull_policy: the config's topology is the pull client's default") {
    using vpn::client::pull_policy;
    using CT = vpn::client::Topology;
    CHECK(pull_policy(opts(kClient)).default_topology == CT::Net30);
    CHECK(pull_policy(opts("topology subnet\n" + kClient)).default_topology == CT::Subnet);
    CHECK(pull_policy(opts("topology p2p\n" + kClient)).default_topology == CT::P2p);
    CHECK(pull_policy(opts("topology net30\n" + kClient)).default_topology == CT::Net30);
}
