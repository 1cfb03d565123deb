#include "ipsec/ike/key_schedule.hpp"

#include <string>

namespace vpn::ike {

namespace {

constexpr std::size_t kIkeSpiLen = 8;

// Consecutive slices of one prf+ output.
class Cutter {
public:
    explicit Cutter(const crypto::SecureBuffer& b) : b_(b) {}
    crypto::SecureBuffer next(std::size_t n) {
        crypto::SecureBuffer out(b_.span().subspan(pos_, n));
        pos_ += n;
        return out;
    }

private:
    const crypto::SecureBuffer& b_;
    std::size_t pos_ = 0;
};

}  // namespace

crypto::SecureBuffer ike_skeyseed(const Prf& prf, Bytes shared_secret, Bytes ni, Bytes nr) {
    // The nonces are the key here: HMAC takes them at full length (RFC 7296 §2.14).
    crypto::SecureBuffer key(ni.size() + nr.size());
    std::copy(ni.begin(), ni.end(), key.data());
    std::copy(nr.begin(), nr.end(), key.data() + ni.size());
    return prf(key.span(), shared_secret);
}

crypto::SecureBuffer rekey_skeyseed(const Prf& old_prf, Bytes old_sk_d, Bytes shared_secret, Bytes ni, Bytes nr) {
    return old_prf(old_sk_d, {shared_secret, ni, nr});
}

Outcome<IkeSaKeys> ike_sa_keys(const Prf& expand, const TransformSet& t, Bytes skeyseed, Bytes ni, Bytes nr,
                               Bytes spi_i, Bytes spi_r) {
    if (spi_i.size() != kIkeSpiLen || spi_r.size() != kIkeSpiLen) return Failure{"IKE SPIs must be 8 bytes"};
    auto sizes = key_sizes(t, true);
    if (!sizes) return Failure{sizes.error()};
    const KeySizes& k = *sizes;
    std::size_t total = 3 * k.prf_key + 2 * k.integ_key + 2 * k.encr_key;
    if (total > expand.max_plus_len()) return Failure{"IKE SA keys exceed prf+ output"};
    auto km = expand.plus(skeyseed, {ni, nr, spi_i, spi_r}, total);
    Cutter c(km);
    IkeSaKeys keys;
    keys.sk_d = c.next(k.prf_key);
    keys.sk_ai = c.next(k.integ_key);
    keys.sk_ar = c.next(k.integ_key);
    keys.sk_ei = c.next(k.encr_key);
    keys.sk_er = c.next(k.encr_key);
    keys.sk_pi = c.next(k.prf_key);
    keys.sk_pr = c.next(k.prf_key);
    return keys;
}

Outcome<IkeSaKeys> derive_ike_sa_keys(const TransformSet& t, Bytes shared_secret, Bytes ni, Bytes nr, Bytes spi_i,
                                      Bytes spi_r) {
    auto prf = Prf::from_id(t.prf);
    if (!prf) return Failure{"unsupported PRF transform " + std::to_string(t.prf)};
    auto seed = ike_skeyseed(*prf, shared_secret, ni, nr);
    return ike_sa_keys(*prf, t, seed.span(), ni, nr, spi_i, spi_r);
}

Outcome<IkeSaKeys> derive_rekeyed_ike_sa_keys(const Prf& old_prf, Bytes old_sk_d, const TransformSet& t,
                                              Bytes shared_secret, Bytes ni, Bytes nr, Bytes spi_i, Bytes spi_r) {
    if (t.prf != old_prf.id())
        return Failure{"IKE SA rekey changes the PRF (" + std::string(old_prf.name()) + " to " +
                       std::to_string(t.prf) + "): not supported"};
    if (shared_secret.empty()) return Failure{"IKE SA rekey needs a new Diffie-Hellman secret"};
    auto seed = rekey_skeyseed(old_prf, old_sk_d, shared_secret, ni, nr);
    return ike_sa_keys(old_prf, t, seed.span(), ni, nr, spi_i, spi_r);
}

Outcome<ChildSaKeys> derive_child_sa_keys(const Prf& prf, Bytes sk_d, const TransformSet& t, Bytes pfs_shared_secret,
                                          Bytes ni, Bytes nr) {
    auto sizes = key_sizes(t, false);
    if (!sizes) return Failure{sizes.error()};
    std::size_t total = 2 * (sizes->encr_key + sizes->integ_key);
    if (total > prf.max_plus_len()) return Failure{"child SA keys exceed prf+ output"};
    auto km = pfs_shared_secret.empty() ? prf.plus(sk_d, {ni, nr}, total)
                                        : prf.plus(sk_d, {pfs_shared_secret, ni, nr}, total);
    Cutter c(km);
    ChildSaKeys keys;
    keys.ei = c.next(sizes->encr_key);
    keys.ai = c.next(sizes->integ_key);
    keys.er = c.next(sizes->encr_key);
    keys.ar = c.next(sizes->integ_key);
    return keys;
}

}  // namespace vpn::ike
