#pragma once
// Helpers shared by the IKE crypto unit tests (test_ike_*.cpp): the vector files of
// tests/vectors/ipsec/ (see the README there), hex, and byte views of test data.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto/secure_buffer.hpp"
#include "common/util/bytes.hpp"
#include "common/util/hex.hpp"

namespace ike_key_test {

inline const std::string kDir = std::string(VPN_SOURCE_DIR) + "/tests/vectors/ipsec/";

using Blob = std::vector<std::uint8_t>;

inline Blob unhex(const std::string& h) {
    Blob v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

inline std::string hex(vpn::Bytes b) { return vpn::to_hex(b); }
inline std::string hex(const vpn::crypto::SecureBuffer& b) { return hex(b.span()); }

inline vpn::Bytes str(const char* s) { return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)}; }

inline std::string read_text(const std::string& file) {
    std::ifstream f(kDir + file);
    REQUIRE_MESSAGE(f.good(), "cannot open " << kDir + file);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// A strongSwan session vector file: `name = hex` per line (names may contain
// spaces, as in "esp_packet_i2r (UDP payload)"); `#` lines are comments.  Values
// that are not hex (PSK = '...') are kept as text in `text`.
struct SessionVectors {
    std::map<std::string, Blob> bin;
    std::map<std::string, std::string> text;

    const Blob& operator[](const std::string& name) const {
        auto it = bin.find(name);
        REQUIRE_MESSAGE(it != bin.end(), "vector has no " << name);
        return it->second;
    }
};

inline SessionVectors session_vectors(const std::string& file) {
    std::istringstream in(read_text(file));
    SessionVectors v;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto eq = line.find(" = ");
        if (eq == std::string::npos) continue;
        std::string name = line.substr(0, eq), value = line.substr(eq + 3);
        bool is_hex = !value.empty() && value.find_first_not_of("0123456789abcdef") == std::string::npos;
        if (is_hex)
            v.bin[name] = unhex(value);
        else
            v.text[name] = value;
    }
    return v;
}

// The payloads of an unencrypted IKE message (IKE_SA_INIT): {type, body}.
struct Payload {
    std::uint8_t type;
    Blob body;
};
inline std::vector<Payload> payloads(const Blob& msg) {
    std::vector<Payload> out;
    std::uint8_t next = msg.at(16);
    std::size_t off = 28;
    while (next != 0 && off + 4 <= msg.size()) {
        std::size_t len = (std::size_t(msg[off + 2]) << 8) | msg[off + 3];
        REQUIRE(len >= 4);
        REQUIRE(off + len <= msg.size());
        out.push_back({next, Blob(msg.begin() + off + 4, msg.begin() + off + len)});
        next = msg[off];
        off += len;
    }
    return out;
}

}  // namespace ike_key_test
