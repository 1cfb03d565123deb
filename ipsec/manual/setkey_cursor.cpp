#include "ipsec/manual/setkey_cursor.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include "ipsec/config/config_fail.hpp"

namespace vpn::ipsec::manual {

const Word& Cursor::next(std::string_view what) {
    if (done()) fail(fmt::format("'{}' ends early, expected {}", command(), what));
    return s_.words[pos_++];
}

void Cursor::expect_end() {
    if (!done()) fail(*peek(), fmt::format("unexpected '{}' in '{}', expected ';'", peek()->text, command()));
}

void Cursor::fail(const Word& at, const std::string& what) const { fail_at(origin(at.line), "setkey: " + what); }

void Cursor::fail(const std::string& what) const { fail_at(origin(s_.words.back().line), "setkey: " + what); }

namespace {

std::uint32_t parse_address(const Cursor& c, const Word& w, std::string_view text) {
    if (text.find(':') != std::string_view::npos) {
        c.fail(w, fmt::format("'{}' is an IPv6 address, which is not supported here, expected an IPv4 address",
                              w.text));
    }
    in_addr a{};
    std::string s(text);
    if (s.empty() || ::inet_pton(AF_INET, s.c_str(), &a) != 1) {
        c.fail(w, fmt::format("'{}' is not an IPv4 address, expected e.g. 192.0.2.1", w.text));
    }
    return ntohl(a.s_addr);
}

// "[4500]" / "[any]" at the end of `text`: cuts it off and returns the port.
std::optional<std::uint16_t> take_port(const Cursor& c, const Word& w, std::string_view& text) {
    std::size_t open = text.find('[');
    if (open == std::string_view::npos) return std::nullopt;
    if (text.back() != ']') c.fail(w, fmt::format("'{}': expected the port in brackets at the end, e.g. [4500]", w.text));
    std::string_view port = text.substr(open + 1, text.size() - open - 2);
    text = text.substr(0, open);
    if (port == "any") return std::nullopt;
    return static_cast<std::uint16_t>(parse_number(c, Word{std::string(port), w.line}, 0, 65535, "a port (0..65535)"));
}

}  // namespace

std::uint64_t parse_number(const Cursor& c, const Word& w, std::uint64_t lo, std::uint64_t hi, std::string_view what) {
    const std::string& s = w.text;
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
        c.fail(w, fmt::format("'{}' is not {}", s, what));
    }
    std::uint64_t v = std::stoull(s);
    if (v < lo || v > hi) c.fail(w, fmt::format("'{}' is not {}", s, what));
    return v;
}

Endpoint parse_endpoint(const Cursor& c, const Word& w) {
    std::string_view text = w.text;
    Endpoint e;
    e.port = take_port(c, w, text);
    e.addr = parse_address(c, w, text);
    return e;
}

Selector parse_selector(const Cursor& c, const Word& w) {
    std::string_view text = w.text;
    Selector s;
    s.port = take_port(c, w, text);
    if (std::size_t slash = text.find('/'); slash != std::string_view::npos) {
        s.prefix = static_cast<int>(
            parse_number(c, Word{std::string(text.substr(slash + 1)), w.line}, 0, 32, "a prefix length (0..32)"));
        text = text.substr(0, slash);
    }
    s.addr = parse_address(c, w, text);
    return s;
}

bool parse_protocol(const Cursor& c, const Word& w) {
    if (w.text == "esp") return false;
    if (w.text == "esp-udp") return true;
    if (w.text == "ah") c.fail(w, "'ah' is not supported (ESP only: AH does not survive NAT), expected esp");
    if (w.text == "ipcomp") c.fail(w, "'ipcomp' is not supported (ESP only), expected esp");
    if (w.text == "tcp") c.fail(w, "'tcp' (TCP-MD5 signatures) is not supported, expected esp");
    c.fail(w, fmt::format("'{}' is not a protocol, expected esp or esp-udp", w.text));
}

}  // namespace vpn::ipsec::manual
