#pragma once
// Internal to the config loader: where the multi-client server's directives were
// given (ServerOptions::lines), so validate() can name the line a rule is about
// after every directive has been read (`mode server` may come last).
#include <algorithm>
#include <string_view>

#include "common/config/directive.hpp"

namespace vpn::config {

// Remembers d's line; a later line of the same directive replaces it (the later
// line is the one that takes effect).
inline void remember_line(ServerOptions& s, const Directive& d) {
    auto it = std::find_if(s.lines.begin(), s.lines.end(), [&](const Origin& o) { return o.name == d.name; });
    if (it != s.lines.end()) *it = d.origin;
    else s.lines.push_back(d.origin);
}

// The remembered line of directive `name`, or null.
inline const Origin* line_of(const ServerOptions& s, std::string_view name) {
    auto it = std::find_if(s.lines.begin(), s.lines.end(), [&](const Origin& o) { return o.name == name; });
    return it == s.lines.end() ? nullptr : &*it;
}

// push.c: push_remove_option -- a push-remove argument removes every pushed option
// that starts with it (a plain prefix, so "route" also removes "route-gateway ...").
// server/client_config.cpp applies the same rule to client-config-dir files.
inline bool push_remove_matches(std::string_view entry, std::string_view what) { return entry.starts_with(what); }

}  // namespace vpn::config
