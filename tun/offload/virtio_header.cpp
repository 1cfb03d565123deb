#include "tun/offload/virtio_header.hpp"

#include <bit>
#include <cstring>

// The constants are those of <linux/virtio_net.h>, which is not valid C++ (a member named
// `class`) and so is not included here.

namespace vpn::tun::offload {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);

namespace {

// Legacy virtio is native-endian (tun_vnet.h), so a plain memcpy is the right decoding
// on any host as long as nobody issued TUNSETVNETBE/LE.
std::uint16_t load_native16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void store_native16(std::uint8_t* p, std::uint16_t v) { std::memcpy(p, &v, sizeof v); }

}  // namespace

std::optional<VirtioHeader> parse_virtio_header(Bytes in) {
    if (in.size() < kVnetHdrSize) return std::nullopt;
    const std::uint8_t* p = in.data();
    VirtioHeader h;
    h.flags = p[0];
    h.gso_type = p[1];
    h.hdr_len = load_native16(p + 2);
    h.gso_size = load_native16(p + 4);
    h.csum_start = load_native16(p + 6);
    h.csum_offset = load_native16(p + 8);
    return h;
}

bool write_virtio_header(const VirtioHeader& h, MutBytes out) {
    if (out.size() < kVnetHdrSize) return false;
    std::uint8_t* p = out.data();
    p[0] = h.flags;
    p[1] = h.gso_type;
    store_native16(p + 2, h.hdr_len);
    store_native16(p + 4, h.gso_size);
    store_native16(p + 6, h.csum_start);
    store_native16(p + 8, h.csum_offset);
    return true;
}

}  // namespace vpn::tun::offload
