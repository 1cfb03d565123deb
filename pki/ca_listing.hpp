#pragma once
// `vpn pki list`: index.txt as a table, one row per certificate, with what each
// certificate is for (read from the certificate file when it can be found).
//
//   NAME     TYPE    SERIAL                            EXPIRES               STATUS
//   server   server  119388CBB461DF6BD1FCBAC8A167F08B  2029-02-25 06:52:00Z  valid
#include <ctime>
#include <string>
#include <vector>

#include "pki/pki_layout.hpp"

namespace vpn::pki {

struct ListEntry {
    std::string name;    // CN
    std::string type;    // describe_usage(): "server", "client", ... "-" if unknown
    std::string serial;  // as in index.txt
    std::time_t expires = 0;
    std::string status;  // "valid", "revoked", "expired"
};

// Rows in index.txt order.  A V entry past its notAfter at `now` is "expired".
// Throws PkiError for a missing or malformed index.txt.
std::vector<ListEntry> list_certificates(const PkiLayout& layout, std::time_t now);

// The table above (header line + one line per entry).
std::string format_listing(const std::vector<ListEntry>& rows);

}  // namespace vpn::pki
