#include "pki/passphrase.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pki/file_io.hpp"

namespace vpn::pki {

namespace {

constexpr std::size_t kMaxPassphrase = 1024;

// One line from the terminal with echo off; the terminal's mode is restored on
// every path out.
std::string ask(int fd, const std::string& prompt) {
    if (::write(fd, prompt.data(), prompt.size()) < 0) throw PkiError("cannot write to the terminal");
    struct termios old {};
    bool restore = ::tcgetattr(fd, &old) == 0;
    if (restore) {
        struct termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    std::string line;
    line.reserve(kMaxPassphrase + 1);
    char c;
    bool too_long = false;
    for (;;) {
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n' || c == '\r') break;
        if (line.size() < kMaxPassphrase) line += c;
        else too_long = true;
    }
    c = 0;
    if (restore) ::tcsetattr(fd, TCSAFLUSH, &old);
    (void)!::write(fd, "\n", 1);
    if (too_long) {
        wipe(line);
        throw PkiError("passphrase too long");
    }
    return line;
}

}  // namespace

std::string prompt_passphrase(const std::string& prompt, bool confirm) {
    int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw PkiError("no terminal to ask for the passphrase (use --passphrase-file FILE)");
    try {
        std::string p = ask(fd, prompt);
        if (p.empty()) throw PkiError("empty passphrase");
        if (confirm) {
            std::string again = ask(fd, "Confirm: ");
            bool same = again == p;
            wipe(again);
            if (!same) {
                wipe(p);
                throw PkiError("passphrases do not match");
            }
        }
        ::close(fd);
        return p;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

std::string read_passphrase_file(const std::string& path) {
    std::string text = read_text_file(path, 64 * 1024);
    std::string line = text.substr(0, text.find_first_of("\r\n"));
    wipe(text);
    if (line.empty()) throw PkiError(path + ": empty passphrase");
    return line;
}

}  // namespace vpn::pki
