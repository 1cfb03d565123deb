#include "common/config/help.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/config/directive_registry.hpp"

namespace vpn::config {

std::string directive_help() {
    const auto& rows = all_directives();
    std::size_t width = 0;
    for (const DirectiveSpec* s : rows) {
        if (s->support == Support::Supported) {
            width = std::max(width, s->name.size() + (s->synopsis.empty() ? 0 : s->synopsis.size() + 1));
        }
    }
    std::string out = "Directives (in a config file, or on the command line with a leading --):\n";
    for (const DirectiveSpec* s : rows) {
        if (s->support != Support::Supported) continue;
        std::string head = s->synopsis.empty() ? std::string(s->name) : fmt::format("{} {}", s->name, s->synopsis);
        out += fmt::format("  --{:<{}}  {}\n", head, width, s->doc);
    }
    auto listed = [&](std::string line, auto keep, auto show) {
        // The names, wrapped at about 100 columns.
        for (const DirectiveSpec* s : rows) {
            if (!keep(*s)) continue;
            std::string item = show(s->name);
            if (line.size() + item.size() + 2 > 100) {
                out += line + "\n";
                line = " ";
            }
            line += fmt::format(" {},", item);
        }
        line.back() = '.';
        out += line + "\n";
    };
    listed("Inline blocks <NAME> ... </NAME> instead of 'NAME FILE':",
           [](const DirectiveSpec& s) { return (s.flags & kInlineOk) != 0; },
           [](std::string_view n) { return fmt::format("<{}>", n); });
    listed("Accepted but ignored (a warning is printed):",
           [](const DirectiveSpec& s) { return s.support == Support::Ignored; },
           [](std::string_view n) { return std::string(n); });
    return out;
}

}  // namespace vpn::config
