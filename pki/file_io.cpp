#include "pki/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace vpn::pki {

namespace {

PkiError io_error(const std::string& path, const char* what, int err) {
    return PkiError(fmt::format("{}: {}: {}", path, what, std::strerror(err)));
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() {
        int f = fd_;
        fd_ = -1;
        return f;
    }

private:
    int fd_;
};

std::string temp_name(const std::string& path) {
    unsigned char r[6];
    if (RAND_bytes(r, sizeof r) != 1) throw PkiError(path + ": no randomness for a temp file name");
    std::string s = path + ".tmp-";
    for (auto c : r) s += fmt::format("{:02x}", c);
    return s;
}

}  // namespace

std::string read_text_file(const std::string& path, std::size_t max_size) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw io_error(path, "cannot read", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw io_error(path, "cannot read", errno);
    if (!S_ISREG(st.st_mode)) throw PkiError(path + ": not a regular file");
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            wipe(out);
            throw io_error(path, "cannot read", errno);
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_size) {
            wipe(out);
            OPENSSL_cleanse(buf, sizeof buf);
            throw PkiError(path + ": file too large");
        }
        // Grow by doubling ourselves so a reallocation never leaves an unwiped copy
        // of key text behind in freed memory.
        if (out.capacity() < out.size() + n) {
            std::string bigger;
            bigger.reserve(std::max<std::size_t>(2 * out.capacity(), out.size() + n + 4096));
            bigger.append(out);
            wipe(out);
            out.swap(bigger);
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return out;
}

void write_file(const std::string& path, Bytes data, unsigned mode, WriteMode how) {
    if (how == WriteMode::CreateNew && file_exists(path)) throw PkiError(path + ": already exists");
    std::string tmp = temp_name(path);
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 07777));
    if (fd.get() < 0) throw io_error(path, "cannot write", errno);
    auto fail = [&](int err) {
        ::unlink(tmp.c_str());
        return io_error(path, "cannot write", err);
    };
    // open() applies the umask; the mode asked for is the mode wanted.
    if (::fchmod(fd.get(), mode & 07777) != 0) throw fail(errno);
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw fail(errno);
        }
        off += static_cast<std::size_t>(n);
    }
    // No fsync: like openssl ca and easy-rsa we rely on rename() for a whole old or
    // whole new file after a crash (ext4's auto_da_alloc covers replace-by-rename);
    // fsync per file made a CA operation cost tens of milliseconds of disk flushes.
    if (::close(fd.release()) != 0) throw fail(errno);
    if (how == WriteMode::CreateNew) {
        // link() fails if `path` appeared meanwhile: no silent overwrite even in a race.
        if (::link(tmp.c_str(), path.c_str()) != 0) {
            int err = errno;
            ::unlink(tmp.c_str());
            if (err == EEXIST) throw PkiError(path + ": already exists");
            throw io_error(path, "cannot write", err);
        }
        ::unlink(tmp.c_str());
    } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
        throw fail(errno);
    }
}

void make_dirs(const std::string& path, unsigned mode) {
    if (path.empty()) return;
    std::string cur;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        std::size_t next = path.find('/', pos + (pos == 0 && path[0] == '/' ? 1 : 0));
        cur = path.substr(0, next);
        pos = next == std::string::npos ? next : next + 1;
        if (cur.empty() || cur == "/" || cur == "." || cur == "..") continue;
        if (::mkdir(cur.c_str(), mode & 07777) == 0) {
            ::chmod(cur.c_str(), mode & 07777);  // past the umask
            continue;
        }
        if (errno != EEXIST) throw io_error(cur, "cannot create directory", errno);
        struct stat st {};
        if (::stat(cur.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw PkiError(cur + ": not a directory");
    }
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

void move_file(const std::string& from, const std::string& to) {
    if (file_exists(to)) throw PkiError(fmt::format("{}: cannot move to {}: it already exists", from, to));
    if (::rename(from.c_str(), to.c_str()) != 0)
        throw PkiError(fmt::format("{}: cannot move to {}: {}", from, to, std::strerror(errno)));
}

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

}  // namespace vpn::pki
