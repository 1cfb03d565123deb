#pragma once
// Helpers shared by the IKE codec tests (test_ike_*.cpp): the strongSwan 5.9.8
// captures of tests/vectors/ipsec/strongswan_ike.txt (see extract.py there), and
// a rebuild of any payload chain through the typed parsers and encoders.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ipsec/ike/cp_payload.hpp"
#include "ipsec/ike/notify_payload.hpp"
#include "ipsec/ike/payload_builder.hpp"
#include "ipsec/ike/payload_chain.hpp"
#include "ipsec/ike/sa_payload.hpp"
#include "ipsec/ike/simple_payloads.hpp"
#include "ipsec/ike/sk_cipher.hpp"
#include "ipsec/ike/ts_payload.hpp"

namespace ike_msg_test {

using Buf = std::vector<std::uint8_t>;

inline Buf unhex(const std::string& h) {
    Buf v;
    if (h == "-") return v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

inline std::vector<int> int_list(const std::string& s) {
    std::vector<int> v;
    if (s == "-") return v;
    std::istringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) v.push_back(std::stoi(item));
    return v;
}

struct SaKeys {
    std::string capture;
    Buf spi_i, spi_r;
    vpn::ike::SkAlgorithms alg;
    Buf sk_ei, sk_er, sk_ai, sk_ar;
};

struct Message {
    std::string capture;
    int index = 0;
    std::vector<int> outer;
    std::string inner;  // comma list, "-" or "fN/T"
    Buf bytes;
};

struct Assembled {
    std::string capture;
    std::vector<int> indices;
    std::vector<int> inner;
};

struct Vectors {
    std::vector<SaKeys> sas;
    std::vector<Message> messages;
    std::vector<Assembled> assembled;

    const SaKeys& keys_for(const Buf& msg) const {
        for (const auto& s : sas)
            if (std::equal(s.spi_i.begin(), s.spi_i.end(), msg.begin()) &&
                std::equal(s.spi_r.begin(), s.spi_r.end(), msg.begin() + 8))
                return s;
        FAIL("no keys for message");
        return sas.front();
    }
    const Message& message(const std::string& capture, int index) const {
        for (const auto& m : messages)
            if (m.capture == capture && m.index == index) return m;
        FAIL("no message " << capture << " " << index);
        return messages.front();
    }
};

inline const Vectors& vectors() {
    static const Vectors v = [] {
        Vectors out;
        std::ifstream f(std::string(VPN_SOURCE_DIR) + "/tests/vectors/ipsec/strongswan_ike.txt");
        REQUIRE(f.good());
        std::string line;
        while (std::getline(f, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream s(line);
            std::string kind;
            s >> kind;
            if (kind == "sa") {
                SaKeys k;
                std::string spi_i, spi_r, ei, er, ai, ar;
                int encr = 0, bits = 0, integ = 0;
                s >> k.capture >> spi_i >> spi_r >> encr >> bits >> integ >> ei >> er >> ai >> ar;
                k.spi_i = unhex(spi_i);
                k.spi_r = unhex(spi_r);
                k.alg = {static_cast<std::uint16_t>(encr), static_cast<std::uint16_t>(bits),
                         static_cast<std::uint16_t>(integ)};
                k.sk_ei = unhex(ei);
                k.sk_er = unhex(er);
                k.sk_ai = unhex(ai);
                k.sk_ar = unhex(ar);
                out.sas.push_back(std::move(k));
            } else if (kind == "msg") {
                Message m;
                std::string outer, hex;
                s >> m.capture >> m.index >> outer >> m.inner >> hex;
                m.outer = int_list(outer);
                m.bytes = unhex(hex);
                out.messages.push_back(std::move(m));
            } else if (kind == "assembled") {
                Assembled a;
                std::string idx, inner;
                s >> a.capture >> idx >> inner;
                a.indices = int_list(idx);
                a.inner = int_list(inner);
                out.assembled.push_back(std::move(a));
            }
        }
        REQUIRE(out.messages.size() >= 40);
        return out;
    }();
    return v;
}

// The SK cipher for the direction `msg` travels in (the I flag picks SK_ei/SK_ai).
inline vpn::ike::SkCipher cipher_for(const Buf& msg) {
    const SaKeys& k = vectors().keys_for(msg);
    const bool from_i = (msg[19] & 0x08) != 0;
    auto c = vpn::ike::SkCipher::create(k.alg, from_i ? k.sk_ei : k.sk_er, from_i ? k.sk_ai : k.sk_ar);
    REQUIRE(c.ok());
    return std::move(c.value);
}

inline std::vector<int> types_of(const vpn::ike::PayloadChain& c) {
    std::vector<int> v;
    for (const auto& p : c.payloads) v.push_back(static_cast<int>(p.type));
    return v;
}

// Parse each payload with its typed parser and write it again with its encoder.
inline void add_typed(vpn::ike::ChainBuilder& b, const vpn::ike::PayloadView& p) {
    using namespace vpn::ike;
    auto put = [&](auto r) {
        REQUIRE_MESSAGE(r.ok(), "payload " << int(p.type) << ": " << codec_error_name(*r.error));
        CHECK(b.add_payload(p.type, r.value));
    };
    switch (p.type) {
        case PayloadType::SA: put(parse_sa(p.body)); break;
        case PayloadType::KE: put(parse_ke(p.body)); break;
        case PayloadType::IDi:
        case PayloadType::IDr: put(parse_id(p.body)); break;
        case PayloadType::CERT:
        case PayloadType::CERTREQ: put(parse_cert(p.body)); break;
        case PayloadType::AUTH: put(parse_auth(p.body)); break;
        case PayloadType::Nonce: put(parse_nonce(p.body)); break;
        case PayloadType::Notify: put(parse_notify(p.body)); break;
        case PayloadType::Delete: put(parse_delete(p.body)); break;
        case PayloadType::VendorId: put(parse_vendor_id(p.body)); break;
        case PayloadType::TSi:
        case PayloadType::TSr: put(parse_ts(p.body)); break;
        case PayloadType::CP: put(parse_cp(p.body)); break;
        case PayloadType::EAP: put(parse_eap(p.body)); break;
        default: FAIL("no typed parser for " << int(p.type));
    }
}

inline Buf rebuild(const vpn::ike::PayloadChain& c) {
    Buf out(70000);
    vpn::ike::ChainBuilder b(out);
    for (const auto& p : c.payloads) add_typed(b, p);
    REQUIRE(b.ok());
    out.resize(b.size());
    return out;
}

}  // namespace ike_msg_test
