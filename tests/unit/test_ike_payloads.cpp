// Typed IKE payloads (RFC 7296 §3.3-3.16): round trips with edge values, the
// worked examples of ikev2-esp.md, malformed substructures, and every
// truncation of every payload the strongSwan captures carry.
#include <doctest/doctest.h>

#include <random>

#include "ike_message_vectors.hpp"
#include "ipsec/ike/sk_message.hpp"

using namespace vpn;
using namespace vpn::ike;
using ike_msg_test::Buf;
using ike_msg_test::unhex;

namespace {

template <class P>
Buf enc(const P& p) {
    Buf out(encoded_size(p));
    REQUIRE(encode(p, out));
    // A wrong-sized output is refused rather than half written.
    Buf wrong(out.size() + 1);
    CHECK(!encode(p, wrong));
    return out;
}

Buf bytes(Bytes b) { return Buf(b.begin(), b.end()); }

}  // namespace

TEST_CASE("SA: the worked example of ikev2-esp.md §1.4 (aes256-sha256-modp2048)") {
    const Buf body = unhex(
        "0000002c010100040300000c0100000c800e0100030000080300000c0300000802000005000000080400000e");
    auto r = parse_sa(body);
    REQUIRE(r.ok());
    SaPayload want;
    want.proposals.push_back({1, ProtocolId::Ike, 0, {}, {{1, 12, 256}, {3, 12}, {2, 5}, {4, 14}}});
    CHECK(r.value == want);
    CHECK(enc(want) == body);
}

TEST_CASE("SA: the IKE_AUTH child proposal of §1.4 (aes128gcm16, ESN 0, SPI 4 bytes)") {
    const Buf body = unhex("0000002001030402" "06911de9" "0300000c01000014800e0080" "0000000805000000");
    auto r = parse_sa(body);
    REQUIRE(r.ok());
    REQUIRE(r.value.proposals.size() == 1);
    const Proposal& p = r.value.proposals[0];
    CHECK(p.protocol == ProtocolId::Esp);
    CHECK(p.spi32() == 0x06911de9);
    CHECK(p.transforms == std::vector<Transform>{{1, encr::kAesGcm16, 128}, {5, esn::kNo}});
    CHECK(enc(r.value) == body);
}

TEST_CASE("SA: round trips with edge values") {
    SaPayload sa;
    Proposal ike{1, ProtocolId::Ike, 8, {1, 2, 3, 4, 5, 6, 7, 8}, {{1, 20, 256}, {2, 7}, {4, 31}}};
    Proposal esp{2, ProtocolId::Esp, 0, {}, {{1, 28}, {5, 0}, {5, 1}}};
    esp.set_spi32(0xffffffff);
    Proposal odd{255, static_cast<ProtocolId>(200), 0, {}, {{250, 0xffff, 0xffff}}};  // unknown type kept
    Proposal none{3, ProtocolId::Esp, 4, {}, {}};  // no transforms at all
    sa.proposals = {ike, esp, odd, none};
    const Buf b = enc(sa);
    auto r = parse_sa(b);
    REQUIRE(r.ok());
    CHECK(r.value == sa);
    CHECK(r.value.proposals[0].spi_bytes().size() == 8);
    CHECK(r.value.proposals[1].spi32() == 0xffffffff);
    // Empty SA payloads cannot be written.
    Buf empty;
    CHECK(!encode(SaPayload{}, empty));
}

TEST_CASE("SA: attributes -- unknown ones flag the transform, TLV parsed over") {
    // One transform with Key Length, an unknown TV attribute and a TLV attribute.
    const Buf body = unhex("00000018" "01010001" "00000010" "0100000c" "800e0080" "80630001");
    const Buf with_tlv = unhex("0000001f" "01010001" "00000017" "0100000c" "800e0080" "80630001" "00050003" "aabbcc");
    auto a = parse_sa(body);
    REQUIRE(a.ok());
    CHECK(a.value.proposals[0].transforms[0].key_length == 128);
    CHECK(a.value.proposals[0].transforms[0].unknown_attributes);
    auto b = parse_sa(with_tlv);
    REQUIRE(b.ok());
    CHECK(b.value.proposals[0].transforms[0].unknown_attributes);
    // A TLV whose length runs past the transform.
    Buf bad = with_tlv;
    bad[27] = 4;
    CHECK(parse_sa(bad).error == CodecError::BadSubstructure);
    // Key Length in TLV form is not the Key Length attribute (§3.3.5).
    const Buf tlv_key = unhex("00000018" "01010001" "00000010" "0100000c" "000e0000" "00000000");
    auto k = parse_sa(tlv_key);
    // length 0 TLV followed by 4 bytes of a zero TLV attribute type 0.
    REQUIRE(k.ok());
    CHECK(k.value.proposals[0].transforms[0].key_length == 0);
    CHECK(k.value.proposals[0].transforms[0].unknown_attributes);
}

TEST_CASE("SA: malformed framing") {
    const Buf good = unhex(
        "0000002c010100040300000c0100000c800e0100030000080300000c0300000802000005000000080400000e");
    SUBCASE("Last fields") {
        Buf b = good;
        b[0] = 2;  // "more proposals" but none follow
        CHECK(parse_sa(b).error == CodecError::Truncated);
        b[0] = 1;
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
        b = good;
        b[8] = 0;  // first transform claims to be the last
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
        b = good;
        b[good.size() - 8] = 3;  // last transform claims more
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
    }
    SUBCASE("counts and lengths") {
        Buf b = good;
        b[7] = 5;  // five transforms announced, four present
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
        b = good;
        b[7] = 3;  // three announced, bytes of a fourth left
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
        b = good;
        b[3] = 0x2d;  // proposal longer than the body
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
        b = good;
        b[3] = 4;  // proposal shorter than its header
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
        b = good;
        b[11] = 0;  // transform length 0: no endless loop
        CHECK(parse_sa(b).error == CodecError::BadSubstructure);
        b = good;
        b.push_back(0);
        CHECK(parse_sa(b).error == CodecError::TrailingBytes);
        CHECK(parse_sa(Buf{}).error == CodecError::Truncated);
    }
    SUBCASE("SPI sizes") {
        for (std::uint8_t s : {1, 2, 3, 5, 16, 255}) {
            Buf b = good;
            b[6] = s;
            CHECK(parse_sa(b).error == CodecError::BadSpiSize);
        }
        Buf b = good;
        b[6] = 8;  // SPI bytes eat into the transforms: framing breaks
        CHECK(!parse_sa(b).ok());
    }
}

TEST_CASE("KE, Nonce, ID, CERT, CERTREQ, AUTH, V, EAP round trips") {
    const Buf data = {1, 2, 3, 4, 5};
    const Buf none;
    for (const Buf* d : {&data, &none}) {
        KePayload ke{0xffff, *d};
        const Buf kb = enc(ke);
        auto k = parse_ke(kb);
        REQUIRE(k.ok());
        CHECK(k.value.group == 0xffff);
        CHECK(bytes(k.value.data) == *d);

        IdPayload id{static_cast<IdType>(0xfe), *d};
        const Buf ib = enc(id);
        auto i = parse_id(ib);
        REQUIRE(i.ok());
        CHECK(i.value.type == static_cast<IdType>(0xfe));
        CHECK(bytes(i.value.data) == *d);

        CertPayload cert{CertEncoding::HashAndUrlX509, *d};
        const Buf cb = enc(cert);
        auto c = parse_cert(cb);
        REQUIRE(c.ok());
        CHECK(c.value.encoding == CertEncoding::HashAndUrlX509);
        CHECK(bytes(c.value.data) == *d);

        AuthPayload auth{AuthMethod::DigitalSignature, *d};
        const Buf ab = enc(auth);
        auto a = parse_auth(ab);
        REQUIRE(a.ok());
        CHECK(a.value.method == AuthMethod::DigitalSignature);
        CHECK(bytes(a.value.data) == *d);

        const Buf vb = enc(VendorIdPayload{*d});
        auto v = parse_vendor_id(vb);
        REQUIRE(v.ok());
        CHECK(bytes(v.value.data) == *d);
    }
    // IDx' for AUTH is the body: type, three zero bytes, data (§1.7 example).
    const Buf fqdn = {'a', '.', 'i', 'k', 'e', '.', 't', 'e', 's', 't'};
    CHECK(enc(IdPayload{IdType::Fqdn, fqdn}) == unhex("02000000612e696b652e74657374"));
    // Fixed parts: one byte short is Truncated.
    CHECK(parse_ke(Buf(3)).error == CodecError::Truncated);
    CHECK(parse_id(Buf(3)).error == CodecError::Truncated);
    CHECK(parse_auth(Buf(3)).error == CodecError::Truncated);
    CHECK(parse_cert(Buf{}).error == CodecError::Truncated);
    CHECK(parse_eap(Buf(3)).error == CodecError::Truncated);
    CHECK(parse_eap(Buf{1, 1, 0, 4}).ok());
    // Nonce: 16..256 bytes (RFC 7296 §3.9).
    CHECK(parse_nonce(Buf(15)).error == CodecError::BadValue);
    CHECK(parse_nonce(Buf(16)).ok());
    CHECK(parse_nonce(Buf(256)).ok());
    CHECK(parse_nonce(Buf(257)).error == CodecError::BadValue);
}

TEST_CASE("Notify and Delete") {
    NotifyPayload rekey{ProtocolId::Esp, 4, {0xc0, 0xff, 0xee, 0x01}, notify::kRekeySa, {}};
    const Buf b = enc(rekey);
    CHECK(b == unhex("03044009c0ffee01"));
    auto r = parse_notify(b);
    REQUIRE(r.ok());
    CHECK(r.value.spi32() == 0xc0ffee01);
    CHECK(!r.value.is_error());
    const Buf cookie(64, 0x5a);
    NotifyPayload wide{ProtocolId::Ike, 8, {1, 2, 3, 4, 5, 6, 7, 8}, 0xffff, cookie};
    const Buf wb = enc(wide);
    auto w = parse_notify(wb);
    REQUIRE(w.ok());
    CHECK(bytes(w.value.spi_bytes()) == Buf{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(bytes(w.value.data) == cookie);
    CHECK(parse_notify(Buf{0, 9, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9}).error == CodecError::BadSpiSize);
    CHECK(parse_notify(Buf{3, 4, 0x40, 0x09, 1, 2, 3}).error == CodecError::Truncated);
    CHECK(parse_notify(Buf{0, 0, 0}).error == CodecError::Truncated);
    CHECK(parse_notify(Buf{0, 0, 0, 14}).value.is_error());

    DeletePayload esp{ProtocolId::Esp, 4, {1, 0xffffffff, 0x12345678}};
    auto d = parse_delete(enc(esp));
    REQUIRE(d.ok());
    CHECK(d.value.spis == esp.spis);
    CHECK(d.value.protocol == ProtocolId::Esp);
    DeletePayload ike{ProtocolId::Ike, 0, {}};
    CHECK(enc(ike) == Buf{1, 0, 0, 0});
    CHECK(parse_delete(Buf{1, 0, 0, 0}).ok());
    CHECK(parse_delete(Buf{1, 0, 0, 1}).error == CodecError::BadValue);
    CHECK(parse_delete(Buf{3, 8, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8}).error == CodecError::BadSpiSize);
    CHECK(parse_delete(Buf{3, 4, 0, 2, 1, 2, 3, 4}).error == CodecError::Truncated);
    CHECK(parse_delete(Buf{3, 4, 0, 1, 1, 2, 3, 4, 5}).error == CodecError::TrailingBytes);
    CHECK(parse_delete(Buf{3, 4, 0xff, 0xff}).error == CodecError::Truncated);
    Buf out(8);
    CHECK(!encode(DeletePayload{ProtocolId::Esp, 0, {7}}, out));
}

TEST_CASE("TS: IPv4 and IPv6 ranges, unknown types skipped") {
    // The roadwarrior's TSi of ikev2-esp.md §1.13: any IPv4.
    const Buf any4 = unhex("01000000" "07000010 0000ffff 00000000 ffffffff");
    auto r = parse_ts(unhex("0100000007000010" "0000ffff00000000ffffffff"));
    REQUIRE(r.ok());
    REQUIRE(r.value.selectors.size() == 1);
    const TrafficSelector& s = r.value.selectors[0];
    CHECK(s.type == TsType::Ipv4AddrRange);
    CHECK(s.start_port == 0);
    CHECK(s.end_port == 0xffff);
    CHECK(s.end[3] == 0xff);
    CHECK(enc(r.value) == unhex("0100000007000010" "0000ffff00000000ffffffff"));

    TsPayload ts;
    TrafficSelector v6{TsType::Ipv6AddrRange, 58, 0x8000, 0x80ff, {}, {}};
    v6.start[0] = 0xfd;
    v6.end.fill(0xff);
    TrafficSelector v4{TsType::Ipv4AddrRange, 17, 500, 500, {172, 31, 251, 65}, {172, 31, 251, 65}};
    ts.selectors = {v6, v4};
    const Buf b = enc(ts);
    CHECK(b.size() == 4 + 40 + 16);
    auto back = parse_ts(b);
    REQUIRE(back.ok());
    CHECK(back.value.selectors == ts.selectors);

    // A third selector of an unknown type (9) with its own length: skipped.
    Buf mixed = b;
    mixed[0] = 3;
    mixed.insert(mixed.end(), {9, 0, 0, 10, 0, 0, 0, 0, 0xaa, 0xbb});
    auto m = parse_ts(mixed);
    REQUIRE(m.ok());
    CHECK(m.value.selectors.size() == 2);
    CHECK(m.value.skipped == 1);
    // Known types need their exact length; counts must match the bytes.
    Buf badlen = b;
    badlen[4 + 3] = 39;
    CHECK(!parse_ts(badlen).ok());
    // A known type shorter than its addresses, at the end of the body: refused
    // before any address byte is read.
    CHECK(parse_ts(unhex("01000000" "07000008" "0000ffff")).error == CodecError::BadValue);
    CHECK(parse_ts(unhex("01000000" "0800000c" "0000ffff" "fd000000")).error == CodecError::BadValue);
    CHECK(parse_ts(unhex("01000000" "07000014" "0000ffff" "0a000001" "0a000002" "00000000")).error ==
          CodecError::BadValue);
    Buf zero = b;
    zero[4 + 3] = 0;
    CHECK(parse_ts(zero).error == CodecError::BadSubstructure);
    Buf more = b;
    more[0] = 3;
    CHECK(parse_ts(more).error == CodecError::Truncated);
    Buf fewer = b;
    fewer[0] = 1;
    CHECK(parse_ts(fewer).error == CodecError::TrailingBytes);
    Buf none = {0, 0, 0, 0};
    CHECK(parse_ts(none).error == CodecError::BadValue);
    Buf out(4);
    CHECK(!encode(TsPayload{}, out));
}

TEST_CASE("CP: the request and reply of ikev2-esp.md §1.15") {
    const Buf req = unhex("0100000000010000");
    auto q = parse_cp(req);
    REQUIRE(q.ok());
    CHECK(q.value.type == CfgType::Request);
    REQUIRE(q.value.attributes.size() == 1);
    CHECK(q.value.attributes[0].type == cfg_attr::kInternalIp4Address);
    CHECK(q.value.attributes[0].value.empty());
    CHECK(enc(q.value) == req);

    const Buf rep = unhex("0200000000010004ac1ffb8100030004ac1ffb51");
    auto p = parse_cp(rep);
    REQUIRE(p.ok());
    CHECK(p.value.type == CfgType::Reply);
    REQUIRE(p.value.find(cfg_attr::kInternalIp4Dns));
    CHECK(bytes(p.value.find(cfg_attr::kInternalIp4Address)->value) == Buf{172, 31, 251, 129});
    CHECK(p.value.find(cfg_attr::kInternalIp6Address) == nullptr);
    CHECK(enc(p.value) == rep);
    // The reserved top bit is not part of the type; a value past the end is refused.
    auto r = parse_cp(unhex("0100000080030000"));
    REQUIRE(r.ok());
    CHECK(r.value.attributes[0].type == cfg_attr::kInternalIp4Dns);
    CHECK(parse_cp(unhex("010000000001000401")).error == CodecError::Truncated);
    CHECK(parse_cp(unhex("01000000000100")).error == CodecError::Truncated);
    CHECK(parse_cp(unhex("010000")).error == CodecError::Truncated);
    CpPayload bad{CfgType::Set, {{0x8000, {}}}};
    Buf out(8);
    CHECK(!encode(bad, out));
}

TEST_CASE("hostile: every truncation and a random mutation of every captured payload") {
    // Cleartext payloads come straight from the messages; SK contents are decrypted.
    std::vector<std::pair<PayloadType, Buf>> bodies;
    for (const auto& m : ike_msg_test::vectors().messages) {
        auto v = parse_message(m.bytes);
        REQUIRE(v.ok());
        for (const auto& p : v.value.chain.payloads) bodies.emplace_back(p.type, bytes(p.body));
        if (v.value.encrypted() && v.value.encrypted()->type == PayloadType::SK) {
            auto c = ike_msg_test::cipher_for(m.bytes);
            Buf plain(m.bytes.size());
            auto in = open_message(c, v.value, plain);
            REQUIRE(in.ok());
            for (const auto& p : in.value.payloads) bodies.emplace_back(p.type, bytes(p.body));
        }
    }
    auto parse_any = [](PayloadType t, Bytes b) {
        switch (t) {
            case PayloadType::SA: return parse_sa(b).ok();
            case PayloadType::KE: return parse_ke(b).ok();
            case PayloadType::IDi:
            case PayloadType::IDr: return parse_id(b).ok();
            case PayloadType::CERT:
            case PayloadType::CERTREQ: return parse_cert(b).ok();
            case PayloadType::AUTH: return parse_auth(b).ok();
            case PayloadType::Nonce: return parse_nonce(b).ok();
            case PayloadType::Notify: return parse_notify(b).ok();
            case PayloadType::Delete: return parse_delete(b).ok();
            case PayloadType::TSi:
            case PayloadType::TSr: return parse_ts(b).ok();
            case PayloadType::CP: return parse_cp(b).ok();
            default: return true;
        }
    };
    std::mt19937 rng(11);
    std::size_t structured_cut_refused = 0;
    for (const auto& [type, body] : bodies) {
        REQUIRE(parse_any(type, body));
        for (std::size_t n = 0; n < body.size(); ++n) {
            const bool ok = parse_any(type, Bytes(body.data(), n));
            // Length-framed bodies must notice any cut.
            if (type == PayloadType::SA || type == PayloadType::TSi || type == PayloadType::TSr ||
                type == PayloadType::Delete) {
                CHECK(!ok);
                ++structured_cut_refused;
            }
        }
        for (int i = 0; i < 50 && !body.empty(); ++i) {
            Buf mut = body;
            mut[rng() % mut.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
            (void)parse_any(type, mut);
        }
    }
    CHECK(structured_cut_refused > 500);
}
