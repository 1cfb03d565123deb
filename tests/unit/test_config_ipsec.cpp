// The config layer of technique ipsec (common/config): `technique`, the IPsec-only
// directives' shapes, which directives go with which technique, and the keying rules
// of validate_ipsec -- every error with its "FILE:LINE:" prefix.  What proposal
// strings and setkey statements mean is tested in test_ipsec_*.cpp.
#include <doctest/doctest.h>

#include "common/config/help.hpp"
#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::err;
using config_test::has;
using config_test::opts;
using config_test::warnings;

namespace {

// A minimal valid IKE point-to-point config, for rules about one more line.
const std::string kIke = "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\n";
// A minimal valid static-key config.
const std::string kStatic = "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nsecret static.key\n";

}  // namespace

TEST_CASE("technique: tls by default, tls|ipsec, anything else is an error") {
    CHECK(opts("dev tun\n").technique == Technique::Tls);
    CHECK(opts("technique tls\ndev tun\n").technique == Technique::Tls);
    Options o = opts(kIke);
    CHECK(o.technique == Technique::Ipsec);
    REQUIRE(o.technique_origin);
    CHECK(o.technique_origin->str() == "test.conf:1");
    CHECK(err("technique wireguard\n") == "test.conf:1: 'technique': 'wireguard' is not a technique, expected tls or ipsec");
    CHECK(err("technique\n") == "test.conf:1: 'technique' expects 1 argument (tls or ipsec), got 0");
}

TEST_CASE("help documents technique and the IPsec directives") {
    std::string help = directive_help();
    for (const char* name : {"technique", "ike-psk", "ike-id", "ike-remote-id", "ike-proposals", "esp-proposals",
                             "ike-lifetime", "esp-lifetime", "nat-traversal", "esp-spi", "setkey"}) {
        CAPTURE(name);
        CHECK(has(help, "\n  --" + std::string(name) + " "));
    }
    CHECK(has(help, "--technique tls|ipsec"));
    CHECK(has(help, "<ike-psk>"));
    CHECK(has(help, "<setkey>"));
}

TEST_CASE("IPsec directives are stored as written with their lines") {
    config_test::TempDir tmp;
    auto r = config_test::load_ok(kIke + "ike-id vpn.example.org\nike-remote-id 'C=CH, O=strongSwan, CN=gw'\n"
                                         "ike-proposals aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048\n"
                                         "esp-proposals aes128gcm16\nike-lifetime 3600\nesp-lifetime 600\n"
                                         "nat-traversal force\n",
                                  tmp.path);
    const IpsecOptions& ip = r.opts.ipsec;
    REQUIRE(ip.ike_psk);
    CHECK(ip.ike_psk->path == tmp.file("psk.txt"));
    CHECK(ip.ike_psk->origin.str() == "test.conf:4");
    CHECK(ip.ike_id->text == "vpn.example.org");
    CHECK(ip.ike_remote_id->text == "C=CH, O=strongSwan, CN=gw");
    // swanctl.conf's ", " survives a config line without quotes.
    CHECK(ip.ike_proposals->text == "aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048");
    CHECK(ip.ike_proposals->origin.str() == "test.conf:7");
    CHECK(ip.esp_proposals->text == "aes128gcm16");
    CHECK(ip.ike_lifetime == 3600);
    CHECK(ip.esp_lifetime == 600);
    CHECK(ip.nat_traversal == NatTraversal::Force);
    CHECK(r.warnings.empty());
}

TEST_CASE("IPsec directive argument errors") {
    CHECK(err(kIke + "ike-lifetime 10\n") ==
          "test.conf:5: 'ike-lifetime': '10' is not a lifetime in seconds (60..604800)");
    CHECK(err(kIke + "esp-lifetime 1h\n") ==
          "test.conf:5: 'esp-lifetime': '1h' is not a lifetime in seconds (10..604800)");
    CHECK(err(kIke + "nat-traversal maybe\n") ==
          "test.conf:5: 'nat-traversal': 'maybe' is not a mode, expected yes, no or force");
    CHECK(err(kIke + "ike-id \"\"\n") ==
          "test.conf:5: 'ike-id': empty argument, expected an identity (IP address, FQDN, user@FQDN or a quoted DN)");
    CHECK(err(kIke + "ike-psk \"\"\n") == "test.conf:5: 'ike-psk': empty file name, expected a file or [inline]");
    CHECK(err(kIke + "<setkey>\n</setkey>\n") ==
          "test.conf:5: 'setkey': empty <setkey> block, expected its content between <setkey> and </setkey>");
    CHECK(err(kIke + "ike-id a b\n") ==
          "test.conf:5: 'ike-id' expects 1 argument (an IP address, FQDN, user@FQDN or DN), got 2");
}

TEST_CASE("esp-spi: decimal or hex, from 256, two different ones") {
    Options o = opts(kStatic + "esp-spi 0x1001 4098\n");
    REQUIRE(o.ipsec.esp_spi);
    CHECK(o.ipsec.esp_spi->out == 0x1001);
    CHECK(o.ipsec.esp_spi->in == 4098);
    CHECK(opts(kStatic + "esp-spi 0xFFFFFFFF 256\n").ipsec.esp_spi->out == 0xffffffffu);
    CHECK(err(kStatic + "esp-spi 255 0x1000\n") ==
          "test.conf:5: 'esp-spi': '255' is reserved (SPIs 0..255), expected a number from 256 up");
    CHECK(err(kStatic + "esp-spi 0x1000 0x100000000\n") ==
          "test.conf:5: 'esp-spi': '0x100000000' is not an SPI, expected a decimal or 0x hex number of at most 32 bits");
    CHECK(err(kStatic + "esp-spi 4294967296 300\n") ==
          "test.conf:5: 'esp-spi': '4294967296' is not an SPI, expected a decimal or 0x hex number of at most 32 bits");
    CHECK(err(kStatic + "esp-spi 0x1g 300\n") ==
          "test.conf:5: 'esp-spi': '0x1g' is not an SPI, expected a decimal or 0x hex number of at most 32 bits");
    CHECK(err(kStatic + "esp-spi 0x1000 4096\n") ==
          "test.conf:5: 'esp-spi': OUT and IN are the same SPI, expected two different SPIs");
}

TEST_CASE("inline <ike-psk> and <setkey> blocks, and [inline] without its block") {
    Options o = opts("technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\n<ike-psk>\nsecret\n</ike-psk>\n");
    REQUIRE(o.ipsec.ike_psk);
    CHECK(o.ipsec.ike_psk->inline_text == "secret\n");
    CHECK(o.ipsec.ike_psk->origin.str() == "test.conf:4");
    Options s = opts("technique ipsec\ndev tun\nsetkey [inline]\n<setkey>\nflush;\n</setkey>\n");
    REQUIRE(s.ipsec.setkey);
    CHECK(s.ipsec.setkey->inline_text == "flush;\n");
    CHECK(err("technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk [inline]\n") ==
          "test.conf:4: 'ike-psk [inline]' has no <ike-psk> block, expected a <ike-psk> ... </ike-psk> block in the "
          "config");
}

TEST_CASE("IPsec-only directives in a technique tls config are errors at their line") {
    for (const char* line : {"ike-psk psk.txt", "ike-id x", "ike-remote-id x", "ike-proposals aes256-sha256-modp2048",
                             "esp-proposals aes256gcm16", "ike-lifetime 3600", "esp-lifetime 3600",
                             "nat-traversal no", "esp-spi 300 400", "setkey ipsec.conf"}) {
        CAPTURE(line);
        std::string name = std::string(line).substr(0, std::string(line).find(' '));
        CHECK(err("dev tun\nifconfig 10.0.0.1 10.0.0.2\n" + std::string(line) + "\nsecret static.key\n") ==
              "test.conf:3: '" + name + "' needs 'technique ipsec', expected a 'technique ipsec' line or no " + name +
                  " line");
    }
    CHECK(err("technique tls\ndev tun\nsetkey x\n") ==
          "test.conf:3: 'setkey' needs 'technique ipsec', expected a 'technique ipsec' line or no setkey line");
}

TEST_CASE("TLS-only directives with technique ipsec are errors naming both lines") {
    struct Case {
        const char* line;
        const char* why;
    };
    const Case cases[] = {
        {"tls-auth ta.key 0", "IKE protects its own messages"},
        {"tls-crypt tc.key", "IKE protects its own messages"},
        {"data-ciphers AES-256-GCM", "use esp-proposals"},
        {"tls-client", "IKE has no TLS roles (a side with 'remote' initiates; 'client' also asks for an address)"},
        {"reneg-sec 600", "use esp-lifetime and ike-lifetime"},
        {"key-direction 1", "manual SAs take both directions' keys from the whole static key"},
        {"port 1194", "IKE uses UDP ports 500 and 4500"},
        {"ping 10", "use keepalive, which drives IKE dead peer detection"},
        {"auth-user-pass", "EAP is not supported, use ike-psk or certificates"},
        {"verify-x509-name gw name", "use ike-remote-id to name the peer"},
        {"status /tmp/st", "not supported with technique ipsec yet"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.line);
        std::string name = std::string(c.line).substr(0, std::string(c.line).find(' '));
        CHECK(err("dev tun\n" + std::string(c.line) + "\ntechnique ipsec\n") ==
              "test.conf:2: '" + name + "' cannot be used with 'technique ipsec' at test.conf:3: " + c.why);
    }
}

TEST_CASE("compression, float, nobind, explicit-exit-notify: warned and dropped with technique ipsec") {
    config_test::TempDir tmp;
    auto r = config_test::load_ok(kStatic + "comp-lzo\nfloat\nexplicit-exit-notify 2\ncompress lzo\n", tmp.path);
    REQUIRE(r.warnings.size() == 4);
    CHECK(r.warnings[0] == "test.conf:5: 'comp-lzo' with technique ipsec: no ESP meaning, ignored");
    CHECK(r.warnings[1] == "test.conf:6: 'float' with technique ipsec: ESP in UDP follows the peer's NAT mapping anyway, ignored");
    CHECK(r.warnings[3] == "test.conf:8: 'compress' with technique ipsec: no ESP meaning, ignored");
    CHECK_FALSE(r.opts.lzo_framing());
    CHECK_FALSE(r.opts.float_remote);
    CHECK(r.opts.explicit_exit_notify == 0);
    // Without technique ipsec the same lines are the classic static-key config.
    CHECK(opts("dev tun\nifconfig 10.0.0.1 10.0.0.2\nsecret static.key\ncomp-lzo\n").lzo_framing());
}

TEST_CASE("technique ipsec: tun only, udp only, remote without port, push of routes and DNS only") {
    CHECK(err("technique ipsec\ndev tap\nifconfig 10.0.0.1 255.255.255.0\nsecret k\n") ==
          "test.conf:2: technique ipsec needs a tun device: ESP tunnel mode carries IP packets, expected 'dev tun'");
    CHECK(err(kIke + "proto tcp-client\nremote 192.0.2.1\n") ==
          "test.conf:5: 'proto': IKE and ESP in UDP run over UDP, expected 'proto udp' or no proto line");
    CHECK(err(kIke + "proto tcp\n") ==
          "test.conf:5: 'proto': IKE and ESP in UDP run over UDP, expected 'proto udp' or no proto line");
    CHECK(opts(kIke + "proto udp\n").proto == Proto::Udp);
    CHECK(err(kIke + "remote 192.0.2.1 1194\n") ==
          "test.conf:5: 'remote': IKE uses UDP ports 500 and 4500, expected 'remote HOST' without a port or protocol");
    const std::string gw = "technique ipsec\ndev tun\nserver 10.9.0.0 255.255.255.0\nca ca.crt\ncert gw.crt\nkey gw.key\n";
    Options o = opts(gw + "push \"route 192.168.1.0 255.255.255.0\"\npush \"dhcp-option DNS 10.9.0.1\"\n");
    CHECK(o.mode == Mode::Server);
    // The server helper's "topology net30" has no IKE form; its route to the gateway does.
    CHECK(o.push == std::vector<std::string>{"route 192.168.1.0 255.255.255.0", "dhcp-option DNS 10.9.0.1",
                                             "route 10.9.0.1"});
    CHECK(err(gw + "push \"redirect-gateway def1\"\n") ==
          "test.conf:7: 'push' 'redirect-gateway def1' cannot be sent over IKE, expected push \"route NET MASK\" or push "
          "\"dhcp-option DNS ADDRESS\"");
    CHECK(err(gw + "ifconfig-push 10.9.0.5 10.9.0.6\n") ==
          "test.conf:7: 'ifconfig-push' cannot be used with 'technique ipsec' at test.conf:1: the gateway assigns "
          "addresses from its pool ('server' or ifconfig-pool)");
}

TEST_CASE("keepalive with technique ipsec: dead peer detection on each side, nothing pushed") {
    Options o = opts("technique ipsec\ndev tun\nserver 10.9.0.0 255.255.255.0\nca ca.crt\ncert gw.crt\nkey gw.key\n"
                     "keepalive 10 60\n");
    CHECK(o.ping == 10);
    CHECK(o.ping_restart == 60);
    for (const auto& p : o.push) CHECK_FALSE(p.starts_with("ping"));
}

TEST_CASE("keying: manual from secret or setkey, else IKE; conflicts at the later line") {
    CHECK(err(kStatic + "setkey ipsec.conf\n") ==
          "test.conf:5: 'setkey' conflicts with 'secret' at test.conf:4, expected one way of manual keying");
    CHECK(err("technique ipsec\ndev tun\nsetkey ipsec.conf\nsecret static.key\n") ==
          "test.conf:4: 'secret' conflicts with 'setkey' at test.conf:3, expected one way of manual keying");
    CHECK(err(kStatic + "ike-psk psk.txt\n") ==
          "test.conf:5: 'ike-psk' needs IKE, but 'secret' at test.conf:4 keys the SAs manually, expected no ike-psk line");
    CHECK(err(kStatic + "ike-lifetime 3600\n") ==
          "test.conf:5: 'ike-lifetime' needs IKE, but 'secret' at test.conf:4 keys the SAs manually, expected no "
          "ike-lifetime line");
    CHECK(err(kStatic + "ca ca.crt\n") ==
          "test.conf:5: 'ca' needs IKE, but 'secret' at test.conf:4 keys the SAs manually, expected no ca line");
    CHECK(err("technique ipsec\ndev tun\nsetkey k.conf\nesp-spi 300 400\n") ==
          "test.conf:4: 'esp-spi' is for SAs keyed from 'secret'; with 'setkey' at test.conf:3 the SPIs are in its add "
          "statements");
    CHECK(err("technique ipsec\ndev tun\nsetkey k.conf\ncipher AES-256-CBC\n") ==
          "test.conf:4: 'cipher' has no meaning with 'setkey' at test.conf:3: its add statements choose the algorithms (-E)");
    CHECK(err("technique ipsec\ndev tun\nsetkey k.conf\nreplay-window 128\n") ==
          "test.conf:4: 'replay-window' has no meaning with 'setkey' at test.conf:3: use -r on its add statements");
    CHECK(err("technique ipsec\ndev tun\nsetkey k.conf\nnat-traversal force\n") ==
          "test.conf:4: 'nat-traversal' has no meaning with 'setkey' at test.conf:3: use esp-udp on its add statements");
    CHECK(err("technique ipsec\ndev tun\nsecret static.key\n") ==
          "test.conf:3: manual keying from 'secret' needs 'ifconfig LOCAL PEER' (the SPIs and keys derive from the two "
          "tunnel addresses), expected an ifconfig line");
    CHECK(err(kStatic + "auth SHA256\n") ==
          "test.conf:5: 'auth' for manual keying needs 'cipher' too (without cipher the first esp-proposals entry picks "
          "both), expected a cipher line or no auth line");
    CHECK(opts(kStatic + "cipher AES-256-CBC\nauth SHA256\nesp-spi 300 400\nreplay-window 64\n").cipher_origin);
    CHECK(err("technique ipsec\ndev tun\nserver 10.9.0.0 255.255.255.0\nsecret static.key\n") ==
          "test.conf:3: 'server' and 'secret' cannot be used together (a server needs TLS keys)");
    CHECK(err("technique ipsec\ndev tun\nmode server\nsecret static.key\n") ==
          "test.conf:4: 'secret' (manual keying) cannot be used with 'mode server' at test.conf:3 (a gateway keys its "
          "clients' SAs with IKE), expected ike-psk or ca, cert and key");
}

TEST_CASE("IKE: authentication, client and point-to-point rules") {
    CHECK(err("technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\n") ==
          "test.conf:1: technique ipsec with IKE needs a way to authenticate, expected ike-psk, or ca, cert and key (or "
          "secret / setkey for manual keying)");
    CHECK(err(kIke + "ca ca.crt\ncert c.crt\nkey c.key\n") ==
          "test.conf:4: 'ike-psk' and 'cert' at test.conf:6 are two ways to authenticate, expected one of them");
    CHECK(err("technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\ncert c.crt\nkey c.key\n") ==
          "test.conf:4: 'cert' without 'ca', expected the CA that vouches for the peer");
    CHECK(err("technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nca ca.crt\ncert c.crt\n") ==
          "test.conf:5: 'cert' without 'key', expected the certificate's private key");
    CHECK(err(kIke + "cipher AES-256-GCM\n") ==
          "test.conf:5: 'cipher' only picks the algorithm of SAs keyed from 'secret'; with IKE use esp-proposals");
    CHECK(err(kIke + "esp-spi 300 400\n") ==
          "test.conf:5: 'esp-spi' is for SAs keyed from 'secret'; IKE chooses the SPIs, expected a secret line or no "
          "esp-spi line");
    CHECK(err("technique ipsec\ndev tun\nike-psk p\n") ==
          "test.conf:1: IPsec point-to-point needs 'ifconfig LOCAL PEER' (the tunnel addresses the SAs carry), expected "
          "an ifconfig line, or 'client' / 'server' for a gateway");
    CHECK(err("technique ipsec\ndev tun\nclient\nike-psk p\n") ==
          "test.conf:3: 'client' needs a 'remote', expected the gateway to connect to");
    CHECK(err("technique ipsec\ndev tun\nclient\nremote 192.0.2.1\nike-psk p\nifconfig 10.0.0.1 10.0.0.2\n") ==
          "test.conf:6: 'ifconfig' with 'client' at test.conf:3: the gateway assigns this side's address, expected no "
          "ifconfig line");
    Options c = opts("technique ipsec\ndev tun\nclient\nremote 192.0.2.1\nca ca.crt\ncert c.crt\nkey c.key\n"
                     "nobind\npersist-key\npersist-tun\nresolv-retry infinite\n");
    CHECK(c.tls.pull);
    CHECK_FALSE(c.nobind);
    CHECK(c.remotes.size() == 1);
}

TEST_CASE("technique given on the command line applies to the whole config") {
    config_test::TempDir tmp;
    std::string conf = tmp.write("c.conf", "dev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\n");
    CHECK(config_test::cmdline_error(conf, {}) ==
          conf + ":3: 'ike-psk' needs 'technique ipsec', expected a 'technique ipsec' line or no ike-psk line");
    Options o = load(conf, {"--technique", "ipsec"}, nullptr);
    CHECK(o.technique == Technique::Ipsec);
    CHECK(o.technique_origin->str() == "[command line] --technique");
}
