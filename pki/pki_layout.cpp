#include "pki/pki_layout.hpp"

#include "pki/pki_error.hpp"

namespace vpn::pki {

void check_entity_name(const std::string& name) {
    if (name.empty()) throw PkiError("empty certificate name");
    // A 64-character cap is RFC 5280's ub-common-name; the character set keeps the
    // name safe as a file name and as an index.txt "/CN=" field.
    if (name.size() > 64) throw PkiError(name + ": name longer than 64 characters");
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '@' || c == '-';
        if (!ok) throw PkiError(name + ": use only letters, digits and . _ @ - in a certificate name");
    }
    if (name[0] == '.' || name[0] == '-') throw PkiError(name + ": a certificate name cannot start with '.' or '-'");
    if (name == "ca" || name == "tls-crypt") throw PkiError(name + ": name reserved for the PKI's own files");
}

}  // namespace vpn::pki
