#pragma once
// The config language's lexical layer, matching OpenVPN 2.6
// (options.c: parse_line, read_config_file, read_inline_file):
//   * one directive per line, words split on whitespace;
//   * a word starting with '#' or ';' starts a comment (so `dev tun # x` works);
//   * "double quotes" group words, with \\ \" and "\ " escapes (also outside quotes);
//   * 'single quotes' group literally;
//   * a leading "--" on the directive name is dropped;
//   * a line holding only `<name>` opens an inline block closed by a line starting
//     (after blanks) with `</name>`; the lines between are kept verbatim.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/directive.hpp"

namespace vpn::config {

// OpenVPN reads lines with fgets into a 256-byte buffer (OPTION_LINE_SIZE) and
// refuses a line that fills it, newline included.
inline constexpr std::size_t kMaxLineBytes = 256;

// Splits one line (without its newline) into words.  Returns an empty vector for
// blank and comment lines.  Throws ConfigError at `where` on an unclosed quote, a
// bad backslash escape or a backslash at the end of the line.
std::vector<std::string> split_line(std::string_view line, const Origin& where);

// Turns the text of one config file into directives, one at a time.
class ConfigReader {
public:
    // `file` is the name used in messages.  `text` must outlive the reader.
    ConfigReader(std::string_view text, std::string file);

    // The next directive, or nullopt at the end of the text.  Throws ConfigError
    // (naming the line) for over-long lines, NUL bytes, lexical errors and an
    // inline block without its closing tag.
    std::optional<Directive> next();

private:
    // Takes the next physical line; false at end of text.
    bool take_line(std::string_view& line, bool& had_newline);
    std::string read_block(const std::string& tag, const Origin& opened);

    std::string_view rest_;
    std::string file_;
    int line_no_ = 0;
};

}  // namespace vpn::config
