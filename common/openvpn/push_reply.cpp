#include "common/openvpn/push_reply.hpp"

#include <charconv>
#include <stdexcept>

#include "common/config/config_error.hpp"
#include "common/config/lexer.hpp"

namespace vpn::ovpn {
namespace {

constexpr std::string_view kPushReply = "PUSH_REPLY";
// push.c: send_push_reply -- room kept for a trailing option and the marker.
constexpr std::size_t kSafeCap = kPushBundleSize - 84;

// atoi(): leading digits, anything else 0.
int atoi_like(std::string_view s) {
    int v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() ? v : 0;
}

}  // namespace

PushReplyResult parse_push_reply(std::string_view message) {
    PushReplyResult res;
    auto fail = [&res](std::string why) {
        res.ok = false;
        res.error = std::move(why);
        res.reply = {};
        return std::move(res);
    };
    if (!message.starts_with(kPushReply)) return fail("not a PUSH_REPLY");
    std::string_view rest = message.substr(kPushReply.size());
    if (rest.empty()) {
        res.ok = true;  // push.c: an empty reply is a complete one
        return res;
    }
    if (rest.front() != ',') return fail("PUSH_REPLY not followed by ','");
    rest.remove_prefix(1);

    int n = 0;
    for (;;) {
        const auto comma = rest.find(',');
        const std::string_view opt = rest.substr(0, comma);
        ++n;
        if (opt.size() > kPushOptionMax)
            return fail("pushed option " + std::to_string(n) + " is longer than 255 bytes");
        std::vector<std::string> words;
        try {
            words = config::split_line(opt, config::Origin{"[PUSH-OPTIONS]", n, ""});
        } catch (const config::ConfigError& e) {
            return fail(e.what());
        }
        if (words.size() == 2 && words[0] == "push-continuation") {
            res.reply.continuation = atoi_like(words[1]);
            if (res.reply.continuation < 0 || res.reply.continuation > 2)
                return fail("bad push-continuation " + words[1]);
        } else if (!words.empty()) {
            res.reply.options.push_back(std::move(words));
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    res.ok = true;
    return res;
}

std::vector<std::string> build_push_reply(const std::vector<std::string>& options) {
    std::vector<std::string> out;
    std::string buf(kPushReply);
    bool multi = false;
    for (const auto& opt : options) {
        if (opt.find_first_of(std::string_view(",\0", 2)) != std::string::npos)
            throw std::invalid_argument("pushed option must not contain ',' or NUL: " + opt);
        // A 2.6 client reads each option into 256 bytes (apply_push_options) and would
        // cut a longer one in two.
        if (opt.size() > kPushOptionMax) throw std::invalid_argument("pushed option longer than 255 bytes: " + opt);
        // push.c: send_push_options -- flush before the option would reach the cap.
        if (buf.size() + opt.size() >= kSafeCap) {
            buf += ",push-continuation 2";
            out.push_back(std::move(buf));
            buf = std::string(kPushReply);
            multi = true;
        }
        if (buf.size() + opt.size() >= kSafeCap) throw std::invalid_argument("--push option is too long: " + opt);
        buf += ',';
        buf += opt;
    }
    if (multi) buf += ",push-continuation 1";
    if (buf.size() > kPushReply.size() || out.empty()) out.push_back(std::move(buf));
    return out;
}

std::string redact_push_reply(std::string_view message) {
    // Options are split on every ',' (see parse_push_reply); a secret option's value
    // runs from its first space to the next ','.
    std::string out;
    out.reserve(message.size());
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = message.find(',', start);
        if (end == std::string_view::npos) end = message.size();
        std::string_view opt = message.substr(start, end - start);
        std::size_t sp = opt.find(' ');
        std::string_view name = opt.substr(0, sp);
        if (start) out += ',';
        if ((name == "auth-token" || name == "auth-token-user") && sp != std::string_view::npos) {
            out.append(opt.substr(0, sp + 1));
            out += "[redacted]";
        } else {
            out.append(opt);
        }
        start = end + 1;
    }
    return out;
}

}  // namespace vpn::ovpn
