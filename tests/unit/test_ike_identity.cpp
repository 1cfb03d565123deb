// IKE identities and certificates (ipsec/ike/ike_identity.hpp, cert_identity.hpp):
// ike-id text to ID payload bodies, the IDx' of the strongSwan sessions, matching a
// peer's ID against its certificate, CERTREQ hashes against the captured
// IKE_SA_INIT response, and the chain check through pki::TrustStore (CA, CRL).
#include <doctest/doctest.h>

#include <ctime>
#include <string>

#include "ike_key_vectors.hpp"
#include "ipsec/ike/cert_identity.hpp"
#include "ipsec/ike/ike_identity.hpp"
#include "pki/cert_signer.hpp"
#include "pki/key_spec.hpp"
#include "pki/pem_io.hpp"

using namespace vpn::ike;
using ike_key_test::Blob;
using ike_key_test::hex;
using ike_key_test::unhex;

namespace {

Identity id_of(const char* text) {
    auto id = parse_identity(text);
    REQUIRE_MESSAGE(id, text << ": " << id.error());
    return id.take();
}

vpn::pki::X509Ptr cert(const char* file) { return vpn::pki::parse_cert(ike_key_test::read_text(file), file); }

// 2026-12-01, inside the session certificates' validity (from 2026-11-23).
constexpr std::time_t kSessionTime = 1796083200;

}  // namespace

TEST_CASE("ike-id text -> ID type and payload body") {
    CHECK(hex(id_of("172.31.251.1").payload_body()) == "01000000ac1ffb01");
    CHECK(hex(id_of("2001:db8::1").payload_body()) == "0500000020010db8000000000000000000000001");
    // The IDx' of the PSK session, as strongSwan sent it.
    auto v = ike_key_test::session_vectors("psk-session-vectors.txt");
    CHECK(hex(id_of("a.ike.test").payload_body()) == hex(v["initiator_IDx'"]));
    CHECK(hex(id_of("b.ike.test").payload_body()) == hex(v["responder_IDx'"]));
    auto c = ike_key_test::session_vectors("cert-session-vectors.txt");
    CHECK(hex(id_of("rw.ike.test").payload_body()) == hex(c["initiator_IDx'"]));
    CHECK(hex(id_of("  gw.ike.test.  ").payload_body()) == hex(c["responder_IDx'"]));  // trailing dot dropped

    Identity mail = id_of("rw@ike.test");
    CHECK(mail.type == IdType::Rfc822Addr);
    CHECK(mail.str() == "rw@ike.test");
    Identity forced = id_of("@host");
    CHECK(forced.type == IdType::Fqdn);
    CHECK(forced.str() == "host");

    Identity dn = id_of("C=XX, O=ikebench, CN=gw.ike.test");
    CHECK(dn.type == IdType::DerAsn1Dn);
    CHECK(dn.str() == "C=XX, O=ikebench, CN=gw.ike.test");
    Identity escaped = id_of("O=a\\, b, CN=x");
    CHECK(escaped.str() == "O=a\\, b, CN=x");

    CHECK_FALSE(parse_identity(""));
    CHECK_FALSE(parse_identity("two words"));
    CHECK_FALSE(parse_identity("@"));
    auto bad_dn = parse_identity("XYZ=1, CN=x");
    REQUIRE_FALSE(bad_dn);
    CHECK(bad_dn.error() == "unknown DN attribute 'XYZ'");
    CHECK_FALSE(parse_identity("CN=x, nonsense"));
}

TEST_CASE("received ID payload bodies: parsed and checked, bad ones refused") {
    auto c = ike_key_test::session_vectors("cert-session-vectors.txt");
    auto id = parse_identity_payload(c["initiator_IDx'"]);
    REQUIRE(id);
    CHECK(id->type == IdType::Fqdn);
    CHECK(id->str() == "rw.ike.test");
    CHECK(id->payload_body() == c["initiator_IDx'"]);

    CHECK_FALSE(parse_identity_payload(unhex("010000")));            // too short
    CHECK_FALSE(parse_identity_payload(unhex("01000000ac1ffb")));    // 3-byte IPv4
    CHECK_FALSE(parse_identity_payload(unhex("05000000ac1ffb01")));  // 4-byte IPv6
    CHECK_FALSE(parse_identity_payload(unhex("02000000")));          // empty FQDN
    CHECK_FALSE(parse_identity_payload(unhex("0900000030ff")));      // DN that is not DER
    CHECK_FALSE(parse_identity_payload(unhex("63000000aa")));        // unknown type 99
    // Non-printable bytes never reach a log line raw.
    auto weird = parse_identity_payload(unhex("0200000061000a62"));
    REQUIRE(weird);
    CHECK(weird->str() == "a??b");

    auto dn = parse_identity_payload(id_of("C=XX, CN=x").payload_body());
    REQUIRE(dn);
    CHECK(dn->str() == "C=XX, CN=x");
}

TEST_CASE("identity matching: case-insensitive names, canonical DNs, exact addresses") {
    CHECK(identity_matches(id_of("GW.ike.test"), id_of("gw.IKE.test")));
    CHECK(identity_matches(id_of("RW@ike.test"), id_of("rw@ike.test")));
    CHECK_FALSE(identity_matches(id_of("gw.ike.test"), id_of("gw@ike.test")));
    CHECK(identity_matches(id_of("172.31.251.1"), id_of("172.31.251.1")));
    CHECK_FALSE(identity_matches(id_of("172.31.251.1"), id_of("172.31.251.2")));
    // Spacing and case inside a DN do not matter; order does.
    CHECK(identity_matches(id_of("C=XX,O=ikebench,CN=GW.ike.test"), id_of("C=XX, O=ikebench, CN=gw.ike.test")));
    CHECK_FALSE(identity_matches(id_of("CN=gw.ike.test, C=XX"), id_of("C=XX, CN=gw.ike.test")));
}

TEST_CASE("certificates of the cert session: default identity, SAN and DN matching, CERTREQ") {
    auto gw = cert("gwCert.pem"), rw = cert("rwCert.pem"), ca = cert("caCert.pem");
    auto subject = certificate_identity(gw.get());
    REQUIRE(subject);
    CHECK(subject->type == IdType::DerAsn1Dn);
    CHECK(subject->str() == "C=XX, O=ikebench, CN=gw.ike.test");
    // ike-id naming the same DN in other spelling gives the certificate's bytes.
    auto configured = configured_identity("c=XX,o=ikebench,cn=gw.ike.test", gw.get());
    REQUIRE(configured);
    CHECK(configured->data == subject->data);
    CHECK(configured_identity("gw.ike.test", gw.get())->type == IdType::Fqdn);

    CHECK(check_identity_in_certificate(*subject, gw.get()));
    CHECK(check_identity_in_certificate(id_of("gw.ike.test"), gw.get()));   // SAN dNSName
    CHECK(check_identity_in_certificate(id_of("GW.IKE.TEST"), gw.get()));
    CHECK(check_identity_in_certificate(id_of("rw.ike.test"), rw.get()));
    auto wrong = check_identity_in_certificate(id_of("rw.ike.test"), gw.get());
    CHECK_FALSE(wrong);
    CHECK(wrong.reason == "identity 'rw.ike.test' is not confirmed by certificate 'C=XX, O=ikebench, CN=gw.ike.test'");
    CHECK_FALSE(check_identity_in_certificate(id_of("172.31.251.2"), gw.get()));
    CHECK_FALSE(check_identity_in_certificate(id_of("gw@ike.test"), gw.get()));
    CHECK_FALSE(check_identity_in_certificate(*certificate_identity(rw.get()), gw.get()));

    // The CERTREQ of the captured IKE_SA_INIT response names our CA.
    auto v = ike_key_test::session_vectors("cert-session-vectors.txt");
    Blob certreq;
    for (const auto& p : ike_key_test::payloads(v["ike_sa_init_response"]))
        if (p.type == 38) certreq = p.body;
    REQUIRE(certreq.size() == 21);
    CHECK(certreq[0] == 4);  // X.509 Certificate - Signature
    Blob hashes(certreq.begin() + 1, certreq.end());
    auto h = ca_key_hash(ca.get());
    CHECK(hex(vpn::Bytes(h.data(), h.size())) == hex(hashes));
    CHECK(certreq_names(hashes, ca.get()));
    CHECK_FALSE(certreq_names(hashes, gw.get()));
    CHECK_FALSE(certreq_names(vpn::Bytes(hashes).first(19), ca.get()));
    std::vector<vpn::pki::X509Ptr> cas;
    cas.push_back(vpn::pki::share(ca.get()));
    cas.push_back(vpn::pki::share(gw.get()));
    auto two = certreq_data(cas);
    CHECK(two.size() == 40);
    CHECK(certreq_names(two, ca.get()));
    CHECK(certreq_names(two, gw.get()));

    // CERT payload data round trip; trailing garbage refused.
    auto der = certificate_der(gw.get());
    auto back = parse_certificate_der(der);
    REQUIRE(back);
    CHECK(X509_cmp(back->get(), gw.get()) == 0);
    der.push_back(0);
    CHECK_FALSE(parse_certificate_der(der));
    CHECK_FALSE(parse_certificate_der(Blob{0x30, 0x03, 0x02, 0x01, 0x01}));
}

TEST_CASE("peer chain: the session certificates verify against their CA, as the TLS mode checks them") {
    auto gw = cert("gwCert.pem"), rw = cert("rwCert.pem"), ca = cert("caCert.pem");
    std::vector<vpn::pki::X509Ptr> cas;
    cas.push_back(vpn::pki::share(ca.get()));
    vpn::pki::TrustStore trust(std::move(cas));
    CHECK(verify_peer_certificate(trust, gw.get(), {}, kSessionTime));
    CHECK(verify_peer_certificate(trust, rw.get(), {}, kSessionTime));
    auto early = verify_peer_certificate(trust, gw.get(), {}, kSessionTime - 30 * 86400);
    CHECK_FALSE(early);
    CHECK(early.reason == "certificate is not yet valid");
}

TEST_CASE("peer chain with a CRL and key usage, on a PKI made here") {
    using namespace vpn::pki;
    std::time_t now = std::time(nullptr);
    auto ca_key = generate_key(KeySpec::ec());
    auto ca = make_ca_cert(ca_key.get(), "test CA", Validity::days_from(now - 60, 30), random_serial());
    auto issue = [&](CertType type, const char* cn, const std::vector<std::string>& san) {
        auto key = generate_key(KeySpec::ec());
        auto req = make_csr(key.get(), cn);
        std::string serial = random_serial();
        return std::make_pair(
            sign_request(req.get(), ca.get(), ca_key.get(), type, san, Validity::days_from(now - 60, 30), serial),
            serial);
    };
    auto [good, good_serial] = issue(CertType::Server, "peer1", {"DNS:peer1.example", "IP:192.0.2.7"});
    auto [revoked, revoked_serial] = issue(CertType::Client, "peer2", {"email:peer2@example"});
    auto [ca_like, ca_like_serial] = issue(CertType::Ca, "peer3", {});

    CHECK(check_identity_in_certificate(id_of("peer1.example"), good.get()));
    CHECK(check_identity_in_certificate(id_of("192.0.2.7"), good.get()));
    CHECK(check_identity_in_certificate(id_of("PEER2@example"), revoked.get()));
    CHECK(check_identity_in_certificate(id_of("CN=peer1"), good.get()));

    std::vector<X509Ptr> cas;
    cas.push_back(share(ca.get()));
    std::vector<X509CrlPtr> crls;
    crls.push_back(make_crl(ca.get(), ca_key.get(), {{revoked_serial, now - 10, 1}}, now - 30, 30));
    TrustStore trust(std::move(cas), std::move(crls));
    CHECK(verify_peer_certificate(trust, good.get(), {}));
    auto r = verify_peer_certificate(trust, revoked.get(), {});
    CHECK_FALSE(r);
    CHECK(r.reason == "certificate revoked");
    // keyUsage cRLSign,keyCertSign only: no good for signing AUTH.
    auto ku = verify_peer_certificate(trust, ca_like.get(), {});
    CHECK_FALSE(ku);
    CHECK(ku.reason == "certificate key usage allows neither digitalSignature nor nonRepudiation");
    // Issued by another CA.
    auto other_key = generate_key(KeySpec::ec());
    auto other = make_ca_cert(other_key.get(), "other", Validity::days_from(now - 60, 30), random_serial());
    CHECK_FALSE(verify_peer_certificate(trust, other.get(), {}));
}
