#include "ipsec/ike/auth_octets.hpp"

namespace vpn::ike {

std::vector<std::uint8_t> auth_signed_octets(const Prf& prf, Bytes real_message, Bytes peer_nonce, Bytes sk_p,
                                             Bytes id_body) {
    auto mac = prf(sk_p, id_body);
    std::vector<std::uint8_t> out;
    out.reserve(real_message.size() + peer_nonce.size() + mac.size());
    out.insert(out.end(), real_message.begin(), real_message.end());
    out.insert(out.end(), peer_nonce.begin(), peer_nonce.end());
    out.insert(out.end(), mac.span().begin(), mac.span().end());
    return out;
}

std::vector<std::uint8_t> auth_signed_octets(const Prf& prf, const IkeSaKeys& keys, AuthRole who,
                                             const SaInitTranscript& init, Bytes id_body) {
    if (who == AuthRole::Initiator) return auth_signed_octets(prf, init.request, init.nr, keys.sk_pi.span(), id_body);
    return auth_signed_octets(prf, init.response, init.ni, keys.sk_pr.span(), id_body);
}

}  // namespace vpn::ike
