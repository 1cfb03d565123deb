#pragma once
// Small, careful file operations for the CA directory: bounded reads, writes that
// never leave a half-written file behind (temp file + rename), explicit modes.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/util/bytes.hpp"
#include "pki/pki_error.hpp"

namespace vpn::pki {

// The whole file, at most `max_size` bytes.  Throws PkiError("PATH: cannot read: why")
// if it is missing or unreadable and PkiError("PATH: file too large") beyond the cap.
// The buffer never reallocates behind the caller's back with text left in freed
// memory, so a key file's text is fully removed by wipe() on the result.
std::string read_text_file(const std::string& path, std::size_t max_size = 4u << 20);

enum class WriteMode {
    CreateNew,  // fail with "PATH: already exists" if the file exists
    Replace,    // atomically replace any existing file
};

// Write `data` to `path` with permission `mode` (e.g. 0600), through a temp file in
// the same directory renamed over `path` (readers see the old or the new file,
// never a partial one).  Throws PkiError.
void write_file(const std::string& path, Bytes data, unsigned mode, WriteMode how);
inline void write_file(const std::string& path, std::string_view text, unsigned mode, WriteMode how) {
    write_file(path, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), mode, how);
}

// mkdir -p with `mode` for the directories it creates.  Throws PkiError.
void make_dirs(const std::string& path, unsigned mode);

bool file_exists(const std::string& path);

// rename(2); throws PkiError("FROM: cannot move to TO: why").  Refuses to replace an
// existing `to`.
void move_file(const std::string& from, const std::string& to);

// Wipe a string that held secret text (PEM keys, passphrases), then clear it.
void wipe(std::string& s);

}  // namespace vpn::pki
