// The multi-client server's remaining directives (directives_server_scripts.cpp,
// status/status-version/management in directives_process.cpp, max-routes-per-client
// and connect-freq-initial in directives_pool.cpp, push-reset/push-remove/iroute in
// directives_server.cpp) and their rules (validate_server.cpp): what lands in
// Options::server, every error with its "FILE:LINE:" prefix, the mode-server
// requirement and the load-time warnings.
#include <doctest/doctest.h>

#include <algorithm>

#include "common/config/directive_registry.hpp"
#include "common/config/help.hpp"
#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::cmdline_error;
using config_test::err;
using config_test::has;
using config_test::load_error;
using config_test::load_ok;
using config_test::opts;
using config_test::TempDir;
using config_test::warnings;

namespace {

// A valid one-client server after the lines under test (so they keep their numbers).
const std::string kServer = "mode server\ntls-server\nca ca.crt\ncert s.crt\nkey s.key\ndev tun\n";
const std::string kP2p = "dev tun\nsecret s.key\n";

// Warnings that start with `prefix`.
std::size_t count_starting(const std::vector<std::string>& w, const std::string& prefix) {
    return static_cast<std::size_t>(
        std::count_if(w.begin(), w.end(), [&](const std::string& s) { return s.starts_with(prefix); }));
}

bool any_has(const std::vector<std::string>& w, const std::string& needle) {
    return std::any_of(w.begin(), w.end(), [&](const std::string& s) { return has(s, needle); });
}

}  // namespace

TEST_CASE("defaults are 2.6's") {
    const ServerOptions s = opts(kServer).server;
    CHECK_FALSE(s.client_config_dir);
    CHECK_FALSE(s.ccd_exclusive);
    CHECK(s.max_routes_per_client == 256);
    CHECK_FALSE(s.status_file);
    CHECK(s.status_seconds == 60);
    CHECK(s.status_version == 1);
    CHECK_FALSE(s.management);
    CHECK_FALSE(s.learn_address);
    CHECK_FALSE(s.client_connect);
    CHECK_FALSE(s.client_disconnect);
    CHECK_FALSE(s.auth_user_pass_verify);
    CHECK(s.auth_verify_via_file);
    CHECK_FALSE(s.username_as_common_name);
    CHECK(s.tmp_dir == "/tmp");
    CHECK(s.connect_freq_initial_n == 2000);
    CHECK(s.connect_freq_initial_s == 10);
    CHECK_FALSE(s.push_ifconfig_blocked);
    CHECK(s.lines.empty());
}

TEST_CASE("client-config-dir: absolute against the config dir or the last cd") {
    TempDir tmp;
    std::filesystem::create_directories(tmp.file("etc/sub"));
    auto r = load_ok("client-config-dir ccd\n" + kServer, tmp.path);
    CHECK(r.opts.server.client_config_dir == tmp.file("ccd"));
    r = load_ok("client-config-dir ./ccd//x/\n" + kServer, tmp.path);
    CHECK(r.opts.server.client_config_dir == tmp.file("ccd/x"));
    r = load_ok("client-config-dir /etc/openvpn/ccd\n" + kServer, tmp.path);
    CHECK(r.opts.server.client_config_dir == "/etc/openvpn/ccd");
    r = load_ok("cd etc/sub\nclient-config-dir ccd\n" + kServer, tmp.path);
    CHECK(r.opts.server.client_config_dir == tmp.file("etc/sub/ccd"));
    // The later line wins, and its line is the one remembered.
    r = load_ok("client-config-dir a\nclient-config-dir b\n" + kServer, tmp.path);
    CHECK(r.opts.server.client_config_dir == tmp.file("b"));
    CHECK(err("client-config-dir\n" + kServer) ==
          "test.conf:1: 'client-config-dir' expects 1 argument (directory), got 0");
    CHECK(err("client-config-dir a b\n" + kServer) ==
          "test.conf:1: 'client-config-dir' expects 1 argument (directory), got 2");
    CHECK(err("client-config-dir \"\"\n" + kServer) ==
          "test.conf:1: 'client-config-dir': empty argument, expected a directory");
}

TEST_CASE("ccd-exclusive needs client-config-dir") {
    Options o = opts("client-config-dir ccd\nccd-exclusive\n" + kServer);
    CHECK(o.server.ccd_exclusive);
    CHECK(err("\nccd-exclusive\n" + kServer) ==
          "test.conf:2: 'ccd-exclusive' must be used with 'client-config-dir', expected a client-config-dir line");
    CHECK(err("ccd-exclusive yes\n" + kServer) == "test.conf:1: 'ccd-exclusive' expects no arguments, got 1");
}

TEST_CASE("server-only directives require mode server, at their own line") {
    for (const char* line : {"client-config-dir ccd", "ccd-exclusive", "learn-address /bin/true",
                             "client-connect /bin/true", "client-disconnect /bin/true",
                             "auth-user-pass-verify /bin/true via-file", "username-as-common-name", "push-reset",
                             "push-remove route"}) {
        CAPTURE(line);
        const std::string name = std::string(line).substr(0, std::string(line).find(' '));
        CHECK(err("verb 3\n" + std::string(line) + "\n" + kP2p) ==
              "test.conf:2: '" + name + "' requires 'mode server' (or the 'server' helper), expected 'mode server' "
              "with 'tls-server', or no " + name + " line");
    }
    // The `server` helper makes mode server; mode may also come after the line.
    CHECK(opts("learn-address /bin/true\nscript-security 2\nserver 10.8.0.0 255.255.255.0\n"
               "ca ca.crt\ncert s.crt\nkey s.key\ndev tun\n")
              .server.learn_address == "/bin/true");
    CHECK(opts("client-config-dir ccd\n" + kServer).mode == Mode::Server);
    // Command-line origins name the option.
    TempDir tmp;
    std::string conf = tmp.write("p.conf", kP2p);
    CHECK(cmdline_error(conf, {"--client-connect", "/bin/true"}) ==
          "[command line] --client-connect: 'client-connect' requires 'mode server' (or the 'server' helper), "
          "expected 'mode server' with 'tls-server', or no client-connect line");
}

TEST_CASE("directives 2.6 also takes outside mode server") {
    // Accepted in p2p; status and management are warned about there (served only by
    // the multi-client server).
    auto w = warnings("status s.log 5\nmanagement /run/m.sock unix\ntmp-dir /var/tmp\nstatus-version 2\n"
                      "max-routes-per-client 10\nconnect-freq-initial 5 1\n" + kP2p);
    CHECK(count_starting(w, "test.conf:1: 'status' is only written by 'mode server' here and is ignored in p2p "
                            "mode") == 1);
    CHECK(count_starting(w, "test.conf:2: 'management' is only served by 'mode server' here") == 1);
    CHECK_FALSE(any_has(w, "test.conf:3"));
    CHECK_FALSE(any_has(w, "test.conf:4"));
    CHECK_FALSE(any_has(w, "test.conf:5"));
    CHECK_FALSE(any_has(w, "test.conf:6"));
    CHECK_FALSE(any_has(warnings("status s.log\nmanagement /run/m unix\n" + kServer), "by 'mode server' here"));
}

TEST_CASE("max-routes-per-client N") {
    CHECK(opts("max-routes-per-client 1\n" + kServer).server.max_routes_per_client == 1);
    CHECK(opts("max-routes-per-client 1000000\n" + kServer).server.max_routes_per_client == 1000000);
    CHECK(err("max-routes-per-client 0\n" + kServer) ==
          "test.conf:1: 'max-routes-per-client': '0' is not a route count (1..1000000)");
    CHECK(err("max-routes-per-client many\n" + kServer) ==
          "test.conf:1: 'max-routes-per-client': 'many' is not a route count (1..1000000)");
    CHECK(err("max-routes-per-client\n" + kServer) ==
          "test.conf:1: 'max-routes-per-client' expects 1 argument (a route count), got 0");
}

TEST_CASE("status FILE [N] and status-version") {
    TempDir tmp;
    auto r = load_ok("status openvpn-status.log\n" + kServer, tmp.path);
    CHECK(r.opts.server.status_file == tmp.file("openvpn-status.log"));
    CHECK(r.opts.server.status_seconds == 60);
    r = load_ok("status /var/log/s.log 10\nstatus-version 3\n" + kServer, tmp.path);
    CHECK(r.opts.server.status_file == "/var/log/s.log");
    CHECK(r.opts.server.status_seconds == 10);
    CHECK(r.opts.server.status_version == 3);
    // 0: never rewritten on a timer.  A later line without N keeps the interval (2.6).
    CHECK(opts("status s 0\n" + kServer).server.status_seconds == 0);
    CHECK(opts("status s 30\nstatus t\n" + kServer).server.status_seconds == 30);
    CHECK(opts("status-version 1\n" + kServer).server.status_version == 1);
    CHECK(opts("status-version 2\n" + kServer).server.status_version == 2);
    CHECK(err("status s -1\n" + kServer) ==
          "test.conf:1: 'status': '-1' is not a number of seconds (0..1000000000)");
    CHECK(err("status s 10s\n" + kServer).starts_with("test.conf:1: 'status': '10s' is not a number of seconds"));
    CHECK(err("status\n" + kServer) ==
          "test.conf:1: 'status' expects 1 to 2 arguments (file name and optional seconds), got 0");
    CHECK(err("status a 1 2\n" + kServer).starts_with("test.conf:1: 'status' expects 1 to 2 arguments"));
    CHECK(err("\nstatus-version 4\n" + kServer) ==
          "test.conf:2: 'status-version': '4' is not a status file format (1..3)");
    CHECK(err("status-version 0\n" + kServer) ==
          "test.conf:1: 'status-version': '0' is not a status file format (1..3)");
    CHECK(err("status-version\n" + kServer) ==
          "test.conf:1: 'status-version' expects 1 argument (a status file format 1..3), got 0");
}

TEST_CASE("management IP PORT: the host as written, numeric port") {
    for (const char* host : {"127.0.0.1", "::1", "localhost", "0.0.0.0", "mgmt.example"}) {
        CAPTURE(host);
        Options o = opts("management " + std::string(host) + " 7505\n" + kServer);
        REQUIRE(o.server.management);
        CHECK(o.server.management->host == host);
        CHECK(o.server.management->port == 7505);
        CHECK_FALSE(o.server.management->unix_path);
    }
    CHECK(opts("management 127.0.0.1 1\n" + kServer).server.management->port == 1);
    CHECK(opts("management 127.0.0.1 65535\n" + kServer).server.management->port == 65535);
    // No password on the interface: warned, as 2.6 does.
    auto w = warnings("management 127.0.0.1 7505\n" + kServer);
    CHECK(count_starting(w, "test.conf:1: 'management' on TCP 127.0.0.1 port 7505 has no password") == 1);
    for (const char* port : {"0", "65536", "http", "-1"}) {
        CAPTURE(port);
        CHECK(err("management 127.0.0.1 " + std::string(port) + "\n" + kServer) ==
              "test.conf:1: 'management': '" + std::string(port) +
                  "' is not a port number (1..65535) or 'unix' (management PATH unix)");
    }
    CHECK(err("management 10.0.0.300 7505\n" + kServer) ==
          "test.conf:1: 'management': '10.0.0.300' is not an address, expected 'management IP PORT' (e.g. "
          "127.0.0.1 7505) or 'management PATH unix'");
    CHECK(err("management a/b 7505\n" + kServer).starts_with("test.conf:1: 'management': 'a/b' is not an address"));
}

TEST_CASE("management PATH unix: absolute path, no host or port") {
    TempDir tmp;
    auto r = load_ok("management mgmt.sock unix\n" + kServer, tmp.path);
    REQUIRE(r.opts.server.management);
    CHECK(r.opts.server.management->unix_path == tmp.file("mgmt.sock"));
    CHECK(r.opts.server.management->host.empty());
    CHECK(r.opts.server.management->port == 0);
    CHECK_FALSE(any_has(r.warnings, "'management'"));
    // The later management line replaces the earlier one entirely.
    r = load_ok("management /run/m unix\nmanagement ::1 7000\n" + kServer, tmp.path);
    CHECK_FALSE(r.opts.server.management->unix_path);
    CHECK(r.opts.server.management->host == "::1");
    CHECK(err("management \"\" unix\n" + kServer) == "test.conf:1: 'management': empty argument, expected a socket "
                                                      "path");
}

TEST_CASE("management: a password file and other forms are refused") {
    CHECK(err("management 127.0.0.1 7505 pw.txt\n" + kServer) ==
          "test.conf:1: 'management': a password file ('pw.txt') is not supported, expected 'management IP PORT' or "
          "'management PATH unix' (keep the interface on 127.0.0.1 or a unix socket)");
    CHECK(err("management /run/m unix pw.txt\n" + kServer)
              .starts_with("test.conf:1: 'management': a password file ('pw.txt') is not supported"));
    CHECK(err("management 127.0.0.1\n" + kServer) ==
          "test.conf:1: 'management' expects 2 to 3 arguments (IP and port, or socket path and 'unix'), got 1");
    CHECK(err("management a b c d\n" + kServer).starts_with("test.conf:1: 'management' expects 2 to 3 arguments"));
}

TEST_CASE("learn-address, client-connect, client-disconnect: command lines as written") {
    Options o = opts("script-security 2\nlearn-address \"/etc/openvpn/learn.sh -v\"\nclient-connect ./cc.sh\n"
                     "client-disconnect '/bin/logger disc'\n" + kServer);
    CHECK(o.server.learn_address == "/etc/openvpn/learn.sh -v");
    CHECK(o.server.client_connect == "./cc.sh");
    CHECK(o.server.client_disconnect == "/bin/logger disc");
    for (const char* name : {"learn-address", "client-connect", "client-disconnect"}) {
        CAPTURE(name);
        const std::string n = name;
        CHECK(err(n + "\n" + kServer) == "test.conf:1: '" + n +
                                            "' expects 1 argument (command, quoted if it has arguments), got 0");
        CHECK(err(n + " /bin/x arg\n" + kServer) ==
              "test.conf:1: '" + n + "' expects 1 argument (command, quoted if it has arguments), got 2");
        CHECK(err(n + " \"\"\n" + kServer) ==
              "test.conf:1: '" + n + "': empty argument, expected a command (quoted if it has arguments)");
        // 2.6: "Multiple --NAME scripts defined": the later wins, with a warning.
        TempDir tmp;
        auto r = load_ok("script-security 2\n" + n + " /a\n" + n + " /b\n" + kServer, tmp.path);
        CHECK(count_starting(r.warnings, "test.conf:3: '" + n + "' given again; this script replaces the one at "
                                         "test.conf:2") == 1);
    }
    CHECK(opts("script-security 2\nlearn-address /a\nlearn-address /b\n" + kServer).server.learn_address == "/b");
}

TEST_CASE("scripts below script-security 2: a warning at load, saying what 2.6 does then") {
    auto w = warnings("learn-address /a\nclient-connect /b\nclient-disconnect /c\n"
                      "auth-user-pass-verify /d via-file\n" + kServer);
    CHECK(count_starting(w, "test.conf:1: 'learn-address' will not run: script-security is 1 and OpenVPN 2.6 "
                            "refuses to call scripts below 2 at run time (no client address is learned") == 1);
    CHECK(count_starting(w, "test.conf:2: 'client-connect' will not run: script-security is 1") == 1);
    CHECK(any_has(w, "every client is refused"));
    CHECK(count_starting(w, "test.conf:3: 'client-disconnect' will not run") == 1);
    CHECK(count_starting(w, "test.conf:4: 'auth-user-pass-verify' will not run") == 1);
    CHECK(any_has(w, "every client fails authentication), expected 'script-security 2'"));
    // script-security after the scripts still counts; level 0 warns too.
    CHECK_FALSE(any_has(warnings("learn-address /a\nscript-security 2\n" + kServer), "will not run"));
    CHECK(count_starting(warnings("script-security 0\nclient-connect /b\n" + kServer),
                         "test.conf:2: 'client-connect' will not run: script-security is 0") == 1);
}

TEST_CASE("auth-user-pass-verify CMD via-file|via-env") {
    Options o = opts("script-security 2\nauth-user-pass-verify \"/usr/bin/check -x\" via-file\n" + kServer);
    CHECK(o.server.auth_user_pass_verify == "/usr/bin/check -x");
    CHECK(o.server.auth_verify_via_file);
    o = opts("script-security 3\nauth-user-pass-verify /c via-env\n" + kServer);
    CHECK(o.server.auth_user_pass_verify == "/c");
    CHECK_FALSE(o.server.auth_verify_via_file);
    CHECK(err("auth-user-pass-verify /c via-pipe\n" + kServer) ==
          "test.conf:1: 'auth-user-pass-verify': 'via-pipe' is not a method, expected via-file or via-env as the "
          "second argument");
    CHECK(err("auth-user-pass-verify /c\n" + kServer) ==
          "test.conf:1: 'auth-user-pass-verify' expects 2 arguments (command (quoted if it has arguments), then "
          "via-file or via-env), got 1");
    CHECK(err("auth-user-pass-verify /c via-env x\n" + kServer).starts_with(
        "test.conf:1: 'auth-user-pass-verify' expects 2 arguments"));
    CHECK(err("auth-user-pass-verify \"\" via-env\n" + kServer) ==
          "test.conf:1: 'auth-user-pass-verify': empty argument, expected a command (quoted if it has arguments)");
    // via-env at level 2: the script sees no password.
    auto w = warnings("script-security 2\nauth-user-pass-verify /c via-env\n" + kServer);
    CHECK(count_starting(w, "test.conf:2: 'auth-user-pass-verify ... via-env' gets no password with "
                            "script-security 2") == 1);
    CHECK_FALSE(any_has(warnings("script-security 2\nauth-user-pass-verify /c via-file\n" + kServer),
                        "auth-user-pass-verify"));
    CHECK_FALSE(any_has(warnings("script-security 3\nauth-user-pass-verify /c via-env\n" + kServer),
                        "auth-user-pass-verify"));
}

TEST_CASE("username-as-common-name needs auth-user-pass-verify") {
    Options o = opts("script-security 2\nauth-user-pass-verify /c via-file\nusername-as-common-name\n" + kServer);
    CHECK(o.server.username_as_common_name);
    CHECK(err("\nusername-as-common-name\n" + kServer) ==
          "test.conf:2: 'username-as-common-name' must be used with an 'auth-user-pass-verify' script, expected an "
          "auth-user-pass-verify line");
    CHECK(err("username-as-common-name x\n" + kServer) ==
          "test.conf:1: 'username-as-common-name' expects no arguments, got 1");
}

TEST_CASE("tmp-dir DIR: absolute") {
    TempDir tmp;
    CHECK(load_ok("tmp-dir scratch\n" + kServer, tmp.path).opts.server.tmp_dir == tmp.file("scratch"));
    CHECK(opts("tmp-dir /var/tmp/\n" + kServer).server.tmp_dir == "/var/tmp");
    CHECK(err("tmp-dir\n" + kServer) == "test.conf:1: 'tmp-dir' expects 1 argument (directory), got 0");
    CHECK(err("tmp-dir \"\"\n" + kServer) == "test.conf:1: 'tmp-dir': empty argument, expected a directory");
}

TEST_CASE("connect-freq-initial N S") {
    Options o = opts("connect-freq-initial 20 5\n" + kServer);
    CHECK(o.server.connect_freq_initial_n == 20);
    CHECK(o.server.connect_freq_initial_s == 5);
    o = opts("connect-freq-initial 0 0\n" + kServer);  // 2.6 takes >= 0
    CHECK(o.server.connect_freq_initial_n == 0);
    CHECK(o.server.connect_freq_initial_s == 0);
    CHECK(err("connect-freq-initial -1 10\n" + kServer) ==
          "test.conf:1: 'connect-freq-initial': '-1' is not a packet count (0..1000000000)");
    CHECK(err("connect-freq-initial 10 10s\n" + kServer) ==
          "test.conf:1: 'connect-freq-initial': '10s' is not a number of seconds (0..1000000000)");
    CHECK(err("connect-freq-initial 10\n" + kServer) ==
          "test.conf:1: 'connect-freq-initial' expects 2 arguments (a packet count and seconds), got 1");
}

TEST_CASE("push-reset: drops the push lines read so far") {
    Options o = opts("push \"route 10.1.0.0 255.255.0.0\"\npush \"dhcp-option DNS 10.8.0.1\"\npush-reset\n"
                     "push \"route 10.2.0.0 255.255.0.0\"\n" + kServer);
    CHECK(o.push == std::vector<std::string>{"route 10.2.0.0 255.255.0.0"});
    // The helpers' pushes come after every line: not affected.
    o = opts("push \"route 10.1.0.0 255.255.0.0\"\npush-reset\nkeepalive 10 60\ntopology subnet\n"
             "server 10.8.0.0 255.255.255.0\nca ca.crt\ncert s.crt\nkey s.key\ndev tun\n");
    CHECK(o.push == std::vector<std::string>{"route-gateway 10.8.0.1", "topology subnet", "ping 10", "ping-restart 60"});
    CHECK(err("push-reset now\n" + kServer) == "test.conf:1: 'push-reset' expects no arguments, got 1");
}

TEST_CASE("push-remove OPTION: 2.6's prefix rule on the push lines read so far") {
    Options o = opts("push \"route 10.1.0.0 255.255.0.0\"\npush \"route-gateway 10.8.0.1\"\n"
                     "push \"dhcp-option DNS 10.8.0.1\"\npush \"redirect-gateway def1\"\npush-remove route\n"
                     "push \"route 10.3.0.0 255.255.0.0\"\n" + kServer);
    CHECK(o.push == std::vector<std::string>{"dhcp-option DNS 10.8.0.1", "redirect-gateway def1",
                                             "route 10.3.0.0 255.255.0.0"});
    CHECK_FALSE(o.server.push_ifconfig_blocked);
    o = opts("push \"dhcp-option DNS 10.8.0.1\"\npush \"dhcp-option DOMAIN x\"\npush-remove \"dhcp-option DNS\"\n" +
             kServer);
    CHECK(o.push == std::vector<std::string>{"dhcp-option DOMAIN x"});
    // "ifconfig" names the generated ifconfig, not list entries; "ifconfig-ipv6" does nothing here.
    o = opts("push \"ifconfig-nowarn\"\npush-remove ifconfig\npush-remove ifconfig-ipv6\n" + kServer);
    CHECK(o.server.push_ifconfig_blocked);
    CHECK(o.push == std::vector<std::string>{"ifconfig-nowarn"});
    // keepalive's pushes are added after every line.
    o = opts("keepalive 10 60\npush-remove ping\n" + kServer);
    CHECK(o.push == std::vector<std::string>{"ping 10", "ping-restart 60"});
    CHECK(err("push-remove\n" + kServer) == "test.conf:1: 'push-remove' expects 1 argument (the start of the pushed "
                                            "options to remove, e.g. route), got 0");
    CHECK(err("push-remove \"\"\n" + kServer).starts_with("test.conf:1: 'push-remove': empty argument"));
}

TEST_CASE("iroute in the main config: an error at its line pointing to client-config-dir") {
    const std::string want = "'iroute' belongs in a client-config-dir file (it names a network behind one client), "
                             "expected it in DIR/<common name> with 'client-config-dir DIR' here, and a 'route' for "
                             "the network in the main config";
    CHECK(err("verb 3\niroute 10.9.0.0 255.255.255.0\n" + kServer) == "test.conf:2: " + want);
    CHECK(err("iroute 10.9.0.0\n" + kP2p) == "test.conf:1: " + want);
    CHECK(err("iroute\n" + kServer) ==
          "test.conf:1: 'iroute' expects 1 to 2 arguments (network and optional netmask), got 0");
}

TEST_CASE("registry: rows for every directive, none left as 'not supported yet'") {
    const std::string help = directive_help();
    for (const char* name : {"client-config-dir", "ccd-exclusive", "max-routes-per-client", "status", "status-version",
                             "management", "learn-address", "client-connect", "client-disconnect",
                             "auth-user-pass-verify", "username-as-common-name", "tmp-dir", "connect-freq-initial",
                             "push-reset", "push-remove", "iroute"}) {
        CAPTURE(name);
        const DirectiveSpec* spec = find_directive(name);
        REQUIRE(spec != nullptr);
        CHECK(spec->support == Support::Supported);
        CHECK_FALSE(is_not_yet_supported(name));
        CHECK(has(help, "\n  --" + std::string(name) + " "));
        CHECK_FALSE(has(err(std::string(name) + "\n"), "is not supported yet"));
    }
    CHECK(has(help, "\n  --management IP PORT | PATH unix "));
    CHECK(has(help, "\n  --auth-user-pass-verify CMD via-file|via-env "));
    CHECK(has(help, "\n  --status FILE [N] "));
    CHECK_FALSE(has(help, "coming"));
    // status is no longer in the "accepted but ignored" list.
    const std::string ignored = help.substr(help.find("Accepted but ignored"));
    CHECK_FALSE(has(ignored, " status,"));
    CHECK_FALSE(has(ignored, " status."));
    CHECK(suggest_directive("client-conect") == "client-connect");
}
