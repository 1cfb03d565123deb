#include "server/status_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/log/log.hpp"

namespace vpn::server {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

bool write_all_at(int fd, std::string_view text, std::string& error) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = n < 0 ? errno_text(errno) : "short write";
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

}  // namespace

bool RewriteInterval::due(std::int64_t now_mono) {
    just_due_ = false;
    if (seconds_ <= 0) return false;
    if (restart_) {
        restart_ = false;
        started_ = true;
        last_ = now_mono;
        return false;
    }
    // Never written: due at once, as 2.6's event timeout starting from time 0.
    if (!started_ || now_mono - last_ >= seconds_) {
        started_ = true;
        last_ = now_mono;
        just_due_ = true;
        return true;
    }
    return false;
}

void RewriteInterval::written() {
    if (just_due_)
        just_due_ = false;
    else
        restart_ = true;
}

ReplacedFile::ReplacedFile(std::string path, int open_flags, bool durable)
    : path_(std::move(path)), durable_(durable) {
    if (open_flags == 0) return;
    const int fd = ::open(path_.c_str(), open_flags | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log::warn("Note: cannot open {} for {}: {}", path_, (open_flags & O_RDWR) ? "READ/WRITE" : "WRITE",
                  errno_text(errno));
        return;
    }
    fd_ = fd;
}

ReplacedFile::~ReplacedFile() {
    if (fd_ >= 0) ::close(fd_);
}

void ReplacedFile::hold(int fd) {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
}

bool ReplacedFile::write(std::string_view text) {
    struct stat st {};
    const bool symlink = ::lstat(path_.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
    std::string renamed_error;
    bool ok = !symlink && write_renamed(text, renamed_error);
    if (!ok) {
        std::string in_place_error;
        ok = write_in_place(text, in_place_error);
        if (ok && !symlink && !warned_in_place_) {
            warned_in_place_ = true;
            log::warn("{}: {}; rewriting the file in place instead (readers may see it half-written)", path_,
                      renamed_error);
        }
        if (!ok) {
            if (!failing_) {
                if (renamed_error.empty())
                    log::warn("{}: cannot write: {}", path_, in_place_error);
                else
                    log::warn("{}: cannot write: {}; in place: {}", path_, renamed_error, in_place_error);
            }
            failing_ = true;
            return false;
        }
    }
    if (failing_) log::info("{}: written again", path_);
    failing_ = false;
    return true;
}

bool ReplacedFile::write_renamed(std::string_view text, std::string& error) {
    const std::size_t slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
    const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
    // A dot name, so tools globbing the directory skip a temporary left by a crash.
    std::string temp = (dir == "/" ? "" : dir) + "/." + base + ".XXXXXX";
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) {
        error = "cannot create a temporary file in " + dir + ": " + errno_text(errno);
        return false;
    }
    auto fail = [&](const std::string& what) {
        error = what;
        ::unlink(temp.c_str());
        ::close(fd);
        return false;
    };
    if (!write_all_at(fd, text, error)) return fail("cannot write " + temp + ": " + error);
    // mkostemp gives 0600, as 2.6 creates these files; an existing file keeps the mode
    // (and, when we may, the owner) the administrator gave it.
    struct stat cur {};
    if (::stat(path_.c_str(), &cur) == 0) {
        (void)::fchmod(fd, cur.st_mode & 07777);
        if (::geteuid() == 0) (void)::fchown(fd, cur.st_uid, cur.st_gid);
    }
    if (durable_ && ::fsync(fd) != 0) return fail("cannot sync " + temp + ": " + errno_text(errno));
    if (::rename(temp.c_str(), path_.c_str()) != 0) return fail("cannot rename " + temp + ": " + errno_text(errno));
    hold(fd);  // now the file itself: kept for the in-place fallback
    return true;
}

bool ReplacedFile::write_in_place(std::string_view text, std::string& error) {
    // The kept descriptor is only good while it is still the file at our path (a
    // rotated or deleted file must not receive our writes).
    // A path we may no longer even look at (EACCES after dropping privileges) is
    // trusted to be the file we hold, as 2.6 trusts its descriptor.
    if (fd_ >= 0) {
        struct stat held {}, now {};
        if (::fstat(fd_, &held) != 0) {
            hold(-1);
        } else if (::stat(path_.c_str(), &now) != 0 ? errno != EACCES : !same_file(held, now)) {
            hold(-1);
        }
    }
    if (fd_ < 0) {
        const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            error = "cannot open: " + errno_text(errno);
            return false;
        }
        hold(fd);
    }
    // 2.6's order (status_flush): write from offset 0, then cut the file to length.
    if (!write_all_at(fd_, text, error)) return false;
    if (::ftruncate(fd_, static_cast<off_t>(text.size())) != 0) {
        error = "cannot truncate: " + errno_text(errno);
        return false;
    }
    return true;
}

StatusFile::StatusFile(std::string path, int seconds)
    : file_(std::move(path), O_WRONLY, false), interval_(seconds) {}

bool StatusFile::write(const std::string& text) {
    interval_.written();
    return file_.write(text);
}

PersistFile::PersistFile(std::string path, int seconds)
    : seconds_(seconds), file_(std::move(path), seconds > 0 ? O_RDWR : 0, true), interval_(seconds) {}

std::string PersistFile::load() {
    const int fd = ::open(path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) log::warn("Note: cannot open {} for READ: {}", path(), errno_text(errno));
        return {};
    }
    std::string text;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            log::warn("{}: read error: {}", path(), errno_text(errno));
            break;
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxSize) {
            text.resize(kMaxSize);
            log::warn("{}: larger than {} bytes; the rest is ignored", path(), kMaxSize);
            break;
        }
    }
    ::close(fd);
    return text;
}

bool PersistFile::write(const std::string& text) {
    if (read_only()) return true;  // 2.6: seconds 0 opens the file O_RDONLY; it is never written
    interval_.written();
    return file_.write(text);
}

}  // namespace vpn::server
