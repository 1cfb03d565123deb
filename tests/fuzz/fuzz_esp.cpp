// ESP input of any shape: the UDP 4500 classifier, then the SPI table and inbound
// SAs of every kind of suite (GCM, CBC + HMAC, NULL + HMAC; with and without ESN;
// window 0 and default).  The first input byte picks the ESN start point, so
// the fuzzer also reaches the high-half inference near 2^32.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "ipsec/esp/inbound_sa.hpp"
#include "ipsec/esp/outbound_sa.hpp"
#include "ipsec/esp/sa_table.hpp"
#include "ipsec/esp/udp_encap.hpp"

using namespace vpn;
using namespace vpn::esp;

namespace {

SaParams params(const Suite& s, std::uint32_t spi, bool esn, std::uint32_t window, std::uint64_t start) {
    std::vector<std::uint8_t> e(encr_key_len(s)), a(integ_key_len(s.integ));
    for (std::size_t i = 0; i < e.size(); ++i) e[i] = static_cast<std::uint8_t>(i * 13 + 5);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(i * 7 + 1);
    SaParams p;
    p.spi = spi;
    p.keys = make_sa_keys(s, e, a);
    p.esn = esn;
    p.replay_window = window;
    p.initial_seq = start;
    return p;
}

const Suite kSuites[] = {
    {Encr::AesGcm16, 128, Integ::None},
    {Encr::AesCbc, 256, Integ::HmacSha256_128},
    {Encr::TripleDesCbc, 192, Integ::HmacSha1_96},
    {Encr::Null, 0, Integ::HmacSha1_96},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::vector<std::uint8_t> buf(70000);
    if (size == 0 || size > buf.size()) return 0;
    // Fresh SAs per input keep runs reproducible; SPIs 0x100.. (suite) and 0x200..
    // (the same with ESN and no window) so that fuzzed SPIs can hit them.
    const std::uint64_t start = (data[0] & 1) ? 0xfffffff0ull : 0;
    SpiTable table;
    std::uint32_t spi = 0x100;
    for (const Suite& s : kSuites) {
        table.install(std::make_unique<InboundSa>(params(s, spi, false, 1024, start)));
        table.install(std::make_unique<InboundSa>(params(s, spi + 0x100, true, 0, start)));
        ++spi;
    }
    std::memcpy(buf.data(), data, size);
    const auto c = classify_udp4500(Bytes(buf.data(), size));
    if (c.kind == Udp4500Kind::Esp) (void)table.open(MutBytes(buf.data(), size));
    // The same bytes straight into one SA as raw-IP ESP, past the SPI check: the
    // SPI of the input is replaced so the crypto and trailer paths are reached.
    if (size >= 4) {
        std::memcpy(buf.data(), data, size);
        const std::uint32_t pick = 0x100 + (data[size - 1] & 3) + ((data[size - 1] & 4) ? 0x100 : 0);
        store_be32(buf.data(), pick);
        (void)table.find(pick)->open(MutBytes(buf.data(), size));
    }
    return 0;
}
