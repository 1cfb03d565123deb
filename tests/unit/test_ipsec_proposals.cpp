// strongSwan proposal strings (ipsec/config/proposal.hpp): the bench's swanctl.conf
// proposals, the defaults, every rule strongSwan applies, and the error wording.
#include <doctest/doctest.h>

#include <string>

#include "common/config/config_error.hpp"
#include "ipsec/config/proposal.hpp"

using namespace vpn::ipsec;
namespace ike = vpn::ike;
using ike::TransformType;

namespace {

const vpn::config::Origin kAt{"gw.conf", 7, "ike-proposals"};

std::vector<Proposal> ike_p(std::string_view s) { return parse_proposals(s, ProposalKind::Ike, kAt, "ike-proposals"); }
std::vector<Proposal> esp_p(std::string_view s) { return parse_proposals(s, ProposalKind::Esp, kAt, "esp-proposals"); }

std::string ike_err(std::string_view s) {
    try {
        ike_p(s);
    } catch (const vpn::config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

std::string esp_err(std::string_view s) {
    try {
        esp_p(s);
    } catch (const vpn::config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

std::vector<std::string> names(const std::vector<Proposal>& ps) {
    std::vector<std::string> v;
    for (const Proposal& p : ps) v.push_back(proposal_name(p));
    return v;
}

}  // namespace

TEST_CASE("IKE: transforms, key lengths, IANA numbers") {
    auto ps = ike_p("aes128gcm16-prfsha256-x25519");
    REQUIRE(ps.size() == 1);
    const std::vector<Transform> want = {{TransformType::Encr, ike::encr::kAesGcm16, 128},
                                         {TransformType::Prf, ike::prf::kHmacSha256, 0},
                                         {TransformType::Dh, ike::dh::kCurve25519, 0}};
    CHECK(ps[0].transforms == want);
    CHECK(ps[0].text == "aes128gcm16-prfsha256-x25519");

    auto cbc = ike_p("aes256-sha256-modp2048");
    const std::vector<Transform> want_cbc = {{TransformType::Encr, ike::encr::kAesCbc, 256},
                                             {TransformType::Prf, ike::prf::kHmacSha256, 0},  // implied by sha256
                                             {TransformType::Integ, ike::integ::kHmacSha256_128, 0},
                                             {TransformType::Dh, ike::dh::kModp2048, 0}};
    CHECK(cbc[0].transforms == want_cbc);
}

TEST_CASE("the interop bench's swanctl.conf proposals parse") {
    CHECK(names(ike_p("aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048")) ==
          std::vector<std::string>{"aes128gcm16-prfsha256-x25519", "aes256-prfsha256-sha256-modp2048"});
    CHECK(names(esp_p("aes128gcm16-x25519, aes128gcm16, aes128-sha256")) ==
          std::vector<std::string>{"aes128gcm16-x25519-noesn", "aes128gcm16-noesn", "aes128-sha256-noesn"});
    CHECK(names(esp_p("aes128-sha1-modp2048,aes128-sha1")) ==
          std::vector<std::string>{"aes128-sha1-modp2048-noesn", "aes128-sha1-noesn"});
}

TEST_CASE("defaults") {
    CHECK(names(ike_p(kDefaultIkeProposals)) ==
          std::vector<std::string>{"aes256gcm16-aes128gcm16-prfsha256-prfsha384-x25519-ecp256-modp2048",
                                   "aes256-aes128-prfsha256-prfsha384-sha256-sha384-x25519-ecp256-modp2048"});
    auto esp = esp_p(kDefaultEspProposals);
    CHECK(names(esp) == std::vector<std::string>{"aes256gcm16-aes128gcm16-noesn", "aes256-aes128-sha256-sha1-noesn"});
    // No ESN by default: strongSwan's libipsec refuses ESN SAs (ikev2-esp.md §0.2).
    for (const Proposal& p : esp) CHECK(p.of(TransformType::Esn) == std::vector<Transform>{{TransformType::Esn, 0, 0}});
}

TEST_CASE("aliases and every keyword") {
    CHECK(ike_p("aes128gcm128-prfsha1-ecp256")[0].of(TransformType::Encr)[0] ==
          Transform{TransformType::Encr, ike::encr::kAesGcm16, 128});
    CHECK(ike_p("AES256GCM-prfsha512-ecp521")[0].of(TransformType::Encr)[0].key_bits == 256);
    CHECK(ike_p("aes192gcm16-prfsha384-ecp384")[0].of(TransformType::Prf)[0].id == ike::prf::kHmacSha384);
    CHECK(ike_p("aes128-sha1-curve25519")[0].of(TransformType::Dh)[0].id == ike::dh::kCurve25519);
    CHECK(ike_p("3des-sha512-modp4096")[0].of(TransformType::Prf)[0].id == ike::prf::kHmacSha512);
    CHECK(ike_p("chacha20poly1305-prfsha256-modp3072")[0].of(TransformType::Encr)[0] ==
          Transform{TransformType::Encr, ike::encr::kChaCha20Poly1305, 0});
    CHECK(ike_p("aes192-sha384-ecp384")[0].of(TransformType::Integ)[0].id == ike::integ::kHmacSha384_192);
    CHECK(esp_p("aes128-sha512-esn")[0].of(TransformType::Esn)[0].id == ike::esn::kYes);
    CHECK(esp_p("aes128-sha1-esn-noesn")[0].of(TransformType::Esn).size() == 2);
}

TEST_CASE("alternatives inside one proposal, duplicates dropped, PRFs implied per integrity") {
    auto p = ike_p("aes128-aes256-sha256-sha1-sha256-modp2048-ecp256")[0];
    CHECK(p.of(TransformType::Encr).size() == 2);
    CHECK(p.of(TransformType::Integ).size() == 2);
    CHECK(p.of(TransformType::Prf) == std::vector<Transform>{{TransformType::Prf, ike::prf::kHmacSha256, 0},
                                                             {TransformType::Prf, ike::prf::kHmacSha1, 0}});
    CHECK(p.of(TransformType::Dh).size() == 2);
    // An explicit PRF wins: none is implied.
    CHECK(ike_p("aes128-sha1-prfsha512-modp2048")[0].of(TransformType::Prf).size() == 1);
}

TEST_CASE("errors name the keyword and the proposal at the directive's line") {
    const std::string ike = "gw.conf:7: 'ike-proposals': proposal ";
    const std::string esp = "gw.conf:7: 'esp-proposals': proposal ";
    CHECK(ike_err("aes256gmc16-prfsha256-x25519") ==
          ike + "'aes256gmc16-prfsha256-x25519': unknown algorithm 'aes256gmc16', expected e.g. aes256gcm16, aes256, "
                "sha256, prfsha256, x25519");
    CHECK(ike_err("aes128-md5-modp1024") ==
          ike + "'aes128-md5-modp1024': 'md5' is not supported (weak or not implemented here)");
    CHECK(ike_err("aes128gcm16-sha256-prfsha256-x25519") ==
          ike + "'aes128gcm16-sha256-prfsha256-x25519': integrity 'sha256' with an AEAD cipher (it authenticates "
                "itself), expected no integrity algorithm");
    CHECK(ike_err("aes128gcm16-x25519") ==
          ike + "'aes128gcm16-x25519': an AEAD cipher without a PRF, expected e.g. prfsha256");
    CHECK(ike_err("aes256-sha256") ==
          ike + "'aes256-sha256': no Diffie-Hellman group, expected e.g. x25519 or modp2048");
    CHECK(ike_err("aes256-modp2048") ==
          ike + "'aes256-modp2048': a classic cipher without integrity, expected e.g. sha256");
    CHECK(ike_err("sha256-prfsha256-modp2048") ==
          ike + "'sha256-prfsha256-modp2048': no encryption algorithm, expected e.g. aes256gcm16 or aes256");
    CHECK(ike_err("aes128gcm16-aes128-sha256-prfsha256-x25519") ==
          ike + "'aes128gcm16-aes128-sha256-prfsha256-x25519': AEAD and classic ciphers mixed, expected them in "
                "separate proposals");
    CHECK(ike_err("aes128-sha256-modp2048-esn") ==
          ike + "'aes128-sha256-modp2048-esn': 'esn' is an ESP option, which IKE proposals do not take");
    CHECK(ike_err("aes128--sha256-modp2048") ==
          ike + "'aes128--sha256-modp2048': an empty algorithm (two '-' in a row, or one at an end)");
    CHECK(ike_err("aes128-sha256-modp2048,,aes256-sha1-modp2048") ==
          "gw.conf:7: 'ike-proposals': an empty proposal (two ',' in a row, or one at an end), expected proposals such "
          "as aes256gcm16-prfsha256-x25519");
    CHECK(ike_err("aes128-sha256-modp2048,") ==
          "gw.conf:7: 'ike-proposals': an empty proposal (two ',' in a row, or one at an end), expected proposals such "
          "as aes256gcm16-prfsha256-x25519");
    CHECK(esp_err("aes128-sha256-prfsha256") ==
          esp + "'aes128-sha256-prfsha256': 'prfsha256' is a PRF, which only IKE proposals take");
    CHECK(esp_err("aes128gcm16-sha1") ==
          esp + "'aes128gcm16-sha1': integrity 'sha1' with an AEAD cipher (it authenticates itself), expected no "
                "integrity algorithm");
    CHECK(esp_err("aes128") == esp + "'aes128': a classic cipher without integrity, expected e.g. sha256");
    CHECK(esp_err("aes128-sha1,des-sha1") == esp + "'des-sha1': 'des' is not supported (weak or not implemented here)");
}
