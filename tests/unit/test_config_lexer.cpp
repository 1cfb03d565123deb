// The config lexer: OpenVPN 2.6 parse_line / read_config_file / read_inline_file
// behaviour (quoting, escapes, comments, line limits, inline blocks).
#include <doctest/doctest.h>

#include "common/config/lexer.hpp"
#include "test_config_support.hpp"

using namespace vpn::config;
using config_test::has;
using config_test::load_error;
using config_test::load_ok;
using config_test::TempDir;

namespace {

std::vector<std::string> words(std::string_view line) { return split_line(line, Origin{"t.conf", 7}); }

std::string split_error(std::string_view line) {
    try {
        split_line(line, Origin{"t.conf", 7});
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

using W = std::vector<std::string>;

}  // namespace

TEST_CASE("lexer: whitespace, blank and comment lines") {
    CHECK(words("") == W{});
    CHECK(words("   \t ") == W{});
    CHECK(words("# comment") == W{});
    CHECK(words("  ; comment") == W{});
    CHECK(words("dev tun") == W{"dev", "tun"});
    CHECK(words("  dev\t\ttun  ") == W{"dev", "tun"});
    CHECK(words("dev tun\r") == W{"dev", "tun"});  // CRLF files
}

TEST_CASE("lexer: a word starting with # or ; ends the line, inside a word it is kept") {
    CHECK(words("dev tun # trailing") == W{"dev", "tun"});
    CHECK(words("dev tun ;trailing") == W{"dev", "tun"});
    CHECK(words("remote a#b c;d") == W{"remote", "a#b", "c;d"});
    CHECK(words("up \\#x") == W{"up"});  // OpenVPN checks for comments before escapes
}

TEST_CASE("lexer: double quotes group and allow \\\\ \\\" and backslash-space") {
    CHECK(words("up \"/bin/x a b\"") == W{"up", "/bin/x a b"});
    CHECK(words("a \"x\\\"y\"") == W{"a", "x\"y"});
    CHECK(words("a \"x\\\\y\"") == W{"a", "x\\y"});
    CHECK(words("a \"x\\ y\"") == W{"a", "x y"});
    CHECK(words("a \"\"") == W{"a", ""});        // empty argument
    CHECK(words("a \"x\"y") == W{"a", "x", "y"});  // a closing quote ends the word
    CHECK(words("a x\"y\"") == W{"a", "x\"y\""});  // quotes inside a plain word are literal
    CHECK(words("a \"# not a comment\"") == W{"a", "# not a comment"});
}

TEST_CASE("lexer: escapes outside quotes") {
    CHECK(words("a x\\ y") == W{"a", "x y"});
    CHECK(words("a c:\\\\dir") == W{"a", "c:\\dir"});
    CHECK(words("a \\\"q") == W{"a", "\"q"});
    CHECK(words("a \\ b") == W{"a", "b"});  // an escaped blank between words is dropped
}

TEST_CASE("lexer: single quotes are literal") {
    CHECK(words("a 'x\\y \"z\"'") == W{"a", "x\\y \"z\""});
    CHECK(words("a ''") == W{"a", ""});
}

TEST_CASE("lexer: errors name the line and never echo it") {
    std::string e = split_error("a \"open");
    CHECK(e.starts_with("t.conf:7: "));
    CHECK(has(e, "no closing quotation (\")"));
    e = split_error("a 'open");
    CHECK(e.starts_with("t.conf:7: "));
    CHECK(has(e, "no closing single quotation"));
    e = split_error("a c:\\dir");
    CHECK(e.starts_with("t.conf:7: "));
    CHECK(has(e, "bad backslash escape '\\d'"));
    e = split_error("a \"x\\ny\"");
    CHECK(has(e, "bad backslash escape '\\n'"));
    e = split_error("a b\\");
    CHECK(e.starts_with("t.conf:7: "));
    CHECK(has(e, "backslash at the end of the line"));
}

TEST_CASE("reader: leading -- on the directive, BOM, CRLF, line numbers") {
    TempDir tmp;
    auto r = load_ok("\xEF\xBB\xBF--dev tun\r\n\r\n# c\r\n--verb 4\r\n", tmp.path);
    CHECK(r.opts.dev == "tun");
    CHECK(r.opts.verb == 4);
    CHECK(load_error("\n\n--verb x\n", tmp.path).starts_with("test.conf:3: 'verb': 'x' is not"));
}

TEST_CASE("reader: OpenVPN's 256-byte line limit, newline included") {
    TempDir tmp;
    const std::string head = "remote ";
    std::string ok_line = head + std::string(254 - head.size(), 'a');  // 254 + '\n' = 255
    REQUIRE(ok_line.size() == 254);
    // The host name is too long for DNS, but the error is the host's, not the line's.
    CHECK(has(load_error(ok_line + "\n", tmp.path), "is not a host name"));
    std::string long_line = head + std::string(255 - head.size(), 'a');  // 255 + '\n' = 256
    std::string e = load_error("verb 1\n" + long_line + "\n", tmp.path);
    CHECK(e.starts_with("test.conf:2: "));
    CHECK(has(e, "line too long"));
    CHECK_FALSE(has(e, "aaaa"));  // the line itself is not repeated
    // Without a final newline 255 characters still fit (fgets reads them whole).
    CHECK(has(load_error("verb 1\n" + long_line, tmp.path), "is not a host name"));
}

TEST_CASE("reader: NUL bytes are refused with the line") {
    TempDir tmp;
    std::string text = "dev tun\nverb 3";
    text += '\0';
    text += "\n";
    std::string e = load_error(text, tmp.path);
    CHECK(e.starts_with("test.conf:2: "));
    CHECK(has(e, "NUL byte"));
    std::string in_block = "<secret>\nab";
    in_block += '\0';
    in_block += "\n</secret>\n";
    CHECK(load_error(in_block, tmp.path).starts_with("test.conf:2: "));
}

TEST_CASE("reader: inline block content is verbatim, with a trailing newline") {
    TempDir tmp;
    auto r = load_ok("dev tun\n<secret>\n# not a comment\n  indented \"quoted\"\n\n</secret>\nverb 5\n", tmp.path);
    REQUIRE(r.opts.secret);
    REQUIRE(r.opts.secret->inline_text);
    CHECK(*r.opts.secret->inline_text == "# not a comment\n  indented \"quoted\"\n\n");
    CHECK(r.opts.secret->path.empty());
    CHECK(r.opts.secret->origin.str() == "test.conf:2");
    CHECK(r.opts.verb == 5);
}

TEST_CASE("reader: line numbers continue after an inline block; closing tag may be indented") {
    TempDir tmp;
    std::string e = load_error("<secret>\na\nb\n   </secret> trailing\nport x\n", tmp.path);
    CHECK(e == "test.conf:5: 'port': 'x' is not a port number (1..65535)");
}

TEST_CASE("reader: an unterminated inline block names its opening line") {
    TempDir tmp;
    std::string e = load_error("dev tun\n\n<secret>\n0123\n</secrets\n", tmp.path);
    CHECK(e.starts_with("test.conf:3: "));
    CHECK(has(e, "inline block <secret> is not closed"));
    CHECK(has(e, "</secret>"));
}

TEST_CASE("reader: <tag> only opens a block when alone on its line") {
    TempDir tmp;
    // "<secret> x" is a two-word line whose directive is "<secret>": unknown.
    std::string e = load_error("<secret> x\n", tmp.path);
    CHECK(e.starts_with("test.conf:1: unknown directive '<secret>'"));
}
