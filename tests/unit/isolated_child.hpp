#pragma once
// Root-only tests run in a forked child inside a private network namespace, so they
// never touch the host's interfaces.  The child reports through a pipe: its text
// (shown as a MESSAGE), a failure (FAIL with the text) or a skip (throw Skip{why}).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <fmt/format.h>

namespace test_support {

inline constexpr int kSkip = 77;

struct Skip {
    std::string why;
};

#define EXPECT(cond)                                                                                       \
    do {                                                                                                   \
        if (!(cond)) throw std::runtime_error(fmt::format("line {}: EXPECT({}) failed", __LINE__, #cond)); \
    } while (0)

inline void write_all(int fd, const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
        const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// Forks; the child unshares `flags` (a new netns at least) and runs `body`, which
// returns nothing or a text to report.  Returns true if the body passed.
template <class Body>
bool run_isolated(const std::string& label, Body&& body, int flags = CLONE_NEWNET) {
    if (::geteuid() != 0) {
        MESSAGE(label, ": skipped, needs root for a private network namespace");
        return false;
    }
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        ::alarm(60);  // a hung child must not hang the test run
        int code = 0;
        std::string text;
        try {
            if (::unshare(flags) != 0) throw Skip{fmt::format("unshare: {}", std::strerror(errno))};
            if constexpr (std::is_void_v<std::invoke_result_t<Body>>)
                body();
            else
                text = body();
        } catch (const Skip& s) {
            code = kSkip;
            text = s.why;
        } catch (const std::exception& e) {
            code = 1;
            text = e.what();
        } catch (...) {
            code = 1;
            text = "unknown exception";
        }
        write_all(p[1], text);
        ::_exit(code);
    }
    ::close(p[1]);
    std::string text;
    char buf[512];
    for (;;) {
        const ssize_t n = ::read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(p[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == kSkip) {
        MESSAGE(label, ": skipped: ", text);
        return false;
    }
    if (!WIFEXITED(status)) FAIL(label, ": child killed by signal ", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0) FAIL(label, ": ", text);
    if (!text.empty()) MESSAGE(label, ": ", text);
    return true;
}

}  // namespace test_support
