// ESP seal/open on stdin/stdout, for checking our ESP against other
// implementations (tests/integration/esp_scapy.sh drives it with scapy).
//
//   esp_tool seal|open --spi HEX --encr NAME --encr-key HEX [--integ NAME --integ-key HEX]
//                      [--esn] [--seq N] [--window N]
//
// NAME: setkey(8) algorithm names (aes-cbc, 3des-cbc, aes-gcm-16, null; hmac-sha1,
// hmac-sha256, hmac-sha384, hmac-sha512, null).  The GCM key ends in its 4-byte
// salt.  --seq: seal: the last sequence number already used; open: the highest one
// already received (numbers may be decimal or 0x hex).  --window: open's replay
// window (default 1024, 0 = off).
// Each input line is one packet in hex (seal: an inner IP packet; open: an ESP
// packet from the SPI to the ICV).  Each output line is the result in hex, or
// "drop REASON" (open) / "error STATUS" (seal).  Exit status 2 on bad arguments.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "ipsec/esp/inbound_sa.hpp"
#include "ipsec/esp/outbound_sa.hpp"

using namespace vpn::esp;

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "esp_tool: %s\nusage: esp_tool seal|open --spi HEX --encr NAME --encr-key HEX "
                         "[--integ NAME --integ-key HEX] [--esn] [--seq N] [--window N]\n", why.c_str());
    std::exit(2);
}

bool unhex(const std::string& h, std::vector<std::uint8_t>& out) {
    out.clear();
    if (h.size() % 2) return false;
    for (std::size_t i = 0; i < h.size(); i += 2) {
        char* end = nullptr;
        const std::string byte = h.substr(i, 2);
        const long v = std::strtol(byte.c_str(), &end, 16);
        if (*end) return false;
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return true;
}

std::string hex(vpn::Bytes b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (auto c : b) {
        s += d[c >> 4];
        s += d[c & 15];
    }
    return s;
}

const char* status_name(OutboundSa::Status s) {
    switch (s) {
        case OutboundSa::Status::Ok: return "ok";
        case OutboundSa::Status::NeedsRekey: return "needs-rekey";
        case OutboundSa::Status::BufferTooSmall: return "buffer-too-small";
        case OutboundSa::Status::BadInner: return "bad-inner";
        case OutboundSa::Status::CryptoFailure: return "crypto-failure";
    }
    return "?";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage("missing mode");
    const std::string mode = argv[1];
    if (mode != "seal" && mode != "open") usage("mode must be seal or open");
    std::string encr = "null", integ = "null", spi_s;
    std::vector<std::uint8_t> ekey, ikey;
    bool esn = false;
    std::uint64_t seq = 0;
    std::uint32_t window = 1024;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage("missing value for " + a);
            return argv[++i];
        };
        if (a == "--spi") spi_s = value();
        else if (a == "--encr") encr = value();
        else if (a == "--integ") integ = value();
        else if (a == "--encr-key") { if (!unhex(value(), ekey)) usage("bad --encr-key"); }
        else if (a == "--integ-key") { if (!unhex(value(), ikey)) usage("bad --integ-key"); }
        else if (a == "--esn") esn = true;
        else if (a == "--seq") seq = std::strtoull(value().c_str(), nullptr, 0);
        else if (a == "--window") window = static_cast<std::uint32_t>(std::strtoul(value().c_str(), nullptr, 0));
        else usage("unknown option " + a);
    }
    if (spi_s.empty()) usage("--spi is required");
    const auto e = encr_from_setkey(encr);
    const auto in = integ_from_setkey(integ);
    if (!e) usage("unknown encryption " + encr);
    if (!in) usage("unknown integrity " + integ);
    const auto bits = encr_bits_from_key_len(*e, ekey.size());
    if (!bits) usage("encryption key length does not fit " + encr);

    SaParams p;
    p.spi = static_cast<std::uint32_t>(std::strtoul(spi_s.c_str(), nullptr, 16));
    p.esn = esn;
    p.replay_window = window;
    p.initial_seq = seq;
    std::unique_ptr<OutboundSa> out;
    std::unique_ptr<InboundSa> inb;
    try {
        p.keys = make_sa_keys(Suite{*e, *bits, *in}, ekey, ikey);
        if (mode == "seal") out = std::make_unique<OutboundSa>(p);
        else inb = std::make_unique<InboundSa>(p);
    } catch (const std::exception& ex) {
        usage(ex.what());
    }

    std::vector<std::uint8_t> pkt, buf(70000);
    std::string line;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        if (!unhex(line, pkt)) {
            std::cout << "error bad-hex\n";
            continue;
        }
        if (out) {
            auto r = out->seal(pkt, buf);
            if (r.status == OutboundSa::Status::Ok) std::cout << hex(vpn::Bytes(buf.data(), r.len)) << '\n';
            else std::cout << "error " << status_name(r.status) << '\n';
        } else {
            auto r = inb->open(pkt);
            if (r.ok) std::cout << hex(r.inner) << '\n';
            else std::cout << "drop " << drop_name(r.reason) << '\n';
        }
    }
    std::cout.flush();
    return 0;
}
