// The management session replayed against exchanges captured from stock OpenVPN 2.6.14
// (tests/vectors/openvpn/management/exchanges.txt, see README.md there).
#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "server/management.hpp"

using namespace vpn::server;

namespace {

const std::string kTitle =
    "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]";

std::string unhex(const std::string& h) {
    std::string out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
}

struct Record {
    std::string kind, data;
};

std::vector<Record> load() {
    std::ifstream f(std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/management/exchanges.txt");
    REQUIRE(f.good());
    std::vector<Record> out;
    std::string line;
    while (std::getline(f, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto sp = line.find(' ');
        out.push_back({line.substr(0, sp), sp == std::string::npos ? "" : unhex(line.substr(sp + 1))});
    }
    return out;
}

std::vector<std::string> split_crlf(const std::string& s) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < s.size()) {
        auto e = s.find("\r\n", pos);
        if (e == std::string::npos) break;
        lines.push_back(s.substr(pos, e - pos));
        pos = e + 2;
    }
    return lines;
}

// Answers exactly what the captured server answered, read back from the expected reply.
struct ScriptedOwner : ManagementOwner {
    std::string expected;
    std::vector<int> status_versions;
    std::vector<std::string> killed_cn;
    std::vector<std::pair<std::uint32_t, std::uint16_t>> killed_addr;
    std::vector<ClientBytes> clients;

    std::vector<std::string> status_lines(int version) override {
        status_versions.push_back(version);
        return split_crlf(expected);
    }
    int kill_by_common_name(const std::string& cn) override {
        killed_cn.push_back(cn);
        std::smatch m;
        return std::regex_search(expected, m, std::regex("found, (\\d+) client")) ? std::stoi(m[1]) : 0;
    }
    int kill_by_address(std::uint32_t ip, std::uint16_t port) override {
        killed_addr.emplace_back(ip, port);
        std::smatch m;
        return std::regex_search(expected, m, std::regex("SUCCESS: (\\d+) client")) ? std::stoi(m[1]) : 0;
    }
    LoadStats load_stats() override {
        std::smatch m;
        LoadStats s;
        if (std::regex_search(expected, m, std::regex("nclients=(\\d+),bytesin=(\\d+),bytesout=(\\d+)"))) {
            s.n_clients = std::stoi(m[1]);
            s.bytes_in = std::stoull(m[2]);
            s.bytes_out = std::stoull(m[3]);
        }
        return s;
    }
    std::vector<ClientBytes> client_bytes() override { return clients; }
};

}  // namespace

TEST_CASE("management: replay of stock 2.6.14 exchanges") {
    const auto recs = load();
    REQUIRE(recs.size() > 40);
    ScriptedOwner owner;
    auto session = std::make_unique<ManagementSession>(owner, kTitle);
    std::size_t i = 0;
    int connections = 0, compared = 0;
    while (i < recs.size()) {
        const auto& r = recs[i];
        if (r.kind == "recv" && r.data.rfind(">INFO:", 0) == 0) {  // a new connection's greeting
            session = std::make_unique<ManagementSession>(owner, kTitle);
            CHECK(session->greeting() == r.data);
            ++connections;
            ++i;
            continue;
        }
        if (r.kind == "send") {
            REQUIRE(i + 1 < recs.size());
            const auto& reply = recs[i + 1];
            std::string expected = reply.kind == "recv" ? reply.data : "";
            // >BYTECOUNT_CLI lines follow traffic in 2.6; tick() is tested separately.
            if (auto b = expected.find(">BYTECOUNT_CLI:"); b != std::string::npos) expected.resize(b);
            owner.expected = expected;
            const bool was_closed = session->closed();
            const std::string got = session->receive(r.data);
            INFO("sent: " << r.data.substr(0, 80));
            CHECK(got == expected);
            if (was_closed) CHECK(got.empty());
            if (reply.kind == "closed") CHECK(session->closed());
            ++compared;
            i += 2;
            continue;
        }
        if (r.kind == "closed") CHECK(session->closed());
        ++i;
    }
    CHECK(connections == 2);
    CHECK(compared > 40);
    CHECK(owner.status_versions.front() == 0);
    CHECK(owner.killed_addr.size() >= 2);
}

TEST_CASE("management: kill parsing") {
    ScriptedOwner owner;
    ManagementSession s(owner, kTitle);
    owner.expected = "SUCCESS: 1 client";
    CHECK(s.receive("kill 10.99.1.2:52028\n") == "SUCCESS: 1 client(s) at address 10.99.1.2:52028 killed\r\n");
    REQUIRE(owner.killed_addr.size() == 1);
    CHECK(owner.killed_addr[0].first == 0x0a630102u);
    CHECK(owner.killed_addr[0].second == 52028);
    owner.expected = "found, 2 client";
    CHECK(s.receive("kill c1\r\n") == "SUCCESS: common name 'c1' found, 2 client(s) killed\r\n");
    CHECK(owner.killed_cn.back() == "c1");
    // The first field is cut to 127 bytes, as 2.6's 128-byte buffer.
    owner.expected = "";
    s.receive("kill " + std::string(200, 'z') + "\n");
    CHECK(owner.killed_cn.back().size() == 127);
}

TEST_CASE("management: bytecount ticks") {
    ScriptedOwner owner;
    owner.clients = {{7, 100, 200}, {9, 1, 2}};
    ManagementSession s(owner, kTitle);
    CHECK(s.tick(1000).empty());  // off by default
    CHECK(s.receive("bytecount 5\n") == "SUCCESS: bytecount interval changed\r\n");
    CHECK(s.tick(1000) == ">BYTECOUNT_CLI:7,100,200\r\n>BYTECOUNT_CLI:9,1,2\r\n");
    CHECK(s.tick(1004).empty());
    owner.clients = {{7, 150, 250}};
    CHECK(s.tick(1005) == ">BYTECOUNT_CLI:7,150,250\r\n");
    CHECK(s.receive("bytecount 0\n") == "SUCCESS: bytecount interval changed\r\n");
    CHECK(s.tick(2000).empty());
}

TEST_CASE("management: hostile input stays bounded") {
    ScriptedOwner owner;
    ManagementSession s(owner, kTitle);
    std::string junk;
    for (int i = 0; i < 200000; ++i) junk.push_back(static_cast<char>((i * 7919) & 0xff));
    std::string out = s.receive(junk);
    CHECK(out.size() < 2 * junk.size());  // every reply line echoes at most ~300 input bytes
    // A line of exactly 1024 bytes is dropped silently; the session still works afterwards.
    s.receive("\n");
    CHECK(s.receive(std::string(1024, 'a') + "\n").empty());
    CHECK(s.receive("bytecount 1\n") == "SUCCESS: bytecount interval changed\r\n");
    CHECK(s.receive("quit\nhelp\n").empty());
    CHECK(s.closed());
}

TEST_CASE("management: parse_management_line") {
    std::string err;
    auto p = parse_management_line("a \"b c\" 'd\\e' f\\ g ; comment", &err);
    CHECK(err.empty());
    CHECK(p == std::vector<std::string>{"a", "b c", "d\\e", "f g"});
    CHECK(parse_management_line("# only", &err).empty());
    std::string many;
    for (int i = 0; i < 20; ++i) many += "x ";
    CHECK(parse_management_line(many, &err).size() == 16);
}
