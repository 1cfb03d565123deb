#include "common/crypto/random.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>

#include "common/crypto/algorithms.hpp"

namespace vpn::crypto {
namespace {

template <class F>
void fill(MutBytes out, F rand_fn, const char* what) {
    while (!out.empty()) {
        std::size_t n = out.size() < INT_MAX ? out.size() : INT_MAX;
        if (rand_fn(out.data(), static_cast<int>(n)) != 1) {
            ERR_clear_error();
            throw CryptoError(std::string("random number generator failed (") + what + ")");
        }
        out = out.subspan(n);
    }
}

}  // namespace

void random_bytes(MutBytes out) { fill(out, RAND_bytes, "RAND_bytes"); }
void random_priv_bytes(MutBytes out) { fill(out, RAND_priv_bytes, "RAND_priv_bytes"); }

RandomPool::~RandomPool() { OPENSSL_cleanse(buf_.data(), buf_.size()); }

void RandomPool::take(std::uint8_t* out, std::size_t n) {
    if (n > 64) throw CryptoError("RandomPool: request too large");
    if (buf_.size() - pos_ < n) {
        random_bytes(buf_);
        pos_ = 0;
    }
    std::memcpy(out, buf_.data() + pos_, n);
    pos_ += n;
}

}  // namespace vpn::crypto
