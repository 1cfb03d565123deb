// IkeSa with certificates (priority 2): AUTH method 14 both ways, CERT/CERTREQ,
// identities checked against the certificate, revoked and foreign-CA certificates
// refused with AUTHENTICATION_FAILED, RFC 7383 fragmentation of a big IKE_AUTH
// (with a lost fragment); and strongSwan's certificate session (RSA gateway, ECDSA
// road warrior, virtual IP, fragments, child rekey with PFS, IKE rekey, deletes)
// replayed into both roles.
#include <doctest/doctest.h>

#include <ctime>

#include "ike_message_vectors.hpp"
#include "ike_sa_test_support.hpp"
#include "ipsec/ike/sk_message.hpp"
#include "pki/cert_signer.hpp"
#include "pki/key_spec.hpp"
#include "pki/pem_io.hpp"

using namespace ike_sa_test;

namespace {

struct Pki {
    std::time_t now = std::time(nullptr);
    pki::EvpPkeyPtr ca_key = pki::generate_key(pki::KeySpec::ec());
    pki::X509Ptr ca = pki::make_ca_cert(ca_key.get(), "ike test CA", pki::Validity::days_from(now - 60, 30),
                                        pki::random_serial());
    struct Issued {
        pki::X509Ptr cert;
        pki::EvpPkeyPtr key;
        std::string serial;
    };
    Issued issue(const char* cn, const std::vector<std::string>& san, pki::EvpPkeyPtr key = {}) {
        if (!key) key = pki::generate_key(pki::KeySpec::ec());
        auto req = pki::make_csr(key.get(), cn);
        std::string serial = pki::random_serial();
        auto cert = pki::sign_request(req.get(), ca.get(), ca_key.get(), pki::CertType::Server, san,
                                      pki::Validity::days_from(now - 60, 30), serial);
        return {std::move(cert), std::move(key), serial};
    }
    std::shared_ptr<const pki::TrustStore> trust(std::vector<pki::X509CrlPtr> crls = {}) {
        std::vector<pki::X509Ptr> cas;
        cas.push_back(pki::share(ca.get()));
        return std::make_shared<const pki::TrustStore>(std::move(cas), std::move(crls));
    }
};

pki::EvpPkeyPtr rsa_key() {
    static auto k = pki::generate_key(pki::KeySpec::rsa(2048));
    return pki::share(k.get());
}

IkeSaConfig cert_config(IkeRole role, std::uint64_t seed, Pki::Issued& me, std::shared_ptr<const pki::TrustStore> trust,
                        const char* local_id, const char* remote_id) {
    auto c = psk_config(role, seed);
    c.psk.reset();
    auto cred = std::make_shared<CertCredentials>();
    cred->cert = pki::share(me.cert.get());
    cred->key = pki::share(me.key.get());
    cred->trust = std::move(trust);
    c.cert = cred;
    c.local_id = id(local_id);
    if (remote_id) c.remote_id = id(remote_id);
    else c.remote_id.reset();
    return c;
}

}  // namespace

TEST_CASE("certificates: method 14 both ways (RSA and ECDSA), CERTREQ, identities from the SAN") {
    Pki p;
    auto gw = p.issue("gw", {"DNS:gw.test"}, rsa_key());
    auto rw = p.issue("rw", {"DNS:rw.test"});
    Wire w(cert_config(IkeRole::Initiator, 1, rw, p.trust(), "rw.test", "gw.test"),
           cert_config(IkeRole::Responder, 2, gw, p.trust(), "gw.test", nullptr));
    w.start();
    REQUIRE(w.a->state() == IkeSaState::Established);
    REQUIRE(w.b->state() == IkeSaState::Established);
    CHECK(events_of<IkeUp>(w.ev_b)[0].peer.str() == "rw.test");
    CHECK(events_of<IkeUp>(w.ev_a)[0].peer.str() == "gw.test");
    check_mirrored(events_of<ChildSaUp>(w.ev_a).at(0), events_of<ChildSaUp>(w.ev_b).at(0));
    // The responder's IKE_SA_INIT carries CERTREQ.
    auto init = parse_message(w.sent_b[0].bytes);
    REQUIRE(init.ok());
    CHECK(init.value.chain.find(PayloadType::CERTREQ) != nullptr);

    // The DN identity works too (subject of the certificate).
    auto rw2 = p.issue("rw2", {"DNS:rw2.test"});
    Wire w2(cert_config(IkeRole::Initiator, 3, rw2, p.trust(), "CN=rw2", nullptr),
            cert_config(IkeRole::Responder, 4, gw, p.trust(), "gw.test", "CN=rw2"));
    w2.start();
    CHECK(w2.b->state() == IkeSaState::Established);
}

TEST_CASE("certificates: revoked, foreign CA, or an identity the certificate does not carry -> AUTHENTICATION_FAILED") {
    Pki p;
    auto gw = p.issue("gw", {"DNS:gw.test"});
    auto rw = p.issue("rw", {"DNS:rw.test"});
    std::vector<pki::X509CrlPtr> crls;
    crls.push_back(pki::make_crl(p.ca.get(), p.ca_key.get(), {{rw.serial, p.now - 10, 1}}, p.now - 30, 30));
    {
        Wire w(cert_config(IkeRole::Initiator, 1, rw, p.trust(), "rw.test", nullptr),
               cert_config(IkeRole::Responder, 2, gw, p.trust(std::move(crls)), "gw.test", nullptr));
        w.start();
        CHECK(w.a->closed());
        CHECK(w.b->closed());
        CHECK(events_of<IkeDown>(w.ev_b).at(0).reason.find("certificate revoked") != std::string::npos);
        CHECK(events_of<IkeDown>(w.ev_a).at(0).reason == "IKE_AUTH refused by the peer: AUTHENTICATION_FAILED");
    }
    {
        Pki other;
        auto stranger = other.issue("rw", {"DNS:rw.test"});
        Wire w(cert_config(IkeRole::Initiator, 1, stranger, other.trust(), "rw.test", nullptr),
               cert_config(IkeRole::Responder, 2, gw, p.trust(), "gw.test", nullptr));
        w.start();
        CHECK(w.b->closed());
        CHECK(events_of<IkeDown>(w.ev_b).at(0).reason.find("peer certificate") != std::string::npos);
    }
    {
        Wire w(cert_config(IkeRole::Initiator, 1, rw, p.trust(), "boss.test", nullptr),
               cert_config(IkeRole::Responder, 2, gw, p.trust(), "gw.test", nullptr));
        w.start();
        CHECK(w.b->closed());
        CHECK(events_of<IkeDown>(w.ev_b).at(0).reason.find("boss.test") != std::string::npos);
    }
    {
        // The initiator refuses a gateway whose certificate it cannot verify.
        Pki other;
        auto fake_gw = other.issue("gw", {"DNS:gw.test"});
        Wire w(cert_config(IkeRole::Initiator, 1, rw, p.trust(), "rw.test", "gw.test"),
               cert_config(IkeRole::Responder, 2, fake_gw, p.trust(), "gw.test", nullptr));
        w.start();
        CHECK(w.a->closed());
        CHECK(events_of<IkeDown>(w.ev_a).at(0).reason.find("peer certificate") != std::string::npos);
    }
}

TEST_CASE("fragmentation: a big IKE_AUTH goes in SKF fragments, a lost one is resent with all the others") {
    Pki p;
    auto gw = p.issue("gw", {"DNS:gw.test"}, rsa_key());
    auto rw = p.issue("rw", {"DNS:rw.test"}, rsa_key());
    auto a = cert_config(IkeRole::Initiator, 1, rw, p.trust(), "rw.test", "gw.test");
    auto b = cert_config(IkeRole::Responder, 2, gw, p.trust(), "gw.test", nullptr);
    a.fragment_size = 576;
    b.fragment_size = 576;
    Wire w(std::move(a), std::move(b));
    // Drop the second fragment of the IKE_AUTH request once.
    w.drop = [](const OutDatagram& d, bool from_a, std::size_t i) {
        return from_a && i == 3 && d.bytes.size() > 28 && d.bytes[16] == 53;
    };
    w.start();
    REQUIRE(w.sent_a.size() >= 3);
    CHECK(w.a->state() == IkeSaState::AuthSent);
    std::size_t frags = 0;
    for (const auto& d : w.sent_a)
        if (d.bytes[16] == std::uint8_t(PayloadType::SKF)) {
            ++frags;
            CHECK(d.bytes.size() <= 576 - 28);
        }
    CHECK(frags >= 3);
    w.run_for(5000);  // one retransmission of every fragment
    REQUIRE(w.a->state() == IkeSaState::Established);
    REQUIRE(w.b->state() == IkeSaState::Established);
    CHECK(w.a->stats().retransmits == 1);
    check_mirrored(events_of<ChildSaUp>(w.ev_a).at(0), events_of<ChildSaUp>(w.ev_b).at(0));
    // The responder's answer was fragmented as well.
    std::size_t resp_frags = 0;
    for (const auto& d : w.sent_b) resp_frags += d.bytes[16] == std::uint8_t(PayloadType::SKF);
    CHECK(resp_frags >= 2);
}

// ---------------------------------------------------------------- strongSwan replay

namespace {

// 2026-12-01, inside the session certificates' validity (from 2026-11-23).
constexpr std::time_t kSessionTime = 1796083200;

const ike_msg_test::Message& ss(int index) { return ike_msg_test::vectors().message("cert", index); }

Endpoints bench(bool initiator, std::uint16_t port) {
    Endpoint i = ep(ip4(172, 31, 251, 1), port), r = ep(ip4(172, 31, 251, 2), port);
    return initiator ? Endpoints{i, r} : Endpoints{r, i};
}

class FixedPool : public AddressAllocator {
public:
    std::optional<IpAddress> acquire(const Identity&) override {
        ++leases;
        return ip4(172, 31, 251, 129);
    }
    void release(const Identity&, const IpAddress&) override { --leases; }
    int leases = 0;
};

struct CertReplay {
    ike_key_test::SessionVectors v = ike_key_test::session_vectors("cert-session-vectors.txt");
    ike_key_test::SessionVectors rk = ike_key_test::session_vectors("cert-rekey-vectors.txt");
    std::shared_ptr<DetRandom> rng = std::make_shared<DetRandom>(9);
    std::shared_ptr<std::deque<Blob>> secrets = std::make_shared<std::deque<Blob>>();
    std::shared_ptr<FixedPool> pool = std::make_shared<FixedPool>();

    IkeSaConfig config(IkeRole role) {
        IkeSaConfig c;
        c.role = role;
        c.ike_proposals = ike_p("aes128gcm16-prfsha256-x25519");
        c.esp_proposals = esp_p("aes128gcm16-x25519");
        auto cred = std::make_shared<CertCredentials>();
        const bool gw = role == IkeRole::Responder;
        // strongSwan's private keys are not in the repository: we sign with a key of
        // our own (the peer's answers in the capture do not depend on our AUTH).
        cred->cert = pki::parse_cert(ike_key_test::read_text(gw ? "gwCert.pem" : "rwCert.pem"), "cert");
        cred->key = gw ? rsa_key() : pki::generate_key(pki::KeySpec::ec());
        std::vector<pki::X509Ptr> cas;
        cas.push_back(pki::parse_cert(ike_key_test::read_text("caCert.pem"), "ca"));
        cred->trust = std::make_shared<const pki::TrustStore>(std::move(cas));
        cred->verify_time = kSessionTime;
        c.cert = cred;
        c.local_id = id(gw ? "gw.ike.test" : "rw.ike.test");
        auto net = ts_subnet(ip4(172, 31, 251, 80), 28);
        if (gw) {
            c.virtual_ip = VirtualIp::Gateway;
            c.allocator = pool;
            c.dns = {ip4(172, 31, 251, 81)};
            c.local_ts = {net};
        } else {
            c.virtual_ip = VirtualIp::Client;
            c.remote_ts = {net};
            c.remote_id = id("gw.ike.test");
        }
        c.random = rng;
        c.key_exchange = scripted_kex(secrets);
        return c;
    }
};

// AES-GCM-16-128 child KEYMAT = Ei (20) | Er (20).
void check_gcm_child(const ChildSaUp& c, Bytes ei, Bytes er, bool initiator) {
    const auto& i_to_r = initiator ? c.out : c.in;
    const auto& r_to_i = initiator ? c.in : c.out;
    CHECK(key_hex(i_to_r.encr_key) == hex(ei));
    CHECK(key_hex(r_to_i.encr_key) == hex(er));
    CHECK(i_to_r.integ_key.empty());
}

}  // namespace

TEST_CASE("strongSwan certificate session replayed into a gateway: VIP, child rekey with PFS, IKE rekey, deletes") {
    CertReplay r;
    r.rng->nonces = {r.v["Nr"], r.rk["child_rekey_Nr"], r.rk["ike_rekey_Nr"]};
    r.rng->spis = {r.v["SPIr"], r.rk["ike_rekey_SPIr"]};
    *r.secrets = {r.v["g^ir"], r.rk["child_rekey_g^ir"], r.rk["ike_rekey_g^ir"]};
    IkeSa sa(r.config(IkeRole::Responder), bench(false, 500), 0);
    sa.on_datagram(ss(0).bytes, bench(false, 500), 10);
    auto init = sa.take_datagrams();
    REQUIRE(init.size() == 1);
    auto m = parse_message(init[0].bytes);
    REQUIRE(m.ok());
    CHECK(m.value.chain.find(PayloadType::CERTREQ) != nullptr);

    // IKE_AUTH: rw's ECDSA certificate chains to the CA, its method-14 AUTH verifies.
    sa.on_datagram(ss(2).bytes, bench(false, 4500), 20);
    CHECK(sa.stats().total_drops() == 0);
    REQUIRE(sa.state() == IkeSaState::Established);
    auto ev = sa.take_events();
    auto up = events_of<IkeUp>(ev);
    REQUIRE(up.size() == 1);
    CHECK(up[0].peer.str() == "rw.ike.test");
    REQUIRE(up[0].virtual_ip);
    CHECK(up[0].virtual_ip->str() == "172.31.251.129");
    CHECK(r.pool->leases == 1);
    auto child = events_of<ChildSaUp>(ev);
    REQUIRE(child.size() == 1);
    Blob km = r.v["child_KEYMAT"];
    check_gcm_child(child[0], Bytes(km).first(20), Bytes(km).subspan(20, 20), false);
    CHECK(child[0].remote_ts == std::vector{ts_host(ip4(172, 31, 251, 129))});
    CHECK(child[0].local_ts == std::vector{ts_subnet(ip4(172, 31, 251, 80), 28)});
    auto auth = sa.take_datagrams();
    REQUIRE(auth.size() >= 1);  // fragmented: strongSwan sent FRAGMENTATION_SUPPORTED
    const std::uint32_t first_in = child[0].inbound_spi;

    // CREATE_CHILD_SA rekey of that child with Curve25519 PFS.
    sa.on_datagram(ss(5).bytes, bench(false, 4500), 30);
    CHECK(sa.stats().total_drops() == 0);
    auto rekey = events_of<ChildSaUp>(sa.take_events());
    REQUIRE(rekey.size() == 1);
    check_gcm_child(rekey[0], r.rk["child_rekey_Ei"], r.rk["child_rekey_Er"], false);
    REQUIRE(rekey[0].replaces_inbound_spi);
    CHECK(*rekey[0].replaces_inbound_spi == first_in);
    CHECK(sa.take_datagrams().size() == 1);

    // rw deletes the old child.
    sa.on_datagram(ss(7).bytes, bench(false, 4500), 40);
    auto del = events_of<ChildSaDown>(sa.take_events());
    REQUIRE(del.size() == 1);
    CHECK(del[0].inbound_spi == first_in);
    CHECK(sa.take_datagrams().size() == 1);

    // IKE SA rekey: the new SA's SPIs are those of the capture.
    sa.on_datagram(ss(9).bytes, bench(false, 4500), 50);
    auto rk = events_of<IkeRekeyed>(sa.take_events());
    REQUIRE(rk.size() == 1);
    CHECK(hex(rk[0].new_spi_i) == hex(r.rk["ike_rekey_SPIi"]));
    CHECK(hex(rk[0].new_spi_r) == hex(r.rk["ike_rekey_SPIr"]));
    CHECK(sa.local_spis().size() == 2);
    sa.take_datagrams();
    // rw deletes the old IKE SA on the old SA ...
    sa.on_datagram(ss(11).bytes, bench(false, 4500), 60);
    CHECK(sa.take_datagrams().size() == 1);
    CHECK(sa.local_spis().size() == 1);
    CHECK(sa.state() == IkeSaState::Established);
    // ... and finally the new one, whose message decrypts only with the rekeyed keys.
    sa.on_datagram(ss(13).bytes, bench(false, 4500), 70);
    CHECK(sa.stats().total_drops() == 0);
    CHECK(sa.closed());
    auto down = sa.take_events();
    CHECK(events_of<IkeDown>(down).at(0).reason == "IKE SA deleted by the peer");
    CHECK(events_of<ChildSaDown>(down).size() == 1);
    CHECK(r.pool->leases == 0);
}

TEST_CASE("strongSwan certificate session replayed into a road warrior: fragments, VIP + DNS, rekeys, close") {
    CertReplay r;
    r.rng->nonces = {r.v["Ni"], r.rk["child_rekey_Ni"], r.rk["ike_rekey_Ni"]};
    r.rng->spis = {r.v["SPIi"], r.rk["ike_rekey_SPIi"]};
    *r.secrets = {r.v["g^ir"], r.rk["child_rekey_g^ir"], r.rk["ike_rekey_g^ir"]};
    IkeSa sa(r.config(IkeRole::Initiator), bench(true, 500), 0);
    sa.start(0);
    sa.take_datagrams();
    sa.on_datagram(ss(1).bytes, bench(true, 500), 10);
    REQUIRE(sa.state() == IkeSaState::AuthSent);
    sa.take_datagrams();
    // The gateway's IKE_AUTH response in two SKF fragments (RFC 7383).
    sa.on_datagram(ss(3).bytes, bench(true, 4500), 20);
    CHECK(sa.state() == IkeSaState::AuthSent);
    sa.on_datagram(ss(4).bytes, bench(true, 4500), 21);
    CHECK(sa.stats().total_drops() == 0);
    REQUIRE(sa.state() == IkeSaState::Established);
    auto ev = sa.take_events();
    auto up = events_of<IkeUp>(ev);
    REQUIRE(up.size() == 1);
    CHECK(up[0].peer.str() == "gw.ike.test");
    REQUIRE(up[0].virtual_ip);
    CHECK(up[0].virtual_ip->str() == "172.31.251.129");
    REQUIRE(up[0].dns.size() == 1);
    CHECK(up[0].dns[0].str() == "172.31.251.81");
    auto child = events_of<ChildSaUp>(ev);
    REQUIRE(child.size() == 1);
    Blob km = r.v["child_KEYMAT"];
    check_gcm_child(child[0], Bytes(km).first(20), Bytes(km).subspan(20, 20), true);
    CHECK(child[0].local_ts == std::vector{ts_host(ip4(172, 31, 251, 129))});

    // Our child rekey (message ID 2) answered by the gateway's capture.
    sa.rekey_child(child[0].inbound_spi, 30);
    REQUIRE(sa.take_datagrams().size() == 1);
    sa.on_datagram(ss(6).bytes, bench(true, 4500), 31);
    CHECK(sa.stats().total_drops() == 0);
    auto rekey = events_of<ChildSaUp>(sa.take_events());
    REQUIRE(rekey.size() == 1);
    check_gcm_child(rekey[0], r.rk["child_rekey_Ei"], r.rk["child_rekey_Er"], true);
    // Then our Delete of the old child (message ID 3).
    REQUIRE(sa.take_datagrams().size() == 1);
    sa.on_datagram(ss(8).bytes, bench(true, 4500), 32);
    auto gone = events_of<ChildSaDown>(sa.take_events());
    REQUIRE(gone.size() == 1);
    CHECK(gone[0].inbound_spi == child[0].inbound_spi);

    // IKE rekey (message ID 4), then our Delete on the old SA (5).
    sa.rekey_ike(40);
    REQUIRE(sa.take_datagrams().size() == 1);
    sa.on_datagram(ss(10).bytes, bench(true, 4500), 41);
    CHECK(sa.stats().total_drops() == 0);
    auto rk = events_of<IkeRekeyed>(sa.take_events());
    REQUIRE(rk.size() == 1);
    CHECK(hex(rk[0].new_spi_r) == hex(r.rk["ike_rekey_SPIr"]));
    REQUIRE(sa.take_datagrams().size() == 1);
    sa.on_datagram(ss(12).bytes, bench(true, 4500), 42);
    CHECK(sa.stats().total_drops() == 0);
    CHECK(sa.local_spis().size() == 1);
    // close(): Delete on the new SA (message ID 0), answered by the capture.
    sa.close(50);
    auto bye = sa.take_datagrams();
    REQUIRE(bye.size() == 1);
    CHECK(hex(Bytes(bye[0].bytes).first(8)) == hex(r.rk["ike_rekey_SPIi"]));
    sa.on_datagram(ss(14).bytes, bench(true, 4500), 51);
    CHECK(sa.stats().total_drops() == 0);
    CHECK(sa.closed());
    CHECK(events_of<IkeDown>(sa.take_events()).at(0).reason == "IKE SA deleted");
}
