#pragma once
// The directive registry: every directive the loader knows, one row each
// (rows live in directives_*.cpp).  Lookup, arity checks, "did you mean" and the
// dispatch into a row's parse function all happen here, so every error about a
// directive's shape has the same wording.
#include <optional>
#include <string_view>
#include <vector>

#include "common/config/directive.hpp"

namespace vpn::config {

// All rows (supported and ignored), in help order.  Built once, never changes.
const std::vector<const DirectiveSpec*>& all_directives();

// The row for `name`, or null.
const DirectiveSpec* find_directive(std::string_view name);

// True for OpenVPN directives that a later feature will implement.
bool is_not_yet_supported(std::string_view name);

// The known directive (supported, ignored or not-yet) closest to `name` when the
// edit distance is at most 2; ties go to the row that comes first.
std::optional<std::string_view> suggest_directive(std::string_view name);

// Applies one directive to ctx.opts.  Throws ConfigError for unknown and
// not-yet-supported directives, wrong argument counts, inline blocks of directives
// that take none, and whatever the row's parse function rejects.  Ignored
// directives produce one warning through ctx.
void apply_directive(ParseContext& ctx, const Directive& d);

// Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`.
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t limit);

}  // namespace vpn::config
