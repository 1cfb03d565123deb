// client/credentials.hpp + tty_prompt.hpp: auth-user-pass from a file, an inline
// block or the terminal, with OpenVPN 2.6's line rules (misc.c: get_user_pass_cr).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "client/credentials.hpp"
#include "client/tty_prompt.hpp"
#include "test_pki_support.hpp"

using namespace vpn;
using namespace vpn::client;
using pki_test::spit;
using pki_test::TempDir;

namespace {

config::Origin origin() { return config::Origin{"/etc/vpn/client.conf", 7, "auth-user-pass"}; }

config::TlsOptions from_file(const std::string& path) {
    config::TlsOptions t;
    t.auth_user_pass = config::KeySource{path, std::nullopt, origin()};
    return t;
}

config::TlsOptions from_inline(const std::string& text) {
    config::TlsOptions t;
    t.auth_user_pass = config::KeySource{"", text, origin()};
    return t;
}

config::TlsOptions from_stdin() {
    config::TlsOptions t;
    t.auth_user_pass = config::KeySource{"", std::nullopt, origin()};
    t.auth_user_pass_stdin = true;
    return t;
}

std::string text_of(const crypto::SecureBuffer& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

// A scripted terminal: answers in order (nullopt entries = no terminal), records
// every prompt with its echo flag.
struct FakeTty {
    std::vector<std::optional<std::string>> answers;
    std::vector<std::pair<std::string, bool>> asked;
    PromptFn fn() {
        return [this](const std::string& p, bool echo) -> std::optional<crypto::SecureBuffer> {
            asked.emplace_back(p, echo);
            REQUIRE(asked.size() <= answers.size());
            const auto& a = answers[asked.size() - 1];
            if (!a) return std::nullopt;
            return crypto::SecureBuffer(Bytes(reinterpret_cast<const std::uint8_t*>(a->data()), a->size()));
        };
    }
};

struct Warnings {
    std::vector<std::string> lines;
    WarnFn fn() {
        return [this](const std::string& m) { lines.push_back(m); };
    }
};

// The error text of load_credentials ("" if none), with no terminal at all.
std::string error_of(const config::TlsOptions& t, FakeTty* tty = nullptr) {
    FakeTty none{{std::nullopt, std::nullopt}};
    try {
        load_credentials(t, {}, (tty ? tty : &none)->fn());
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
        return e.what();
    }
    return {};
}

std::string private_file(const TempDir& d, const std::string& text, mode_t mode = 0600) {
    std::string p = d / "auth.txt";
    spit(p, text);
    REQUIRE(::chmod(p.c_str(), mode) == 0);
    return p;
}

}  // namespace

TEST_CASE("credentials: a file's two lines; line ends, later lines, control characters") {
    TempDir d;
    Warnings w;
    FakeTty tty;
    auto c = load_credentials(from_file(private_file(d, "alice\nsecret\n")), w.fn(), tty.fn());
    CHECK(c.username == "alice");
    CHECK(text_of(c.password) == "secret");
    CHECK(w.lines.empty());
    CHECK(tty.asked.empty());

    c = load_credentials(from_file(private_file(d, "alice\r\ns3 cr\xc3\xa9t\r\nthird line\n")), w.fn(), tty.fn());
    CHECK(c.username == "alice");
    CHECK(text_of(c.password) == "s3 cr\xc3\xa9t");  // spaces and UTF-8 stay

    c = load_credentials(from_file(private_file(d, "bob\npass")), w.fn(), tty.fn());  // no final newline
    CHECK(text_of(c.password) == "pass");

    // 2.6 string_mod(CC_PRINT): tabs, DEL, stray CR and NUL are dropped.
    c = load_credentials(from_file(private_file(d, std::string("a\tb\x7f\rc\nx\0y\r\r\n", 14))), w.fn(), tty.fn());
    CHECK(c.username == "abc");
    CHECK(text_of(c.password) == "xy");
    CHECK(tty.asked.empty());
}

TEST_CASE("credentials: inline block") {
    FakeTty tty;
    auto c = load_credentials(from_inline("carol\ntopsecret\n"), {}, tty.fn());
    CHECK(c.username == "carol");
    CHECK(text_of(c.password) == "topsecret");
    CHECK(error_of(from_inline("\npw\n")) == "/etc/vpn/client.conf:7: <auth-user-pass>: username (line 1) is empty");
}

TEST_CASE("credentials: a file readable by group or others is warned about") {
    TempDir d;
    for (mode_t m : {0640, 0604, 0610, 0601}) {
        Warnings w;
        std::string p = private_file(d, "u\np\n", m);
        load_credentials(from_file(p), w.fn(), FakeTty{}.fn());
        REQUIRE(w.lines.size() == 1);
        CHECK(w.lines[0] == "WARNING: file '" + p + "' is group or others accessible");
    }
    Warnings w;
    load_credentials(from_file(private_file(d, "u\np\n", 0400)), w.fn(), FakeTty{}.fn());
    CHECK(w.lines.empty());
    load_credentials(from_file(private_file(d, "u\np\n", 0644)), {}, FakeTty{}.fn());  // no callback: fine
}

TEST_CASE("credentials: errors name the source in one line") {
    TempDir d;
    CHECK(error_of(from_file(d / "none.txt")) == d / "none.txt: cannot read: No such file or directory");
    CHECK(error_of(from_file(d.path())) == d.path() + ": cannot read: Is a directory");
    std::string p = d / "auth.txt";
    CHECK(error_of(from_file(private_file(d, ""))) == p + ": username (line 1) is empty");
    CHECK(error_of(from_file(private_file(d, "\nsecret\n"))) == p + ": username (line 1) is empty");
    CHECK(error_of(from_file(private_file(d, "\t\r\nsecret\n"))) == p + ": username (line 1) is empty");
    CHECK(error_of(config::TlsOptions{}) == "auth-user-pass: not configured");
    config::TlsOptions dangling;
    dangling.auth_user_pass = config::KeySource{"", std::nullopt, origin()};
    CHECK(error_of(dangling) ==
          "/etc/vpn/client.conf:7: auth-user-pass: [inline] without an <auth-user-pass> block, expected the block or a "
          "file");
}

TEST_CASE("credentials: lines of 4095 bytes are fine, 4096 are refused without echoing them") {
    TempDir d;
    const std::string ok(kMaxCredentialLen, 'u'), long_user(kMaxCredentialLen + 1, 'u');
    const std::string long_pw(kMaxCredentialLen + 1, 'S');
    auto c = load_credentials(from_file(private_file(d, ok + "\r\n" + ok + "\n")), {}, FakeTty{}.fn());
    CHECK(c.username == ok);
    CHECK(c.password.size() == kMaxCredentialLen);
    std::string p = d / "auth.txt";
    CHECK(error_of(from_file(private_file(d, long_user + "\npw\n"))) == p + ": line 1 is longer than 4095 bytes");
    const std::string e = error_of(from_file(private_file(d, "u\n" + long_pw + "\n")));
    CHECK(e == p + ": line 2 is longer than 4095 bytes");
    CHECK(error_of(from_inline("u\n" + long_pw + "\n")) ==
          "/etc/vpn/client.conf:7: <auth-user-pass>: line 2 is longer than 4095 bytes");
    // A huge file: only its start is read, and the first line is too long.
    CHECK(error_of(from_file(private_file(d, std::string(1 << 20, 'x')))) == p + ": line 1 is longer than 4095 bytes");
}

TEST_CASE("credentials: username only -> the password is asked on the terminal, as 2.6 does") {
    TempDir d;
    for (const char* text : {"alice\n", "alice", "alice\n\n", "alice\r\n\r\nignored\n"}) {
        FakeTty tty{{std::string("from-tty")}};
        auto c = load_credentials(from_file(private_file(d, text)), {}, tty.fn());
        CHECK(c.username == "alice");
        CHECK(text_of(c.password) == "from-tty");
        REQUIRE(tty.asked.size() == 1);
        CHECK(tty.asked[0] == std::pair<std::string, bool>{"Enter Auth Password:", false});
    }
    std::string p = d / "auth.txt";
    CHECK(error_of(from_file(private_file(d, "alice\n"))) == p + ": no password (line 2), and no terminal to ask for it on");
    CHECK(error_of(from_inline("alice\n")) ==
          "/etc/vpn/client.conf:7: <auth-user-pass>: no password (line 2), and no terminal to ask for it on");
}

TEST_CASE("credentials: auth-user-pass without a file asks for both") {
    FakeTty tty{{std::string("dave"), std::string("pw\x01")}};
    auto c = load_credentials(from_stdin(), {}, tty.fn());
    CHECK(c.username == "dave");
    CHECK(text_of(c.password) == "pw");
    REQUIRE(tty.asked.size() == 2);
    CHECK(tty.asked[0] == std::pair<std::string, bool>{"Enter Auth Username:", true});
    CHECK(tty.asked[1] == std::pair<std::string, bool>{"Enter Auth Password:", false});

    const std::string name = "/etc/vpn/client.conf:7: auth-user-pass: ";
    CHECK(error_of(from_stdin()) == name +
                                        "no terminal to ask for the username and password on, expected 'auth-user-pass "
                                        "FILE' with the username on line 1 and the password on line 2");
    FakeTty empty{{std::string(""), std::string("pw")}};
    CHECK(error_of(from_stdin(), &empty) == name + "the username entered is empty");
    FakeTty long_pw{{std::string("u"), std::string(kMaxCredentialLen + 1, 'S')}};
    CHECK(error_of(from_stdin(), &long_pw) == name + "the password entered is longer than 4095 bytes");
    // An empty password typed in is accepted (2.6 does not check it).
    FakeTty blank{{std::string("u"), std::string("")}};
    CHECK(load_credentials(from_stdin(), {}, blank.fn()).password.empty());
}

TEST_CASE("credentials: the real terminal prompt without a controlling terminal gives the error") {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        ::alarm(10);
        ::setsid();  // no controlling terminal any more
        const int devnull = ::open("/dev/null", O_RDWR);
        ::dup2(devnull, 0);
        std::string out;
        try {
            load_credentials(from_stdin(), {});
            out = "no error";
        } catch (const std::runtime_error& e) {
            out = e.what();
        }
        (void)!::write(p[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string got;
    char buf[512];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
    ::close(p[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(got.find("auth-user-pass: no terminal to ask for the username and password on") != std::string::npos);
}

namespace {

// Read from the pty master until `want` shows up (5 s at most); everything read.
std::string read_until(int master, const std::string& want, std::string& all) {
    char buf[256];
    while (all.find(want) == std::string::npos) {
        pollfd pfd{master, POLLIN, 0};
        if (::poll(&pfd, 1, 5000) <= 0) break;
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;
        all.append(buf, static_cast<std::size_t>(n));
    }
    return all;
}

}  // namespace

TEST_CASE("credentials: on a real terminal the username echoes and the password does not") {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) {
        MESSAGE("no pseudo-terminal available, skipped");
        return;
    }
    const std::string slave = ::ptsname(master);
    int p[2];
    REQUIRE(::pipe(p) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        ::close(master);
        ::alarm(10);
        ::setsid();
        const int fd = ::open(slave.c_str(), O_RDWR);  // session leader: becomes the controlling tty
        (void)fd;
        std::string out;
        try {
            auto c = load_credentials(from_stdin(), {});
            out = c.username + "|" + text_of(c.password);
        } catch (const std::runtime_error& e) {
            out = std::string("error: ") + e.what();
        }
        (void)!::write(p[1], out.data(), out.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string screen;
    read_until(master, "Enter Auth Username:", screen);
    REQUIRE(::write(master, "alice\n", 6) == 6);
    read_until(master, "Enter Auth Password:", screen);
    // Echo is already off when the prompt shows.
    REQUIRE(::write(master, "s3cret\n", 7) == 7);
    std::string got;
    char buf[256];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
    ::close(p[0]);
    read_until(master, "<end of output>", screen);  // the rest, up to EIO once the child is gone
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    CHECK(got == "alice|s3cret");
    CHECK(screen.find("alice") != std::string::npos);
    CHECK(screen.find("s3cret") == std::string::npos);
}
