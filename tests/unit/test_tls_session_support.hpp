#pragma once
// Shared by test_tls_session*.cpp: a test PKI, session configs, and a simulated
// wire (latency, loss, duplication, reordering; fixed seed) under a fake clock that
// joins a client TlsSession to a server (stateful, or behind a StatelessGate).
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/crypto/random.hpp"
#include "common/openvpn/peer_info.hpp"
#include "common/openvpn/push_reply.hpp"
#include "common/openvpn/session/stateless_gate.hpp"
#include "common/openvpn/session/tls_session.hpp"
#include "pki/tls_context.hpp"
#include "test_pki_support.hpp"

namespace tls_test {

using namespace vpn;
using namespace vpn::ovpn;
using namespace vpn::ovpn::session;

// One CA with server, client, expired-client, revoked-client certificates and a CRL,
// plus a second CA with its own client.
struct TestPki {
    pki_test::TempDir dir;
    pki::CertificateAuthority ca;
    pki::CertificateAuthority other;
    TestPki() : ca(pki_test::make_ca(dir / "pki")), other(pki_test::make_ca(dir / "other", "Other CA")) {
        pki_test::issue(ca, pki::CertType::Server, "server");
        pki_test::issue(ca, pki::CertType::Client, "client");
        pki_test::issue(ca, pki::CertType::Client, "revoked");
        pki::IssueOptions o;
        o.type = pki::CertType::Client;
        o.name = "expired";
        const std::time_t now = std::time(nullptr);
        o.validity = pki::Validity{now - 30 * 86400, now - 86400};
        ca.issue(o);
        ca.revoke("revoked");
        ca.gen_crl();
        pki_test::issue(other, pki::CertType::Client, "stranger");
    }
    std::string ca_path() const { return ca.layout().ca_cert(); }
    std::string crl_path() const { return ca.layout().crl(); }
    // Revoked certs are moved away by revoke(); keep the CRL-listed one reachable.
    std::string cert(const std::string& name) const { return find("cert", name); }
    std::string key(const std::string& name) const { return find("key", name); }

private:
    std::string find(const std::string& what, const std::string& name) const {
        auto& c = name == "stranger" ? other : ca;
        std::string p = what == "cert" ? c.layout().cert(name) : c.layout().key(name);
        if (pki_test::exists(p)) return p;
        // revoked/: easy-rsa moves a revoked cert/key to *_by_serial/<SERIAL>.crt|key.
        std::string sub = what == "cert" ? "revoked/certs_by_serial" : "revoked/private_by_serial";
        for (auto& e : std::filesystem::directory_iterator(c.layout().path(sub))) return e.path().string();
        FAIL("no " << what << " for " << name);
        return {};
    }
};

inline TestPki& shared_pki() {
    static TestPki p;
    return p;
}

inline std::shared_ptr<const TlsContext> client_ctx(const std::string& name = "client", bool check_server = true) {
    auto& p = shared_pki();
    pki::TlsConfig c;
    c.server = false;
    c.ca = p.ca_path();
    c.cert = p.cert(name);
    c.key = p.key(name);
    if (check_server) c.remote_cert_tls = pki::RemoteCertTls::Server;
    return pki::make_tls_context(c);
}

inline std::shared_ptr<const TlsContext> server_ctx(bool with_crl = true, const std::string& name = "server") {
    auto& p = shared_pki();
    pki::TlsConfig c;
    c.server = true;
    c.ca = p.ca_path();
    c.cert = p.cert(name);
    c.key = p.key(name);
    if (with_crl) c.crl = p.crl_path();
    return pki::make_tls_context(c);
}

inline crypto::Key2 random_key2() {
    std::vector<std::uint8_t> b(256);
    crypto::random_bytes(b);
    return crypto::Key2::from_bytes(b);
}

inline SessionConfig client_cfg(const WrapConfig& w = {}) {
    SessionConfig c;
    c.key_mode = KeyMode::PullClient;
    c.wrap = w;
    c.options = "V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],"
                "keysize 256,key-method 2,tls-client";
    PeerInfoParams pi;
    pi.data_ciphers = c.ncp.data_ciphers;
    pi.implemented = c.implemented;
    c.peer_info = build_peer_info(pi);
    return c;
}

inline SessionConfig server_cfg(const WrapConfig& w = {}) {
    SessionConfig c;
    c.key_mode = KeyMode::Server;
    c.wrap = w;
    c.options = "V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],"
                "keysize 256,key-method 2,tls-server";
    return c;
}

struct WireParams {
    double loss = 0, dup = 0;
    std::int64_t latency_ms = 5, jitter_ms = 0;  // jitter > 0 reorders
    unsigned seed = 1;
};

// What one side saw.
struct Side {
    std::unique_ptr<TlsSession> session;
    std::unique_ptr<TlsDataChannel> channel;                          // key_id 0
    std::map<std::uint8_t, std::unique_ptr<TlsDataChannel>> rekeyed;  // key_id 1..7, the latest of each
    std::vector<std::uint8_t> retired;
    int keys_events = 0;
    std::string keys_text, failure;
    std::vector<std::string> messages;
    bool established = false;
};

class Harness {
public:
    Harness(std::shared_ptr<const TlsContext> cctx, SessionConfig ccfg, std::shared_ptr<const TlsContext> sctx,
            SessionConfig scfg, WireParams wp = {}, bool stateless = false)
        : wp_(wp), rng_(wp.seed), sctx_(std::move(sctx)), scfg_(std::move(scfg)) {
        ccfg.wall_clock_offset_ms = wall_ms_;
        scfg_.wall_clock_offset_ms = wall_ms_;
        client.session = std::make_unique<TlsSession>(std::move(cctx), std::move(ccfg));
        if (stateless)
            gate_.emplace(scfg_.wrap, scfg_.hand_window_s);
        else
            server.session = std::make_unique<TlsSession>(sctx_, scfg_);
    }

    // Pull-client behaviour: PUSH_REQUEST once established; the server answers with
    // its push options.  Off for P2P runs.
    bool auto_push = true;
    Side client, server;

    void start() {
        client.session->start(now);
        if (server.session) server.session->start(now);
        pump();
    }

    // Run until `done` holds, both sides failed/idle, or `limit_ms` of fake time passed.
    template <class Pred>
    bool run(Pred done, std::int64_t limit_ms = 120'000) {
        const std::int64_t end = now + limit_ms;
        while (!done()) {
            std::optional<std::int64_t> t;
            auto consider = [&](std::optional<std::int64_t> x) {
                if (x && (!t || *x < *t)) t = x;
            };
            for (auto& f : flights_) consider(f.at);
            consider(client.session->next_timeout());
            if (server.session) consider(server.session->next_timeout());
            if (!t || *t > end) return done();
            now = std::max(now, *t);
            deliver();
            client.session->on_timer(now);
            if (server.session) server.session->on_timer(now);
            pump();
        }
        return true;
    }

    bool both_keys() const { return client.channel && server.channel; }
    std::int64_t now = 0;

private:
    struct Flight {
        std::int64_t at;
        bool to_server;
        std::vector<std::uint8_t> bytes;
    };

    void send(bool to_server, std::vector<std::uint8_t> bytes) {
        std::uniform_real_distribution<double> u(0, 1);
        if (u(rng_) < wp_.loss) return;
        int copies = u(rng_) < wp_.dup ? 2 : 1;
        for (int i = 0; i < copies; ++i) {
            std::int64_t j = wp_.jitter_ms ? std::uniform_int_distribution<std::int64_t>(0, wp_.jitter_ms)(rng_) : 0;
            flights_.push_back({now + wp_.latency_ms + j, to_server, bytes});
        }
    }

    void deliver() {
        // Stable: packets due at the same time keep their order (jitter reorders).
        std::vector<Flight> due, rest;
        for (auto& f : flights_) (f.at <= now ? due : rest).push_back(std::move(f));
        flights_ = std::move(rest);
        std::stable_sort(due.begin(), due.end(), [](const Flight& a, const Flight& b) { return a.at < b.at; });
        for (auto& f : due) {
            if (!f.to_server) {
                client.session->on_packet(f.bytes, now);
            } else if (server.session) {
                server.session->on_packet(f.bytes, now);
            } else {
                const std::uint8_t peer[] = {2, 0, 0x04, 0xd2, 127, 0, 0, 1};
                const std::int64_t now_s = (wall_ms_ + now) / 1000;
                auto r = gate_->on_packet(f.bytes, peer, now_s);
                if (r.kind == StatelessGate::Result::Kind::Reply) {
                    ++stateless_replies;
                    send(false, std::move(r.reply));
                } else if (r.kind == StatelessGate::Result::Kind::Accept) {
                    server.session = TlsSession::from_cookie(sctx_, scfg_, r.server_sid, r.client_sid, now);
                    server.session->on_packet(f.bytes, now);
                }
            }
            pump();
        }
    }

    void drain(Side& side, bool is_client) {
        if (!side.session) return;
        while (auto e = side.session->next_event()) {
            switch (e->kind) {
                case SessionEvent::Kind::Send:
                    send(is_client, std::move(e->bytes));
                    break;
                case SessionEvent::Kind::Established:
                    side.established = true;
                    if (is_client && auto_push) side.session->send_control_message("PUSH_REQUEST", now);
                    break;
                case SessionEvent::Kind::KeysReady:
                    ++side.keys_events;
                    if (e->key_id == 0)
                        side.channel = std::move(e->channel);
                    else
                        side.rekeyed[e->key_id] = std::move(e->channel);
                    side.keys_text = e->text;
                    break;
                case SessionEvent::Kind::KeyRetired:
                    side.retired.push_back(e->key_id);
                    break;
                case SessionEvent::Kind::ControlMessage:
                    side.messages.push_back(e->text);
                    if (!is_client && auto_push && e->text == "PUSH_REQUEST") {
                        auto opts = side.session->push_options();
                        opts.insert(opts.begin(), "ifconfig 10.8.0.2 255.255.255.0");
                        for (auto& m : build_push_reply(opts)) side.session->send_control_message(m, now);
                    }
                    break;
                case SessionEvent::Kind::Failed:
                    side.failure = e->text;
                    break;
            }
        }
    }

    void pump() {
        for (int i = 0; i < 4; ++i) {
            drain(client, true);
            drain(server, false);
        }
    }

    std::int64_t wall_ms_ = std::int64_t{std::time(nullptr)} * 1000;
    WireParams wp_;
    std::mt19937 rng_;
    std::vector<Flight> flights_;
    std::optional<StatelessGate> gate_;
    std::shared_ptr<const TlsContext> sctx_;
    SessionConfig scfg_;

public:
    int stateless_replies = 0;
};

// Seal on `a`, open on `b`: the payload must come back unchanged.
inline void check_data_path(TlsDataChannel& a, TlsDataChannel& b, std::uint8_t key_id = 0) {
    std::vector<std::uint8_t> payload(200);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
    std::vector<std::uint8_t> wire(payload.size() + 128), out(wire.size());
    DataHeader h;
    h.key_id = key_id;
    h.peer_id = 0;
    std::size_t n = a.seal(payload, wire, h);
    REQUIRE(n > 0);
    auto o = b.open(Bytes(wire.data(), n), out, std::time(nullptr));
    REQUIRE(o.ok);
    CHECK(std::vector<std::uint8_t>(o.payload.begin(), o.payload.end()) == payload);
}

}  // namespace tls_test
