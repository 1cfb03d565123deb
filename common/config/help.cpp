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
    out += "Inline block: <secret> ... </secret> instead of 'secret FILE'.\n";
    // The ignored names, wrapped at about 100 columns.
    std::string line = "Accepted but ignored (a warning is printed):";
    for (const DirectiveSpec* s : rows) {
        if (s->support != Support::Ignored) continue;
        if (line.size() + s->name.size() + 2 > 100) {
            out += line + "\n";
            line = " ";
        }
        line += fmt::format(" {},", s->name);
    }
    line.back() = '.';
    out += line + "\n";
    return out;
}

}  // namespace vpn::config
