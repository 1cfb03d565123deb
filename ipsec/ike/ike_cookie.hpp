#pragma once
// Stateless IKE_SA_INIT cookies (RFC 7296 §2.6): a responder under load answers
// N(COOKIE) without keeping anything and only creates state for a request that
// brings the cookie back.
//   cookie = version (1) | HMAC-SHA256(secret[version], Ni | IPi | SPIi)
// The secret is rotated; the previous one stays valid for one more period so
// initiators that just got a cookie are not refused.
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/ike_endpoint.hpp"
#include "ipsec/ike/ike_header.hpp"
#include "ipsec/ike/ike_random.hpp"

namespace vpn::ike {

class CookieJar {
public:
    CookieJar(std::shared_ptr<RandomSource> rng, std::int64_t rotate_ms, std::int64_t now_ms);

    std::vector<std::uint8_t> make(Bytes ni, const IpAddress& initiator, const IkeSpi& spi_i, std::int64_t now_ms);
    // Constant-time check against the current and the previous secret.
    bool valid(Bytes cookie, Bytes ni, const IpAddress& initiator, const IkeSpi& spi_i, std::int64_t now_ms);

private:
    void rotate(std::int64_t now_ms);
    std::vector<std::uint8_t> compute(std::uint8_t version, Bytes ni, const IpAddress& ip, const IkeSpi& spi) const;

    std::shared_ptr<RandomSource> rng_;
    std::int64_t rotate_ms_;
    std::int64_t rotated_at_;
    std::uint8_t version_ = 0;
    std::array<std::array<std::uint8_t, 32>, 2> secrets_{};  // [version & 1]
};

}  // namespace vpn::ike
