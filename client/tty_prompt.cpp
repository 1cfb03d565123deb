#include "client/tty_prompt.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vpn::client {
namespace {

// Bytes of one over-long line read and dropped before giving up on finding its end.
constexpr std::size_t kDiscardLimit = 1 << 20;

void write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;  // a prompt that cannot be shown is not worth failing for
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

// The terminal fd pair: /dev/tty for both, or stdin/stderr (2.6: open_tty).
struct Tty {
    int in = -1, out = -1;
    bool owned = false;
    ~Tty() {
        if (owned) ::close(in);
    }
};

bool open_tty(Tty& t) {
    // O_NOCTTY: never acquire a controlling terminal by asking a question.
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) {
        t.in = t.out = fd;
        t.owned = true;
        return true;
    }
    if (::isatty(STDIN_FILENO)) {
        t.in = STDIN_FILENO;
        t.out = ::isatty(STDERR_FILENO) ? STDERR_FILENO : STDIN_FILENO;
        return true;
    }
    return false;
}

}  // namespace

std::optional<crypto::SecureBuffer> ask_terminal(const std::string& prompt, bool echo, std::size_t max_len) {
    Tty tty;
    if (!open_tty(tty)) return std::nullopt;
    termios saved{};
    bool restore = false;
    if (!echo && ::tcgetattr(tty.in, &saved) == 0) {
        termios quiet = saved;
        // As 2.6 does; ISIG off too, so ^C cannot kill us with echo still off.
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL | ISIG);
        restore = ::tcsetattr(tty.in, TCSAFLUSH, &quiet) == 0;
    }
    // Echo goes off before the prompt shows (2.6 does it after), so nothing typed as
    // soon as the prompt appears is echoed or flushed away.
    write_all(tty.out, prompt.data(), prompt.size());

    crypto::SecureBuffer buf(max_len + 1);
    std::size_t kept = 0, seen = 0;
    bool got_line = false, failed = false;
    int read_errno = 0;
    while (seen < max_len + 1 + kDiscardLimit) {
        char c = 0;
        const ssize_t r = ::read(tty.in, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            failed = true;
            read_errno = errno;
            break;
        }
        if (r == 0) break;  // end of input
        if (c == '\n') {
            got_line = true;
            break;
        }
        ++seen;
        if (kept < buf.size()) buf.data()[kept++] = static_cast<std::uint8_t>(c);
        crypto::cleanse({reinterpret_cast<std::uint8_t*>(&c), 1});
    }
    if (seen >= max_len + 1 + kDiscardLimit) got_line = true;  // absurdly long: reported as too long
    if (restore) {
        ::tcsetattr(tty.in, TCSAFLUSH, &saved);
        write_all(tty.out, "\n", 1);  // the newline the user typed was not echoed
    }
    if (failed) throw std::runtime_error(std::string("terminal: cannot read: ") + std::strerror(read_errno));
    // 2.6 accepts a last line without "\n" (fgets); so do we, unless nothing came.
    if (!got_line && seen == 0) throw std::runtime_error("terminal: no answer (end of input)");
    while (kept > 0 && buf.data()[kept - 1] == '\r') --kept;

    crypto::SecureBuffer line(Bytes(buf.data(), kept));
    return line;
}

}  // namespace vpn::client
