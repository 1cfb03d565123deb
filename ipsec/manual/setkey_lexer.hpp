#pragma once
// Internal to the setkey parser: the text as words with their line numbers, grouped
// into `;`-terminated statements.  `#` starts a comment to the end of the line, a
// backslash before a newline joins lines (as in the articles' files), "quoted
// strings" are one word (quotes kept, so keys can tell them from hex).
#include <string>
#include <string_view>
#include <vector>

namespace vpn::ipsec::manual {

struct Word {
    std::string text;
    int line = 0;
};

struct Statement {
    std::vector<Word> words;  // the first is the command
    int line = 0;             // where it starts
};

// Throws config::ConfigError at FILE:LINE for an unterminated quote or a statement
// missing its final ';'.
std::vector<Statement> split_statements(std::string_view text, const std::string& file, int first_line);

}  // namespace vpn::ipsec::manual
