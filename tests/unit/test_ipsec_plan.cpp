// build_plan / describe_plan (ipsec/config/ipsec_plan.hpp): a loaded technique ipsec
// config turned into the runtime's input -- files read, proposals and setkey parsed,
// static-key SAs derived, errors at the config line they are about.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <string>

#include "ipsec/config/ipsec_plan.hpp"
#include "pki/static_key.hpp"
#include "test_config_support.hpp"

using namespace vpn::ipsec;
using config_test::has;
using config_test::TempDir;
namespace ike = vpn::ike;

namespace {

struct Built {
    IpsecPlan plan;
    std::vector<std::string> warnings;
    vpn::config::Options opts;
};

Built build(const TempDir& tmp, const std::string& text) {
    Built b;
    b.opts = config_test::load_ok(text, tmp.path).opts;
    b.plan = build_plan(b.opts, [&](const std::string& w) { b.warnings.push_back(w); });
    return b;
}

std::string build_err(const TempDir& tmp, const std::string& text) {
    try {
        build(tmp, text);
    } catch (const vpn::config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

std::string key_text() {
    std::string k = "-----BEGIN OpenVPN Static key V1-----\n";
    for (int line = 0; line < 16; ++line) {
        for (int i = 0; i < 16; ++i) {
            static constexpr char kDigits[] = "0123456789abcdef";
            const int b = line * 16 + i;
            k += kDigits[b >> 4];
            k += kDigits[b & 15];
        }
        k += '\n';
    }
    return k + "-----END OpenVPN Static key V1-----\n";
}

std::string write_key(const TempDir& tmp, const std::string& name, const std::string& text, mode_t mode = 0600) {
    std::string p = tmp.write(name, text);
    ::chmod(p.c_str(), mode);
    return p;
}

const std::string kStatic = "technique ipsec\ndev tun\nifconfig 10.8.0.1 10.8.0.2\nsecret static.key\n";

}  // namespace

TEST_CASE("static key: the documented vector through the config, both ends") {
    TempDir tmp;
    write_key(tmp, "static.key", key_text());
    Built a = build(tmp, kStatic);
    Built b = build(tmp, "technique ipsec\ndev tun\nifconfig 10.8.0.2 10.8.0.1\nsecret static.key\n");
    CHECK(a.plan.keying == Keying::StaticKey);
    CHECK(a.plan.role == Role::PointToPoint);
    REQUIRE(a.plan.static_sas.size() == 2);
    CHECK(a.plan.static_sas[0].spi == 0xa694bdbcu);
    CHECK(a.plan.static_sas[1].spi == 0x451d0daeu);
    CHECK(a.plan.static_sas[0].algorithm == EspAlgorithm{ike::encr::kAesGcm16, 256, ike::integ::kNone});
    CHECK(b.plan.static_sas[1].spi == 0xa694bdbcu);
    CHECK_FALSE(a.plan.static_udp_encap);
    CHECK(a.plan.static_sas[0].replay_window == 0);
    CHECK(a.warnings.empty());
}

TEST_CASE("static key: cipher/auth, esp-proposals, replay-window, nat-traversal force, esp-spi") {
    TempDir tmp;
    write_key(tmp, "static.key", key_text());
    auto alg = [&](const std::string& more) { return build(tmp, kStatic + more).plan.static_sas.at(0).algorithm; };
    CHECK(alg("cipher AES-256-CBC\nauth SHA256\n") ==
          EspAlgorithm{ike::encr::kAesCbc, 256, ike::integ::kHmacSha256_128});
    CHECK(alg("cipher aes-128-cbc\n") == EspAlgorithm{ike::encr::kAesCbc, 128, ike::integ::kHmacSha1_96});
    CHECK(alg("cipher DES-EDE3-CBC\nauth SHA512\n") == EspAlgorithm{ike::encr::k3Des, 0, ike::integ::kHmacSha512_256});
    CHECK(alg("cipher AES-128-GCM\n") == EspAlgorithm{ike::encr::kAesGcm16, 128, ike::integ::kNone});
    CHECK(alg("esp-proposals aes128-sha384,aes256gcm16\n") ==
          EspAlgorithm{ike::encr::kAesCbc, 128, ike::integ::kHmacSha384_192});
    Built g = build(tmp, kStatic + "cipher AES-256-GCM\nauth SHA256\n");
    REQUIRE(g.warnings.size() == 1);
    CHECK(g.warnings[0] == "test.conf:6: 'auth' is ignored: AES-256-GCM authenticates itself");
    Built r = build(tmp, kStatic + "replay-window 256\nnat-traversal force\nesp-spi 0x1001 0x1002\n");
    CHECK(r.plan.static_sas[0].replay_window == 256);
    CHECK(r.plan.static_sas[0].spi == 0x1001);
    CHECK(r.plan.static_sas[1].spi == 0x1002);
    CHECK(r.plan.static_udp_encap);
}

TEST_CASE("static key errors at their lines") {
    TempDir tmp;
    write_key(tmp, "static.key", key_text());
    CHECK(build_err(tmp, kStatic + "cipher BF-CBC\n") ==
          "test.conf:5: 'cipher': BF-CBC has no ESP transform, expected AES-128-GCM, AES-256-GCM, AES-128-CBC, "
          "AES-192-CBC, AES-256-CBC or DES-EDE3-CBC");
    CHECK(build_err(tmp, kStatic + "cipher AES-256-CBC\nauth MD5\n") ==
          "test.conf:6: 'auth': MD5 has no ESP transform, expected SHA1, SHA256, SHA384 or SHA512");
    CHECK(build_err(tmp, kStatic + "esp-proposals aes256-md5\n") ==
          "test.conf:5: 'esp-proposals': proposal 'aes256-md5': 'md5' is not supported (weak or not implemented here)");
    CHECK(build_err(tmp, "technique ipsec\ndev tun\nifconfig 10.8.0.1 10.8.0.2\nsecret missing.key\n")
              .starts_with("test.conf:4: 'secret': "));
    // A legacy 1024-bit key (one direction's worth) is not enough.
    std::string full = key_text();
    const std::size_t body = full.find('\n') + 1;
    std::string small = full.substr(0, body + 8 * 33) + "-----END OpenVPN Static key V1-----\n";
    write_key(tmp, "small.key", small);
    CHECK(build_err(tmp, "technique ipsec\ndev tun\nifconfig 10.8.0.1 10.8.0.2\nsecret small.key\n") ==
          "test.conf:4: 'secret': manual ESP keying needs a 2048-bit static key (256 bytes), this one has 128 bytes; "
          "expected a key from 'vpn --genkey secret'");
}

TEST_CASE("inline secret gives the same SAs as the file") {
    TempDir tmp;
    Built b = build(tmp, "technique ipsec\ndev tun\nifconfig 10.8.0.1 10.8.0.2\n<secret>\n" + key_text() + "</secret>\n");
    CHECK(b.plan.static_sas.at(0).spi == 0xa694bdbcu);
}

TEST_CASE("IKE: defaults, psk loaded with a permission warning, identities") {
    TempDir tmp;
    const std::string psk = write_key(tmp, "psk.txt", "192.168.2.5 bad simple psk\n", 0644);
    // Everybody may read it: refused.  Group-readable: warned about.
    CHECK(build_err(tmp, "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\n") ==
          "test.conf:4: 'ike-psk': file '" + psk +
              "' is readable by everyone, expected a file only its owner (and group) may read (chmod o-rwx)");
    ::chmod(psk.c_str(), 0640);
    Built b = build(tmp, "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nremote 192.168.2.5\nike-psk psk.txt\n"
                         "ike-id 192.168.1.5\nike-remote-id @gw.example.org\nkeepalive 10 60\n");
    CHECK(b.plan.keying == Keying::Ike);
    REQUIRE(b.plan.ike);
    const IkeSettings& s = *b.plan.ike;
    CHECK(s.auth == IkeSettings::Auth::Psk);
    CHECK(std::string(reinterpret_cast<const char*>(s.psk_text.data()), s.psk_text.size()) ==
          "192.168.2.5 bad simple psk\n");
    CHECK(s.psk_name == psk);
    REQUIRE(b.warnings.size() == 1);
    CHECK(b.warnings[0] == "test.conf:5: 'ike-psk': WARNING: file '" + psk + "' is group or others accessible");
    CHECK(s.ike_proposals.size() == 2);
    CHECK(s.esp_proposals.size() == 4);
    CHECK(s.local_id->type == ike::IdType::Ipv4Addr);
    CHECK(s.remote_id->type == ike::IdType::Fqdn);
    CHECK(s.remote_id->text == "gw.example.org");
    CHECK(s.dpd_interval == 10);
    CHECK(s.dpd_timeout == 60);
    CHECK(s.ike_lifetime == 14400);
    CHECK(s.esp_lifetime == 3600);
    CHECK(s.replay_window == 1024);  // IKE SAs: 1024 unless replay-window says otherwise
    ::chmod(psk.c_str(), 0600);
    CHECK(build(tmp, "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\n").warnings.empty());
    Built w = build(tmp, "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\nreplay-window 4096\n");
    CHECK(w.plan.ike->replay_window == 4096);
}

TEST_CASE("identity classification") {
    CHECK(classify_identity("10.1.2.3").type == ike::IdType::Ipv4Addr);
    CHECK(classify_identity("2001:db8::1").type == ike::IdType::Ipv6Addr);
    CHECK(classify_identity("C=CH, O=strongSwan, CN=moon").type == ike::IdType::DerAsn1Dn);
    CHECK(classify_identity("ralf@spenneberg.net").type == ike::IdType::Rfc822Addr);
    CHECK(classify_identity("www.spenneberg.net").type == ike::IdType::Fqdn);
}

TEST_CASE("IKE errors at their lines") {
    TempDir tmp;
    write_key(tmp, "psk.txt", "secret\n");
    write_key(tmp, "empty.txt", "\n\n");
    const std::string base = "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\n";
    CHECK(build_err(tmp, base + "ike-proposals aes256gcm16-x25519\n") ==
          "test.conf:5: 'ike-proposals': proposal 'aes256gcm16-x25519': an AEAD cipher without a PRF, expected e.g. "
          "prfsha256");
    CHECK(build_err(tmp, base + "esp-proposals aes128gcm16, blowfish-sha1\n") ==
          "test.conf:5: 'esp-proposals': proposal 'blowfish-sha1': 'blowfish' is not supported (weak or not "
          "implemented here)");
    CHECK(build_err(tmp, "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk empty.txt\n") ==
          "test.conf:4: 'ike-psk': " + tmp.file("empty.txt") + " is empty, expected a secret, or lines 'ID SECRET'");
    CHECK(has(build_err(tmp, "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk nope.txt\n"),
              "test.conf:4: 'ike-psk': "));
}

TEST_CASE("setkey: file and inline block, errors at the statement's own line") {
    TempDir tmp;
    const std::string statements =
        "flush;\nspdflush;\n"
        "add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -E aes-cbc 0x00112233445566778899aabbccddeeff\n"
        "    -A hmac-sha1 0x00112233445566778899aabbccddeeff00112233;\n"
        "add 10.0.0.2 10.0.0.1 esp 0x1002 -m tunnel -E aes-cbc 0x00112233445566778899aabbccddeeff\n"
        "    -A hmac-sha1 0x00112233445566778899aabbccddeeff00112233;\n"
        "spdadd 10.1.0.0/16 10.2.0.0/16 any -P out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require;\n"
        "spdadd 10.2.0.0/16 10.1.0.0/16 any -P in ipsec esp/tunnel/10.0.0.2-10.0.0.1/require;\n";
    const std::string file = write_key(tmp, "ipsec.conf", statements);
    Built f = build(tmp, "technique ipsec\ndev tun\nsetkey ipsec.conf\n");
    CHECK(f.plan.keying == Keying::Setkey);
    CHECK(f.plan.setkey_name == file);
    REQUIRE(f.plan.setkey.sas.size() == 2);
    CHECK(f.plan.setkey.sas[0].sa.direction == manual::SaDirection::Outbound);
    CHECK(f.plan.setkey.policies.size() == 2);
    Built i = build(tmp, "technique ipsec\ndev tun\n<setkey>\n" + statements + "</setkey>\n");
    CHECK(i.plan.setkey.sas.size() == 2);
    CHECK(i.plan.setkey.sas[1].origin.str() == "test.conf:8");  // the block's 5th line
    write_key(tmp, "bad.conf", "flush;\n\nadd 10.0.0.1 10.0.0.2 ah 0x300 -A hmac-sha1 0x00;\n");
    CHECK(build_err(tmp, "technique ipsec\ndev tun\nsetkey bad.conf\n") ==
          tmp.file("bad.conf") + ":3: setkey: 'ah' is not supported (ESP only: AH does not survive NAT), expected esp");
    CHECK(build_err(tmp, "technique ipsec\ndev tun\n<setkey>\nflush;\nspdflush;\n</setkey>\n") ==
          "test.conf:3: 'setkey': test.conf:3 leaves no SA after its statements, expected 'add' statements");
    CHECK(has(build_err(tmp, "technique ipsec\ndev tun\nsetkey missing.conf\n"), "test.conf:3: 'setkey': "));
}

TEST_CASE("describe_plan: SPIs and algorithms, never key bytes") {
    TempDir tmp;
    write_key(tmp, "static.key", key_text());
    Built b = build(tmp, kStatic);
    std::string all;
    for (const auto& l : describe_plan(b.plan, b.opts)) all += l + "\n";
    CHECK(has(all, "mode:          IPsec point-to-point, manual SAs derived from the static key\n"));
    CHECK(has(all, "ESP SA out:    spi 0xa694bdbc (2794765756), aes256gcm16, no replay check\n"));
    CHECK(has(all, "ESP SA in:     spi 0x451d0dae (1159531950), aes256gcm16, no replay check\n"));
    CHECK(has(all, "transport:     raw ESP (IP protocol 50)\n"));
    for (const auto& sa : b.plan.static_sas) {
        char head[9];
        std::snprintf(head, sizeof head, "%02x%02x%02x%02x", sa.encr_key.data()[0], sa.encr_key.data()[1],
                      sa.encr_key.data()[2], sa.encr_key.data()[3]);
        CHECK_FALSE(has(all, head));
    }
    write_key(tmp, "psk.txt", "s3cret-value\n");
    Built i = build(tmp, "technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\n"
                         "ike-proposals aes128gcm16-prfsha256-x25519\n");
    all.clear();
    for (const auto& l : describe_plan(i.plan, i.opts)) all += l + "\n";
    CHECK(has(all, "mode:          IPsec point-to-point, IKEv2\n"));
    CHECK(has(all, "ike proposals: aes128gcm16-prfsha256-x25519\n"));
    CHECK(has(all, "esp proposals: aes256gcm16-aes128gcm16-noesn, aes256-aes128-sha256-sha1-noesn, "
                   "aes256gcm16-aes128gcm16-x25519-ecp256-modp2048-noesn, "
                   "aes256-aes128-sha256-sha1-x25519-ecp256-modp2048-noesn\n"));
    CHECK_FALSE(has(all, "s3cret"));
}
