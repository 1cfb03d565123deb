// IKE header and payload chain codec (RFC 7296 §3.1, §3.2): every message of the
// strongSwan captures parsed, cleartext ones rebuilt byte for byte, builder
// linking, and hostile input (truncations, bad lengths, unknown payloads).
#include <doctest/doctest.h>

#include <random>

#include "ike_message_vectors.hpp"
#include "ipsec/ike/ike_header.hpp"
#include "ipsec/ike/payload_builder.hpp"
#include "ipsec/ike/payload_chain.hpp"

using namespace vpn;
using namespace vpn::ike;
using ike_msg_test::Buf;
using ike_msg_test::unhex;
using ike_msg_test::vectors;

namespace {

Buf rebuild_message(const MessageView& v) {
    Buf out(70000);
    MessageBuilder b(out, v.header);
    for (const auto& p : v.chain.payloads) ike_msg_test::add_typed(b, p);
    out.resize(b.finish());
    return out;
}

Buf header_bytes(std::uint8_t next, std::uint32_t len, std::uint8_t version = 0x20) {
    Buf m(28, 0);
    m[0] = 0x11;
    m[16] = next;
    m[17] = version;
    m[18] = 34;
    m[19] = 0x08;
    store_be32(m.data() + 24, len);
    return m;
}

// A header followed by `chain`, with the Length field set to the total.
Buf message(std::uint8_t first, const Buf& chain) {
    Buf m = header_bytes(first, static_cast<std::uint32_t>(28 + chain.size()));
    m.insert(m.end(), chain.begin(), chain.end());
    return m;
}

}  // namespace

TEST_CASE("header: the strongSwan IKE_SA_INIT request of ikev2-esp.md §1.2") {
    const Buf& m = vectors().message("psk", 0).bytes;
    auto h = parse_header(m);
    REQUIRE(h.ok());
    CHECK(h.value.spi_i == IkeSpi{0x35, 0x45, 0x6f, 0xe6, 0xe0, 0x84, 0x15, 0xa5});
    CHECK(h.value.spi_r == IkeSpi{});
    CHECK(h.value.next_payload == PayloadType::SA);
    CHECK(h.value.version == 0x20);
    CHECK(h.value.exchange == ExchangeType::IkeSaInit);
    CHECK(h.value.flags == flag::kInitiator);
    CHECK(h.value.from_initiator());
    CHECK(!h.value.is_response());
    CHECK(h.value.message_id == 0);
    CHECK(h.value.length == 464);
    Buf out(28);
    write_header(h.value, out.data());
    CHECK(out == Buf(m.begin(), m.begin() + 28));
}

TEST_CASE("header: strict checks") {
    CHECK(parse_header(Buf(27, 0)).error == CodecError::Truncated);
    CHECK(parse_header(header_bytes(0, 28)).ok());
    CHECK(parse_header(header_bytes(0, 29)).error == CodecError::LengthMismatch);
    CHECK(parse_header(header_bytes(0, 27)).error == CodecError::LengthMismatch);
    Buf extra = header_bytes(0, 28);
    extra.push_back(0);
    CHECK(parse_header(extra).error == CodecError::LengthMismatch);
    // IKEv1 (0x10) and a future IKEv3 (0x30) are refused but the header is kept so
    // the exchange layer can answer INVALID_MAJOR_VERSION.
    for (std::uint8_t v : {0x10, 0x30, 0x00, 0xf0}) {
        auto r = parse_header(header_bytes(0, 28, v));
        CHECK(r.error == CodecError::BadVersion);
        CHECK(r.value.spi_i[0] == 0x11);
        CHECK(r.value.major_version() == v >> 4);
    }
    // A higher minor version is still IKEv2.
    CHECK(parse_header(header_bytes(0, 28, 0x21)).ok());
    // Reserved flag bits are ignored on receipt (RFC 7296 §3.1).
    Buf f = header_bytes(0, 28);
    f[19] = 0xff;
    auto r = parse_header(f);
    REQUIRE(r.ok());
    CHECK(r.value.is_response());
    CHECK(r.value.from_initiator());
}

TEST_CASE("every captured message parses into the chain Python saw") {
    for (const auto& m : vectors().messages) {
        CAPTURE(m.capture);
        CAPTURE(m.index);
        auto v = parse_message(m.bytes);
        REQUIRE_MESSAGE(v.ok(), codec_error_name(*v.error));
        CHECK(ike_msg_test::types_of(v.value.chain) == m.outer);
        CHECK(v.value.chain.skipped == 0);
        const PayloadView* enc = v.value.encrypted();
        CHECK((enc != nullptr) == (m.inner != "-" || m.outer.back() == 46));
        for (const auto& p : v.value.chain.payloads) {
            // Views point into the message at their own offsets.
            CHECK(p.body.data() == m.bytes.data() + p.offset + 4);
            CHECK(!p.critical);
        }
    }
}

TEST_CASE("cleartext IKE_SA_INIT messages rebuild byte for byte from the typed payloads") {
    int rebuilt = 0;
    for (const auto& m : vectors().messages) {
        auto v = parse_message(m.bytes);
        REQUIRE(v.ok());
        if (v.value.encrypted()) continue;
        CAPTURE(m.capture);
        CAPTURE(m.index);
        CHECK(rebuild_message(v.value) == m.bytes);
        ++rebuilt;
    }
    CHECK(rebuilt == 14);  // psk 2, cert 2, cookie 6 and invalidke 4 (with their error responses)
}

TEST_CASE("IKE_SA_INIT request of the PSK session: the numbers of its vector file") {
    auto v = parse_message(vectors().message("psk", 0).bytes);
    REQUIRE(v.ok());
    const auto& c = v.value.chain;
    auto sa = parse_sa(c.find(PayloadType::SA)->body);
    REQUIRE(sa.ok());
    REQUIRE(sa.value.proposals.size() == 1);
    const Proposal& p = sa.value.proposals[0];
    CHECK(p.number == 1);
    CHECK(p.protocol == ProtocolId::Ike);
    CHECK(p.spi_size == 0);
    // ENCR (12, 256) INTEG 12 PRF 5 DH 14, in strongSwan's order.
    REQUIRE(p.transforms.size() == 4);
    CHECK(p.transforms[0] == Transform{1, encr::kAesCbc, 256, false});
    CHECK(p.transforms[1] == Transform{3, integ::kHmacSha256_128, 0, false});
    CHECK(p.transforms[2] == Transform{2, prf::kHmacSha256, 0, false});
    CHECK(p.transforms[3] == Transform{4, dh::kModp2048, 0, false});
    auto ke = parse_ke(c.find(PayloadType::KE)->body);
    REQUIRE(ke.ok());
    CHECK(ke.value.group == dh::kModp2048);
    CHECK(ke.value.data.size() == 256);
    auto ni = parse_nonce(c.find(PayloadType::Nonce)->body);
    REQUIRE(ni.ok());
    CHECK(Buf(ni.value.data.begin(), ni.value.data.end()) ==
          unhex("53c33d8fb95f1d025b44a8fdd04f376a7c30c40b5cbf412608ee3ad2ec36fc93"));
    std::vector<std::uint16_t> notes;
    for (const auto& pv : c.payloads)
        if (pv.type == PayloadType::Notify) {
            auto n = parse_notify(pv.body);
            REQUIRE(n.ok());
            CHECK(n.value.protocol == ProtocolId::None);
            CHECK(n.value.spi_size == 0);
            notes.push_back(n.value.type);
            if (n.value.type == notify::kSignatureHashAlgorithms)
                CHECK(Buf(n.value.data.begin(), n.value.data.end()) == unhex("0002000300040005"));
            if (n.value.type == notify::kNatDetectionDestinationIp) CHECK(n.value.data.size() == 20);
        }
    CHECK(notes == std::vector<std::uint16_t>{notify::kNatDetectionSourceIp, notify::kNatDetectionDestinationIp,
                                              notify::kFragmentationSupported, notify::kSignatureHashAlgorithms,
                                              notify::kRedirectSupported});
}

TEST_CASE("IKE_SA_INIT edge responses: COOKIE and INVALID_KE_PAYLOAD") {
    auto cookie = parse_message(vectors().message("cookie", 1).bytes);
    REQUIRE(cookie.ok());
    REQUIRE(cookie.value.chain.payloads.size() == 1);
    auto n = parse_notify(cookie.value.chain.payloads[0].body);
    REQUIRE(n.ok());
    CHECK(n.value.type == notify::kCookie);
    CHECK(n.value.data.size() == 24);
    CHECK(cookie.value.header.spi_r == IkeSpi{});
    // The retried request carries the cookie first, unchanged.
    auto retry = parse_message(vectors().message("cookie", 2).bytes);
    REQUIRE(retry.ok());
    auto n2 = parse_notify(retry.value.chain.payloads[0].body);
    REQUIRE(n2.ok());
    CHECK(n2.value.type == notify::kCookie);
    CHECK(std::equal(n.value.data.begin(), n.value.data.end(), n2.value.data.begin(), n2.value.data.end()));

    auto ike = parse_message(vectors().message("invalidke", 1).bytes);
    REQUIRE(ike.ok());
    auto n3 = parse_notify(ike.value.chain.payloads[0].body);
    REQUIRE(n3.ok());
    CHECK(n3.value.type == notify::kInvalidKePayload);
    CHECK(Buf(n3.value.data.begin(), n3.value.data.end()) == Buf{0x00, 0x13});
    CHECK(n3.value.is_error());
}

TEST_CASE("builder: links next payloads, writes lengths, fails on overflow") {
    Buf out(64);
    IkeHeader h;
    h.spi_i = {1, 2, 3, 4, 5, 6, 7, 8};
    h.exchange = ExchangeType::Informational;
    h.flags = flag::kResponse;
    h.message_id = 0x01020304;
    MessageBuilder b(out, h);
    CHECK(b.add(PayloadType::Nonce, Buf(16, 0xaa)));
    MutBytes body = b.add(PayloadType::VendorId, 3, true);
    REQUIRE(body.size() == 3);
    body[0] = 1;
    const std::size_t n = b.finish();
    REQUIRE(n == 28 + 20 + 7);
    auto v = parse_message(Bytes(out.data(), n));
    REQUIRE(v.ok());
    CHECK(v.value.header.message_id == 0x01020304);
    CHECK(v.value.header.next_payload == PayloadType::Nonce);
    REQUIRE(v.value.chain.payloads.size() == 2);
    CHECK(v.value.chain.payloads[0].next == 43);
    CHECK(v.value.chain.payloads[1].critical);
    CHECK(v.value.chain.payloads[1].body[0] == 1);

    // One byte short: the builder fails and stays failed.
    Buf small(28 + 20 + 6);
    MessageBuilder s(small, h);
    CHECK(s.add(PayloadType::Nonce, Buf(16, 0xaa)));
    CHECK(s.add(PayloadType::VendorId, 3).empty());
    CHECK(!s.ok());
    CHECK(!s.add(PayloadType::VendorId, Buf{}));
    CHECK(s.finish() == 0);
    Buf tiny(27);
    MessageBuilder t(tiny, h);
    CHECK(!t.ok());
    CHECK(t.finish() == 0);
    // A body over the 16-bit length.
    Buf big(70000);
    ChainBuilder c(big);
    CHECK(c.add(PayloadType::CERT, 0xffff - 4).size() == 0xffff - 4);
    CHECK(c.add(PayloadType::CERT, 0xffff - 3).empty());
    CHECK(!c.ok());
    // An empty message: header only, next payload 0.
    Buf e(28);
    MessageBuilder eb(e, h);
    CHECK(eb.finish() == 28);
    CHECK(parse_message(e).ok());
}

TEST_CASE("chain: unknown payloads -- skipped with C=0, reported with C=1") {
    // Nonce -> type 99 (C=0) -> Vendor ID.
    Buf chain = {99, 0, 0, 20};
    chain.resize(20, 0x11);
    chain.insert(chain.end(), {43, 0, 0, 6, 0xab, 0xcd});
    chain.insert(chain.end(), {0, 0, 0, 5, 0xee});
    auto v = parse_message(message(40, chain));
    REQUIRE(v.ok());
    CHECK(v.value.chain.skipped == 1);
    CHECK(ike_msg_test::types_of(v.value.chain) == std::vector<int>{40, 43});
    // The same with the critical bit on the unknown payload.
    chain[20 + 1] = 0x80;
    auto c = parse_message(message(40, chain));
    CHECK(c.error == CodecError::UnsupportedCritical);
    CHECK(c.value.chain.unsupported_critical == 99);
    CHECK(c.value.header.spi_i[0] == 0x11);
    // The critical bit on a known payload means nothing.
    chain[20 + 1] = 0;
    chain[1] = 0x80;
    auto k = parse_message(message(40, chain));
    REQUIRE(k.ok());
    CHECK(k.value.chain.payloads[0].critical);
}

TEST_CASE("chain: lengths, trailing bytes, SK placement") {
    SUBCASE("zero and short lengths") {
        for (std::uint16_t len : {0, 1, 3}) {
            Buf chain = {0, 0, 0, static_cast<std::uint8_t>(len), 0, 0, 0, 0};
            CHECK(parse_message(message(43, chain)).error == CodecError::BadPayloadLength);
        }
    }
    SUBCASE("length past the end") {
        Buf chain = {0, 0, 0, 9, 1, 2, 3, 4};
        CHECK(parse_message(message(43, chain)).error == CodecError::BadPayloadLength);
        Buf huge = {0, 0, 0xff, 0xff, 1, 2, 3, 4};
        CHECK(parse_message(message(43, huge)).error == CodecError::BadPayloadLength);
    }
    SUBCASE("a next payload with no bytes left") {
        Buf chain = {43, 0, 0, 4};
        CHECK(parse_message(message(43, chain)).error == CodecError::Truncated);
    }
    SUBCASE("bytes after the last payload") {
        Buf chain = {0, 0, 0, 4, 0xde, 0xad};
        CHECK(parse_message(message(43, chain)).error == CodecError::TrailingBytes);
        CHECK(parse_message(message(0, Buf{1})).error == CodecError::TrailingBytes);
    }
    SUBCASE("SK must be last and never inside SK") {
        Buf sk_then = {43, 0, 0, 6, 1, 2, 0, 0, 0, 4};
        CHECK(parse_message(message(46, sk_then)).error == CodecError::MisplacedSk);
        Buf sk = {35, 0, 0, 6, 1, 2};
        auto ok = parse_message(message(46, sk));
        REQUIRE(ok.ok());
        REQUIRE(ok.value.encrypted());
        CHECK(ok.value.encrypted()->next == 35);
        CHECK(parse_chain(PayloadType::SK, sk, ChainKind::Inner).error == CodecError::MisplacedSk);
        CHECK(parse_chain(PayloadType::SKF, sk, ChainKind::Inner).error == CodecError::MisplacedSk);
        // Payloads before SK are allowed (and unprotected).
        Buf before = {46, 0, 0, 4, 35, 0, 0, 6, 1, 2};
        auto b = parse_message(message(43, before));
        REQUIRE(b.ok());
        CHECK(b.value.encrypted() == &b.value.chain.payloads[1]);
    }
    SUBCASE("a chain of minimal payloads that names itself ends with the bytes") {
        // Each payload says "next: Vendor ID" and has length 4: no loop is
        // possible, the parser runs out of bytes.
        Buf chain;
        for (int i = 0; i < 1000; ++i) chain.insert(chain.end(), {43, 0, 0, 4});
        CHECK(parse_message(message(43, chain)).error == CodecError::Truncated);
        chain.back() = 4;
        chain[chain.size() - 4] = 0;
        auto r = parse_message(message(43, chain));
        REQUIRE(r.ok());
        CHECK(r.value.chain.payloads.size() == 1000);
    }
}

TEST_CASE("hostile: every truncation of every captured message") {
    for (const auto& m : vectors().messages) {
        CAPTURE(m.capture);
        CAPTURE(m.index);
        for (std::size_t n = 0; n < m.bytes.size(); ++n) {
            Buf cut(m.bytes.begin(), m.bytes.begin() + static_cast<std::ptrdiff_t>(n));
            CHECK(!parse_message(cut).ok());
            // With the Length field agreeing, the chain itself must still object
            // (28 bytes: header only with a next payload; a cut payload otherwise).
            if (n >= 28) {
                store_be32(cut.data() + 24, static_cast<std::uint32_t>(n));
                auto r = parse_message(cut);
                CHECK(!r.ok());
            }
        }
    }
}

TEST_CASE("hostile: random bytes behind a valid header never crash") {
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        Buf chain(rng() % 200);
        for (auto& b : chain) b = static_cast<std::uint8_t>(rng());
        // Bias towards plausible lengths so the parser goes deep.
        if (chain.size() >= 4) chain[2] = 0, chain[3] = static_cast<std::uint8_t>(rng() % (chain.size() + 8));
        Buf m = message(static_cast<std::uint8_t>(33 + rng() % 21), chain);
        auto r = parse_message(m);
        if (r.ok())
            for (const auto& p : r.value.chain.payloads) CHECK(p.offset + 4 + p.body.size() <= m.size());
    }
}
