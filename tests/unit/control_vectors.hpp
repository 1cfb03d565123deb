#pragma once
// Helpers shared by the control-channel unit tests (test_control_*.cpp): the vector
// files of tests/vectors/openvpn/control/ (see the README there).
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pki/static_key.hpp"

namespace control_test {

inline const std::string kDir = std::string(VPN_SOURCE_DIR) + "/tests/vectors/openvpn/control/";

inline std::vector<std::uint8_t> unhex(const std::string& h) {
    std::vector<std::uint8_t> v;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return v;
}

inline std::string read_text(const std::string& file) {
    std::ifstream f(kDir + file);
    REQUIRE_MESSAGE(f.good(), "cannot open " << kDir + file);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

inline vpn::pki::StaticKey key(const std::string& file) {
    return vpn::pki::parse_static_key(read_text(file), file);
}

// One line of a capture vector file.
struct Captured {
    bool from_client = false;
    std::string kind;  // "ctrl", "opaque", "data"
    std::uint32_t replay_id = 0, replay_time = 0;
    std::vector<std::uint8_t> wire, plain;
};

inline std::vector<Captured> capture(const std::string& file) {
    std::istringstream in(read_text(file));
    std::vector<Captured> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        Captured c;
        std::string dir, wire, plain;
        s >> dir >> c.kind;
        c.from_client = dir == "C";
        if (c.kind == "ctrl") {
            s >> c.replay_id >> c.replay_time >> wire >> plain;
            c.plain = unhex(plain);
        } else {
            s >> wire;
        }
        c.wire = unhex(wire);
        out.push_back(std::move(c));
    }
    REQUIRE(!out.empty());
    return out;
}

// test_pkt.txt: "<name> <hex>".
inline std::vector<std::uint8_t> test_pkt(const std::string& name) {
    std::istringstream in(read_text("test_pkt.txt"));
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream s(line);
        std::string n, h;
        s >> n >> h;
        if (n == name) return unhex(h);
    }
    FAIL("no vector " << name);
    return {};
}

}  // namespace control_test
