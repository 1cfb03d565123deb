// Who a point-to-point setkey tunnel talks to (ipsec/manual/setkey_peer.hpp): one
// peer, one encapsulation, else a one-line refusal at the add statement that
// brings in the second; and the warnings for SAs no policy uses and for the
// FreeBSD handbook's gif/ipencap policies.
#include <doctest/doctest.h>

#include <string>

#include "common/config/config_error.hpp"
#include "ipsec/manual/setkey.hpp"
#include "ipsec/manual/setkey_peer.hpp"
#include "spd_test_support.hpp"

using namespace vpn::ipsec::manual;
using spd_test::ip;

namespace {

std::string key() { return " -m tunnel -E aes-gcm-16 0x" + std::string(40, 'a') + ";\n"; }

const std::string kPolicies =
    "spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/192.168.77.1-192.168.77.2/require;\n"
    "spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec esp/tunnel/192.168.77.2-192.168.77.1/require;\n";

std::string peer_err(const std::string& text) {
    try {
        setkey_peer(parse_setkey(text, "ipsec.conf"));
    } catch (const vpn::config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

}  // namespace

TEST_CASE("setkey peer: the seed layout, raw ESP and esp-udp") {
    SetkeyPeer p = setkey_peer(parse_setkey("add 192.168.77.1 192.168.77.2 esp 0x1001" + key() +
                                                "add 192.168.77.2 192.168.77.1 esp 0x1002" + key() + kPolicies,
                                            "ipsec.conf"));
    CHECK(p.local == Endpoint{ip(192, 168, 77, 1), std::nullopt});
    CHECK(p.peer == Endpoint{ip(192, 168, 77, 2), std::nullopt});
    CHECK_FALSE(p.udp_encap);
    CHECK(p.outbound == 1);
    CHECK(p.inbound == 1);

    // The other host's view: same SAs, policies the other way round.
    SetkeyPeer b = setkey_peer(parse_setkey(
        "add 192.168.77.1[4500] 192.168.77.2[4501] esp-udp 0x1001" + key() +
            "add 192.168.77.2[4501] 192.168.77.1[4500] esp-udp 0x1002" + key() +
            "spdadd 10.2.0.0/24 10.1.0.0/24 any -P out ipsec esp/tunnel/192.168.77.2-192.168.77.1/require;\n"
            "spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec esp/tunnel/192.168.77.1-192.168.77.2/require;\n",
        "ipsec.conf"));
    CHECK(b.local == Endpoint{ip(192, 168, 77, 2), 4501});
    CHECK(b.peer == Endpoint{ip(192, 168, 77, 1), 4500});
    CHECK(b.udp_encap);
    CHECK(endpoint_text(b.local) == "192.168.77.2[4501]");
}

TEST_CASE("setkey peer: a second peer, local address, encapsulation or port pair is refused at its line") {
    const std::string pair = "add 192.168.77.1 192.168.77.2 esp 0x1001" + key() +  // line 1
                             "add 192.168.77.2 192.168.77.1 esp 0x1002" + key();    // line 2
    CHECK(peer_err(pair + "add 192.168.77.1 192.168.77.3 esp 0x1003" + key() + kPolicies +
                   "spdadd 10.1.0.0/24 10.3.0.0/24 any -P out ipsec esp/tunnel/192.168.77.1-192.168.77.3/require;\n") ==
          "ipsec.conf:3: setkey: this SA's peer is 192.168.77.3, but the SA at ipsec.conf:1 has 192.168.77.2; a "
          "point-to-point tunnel has one peer, expected every SA between 192.168.77.1 and 192.168.77.2");
    CHECK(peer_err(pair + "add 192.168.77.9 192.168.77.2 esp 0x1003" + key() + kPolicies +
                   "spdadd 10.9.0.0/24 10.2.0.0/24 any -P out ipsec esp/tunnel/192.168.77.9-192.168.77.2/require;\n")
              .starts_with("ipsec.conf:3: setkey: this SA's local end is 192.168.77.9, but the SA at ipsec.conf:1 "
                           "has 192.168.77.1"));
    CHECK(peer_err("add 192.168.77.1 192.168.77.2 esp 0x1001" + key() +
                   "add 192.168.77.2 192.168.77.1 esp-udp 0x1002" + key() + kPolicies) ==
          "ipsec.conf:2: setkey: esp-udp here, but the SA at ipsec.conf:1 is esp; one tunnel uses one "
          "encapsulation, expected all esp or all esp-udp");
    CHECK(peer_err("add 192.168.77.1 192.168.77.2 esp-udp 0x1001" + key() +
                   "add 192.168.77.2[4600] 192.168.77.1 esp-udp 0x1002" + key() + kPolicies)
              .starts_with("ipsec.conf:2: setkey: esp-udp ports: local 192.168.77.1[4500] and peer "
                           "192.168.77.2[4600] here, but local 192.168.77.1[4500] and peer 192.168.77.2[4500] at "
                           "ipsec.conf:1"));
    // SAs no policy uses do not count (they are not installed).
    CHECK(peer_err(pair + "add 192.168.77.1 192.168.77.3 esp 0x1003" + key() + kPolicies) == "<no error>");
    CHECK(peer_err(pair).starts_with("ipsec.conf:1: setkey: no -P out or -P in ipsec policy names the endpoints"));
}

TEST_CASE("setkey warnings: unused SAs and the gif/ipencap pattern") {
    auto w = setkey_warnings(parse_setkey(
        "add 192.168.77.1 192.168.77.2 esp 0x1001" + key() + "add 192.168.77.1 192.168.77.3 esp 0x1003" + key() +
            "spdadd 192.168.77.1/32 192.168.77.2/32 ipencap -P out ipsec "
            "esp/tunnel/192.168.77.1-192.168.77.2/require;\n",
        "ipsec.conf"));
    REQUIRE(w.size() == 2);
    CHECK(w[0] == "ipsec.conf:2: setkey: no -P out or -P in ipsec policy names 192.168.77.1 -> 192.168.77.3, so SA "
                  "0x1003 is not used");
    CHECK(w[1].starts_with("ipsec.conf:3: setkey: this policy selects IP-in-IP packets between the gateways"));
    CHECK(setkey_warnings(parse_setkey("add 192.168.77.1 192.168.77.2 esp 0x1001" + key() +
                                           "add 192.168.77.2 192.168.77.1 esp 0x1002" + key() + kPolicies,
                                       "ipsec.conf"))
              .empty());
}
