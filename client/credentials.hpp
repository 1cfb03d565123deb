#pragma once
// The username and password a TLS client sends with `auth-user-pass` (the
// key-method 2 message, openvpn-wire.md §4), read as OpenVPN 2.6 reads them
// (misc.c: get_user_pass_cr; options.c: check_file_access CHKACC_PRIVATE):
//
//   auth-user-pass FILE     line 1 = username, line 2 = password, further lines ignored
//   <auth-user-pass> block  the same two lines, inline
//   auth-user-pass          (no argument, "stdin") ask on the terminal:
//                           "Enter Auth Username:" (echoed), "Enter Auth Password:" (not)
//
// Each line loses its line end ("\n", "\r\n"), then every control character (bytes
// below 0x20 and 0x7f; UTF-8 stays) as 2.6's string_mod(CC_PRINT, CC_CRLF) removes
// them.  A line may hold at most kMaxCredentialLen bytes: USER_PASS_LEN - 1 of 2.6
// builds with PKCS#11, as Debian's and most others are (4096 - 1; 127 without it).
// 2.6 silently splits longer lines; we refuse them.
//
// A file or block without a password line (or with an empty one): 2.6 then asks for
// the password on the terminal, and so do we; without a terminal it is an error.
//
// Differences from 2.6, all stricter: an empty username is refused for inline blocks
// too (2.6 checks files and the terminal only); over-long lines are refused.
//
// Errors are std::runtime_error with one line naming the source: the file path, or
// "client.conf:7: <auth-user-pass>" for a block, or "client.conf:7: auth-user-pass"
// for the terminal.  The password is never part of a message.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "common/config/options.hpp"
#include "common/crypto/secure_buffer.hpp"

namespace vpn::client {

inline constexpr std::size_t kMaxCredentialLen = 4095;

struct Credentials {
    std::string username;
    crypto::SecureBuffer password;
};

using WarnFn = std::function<void(const std::string&)>;
// Shows a prompt and reads one line (see tty_prompt.hpp: ask_terminal, the default).
// nullopt = no terminal to ask on.
using PromptFn = std::function<std::optional<crypto::SecureBuffer>(const std::string& prompt, bool echo)>;

// Credentials from tls.auth_user_pass (a path or inline text) or, with
// tls.auth_user_pass_stdin, from the terminal.  `warn` receives
// "WARNING: file 'PATH' is group or others accessible" (2.6's words) for a file with
// any group/other permission bit.
//
// Throws std::runtime_error, one line:
//   "PATH: cannot read: No such file or directory" (or another errno text)
//   "PATH: username (line 1) is empty"
//   "PATH: line 2 is longer than 4095 bytes"
//   "PATH: no password (line 2), and no terminal to ask for it on"
//   "client.conf:7: auth-user-pass: no terminal to ask for the username and password on, ..."
//   "client.conf:7: auth-user-pass: the username entered is empty"
//   "auth-user-pass: not configured" (tls.auth_user_pass unset)
Credentials load_credentials(const config::TlsOptions& tls, const WarnFn& warn);

// The same with the terminal replaced (tests, a management interface later).
Credentials load_credentials(const config::TlsOptions& tls, const WarnFn& warn, const PromptFn& prompt);

// Split `text` (a file's or block's content) into the two lines, with the rules
// above.  `name` labels errors.  The password is empty when line 2 is missing or
// empty (the caller decides whether to ask).
Credentials parse_credentials(Bytes text, const std::string& name);

}  // namespace vpn::client
