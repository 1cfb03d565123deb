// SK and SKF protection (RFC 7296 §3.14, RFC 5282, RFC 7634, RFC 7383): every
// encrypted message of the strongSwan captures verified and decrypted with the
// logged SK_* keys, their inner payloads checked against the session vector files
// and rebuilt byte for byte; seal/open round trips per algorithm; tampering;
// fragmentation and bounded reassembly.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "ike_message_vectors.hpp"
#include "common/crypto/aead_cipher.hpp"
#include "ipsec/ike/fragment.hpp"
#include "ipsec/ike/sk_message.hpp"

using namespace vpn;
using namespace vpn::ike;
using ike_msg_test::Buf;
using ike_msg_test::cipher_for;
using ike_msg_test::unhex;
using ike_msg_test::vectors;

namespace {

Buf bytes(Bytes b) { return Buf(b.begin(), b.end()); }

struct Opened {
    Buf plain;  // owns what chain points into
    PayloadChain chain;
};

Opened open_captured(const std::string& capture, int index) {
    const Buf& m = vectors().message(capture, index).bytes;
    auto v = parse_message(m);
    REQUIRE(v.ok());
    auto c = cipher_for(m);
    Opened o;
    o.plain.resize(m.size());
    auto r = open_message(c, v.value, o.plain);
    REQUIRE_MESSAGE(r.ok(), codec_error_name(*r.error));
    o.chain = std::move(r.value);
    return o;
}

const PayloadView& only(const PayloadChain& c, PayloadType t) {
    REQUIRE(c.count(t) == 1);
    return *c.find(t);
}

std::vector<std::uint16_t> notify_types(const PayloadChain& c) {
    std::vector<std::uint16_t> out;
    for (const auto& p : c.payloads)
        if (p.type == PayloadType::Notify) out.push_back(parse_notify(p.body).value.type);
    return out;
}

// Every algorithm combination SkCipher runs.
std::vector<SkAlgorithms> all_algorithms() {
    std::vector<SkAlgorithms> v;
    for (std::uint16_t bits : {128, 192, 256})
        for (std::uint16_t in : {integ::kHmacSha1_96, integ::kHmacSha256_128, integ::kHmacSha384_192,
                                 integ::kHmacSha512_256})
            v.push_back({encr::kAesCbc, bits, in});
    for (std::uint16_t bits : {128, 192, 256}) v.push_back({encr::kAesGcm16, bits, integ::kNone});
    v.push_back({encr::kChaCha20Poly1305, 0, integ::kNone});
    return v;
}

SkCipher make(const SkAlgorithms& a, std::uint8_t seed) {
    const auto lens = sk_key_lengths(a);
    REQUIRE(lens);
    Buf e(lens->encr), i(lens->integ);
    for (std::size_t k = 0; k < e.size(); ++k) e[k] = static_cast<std::uint8_t>(seed + k);
    for (std::size_t k = 0; k < i.size(); ++k) i[k] = static_cast<std::uint8_t>(seed * 3 + k);
    auto c = SkCipher::create(a, e, i);
    REQUIRE(c.ok());
    return std::move(c.value);
}

IkeHeader header(ExchangeType x = ExchangeType::IkeAuth, std::uint32_t mid = 1) {
    IkeHeader h;
    h.spi_i = {1, 2, 3, 4, 5, 6, 7, 8};
    h.spi_r = {9, 10, 11, 12, 13, 14, 15, 16};
    h.exchange = x;
    h.flags = flag::kInitiator;
    h.message_id = mid;
    return h;
}

// An inner chain of `n` payloads: one Nonce-sized vendor ID each, varying sizes.
Buf inner_chain(std::size_t n, std::size_t size_seed = 0) {
    Buf out(70000);
    ChainBuilder b(out);
    for (std::size_t i = 0; i < n; ++i) {
        Buf body((i * 37 + size_seed) % 300, static_cast<std::uint8_t>(i));
        b.add(i % 2 ? PayloadType::VendorId : PayloadType::Notify, body.size() < 4 ? Buf{0, 0, 0x40, 0} : body);
    }
    out.resize(b.size());
    return out;
}

}  // namespace

TEST_CASE("SK key lengths per algorithm (the key schedule's contract)") {
    auto l = sk_key_lengths({encr::kAesCbc, 256, integ::kHmacSha256_128});
    REQUIRE(l);
    CHECK(l->encr == 32);
    CHECK(l->integ == 32);
    l = sk_key_lengths({encr::kAesCbc, 128, integ::kHmacSha1_96});
    CHECK((l && l->encr == 16 && l->integ == 20));
    l = sk_key_lengths({encr::kAesCbc, 192, integ::kHmacSha512_256});
    CHECK((l && l->encr == 24 && l->integ == 64));
    l = sk_key_lengths({encr::kAesGcm16, 128, integ::kNone});
    CHECK((l && l->encr == 20 && l->integ == 0));  // the cert session's 20-byte SK_ei
    l = sk_key_lengths({encr::kChaCha20Poly1305, 0, integ::kNone});
    CHECK((l && l->encr == 36 && l->integ == 0));
    CHECK(!sk_key_lengths({encr::kAesGcm16, 128, integ::kHmacSha256_128}));
    CHECK(!sk_key_lengths({encr::kAesCbc, 256, integ::kNone}));
    CHECK(!sk_key_lengths({encr::kAesCbc, 100, integ::kHmacSha1_96}));
    CHECK(!sk_key_lengths({encr::kAesCbc, 256, 99}));
    CHECK(!sk_key_lengths({encr::k3Des, 0, integ::kHmacSha1_96}));
    CHECK(!sk_key_lengths({encr::kAesGcm8, 128, integ::kNone}));
    CHECK(!sk_key_lengths({encr::kChaCha20Poly1305, 128, integ::kNone}));
    CHECK(SkCipher::create({encr::kAesCbc, 256, integ::kHmacSha256_128}, Buf(31), Buf(32)).error ==
          CodecError::BadKeyLength);
    CHECK(SkCipher::create({encr::kAesGcm16, 256, integ::kNone}, Buf(32), Buf{}).error == CodecError::BadKeyLength);
    CHECK(SkCipher::create({encr::kAesCtr, 256, integ::kNone}, Buf(32), Buf{}).error ==
          CodecError::UnsupportedTransform);
    // A default-constructed cipher refuses to work instead of crashing.
    SkCipher none;
    Buf out(64);
    CHECK(none.open(Buf(64), 32, out).error == CodecError::CryptoFailure);
    CHECK(none.seal(out, 32, Buf{}) == CodecError::CryptoFailure);
}

TEST_CASE("the logged SK keys are the ones of the session vector files") {
    const auto& psk = vectors().keys_for(vectors().message("psk", 2).bytes);
    CHECK(psk.sk_ei == unhex("07b4d431721d2a86227eb08b11a73d1bef2d89a5e39953789fb6ec2f42e15a7a"));
    CHECK(psk.sk_ar == unhex("8878000a56d0ab962bba28ccb27556549fc48585d02c42a7f058f0c2c2b0e2ad"));
    CHECK(psk.alg.encr == encr::kAesCbc);
    CHECK(psk.alg.key_bits == 256);
    CHECK(psk.alg.integ == integ::kHmacSha256_128);
    const auto& cert = vectors().keys_for(vectors().message("cert", 2).bytes);
    CHECK(cert.sk_ei == unhex("f365604a0ba1d13f4c981f1cba036e839bf9c6c8"));
    CHECK(cert.sk_er == unhex("93028770cf9611bf7b688683870d89d0ce7d3a4e"));
    CHECK(cert.alg.encr == encr::kAesGcm16);
    CHECK(cert.alg.key_bits == 128);
}

TEST_CASE("every captured SK message verifies, decrypts to Python's chain and rebuilds byte for byte") {
    int opened = 0;
    for (const auto& m : vectors().messages) {
        if (m.outer.back() != 46) continue;
        CAPTURE(m.capture);
        CAPTURE(m.index);
        auto o = open_captured(m.capture, m.index);
        CHECK(ike_msg_test::types_of(o.chain) == ike_msg_test::int_list(m.inner));
        CHECK(o.chain.skipped == 0);
        // The decrypted chain is exactly the inner payloads (padding stripped), so a
        // typed rebuild must give the same bytes.
        auto plain_len = static_cast<std::size_t>(0);
        if (!o.chain.payloads.empty()) {
            const auto& last = o.chain.payloads.back();
            plain_len = last.offset + 4 + last.body.size();
        }
        CHECK(ike_msg_test::rebuild(o.chain) == Buf(o.plain.begin(), o.plain.begin() + static_cast<std::ptrdiff_t>(plain_len)));
        ++opened;
    }
    CHECK(opened == 25);  // psk 6, cert 11 (plus 2 SKF), cookie 4, invalidke 4
}

TEST_CASE("PSK IKE_AUTH: IDi, AUTH, child SA and selectors as in psk-session-vectors.txt") {
    auto req = open_captured("psk", 2);
    const auto& c = req.chain;
    CHECK(bytes(only(c, PayloadType::IDi).body) == unhex("02000000612e696b652e74657374"));  // IDx'
    auto id = parse_id(only(c, PayloadType::IDi).body);
    CHECK(std::string(id.value.data.begin(), id.value.data.end()) == "a.ike.test");
    CHECK(id.value.type == IdType::Fqdn);
    CHECK(bytes(only(c, PayloadType::AUTH).body) ==
          unhex("02000000acdabacfac1f7df5584bcce36d3e1ffc1ada1c62eb177d5951a3728c46bdbf85"));
    auto auth = parse_auth(only(c, PayloadType::AUTH).body);
    CHECK(auth.value.method == AuthMethod::SharedKey);
    CHECK(auth.value.data.size() == 32);
    auto sa = parse_sa(only(c, PayloadType::SA).body);
    REQUIRE(sa.ok());
    const Proposal& p = sa.value.proposals.at(0);
    CHECK(p.protocol == ProtocolId::Esp);
    CHECK(p.spi_size == 4);
    // child ENCR (12, 128) INTEG 2, ESN 0, no DH in IKE_AUTH.
    CHECK(std::find(p.transforms.begin(), p.transforms.end(), Transform{1, encr::kAesCbc, 128}) != p.transforms.end());
    CHECK(std::find(p.transforms.begin(), p.transforms.end(), Transform{3, integ::kHmacSha1_96}) != p.transforms.end());
    CHECK(std::find(p.transforms.begin(), p.transforms.end(), Transform{5, esn::kNo}) != p.transforms.end());
    CHECK(std::none_of(p.transforms.begin(), p.transforms.end(), [](const Transform& t) { return t.type == 4; }));
    auto tsi = parse_ts(only(c, PayloadType::TSi).body);
    REQUIRE(tsi.ok());
    CHECK(tsi.value.selectors.at(0).start[3] == 65);  // 172.31.251.65/32
    CHECK(tsi.value.selectors.at(0).end[3] == 65);
    auto tsr = parse_ts(only(c, PayloadType::TSr).body);
    CHECK(tsr.value.selectors.at(0).start[3] == 81);
    CHECK(notify_types(c) == std::vector<std::uint16_t>{notify::kInitialContact, notify::kMobikeSupported,
                                                        notify::kNoAdditionalAddresses,
                                                        notify::kMultipleAuthSupported,
                                                        notify::kEapOnlyAuthentication,
                                                        notify::kIkev2MessageIdSyncSupported});
    auto rsp = open_captured("psk", 3);
    CHECK(bytes(only(rsp.chain, PayloadType::IDr).body) == unhex("02000000622e696b652e74657374"));
    CHECK(bytes(only(rsp.chain, PayloadType::AUTH).body) ==
          unhex("02000000a4477d5dd5ec0d11d03ae924bf14f9b966ebc3c40bc5ebf16ea816a4d7e529be"));
    // INFORMATIONAL: the responder's MOBIKE request, the empty answer, the Delete.
    CHECK(notify_types(open_captured("psk", 4).chain) == std::vector<std::uint16_t>{notify::kNoAdditionalAddresses});
    CHECK(open_captured("psk", 5).chain.payloads.empty());
    auto del = parse_delete(only(open_captured("psk", 6).chain, PayloadType::Delete).body);
    REQUIRE(del.ok());
    CHECK(del.value.protocol == ProtocolId::Ike);  // the IKE SA, with its children
    CHECK(del.value.spis.empty());
}

TEST_CASE("cert IKE_AUTH: CERT, CERTREQ, CP; the fragmented response reassembled") {
    auto req = open_captured("cert", 2);
    const auto& c = req.chain;
    CHECK(bytes(only(c, PayloadType::IDi).body) == unhex("0200000072772e696b652e74657374"));
    auto cert = parse_cert(only(c, PayloadType::CERT).body);
    REQUIRE(cert.ok());
    CHECK(cert.value.encoding == CertEncoding::X509Signature);
    CHECK(cert.value.data[0] == 0x30);  // DER SEQUENCE
    auto creq = parse_cert(only(c, PayloadType::CERTREQ).body);
    CHECK(creq.value.encoding == CertEncoding::X509Signature);
    CHECK(creq.value.data.size() % 20 == 0);  // SHA-1 hashes of CA keys
    CHECK(bytes(only(c, PayloadType::AUTH).body).size() > 5);
    CHECK(bytes(only(c, PayloadType::AUTH).body) ==
          unhex("0e0000000c300a06082a8648ce3d04030230440220525723dd0b35671bdadd6dcdf3dfe0db246676eed771d913877c395fc6ff5de5"
                "02206570cfb184c762dd9c26e3c888ff0ddd8f7b5beb62eca938b37b88f8afe9cbb5"));
    auto cp = parse_cp(only(c, PayloadType::CP).body);
    REQUIRE(cp.ok());
    CHECK(cp.value.type == CfgType::Request);
    REQUIRE(cp.value.find(cfg_attr::kInternalIp4Address));
    CHECK(cp.value.find(cfg_attr::kInternalIp4Address)->value.empty());
    auto tsi = parse_ts(only(c, PayloadType::TSi).body);
    CHECK(tsi.value.selectors.at(0).end == std::array<std::uint8_t, 16>{255, 255, 255, 255});

    // The response: two SKF fragments (1248 + 146 bytes), AAD through the SKF header.
    const Buf& f1 = vectors().message("cert", 3).bytes;
    const Buf& f2 = vectors().message("cert", 4).bytes;
    auto v1 = parse_message(f1);
    auto v2 = parse_message(f2);
    REQUIRE((v1.ok() && v2.ok()));
    CHECK(v1.value.encrypted()->next == 36);  // IDr first
    CHECK(v2.value.encrypted()->next == 0);
    auto dec = cipher_for(f1);
    SUBCASE("in order") {
        FragmentReassembler r;
        CHECK(r.add(dec, v1.value).value == FragmentReassembler::Status::NeedMore);
        CHECK(r.add(dec, v1.value).value == FragmentReassembler::Status::Ignored);
        CHECK(r.add(dec, v2.value).value == FragmentReassembler::Status::Complete);
        CHECK(r.add(dec, v2.value).value == FragmentReassembler::Status::Ignored);
        auto ch = r.chain();
        REQUIRE(ch.ok());
        CHECK(ike_msg_test::types_of(ch.value) == vectors().assembled.at(0).inner);
        CHECK(bytes(only(ch.value, PayloadType::IDr).body) == unhex("0200000067772e696b652e74657374"));
        auto auth = parse_auth(only(ch.value, PayloadType::AUTH).body);
        REQUIRE(auth.ok());
        CHECK(auth.value.method == AuthMethod::DigitalSignature);
        CHECK(bytes(auth.value.data).size() == 1 + 15 + 256);  // RSA-2048, sha256WithRSAEncryption
        auto reply = parse_cp(only(ch.value, PayloadType::CP).body);
        REQUIRE(reply.ok());
        CHECK(reply.value.type == CfgType::Reply);
        CHECK(bytes(reply.value.find(cfg_attr::kInternalIp4Address)->value) == Buf{172, 31, 251, 129});
        CHECK(bytes(reply.value.find(cfg_attr::kInternalIp4Dns)->value) == Buf{172, 31, 251, 81});
        CHECK(ike_msg_test::rebuild(ch.value) == bytes(r.plain()));
    }
    SUBCASE("out of order") {
        FragmentReassembler r;
        CHECK(r.add(dec, v2.value).value == FragmentReassembler::Status::NeedMore);
        CHECK(!r.chain().ok());
        CHECK(r.add(dec, v1.value).value == FragmentReassembler::Status::Complete);
        CHECK(r.first() == PayloadType::IDr);
        CHECK(r.chain().ok());
    }
    SUBCASE("a fragment is not an SK message and vice versa") {
        Buf plain(2000);
        CHECK(open_message(dec, v1.value, plain).error == CodecError::MisplacedSk);
        FragmentReassembler r;
        auto sk = parse_message(vectors().message("cert", 2).bytes);
        CHECK(r.add(dec, sk.value).error == CodecError::MisplacedSk);
    }
}

TEST_CASE("cert CREATE_CHILD_SA and the rekeyed IKE SA") {
    // Child rekey: N(REKEY_SA, ESP, 4-byte SPI), SA, Ni, KE (Curve25519), TSi, TSr.
    auto child = open_captured("cert", 5);
    auto rekey = parse_notify(child.chain.payloads.at(0).body);
    REQUIRE(rekey.ok());
    CHECK(rekey.value.type == notify::kRekeySa);
    CHECK(rekey.value.protocol == ProtocolId::Esp);
    CHECK(rekey.value.spi_size == 4);
    auto ke = parse_ke(only(child.chain, PayloadType::KE).body);
    CHECK(ke.value.group == dh::kCurve25519);
    CHECK(ke.value.data.size() == 32);
    // The replaced child goes with a Delete of its inbound SPI, answered in kind.
    auto dq = parse_delete(only(open_captured("cert", 7).chain, PayloadType::Delete).body);
    auto da = parse_delete(only(open_captured("cert", 8).chain, PayloadType::Delete).body);
    REQUIRE((dq.ok() && da.ok()));
    CHECK(dq.value.protocol == ProtocolId::Esp);
    CHECK(dq.value.spis.size() == 1);
    CHECK(da.value.spis.size() == 1);
    CHECK(dq.value.spis != da.value.spis);
    // IKE rekey: SA with protocol IKE and 8-byte SPIs, the new SA's SPIs.
    auto q = parse_sa(only(open_captured("cert", 9).chain, PayloadType::SA).body);
    auto a = parse_sa(only(open_captured("cert", 10).chain, PayloadType::SA).body);
    REQUIRE((q.ok() && a.ok()));
    CHECK(q.value.proposals.at(0).protocol == ProtocolId::Ike);
    CHECK(bytes(q.value.proposals.at(0).spi_bytes()) == unhex("5067aa790a608960"));
    CHECK(bytes(a.value.proposals.at(0).spi_bytes()) == unhex("c9b199bc589c15d3"));
    CHECK(a.value.proposals.at(0).transforms.size() == 3);  // ENCR, PRF, DH
    // The old IKE SA is deleted (protocol 1, no SPIs); the new one starts at MID 0.
    auto del = parse_delete(only(open_captured("cert", 11).chain, PayloadType::Delete).body);
    CHECK(del.value.protocol == ProtocolId::Ike);
    CHECK(del.value.spi_size == 0);
    auto fresh = parse_message(vectors().message("cert", 13).bytes);
    CHECK(fresh.value.header.message_id == 0);
    CHECK(open_captured("cert", 13).chain.count(PayloadType::Delete) == 1);
}

TEST_CASE("seal/open round trip per algorithm, every padding length") {
    for (const auto& a : all_algorithms()) {
        CAPTURE(a.encr);
        CAPTURE(a.key_bits);
        CAPTURE(a.integ);
        auto enc = make(a, 7);
        auto dec = make(a, 7);
        for (std::size_t n = 0; n <= 40; ++n) {
            Buf inner(n);
            for (std::size_t k = 0; k < n; ++k) inner[k] = static_cast<std::uint8_t>(k * 11);
            // Not a valid chain: open() then reports the chain error only after
            // verification, which is what this checks.
            Buf out(sk_message_length(enc, n));
            auto s = seal_message(enc, header(), PayloadType::None, inner, out);
            REQUIRE(s.ok());
            CHECK(s.value == out.size());
            auto v = parse_message(out);
            REQUIRE(v.ok());
            const PayloadView* sk = v.value.encrypted();
            REQUIRE(sk);
            Buf plain(out.size());
            auto o = dec.open(out, sk->offset + 4, plain);
            REQUIRE(o.ok());
            CHECK(Buf(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(o.value)) == inner);
            if (!dec.is_aead()) CHECK((out.size() - 28 - 4 - 16 - dec.icv_length()) % 16 == 0);
        }
        // A real chain, through the message functions.
        const Buf chain = inner_chain(5);
        Buf out(sk_message_length(enc, chain.size()));
        REQUIRE(seal_message(enc, header(), PayloadType::Notify, chain, out).ok());
        auto v = parse_message(out);
        REQUIRE(v.ok());
        Buf plain(out.size());
        auto in = open_message(dec, v.value, plain);
        REQUIRE(in.ok());
        CHECK(ike_msg_test::types_of(in.value) == std::vector<int>{41, 43, 41, 43, 41});
        // Two seals of the same message never share an IV.
        Buf again(out.size());
        REQUIRE(seal_message(enc, header(), PayloadType::Notify, chain, again).ok());
        CHECK(!std::equal(out.begin() + 32, out.begin() + 32 + static_cast<std::ptrdiff_t>(enc.iv_length()),
                          again.begin() + 32));
        // Too small an output buffer.
        Buf small(out.size() - 1);
        CHECK(seal_message(enc, header(), PayloadType::Notify, chain, small).error == CodecError::BufferTooSmall);
    }
}

TEST_CASE("an empty INFORMATIONAL (DPD) seals to what strongSwan sends") {
    // strongSwan's empty GCM-16 response is 57 bytes: 28 + 4 + 8 IV + 1 + 16.
    auto c = make({encr::kAesGcm16, 128, integ::kNone}, 1);
    CHECK(sk_message_length(c, 0) == vectors().message("cert", 12).bytes.size());
    auto cbc = make({encr::kAesCbc, 256, integ::kHmacSha256_128}, 1);
    CHECK(sk_message_length(cbc, 0) == vectors().message("psk", 5).bytes.size());
}

TEST_CASE("tampering: any changed bit of a captured SK message is refused") {
    for (const auto& which : std::vector<std::pair<std::string, int>>{{"psk", 2}, {"cert", 5}, {"psk", 7}}) {
        CAPTURE(which.first);
        const Buf& m = vectors().message(which.first, which.second).bytes;
        auto dec = cipher_for(m);
        Buf plain(m.size());
        for (std::size_t i = 0; i < m.size(); ++i) {
            for (std::uint8_t bit : {0x01, 0x80}) {
                Buf t = m;
                t[i] ^= bit;
                auto v = parse_message(t);
                if (!v.ok()) continue;  // header or framing noticed it first
                auto r = open_message(dec, v.value, plain);
                CAPTURE(i);
                CHECK(!r.ok());
            }
        }
        // Cut ICV or ciphertext with consistent lengths: IntegrityFailed or framing error.
        for (std::size_t cut = 1; cut < 40; ++cut) {
            Buf t(m.begin(), m.end() - static_cast<std::ptrdiff_t>(cut));
            store_be32(t.data() + 24, static_cast<std::uint32_t>(t.size()));
            store_be16(t.data() + 30, static_cast<std::uint16_t>(t.size() - 28));
            auto v = parse_message(t);
            REQUIRE(v.ok());
            CHECK(!open_message(dec, v.value, plain).ok());
        }
        // The other direction's keys do not verify.
        Buf flipped = m;
        flipped[19] ^= flag::kInitiator;
        auto wrong = cipher_for(flipped);
        auto v = parse_message(m);
        CHECK(open_message(wrong, v.value, plain).error == CodecError::IntegrityFailed);
        // The output buffer must hold the ciphertext.
        Buf tiny(8);
        CHECK(open_message(dec, v.value, tiny).error == CodecError::BufferTooSmall);
    }
}

TEST_CASE("open: bodies too short or misaligned for the cipher") {
    auto cbc = make({encr::kAesCbc, 128, integ::kHmacSha1_96}, 3);
    auto gcm = make({encr::kAesGcm16, 256, integ::kNone}, 3);
    Buf plain(200);
    for (std::size_t body = 0; body < 60; ++body) {
        Buf m(32 + body, 0);
        CHECK(!cbc.open(m, 32, plain).ok());
        CHECK(!gcm.open(m, 32, plain).ok());
    }
    Buf m(32 + 16 + 17 + 12, 0);  // 17 is not a whole number of blocks
    CHECK(cbc.open(m, 32, plain).error == CodecError::BadPayloadLength);
    CHECK(cbc.open(m, m.size() + 1, plain).error == CodecError::Truncated);
}

TEST_CASE("open: a Pad Length beyond the plaintext is refused after verification") {
    // An authentic message whose only plaintext byte, the Pad Length, says 5: made
    // with the raw AEAD since seal() never writes such a thing.
    const SkAlgorithms a{encr::kAesGcm16, 128, integ::kNone};
    auto dec = make(a, 9);
    Buf key(20);
    for (std::size_t k = 0; k < key.size(); ++k) key[k] = static_cast<std::uint8_t>(9 + k);  // as make()
    crypto::AeadCipher raw(crypto::CipherAlgorithm::fetch("AES-128-GCM"), Bytes(key).first(16), true);
    Buf m(28 + 4 + 8 + 1 + 16, 0);
    IkeHeader h = header();
    h.next_payload = PayloadType::SK;
    h.length = static_cast<std::uint32_t>(m.size());
    write_header(h, m.data());
    store_be16(m.data() + 30, static_cast<std::uint16_t>(m.size() - 28));
    std::uint8_t nonce[12] = {key[16], key[17], key[18], key[19], 0, 0, 0, 0, 0, 0, 0, 1};
    std::copy(nonce + 4, nonce + 12, m.begin() + 32);
    Buf plain(64);
    for (std::uint8_t pad_len : {1, 5, 255}) {  // 1: one past what there is
        REQUIRE(raw.seal(nonce, Bytes(m).first(32), &pad_len, 1, m.data() + 40, m.data() + 41));
        CHECK(dec.open(m, 32, plain).error == CodecError::BadPadding);
    }
    // The same with Pad Length 0 is an empty, valid message.
    const std::uint8_t zero = 0;
    REQUIRE(raw.seal(nonce, Bytes(m).first(32), &zero, 1, m.data() + 40, m.data() + 41));
    auto ok = dec.open(m, 32, plain);
    REQUIRE(ok.ok());
    CHECK(ok.value == 0);
}

TEST_CASE("fragments: split under a size limit, reassembled in any order") {
    for (const auto& a : {SkAlgorithms{encr::kAesCbc, 256, integ::kHmacSha256_128},
                          SkAlgorithms{encr::kAesGcm16, 128, integ::kNone},
                          SkAlgorithms{encr::kChaCha20Poly1305, 0, integ::kNone}}) {
        CAPTURE(a.encr);
        auto enc = make(a, 21);
        auto dec = make(a, 21);
        const Buf chain = inner_chain(12, 5);
        for (std::size_t limit : {100, 128, 333, 576, 1280, 5000}) {
            CAPTURE(limit);
            auto f = seal_fragments(enc, header(), PayloadType::Notify, chain, limit);
            REQUIRE(f.ok());
            const std::size_t expect_min = chain.size() / limit;
            CHECK(f.value.size() >= std::max<std::size_t>(1, expect_min));
            std::vector<MessageView> views;
            for (const auto& frag : f.value) {
                CHECK(frag.size() <= limit);
                auto v = parse_message(frag);
                REQUIRE(v.ok());
                CHECK(v.value.header.next_payload == PayloadType::SKF);
                views.push_back(v.value);
            }
            CHECK(views[0].encrypted()->next == 41);
            for (std::size_t i = 1; i < views.size(); ++i) CHECK(views[i].encrypted()->next == 0);
            std::mt19937 rng(static_cast<unsigned>(limit));
            std::vector<std::size_t> order(views.size());
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
            std::shuffle(order.begin(), order.end(), rng);
            FragmentReassembler r;
            for (std::size_t k = 0; k < order.size(); ++k) {
                auto s = r.add(dec, views[order[k]]);
                REQUIRE(s.ok());
                CHECK(s.value == (k + 1 == order.size() ? FragmentReassembler::Status::Complete
                                                        : FragmentReassembler::Status::NeedMore));
                if (k == 0 && order.size() > 1) CHECK(r.add(dec, views[order[0]]).value == FragmentReassembler::Status::Ignored);
            }
            CHECK(bytes(r.plain()) == chain);
            auto ch = r.chain();
            REQUIRE(ch.ok());
            CHECK(ch.value.payloads.size() == 12);
        }
        // An empty message still makes one fragment.
        auto e = seal_fragments(enc, header(), PayloadType::None, Buf{}, 200);
        REQUIRE(e.ok());
        CHECK(e.value.size() == 1);
        CHECK(seal_fragments(enc, header(), PayloadType::Notify, chain, 36 + enc.iv_length()).error ==
              CodecError::BufferTooSmall);
        CHECK(seal_fragments(enc, header(), PayloadType::Notify, chain, 0).error == CodecError::BufferTooSmall);
    }
}

TEST_CASE("reassembly is bounded and all-or-nothing") {
    auto enc = make({encr::kAesGcm16, 256, integ::kNone}, 33);
    auto dec = make({encr::kAesGcm16, 256, integ::kNone}, 33);
    const Buf chain = inner_chain(20);
    auto f = seal_fragments(enc, header(), PayloadType::Notify, chain, 300);
    REQUIRE(f.ok());
    REQUIRE(f.value.size() > 4);
    auto view = [&](std::size_t i) { return parse_message(f.value[i]).value; };

    SUBCASE("too many fragments announced") {
        FragmentReassembler r({f.value.size() - 1, 1 << 20});
        CHECK(r.add(dec, view(0)).error == CodecError::FragmentLimit);
        CHECK(!r.collecting());
    }
    SUBCASE("too many bytes: the whole collection goes") {
        FragmentReassembler r({64, 600});
        std::optional<CodecError> err;
        for (std::size_t i = 0; i < f.value.size() && !err; ++i) err = r.add(dec, view(i)).error;
        CHECK(err == CodecError::FragmentLimit);
        CHECK(!r.collecting());
        CHECK(!r.complete());
    }
    SUBCASE("a tampered fragment is dropped, the rest stays") {
        FragmentReassembler r;
        Buf bad = f.value[1];
        bad[bad.size() - 1] ^= 1;
        CHECK(r.add(dec, view(0)).value == FragmentReassembler::Status::NeedMore);
        CHECK(r.add(dec, parse_message(bad).value).error == CodecError::IntegrityFailed);
        for (std::size_t i = 1; i < f.value.size(); ++i) REQUIRE(r.add(dec, view(i)).ok());
        CHECK(r.complete());
        CHECK(bytes(r.plain()) == chain);
    }
    SUBCASE("another message or direction") {
        FragmentReassembler r;
        REQUIRE(r.add(dec, view(0)).ok());
        auto other = seal_fragments(enc, header(ExchangeType::IkeAuth, 2), PayloadType::Notify, chain, 300);
        CHECK(r.add(dec, parse_message(other.value.at(1)).value).error == CodecError::OtherMessage);
        IkeHeader rh = header();
        rh.flags = flag::kInitiator | flag::kResponse;
        auto resp = seal_fragments(enc, rh, PayloadType::Notify, chain, 300);
        CHECK(r.add(dec, parse_message(resp.value.at(1)).value).error == CodecError::OtherMessage);
        CHECK(r.message_id() == 1);
        r.reset();
        CHECK(r.add(dec, parse_message(other.value.at(1)).value).ok());
        CHECK(r.message_id() == 2);
    }
    SUBCASE("re-fragmented retransmission: larger total restarts, smaller is ignored") {
        auto fine = seal_fragments(enc, header(), PayloadType::Notify, chain, 200);
        REQUIRE(fine.value.size() > f.value.size());
        FragmentReassembler r;
        REQUIRE(r.add(dec, view(0)).ok());
        REQUIRE(r.add(dec, parse_message(fine.value[0]).value).value == FragmentReassembler::Status::NeedMore);
        CHECK(r.add(dec, view(1)).value == FragmentReassembler::Status::Ignored);
        for (std::size_t i = 1; i < fine.value.size(); ++i) REQUIRE(r.add(dec, parse_message(fine.value[i]).value).ok());
        CHECK(r.complete());
        CHECK(bytes(r.plain()) == chain);
    }
    SUBCASE("numbering: 0, above total, total 0") {
        for (auto [num, tot] : std::vector<std::pair<int, int>>{{0, 3}, {4, 3}, {1, 0}, {0, 0}}) {
            Buf m = f.value[0];
            store_be16(m.data() + 32, static_cast<std::uint16_t>(num));
            store_be16(m.data() + 34, static_cast<std::uint16_t>(tot));
            FragmentReassembler r;
            CHECK(r.add(dec, parse_message(m).value).error == CodecError::BadFragment);
        }
        // Renumbering a valid fragment breaks its AAD.
        Buf m = f.value[0];
        store_be16(m.data() + 32, 2);
        FragmentReassembler r;
        CHECK(r.add(dec, parse_message(m).value).error == CodecError::IntegrityFailed);
        // An SKF body without room for the numbers.
        Buf s = unhex("0102030405060708090a0b0c0d0e0f10352023080000000100000020" "00000004");
        s[16] = 53;
        store_be32(s.data() + 24, 32);
        auto v = parse_message(s);
        REQUIRE(v.ok());
        CHECK(r.add(dec, v.value).error == CodecError::Truncated);
    }
}

TEST_CASE("known-answer SK messages built by Python (sk_kat.txt): every algorithm") {
    std::ifstream f(std::string(VPN_SOURCE_DIR) + "/tests/vectors/ipsec/sk_kat.txt");
    REQUIRE(f.good());
    std::string line;
    int n = 0;
    while (std::getline(f, line)) {
        if (line.rfind("kat ", 0) != 0) continue;
        std::istringstream s(line.substr(4));
        int encr_id = 0, bits = 0, integ_id = 0;
        std::string ek, ak, pl, msg;
        s >> encr_id >> bits >> integ_id >> ek >> ak >> pl >> msg;
        CAPTURE(line.substr(0, 12));
        const SkAlgorithms a{static_cast<std::uint16_t>(encr_id), static_cast<std::uint16_t>(bits),
                             static_cast<std::uint16_t>(integ_id)};
        auto c = SkCipher::create(a, unhex(ek), unhex(ak));
        REQUIRE(c.ok());
        const Buf m = unhex(msg);
        auto v = parse_message(m);
        REQUIRE(v.ok());
        Buf plain(m.size());
        auto in = open_message(c.value, v.value, plain);
        REQUIRE_MESSAGE(in.ok(), codec_error_name(*in.error));
        CHECK(ike_msg_test::types_of(in.value) == std::vector<int>{41, 43});
        CHECK(Buf(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(unhex(pl).size())) == unhex(pl));
        // And what we seal with the same keys opens in the same cipher (same layout).
        Buf out(sk_message_length(c.value, unhex(pl).size()));
        REQUIRE(seal_message(c.value, v.value.header, PayloadType::Notify, unhex(pl), out).ok());
        CHECK(out.size() == m.size());
        CHECK(Buf(out.begin(), out.begin() + 32) == Buf(m.begin(), m.begin() + 32));
        ++n;
    }
    CHECK(n == 8);
}
