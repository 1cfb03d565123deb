#pragma once
// Internal to the setkey parser: walking one statement's words, and the address
// forms every statement shares.  Errors name the word's line.
#include <cstdint>
#include <string>
#include <string_view>

#include "ipsec/manual/setkey.hpp"
#include "ipsec/manual/setkey_lexer.hpp"

namespace vpn::ipsec::manual {

class Cursor {
public:
    Cursor(const Statement& s, const std::string& file) : s_(s), file_(file) {}

    const std::string& command() const { return s_.words.front().text; }
    bool done() const { return pos_ >= s_.words.size(); }
    // The next word without taking it; null at the end.
    const Word* peek() const { return done() ? nullptr : &s_.words[pos_]; }
    // Takes the next word; at the end, fails with "'CMD' ends early, expected WHAT".
    const Word& next(std::string_view what);
    // Fails unless the statement is over.
    void expect_end();

    config::Origin origin(int line) const { return config::Origin{file_, line, "setkey"}; }
    config::Origin origin() const { return origin(s_.line); }
    [[noreturn]] void fail(const Word& at, const std::string& what) const;
    [[noreturn]] void fail(const std::string& what) const;  // at the statement's last word

private:
    const Statement& s_;
    const std::string& file_;
    std::size_t pos_ = 1;  // after the command
};

// "192.0.2.1" or "192.0.2.1[4500]".  IPv6 and host names are refused.
Endpoint parse_endpoint(const Cursor& c, const Word& w);

// "192.0.2.0/24", "192.0.2.1", "192.0.2.0/24[80]", "0.0.0.0/0[any]".
Selector parse_selector(const Cursor& c, const Word& w);

// A decimal number in [lo, hi], else fails naming `what`.
std::uint64_t parse_number(const Cursor& c, const Word& w, std::uint64_t lo, std::uint64_t hi, std::string_view what);

// esp -> false, esp-udp -> true; ah, ipcomp, tcp and others are refused.
bool parse_protocol(const Cursor& c, const Word& w);

// The SA statements (setkey_sa.cpp): `add`, `delete`, `deleteall`, `flush`.
SetkeySa parse_add(Cursor& c);
// `delete SRC DST PROTO SPI` / `deleteall SRC DST PROTO`: spi unset for deleteall.
struct SaSelector {
    Endpoint src, dst;
    std::optional<std::uint32_t> spi;
};
SaSelector parse_delete(Cursor& c, bool all);

// The policy statements (setkey_policy.cpp): `spdadd`, and `spddelete` (whose
// action part is not needed: only selectors and direction).
SetkeyPolicy parse_spdadd(Cursor& c);
SetkeyPolicy parse_spddelete(Cursor& c);

}  // namespace vpn::ipsec::manual
