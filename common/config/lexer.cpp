#include "common/config/lexer.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include "common/config/arg_parse.hpp"

namespace vpn::config {
namespace {

// OpenVPN's space(): isspace() in the C locale.
bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

enum class State { Between, Plain, Double, Single };

}  // namespace

std::vector<std::string> split_line(std::string_view line, const Origin& where) {
    std::vector<std::string> words;
    std::string word;
    State state = State::Between;
    bool escaped = false;  // the previous character was an unquoted-or-double-quoted '\'

    // The same state machine as options.c: parse_line, with one deliberate
    // difference: a backslash at the very end of a line is an error here (OpenVPN
    // would glue the newline into the word).
    for (std::size_t i = 0; i <= line.size(); ++i) {
        const bool at_end = i == line.size();
        const char c = at_end ? ' ' : line[i];
        if (at_end && escaped) fail(where, "backslash at the end of the line, expected a character after '\\'");
        if (!escaped && c == '\\' && state != State::Single) {
            escaped = true;
            continue;
        }
        std::optional<char> out;
        bool done = false;
        switch (state) {
            case State::Between:
                if (is_blank(c)) break;  // an escaped blank between words is dropped, as in OpenVPN
                if (c == '#' || c == ';') return words;  // comment, even after '\'
                if (!escaped && c == '"') {
                    state = State::Double;
                } else if (!escaped && c == '\'') {
                    state = State::Single;
                } else {
                    out = c;
                    state = State::Plain;
                }
                break;
            case State::Plain:
                if (!escaped && is_blank(c)) done = true;
                else out = c;
                break;
            case State::Double:
                if (!escaped && c == '"') done = true;
                else out = c;
                break;
            case State::Single:
                if (c == '\'') done = true;
                else out = c;
                break;
        }
        if (escaped && out && !(*out == '\\' || *out == '"' || is_blank(*out))) {
            fail(where, fmt::format("bad backslash escape '\\{}', expected \\\\, \\\" or '\\ ' "
                                    "(write a literal backslash as \\\\)", *out));
        }
        escaped = false;
        if (out) word += *out;
        if (done) {
            words.push_back(std::move(word));
            word.clear();
            state = State::Between;
        }
    }
    if (state == State::Double) fail(where, "no closing quotation (\"), expected a matching \"");
    if (state == State::Single) fail(where, "no closing single quotation ('), expected a matching '");
    return words;
}

ConfigReader::ConfigReader(std::string_view text, std::string file) : rest_(text), file_(std::move(file)) {}

bool ConfigReader::take_line(std::string_view& line, bool& had_newline) {
    if (rest_.empty()) return false;
    std::size_t nl = rest_.find('\n');
    had_newline = nl != std::string_view::npos;
    line = rest_.substr(0, had_newline ? nl : rest_.size());
    rest_.remove_prefix(had_newline ? nl + 1 : rest_.size());
    ++line_no_;
    if (line.find('\0') != std::string_view::npos) {
        fail(Origin{file_, line_no_}, "NUL byte in the line, expected a text file");
    }
    return true;
}

std::optional<Directive> ConfigReader::next() {
    std::string_view line;
    bool had_newline = false;
    while (take_line(line, had_newline)) {
        const Origin where{file_, line_no_};
        // Never echo the line: it may be key material pasted outside a block.
        if (line.size() + (had_newline ? 1 : 0) >= kMaxLineBytes) {
            fail(where, fmt::format("line too long, expected at most {} characters", kMaxLineBytes - 2));
        }
        if (line_no_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // UTF-8 BOM

        std::vector<std::string> words = split_line(line, where);
        if (words.empty()) continue;
        std::string& name = words[0];
        if (name.size() >= 3 && name.starts_with("--")) name.erase(0, 2);  // options.c: bypass_doubledash

        Directive d;
        d.origin = where;
        if (words.size() == 1 && name.size() >= 2 && name.front() == '<' && name.back() == '>') {
            d.name = name.substr(1, name.size() - 2);
            d.origin.name = d.name;
            d.inline_text = read_block(d.name, where);
            return d;
        }
        d.name = std::move(name);
        d.origin.name = d.name;
        d.args.assign(std::make_move_iterator(words.begin() + 1), std::make_move_iterator(words.end()));
        return d;
    }
    return std::nullopt;
}

std::string ConfigReader::read_block(const std::string& tag, const Origin& opened) {
    const std::string close = "</" + tag + ">";
    std::string text;
    std::string_view line;
    bool had_newline = false;
    while (take_line(line, had_newline)) {
        std::string_view trimmed = line;
        while (!trimmed.empty() && is_blank(trimmed.front())) trimmed.remove_prefix(1);
        // read_inline_file matches the closing tag as a prefix of the line.
        if (trimmed.starts_with(close)) return text;
        text.append(line);
        text += '\n';
    }
    OPENSSL_cleanse(text.data(), text.size());  // may hold a key
    fail(opened, fmt::format("inline block <{}> is not closed, expected a line {} before the end of the file",
                             tag, close));
}

}  // namespace vpn::config
