#pragma once
// The server's periodically rewritten files: `status FILE N` and
// `ifconfig-pool-persist FILE N`.
//
// 2.6 keeps each file open from startup and rewrites it in place (seek 0, write,
// ftruncate), so a reader can catch it half-written or empty.  We write a temporary
// file beside it and rename it over the old one, so readers see the old text or the
// new, never a mix.  Where the directory does not let us create files (typically
// after `user nobody` dropped root's rights over /var/log/openvpn) we fall back to
// 2.6's in-place rewrite through the descriptor opened before the drop, with one
// warning.  A symlinked path is also rewritten in place, so the link survives.
// Reference: openvpn release/2.6 status.c (status_open, status_flush), pool.c
// (ifconfig_pool_persist_init, ifconfig_pool_read/write).
#include <cstdint>
#include <string>
#include <string_view>

namespace vpn::server {

// "Every N seconds" on the caller's monotonic clock (seconds).  due() is true on its
// first call and then once `seconds` have passed since it was last true or since a
// write was noted; with seconds <= 0 it is never true (writes only when asked).
class RewriteInterval {
public:
    explicit RewriteInterval(int seconds) : seconds_(seconds) {}
    bool due(std::int64_t now_mono);
    // A write happened.  The one that follows a true due() is that interval's; any
    // other (the caller's explicit write) restarts the interval at the next due() call.
    void written();
    int seconds() const { return seconds_; }

private:
    int seconds_;
    bool started_ = false;
    bool just_due_ = false;  // due() was true and its write has not been noted yet
    bool restart_ = false;
    std::int64_t last_ = 0;
};

// One file replaced whole on every write (see the header comment).  Keeps one
// descriptor open: the file as last written (or as opened at construction), for the
// in-place fallback.  Failures are logged as warnings, once per run of failures.
class ReplacedFile {
public:
    // `open_flags`: O_WRONLY or O_RDWR (plus O_CREAT) for the descriptor kept for the
    // in-place fallback, opened now, before privileges may be dropped; 0 opens none.
    // `durable`: fsync before the rename (the pool's assignments should survive a
    // crash; the status file is rewritten soon anyway).
    ReplacedFile(std::string path, int open_flags, bool durable);
    ~ReplacedFile();
    ReplacedFile(const ReplacedFile&) = delete;
    ReplacedFile& operator=(const ReplacedFile&) = delete;

    bool write(std::string_view text);
    const std::string& path() const { return path_; }
    int held_fd() const { return fd_; }

private:
    bool write_renamed(std::string_view text, std::string& error);
    bool write_in_place(std::string_view text, std::string& error);
    void hold(int fd);

    std::string path_;
    bool durable_;
    int fd_ = -1;
    bool warned_in_place_ = false;
    bool failing_ = false;
};

// `status FILE [N]`: the status text, rewritten every N seconds and at exit.
class StatusFile {
public:
    StatusFile(std::string path, int seconds);

    // Replaces the file's content; false (and a warning) when it could not.
    bool write(const std::string& text);
    // Whether the periodic write is due (see RewriteInterval); seconds == 0: never.
    bool due(std::int64_t now_mono) { return interval_.due(now_mono); }
    const std::string& path() const { return file_.path(); }

private:
    ReplacedFile file_;
    RewriteInterval interval_;
};

// `ifconfig-pool-persist FILE [N]`: read at startup, rewritten every N seconds and at
// exit.  N == 0 makes the file read-only (2.6 opens it O_RDONLY and its entries are
// fixed): write() then does nothing.
class PersistFile {
public:
    static constexpr std::size_t kMaxSize = 16u << 20;  // far beyond any pool's text

    PersistFile(std::string path, int seconds);

    // The file's text; "" when it does not exist.  Unreadable (or larger than kMaxSize,
    // then cut there): a warning and what could be read.
    std::string load();
    bool write(const std::string& text);
    bool due(std::int64_t now_mono) { return interval_.due(now_mono); }
    bool read_only() const { return seconds_ <= 0; }
    const std::string& path() const { return file_.path(); }

private:
    int seconds_;
    ReplacedFile file_;
    RewriteInterval interval_;
};

}  // namespace vpn::server
