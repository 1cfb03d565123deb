#include "common/config/directive_registry.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/config/arg_parse.hpp"

namespace vpn::config {

// directives_server_scripts.cpp (declared here, not in directive.hpp, to keep that
// header's list of groups as it is; move it there with the next edit of the header).
std::span<const DirectiveSpec> server_script_directives();

namespace {

std::string arity_phrase(int n) {
    return n == 1 ? "1 argument" : fmt::format("{} arguments", n);
}

// "'port' expects 1 argument (port number 1..65535), got 2"
[[noreturn]] void arity_error(const DirectiveSpec& spec, const Directive& d) {
    std::string want;
    if (spec.max_args == 0) {
        want = "no arguments";
    } else if (spec.min_args == spec.max_args) {
        want = arity_phrase(spec.min_args);
    } else if (spec.min_args == 0) {
        want = "at most " + arity_phrase(spec.max_args);
    } else {
        want = fmt::format("{} to {} arguments", spec.min_args, spec.max_args);
    }
    std::string what = spec.max_args == 0 ? "" : fmt::format(" ({})", spec.expects);
    fail(d.origin, fmt::format("'{}' expects {}{}, got {}", d.name, want, what, d.args.size()));
}

// A static key pasted without its <secret> block yields "directives" that are
// lines of hex: do not repeat them into a log.
bool looks_like_key_line(std::string_view s) {
    return s.size() >= 16 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
           });
}

[[noreturn]] void unknown_error(const Directive& d) {
    if (looks_like_key_line(d.name)) {
        fail(d.origin, "unknown directive (a line of hex digits: key material outside a <secret> block?), "
                       "expected a directive name");
    }
    std::string msg = fmt::format("unknown directive {}", shown(d.name));
    if (auto near = suggest_directive(d.name)) msg += fmt::format("; did you mean '{}'?", *near);
    fail(d.origin, msg);
}

}  // namespace

void ParseContext::warning(const Origin& where, const std::string& what) const {
    if (warn) warn(fmt::format("{}: {}", where.str(), what));
}

const std::vector<const DirectiveSpec*>& all_directives() {
    static const std::vector<const DirectiveSpec*> rows = [] {
        std::vector<const DirectiveSpec*> v;
        for (auto group : {device_transport_directives(), connect_directives(), crypto_directives(), tls_directives(),
                           tls_session_directives(), ipsec_directives(), server_directives(), pool_directives(), server_script_directives(),
                           process_directives(), ignored_directives()}) {
            for (const DirectiveSpec& s : group) v.push_back(&s);
        }
        return v;
    }();
    return rows;
}

const DirectiveSpec* find_directive(std::string_view name) {
    for (const DirectiveSpec* s : all_directives()) {
        if (s->name == name) return s;
    }
    return nullptr;
}

bool is_not_yet_supported(std::string_view name) {
    auto names = not_yet_supported_directives();
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit) {
    const std::size_t diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
    if (diff > limit) return limit + 1;
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        std::size_t row_min = cur[0];
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
            row_min = std::min(row_min, cur[j]);
        }
        if (row_min > limit) return limit + 1;
        std::swap(prev, cur);
    }
    return std::min(prev[b.size()], limit + 1);
}

std::optional<std::string_view> suggest_directive(std::string_view name) {
    constexpr std::size_t kLimit = 2;
    if (name.empty() || name.size() > 64) return std::nullopt;
    std::optional<std::string_view> best;
    std::size_t best_dist = kLimit + 1;
    auto consider = [&](std::string_view candidate) {
        std::size_t dist = edit_distance(name, candidate, kLimit);
        if (dist < best_dist) {
            best_dist = dist;
            best = candidate;
        }
    };
    for (const DirectiveSpec* s : all_directives()) consider(s->name);
    for (std::string_view n : not_yet_supported_directives()) consider(n);
    return best;
}

void apply_directive(ParseContext& ctx, const Directive& d) {
    const DirectiveSpec* spec = find_directive(d.name);
    if (!spec) {
        if (is_not_yet_supported(d.name)) {
            // An error, not a warning: dropping e.g. `tls-auth` would silently
            // weaken the tunnel the user asked for.
            fail(d.origin, fmt::format("'{}' is not supported yet", d.name));
        }
        unknown_error(d);
    }
    if (d.inline_text) {
        if (!(spec->flags & kInlineOk)) {
            fail(d.origin, fmt::format("'{}' cannot be an inline block <{}>, expected a '{} {}' line", d.name,
                                       d.name, d.name, spec->synopsis));
        }
    } else {
        const auto n = static_cast<long long>(d.args.size());
        if (n < spec->min_args || n > spec->max_args) arity_error(*spec, d);
    }
    auto& seen = ctx.state.seen;
    if (std::none_of(seen.begin(), seen.end(), [&](const Origin& o) { return o.name == d.name; })) {
        seen.push_back(d.origin);
        seen.back().name = d.name;
    }
    if (spec->support == Support::Ignored) {
        ctx.warning(d.origin, fmt::format("'{}' is not supported yet and is ignored", d.name));
        return;
    }
    spec->parse(ctx, d);
}

}  // namespace vpn::config
