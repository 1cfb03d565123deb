// The config loader: the classic static-key pair, includes, `cd`, the command
// line, inline secrets, unknown / not-yet-supported / ignored directives.
// Per-directive argument checks are in test_config_directives.cpp, the lexer in
// test_config_lexer.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include "common/config/help.hpp"
#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::cmdline_error;
using config_test::has;
using config_test::load_error;
using config_test::load_ok;
using config_test::TempDir;

TEST_CASE("classic static-key server.conf (the issue's example)") {
    TempDir tmp;
    auto r = load_ok("dev tun\nifconfig 10.0.0.1 10.0.0.2\nsecret static.key\ncomp-lzo\n", tmp.path, "server.conf");
    const Options& o = r.opts;
    CHECK(r.warnings.empty());
    CHECK(o.dev == "tun");
    REQUIRE(o.dev_type);
    CHECK(*o.dev_type == DevType::Tun);
    CHECK(o.ifconfig_local == "10.0.0.1");
    CHECK(o.ifconfig_remote == "10.0.0.2");
    REQUIRE(o.secret);
    CHECK(o.secret->path == tmp.file("static.key"));
    CHECK_FALSE(o.secret->inline_text);
    CHECK(o.secret->origin.str() == "server.conf:3");
    CHECK(o.key_direction == KeyDirection::Bidirectional);
    CHECK(o.comp_lzo == CompLzo::Adaptive);
    CHECK(o.lzo_framing());
    CHECK(o.lzo_compress_out());  // the classic setup compresses both ways
    CHECK(o.proto == Proto::Udp);
    CHECK(o.lport == 1194);
    CHECK(o.rport == 1194);
    CHECK(o.remotes.empty());
    CHECK(o.cipher == "BF-CBC");
    CHECK_FALSE(o.cipher_set);
    CHECK(o.auth == "SHA1");
    CHECK(o.dev_origin.str() == "server.conf:1");
}

TEST_CASE("classic static-key client.conf (the issue's example)") {
    TempDir tmp;
    auto r = load_ok("remote serverIpAddressOrHostName\ndev tun\nifconfig 10.0.0.2 10.0.0.1\nsecret static.key\n"
                     "comp-lzo\n",
                     tmp.path, "client.conf");
    const Options& o = r.opts;
    CHECK(r.warnings.empty());
    REQUIRE(o.remotes.size() == 1);
    CHECK(o.remotes[0].host == "serverIpAddressOrHostName");
    CHECK_FALSE(o.remotes[0].port);
    CHECK_FALSE(o.remotes[0].proto);
    CHECK(o.ifconfig_local == "10.0.0.2");
    CHECK(o.ifconfig_remote == "10.0.0.1");
    CHECK(o.secret->path == tmp.file("static.key"));
    CHECK(o.comp_lzo == CompLzo::Adaptive);
}

TEST_CASE("an empty config keeps OpenVPN 2.6's defaults") {
    TempDir tmp;
    auto r = load_ok("", tmp.path);
    const Options& o = r.opts;
    CHECK(o.config_file.empty());
    CHECK(o.dev.empty());
    CHECK_FALSE(o.dev_type);
    CHECK(o.device_type() == DevType::Tun);
    CHECK(o.tun_mtu == 1500);
    CHECK(o.proto == Proto::Udp);
    CHECK(o.family == Family::Any);
    CHECK(o.lport == 1194);
    CHECK_FALSE(o.secret);
    CHECK(o.replay_window == 64);
    CHECK(o.replay_window_seconds == 15);
    CHECK(o.comp_lzo == CompLzo::Absent);
    CHECK_FALSE(o.lzo_framing());
    CHECK(o.allow_compression == AllowCompression::Unset);
    CHECK(o.ping == 0);
    CHECK(o.ping_restart == 0);
    CHECK(o.verb == 1);
    CHECK(o.script_security == 1);
    CHECK(o.cd.empty());
}

TEST_CASE("inline <secret>: alone, with 'secret [inline]' before or after, and missing") {
    TempDir tmp;
    const std::string block = "<secret>\n-----BEGIN OpenVPN Static key V1-----\nabcd\n-----END OpenVPN Static key V1-----\n</secret>\n";
    const std::string key = "-----BEGIN OpenVPN Static key V1-----\nabcd\n-----END OpenVPN Static key V1-----\n";

    auto alone = load_ok(block + "key-direction 1\n", tmp.path);
    REQUIRE(alone.opts.secret);
    CHECK(alone.opts.secret->inline_text == key);
    CHECK(alone.opts.key_direction == KeyDirection::Inverse);

    auto before = load_ok("secret [inline] 0\n" + block, tmp.path);
    CHECK(before.opts.secret->inline_text == key);
    CHECK(before.opts.key_direction == KeyDirection::Normal);

    auto after = load_ok(block + "secret [inline]\n", tmp.path);
    CHECK(after.opts.secret->inline_text == key);

    // A later file wins over the block, as any later directive does.
    auto file = load_ok(block + "secret my.key\n", tmp.path);
    CHECK_FALSE(file.opts.secret->inline_text);
    CHECK(file.opts.secret->path == tmp.file("my.key"));

    std::string e = load_error("dev tun\nsecret [inline]\n", tmp.path);
    CHECK(e.starts_with("test.conf:2: "));
    CHECK(has(e, "no <secret> block"));
}

TEST_CASE("inline blocks of other directives") {
    TempDir tmp;
    CHECK(load_error("<ifconfig-ipv6-pool>\nx\n</ifconfig-ipv6-pool>\n", tmp.path) ==
          "test.conf:1: 'ifconfig-ipv6-pool' is not supported yet");
    std::string e = load_error("\n<port>\n1194\n</port>\n", tmp.path);
    CHECK(e.starts_with("test.conf:2: 'port' cannot be an inline block <port>"));
    CHECK(load_error("<nonsense>\n</nonsense>\n", tmp.path).starts_with("test.conf:1: unknown directive 'nonsense'"));
}

TEST_CASE("config includes: relative to the current directory, errors name the included file") {
    TempDir tmp;
    tmp.write("inc/common.conf", "dev tap\nverb 4\n");
    auto r = load_ok("config inc/common.conf\nverb 5\n", tmp.path);
    CHECK(r.opts.dev == "tap");
    CHECK(r.opts.verb == 5);  // later lines win
    CHECK(r.opts.config_file == tmp.file("inc/common.conf"));

    tmp.write("bad.conf", "verb 1\nverb 99\n");
    CHECK(load_error("config bad.conf\n", tmp.path) == "bad.conf:2: 'verb': '99' is not a verbosity (0..11)");

    std::string e = load_error("\nconfig missing.conf\n", tmp.path);
    CHECK(e.starts_with("test.conf:2: 'config': cannot read 'missing.conf'"));
    CHECK(has(e, "No such file"));

    e = load_error("config inc\n", tmp.path);
    CHECK(e.starts_with("test.conf:1: 'config': cannot read 'inc'"));
    CHECK(has(e, "directory"));
}

TEST_CASE("config includes: a loop and an over-deep chain are errors") {
    TempDir tmp;
    tmp.write("self.conf", "verb 2\nconfig self.conf\n");
    std::string e = load_error("config self.conf\n", tmp.path);
    CHECK(e.starts_with("self.conf:2: 'config': "));
    CHECK(has(e, "includes itself"));

    // OpenVPN allows 10 levels: the text is level 1, f1..f9 are levels 2..10.
    for (int i = 1; i <= 8; ++i) tmp.write("f" + std::to_string(i) + ".conf", "config f" + std::to_string(i + 1) + ".conf\n");
    tmp.write("f9.conf", "verb 3\n");
    CHECK(load_ok("config f1.conf\n", tmp.path).opts.verb == 3);
    tmp.write("f9.conf", "config f10.conf\n");
    tmp.write("f10.conf", "verb 3\n");
    e = load_error("config f1.conf\n", tmp.path);
    CHECK(e.starts_with("f9.conf:1: 'config': include depth limit (10) exceeded"));
}

TEST_CASE("cd: later relative paths resolve against it; Options::cd is absolute") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.file("etc/vpn"));
    tmp.write("etc/vpn/extra.conf", "writepid run.pid\n");
    auto r = load_ok("log before.log\ncd etc/vpn\nsecret keys/static.key\nconfig extra.conf\ncd ..\nlog-append after.log\n",
                     tmp.path);
    const Options& o = r.opts;
    CHECK(o.secret->path == tmp.file("etc/vpn/keys/static.key"));
    CHECK(o.writepid == tmp.file("etc/vpn/run.pid"));
    CHECK(o.cd == tmp.file("etc"));
    CHECK(o.log_file == tmp.file("etc/after.log"));
    CHECK(o.log_append);

    auto abs = load_ok("cd " + tmp.file("etc") + "\nsecret /k/x.key\n", "/");
    CHECK(abs.opts.secret->path == "/k/x.key");
    CHECK(abs.opts.cd == tmp.file("etc"));

    std::string e = load_error("verb 3\ncd nowhere\n", tmp.path);
    CHECK(e.starts_with("test.conf:2: 'cd': cannot use '" + tmp.file("nowhere") + "'"));
    tmp.write("plain", "x");
    CHECK(load_error("cd plain\n", tmp.path).starts_with("test.conf:1: 'cd': cannot use"));
}

TEST_CASE("command line: applied after the file, so it wins; route and remote accumulate") {
    TempDir tmp;
    std::string conf = tmp.write("server.conf", "dev tun\nport 1000\nverb 3\nroute 10.1.0.0 255.255.0.0\nremote a.example\n");
    std::vector<std::string> warnings;
    Options o = load(conf, {"--port", "2000", "--route", "10.2.0.0", "255.255.0.0", "--remote", "b.example", "1195", "--nobind"},
                     [&](const std::string& w) { warnings.push_back(w); });
    CHECK(warnings.empty());
    CHECK(o.config_file == conf);
    CHECK(o.lport == 2000);
    CHECK(o.rport == 2000);
    CHECK(o.verb == 3);
    REQUIRE(o.routes.size() == 2);
    CHECK(o.routes[0].network == "10.1.0.0");
    CHECK(o.routes[1].network == "10.2.0.0");
    REQUIRE(o.remotes.size() == 2);
    CHECK(o.remotes[1].host == "b.example");
    CHECK(o.remotes[1].port == 1195);
    CHECK(o.nobind);
}

TEST_CASE("command line: --config, paths against the working directory, no config file") {
    TempDir tmp;
    std::string conf = tmp.write("a.conf", "verb 6\n");
    Options o = load("", {"--config", conf, "--secret", "rel.key", "--verb", "2"}, {});
    CHECK(o.config_file == conf);
    CHECK(o.verb == 2);
    CHECK(o.secret->path == (std::filesystem::current_path() / "rel.key").string());
    CHECK(o.secret->origin.str() == "[command line] --secret");
}

TEST_CASE("command line: a cd in the file also moves the base of command-line paths") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.file("sub/deeper"));
    std::string conf = tmp.write("c.conf", "cd " + tmp.file("sub") + "\n");
    Options o = load(conf, {"--secret", "k.key", "--cd", "deeper", "--log", "x.log"}, {});
    CHECK(o.secret->path == tmp.file("sub/k.key"));
    CHECK(o.log_file == tmp.file("sub/deeper/x.log"));
    CHECK(o.cd == tmp.file("sub/deeper"));
}

TEST_CASE("command line: error formats") {
    TempDir tmp;
    CHECK(cmdline_error("", {"--port", "abc"}) == "[command line] --port: 'port': 'abc' is not a port number (1..65535)");
    CHECK(cmdline_error("", {"--port", "1", "2"}) ==
          "[command line] --port: 'port' expects 1 argument (port number 1..65535), got 2");
    CHECK(cmdline_error("", {"port", "1"}).starts_with("[command line]: 'port' is not a directive"));
    CHECK(cmdline_error("", {"--secrett", "x"}) ==
          "[command line] --secrett: unknown directive 'secrett'; did you mean 'secret'?");
    std::string e = cmdline_error(tmp.file("none.conf"), {});
    CHECK(e.starts_with("[command line] --config: 'config': cannot read '" + tmp.file("none.conf") + "'"));
    // The file is read first: its error wins over a bad command line.
    std::string conf = tmp.write("b.conf", "verb 1\nbogus\n");
    CHECK(cmdline_error(conf, {"--port", "0"}).starts_with(conf + ":2: unknown directive 'bogus'"));
}

TEST_CASE("unknown directives: suggestion within edit distance 2, none beyond") {
    TempDir tmp;
    CHECK(load_error("dev tun\n\nsecrett static.key\n", tmp.path, "server.conf") ==
          "server.conf:3: unknown directive 'secrett'; did you mean 'secret'?");
    CHECK(load_error("persist-tnu\n", tmp.path) == "test.conf:1: unknown directive 'persist-tnu'; did you mean 'persist-tun'?");
    CHECK(load_error("tls-auht ta.key\n", tmp.path) == "test.conf:1: unknown directive 'tls-auht'; did you mean 'tls-auth'?");
    CHECK(load_error("frobnicate\n", tmp.path) == "test.conf:1: unknown directive 'frobnicate'");
    CHECK(load_error("Dev tun\n", tmp.path) == "test.conf:1: unknown directive 'Dev'; did you mean 'dev'?");
}

TEST_CASE("unknown directives: a pasted key line is not repeated") {
    TempDir tmp;
    std::string e = load_error("dev tun\n6acef03f62675b4b1bbd03e53b187727\n", tmp.path);
    CHECK(e.starts_with("test.conf:2: unknown directive (a line of hex digits"));
    CHECK_FALSE(has(e, "6acef03f"));
}

TEST_CASE("later features are errors, not silently ignored") {
    TempDir tmp;
    for (const char* name : {"server-ipv6", "ifconfig-ipv6-pool", "client-nat", "fragment",
                             "tls-crypt-v2", "tls-timeout", "verify-hash", "connect-timeout", "auth-gen-token",
                             "pkcs12", "capath", "ns-cert-type", "stale-routes-check", "push-continuation"}) {
        CAPTURE(name);
        CHECK(load_error("verb 3\n" + std::string(name) + " x\n", tmp.path) ==
              "test.conf:2: '" + std::string(name) + "' is not supported yet");
    }
}

TEST_CASE("harmless tuning directives: accepted with one warning each, arity still checked") {
    TempDir tmp;
    auto r = load_ok("sndbuf 393216\nrcvbuf 393216\nmute 5\n"
                     "tun-ipv6\nping-timer-rem\nfast-io\nnice 0\nroute-delay\nmtu-disc yes\npersist-local-ip\n"
                     "persist-remote-ip\nsuppress-timestamps\nmachine-readable-output\nproviders legacy default\n"
                     "txqueuelen 1000\nmute 20\n",
                     tmp.path);
    REQUIRE(r.warnings.size() == 16);
    CHECK(r.warnings[0] == "test.conf:1: 'sndbuf' is not supported yet and is ignored");
    CHECK(r.warnings[15] == "test.conf:16: 'mute' is not supported yet and is ignored");
    CHECK(load_error("tun-ipv6 yes\n", tmp.path) == "test.conf:1: 'tun-ipv6' expects no arguments, got 1");
    CHECK(load_error("sndbuf\n", tmp.path) == "test.conf:1: 'sndbuf' expects 1 argument (bytes), got 0");
}

TEST_CASE("no-replay is refused") {
    TempDir tmp;
    CHECK(load_error("dev tun\nno-replay\n", tmp.path) == "test.conf:2: no-replay is refused: it disables replay protection");
}

TEST_CASE("help lists every supported directive from the registry") {
    std::string help = directive_help();
    for (const char* name : {"dev", "dev-type", "proto", "port", "lport", "rport", "local", "remote", "nobind",
                             "float", "ifconfig", "route", "tun-mtu", "secret", "key-direction", "cipher", "auth",
                             "comp-lzo", "compress", "allow-compression", "keepalive", "ping", "ping-restart",
                             "ping-exit", "replay-window", "mute-replay-warnings", "explicit-exit-notify",
                             "verb", "log", "log-append", "writepid", "daemon", "user", "group", "persist-tun",
                             "persist-key", "up", "down", "script-security", "cd", "config", "mssfix"}) {
        CAPTURE(name);
        CHECK(has(help, "\n  --" + std::string(name) + " "));
    }
    CHECK(has(help, "--remote HOST [PORT [PROTO]]"));
    CHECK(has(help, "\n  --mssfix "));
    CHECK(has(help, "sndbuf"));  // in the ignored list
    CHECK(has(help, "\n  --tls-auth FILE|[inline] [0|1] "));
    CHECK_FALSE(has(help, "coming"));  // every documented directive runs
    CHECK(has(help, "<secret>, <ca>, <cert>, <key>"));
    CHECK_FALSE(has(help, "--ifconfig-ipv6-pool"));
    CHECK(help.back() == '\n');
}

TEST_CASE("Origin::str") {
    CHECK(Origin{"a.conf", 3, "dev"}.str() == "a.conf:3");
    CHECK(Origin{"[command line]", 2, "port"}.str() == "[command line] --port");
    CHECK(Origin{}.str() == "[default]");
}

TEST_CASE("hostile input: random configs end in options or a ConfigError, nothing else") {
    TempDir tmp;
    // Directive names and argument shapes that reach every parse function and the
    // lexer's corners; a fixed seed keeps failures reproducible.
    const std::vector<std::string> names = {"dev", "dev-type", "proto", "port", "remote", "ifconfig", "route",
                                            "secret", "comp-lzo", "compress", "allow-compression", "keepalive",
                                            "ping", "replay-window", "cd", "config", "up", "script-security",
                                            "daemon", "mssfix", "ca", "--verb", "<secret>", "</secret>", "#", ""};
    const std::vector<std::string> args = {"x", "1", "0", "tun", "tap", "\"a b", "'q'", "\\", "\\\\", "\"\"",
                                           "[inline]", "10.0.0.1", "255.255.255.0", "-1", "99999999999",
                                           "tcp", "default", "vpn_gateway", "lzo", "no", "yes", "<", ">", "#c"};
    std::mt19937 rng(1234);
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    int accepted = 0;
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        const int lines = 1 + static_cast<int>(rng() % 8);
        for (int l = 0; l < lines; ++l) {
            if (rng() % 10 == 0) {
                for (int k = rng() % 40; k > 0; --k) text += static_cast<char>(1 + rng() % 255);  // raw bytes, no NUL
            } else {
                text += pick(names);
                for (int k = rng() % 5; k > 0; --k) text += " " + pick(args);
            }
            text += rng() % 7 ? "\n" : "\r\n";
        }
        try {
            vpn::config::load_text(text, "fuzz.conf", tmp.path, [](const std::string&) {});
            ++accepted;
        } catch (const ConfigError& e) {
            CHECK(std::string(e.what()).starts_with("fuzz.conf:"));
        } catch (const std::exception& e) {
            FAIL("not a ConfigError: " << e.what() << " for input: " << text);
        }
    }
    CHECK(accepted > 0);  // the generator does reach valid configs
}

TEST_CASE("mssfix: OpenVPN's forms") {
    TempDir tmp;
    auto d = load_ok("dev tun\n", tmp.path);
    CHECK_FALSE(d.opts.mssfix.has_value());  // OpenVPN's default, resolved at run time
    auto a = load_ok("mssfix 1400\n", tmp.path);
    CHECK(a.opts.mssfix == 1400);
    CHECK_FALSE(a.opts.mssfix_encap);
    auto b = load_ok("mssfix 1450 mtu\n", tmp.path);
    CHECK(b.opts.mssfix_encap);
    auto c = load_ok("mssfix 1300 fixed\n", tmp.path);
    CHECK(c.opts.mssfix_fixed);
    CHECK(load_ok("mssfix 0\n", tmp.path).opts.mssfix == 0);
    CHECK(load_ok("mssfix 1400\nmssfix\n", tmp.path).opts.mssfix == std::nullopt);
    CHECK(load_error("mssfix 1400 bogus\n", tmp.path) == "test.conf:1: 'mssfix': 'bogus' is not a mode, expected mtu or fixed");
    CHECK(load_error("mssfix big\n", tmp.path).starts_with("test.conf:1: 'mssfix': 'big' is not a packet size"));
}
