#include "ipsec/ike/ike_random.hpp"

#include <algorithm>

#include "common/crypto/random.hpp"
#include "ipsec/ike/dh_group.hpp"

namespace vpn::ike {

IkeSpi RandomSource::ike_spi() {
    IkeSpi s{};
    do bytes(s);
    while (std::all_of(s.begin(), s.end(), [](std::uint8_t b) { return b == 0; }));
    return s;
}

void RandomSource::nonce(MutBytes out) { bytes(out); }

std::uint32_t RandomSource::esp_spi() {
    std::uint8_t b[4];
    std::uint32_t v = 0;
    do {
        bytes(b);
        v = load_be32(b);
    } while (v < 256);
    return v;
}

std::uint64_t RandomSource::below(std::uint64_t n) {
    if (n == 0) return 0;
    std::uint8_t b[8];
    bytes(b);
    std::uint64_t v = 0;
    for (auto x : b) v = (v << 8) | x;
    return v % n;  // the bias is irrelevant for timer jitter
}

namespace {

class SystemRandom final : public RandomSource {
public:
    void bytes(MutBytes out) override { crypto::random_bytes(out); }
    void nonce(MutBytes out) override { crypto::random_priv_bytes(out); }
};

class DhExchange final : public KeyExchange {
public:
    explicit DhExchange(DhKeyPair kp) : kp_(std::move(kp)) {}
    std::uint16_t group() const override { return kp_.group(); }
    Bytes public_value() const override { return kp_.public_value(); }
    Outcome<crypto::SecureBuffer> shared_secret(Bytes peer) const override { return kp_.shared_secret(peer); }

private:
    DhKeyPair kp_;
};

}  // namespace

std::shared_ptr<RandomSource> system_random() {
    static auto r = std::make_shared<SystemRandom>();
    return r;
}

KeyExchangeFactory system_key_exchange() {
    return [](std::uint16_t group) -> Outcome<std::unique_ptr<KeyExchange>> {
        auto kp = DhKeyPair::generate(group);
        if (!kp) return Failure{kp.error()};
        return std::unique_ptr<KeyExchange>(std::make_unique<DhExchange>(kp.take()));
    };
}

}  // namespace vpn::ike
