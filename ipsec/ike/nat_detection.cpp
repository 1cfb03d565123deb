#include "ipsec/ike/nat_detection.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>

namespace vpn::ike {

std::optional<NatDetectionHash> nat_detection_hash(Bytes spi_i, Bytes spi_r, Bytes ip, std::uint16_t port) {
    if (spi_i.size() != 8 || spi_r.size() != 8 || (ip.size() != 4 && ip.size() != 16)) return std::nullopt;
    std::uint8_t in[8 + 8 + 16 + 2];
    std::size_t n = 0;
    for (Bytes part : {spi_i, spi_r, ip}) {
        std::copy(part.begin(), part.end(), in + n);
        n += part.size();
    }
    store_be16(in + n, port);
    n += 2;
    NatDetectionHash h{};
    unsigned int len = 0;
    if (EVP_Digest(in, n, h.data(), &len, EVP_sha1(), nullptr) != 1 || len != h.size()) {
        ERR_clear_error();
        return std::nullopt;
    }
    return h;
}

bool nat_detection_matches(Bytes notify_data, const NatDetectionHash& expected) {
    // Public values: no need for a constant-time comparison.
    return notify_data.size() == expected.size() && std::equal(notify_data.begin(), notify_data.end(), expected.begin());
}

}  // namespace vpn::ike
