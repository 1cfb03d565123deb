#include "client/credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "client/tty_prompt.hpp"

namespace vpn::client {
namespace {

// Only the first two lines matter, each at most kMaxCredentialLen bytes plus "\r\n"
// (with room for stray "\r"s); reading more of a huge file would prove nothing.
constexpr std::size_t kReadCap = 64 * 1024;

[[noreturn]] void fail(const std::string& name, const std::string& what) {
    throw std::runtime_error(name + ": " + what);
}

// 2.6: buffer.c char_class(CC_PRINT) -- ASCII controls and DEL go, UTF-8 bytes stay.
bool kept(std::uint8_t c) { return c >= 0x20 && c != 0x7f; }

// One line of `text` from `pos` (advanced past its '\n'), without trailing "\r\n"s
// (misc.c: chomp).  Returns false at the end of the text.
bool next_line(Bytes text, std::size_t& pos, Bytes& line) {
    if (pos >= text.size()) return false;
    std::size_t end = pos;
    while (end < text.size() && text[end] != '\n') ++end;
    std::size_t n = end - pos;
    while (n > 0 && text[pos + n - 1] == '\r') --n;
    line = text.subspan(pos, n);
    pos = end < text.size() ? end + 1 : end;
    return true;
}

void check_length(Bytes line, int number, const std::string& name) {
    if (line.size() > kMaxCredentialLen)
        fail(name, fmt::format("line {} is longer than {} bytes", number, kMaxCredentialLen));
}

crypto::SecureBuffer cleaned(Bytes line) {
    std::size_t n = 0;
    for (auto c : line) n += kept(c) ? 1 : 0;
    crypto::SecureBuffer out(n);
    std::size_t i = 0;
    for (auto c : line)
        if (kept(c)) out.data()[i++] = c;
    return out;
}

std::string cleaned_text(Bytes line) {
    std::string s;
    for (auto c : line)
        if (kept(c)) s += static_cast<char>(c);
    return s;
}

// The file's content (at most kReadCap bytes), warning about loose permissions on
// the opened file itself (no race between the check and the read).
crypto::SecureBuffer read_file(const std::string& path, const WarnFn& warn) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::string("cannot read: ") + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) && warn)
        warn(fmt::format("WARNING: file '{}' is group or others accessible", path));

    crypto::SecureBuffer buf(kReadCap);
    std::size_t n = 0;
    while (n < buf.size()) {
        const ssize_t r = ::read(fd, buf.data() + n, buf.size() - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail(path, std::string("cannot read: ") + std::strerror(errno));
        if (r == 0) break;
        n += static_cast<std::size_t>(r);
    }
    crypto::SecureBuffer exact(Bytes(buf.data(), n));
    return exact;
}

crypto::SecureBuffer ask(const PromptFn& prompt, const std::string& text, bool echo, const std::string& name,
                         const std::string& no_tty) {
    std::optional<crypto::SecureBuffer> answer;
    try {
        answer = prompt(text, echo);
    } catch (const std::runtime_error& e) {
        fail(name, e.what());
    }
    if (!answer) fail(name, no_tty);
    if (answer->size() > kMaxCredentialLen)
        fail(name, fmt::format("the {} entered is longer than {} bytes", echo ? "username" : "password",
                               kMaxCredentialLen));
    return cleaned(answer->span());
}

}  // namespace

Credentials parse_credentials(Bytes text, const std::string& name) {
    Credentials c;
    std::size_t pos = 0;
    Bytes user, pass;
    if (!next_line(text, pos, user)) fail(name, "username (line 1) is empty");
    check_length(user, 1, name);
    c.username = cleaned_text(user);
    if (c.username.empty()) fail(name, "username (line 1) is empty");
    if (next_line(text, pos, pass)) {
        check_length(pass, 2, name);
        c.password = cleaned(pass);
    }
    return c;
}

Credentials load_credentials(const config::TlsOptions& tls, const WarnFn& warn) {
    return load_credentials(tls, warn, [](const std::string& p, bool echo) {
        return ask_terminal(p, echo, kMaxCredentialLen);
    });
}

Credentials load_credentials(const config::TlsOptions& tls, const WarnFn& warn, const PromptFn& prompt) {
    if (!tls.auth_user_pass) throw std::runtime_error("auth-user-pass: not configured");
    const config::KeySource& src = *tls.auth_user_pass;
    // 2.6: misc.h UP_TYPE_AUTH is "Auth".
    const std::string user_prompt = "Enter Auth Username:", pass_prompt = "Enter Auth Password:";

    if (tls.auth_user_pass_stdin || (src.path.empty() && !src.inline_text)) {
        const std::string name = src.origin.str() + ": auth-user-pass";
        if (!tls.auth_user_pass_stdin)
            fail(name, "[inline] without an <auth-user-pass> block, expected the block or a file");
        const std::string no_tty =
            "no terminal to ask for the username and password on, expected 'auth-user-pass FILE' with "
            "the username on line 1 and the password on line 2";
        Credentials c;
        auto user = ask(prompt, user_prompt, true, name, no_tty);
        c.username.assign(reinterpret_cast<const char*>(user.data()), user.size());
        if (c.username.empty()) fail(name, "the username entered is empty");
        c.password = ask(prompt, pass_prompt, false, name, no_tty);
        return c;
    }

    std::string name;
    Credentials c;
    if (src.inline_text) {
        name = src.origin.str() + ": <auth-user-pass>";
        const std::string& t = *src.inline_text;
        c = parse_credentials(Bytes(reinterpret_cast<const std::uint8_t*>(t.data()), t.size()), name);
    } else {
        name = src.path;
        c = parse_credentials(read_file(src.path, warn).span(), name);
    }
    if (c.password.empty()) {
        // 2.6 asks for the password alone on the console in this case.
        c.password = ask(prompt, pass_prompt, false, name,
                         "no password (line 2), and no terminal to ask for it on");
    }
    return c;
}

}  // namespace vpn::client
