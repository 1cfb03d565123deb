// The setkey policy database (ipsec/manual/spd.hpp) and the packet fields it reads
// (flow.hpp): every action and level, prefixes, ports, protocols, statement order,
// the SA choice by tunnel endpoints and unique:N, and the inbound check.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ipsec/manual/flow.hpp"
#include "ipsec/manual/setkey.hpp"
#include "ipsec/manual/spd.hpp"
#include "spd_test_support.hpp"

using namespace vpn::ipsec::manual;
using spd_test::ip;
using spd_test::ipv4;
using spd_test::kGre;
using spd_test::kIcmp;
using spd_test::kTcp;
using spd_test::kUdp;

namespace {

// Gateways A = 192.168.77.1 (us) and B = 192.168.77.2, SAs A->B outbound and
// B->A inbound, as the seed articles write them.
std::string sa(const std::string& src, const std::string& dst, const std::string& spi, const std::string& ext = "") {
    return "add " + src + " " + dst + " esp " + spi + " -m tunnel " + ext + " -E aes-gcm-16 0x" +
           std::string(40, 'a') + ";\n";
}
const std::string kOut = sa("192.168.77.1", "192.168.77.2", "0x1001");  // db.sas[0]
const std::string kIn = sa("192.168.77.2", "192.168.77.1", "0x1002");   // db.sas[1]
const std::string kTunnelOut = "esp/tunnel/192.168.77.1-192.168.77.2";
const std::string kTunnelIn = "esp/tunnel/192.168.77.2-192.168.77.1";

SetkeyDb db_of(const std::string& text) { return parse_setkey(text, "ipsec.conf"); }

Flow flow(const std::vector<std::uint8_t>& p) {
    auto f = flow_of(p);
    REQUIRE(f);
    return *f;
}

const std::vector<std::uint8_t> kAll(8, 1);  // every SA usable

OutDecision out(const Spd& spd, const std::vector<std::uint8_t>& pkt, const std::vector<std::uint8_t>& usable = kAll) {
    return spd.outbound(flow(pkt), usable);
}

const auto kSubnetPing = ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kIcmp);

}  // namespace

TEST_CASE("flow: addresses, protocol, ports of first fragments only") {
    Flow f = flow(ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 80));
    CHECK(f.src == ip(10, 1, 0, 5));
    CHECK(f.dst == ip(10, 2, 0, 7));
    CHECK(f.proto == kTcp);
    CHECK(f.has_ports);
    CHECK(f.sport == 40000);
    CHECK(f.dport == 80);
    CHECK(flow(ipv4(1, 2, kUdp, 53, 5353)).dport == 5353);
    CHECK_FALSE(flow(ipv4(1, 2, kIcmp)).has_ports);
    CHECK_FALSE(flow(ipv4(1, 2, kGre)).has_ports);
    CHECK_FALSE(flow(ipv4(1, 2, kTcp, 1, 2, 60, 185)).has_ports);  // a later fragment

    auto opts = ipv4(1, 2, kUdp, 7, 9, 60);
    opts[0] = 0x46;  // 24-byte header: the ports move by 4
    vpn::store_be16(opts.data() + 24, 1111);
    vpn::store_be16(opts.data() + 26, 2222);
    CHECK(flow(opts).sport == 1111);
    CHECK(flow(opts).dport == 2222);

    std::vector<std::uint8_t> v6(60, 0);
    v6[0] = 0x60;
    CHECK_FALSE(flow_of(v6));  // setkey selectors are IPv4 only
    CHECK_FALSE(flow_of(std::vector<std::uint8_t>(19, 0x45)));
    auto bad_ihl = ipv4(1, 2, kTcp);
    bad_ihl[0] = 0x4f;  // 60-byte header in a 60-byte packet: no room for ports
    CHECK_FALSE(flow(bad_ihl).has_ports);
    bad_ihl[0] = 0x44;  // shorter than 20
    CHECK_FALSE(flow_of(bad_ihl));
}

TEST_CASE("spd: the seed articles' subnet tunnel, out and in") {
    Spd spd(db_of(kOut + kIn + "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec " + kTunnelOut + "/require;\n" +
                  "spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec " + kTunnelIn + "/require;\n"));
    CHECK(spd.out_rules() == 1);
    CHECK(spd.in_rules() == 1);
    OutDecision d = out(spd, kSubnetPing);
    CHECK(d.verdict == OutVerdict::Protect);
    CHECK(d.sa == 0);
    // Outside the subnets: no policy (the kernel would send it in clear).
    CHECK(out(spd, ipv4(ip(10, 1, 0, 5), ip(10, 9, 0, 7), kIcmp)).verdict == OutVerdict::NoPolicy);
    CHECK(out(spd, ipv4(ip(10, 1, 1, 5), ip(10, 2, 0, 7), kIcmp)).verdict == OutVerdict::NoPolicy);
    // The reverse direction is not an out policy's business.
    CHECK(out(spd, ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kIcmp)).verdict == OutVerdict::NoPolicy);

    const auto back = flow(ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kTcp, 80, 40000));
    CHECK(spd.inbound(back, 1) == InVerdict::Accept);
    CHECK(spd.inbound(back, 0) == InVerdict::Mismatch);  // the outbound SA is no in policy's
    CHECK(spd.inbound(flow(ipv4(ip(10, 3, 0, 7), ip(10, 1, 0, 5), kIcmp)), 1) == InVerdict::NoPolicy);
}

TEST_CASE("spd: discard, none and every level with and without a usable SA") {
    const std::string pre = kOut + kIn;
    auto one = [&](const std::string& policy) {
        return Spd(db_of(pre + "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out " + policy + ";\n"));
    };
    const std::vector<std::uint8_t> none_usable(8, 0);
    CHECK(out(one("discard"), kSubnetPing).verdict == OutVerdict::Discard);
    CHECK(out(one("none"), kSubnetPing).verdict == OutVerdict::Clear);
    for (const char* level : {"require", "default", "unique", "use"}) {
        CAPTURE(level);
        Spd spd = one("ipsec " + kTunnelOut + "/" + level);
        CHECK(out(spd, kSubnetPing).verdict == OutVerdict::Protect);
        const OutVerdict without = out(spd, kSubnetPing, none_usable).verdict;
        // use: "use an SA if there is one, else send in clear"; the others drop.
        CHECK(without == (std::string(level) == "use" ? OutVerdict::Clear : OutVerdict::NoSa));
    }
    // An empty level is setkey's default.
    CHECK(out(one("ipsec " + kTunnelOut + "/"), kSubnetPing, none_usable).verdict == OutVerdict::NoSa);
    // Tunnel endpoints no SA has: as good as no SA.
    CHECK(out(one("ipsec esp/tunnel/192.168.77.1-192.168.77.9/require"), kSubnetPing).verdict == OutVerdict::NoSa);
    CHECK(out(one("ipsec esp/tunnel/192.168.77.1-192.168.77.9/use"), kSubnetPing).verdict == OutVerdict::Clear);
}

TEST_CASE("spd: unique:N binds the SA added with -u N; other levels take any SA of the endpoints") {
    const std::string sas = sa("192.168.77.1", "192.168.77.2", "0x1001", "-u 1") +  // 0
                            sa("192.168.77.1", "192.168.77.2", "0x2001", "-u 2") +  // 1
                            sa("192.168.77.2", "192.168.77.1", "0x1002", "-u 1") +  // 2
                            sa("192.168.77.2", "192.168.77.1", "0x2002", "-u 2");   // 3
    Spd spd(db_of(sas + "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec " + kTunnelOut + "/unique:1;\n" +
                  "spdadd 10.1.0.0/24 10.3.0.0/24 any -P out ipsec " + kTunnelOut + "/unique:2;\n" +
                  "spdadd 10.1.0.0/24 10.4.0.0/24 any -P out ipsec " + kTunnelOut + "/require;\n" +
                  "spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec " + kTunnelIn + "/unique:1;\n" +
                  "spdadd 10.3.0.0/24 10.1.0.0/24 any -P in ipsec " + kTunnelIn + "/unique:2;\n" +
                  "spdadd 10.4.0.0/24 10.1.0.0/24 any -P in ipsec " + kTunnelIn + "/require;\n"));
    const auto to2 = ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kUdp, 1, 2);
    const auto to3 = ipv4(ip(10, 1, 0, 5), ip(10, 3, 0, 7), kUdp, 1, 2);
    const auto to4 = ipv4(ip(10, 1, 0, 5), ip(10, 4, 0, 7), kUdp, 1, 2);
    CHECK(out(spd, to2).sa == 0);
    CHECK(out(spd, to3).sa == 1);
    CHECK(out(spd, to4).sa == 0);  // require: the first SA of the endpoints...
    const std::vector<std::uint8_t> first_gone{0, 1, 1, 1};
    CHECK(out(spd, to4, first_gone).sa == 1);  // ...else the next one
    CHECK(out(spd, to2, first_gone).verdict == OutVerdict::NoSa);  // unique:1 has no other

    const auto from2 = flow(ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kIcmp));
    const auto from3 = flow(ipv4(ip(10, 3, 0, 7), ip(10, 1, 0, 5), kIcmp));
    const auto from4 = flow(ipv4(ip(10, 4, 0, 7), ip(10, 1, 0, 5), kIcmp));
    CHECK(spd.inbound(from2, 2) == InVerdict::Accept);
    CHECK(spd.inbound(from2, 3) == InVerdict::Mismatch);  // 10.2 came in on the -u 2 SA
    CHECK(spd.inbound(from3, 3) == InVerdict::Accept);
    CHECK(spd.inbound(from3, 2) == InVerdict::Mismatch);
    CHECK(spd.inbound(from4, 2) == InVerdict::Accept);
    CHECK(spd.inbound(from4, 3) == InVerdict::Accept);
}

TEST_CASE("spd: prefixes, ports and protocols select") {
    const std::string pre = kOut + kIn;
    auto sel = [&](const std::string& selectors) {
        return Spd(db_of(pre + "spdadd " + selectors + " -P out ipsec " + kTunnelOut + "/require;\n"));
    };
    auto hit = [](const Spd& spd, const std::vector<std::uint8_t>& p) {
        return out(spd, p).verdict == OutVerdict::Protect;
    };
    // Prefixes: host bits in the selector do not matter; /0 is everything; no prefix is /32.
    Spd p24 = sel("10.1.0.99/24 10.2.0.0/16 any");
    CHECK(hit(p24, ipv4(ip(10, 1, 0, 1), ip(10, 2, 200, 1), kIcmp)));
    CHECK_FALSE(hit(p24, ipv4(ip(10, 1, 1, 1), ip(10, 2, 0, 1), kIcmp)));
    CHECK_FALSE(hit(p24, ipv4(ip(10, 1, 0, 1), ip(10, 3, 0, 1), kIcmp)));
    CHECK(hit(sel("0.0.0.0/0 0.0.0.0/0 any"), ipv4(ip(1, 2, 3, 4), ip(5, 6, 7, 8), kGre)));
    Spd host = sel("10.1.0.5 10.2.0.7 any");
    CHECK(hit(host, kSubnetPing));
    CHECK_FALSE(hit(host, ipv4(ip(10, 1, 0, 6), ip(10, 2, 0, 7), kIcmp)));
    Spd p31 = sel("10.1.0.4/31 10.2.0.6/31 any");
    CHECK(hit(p31, kSubnetPing));
    CHECK_FALSE(hit(p31, ipv4(ip(10, 1, 0, 6), ip(10, 2, 0, 7), kIcmp)));

    // Protocols.
    Spd tcp = sel("10.1.0.0/24 10.2.0.0/24 tcp");
    CHECK(hit(tcp, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 1, 2)));
    CHECK_FALSE(hit(tcp, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kUdp, 1, 2)));
    CHECK_FALSE(hit(tcp, kSubnetPing));
    CHECK(hit(sel("10.1.0.0/24 10.2.0.0/24 icmp"), kSubnetPing));
    CHECK(hit(sel("10.1.0.0/24 10.2.0.0/24 47"), ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kGre)));
    CHECK_FALSE(hit(sel("10.1.0.0/24 10.2.0.0/24 47"), kSubnetPing));

    // Ports: destination, source, both; [any] is no port; ports need TCP/UDP first fragments.
    Spd http = sel("10.1.0.0/24 10.2.0.0/24[80] tcp");
    CHECK(hit(http, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 80)));
    CHECK_FALSE(hit(http, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 80, 8080)));
    CHECK_FALSE(hit(http, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 80, 60, 185)));
    Spd dns = sel("10.1.0.0/24[53] 10.2.0.0/24 udp");
    CHECK(hit(dns, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kUdp, 53, 33000)));
    CHECK_FALSE(hit(dns, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kUdp, 33000, 53)));
    Spd both = sel("10.1.0.0/24[500] 10.2.0.0/24[500] any");
    CHECK(hit(both, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kUdp, 500, 500)));
    CHECK_FALSE(hit(both, ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kUdp, 500, 501)));
    CHECK_FALSE(hit(both, kSubnetPing));  // any protocol, but ICMP has no ports
    CHECK(hit(sel("10.1.0.0/24[any] 10.2.0.0/24[any] any"), kSubnetPing));
}

TEST_CASE("spd: the first matching policy in statement order decides, per direction") {
    const std::string pre = kOut + kIn;
    const std::string icmp_discard = "spdadd 10.1.0.0/24 10.2.0.0/24 icmp -P out discard;\n";
    const std::string web_clear = "spdadd 10.1.0.0/24 10.2.0.0/24[80] tcp -P out none;\n";
    const std::string all = "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec " + kTunnelOut + "/require;\n";
    const auto web = ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 80);
    const auto ssh = ipv4(ip(10, 1, 0, 5), ip(10, 2, 0, 7), kTcp, 40000, 22);

    Spd narrow_first(db_of(pre + icmp_discard + web_clear + all));
    CHECK(out(narrow_first, kSubnetPing).verdict == OutVerdict::Discard);
    CHECK(out(narrow_first, web).verdict == OutVerdict::Clear);
    CHECK(out(narrow_first, ssh).verdict == OutVerdict::Protect);

    Spd broad_first(db_of(pre + all + icmp_discard + web_clear));
    CHECK(out(broad_first, kSubnetPing).verdict == OutVerdict::Protect);
    CHECK(out(broad_first, web).verdict == OutVerdict::Protect);

    // Inbound: a discard or none policy first refuses what arrived under ESP.
    const std::string in_all = "spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec " + kTunnelIn + "/require;\n";
    Spd in_discard(db_of(pre + "spdadd 10.2.0.0/24 10.1.0.0/24 icmp -P in discard;\n" +
                         "spdadd 10.2.0.0/24 10.1.0.0/24 udp -P in none;\n" + in_all));
    CHECK(in_discard.inbound(flow(ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kIcmp)), 1) == InVerdict::Mismatch);
    CHECK(in_discard.inbound(flow(ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kUdp, 1, 2)), 1) == InVerdict::Mismatch);
    CHECK(in_discard.inbound(flow(ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kTcp, 1, 2)), 1) == InVerdict::Accept);

    // spddelete takes a policy out of the order; fwd policies are not consulted.
    Spd deleted(db_of(pre + icmp_discard + all + "spddelete 10.1.0.0/24 10.2.0.0/24 icmp -P out;\n" +
                      "spdadd 10.2.0.0/24 10.1.0.0/24 any -P fwd discard;\n" + in_all));
    CHECK(out(deleted, kSubnetPing).verdict == OutVerdict::Protect);
    CHECK(deleted.inbound(flow(ipv4(ip(10, 2, 0, 7), ip(10, 1, 0, 5), kIcmp)), 1) == InVerdict::Accept);
}

TEST_CASE("spd: esp-udp tunnel endpoints with ports pick the SA with those ports") {
    Spd spd(db_of("add 192.168.77.1[4500] 192.168.77.2[4500] esp-udp 0x1001 -m tunnel -E aes-gcm-16 0x" +
                  std::string(40, 'a') + ";\n" +
                  "add 192.168.77.1[4500] 192.168.77.2[30000] esp-udp 0x1003 -m tunnel -E aes-gcm-16 0x" +
                  std::string(40, 'b') + ";\n" +
                  "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec "
                  "esp/tunnel/192.168.77.1[4500]-192.168.77.2[30000]/require;\n"
                  "spdadd 10.1.0.0/24 10.3.0.0/24 any -P out ipsec esp/tunnel/192.168.77.1-192.168.77.2/require;\n"));
    CHECK(out(spd, kSubnetPing).sa == 1);
    CHECK(out(spd, ipv4(ip(10, 1, 0, 5), ip(10, 3, 0, 7), kIcmp)).sa == 0);  // no ports: any SA of the addresses
}
