#include "ipsec/esp/sa_keys.hpp"

#include <string>

namespace vpn::esp {

SaKeys make_sa_keys(const Suite& suite, Bytes encr_key, Bytes integ_key) {
    validate(suite);
    const std::size_t ek = encr_key_len(suite), ik = integ_key_len(suite.integ);
    if (encr_key.size() != ek)
        throw EspError(std::string("ESP ") + encr_name(suite.encr) + ": encryption key must be " +
                       std::to_string(ek) + " bytes, got " + std::to_string(encr_key.size()));
    if (integ_key.size() != ik)
        throw EspError(std::string("ESP ") + integ_name(suite.integ) + ": integrity key must be " +
                       std::to_string(ik) + " bytes, got " + std::to_string(integ_key.size()));
    return SaKeys{suite, crypto::SecureBuffer(encr_key), crypto::SecureBuffer(integ_key)};
}

std::size_t keymat_len(const Suite& suite) { return 2 * (encr_key_len(suite) + integ_key_len(suite.integ)); }

ChildSaKeys split_keymat(const Suite& suite, Bytes keymat) {
    validate(suite);
    if (keymat.size() < keymat_len(suite))
        throw EspError("ESP: child KEYMAT too short (" + std::to_string(keymat.size()) + " < " +
                       std::to_string(keymat_len(suite)) + " bytes)");
    const std::size_t ek = encr_key_len(suite), ik = integ_key_len(suite.integ);
    // Encryption key before integrity key, initiator's direction first (RFC 7296 §2.17).
    Bytes ei = keymat.subspan(0, ek), ai = keymat.subspan(ek, ik);
    Bytes er = keymat.subspan(ek + ik, ek), ar = keymat.subspan(2 * ek + ik, ik);
    return ChildSaKeys{make_sa_keys(suite, ei, ai), make_sa_keys(suite, er, ar)};
}

}  // namespace vpn::esp
