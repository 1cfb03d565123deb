// client-config-dir files read as OpenVPN 2.6 reads them (options.c with the CCD
// permission mask, multi.c / ssl_verify.c for the file lookup, push.c for push-remove).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "server/client_config.hpp"

using namespace vpn::server;
using vpn::tun::format_ipv4;

namespace {

bool has_warning(const ClientConfig& c, const std::string& part) {
    for (const auto& w : c.warnings)
        if (w.find(part) != std::string::npos) return true;
    return false;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/vpn-ccd-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
    }
    std::string dir() const { return path.string(); }
};

}  // namespace

TEST_CASE("ccd: every directive") {
    auto c = parse_client_config(
        "# a comment\n"
        "; another\n"
        "ifconfig-push 10.8.0.9 255.255.255.0   # trailing comment\n"
        "--iroute 192.168.10.0 255.255.255.0\n"
        "iroute 192.168.20.7\n"
        "iroute 192.168.10.0 255.255.255.0\n"
        "push \"route 10.1.0.0 255.255.0.0\"\n"
        "push 'dhcp-option DNS 10.1.0.1'\n"
        "push-remove route-gateway\n"
        "disable\n",
        "ccd/alice");
    CHECK(c.warnings.empty());
    REQUIRE(c.ifconfig_push);
    CHECK(format_ipv4(c.ifconfig_push->local) == "10.8.0.9");
    CHECK(format_ipv4(c.ifconfig_push->remote_netmask) == "255.255.255.0");
    CHECK_FALSE(c.ifconfig_push->alias);
    REQUIRE(c.iroutes.size() == 2);  // duplicate dropped
    CHECK(format_ipv4(c.iroutes[0].network) == "192.168.10.0");
    CHECK(c.iroutes[0].prefix_len == 24);
    CHECK(c.iroutes[1].prefix_len == 32);
    CHECK(c.push == std::vector<std::string>{"route 10.1.0.0 255.255.0.0", "dhcp-option DNS 10.1.0.1"});
    CHECK(c.push_remove == std::vector<std::string>{"route-gateway"});
    CHECK_FALSE(c.push_reset);
    CHECK(c.disable);

    auto a = parse_client_config("ifconfig-push 10.8.0.5 10.8.0.6 10.8.0.77\nifconfig-push 10.8.0.9 10.8.0.10\n", "f");
    CHECK(format_ipv4(a.ifconfig_push->local) == "10.8.0.9");  // the last line wins
    auto b = parse_client_config("ifconfig-push 10.8.0.5 10.8.0.6 10.8.0.77\n", "f");
    REQUIRE(b.ifconfig_push->alias);
    CHECK(format_ipv4(*b.ifconfig_push->alias) == "10.8.0.77");
}

TEST_CASE("ccd: push-reset and push-remove in file order, merged with the server's list") {
    const std::vector<std::string> server = {"route 10.0.0.0 255.0.0.0", "route-gateway 10.8.0.1",
                                             "dhcp-option DNS 1.1.1.1", "ping 10"};
    auto c = parse_client_config("push \"route 1.0.0.0 255.0.0.0\"\npush-remove route\npush \"route 2.0.0.0 255.0.0.0\"\n",
                                 "f");
    // push.c matches by plain prefix: "route" also removes "route-gateway".
    CHECK(merge_push(server, c) ==
          std::vector<std::string>{"dhcp-option DNS 1.1.1.1", "ping 10", "route 2.0.0.0 255.0.0.0"});
    auto r = parse_client_config("push \"a 1\"\npush-remove dhcp\npush-reset\npush \"b 2\"\npush-remove b\npush \"b 3\"\n", "f");
    CHECK(r.push_reset);
    CHECK(merge_push(server, r) == std::vector<std::string>{"b 3"});
    auto i = parse_client_config("push-remove ifconfig\npush-remove ifconfig-ipv6\n", "f");
    CHECK(i.block_ifconfig);
    CHECK(i.block_ifconfig_ipv6);
    CHECK(i.push_remove.empty());
    CHECK(merge_push(server, i) == server);
    CHECK(push_remove_matches("route-ipv6 ::/0", "route"));
    CHECK_FALSE(push_remove_matches("ping 10", "ping-restart"));
}

TEST_CASE("ccd: errors are warnings naming FILE:LINE, the line is skipped (2.6: non-fatal)") {
    auto c = parse_client_config(
        "ifconfig-push 10.8.0.9\n"                  // 1 arity
        "ifconfig-push vpn.example 255.255.255.0\n"  // 2 not an address
        "ifconfig-push 0.0.0.0 255.255.255.0\n"      // 3 zero
        "iroute 10.0.0.0 255.0.255.0\n"              // 4 non-contiguous
        "iroute 10.1.2.3 255.255.0.0\n"              // 5 host bits: warned, masked, kept
        "push \"route 1.2.3.4,ping 1\"\n"            // 6 comma
        "push a b\n"                                 // 7 arity
        "push-reset now\n"                           // 8 arity
        "disable please\n"                           // 9 arity
        "ping 10\n"                                  // 10 allowed by 2.6, not by us yet
        "dev tun\n"                                  // 11 known, not in this context
        "iroot 10.0.0.0\n"                           // 12 unknown, with a suggestion
        "frobnicate\n"                               // 13 unknown
        "push \"unclosed\n"                          // 14 lexer
        "<ca>\nx\n</ca>\n"                           // 15 inline block
        "push \"" + std::string(300, 'x') + "\"\n"   // 18 too long
        "push \"\"\n"                                // 19 empty
        "iroute 10.9.0.0 255.255.0.0\n",             // 20 fine
        "ccd/bob");
    CHECK_FALSE(c.ifconfig_push);
    CHECK(c.push.empty());
    CHECK_FALSE(c.push_reset);
    CHECK_FALSE(c.disable);
    REQUIRE(c.iroutes.size() == 2);
    CHECK(format_ipv4(c.iroutes[0].network) == "10.1.0.0");
    CHECK(c.iroutes[0].prefix_len == 16);
    for (int line : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 19})
        CHECK_MESSAGE(has_warning(c, "ccd/bob:" + std::to_string(line) + ":"), line);
    CHECK_FALSE(has_warning(c, "ccd/bob:20:"));
    CHECK(has_warning(c, "did you mean 'iroute'"));
    CHECK(has_warning(c, "'ping' is accepted by OpenVPN 2.6"));
    CHECK(has_warning(c, "'dev' cannot be used in a client-config-dir file"));
    CHECK(c.warnings.size() == 17);
}

TEST_CASE("ccd: hostile files") {
    // Binary: NULs and high bytes on every line; bounded warnings, no crash.
    std::string bin;
    for (int i = 0; i < 20000; ++i) bin += static_cast<char>((i * 7919) & 0xff);
    auto b = parse_client_config(bin, "bin");
    CHECK(b.warnings.size() <= kMaxWarnings + 1);
    // Huge and deep quoting.
    std::string huge;
    for (int i = 0; i < 50000; ++i) huge += "push \"route 10.0.0.0 255.0.0.0\"\n";
    auto h = parse_client_config(huge, "huge");
    CHECK(h.push.size() == 50000);
    std::string deep = "push \"" + std::string(200, '\\') + "\"\n";  // 100 escaped backslashes
    auto d = parse_client_config(deep, "deep");
    REQUIRE(d.push.size() == 1);
    CHECK(d.push[0] == std::string(100, '\\'));
    auto q = parse_client_config("push \"a\\\"b\" \n" + std::string(100, '"') + "\n", "q");
    CHECK(q.push == std::vector<std::string>{"a\"b"});
    auto nl = parse_client_config(std::string(100000, '\n') + "disable", "nl");
    CHECK(nl.disable);
    CHECK(nl.warnings.empty());
}

TEST_CASE("ccd: common name to file name (platform_gen_path)") {
    CHECK(ccd_file_name("alice") == "alice");
    CHECK(ccd_file_name("../etc/passwd") == ".._etc_passwd");
    CHECK(ccd_file_name("a/b") == "a_b");
    CHECK(ccd_file_name(std::string_view("a\nb\x7f", 4)) == "a_b_");
    CHECK(ccd_file_name("J\xc3\xbcrgen") == "J\xc3\xbcrgen");  // UTF-8 kept
    CHECK(ccd_file_name("a b") == "a b");
    CHECK_FALSE(ccd_file_name(""));
    CHECK_FALSE(ccd_file_name("."));
    CHECK_FALSE(ccd_file_name(".."));
    CHECK(ccd_file_name("...") == "...");
}

TEST_CASE("ccd: lookup, DEFAULT fallback and ccd-exclusive") {
    TempDir t;
    t.write("alice", "ifconfig-push 10.8.0.9 255.255.255.0\n");
    t.write("DEFAULT", "push \"ping 5\"\n");
    t.write("mallory", "disable\n");
    t.write(".._x", "iroute 10.0.0.0 255.0.0.0\n");

    auto a = load_client_config(t.dir(), "alice", false);
    CHECK(a.status == CcdStatus::Loaded);
    CHECK(a.config.ifconfig_push);
    CHECK(a.path == t.dir() + "/alice");
    auto d = load_client_config(t.dir(), "bob", false);
    CHECK(d.status == CcdStatus::Loaded);
    CHECK(d.path == t.dir() + "/DEFAULT");
    CHECK(d.config.push == std::vector<std::string>{"ping 5"});
    auto m = load_client_config(t.dir(), "mallory", false);
    CHECK(m.status == CcdStatus::Loaded);
    CHECK(m.config.disable);
    auto x = load_client_config(t.dir(), "../x", false);
    CHECK(x.path == t.dir() + "/.._x");
    auto dd = load_client_config(t.dir(), "..", false);  // no own path: DEFAULT
    CHECK(dd.path == t.dir() + "/DEFAULT");

    CHECK(load_client_config(t.dir(), "alice", true).status == CcdStatus::Loaded);
    auto e = load_client_config(t.dir(), "bob", true);
    CHECK(e.status == CcdStatus::Refused);
    CHECK(e.reason.find("ccd-exclusive") != std::string::npos);
    CHECK(load_client_config(t.dir(), "DEFAULT", true).status == CcdStatus::Refused);
    CHECK(load_client_config(t.dir(), "..", true).status == CcdStatus::Refused);
    CHECK(load_client_config(t.dir(), "", true).status == CcdStatus::Refused);

    std::filesystem::remove(t.path / "DEFAULT");
    auto n = load_client_config(t.dir(), "bob", false);
    CHECK(n.status == CcdStatus::NotFound);
    CHECK(n.path.empty());

    // Fail closed: a directory, a FIFO, an oversized file.
    std::filesystem::create_directory(t.path / "dir");
    CHECK(load_client_config(t.dir(), "dir", false).status == CcdStatus::Refused);
    REQUIRE(::mkfifo((t.path / "fifo").c_str(), 0600) == 0);
    CHECK(load_client_config(t.dir(), "fifo", false).status == CcdStatus::Refused);
    t.write("big", std::string(kMaxClientConfigBytes + 1, '#'));
    auto big = load_client_config(t.dir(), "big", false);
    CHECK(big.status == CcdStatus::Refused);
    CHECK(big.reason.find("larger than") != std::string::npos);
    CHECK(load_client_config(t.dir() + "/nonexistent", "alice", false).status == CcdStatus::NotFound);
}
