#include "ipsec/manual/static_key_sas.hpp"

#include <openssl/evp.h>

#include <stdexcept>
#include <string_view>
#include <vector>

namespace vpn::ipsec::manual {
namespace {

constexpr std::string_view kSpiLabel = "vpn ipsec static-key spi";
constexpr std::string_view kKeymatLabel = "vpn ipsec static-key keymat";
constexpr std::size_t kSha256 = 32;

// HMAC-SHA256 with the whole key: crypto::Hmac uses only digest-length keys (OpenVPN's
// convention), and this derivation is specified over all 256 bytes.
void hmac_sha256(Bytes key, Bytes data, std::uint8_t* out) {
    std::size_t len = 0;
    if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), data.data(), data.size(), out,
                   kSha256, &len) ||
        len != kSha256) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
}

void append(std::vector<std::uint8_t>& v, std::string_view s) { v.insert(v.end(), s.begin(), s.end()); }
void append32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    std::uint8_t b[4];
    store_be32(b, x);
    v.insert(v.end(), b, b + 4);
}
void append16(std::vector<std::uint8_t>& v, std::uint16_t x) {
    std::uint8_t b[2];
    store_be16(b, x);
    v.insert(v.end(), b, b + 2);
}

// RFC 7296 §2.13 prf+ into `out`.
void prf_plus(Bytes key, Bytes seed, MutBytes out) {
    std::vector<std::uint8_t> msg;
    std::uint8_t t[kSha256];
    std::size_t done = 0;
    for (unsigned n = 1; done < out.size(); ++n) {
        if (n > 255) throw std::invalid_argument("prf+: too much key material requested");
        msg.clear();
        if (n > 1) msg.insert(msg.end(), t, t + kSha256);
        msg.insert(msg.end(), seed.begin(), seed.end());
        msg.push_back(static_cast<std::uint8_t>(n));
        hmac_sha256(key, msg, t);
        std::size_t take = std::min(kSha256, out.size() - done);
        std::copy(t, t + take, out.begin() + static_cast<std::ptrdiff_t>(done));
        done += take;
    }
    crypto::cleanse(MutBytes(t, sizeof t));
    crypto::cleanse(msg);
}

void check_key(Bytes k) {
    if (k.size() != kStaticKeyBytes) throw std::invalid_argument("static key: expected 256 bytes");
}

}  // namespace

std::uint32_t derive_spi(Bytes static_key, std::uint32_t sender, std::uint32_t receiver) {
    check_key(static_key);
    std::vector<std::uint8_t> msg;
    append(msg, kSpiLabel);
    append32(msg, sender);
    append32(msg, receiver);
    std::uint8_t t[kSha256];
    hmac_sha256(static_key, msg, t);
    const std::uint32_t v = load_be32(t);
    return 256u + static_cast<std::uint32_t>(v % (0x100000000ULL - 256u));
}

std::pair<crypto::SecureBuffer, crypto::SecureBuffer> derive_keys(Bytes static_key, std::uint32_t spi,
                                                                  const EspAlgorithm& alg) {
    check_key(static_key);
    std::vector<std::uint8_t> seed;
    append(seed, kKeymatLabel);
    append32(seed, spi);
    append16(seed, alg.encr_id);
    append16(seed, alg.encr_key_bits);
    append16(seed, alg.integ_id);
    const std::size_t ek = encr_key_bytes(alg.encr_id, alg.encr_key_bits);
    const std::size_t ik = integ_key_bytes(alg.integ_id);
    crypto::SecureBuffer keymat(ek + ik);
    prf_plus(static_key, seed, keymat.span());
    return {crypto::SecureBuffer(keymat.span().first(ek)), crypto::SecureBuffer(keymat.span().subspan(ek))};
}

std::array<ManualSa, 2> derive_static_sas(const StaticSaInput& in) {
    check_key(in.static_key);
    if (in.local_addr == in.peer_addr) throw std::invalid_argument("static SAs: the two addresses are equal");
    std::uint32_t out_spi = in.spi_out.value_or(0), in_spi = in.spi_in.value_or(0);
    if (!in.spi_out || !in.spi_in) {
        std::uint32_t d_out = derive_spi(in.static_key, in.local_addr, in.peer_addr);
        std::uint32_t d_in = derive_spi(in.static_key, in.peer_addr, in.local_addr);
        if (d_out == d_in) (in.local_addr > in.peer_addr ? d_out : d_in) ^= 1u;
        if (!in.spi_out) out_spi = d_out;
        if (!in.spi_in) in_spi = d_in;
    }
    if (out_spi == in_spi) throw std::invalid_argument("static SAs: both directions have the same SPI");
    std::array<ManualSa, 2> sas;
    const std::pair<std::uint32_t, SaDirection> which[] = {{out_spi, SaDirection::Outbound},
                                                           {in_spi, SaDirection::Inbound}};
    for (std::size_t i = 0; i < 2; ++i) {
        ManualSa& sa = sas[i];
        sa.spi = which[i].first;
        sa.direction = which[i].second;
        sa.algorithm = in.algorithm;
        auto [ek, ik] = derive_keys(in.static_key, sa.spi, in.algorithm);
        sa.encr_key = std::move(ek);
        sa.integ_key = std::move(ik);
        sa.replay_window = in.replay_window;
    }
    return sas;
}

}  // namespace vpn::ipsec::manual
