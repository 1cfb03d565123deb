// Each supported directive: accepted forms, resulting fields, and every error path
// with its exact "FILE:LINE:" prefix.  Cross-directive rules (validate.cpp) too.
#include <doctest/doctest.h>

#include "common/config/arg_parse.hpp"
#include "common/config/directive_registry.hpp"
#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::has;
using config_test::load_error;
using config_test::load_ok;
using config_test::TempDir;
using config_test::err;
using config_test::opts;
using config_test::warnings;

namespace {


}  // namespace

TEST_CASE("dev and dev-type") {
    CHECK(opts("dev tun5").dev_type == DevType::Tun);
    CHECK(opts("dev tap0").dev_type == DevType::Tap);
    CHECK(opts("dev tap").device_type() == DevType::Tap);
    CHECK(opts("dev-type tap\ndev vpn0").dev_type == DevType::Tap);
    CHECK(opts("dev tunnel-ish\ndev-type tap").dev_type == DevType::Tap);  // dev-type wins over the prefix
    CHECK(opts("dev vpn0\ndev-type tun").dev == "vpn0");

    std::string e = err("verb 1\ndev vpn0\n");
    CHECK(e.starts_with("test.conf:2: 'dev': cannot tell whether 'vpn0' is tun or tap"));
    CHECK(has(e, "dev-type"));
    CHECK(err("dev-type null").starts_with("test.conf:1: 'dev-type': 'null' is not a device type, expected tun or tap"));
    CHECK(err("dev abcdefghijklmnop").starts_with("test.conf:1: 'dev': 'abcdefghijklmnop' is not an interface name"));
    CHECK(err("dev a/b").starts_with("test.conf:1: 'dev': 'a/b' is not an interface name"));
    CHECK(err("dev").starts_with("test.conf:1: 'dev' expects 1 argument"));
}

TEST_CASE("proto: every OpenVPN name, and plain tcp resolved by remote") {
    struct Row {
        const char* name;
        Proto proto;
        Family family;
    };
    for (Row r : {Row{"udp", Proto::Udp, Family::Any}, Row{"udp4", Proto::Udp, Family::V4},
                  Row{"udp6", Proto::Udp, Family::V6}, Row{"tcp-server", Proto::TcpServer, Family::Any},
                  Row{"tcp-client", Proto::TcpClient, Family::Any}, Row{"tcp4-server", Proto::TcpServer, Family::V4},
                  Row{"tcp4-client", Proto::TcpClient, Family::V4}, Row{"tcp6-server", Proto::TcpServer, Family::V6},
                  Row{"tcp6-client", Proto::TcpClient, Family::V6}}) {
        CAPTURE(r.name);
        Options o = opts(std::string("proto ") + r.name);
        CHECK(o.proto == r.proto);
        CHECK(o.family == r.family);
    }
    CHECK(opts("proto tcp").proto == Proto::TcpServer);
    CHECK(opts("proto tcp\nremote peer.example").proto == Proto::TcpClient);
    CHECK(opts("remote peer.example\nproto tcp6").proto == Proto::TcpClient);
    CHECK(opts("proto tcp6").family == Family::V6);
    CHECK(opts("proto tcp4").proto == Proto::TcpServer);
    CHECK(err("proto sctp").starts_with("test.conf:1: 'proto': 'sctp' is not a protocol"));
}

TEST_CASE("port, lport, rport, local") {
    Options o = opts("port 1000");
    CHECK(o.lport == 1000);
    CHECK(o.rport == 1000);
    o = opts("port 1000\nlport 2000\nrport 3000\nlocal 192.0.2.1");
    CHECK(o.lport == 2000);
    CHECK(o.rport == 3000);
    CHECK(o.local == "192.0.2.1");
    CHECK(opts("port 65535").lport == 65535);
    CHECK(err("\nport abc") == "test.conf:2: 'port': 'abc' is not a port number (1..65535)");
    CHECK(err("port 0") == "test.conf:1: 'port': '0' is not a port number (1..65535)");
    CHECK(err("lport 65536") == "test.conf:1: 'lport': '65536' is not a port number (1..65535)");
    CHECK(err("rport -1") == "test.conf:1: 'rport': '-1' is not a port number (1..65535)");
    CHECK(err("port 1 2") == "test.conf:1: 'port' expects 1 argument (port number 1..65535), got 2");
    CHECK(err("local bad!host").starts_with("test.conf:1: 'local': 'bad!host' is not a host name"));
}

TEST_CASE("remote: host, port, proto; repeats accumulate") {
    Options o = opts("remote a.example\nremote 192.0.2.7 1195\nremote b.example 443 tcp\nremote 2001:db8::1 1 udp6");
    REQUIRE(o.remotes.size() == 4);
    CHECK(o.remotes[0].host == "a.example");
    CHECK_FALSE(o.remotes[0].port);
    CHECK(o.remotes[1].host == "192.0.2.7");
    CHECK(o.remotes[1].port == 1195);
    CHECK_FALSE(o.remotes[1].proto);
    CHECK(o.remotes[2].proto == Proto::TcpClient);  // "tcp" towards a remote is a client
    CHECK(o.remotes[2].family == Family::Any);
    CHECK(o.remotes[3].host == "2001:db8::1");
    CHECK(o.remotes[3].proto == Proto::Udp);
    CHECK(o.remotes[3].family == Family::V6);
    CHECK(o.proto == Proto::Udp);  // per-remote proto does not change the global one

    CHECK(err("remote a.example x") == "test.conf:1: 'remote': 'x' is not a port number (1..65535)");
    CHECK(err("remote a.example 1 quic").starts_with("test.conf:1: 'remote': 'quic' is not a protocol"));
    CHECK(err("remote a b c d") ==
          "test.conf:1: 'remote' expects 1 to 3 arguments (HOST [PORT [PROTO]]), got 4");
    CHECK(err("remote \"a b\"").starts_with("test.conf:1: 'remote': 'a b' is not a host name"));
}

TEST_CASE("nobind and float; nobind rules from options.c") {
    Options o = opts("remote peer.example\nnobind\nfloat");
    CHECK(o.nobind);
    CHECK(o.float_remote);
    CHECK(opts("port 1000\nnobind\nremote p.example").nobind);  // `port` is not `lport`
    CHECK(err("nobind") == "test.conf:1: 'nobind' needs a 'remote', expected a remote to connect to");
    CHECK(err("remote p.example\nlocal 192.0.2.1\nnobind").starts_with("test.conf:3: 'nobind' conflicts with 'local' at test.conf:2"));
    CHECK(err("remote p.example\nnobind\nlport 5000").starts_with("test.conf:2: 'nobind' conflicts with 'lport' at test.conf:3"));
    CHECK(err("nobind x") == "test.conf:1: 'nobind' expects no arguments, got 1");
}

TEST_CASE("local, remote and ifconfig addresses must be distinct") {
    CHECK(err("local 192.0.2.1\nremote 192.0.2.1").starts_with("test.conf:2: 'remote' is the same address and port as 'local'"));
    CHECK_NOTHROW(opts("local 192.0.2.1\nremote 192.0.2.1 1195"));
    CHECK(err("ifconfig 10.0.0.1 10.0.0.2\nremote 10.0.0.2").starts_with("test.conf:2: 'remote' '10.0.0.2' is an ifconfig address"));
    CHECK(err("local 10.0.0.1\nifconfig 10.0.0.1 10.0.0.2").starts_with("test.conf:1: 'local' '10.0.0.1' is an ifconfig address"));
}

TEST_CASE("ifconfig: dotted quads; tap wants a netmask; tun warns about one") {
    Options o = opts("dev tap\nifconfig 10.8.0.1 255.255.255.0");
    CHECK(o.ifconfig_local == "10.8.0.1");
    CHECK(o.ifconfig_remote == "255.255.255.0");
    CHECK(warnings("dev tun\nifconfig 10.8.0.1 10.8.0.2").empty());

    std::string e = err("dev tap\n\nifconfig 10.8.0.1 10.8.0.2");
    CHECK(e.starts_with("test.conf:3: 'ifconfig': with a tap device the second argument is a netmask"));
    CHECK(err("ifconfig 10.8.0.1 255.0.255.0\ndev tap").starts_with("test.conf:1: 'ifconfig': with a tap device"));
    auto w = warnings("dev tun\nifconfig 10.8.0.1 255.255.255.0");
    REQUIRE(w.size() == 1);
    CHECK(w[0].starts_with("test.conf:2: 'ifconfig': with a tun device"));
    CHECK(has(w[0], "looks like a netmask"));

    CHECK(err("ifconfig 10.0.0.1 10.0.0.1").starts_with("test.conf:1: 'ifconfig': the two addresses are the same"));
    CHECK(err("ifconfig 10.0.0.256 10.0.0.2").starts_with("test.conf:1: 'ifconfig': '10.0.0.256' is not an IPv4 address"));
    CHECK(err("ifconfig 10.0.0.1 host.example").starts_with("test.conf:1: 'ifconfig': 'host.example' is not an IPv4 address"));
    CHECK(err("ifconfig 10.0.0.1") == "test.conf:1: 'ifconfig' expects 2 arguments (local address and peer address (tun) or netmask (tap)), got 1");
}

TEST_CASE("route: defaults, 'default' placeholders, gateways, metric") {
    Options o = opts("route 10.1.0.0 255.255.0.0 10.0.0.2 5\nroute 192.0.2.9\nroute host.example default vpn_gateway\n"
                     "route 10.2.0.0 255.255.255.0 default default");
    REQUIRE(o.routes.size() == 4);
    CHECK(o.routes[0].network == "10.1.0.0");
    CHECK(o.routes[0].netmask == "255.255.0.0");
    CHECK(o.routes[0].gateway == "10.0.0.2");
    CHECK(o.routes[0].metric == 5);
    CHECK(o.routes[1].netmask == "255.255.255.255");
    CHECK_FALSE(o.routes[1].gateway);
    CHECK_FALSE(o.routes[1].metric);
    CHECK(o.routes[2].network == "host.example");
    CHECK(o.routes[2].netmask == "255.255.255.255");
    CHECK(o.routes[2].gateway == "vpn_gateway");
    CHECK(o.routes[3].netmask == "255.255.255.0");
    CHECK_FALSE(o.routes[3].gateway);
    CHECK(opts("route 0.0.0.0 0.0.0.0").routes[0].netmask == "0.0.0.0");
}

TEST_CASE("route: errors") {
    CHECK(err("route 10.1.0.0 255.0.255.0").starts_with("test.conf:1: 'route': '255.0.255.0' is not a netmask"));
    CHECK(err("route 10.1.0.0 /16").starts_with("test.conf:1: 'route': '/16' is not a netmask"));
    CHECK(err("route 10.1.2.3 255.255.0.0").starts_with("test.conf:1: 'route': network '10.1.2.3' has bits set outside netmask"));
    CHECK(err("route 10.1.0").starts_with("test.conf:1: 'route': '10.1.0' is not a network"));
    CHECK(err("route 10.1.0.0 255.255.0.0 gw.example").starts_with("test.conf:1: 'route': 'gw.example' is not an IPv4 address"));
    CHECK(err("route 10.1.0.0 255.255.0.0 net_gateway").starts_with("test.conf:1: 'route': gateway 'net_gateway' is not supported yet"));
    CHECK(err("route remote_host").starts_with("test.conf:1: 'route': 'remote_host' as the network is not supported yet"));
    CHECK(err("route 10.1.0.0 255.255.0.0 10.0.0.2 x").starts_with("test.conf:1: 'route': 'x' is not a route metric"));
    CHECK(err("route 1 2 3 4 5") == "test.conf:1: 'route' expects 1 to 4 arguments (NET [MASK [GW [METRIC]]]), got 5");
}

TEST_CASE("tun-mtu bounds") {
    CHECK(opts("tun-mtu 68").tun_mtu == 68);
    CHECK(opts("tun-mtu 65535").tun_mtu == 65535);
    CHECK(err("tun-mtu 67") == "test.conf:1: 'tun-mtu': '67' is not an MTU (68..65535)");
    CHECK(err("tun-mtu 65536") == "test.conf:1: 'tun-mtu': '65536' is not an MTU (68..65535)");
}

TEST_CASE("secret, key-direction, cipher, auth") {
    TempDir tmp;
    auto r = load_ok("secret static.key 1\ncipher AES-256-CBC\nauth SHA256", tmp.path);
    CHECK(r.opts.secret->path == tmp.file("static.key"));
    CHECK(r.opts.key_direction == KeyDirection::Inverse);
    CHECK(r.opts.cipher == "AES-256-CBC");
    CHECK(r.opts.cipher_set);
    CHECK(r.opts.auth == "SHA256");
    CHECK(opts("secret /k 1\nkey-direction 0").key_direction == KeyDirection::Normal);
    CHECK(opts("key-direction 0\nsecret /k 1").key_direction == KeyDirection::Inverse);
    CHECK(opts("cipher none").cipher == "none");  // names are the crypto layer's to judge
    CHECK(err("secret /k 2") == "test.conf:1: 'secret': '2' is not a key direction, expected 0 or 1");
    CHECK(err("key-direction bidirectional") ==
          "test.conf:1: 'key-direction': 'bidirectional' is not a key direction, expected 0 or 1");
    CHECK(err("secret a 0 x").starts_with("test.conf:1: 'secret' expects 1 to 2 arguments"));
    CHECK(err("cipher \"\"").starts_with("test.conf:1: 'cipher': empty name"));
}

TEST_CASE("comp-lzo and compress") {
    CHECK(opts("comp-lzo").comp_lzo == CompLzo::Adaptive);
    CHECK(opts("comp-lzo yes").comp_lzo == CompLzo::Yes);
    CHECK(opts("comp-lzo no").comp_lzo == CompLzo::No);
    CHECK(opts("comp-lzo no").lzo_framing());
    CHECK(opts("comp-lzo adaptive").comp_lzo == CompLzo::Adaptive);
    Options o = opts("compress lzo");
    CHECK(o.compress_lzo);
    CHECK(o.lzo_framing());
    o = opts("compress lzo\ncomp-lzo no");  // the later one wins
    CHECK_FALSE(o.compress_lzo);
    CHECK(o.comp_lzo == CompLzo::No);
    o = opts("comp-lzo no\ncompress lzo");
    CHECK(o.compress_lzo);
    CHECK(o.comp_lzo == CompLzo::Absent);

    CHECK(err("comp-lzo maybe") == "test.conf:1: 'comp-lzo': 'maybe' is not a mode, expected yes, no or adaptive");
    for (const char* alg : {"lz4", "lz4-v2", "stub", "stub-v2", "migrate"}) {
        CAPTURE(alg);
        CHECK(err(std::string("compress ") + alg) ==
              "test.conf:1: compress " + std::string(alg) + " is not supported; use comp-lzo or compress lzo");
    }
    CHECK(has(err("compress"), "is not supported; use comp-lzo or compress lzo"));
    CHECK(err("compress").starts_with("test.conf:1: "));
    CHECK(err("compress zstd") == "test.conf:1: 'compress': 'zstd' is not a compression algorithm, expected lzo");
}

TEST_CASE("allow-compression") {
    Options o = opts("comp-lzo\nallow-compression yes");
    CHECK(o.allow_compression == AllowCompression::Yes);
    CHECK(o.lzo_compress_out());
    CHECK_FALSE(opts("comp-lzo no\nallow-compression yes").lzo_compress_out());
    CHECK_FALSE(opts("comp-lzo\nallow-compression asym").lzo_compress_out());
    CHECK(opts("compress lzo\nallow-compression yes").lzo_compress_out());
    CHECK(opts("comp-lzo").lzo_compress_out());
    CHECK(opts("comp-lzo adaptive").lzo_compress_out());
    CHECK_FALSE(opts("comp-lzo no").lzo_compress_out());
    CHECK_FALSE(opts("dev tun").lzo_compress_out());
    CHECK(warnings("allow-compression yes").empty());  // the runtime warns once when it compresses
    CHECK(opts("comp-lzo no\nallow-compression no").allow_compression == AllowCompression::No);

    std::string e = err("comp-lzo yes\nallow-compression no");
    CHECK(e.starts_with("test.conf:2: 'allow-compression no' conflicts with the compression enabled at test.conf:1"));
    CHECK(err("allow-compression no\nverb 1\ncompress lzo").starts_with("test.conf:1: 'allow-compression no' conflicts with the compression enabled at test.conf:3"));
    CHECK(err("allow-compression no\ncomp-lzo").starts_with("test.conf:1: 'allow-compression no' conflicts"));
    CHECK(err("allow-compression no\nallow-compression yes").starts_with("test.conf:2: 'allow-compression yes' after 'allow-compression no' at test.conf:1"));
    CHECK(err("allow-compression maybe") == "test.conf:1: 'allow-compression': 'maybe' is not a mode, expected no, asym or yes");
}

TEST_CASE("keepalive expands to ping + ping-restart, with OpenVPN's checks") {
    Options o = opts("keepalive 10 60");
    CHECK(o.ping == 10);
    CHECK(o.ping_restart == 60);
    CHECK(o.ping_exit == 0);
    CHECK(opts("keepalive 5 10").ping_restart == 10);  // exactly twice is allowed
    CHECK(err("keepalive 0 60").starts_with("test.conf:1: 'keepalive 0 60': both values must be > 0"));
    CHECK(err("\nkeepalive 10 19").starts_with("test.conf:2: 'keepalive 10 19': the restart timeout must be at least twice"));
    CHECK(err("keepalive 10 60\nping 5").starts_with("test.conf:1: 'keepalive' conflicts with ping"));
    CHECK(err("ping-exit 30\nkeepalive 10 60").starts_with("test.conf:2: 'keepalive' conflicts with ping"));
    CHECK(err("keepalive 10 x") == "test.conf:1: 'keepalive': 'x' is not a number of seconds (0..1000000000)");
    CHECK(err("keepalive 10").starts_with("test.conf:1: 'keepalive' expects 2 arguments"));
}

TEST_CASE("ping, ping-restart, ping-exit: one receive timer, the later wins") {
    Options o = opts("ping 10\nping-restart 60");
    CHECK(o.ping == 10);
    CHECK(o.ping_restart == 60);
    o = opts("ping-restart 60\nping-exit 120");
    CHECK(o.ping_restart == 0);
    CHECK(o.ping_exit == 120);
    o = opts("ping-exit 120\nping-restart 60");
    CHECK(o.ping_restart == 60);
    CHECK(o.ping_exit == 0);
    CHECK(err("ping -5") == "test.conf:1: 'ping': '-5' is not a number of seconds (0..1000000000)");
    CHECK(err("ping-restart 1000000001").starts_with("test.conf:1: 'ping-restart': '1000000001' is not"));
}

TEST_CASE("replay-window, mute-replay-warnings") {
    Options o = opts("replay-window 128 30\nmute-replay-warnings");
    CHECK(o.replay_window == 128);
    CHECK(o.replay_window_seconds == 30);
    CHECK(o.mute_replay_warnings);
    o = opts("replay-window 0");
    CHECK(o.replay_window == 0);
    CHECK(o.replay_window_seconds == 15);
    CHECK(opts("replay-window 65536 600").replay_window == 65536);
    CHECK(err("replay-window 65537") == "test.conf:1: 'replay-window': '65537' is not a window size (0..65536 packets)");
    CHECK(err("replay-window 64 601") == "test.conf:1: 'replay-window': '601' is not a time window (0..600 seconds)");
    CHECK(err("replay-window").starts_with("test.conf:1: 'replay-window' expects 1 to 2 arguments"));
}

TEST_CASE("explicit-exit-notify: no argument = 1; dropped with a warning over TCP") {
    CHECK(opts("explicit-exit-notify").explicit_exit_notify == 1);
    CHECK(opts("explicit-exit-notify 3").explicit_exit_notify == 3);
    TempDir tmp;
    auto r = load_ok("proto tcp-client\nremote p.example\nexplicit-exit-notify 2", tmp.path);
    CHECK(r.opts.explicit_exit_notify == 0);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].starts_with("test.conf:3: 'explicit-exit-notify' is ignored with a TCP transport"));
    CHECK(err("explicit-exit-notify x").starts_with("test.conf:1: 'explicit-exit-notify': 'x' is not"));
}

TEST_CASE("verb, log, log-append, writepid") {
    TempDir tmp;
    CHECK(opts("verb 0").verb == 0);
    CHECK(opts("verb 11").verb == 11);
    CHECK(err("verb 12") == "test.conf:1: 'verb': '12' is not a verbosity (0..11)");
    auto r = load_ok("log a.log\nlog-append b.log\nwritepid /run/vpn.pid", tmp.path);
    CHECK(r.opts.log_file == tmp.file("b.log"));
    CHECK(r.opts.log_append);
    CHECK(r.opts.writepid == "/run/vpn.pid");
    r = load_ok("log-append b.log\nlog ./logs/a.log", tmp.path);
    CHECK(r.opts.log_file == tmp.file("logs/a.log"));
    CHECK_FALSE(r.opts.log_append);
}

TEST_CASE("daemon, user, group, persist-*") {
    Options o = opts("daemon\nuser nobody\ngroup nogroup\npersist-tun\npersist-key");
    CHECK(o.daemon);
    CHECK(o.daemon_name == "vpn");
    CHECK(o.user == "nobody");
    CHECK(o.group == "nogroup");
    CHECK(o.persist_tun);
    CHECK(o.persist_key);
    CHECK(opts("daemon myvpn").daemon_name == "myvpn");
    CHECK_FALSE(opts("").daemon);
    TempDir tmp;
    auto r = load_ok("daemon first\ndaemon second", tmp.path);
    CHECK(r.opts.daemon_name == "first");
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].starts_with("test.conf:2: 'daemon' given twice"));
    CHECK(err("user") == "test.conf:1: 'user' expects 1 argument (user name), got 0");
}

TEST_CASE("up/down need script-security 2, wherever it is set") {
    Options o = opts("script-security 2\nup \"/etc/vpn/up.sh arg\"\ndown /etc/vpn/down.sh");
    CHECK(o.up == "/etc/vpn/up.sh arg");
    CHECK(o.down == "/etc/vpn/down.sh");
    CHECK(o.script_security == 2);
    CHECK(opts("up /x\nscript-security 3").up == "/x");  // order does not matter

    std::string e = err("dev tun\nup /etc/vpn/up.sh");
    CHECK(e.starts_with("test.conf:2: 'up' needs script-security 2 or higher"));
    CHECK(err("down /x\nscript-security 1").starts_with("test.conf:1: 'down' needs script-security 2"));
    CHECK(err("up /etc/vpn/up.sh arg").starts_with("test.conf:1: 'up' expects 1 argument (command, quoted if it has arguments), got 2"));
    CHECK(err("script-security 4") == "test.conf:1: 'script-security': '4' is not a script security level (0..3)");
}

TEST_CASE("argument helpers") {
    CHECK(parse_ipv4("0.0.0.0") == 0u);
    CHECK(parse_ipv4("255.255.255.255") == 0xffffffffu);
    CHECK(parse_ipv4("10.1.2.3") == 0x0a010203u);
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1..2.3", "1.2.3.4.", "a.b.c.d", " 1.2.3.4", "+1.2.3.4"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_ipv4(bad));
    }
    CHECK(is_contiguous_netmask(0));
    CHECK(is_contiguous_netmask(0xffffff00u));
    CHECK(is_contiguous_netmask(0xffffffffu));
    CHECK_FALSE(is_contiguous_netmask(0xff00ff00u));
    CHECK_FALSE(is_contiguous_netmask(0x00ffffffu));
    CHECK(resolve_path("/a/b", "c/./d//e") == "/a/b/c/d/e");
    CHECK(resolve_path("/a/b", "/x/../y") == "/x/../y");
    CHECK(resolve_path("/", ".") == "/");
    CHECK(parse_decimal("007", 0, 10) == 7);
    CHECK_FALSE(parse_decimal("99999999999999999999", 0, 10));
    CHECK(edit_distance("secret", "secrett", 2) == 1);
    CHECK(edit_distance("abc", "xyzabc", 2) == 3);
    CHECK(edit_distance("kitten", "sitting", 5) == 3);
}
