#pragma once
// Pre-shared keys for IKE (`ike-psk FILE` or an inline <ike-psk> block), parsed
// from text; reading the file and warning about its permissions is the config
// loader's job.  Two forms:
//
//   one line with one word           the secret for every peer
//
//   ID SECRET lines (racoon psk.txt)  ID = IPv4/IPv6 address, FQDN, user@FQDN
//                                     (ike_identity.hpp rules), or * for any peer
//                                     without an entry of its own; SECRET = the
//                                     rest of the line
//
// A SECRET starting with 0x is hex (RFC 7296 §2.15 asks for a hex form), anything
// else is the bytes as written, spaces inside included, never NUL-terminated.
// Lines whose first non-blank character is '#' are comments (a '#' later on a line
// belongs to the secret); blank lines are ignored.  Secrets live in SecureBuffers.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/secure_buffer.hpp"
#include "ipsec/ike/ike_identity.hpp"
#include "ipsec/ike/outcome.hpp"

namespace vpn::ike {

class PskFile {
public:
    // `name` labels errors: "NAME:LINE: reason" ("psk.txt:3: secret missing for
    // 'gw.example.org'").  An empty text, duplicate IDs, bad IDs or hex are errors.
    static Outcome<PskFile> parse(std::string_view text, const std::string& name);

    // The secret to use with a peer that identified itself as `peer` (its IDi/IDr,
    // or its address as an Identity): an entry that matches it (identity_matches),
    // else the * entry, else the single secret; nullptr if none.
    const crypto::SecureBuffer* find(const Identity& peer) const;

    bool single_secret() const { return entries_.size() == 1 && !entries_[0].id && single_; }
    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        std::optional<Identity> id;  // nullopt: * or the single secret
        crypto::SecureBuffer secret;
        std::size_t line = 0;
    };
    std::vector<Entry> entries_;
    bool single_ = false;
};

}  // namespace vpn::ike
