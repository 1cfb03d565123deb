// TlsSession: a client and a server joined by a simulated wire under a fake clock.
#include "test_tls_session_support.hpp"

using namespace tls_test;

namespace {

WrapConfig tls_auth_wrap(const crypto::Key2& k, bool server) {
    WrapConfig w;
    w.mode = control::WrapMode::TlsAuth;
    w.key = k;
    w.direction = server ? config::KeyDirection::Normal : config::KeyDirection::Inverse;
    w.auth = "SHA256";
    return w;
}

WrapConfig tls_crypt_wrap(const crypto::Key2& k) {
    WrapConfig w;
    w.mode = control::WrapMode::TlsCrypt;
    w.key = k;
    return w;
}

void expect_success(Harness& h) {
    const bool ok = h.run([&] { return h.both_keys(); });
    if (!ok) {
        MESSAGE("client: " << std::string(state_name(h.client.session->state())) << " " << h.client.failure);
        if (h.server.session)
            MESSAGE("server: " << std::string(state_name(h.server.session->state())) << " " << h.server.failure
                               << " dropped " << h.server.session->dropped());
        MESSAGE("t=" << h.now << " replies " << h.stateless_replies);
    }
    REQUIRE(ok);
    CHECK(h.client.failure.empty());
    CHECK(h.server.failure.empty());
    CHECK(h.client.session->state() == TlsSession::State::Active);
    CHECK(h.server.session->state() == TlsSession::State::Active);
    check_data_path(*h.client.channel, *h.server.channel);
    check_data_path(*h.server.channel, *h.client.channel);
}

}  // namespace

TEST_CASE("tls session: plain wire, pull client + server, EKM negotiated, push exchanged") {
    Harness h(client_ctx(), client_cfg(), server_ctx(), server_cfg());
    h.start();
    expect_success(h);
    CHECK(h.client.keys_text == "AES-256-GCM, tls-ekm");
    CHECK(h.server.keys_text == "AES-256-GCM, tls-ekm");
    REQUIRE(h.server.messages.size() == 1);
    CHECK(h.server.messages[0] == "PUSH_REQUEST");
    REQUIRE(h.client.messages.size() == 1);
    CHECK(h.client.messages[0].rfind("PUSH_REPLY,ifconfig 10.8.0.2 255.255.255.0,", 0) == 0);
    CHECK(h.client.messages[0].find("key-derivation tls-ekm") != std::string::npos);
    CHECK(h.server.session->peer_info().find("IV_CIPHERS=") != std::string::npos);
    CHECK(h.client.session->remote_session_id() == h.server.session->local_session_id());
    CHECK(h.client.session->tls_description().rfind("Control Channel: TLSv1.3", 0) == 0);
}

TEST_CASE("tls session: PRF derivation when the client does not offer EKM, CBC cipher") {
    SessionConfig c = client_cfg();
    c.implemented = iv_proto::kDataV2;
    c.ncp.data_ciphers = "AES-256-CBC";
    PeerInfoParams pi;
    pi.data_ciphers = c.ncp.data_ciphers;
    pi.implemented = c.implemented;
    c.peer_info = build_peer_info(pi);
    SessionConfig s = server_cfg();
    s.ncp.data_ciphers = "AES-256-GCM:AES-256-CBC";
    Harness h(client_ctx(), c, server_ctx(), s);
    h.start();
    expect_success(h);
    CHECK(h.client.keys_text == "AES-256-CBC, tls-prf");
    CHECK(h.server.keys_text == "AES-256-CBC, tls-prf");
}

TEST_CASE("tls session: P2P mode picks EKM on both sides") {
    SessionConfig c = client_cfg();
    c.key_mode = KeyMode::P2p;
    PeerInfoParams pi;
    pi.mode = PeerInfoMode::P2p;
    pi.data_ciphers = c.ncp.data_ciphers;
    pi.implemented = c.implemented;
    c.peer_info = build_peer_info(pi);
    SessionConfig s = server_cfg();
    s.key_mode = KeyMode::P2p;
    s.peer_info = c.peer_info;
    Harness h(client_ctx(), c, server_ctx(), s);
    h.auto_push = false;
    h.start();
    expect_success(h);
    CHECK(h.client.keys_text == "AES-256-GCM, tls-ekm");
}

TEST_CASE("tls session: tls-auth, stateless server cookie") {
    auto k = random_key2();
    Harness h(client_ctx(), client_cfg(tls_auth_wrap(k, false)), server_ctx(), server_cfg(tls_auth_wrap(k, true)), {},
              /*stateless=*/true);
    h.start();
    expect_success(h);
    CHECK(h.stateless_replies == 1);
}

TEST_CASE("tls session: tls-crypt, stateful and stateless") {
    auto k = random_key2();
    for (bool stateless : {false, true}) {
        CAPTURE(stateless);
        Harness h(client_ctx(), client_cfg(tls_crypt_wrap(k)), server_ctx(), server_cfg(tls_crypt_wrap(k)), {},
                  stateless);
        h.start();
        expect_success(h);
    }
}

TEST_CASE("tls session: noisy wire (loss, duplication, reordering) with each wrapping") {
    auto k = random_key2();
    for (unsigned seed = 1; seed <= 12; ++seed) {
        for (int mode = 0; mode < 3; ++mode) {
            CAPTURE(seed);
            CAPTURE(mode);
            WrapConfig cw, sw;
            if (mode == 1) cw = tls_auth_wrap(k, false), sw = tls_auth_wrap(k, true);
            if (mode == 2) cw = sw = tls_crypt_wrap(k);
            WireParams wp{0.2, 0.15, 5, 40, seed};
            Harness h(client_ctx(), client_cfg(cw), server_ctx(), server_cfg(sw), wp, /*stateless=*/seed % 2 == 1);
            h.start();
            expect_success(h);
            CHECK(h.client.messages.size() == 1);
        }
    }
}

TEST_CASE("tls session: a wrong tls-auth key is dropped silently, then the hand-window expires") {
    Harness h(client_ctx(), client_cfg(tls_auth_wrap(random_key2(), false)), server_ctx(),
              server_cfg(tls_auth_wrap(random_key2(), true)));
    h.start();
    REQUIRE(h.run([&] { return !h.client.failure.empty(); }, 200'000));
    CHECK(h.client.failure ==
          "TLS Error: TLS key negotiation failed to occur within 60 seconds (check your network connectivity)");
    CHECK(h.now >= 60'000);
    CHECK(h.now < 61'000);
    CHECK(h.server.session->dropped() > 0);
    CHECK(h.server.session->state() == TlsSession::State::Failed);  // its own hand-window
}

TEST_CASE("tls session: text messages both ways after the push") {
    Harness h(client_ctx(), client_cfg(), server_ctx(), server_cfg());
    h.start();
    REQUIRE(h.run([&] { return h.both_keys(); }));
    CHECK(h.server.session->send_control_message("RESTART,server restarting", h.now));
    CHECK(h.client.session->send_control_message("EXIT", h.now));
    CHECK_FALSE(h.client.session->send_control_message(std::string("A\0B", 3), h.now));
    CHECK_FALSE(h.client.session->send_control_message(std::string(2048, 'x'), h.now));
    REQUIRE(h.run([&] { return h.client.messages.size() == 2 && h.server.messages.size() == 2; }));
    CHECK(h.client.messages[1] == "RESTART,server restarting");
    CHECK(h.server.messages[1] == "EXIT");
}

TEST_CASE("tls session: refusals carry one-line reasons") {
    struct Case {
        const char* client_cert;
        const char* expect;  // in the server's failure
    };
    const Case cases[] = {
        {"stranger", "unable to get local issuer certificate"},
        {"expired", "certificate has expired"},
        {"revoked", "certificate revoked"},
        {"server", "unsuitable certificate purpose"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.client_cert);
        Harness h(client_ctx(c.client_cert), client_cfg(), server_ctx(), server_cfg());
        h.start();
        REQUIRE(h.run([&] { return !h.server.failure.empty() && !h.client.failure.empty(); }, 200'000));
        CHECK(h.server.failure.find("VERIFY ERROR: depth=0, error=") == 0);
        CHECK(h.server.failure.find(c.expect) != std::string::npos);
        CHECK(h.server.failure.find('\n') == std::string::npos);
        CHECK_FALSE(h.client.channel);
        CHECK_FALSE(h.server.channel);
        MESSAGE(h.server.failure << " | client: " << h.client.failure);
    }
}

TEST_CASE("tls session: client refuses a server presenting a client certificate (remote-cert-tls server)") {
    Harness h(client_ctx(), client_cfg(), server_ctx(true, "client"), server_cfg());
    h.start();
    REQUIRE(h.run([&] { return !h.client.failure.empty(); }, 200'000));
    CHECK(h.client.failure.find("VERIFY ERROR: depth=0") == 0);
    MESSAGE(h.client.failure);
}

TEST_CASE("tls session: verify-x509-name and peer-fingerprint") {
    auto& p = shared_pki();
    pki::TlsConfig c;
    c.ca = p.ca_path();
    c.cert = p.cert("client");
    c.key = p.key("client");
    c.verify_x509_name = "nobody";
    c.verify_x509_type = pki::X509NameType::Name;
    {
        Harness h(pki::make_tls_context(c), client_cfg(), server_ctx(), server_cfg());
        h.start();
        REQUIRE(h.run([&] { return !h.client.failure.empty(); }, 200'000));
        CHECK(h.client.failure.find("does not match 'nobody'") != std::string::npos);
    }
    c.verify_x509_name = "server";
    {
        Harness h(pki::make_tls_context(c), client_cfg(), server_ctx(), server_cfg());
        h.start();
        expect_success(h);
    }
    // CA-less: only the server's fingerprint is trusted.
    auto server_cert = pki::load_cert(p.cert("server"));
    c.ca.clear();
    c.verify_x509_name.clear();
    c.peer_fingerprints = {pki::sha256_fingerprint(server_cert.get())};
    {
        Harness h(pki::make_tls_context(c), client_cfg(), server_ctx(), server_cfg());
        h.start();
        expect_success(h);
    }
    auto client_cert = pki::load_cert(p.cert("client"));
    c.peer_fingerprints = {pki::sha256_fingerprint(client_cert.get())};
    {
        Harness h(pki::make_tls_context(c), client_cfg(), server_ctx(), server_cfg());
        h.start();
        REQUIRE(h.run([&] { return !h.client.failure.empty(); }, 200'000));
        CHECK(h.client.failure.find("is not a peer-fingerprint") != std::string::npos);
    }
}

TEST_CASE("tls context: configuration errors are one line naming the option") {
    auto& p = shared_pki();
    pki::TlsConfig c;
    c.ca = p.ca_path();
    c.cert = p.cert("client");
    c.key = p.key("server");
    CHECK_THROWS_WITH_AS(pki::OpenSslTlsContext{c}, doctest::Contains("does not match certificate"), pki::PkiError);
    c.key = p.key("client");
    c.tls_cipher = "NO-SUCH-CIPHER";
    CHECK_THROWS_WITH_AS(pki::OpenSslTlsContext{c}, doctest::Contains("tls-cipher:"), TlsConfigError);
    c.tls_cipher.clear();
    c.tls_groups = "nosuchgroup";
    CHECK_THROWS_AS(pki::OpenSslTlsContext{c}, TlsConfigError);
    c.tls_groups.clear();
    c.tls_version_min = "0.9";
    CHECK_THROWS_WITH_AS(pki::OpenSslTlsContext{c}, doctest::Contains("tls-version-min"), TlsConfigError);
    c.tls_version_min = "1.2";
    c.ca.clear();
    CHECK_THROWS_WITH_AS(pki::OpenSslTlsContext{c}, doctest::Contains("ca: missing"), TlsConfigError);
    c.ca = pki_test::slurp(p.ca_path());  // inline PEM works too
    CHECK_NOTHROW(pki::OpenSslTlsContext{c});
}

TEST_CASE("tls session: garbage never crashes and is counted as dropped") {
    auto k = random_key2();
    TlsSession s(server_ctx(), server_cfg(tls_crypt_wrap(k)));
    s.start(0);
    std::mt19937 rng(5);
    for (int i = 0; i < 2000; ++i) {
        std::vector<std::uint8_t> b(rng() % 300);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        if (!b.empty() && i % 2) b[0] = static_cast<std::uint8_t>((7 << 3) | (rng() % 8));
        s.on_packet(b, i);
    }
    CHECK(s.state() == TlsSession::State::Initial);
    CHECK(s.dropped() == 2000);
    StatelessGate g(tls_crypt_wrap(k));
    const std::uint8_t peer[] = {1, 2, 3};
    for (int i = 0; i < 500; ++i) {
        std::vector<std::uint8_t> b(rng() % 300);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        CHECK(g.on_packet(b, peer, 1'700'000'000).kind == StatelessGate::Result::Kind::Drop);
    }
}

TEST_CASE("tls session: renegotiation from either side rotates key_id 1..7 then 1, keys interoperate") {
    auto k = random_key2();
    for (bool noisy : {false, true}) {
        CAPTURE(noisy);
        WireParams wp;
        if (noisy) wp = WireParams{0.15, 0.1, 5, 30, 11};
        SessionConfig c = client_cfg(tls_crypt_wrap(k)), s = server_cfg(tls_crypt_wrap(k));
        c.tran_window_s = s.tran_window_s = 100;
        Harness h(client_ctx(), c, server_ctx(), s, wp);
        h.start();
        expect_success(h);
        const std::vector<std::uint8_t> expect_ids = {1, 2, 3, 4, 5, 6, 7, 1};
        for (std::size_t i = 0; i < expect_ids.size(); ++i) {
            const std::uint8_t id = expect_ids[i];
            CAPTURE(int(id));
            TlsSession& initiator = (i % 2 == 0) ? *h.client.session : *h.server.session;
            REQUIRE(initiator.renegotiate(h.now));
            CHECK_FALSE(initiator.renegotiate(h.now));  // one at a time
            const int want = 1 + static_cast<int>(i) + 1;
            REQUIRE(h.run([&] { return h.client.keys_events == want && h.server.keys_events == want; }));
            CHECK(h.client.session->current_key_id() == id);
            CHECK(h.server.session->current_key_id() == id);
            REQUIRE(h.client.rekeyed.count(id));
            REQUIRE(h.server.rekeyed.count(id));
            check_data_path(*h.client.rekeyed[id], *h.server.rekeyed[id], id);
            check_data_path(*h.server.rekeyed[id], *h.client.rekeyed[id], id);
            CHECK(h.client.keys_text == "AES-256-GCM, tls-ekm");
        }
        // Messages still flow over the newest key; old keys retire after tran-window.
        CHECK(h.client.session->send_control_message("PUSH_REQUEST", h.now));
        REQUIRE(h.run([&] { return h.server.messages.size() == 2 && h.client.messages.size() == 2; }));
        REQUIRE(h.run([&] { return !h.client.retired.empty() && !h.server.retired.empty(); }, 200'000));
        CHECK(h.client.failure.empty());
        CHECK(h.server.failure.empty());
    }
}

TEST_CASE("tls session: next_key_id skips 0") {
    CHECK(next_key_id(0) == 1);
    CHECK(next_key_id(6) == 7);
    CHECK(next_key_id(7) == 1);
}
