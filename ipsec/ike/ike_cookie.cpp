#include "ipsec/ike/ike_cookie.hpp"

#include <openssl/crypto.h>

#include "ipsec/ike/prf.hpp"

namespace vpn::ike {

CookieJar::CookieJar(std::shared_ptr<RandomSource> rng, std::int64_t rotate_ms, std::int64_t now)
    : rng_(std::move(rng)), rotate_ms_(rotate_ms), rotated_at_(now) {
    rng_->bytes(secrets_[0]);
    rng_->bytes(secrets_[1]);
}

void CookieJar::rotate(std::int64_t now) {
    while (now - rotated_at_ >= rotate_ms_) {
        ++version_;
        rng_->bytes(secrets_[version_ & 1]);
        rotated_at_ += rotate_ms_;
        if (now - rotated_at_ >= 2 * rotate_ms_) rotated_at_ = now;  // long idle: no loop of rotations
    }
}

std::vector<std::uint8_t> CookieJar::compute(std::uint8_t version, Bytes ni, const IpAddress& ip,
                                             const IkeSpi& spi) const {
    static const Prf prf = *Prf::from_id(prf::kHmacSha256);
    auto mac = prf(secrets_[version & 1], {ni, ip.span(), Bytes(spi)});
    std::vector<std::uint8_t> c{version};
    c.insert(c.end(), mac.span().begin(), mac.span().end());
    return c;
}

std::vector<std::uint8_t> CookieJar::make(Bytes ni, const IpAddress& ip, const IkeSpi& spi, std::int64_t now) {
    rotate(now);
    return compute(version_, ni, ip, spi);
}

bool CookieJar::valid(Bytes cookie, Bytes ni, const IpAddress& ip, const IkeSpi& spi, std::int64_t now) {
    rotate(now);
    if (cookie.size() != 33) return false;
    const std::uint8_t v = cookie[0];
    if (v != version_ && v != std::uint8_t(version_ - 1)) return false;
    auto want = compute(v, ni, ip, spi);
    return CRYPTO_memcmp(want.data(), cookie.data(), want.size()) == 0;
}

}  // namespace vpn::ike
