// The server's per-client scripts against OpenVPN 2.6 (multi.c, ssl_verify.c, misc.c):
// the environment of each script type, and real runs of small /bin/sh scripts.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/config/options.hpp"
#include "server/client_scripts.hpp"
#include "tun/ipv4.hpp"

using namespace vpn;
using namespace vpn::server;

namespace {

net::SockAddr v4(const char* ip, std::uint16_t port) {
    net::SockAddr a;
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    inet_pton(AF_INET, ip, &in->sin_addr);
    a.len = sizeof(sockaddr_in);
    return a;
}

net::SockAddr v6(const char* ip, std::uint16_t port) {
    net::SockAddr a;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    inet_pton(AF_INET6, ip, &in6->sin6_addr);
    a.len = sizeof(sockaddr_in6);
    return a;
}

std::uint32_t host(const char* ip) { return tun::parse_ipv4(ip)->host(); }

ClientScriptInfo sample() {
    ClientScriptInfo i;
    i.common_name = "alice";
    i.username = "bob";
    i.real = v4("198.51.100.7", 51234);
    i.pool_remote_ip = host("10.8.0.6");
    i.pool_netmask_or_local = host("255.255.255.0");
    i.pool_is_netmask = true;
    i.dev = "tun0";
    i.tun_mtu = 1500;
    i.peer_info = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_GUI_VER=x$(y)\nNOT_IV=1\nIV_BAD NAME=1\n";
    i.connected_since = 1700000000;
    i.now = 1700000100;
    i.bytes_received = 1234;
    i.bytes_sent = 5678;
    i.extra = {{"X509_0_CN", "alice"}, {"password_hint", "leak"}};
    return i;
}

std::map<std::string, std::string> as_map(const process::Env& env) {
    std::map<std::string, std::string> m;
    for (const auto& [k, v] : env) {
        CHECK_MESSAGE(m.count(k) == 0, "duplicate variable " << k);
        m[k] = v;
    }
    return m;
}

std::set<std::string> names(const std::map<std::string, std::string>& m) {
    std::set<std::string> s;
    for (const auto& kv : m) s.insert(kv.first);
    return s;
}

std::string local_time(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

// A fresh directory for one test's scripts and temporary files, removed afterwards.
struct TempDir {
    std::string path;
    TempDir() {
        std::string t = (std::filesystem::temp_directory_path() / "vpn_test_scripts_XXXXXX").string();
        REQUIRE(mkdtemp(t.data()) != nullptr);
        path = t;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return path + "/" + name; }
    // Writes an executable /bin/sh script; OUT is this directory.
    std::string script(const std::string& name, const std::string& body) const {
        const std::string p = file(name);
        std::ofstream(p) << "#!/bin/sh\nOUT='" << path << "'\n" << body;
        ::chmod(p.c_str(), 0755);
        return p;
    }
    // Files in the directory whose names start with `prefix`.
    std::vector<std::string> files_starting(const std::string& prefix) const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(path))
            if (e.path().filename().string().starts_with(prefix)) out.push_back(e.path().string());
        return out;
    }
};

std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& p) {
    std::vector<std::string> out;
    std::ifstream in(p);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

bool has_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with(prefix); });
}

// Records its arguments (one "arg=..." line each) and environment into $OUT/NAME.out.
std::string recorder(const std::string& name, const std::string& then = "exit 0\n") {
    return "{ for a in \"$@\"; do echo \"arg=$a\"; done; env; } > \"$OUT/" + name + ".out\"\n" + then;
}

ScriptSettings settings_in(const TempDir& d) {
    ScriptSettings s;
    s.script_security = 2;
    s.tmp_dir = d.path;
    s.server_env = {{"verb", "3"}};
    return s;
}

}  // namespace

TEST_CASE("client scripts: environment of each script type") {
    const ClientScriptInfo info = sample();
    const std::set<std::string> auth_names = {"IV_VER",      "IV_PLAT",  "IV_GUI_VER",   "X509_0_CN",
                                              "common_name", "username", "untrusted_ip", "untrusted_port",
                                              "dev",         "tun_mtu",  "script_type"};

    auto upv = as_map(client_env(info, ScriptType::UserPassVerify));
    CHECK(names(upv) == auth_names);
    CHECK(upv["script_type"] == "user-pass-verify");
    CHECK(upv["IV_VER"] == "2.6.14");
    CHECK(upv["IV_GUI_VER"] == "x__y)");  // misc.c validate_peer_info_line: '$' and '(' -> '_'
    CHECK(upv["common_name"] == "alice");
    CHECK(upv["username"] == "bob");
    CHECK(upv["untrusted_ip"] == "198.51.100.7");
    CHECK(upv["untrusted_port"] == "51234");
    CHECK(upv["dev"] == "tun0");
    CHECK(upv["tun_mtu"] == "1500");

    std::set<std::string> connect_names = auth_names;
    connect_names.insert({"trusted_ip", "trusted_port", "ifconfig_pool_remote_ip", "ifconfig_pool_netmask",
                          "time_ascii", "time_unix"});
    auto cc = as_map(client_env(info, ScriptType::ClientConnect));
    CHECK(names(cc) == connect_names);
    CHECK(cc["script_type"] == "client-connect");
    CHECK(cc["trusted_ip"] == "198.51.100.7");
    CHECK(cc["trusted_port"] == "51234");
    CHECK(cc["untrusted_ip"] == "198.51.100.7");  // 2.6 never removes it from the client's set
    CHECK(cc["ifconfig_pool_remote_ip"] == "10.8.0.6");
    CHECK(cc["ifconfig_pool_netmask"] == "255.255.255.0");
    CHECK(cc["time_unix"] == "1700000000");
    CHECK(cc["time_ascii"] == local_time(1700000000));

    auto la = as_map(client_env(info, ScriptType::LearnAddress));
    CHECK(la["script_type"] == "learn-address");
    la.erase("script_type");
    cc.erase("script_type");
    CHECK(la == cc);

    std::set<std::string> disconnect_names = connect_names;
    disconnect_names.insert({"bytes_received", "bytes_sent", "time_duration"});
    auto dc = as_map(client_env(info, ScriptType::ClientDisconnect));
    CHECK(names(dc) == disconnect_names);
    CHECK(dc["script_type"] == "client-disconnect");
    CHECK(dc["bytes_received"] == "1234");
    CHECK(dc["bytes_sent"] == "5678");
    CHECK(dc["time_duration"] == "100");
}

TEST_CASE("client scripts: addresses, net30 pool, odd names") {
    ClientScriptInfo info = sample();
    info.pool_is_netmask = false;  // tun with net30: the server end of the /30
    info.pool_netmask_or_local = host("10.8.0.5");
    info.real = v6("2001:db8::7", 1194);
    info.username = "eve\r\nIV_X=1\x7f";
    info.common_name.clear();
    auto cc = as_map(client_env(info, ScriptType::ClientConnect));
    CHECK(cc["ifconfig_pool_local_ip"] == "10.8.0.5");
    CHECK(cc.count("ifconfig_pool_netmask") == 0);
    CHECK(cc["trusted_ip6"] == "2001:db8::7");
    CHECK(cc["untrusted_ip6"] == "2001:db8::7");
    CHECK(cc["trusted_port"] == "1194");
    CHECK(cc.count("trusted_ip") == 0);
    CHECK(cc.count("common_name") == 0);
    CHECK(cc["username"] == "eve__IV_X=1_");  // ssl_verify.c string_mod_remap_name
    CHECK(remap_credential("a\tb\xc3\xa9") == "a_b\xc3\xa9");  // UTF-8 kept, controls replaced

    info.real = v6("::ffff:192.0.2.9", 0);  // v4-mapped; no port
    info.pool_remote_ip.reset();
    cc = as_map(client_env(info, ScriptType::ClientConnect));
    CHECK(cc["trusted_ip"] == "192.0.2.9");
    CHECK(cc.count("trusted_port") == 0);
    CHECK(cc.count("ifconfig_pool_remote_ip") == 0);
    CHECK(cc.count("ifconfig_pool_local_ip") == 0);

    info.real = net::SockAddr{};  // unknown address: nothing exported
    cc = as_map(client_env(info, ScriptType::ClientConnect));
    CHECK(cc.count("trusted_ip") == 0);
    CHECK(cc.count("untrusted_ip") == 0);
}

TEST_CASE("client scripts: no password in any client environment") {
    const ClientScriptInfo info = sample();
    for (ScriptType t : {ScriptType::UserPassVerify, ScriptType::ClientConnect, ScriptType::ClientDisconnect,
                         ScriptType::LearnAddress}) {
        for (const auto& [k, v] : client_env(info, t)) {
            CHECK_FALSE(k.starts_with("password"));
            CHECK(v != "leak");
        }
    }
}

TEST_CASE("client scripts: auth-user-pass-verify via-file") {
    TempDir d;
    ScriptSettings s = settings_in(d);
    // Keeps a copy of the credentials file and its mode, accepts bob/secret only.
    const std::string sc = d.script("verify.sh", recorder("verify",
        "f=\"$2\"\ncp \"$f\" \"$OUT/creds.copy\"\nstat -c %a \"$f\" > \"$OUT/creds.mode\"\n"
        "[ \"$(sed -n 1p \"$f\")\" = bob ] && [ \"$(sed -n 2p \"$f\")\" = secret ]\n"));
    s.auth_user_pass_verify = sc + " first-arg";
    s.auth_verify_via_file = true;
    const ClientScriptInfo info = sample();

    CHECK(verify_user_pass(s, info, "secret"));
    auto out = lines_of(d.file("verify.out"));
    CHECK(has(out, "arg=first-arg"));
    REQUIRE(has_prefix(out, "arg=" + d.path + "/openvpn_up_"));
    CHECK(has(out, "script_type=user-pass-verify"));
    CHECK(has(out, "username=bob"));
    CHECK(has(out, "common_name=alice"));
    CHECK(has(out, "untrusted_ip=198.51.100.7"));
    CHECK(has(out, "IV_PLAT=linux"));
    CHECK(has(out, "verb=3"));  // server_env
    CHECK_FALSE(has_prefix(out, "password"));
    CHECK(slurp(d.file("creds.copy")) == "bob\nsecret\n");
    CHECK(slurp(d.file("creds.mode")) == "600\n");
    CHECK(d.files_starting("openvpn_up_").empty());  // removed afterwards

    CHECK_FALSE(verify_user_pass(s, info, "wrong"));
    CHECK(d.files_starting("openvpn_up_").empty());

    // A password with a newline cannot add a line to the file (2.6 string_mod).
    ClientScriptInfo odd = info;
    CHECK_FALSE(verify_user_pass(s, odd, "secret\nbob"));
    CHECK(slurp(d.file("creds.copy")) == "bob\nsecret_bob\n");
}

TEST_CASE("client scripts: auth-user-pass-verify via-env") {
    TempDir d;
    ScriptSettings s = settings_in(d);
    s.auth_user_pass_verify = d.script("verify.sh", recorder("verify", "[ \"$#\" = 0 ]\n"));
    s.auth_verify_via_file = false;
    const ClientScriptInfo info = sample();

    // script-security 2: 2.6 keeps password* out of scripts' environment.
    CHECK(verify_user_pass(s, info, "secret"));
    auto out = lines_of(d.file("verify.out"));
    CHECK(has(out, "username=bob"));
    CHECK_FALSE(has_prefix(out, "password"));

    s.script_security = 3;
    CHECK(verify_user_pass(s, info, "secret"));
    out = lines_of(d.file("verify.out"));
    CHECK(has(out, "username=bob"));
    CHECK(has(out, "password=secret"));
    CHECK(d.files_starting("openvpn_").empty());

    // Exit status 2 is 2.6's "deferred": not supported, refused.
    s.auth_user_pass_verify = d.script("defer.sh", "exit 2\n");
    CHECK_FALSE(verify_user_pass(s, info, "secret"));
}

TEST_CASE("client scripts: client-connect output, refusal, disconnect") {
    TempDir d;
    ScriptSettings s = settings_in(d);
    s.client_connect = d.script("connect.sh", recorder("connect",
        "printf 'ifconfig-push 10.8.0.50 255.255.255.0\\npush \"route 10.1.0.0 255.255.0.0\"\\n"
        "iroute 10.2.0.0 255.255.255.0\\nbogus-directive 1\\n' > \"$1\"\n"));
    s.client_disconnect = d.script("disconnect.sh", recorder("disconnect", "exit 3\n"));
    s.cwd = d.path;
    const ClientScriptInfo info = sample();

    ClientConnectResult r = client_connect(s, info);
    CHECK(r.ran);
    CHECK(r.accepted);
    REQUIRE(r.config.ifconfig_push);
    CHECK(tun::format_ipv4(r.config.ifconfig_push->local) == "10.8.0.50");
    CHECK(tun::format_ipv4(r.config.ifconfig_push->remote_netmask) == "255.255.255.0");
    CHECK(r.config.push == std::vector<std::string>{"route 10.1.0.0 255.255.0.0"});
    REQUIRE(r.config.iroutes.size() == 1);
    CHECK(r.config.iroutes[0].prefix_len == 24);
    CHECK(r.config.warnings.size() == 1);  // the bogus line, skipped as 2.6 does
    auto out = lines_of(d.file("connect.out"));
    CHECK(has(out, "script_type=client-connect"));
    CHECK(has(out, "trusted_ip=198.51.100.7"));
    CHECK(has(out, "ifconfig_pool_remote_ip=10.8.0.6"));
    CHECK(has(out, "time_unix=1700000000"));
    CHECK(has(out, "PWD=" + d.path));
    std::string file_arg;
    for (const auto& l : out)
        if (l.starts_with("arg=")) file_arg = l.substr(4);
    CHECK(file_arg.starts_with(d.path + "/openvpn_cc_"));
    CHECK(has(out, "client_connect_config_file=" + file_arg));
    CHECK_FALSE(std::filesystem::exists(file_arg));

    // A script that writes nothing: accepted, nothing to apply.
    s.client_connect = d.script("quiet.sh", "exit 0\n");
    r = client_connect(s, info);
    CHECK(r.accepted);
    CHECK_FALSE(r.config.ifconfig_push);
    CHECK(r.config.push.empty());

    // Non-zero exit refuses the client, whatever it wrote.
    s.client_connect = d.script("refuse.sh", "echo 'ifconfig-push 10.8.0.9 255.255.255.0' > \"$1\"\nexit 1\n");
    r = client_connect(s, info);
    CHECK(r.ran);
    CHECK_FALSE(r.accepted);
    CHECK(d.files_starting("openvpn_cc_").empty());

    // No script: accepted without running anything.
    ScriptSettings none = settings_in(d);
    r = client_connect(none, info);
    CHECK_FALSE(r.ran);
    CHECK(r.accepted);

    client_disconnect(s, info);  // exit status ignored
    out = lines_of(d.file("disconnect.out"));
    CHECK(has(out, "script_type=client-disconnect"));
    CHECK(has(out, "bytes_received=1234"));
    CHECK(has(out, "bytes_sent=5678"));
    CHECK(has(out, "time_duration=100"));
    CHECK(has(out, "common_name=alice"));
    CHECK_FALSE(has_prefix(out, "arg="));
}

TEST_CASE("client scripts: learn-address") {
    TempDir d;
    ScriptSettings s = settings_in(d);
    s.learn_address = d.script("learn.sh", recorder("learn", "[ \"$2\" != 10.8.0.66 ]\n"));
    const ClientScriptInfo info = sample();

    CHECK(learn_address(s, "add", "10.8.0.6", &info));
    auto out = lines_of(d.file("learn.out"));
    std::vector<std::string> args;
    for (const auto& l : out)
        if (l.starts_with("arg=")) args.push_back(l.substr(4));
    CHECK(args == std::vector<std::string>{"add", "10.8.0.6", "alice"});
    CHECK(has(out, "script_type=learn-address"));
    CHECK(has(out, "common_name=alice"));
    CHECK(has(out, "ifconfig_pool_remote_ip=10.8.0.6"));

    // delete: 2.6 passes no CN and no client environment.
    CHECK(learn_address(s, "delete", "52:54:00:12:34:56@0", nullptr));
    out = lines_of(d.file("learn.out"));
    args.clear();
    for (const auto& l : out)
        if (l.starts_with("arg=")) args.push_back(l.substr(4));
    CHECK(args == std::vector<std::string>{"delete", "52:54:00:12:34:56@0"});
    CHECK(has(out, "script_type=learn-address"));
    CHECK_FALSE(has_prefix(out, "common_name="));

    CHECK_FALSE(learn_address(s, "add", "10.8.0.66", &info));  // script failed: not learned

    ScriptSettings none = settings_in(d);
    CHECK(learn_address(none, "add", "10.8.0.6", &info));  // nothing configured
}

TEST_CASE("client scripts: script-security 1 runs nothing and fails closed") {
    TempDir d;
    ScriptSettings s = settings_in(d);
    s.script_security = 1;
    const std::string marker = d.script("mark.sh", "touch \"$OUT/ran\"\nexit 0\n");
    s.auth_user_pass_verify = marker;
    s.client_connect = marker;
    s.client_disconnect = marker;
    s.learn_address = marker;
    const ClientScriptInfo info = sample();

    CHECK_FALSE(verify_user_pass(s, info, "secret"));
    ClientConnectResult r = client_connect(s, info);
    CHECK_FALSE(r.accepted);
    CHECK_FALSE(learn_address(s, "add", "10.8.0.6", &info));
    client_disconnect(s, info);
    CHECK_FALSE(std::filesystem::exists(d.file("ran")));
    CHECK(d.files_starting("openvpn_").empty());

    // The same script runs at level 2 (so the checks above can fail).
    s.script_security = 2;
    CHECK(verify_user_pass(s, info, "secret"));
    CHECK(std::filesystem::exists(d.file("ran")));
}

TEST_CASE("client scripts: from_options") {
    config::Options o;
    o.server.learn_address = "/etc/vpn/learn.sh";
    o.server.client_connect = "/etc/vpn/cc.sh arg";
    o.server.client_disconnect = "/etc/vpn/dc.sh";
    o.server.auth_user_pass_verify = "/etc/vpn/auth.sh";
    o.server.auth_verify_via_file = false;
    o.server.tmp_dir = "/run/vpn";
    o.script_security = 3;
    o.cd = "/etc/vpn";
    o.config_file = "/etc/vpn/server.conf";
    o.verb = 4;
    ScriptSettings s = ScriptSettings::from_options(o);
    CHECK(s.learn_address == "/etc/vpn/learn.sh");
    CHECK(s.client_connect == "/etc/vpn/cc.sh arg");
    CHECK(s.client_disconnect == "/etc/vpn/dc.sh");
    CHECK(s.auth_user_pass_verify == "/etc/vpn/auth.sh");
    CHECK_FALSE(s.auth_verify_via_file);
    CHECK(s.tmp_dir == "/run/vpn");
    CHECK(s.script_security == 3);
    CHECK(s.cwd == "/etc/vpn");
    auto env = as_map(s.server_env);
    CHECK(env["config"] == "/etc/vpn/server.conf");
    CHECK(env["verb"] == "4");
    CHECK(env["daemon"] == "0");
    CHECK(env["daemon_pid"] == std::to_string(::getpid()));
}
