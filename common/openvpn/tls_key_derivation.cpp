#include "common/openvpn/tls_key_derivation.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

#include "common/crypto/random.hpp"
#include "common/crypto/tls1_prf.hpp"

namespace vpn::ovpn {
namespace {

constexpr std::size_t kMasterLen = 48;
// ssl.c: KEY_EXPANSION_ID " master secret" / " key expansion" -- no NUL, no trailing space.
constexpr std::string_view kMasterLabel = "OpenVPN master secret";
constexpr std::string_view kExpansionLabel = "OpenVPN key expansion";

// label | client seed | server seed [| client sid | server sid]: the longest seed is
// 21 + 32 + 32 + 8 + 8 = 101 bytes.
class Seed {
public:
    void add(Bytes b) {
        if (b.size() > buf_.size() - len_) throw std::logic_error("PRF seed overflow");
        std::memcpy(buf_.data() + len_, b.data(), b.size());
        len_ += b.size();
    }
    void add(std::string_view s) { add(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); }
    Bytes bytes() const { return Bytes(buf_.data(), len_); }
    ~Seed() { crypto::cleanse(buf_); }

private:
    std::array<std::uint8_t, 128> buf_{};
    std::size_t len_ = 0;
};

}  // namespace

KeySource KeySource::generate(bool client) {
    crypto::SecureBuffer b((client ? kPreMasterLen : 0) + 2 * kRandomLen);
    crypto::random_priv_bytes(b.span());
    return KeySource(std::move(b));
}

KeySource KeySource::from_parts(Bytes pre_master, Bytes random1, Bytes random2) {
    if ((!pre_master.empty() && pre_master.size() != kPreMasterLen) || random1.size() != kRandomLen ||
        random2.size() != kRandomLen)
        throw std::invalid_argument("key source: pre_master must be 48 or 0 bytes, randoms 32 bytes");
    crypto::SecureBuffer b(pre_master.size() + 2 * kRandomLen);
    std::uint8_t* p = b.data();
    if (!pre_master.empty()) std::memcpy(p, pre_master.data(), kPreMasterLen);
    p += pre_master.size();
    std::memcpy(p, random1.data(), kRandomLen);
    std::memcpy(p + kRandomLen, random2.data(), kRandomLen);
    return KeySource(std::move(b));
}

Bytes KeySource::pre_master() const { return is_client() ? buf_.span().first(kPreMasterLen) : Bytes{}; }

Bytes KeySource::random1() const {
    if (is_empty()) return {};
    return buf_.span().subspan(is_client() ? kPreMasterLen : 0, kRandomLen);
}

Bytes KeySource::random2() const {
    if (is_empty()) return {};
    return buf_.span().subspan((is_client() ? kPreMasterLen : 0) + kRandomLen, kRandomLen);
}

crypto::Key2 derive_key2_prf(const KeySource& client, const KeySource& server, Bytes client_session_id,
                             Bytes server_session_id) {
    if (!client.is_client() || server.is_empty() || server.is_client())
        throw std::invalid_argument("derive_key2_prf: needs a client and a server key source");
    if (client_session_id.size() != kSessionIdLen || server_session_id.size() != kSessionIdLen)
        throw std::invalid_argument("derive_key2_prf: session ids must be 8 bytes");

    crypto::SecureBuffer master(kMasterLen);
    {
        Seed seed;
        seed.add(kMasterLabel);
        seed.add(client.random1());
        seed.add(server.random1());
        crypto::tls1_prf(client.pre_master(), seed.bytes(), master.span());
    }
    crypto::SecureBuffer key2(kKey2Len);
    {
        // ssl.c: generate_key_expansion_openvpn_prf passes both session ids, client's
        // first; the RFC draft leaves them out, the code (and openvpn3) does not.
        Seed seed;
        seed.add(kExpansionLabel);
        seed.add(client.random2());
        seed.add(server.random2());
        seed.add(client_session_id);
        seed.add(server_session_id);
        crypto::tls1_prf(master.span(), seed.bytes(), key2.span());
    }
    return crypto::Key2::from_bytes(key2.span());
}

crypto::Key2 key2_from_ekm(Bytes exported) {
    if (exported.size() != kKey2Len) throw std::invalid_argument("tls-ekm: exported key material must be 256 bytes");
    return crypto::Key2::from_bytes(exported);
}

}  // namespace vpn::ovpn
