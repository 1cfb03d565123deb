#include "common/openvpn/mss_clamp.hpp"

namespace vpn::ovpn {
namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kOptEol = 0, kOptNop = 1, kOptMss = 2;

// RFC 1624 incremental update: HC' = ~(~HC + ~m + m').
void adjust_checksum(std::uint8_t* field, std::uint16_t old_value, std::uint16_t new_value) {
    std::uint32_t sum = static_cast<std::uint16_t>(~load_be16(field));
    sum += static_cast<std::uint16_t>(~old_value);
    sum += new_value;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    store_be16(field, static_cast<std::uint16_t>(~sum));
}

// `tcp` points at a TCP header with `avail` bytes behind it.
bool clamp_tcp(std::uint8_t* tcp, std::size_t avail, std::uint16_t max_mss) {
    if (avail < 20) return false;
    if (!(tcp[13] & 0x02)) return false;  // SYN only
    std::size_t hlen = static_cast<std::size_t>(tcp[12] >> 4) * 4;
    if (hlen <= 20 || hlen > avail) return false;
    bool changed = false;
    std::size_t i = 20;
    while (i + 1 < hlen) {
        std::uint8_t kind = tcp[i];
        if (kind == kOptEol) break;
        if (kind == kOptNop) {
            ++i;
            continue;
        }
        std::size_t len = tcp[i + 1];
        if (len < 2 || i + len > hlen) break;
        if (kind == kOptMss && len == 4) {
            std::uint16_t mss = load_be16(tcp + i + 2);
            if (mss > max_mss) {
                store_be16(tcp + i + 2, max_mss);
                adjust_checksum(tcp + 16, mss, max_mss);
                changed = true;
            }
        }
        i += len;
    }
    return changed;
}

}  // namespace

std::uint16_t mssfix_value(const MssfixParams& p) {
    if (p.mssfix <= 0) return 0;
    if (p.fixed) return static_cast<std::uint16_t>(p.mssfix - 40);
    long target = p.mssfix - static_cast<long>(p.crypto_overhead + p.transport_overhead);
    if (p.encap) target -= static_cast<long>(p.encap_overhead);
    if (p.block_size) target = target / static_cast<long>(p.block_size) * static_cast<long>(p.block_size) - 1;
    long mss = target - static_cast<long>(p.payload_overhead) - 40;
    return mss < 64 ? 64 : static_cast<std::uint16_t>(mss);
}

bool clamp_mss(MutBytes p, std::uint16_t mss4) {
    if (mss4 == 0 || p.size() < 20) return false;
    unsigned version = p[0] >> 4;
    if (version == 4) {
        std::size_t ihl = static_cast<std::size_t>(p[0] & 0x0f) * 4;
        // Whole, unfragmented TCP packets only (mss.c: mss_fixup_ipv4).
        if (p[9] != kTcp || ihl < 20 || load_be16(&p[2]) != p.size() || (load_be16(&p[6]) & 0x1fff) != 0 ||
            ihl > p.size())
            return false;
        return clamp_tcp(p.data() + ihl, p.size() - ihl, mss4);
    }
    if (version == 6) {
        // Only a TCP header right after the fixed header, as OpenVPN does.
        if (p.size() < 40 || static_cast<std::size_t>(load_be16(&p[4])) + 40 != p.size() || p[6] != kTcp)
            return false;
        return clamp_tcp(p.data() + 40, p.size() - 40, static_cast<std::uint16_t>(mss4 - 20));
    }
    return false;
}

bool clamp_mss_ethernet(MutBytes frame, std::uint16_t mss4) {
    if (frame.size() < 14) return false;
    std::uint16_t type = load_be16(&frame[12]);
    if (type != 0x0800 && type != 0x86DD) return false;
    return clamp_mss(frame.subspan(14), mss4);
}

}  // namespace vpn::ovpn
