#pragma once
// Shared by the IkeSa tests (test_ike_sa*.cpp): deterministic randomness, scripted
// key exchanges (to replay strongSwan captures), configs, and two IkeSas joined
// back to back by an in-memory wire under a fake clock that can drop datagrams.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "ike_key_vectors.hpp"
#include "ipsec/config/proposal.hpp"
#include "ipsec/ike/dh_group.hpp"
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/ts_narrow.hpp"

namespace ike_sa_test {

using namespace vpn;
using namespace vpn::ike;
using ike_key_test::Blob;
using ike_key_test::hex;
using ike_key_test::unhex;

// xorshift64*: the same bytes for the same seed; scripted nonces/SPIs first.
class DetRandom : public RandomSource {
public:
    explicit DetRandom(std::uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
    void bytes(MutBytes out) override {
        for (auto& b : out) {
            s_ ^= s_ >> 12;
            s_ ^= s_ << 25;
            s_ ^= s_ >> 27;
            b = static_cast<std::uint8_t>((s_ * 0x2545F4914F6CDD1Dull) >> 56);
        }
    }
    void nonce(MutBytes out) override {
        if (nonces.empty()) return bytes(out);
        REQUIRE(nonces.front().size() == out.size());
        std::copy(nonces.front().begin(), nonces.front().end(), out.begin());
        nonces.pop_front();
    }
    IkeSpi ike_spi() override {
        if (spis.empty()) return RandomSource::ike_spi();
        IkeSpi s{};
        std::copy_n(spis.front().begin(), 8, s.begin());
        spis.pop_front();
        return s;
    }
    std::deque<Blob> nonces;
    std::deque<Blob> spis;

private:
    std::uint64_t s_;
};

// A KE whose g^ir is known in advance (a captured session's).
class ScriptedKe : public KeyExchange {
public:
    ScriptedKe(std::uint16_t g, Blob secret) : g_(g), pub_(*dh_public_size(g), 0x42), secret_(std::move(secret)) {}
    std::uint16_t group() const override { return g_; }
    Bytes public_value() const override { return pub_; }
    Outcome<crypto::SecureBuffer> shared_secret(Bytes) const override { return crypto::SecureBuffer(Bytes(secret_)); }

private:
    std::uint16_t g_;
    Blob pub_, secret_;
};

// Pops the scripted secrets in order; real DH once they run out.
inline KeyExchangeFactory scripted_kex(std::shared_ptr<std::deque<Blob>> secrets) {
    return [secrets](std::uint16_t group) -> Outcome<std::unique_ptr<KeyExchange>> {
        if (secrets->empty()) return system_key_exchange()(group);
        Blob s = secrets->front();
        secrets->pop_front();
        return std::unique_ptr<KeyExchange>(std::make_unique<ScriptedKe>(group, s));
    };
}

inline std::vector<ipsec::Proposal> ike_p(std::string_view s) {
    return ipsec::parse_proposals(s, ipsec::ProposalKind::Ike, {"test", 1, "ike-proposals"}, "ike-proposals");
}
inline std::vector<ipsec::Proposal> esp_p(std::string_view s) {
    return ipsec::parse_proposals(s, ipsec::ProposalKind::Esp, {"test", 1, "esp-proposals"}, "esp-proposals");
}

inline Identity id(const char* text) {
    auto i = parse_identity(text);
    REQUIRE(i);
    return i.take();
}

inline IpAddress ip4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return IpAddress::v4(a, b, c, d); }
inline Endpoint ep(IpAddress a, std::uint16_t port) { return {a, port}; }

inline std::shared_ptr<const PskFile> psk(const char* text) {
    auto p = PskFile::parse(text, "test-psk");
    REQUIRE(p);
    return std::make_shared<const PskFile>(p.take());
}

// PSK config for "a.test" (initiator side 10.1.0.0/24) or "b.test" (10.2.0.0/24).
inline IkeSaConfig psk_config(IkeRole role, std::uint64_t seed, const char* ike = "aes256gcm16-prfsha256-x25519",
                              const char* esp = "aes256gcm16") {
    IkeSaConfig c;
    c.role = role;
    c.ike_proposals = ike_p(ike);
    c.esp_proposals = esp_p(esp);
    c.psk = psk("a.test secret-one-two-three\nb.test secret-one-two-three\n");
    const bool a = role == IkeRole::Initiator;
    c.local_id = id(a ? "a.test" : "b.test");
    c.remote_id = id(a ? "b.test" : "a.test");
    auto net_a = ts_subnet(ip4(10, 1, 0, 0), 24), net_b = ts_subnet(ip4(10, 2, 0, 0), 24);
    c.local_ts = {a ? net_a : net_b};
    c.remote_ts = {a ? net_b : net_a};
    c.random = std::make_shared<DetRandom>(seed);
    return c;
}

template <class E>
std::vector<E> events_of(const std::vector<IkeEvent>& v) {
    std::vector<E> out;
    for (const auto& e : v)
        if (auto* p = std::get_if<E>(&e)) out.push_back(*p);
    return out;
}

inline std::string key_hex(const crypto::SecureBuffer& b) { return hex(b.span()); }

// Two IkeSas on a simulated wire: A (initiator) at 10.0.0.1, B (responder) at
// 10.0.0.2.  `drop` decides per datagram (counted from 0 in sending order).
struct Wire {
    std::unique_ptr<IkeSa> a, b;
    std::int64_t now = 1000;
    std::vector<IkeEvent> ev_a, ev_b;
    std::vector<OutDatagram> sent_a, sent_b;  // everything each side sent, in order
    std::function<bool(const OutDatagram&, bool from_a, std::size_t index)> drop;
    std::size_t count = 0;
    bool reorder = false;  // deliver each side's burst in reverse

    Wire(IkeSaConfig ca, IkeSaConfig cb) {
        Endpoints ea{ep(ip4(10, 0, 0, 1), 500), ep(ip4(10, 0, 0, 2), 500)};
        a = std::make_unique<IkeSa>(std::move(ca), ea, now);
        b = std::make_unique<IkeSa>(std::move(cb), Endpoints{ea.remote, ea.local}, now);
    }

    void deliver(std::vector<OutDatagram> ds, IkeSa& to, bool from_a) {
        if (reorder) std::reverse(ds.begin(), ds.end());
        for (auto& d : ds) {
            (from_a ? sent_a : sent_b).push_back(d);
            std::size_t index = count++;
            if (drop && drop(d, from_a, index)) continue;
            to.on_datagram(d.bytes, Endpoints{d.to, d.from}, now);
        }
    }
    // Move datagrams until both sides are quiet.
    void pump() {
        for (int i = 0; i < 100; ++i) {
            auto da = a->take_datagrams();
            auto db = b->take_datagrams();
            collect();
            if (da.empty() && db.empty()) return;
            deliver(std::move(da), *b, true);
            deliver(std::move(db), *a, false);
        }
        FAIL("wire does not settle");
    }
    void collect() {
        for (auto& e : a->take_events()) ev_a.push_back(std::move(e));
        for (auto& e : b->take_events()) ev_b.push_back(std::move(e));
    }
    void start() {
        a->start(now);
        pump();
    }
    // Run timers up to `until`, moving datagrams after every wake-up.
    void run_until(std::int64_t until) {
        for (int guard = 0; guard < 100000; ++guard) {
            std::int64_t next = until;
            if (auto w = a->next_wake(now)) next = std::min(next, *w);
            if (auto w = b->next_wake(now)) next = std::min(next, *w);
            now = std::max(now, next);
            a->on_timer(now);
            b->on_timer(now);
            pump();
            if (now >= until) return;
        }
        FAIL("timers do not settle");
    }
    void run_for(std::int64_t ms) { run_until(now + ms); }
};

// Check that the two ends of a child SA mirror each other.
inline void check_mirrored(const ChildSaUp& x, const ChildSaUp& y) {
    CHECK(x.inbound_spi == y.outbound_spi);
    CHECK(x.outbound_spi == y.inbound_spi);
    CHECK(key_hex(x.out.encr_key) == key_hex(y.in.encr_key));
    CHECK(key_hex(x.out.integ_key) == key_hex(y.in.integ_key));
    CHECK(key_hex(x.in.encr_key) == key_hex(y.out.encr_key));
    CHECK(key_hex(x.in.integ_key) == key_hex(y.out.integ_key));
    CHECK(key_hex(x.in.encr_key) != key_hex(x.out.encr_key));
    CHECK(x.local_ts == y.remote_ts);
    CHECK(x.remote_ts == y.local_ts);
    CHECK_FALSE(x.esn);
}

}  // namespace ike_sa_test
