#pragma once
// The answer of a certificate check: accepted, or refused with a one-line reason the
// TLS/IKE code logs as is ("certificate revoked", "certificate has expired").
#include <string>
#include <utility>

namespace vpn::pki {

struct Verdict {
    bool ok = true;
    std::string reason;  // set when !ok
    int error = 0;       // X509_V_ERR_* for a chain failure, 0 otherwise
    int depth = 0;       // chain depth of the failing certificate (0 = peer)

    explicit operator bool() const { return ok; }
    static Verdict pass() { return {}; }
    static Verdict fail(std::string why, int error = 0, int depth = 0) {
        return {false, std::move(why), error, depth};
    }
};

}  // namespace vpn::pki
