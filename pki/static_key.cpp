#include "pki/static_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "common/crypto/random.hpp"
#include "common/crypto/secure_buffer.hpp"
#include "common/log/log.hpp"
#include "common/util/hex.hpp"

namespace vpn::pki {
namespace {

constexpr std::string_view kHead = "-----BEGIN OpenVPN Static key V1-----";
constexpr std::string_view kFoot = "-----END OpenVPN Static key V1-----";
constexpr std::size_t kOneKey = crypto::Key2::kKeyLen;
constexpr std::size_t kAllKeys = kOneKey * crypto::Key2::kMaxKeys;
constexpr std::size_t kMaxFileSize = 64 * 1024;

// The C locale's isspace, without the locale.
bool is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool is_print(unsigned char c) { return c >= 0x20 && c < 0x7f; }

std::string counts(std::size_t count) {
    return fmt::format("({}/{}/{} bytes found/min/max)", count, kOneKey, kAllKeys);
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() { if (fd_ >= 0) ::close(fd_); }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    int release() { int fd = fd_; fd_ = -1; return fd; }

private:
    int fd_;
};

KeyFileError file_error(const std::string& path, const char* what, int err) {
    return KeyFileError(fmt::format("{}: {}: {}", path, what, std::strerror(err)));
}

}  // namespace

StaticKey StaticKey::from_bytes(Bytes b) { return StaticKey(crypto::Key2::from_bytes(b)); }

StaticKey parse_static_key(std::string_view text, const std::string& name) {
    // Same state machine as crypto.c: read_key_file, so that every file stock
    // OpenVPN accepts is accepted here and vice versa.
    enum class State { Initial, Head, Data, DataComplete, Foot, Finished };
    State state = State::Initial;
    std::uint8_t out[kAllKeys];
    std::size_t count = 0;
    int pending = -1;  // first nibble of a hex pair, -1 if none
    std::size_t line_num = 1, line_index = 0, match = 0;

    auto wipe = [&] { crypto::cleanse(MutBytes(out, sizeof out)); };

    for (unsigned char c : text) {
        if (c == '\n') {
            line_index = match = 0;
            ++line_num;
            continue;
        }
        if (line_index == 0) {
            if (state == State::Head) state = State::Data;  // first line after the header
            if ((state == State::Data || state == State::DataComplete) && c == '-')
                state = State::Foot;
        }
        // A line counts as header/footer if it starts with the exact text; what
        // follows on the same line is ignored.
        if (state == State::Initial && line_index < kHead.size() && c == kHead[line_index] &&
            ++match == kHead.size())
            state = State::Head;
        if (state == State::Foot && line_index < kFoot.size() && c == kFoot[line_index] &&
            ++match == kFoot.size())
            state = State::Finished;
        if (state == State::Data) {
            int v = hex_value(static_cast<char>(c));
            if (v >= 0) {
                if (pending < 0) {
                    pending = v;
                } else {
                    out[count++] = static_cast<std::uint8_t>(pending << 4 | v);
                    pending = -1;
                    if (count == kAllKeys) state = State::DataComplete;
                }
            } else if (!is_space(c)) {
                wipe();
                if (is_print(c))
                    throw KeyFileError(fmt::format("{}: Non-Hex character ('{}') found at line {} {}",
                                                   name, static_cast<char>(c), line_num, counts(count)));
                throw KeyFileError(fmt::format("{}: Non-Hex, unprintable character (0x{:02x}) found at line {} {}",
                                               name, c, line_num, counts(count)));
            }
        }
        ++line_index;
    }

    const std::size_t n_keys = count / kOneKey;
    if (n_keys == 0) {
        wipe();
        throw KeyFileError(fmt::format("{}: Insufficient key material or header text not found {}",
                                       name, counts(count)));
    }
    if (state != State::Finished) {
        wipe();
        throw KeyFileError(fmt::format("{}: Footer text not found {}", name, counts(count)));
    }
    StaticKey k = StaticKey::from_bytes(Bytes(out, n_keys * kOneKey));
    wipe();
    return k;
}

StaticKey read_static_key_file(const std::string& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw file_error(path, "cannot open key file", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw file_error(path, "cannot stat key file", errno);
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        log::warn("WARNING: file '{}' is group or others accessible", path);
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
        throw KeyFileError(path + ": not a regular file");

    // Read up to the cap (plus one byte to notice a larger file) into wiped memory.
    crypto::SecureBuffer buf(kMaxFileSize + 1);
    std::size_t len = 0;
    while (len < buf.size()) {
        ssize_t r = ::read(fd.get(), buf.data() + len, buf.size() - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw file_error(path, "read error on key file", errno);
        }
        if (r == 0) break;
        len += static_cast<std::size_t>(r);
    }
    if (len > kMaxFileSize) throw KeyFileError(path + ": key file is larger than 64 KiB");
    return parse_static_key(std::string_view(reinterpret_cast<const char*>(buf.data()), len), path);
}

std::string format_static_key(const StaticKey& k) {
    // crypto.c: write_key_file.
    std::string s = fmt::format("#\n# {} bit OpenVPN static key\n#\n{}\n", k.key_count() * kOneKey * 8, kHead);
    static constexpr char kDigits[] = "0123456789abcdef";
    Bytes raw = k.raw();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        s += kDigits[raw[i] >> 4];
        s += kDigits[raw[i] & 15];
        if (i % 16 == 15) s += '\n';
    }
    s += kFoot;
    s += '\n';
    return s;
}

StaticKey generate_static_key() {
    std::uint8_t b[kAllKeys];
    crypto::random_priv_bytes(MutBytes(b, sizeof b));
    StaticKey k = StaticKey::from_bytes(Bytes(b, sizeof b));
    crypto::cleanse(MutBytes(b, sizeof b));
    return k;
}

void write_static_key_file(const std::string& path, const StaticKey& k, bool overwrite) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (overwrite ? O_TRUNC : O_EXCL);
    FileDescriptor fd(::open(path.c_str(), flags, S_IRUSR | S_IWUSR));
    if (fd.get() < 0) {
        if (errno == EEXIST)
            throw KeyFileError(path + ": file exists; refusing to overwrite a key file (remove it first)");
        throw file_error(path, "cannot open file for write", errno);
    }
    // An existing file keeps its old mode through O_TRUNC; a key must not.
    if (overwrite && ::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0)
        throw file_error(path, "cannot set mode 0600", errno);

    std::string text = format_static_key(k);
    std::size_t done = 0;
    int err = 0;
    while (done < text.size()) {
        ssize_t w = ::write(fd.get(), text.data() + done, text.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        done += static_cast<std::size_t>(w);
    }
    crypto::cleanse(MutBytes(reinterpret_cast<std::uint8_t*>(text.data()), text.size()));
    if (err) throw file_error(path, "write error", err);
    if (::close(fd.release()) != 0) throw file_error(path, "close error", errno);
}

}  // namespace vpn::pki
