// setkey's policy statements: spdadd and spddelete (selectors on the inner packet,
// then -P DIR and the action).
#include <fmt/format.h>

#include "ipsec/manual/setkey_cursor.hpp"

namespace vpn::ipsec::manual {
namespace {

int parse_upper(const Cursor& c, const Word& w) {
    const std::string& t = w.text;
    if (t == "any") return -1;
    if (t == "icmp") return 1;
    if (t == "ipencap" || t == "ip4") return 4;  // the FreeBSD handbook's gif setup
    if (t == "tcp") return 6;
    if (t == "udp") return 17;
    if (t == "gre") return 47;
    if (t == "icmp6") c.fail(w, "'icmp6' (IPv6) is not supported here, expected any, tcp, udp, icmp or a number");
    if (!t.empty() && t.find_first_not_of("0123456789") == std::string::npos) {
        return static_cast<int>(parse_number(c, w, 0, 255, "a protocol number (0..255)"));
    }
    c.fail(w, fmt::format("'{}' is not an upper-layer protocol, expected any, tcp, udp, icmp or a number", t));
}

PolicyDir parse_dir(Cursor& c) {
    const Word& p = c.next("-P and a direction");
    if (p.text == "-ctx") c.fail(p, "-ctx (security context labels) is not supported");
    if (p.text != "-P") c.fail(p, fmt::format("unexpected '{}', expected -P in|out|fwd", p.text));
    const Word& d = c.next("a direction after -P (in, out or fwd)");
    if (d.text == "in") return PolicyDir::In;
    if (d.text == "out") return PolicyDir::Out;
    if (d.text == "fwd") return PolicyDir::Fwd;
    c.fail(d, fmt::format("'{}' is not a direction, expected in, out or fwd", d.text));
}

void selectors(Cursor& c, SetkeyPolicy& p) {
    while (const Word* w = c.peek()) {
        if (w->text == "-4" || w->text == "-n") c.next("");
        else if (w->text == "-6") c.fail(*w, "-6 (IPv6) is not supported here, expected IPv4 addresses");
        else break;
    }
    p.src = parse_selector(c, c.next("the source range"));
    p.dst = parse_selector(c, c.next("the destination range"));
    p.upper = parse_upper(c, c.next("the upper-layer protocol (any, tcp, udp, icmp)"));
    p.dir = parse_dir(c);
}

// "unique:3", "require" ...
void parse_level(const Cursor& c, const Word& w, std::string_view text, SetkeyPolicy& p) {
    if (text.empty() || text == "default") p.level = PolicyLevel::Default;
    else if (text == "use") p.level = PolicyLevel::Use;
    else if (text == "require") p.level = PolicyLevel::Require;
    else if (text == "unique") p.level = PolicyLevel::Unique;
    else if (text.starts_with("unique:")) {
        p.level = PolicyLevel::Unique;
        p.unique_id = static_cast<std::uint32_t>(
            parse_number(c, Word{std::string(text.substr(7)), w.line}, 1, 0x3fff, "a reqid (1..16383)"));
    } else {
        c.fail(w, fmt::format("'{}' is not a level, expected default, use, require or unique[:N]", text));
    }
}

// esp/tunnel/A-B/LEVEL
void parse_request(const Cursor& c, const Word& w, SetkeyPolicy& p) {
    std::vector<std::string_view> parts;
    std::string_view rest = w.text;
    while (true) {
        std::size_t slash = rest.find('/');
        parts.push_back(rest.substr(0, slash));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    if (parts[0] == "ah") c.fail(w, "'ah' is not supported (ESP only: AH does not survive NAT), expected esp/tunnel/...");
    if (parts[0] == "ipcomp") c.fail(w, "'ipcomp' is not supported (ESP only), expected esp/tunnel/...");
    if (parts[0] != "esp") c.fail(w, fmt::format("'{}' is not a request, expected esp/tunnel/SRC-DST/LEVEL", w.text));
    if (parts.size() < 3 || parts.size() > 4) {
        c.fail(w, fmt::format("'{}' is not a request, expected esp/tunnel/SRC-DST/LEVEL", w.text));
    }
    if (parts[1] == "transport") {
        c.fail(w, "esp/transport is not supported: ESP over a TUN device is tunnel mode only, expected esp/tunnel/SRC-DST/LEVEL");
    }
    if (parts[1] != "tunnel") c.fail(w, fmt::format("'{}' is not a mode, expected tunnel", parts[1]));
    const std::size_t dash = parts[2].find('-');
    if (dash == std::string_view::npos) {
        c.fail(w, "a tunnel request needs its endpoints, expected esp/tunnel/SRC-DST/LEVEL");
    }
    p.tunnel_src = parse_endpoint(c, Word{std::string(parts[2].substr(0, dash)), w.line});
    p.tunnel_dst = parse_endpoint(c, Word{std::string(parts[2].substr(dash + 1)), w.line});
    parse_level(c, w, parts.size() == 4 ? parts[3] : std::string_view(), p);
}

}  // namespace

SetkeyPolicy parse_spdadd(Cursor& c) {
    SetkeyPolicy p;
    p.origin = c.origin();
    selectors(c, p);
    while (const Word* w = c.peek()) {
        // `prio N` / `priority N` (Linux): ordering among overlapping policies, which
        // we take from the order of the statements instead.
        if (w->text != "prio" && w->text != "priority") break;
        c.next("");
        c.next("a priority");
    }
    const Word& action = c.next("discard, none or ipsec");
    if (action.text == "discard") {
        p.action = PolicyAction::Discard;
    } else if (action.text == "none") {
        p.action = PolicyAction::None;
    } else if (action.text == "ipsec") {
        p.action = PolicyAction::Ipsec;
        parse_request(c, c.next("a request such as esp/tunnel/SRC-DST/require"), p);
        if (const Word* more = c.peek()) {
            if (more->text.starts_with("ah/")) parse_request(c, *more, p);  // refused with its reason
            c.fail(*more, fmt::format("a second request '{}', expected one esp/tunnel request per policy", more->text));
        }
    } else {
        c.fail(action, fmt::format("'{}' is not a policy, expected discard, none or ipsec", action.text));
    }
    c.expect_end();
    return p;
}

SetkeyPolicy parse_spddelete(Cursor& c) {
    SetkeyPolicy p;
    p.origin = c.origin();
    selectors(c, p);
    // setkey accepts the policy after the direction; only the selectors name it.
    while (!c.done()) c.next("");
    return p;
}

}  // namespace vpn::ipsec::manual
