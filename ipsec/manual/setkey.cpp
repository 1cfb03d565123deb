// Applies setkey statements in order, as `setkey -f FILE` would to the kernel's SAD and
// SPD, and settles each SA's direction from the policies.
#include "ipsec/manual/setkey.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ipsec/manual/setkey_cursor.hpp"

namespace vpn::ipsec::manual {
namespace {

std::string addr_text(std::uint32_t a) {
    return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

bool same_policy(const SetkeyPolicy& a, const SetkeyPolicy& b) {
    return a.src == b.src && a.dst == b.dst && a.upper == b.upper && a.dir == b.dir;
}

class Db {
public:
    void add(Cursor& c, SetkeySa sa) {
        // Inbound packets find their SA by (SPI, destination): that pair must be unique.
        auto dup = std::find_if(db_.sas.begin(), db_.sas.end(), [&](const SetkeySa& s) {
            return s.sa.spi == sa.sa.spi && s.dst.addr == sa.dst.addr;
        });
        if (dup != db_.sas.end()) {
            c.fail(fmt::format("SPI 0x{:x} to {} is already added at {}, expected a different SPI", sa.sa.spi,
                               addr_text(sa.dst.addr), dup->origin.str()));
        }
        db_.sas.push_back(std::move(sa));
    }

    void remove(Cursor& c, const SaSelector& s) {
        const auto n = std::erase_if(db_.sas, [&](const SetkeySa& x) {
            return x.src.addr == s.src.addr && x.dst.addr == s.dst.addr && (!s.spi || x.sa.spi == *s.spi);
        });
        if (n == 0 && s.spi) {
            c.fail(fmt::format("no SA {} -> {} with SPI 0x{:x} to delete", addr_text(s.src.addr), addr_text(s.dst.addr),
                               *s.spi));
        }
    }

    void add_policy(Cursor& c, SetkeyPolicy p) {
        auto dup = std::find_if(db_.policies.begin(), db_.policies.end(),
                                [&](const SetkeyPolicy& x) { return same_policy(x, p); });
        if (dup != db_.policies.end()) {
            c.fail(fmt::format("the same selectors and direction are already added at {}, expected spddelete first",
                               dup->origin.str()));
        }
        db_.policies.push_back(std::move(p));
    }

    void remove_policy(Cursor& c, const SetkeyPolicy& p) {
        if (std::erase_if(db_.policies, [&](const SetkeyPolicy& x) { return same_policy(x, p); }) == 0) {
            c.fail("no policy with these selectors and direction to delete");
        }
    }

    void flush() { db_.sas.clear(); }
    void spdflush() { db_.policies.clear(); }

    SetkeyDb finish() {
        for (SetkeySa& s : db_.sas) s.sa.direction = direction_of(s);
        return std::move(db_);
    }

private:
    SaDirection direction_of(const SetkeySa& s) const {
        for (PolicyDir dir : {PolicyDir::Out, PolicyDir::In}) {
            for (const SetkeyPolicy& p : db_.policies) {
                if (p.dir != dir || p.action != PolicyAction::Ipsec) continue;
                if (p.tunnel_src.addr != s.src.addr || p.tunnel_dst.addr != s.dst.addr) continue;
                if (p.unique_id && p.unique_id != s.reqid) continue;
                return dir == PolicyDir::Out ? SaDirection::Outbound : SaDirection::Inbound;
            }
        }
        return SaDirection::Unknown;
    }

    SetkeyDb db_;
};

}  // namespace

SetkeyDb parse_setkey(std::string_view text, const std::string& file, int first_line) {
    Db db;
    for (const Statement& s : split_statements(text, file, first_line)) {
        Cursor c(s, file);
        const std::string& cmd = c.command();
        if (cmd == "add") {
            db.add(c, parse_add(c));
        } else if (cmd == "delete" || cmd == "deleteall") {
            db.remove(c, parse_delete(c, cmd == "deleteall"));
        } else if (cmd == "flush") {
            if (c.peek()) parse_protocol(c, c.next(""));
            c.expect_end();
            db.flush();
        } else if (cmd == "spdadd") {
            db.add_policy(c, parse_spdadd(c));
        } else if (cmd == "spddelete") {
            db.remove_policy(c, parse_spddelete(c));
        } else if (cmd == "spdflush") {
            c.expect_end();
            db.spdflush();
        } else if (cmd == "dump" || cmd == "spddump") {
            // Display commands in a script: nothing to configure.
        } else if (cmd == "get") {
            c.fail(s.words.front(), "'get' only displays an SA, expected add, delete, spdadd ...");
        } else {
            c.fail(s.words.front(), fmt::format("'{}' is not a setkey command, expected add, delete, deleteall, flush, "
                                                "spdadd, spddelete or spdflush",
                                                cmd));
        }
    }
    return db.finish();
}

}  // namespace vpn::ipsec::manual
