#include "ipsec/manual/setkey_lexer.hpp"

#include <fmt/format.h>

#include "ipsec/config/config_fail.hpp"

namespace vpn::ipsec::manual {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

}  // namespace

std::vector<Statement> split_statements(std::string_view text, const std::string& file, int first_line) {
    std::vector<Statement> out;
    Statement cur;
    int line = first_line;
    std::size_t i = 0;
    auto where = [&](int l) { return config::Origin{file, l, "setkey"}; };
    auto push_word = [&](std::string w, int l) {
        if (cur.words.empty()) cur.line = l;
        cur.words.push_back(Word{std::move(w), l});
    };
    while (i < text.size()) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            ++i;
        } else if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r')) {
            ++i;  // the newline is counted when reached
        } else if (is_space(c)) {
            ++i;
        } else if (c == '#') {
            while (i < text.size() && text[i] != '\n') ++i;
        } else if (c == ';') {
            if (!cur.words.empty()) out.push_back(std::move(cur));
            cur = Statement{};
            ++i;
        } else if (c == '"') {
            const int start = line;
            std::size_t end = text.find('"', i + 1);
            if (end == std::string_view::npos || text.substr(i, end - i).find('\n') != std::string_view::npos) {
                fail_at(where(start), "setkey: unterminated \"quoted string\", expected a closing '\"' on the same line");
            }
            push_word(std::string(text.substr(i, end + 1 - i)), start);
            i = end + 1;
        } else {
            std::size_t start = i;
            while (i < text.size() && !is_space(text[i]) && text[i] != ';' && text[i] != '#' && text[i] != '"') ++i;
            push_word(std::string(text.substr(start, i - start)), line);
        }
    }
    if (!cur.words.empty()) {
        fail_at(where(cur.line), fmt::format("setkey: the '{}' statement has no final ';', expected it to end with ';'",
                                             cur.words.front().text));
    }
    return out;
}

}  // namespace vpn::ipsec::manual
