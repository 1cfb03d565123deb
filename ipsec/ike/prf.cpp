#include "ipsec/ike/prf.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>
#include <memory>
#include <vector>

#include "common/crypto/algorithms.hpp"
#include "ipsec/ike/ike_constants.hpp"

namespace vpn::ike {

namespace {

EVP_MAC* hmac_algorithm() {
    // Fetched once per process; an EVP_MAC is immutable and shared by all threads.
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

struct MacCtxFree {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

}  // namespace

std::optional<Prf> Prf::from_id(std::uint16_t id) {
    switch (id) {
    case prf::kHmacSha1: return Prf(id, 20, "SHA1", "PRF_HMAC_SHA1");
    case prf::kHmacSha256: return Prf(id, 32, "SHA2-256", "PRF_HMAC_SHA2_256");
    case prf::kHmacSha384: return Prf(id, 48, "SHA2-384", "PRF_HMAC_SHA2_384");
    case prf::kHmacSha512: return Prf(id, 64, "SHA2-512", "PRF_HMAC_SHA2_512");
    default: return std::nullopt;
    }
}

void Prf::mac(Bytes key, std::span<const Bytes> parts, std::uint8_t* out) const {
    EVP_MAC* alg = hmac_algorithm();
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(alg ? EVP_MAC_CTX_new(alg) : nullptr);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_), 0),
        OSSL_PARAM_construct_end(),
    };
    // OpenSSL refuses a NULL key pointer even with length 0 (an empty PSK must still
    // give a defined MAC), hence the dummy byte.
    static const std::uint8_t empty = 0;
    bool ok = ctx && EVP_MAC_init(ctx.get(), key.empty() ? &empty : key.data(), key.size(), params) == 1;
    for (Bytes p : parts) {
        if (!ok) break;
        ok = p.empty() || EVP_MAC_update(ctx.get(), p.data(), p.size()) == 1;
    }
    std::size_t outl = 0;
    if (!ok || EVP_MAC_final(ctx.get(), out, &outl, size_) != 1 || outl != size_) {
        ERR_clear_error();
        throw crypto::CryptoError(std::string(name_) + ": HMAC failed");
    }
}

crypto::SecureBuffer Prf::operator()(Bytes key, std::initializer_list<Bytes> data) const {
    crypto::SecureBuffer out(size_);
    mac(key, std::span<const Bytes>(data.begin(), data.size()), out.data());
    return out;
}

crypto::SecureBuffer Prf::plus(Bytes key, std::initializer_list<Bytes> seed, std::size_t n) const {
    if (n > max_plus_len()) throw crypto::CryptoError(std::string(name_) + ": prf+ output longer than 255 blocks");
    crypto::SecureBuffer out(n);
    crypto::SecureBuffer block(size_);
    std::vector<Bytes> parts;
    parts.reserve(seed.size() + 2);
    std::uint8_t counter = 1;
    for (std::size_t done = 0; done < n; ++counter) {
        parts.clear();
        // T(k-1) is empty for the first block.
        if (done > 0) parts.push_back(block.span());
        parts.insert(parts.end(), seed.begin(), seed.end());
        parts.push_back(Bytes(&counter, 1));
        mac(key, parts, block.data());
        std::size_t take = std::min(size_, n - done);
        std::memcpy(out.data() + done, block.data(), take);
        done += take;
    }
    return out;
}

}  // namespace vpn::ike
