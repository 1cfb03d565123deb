#pragma once
// Asking the user on the controlling terminal, as OpenVPN 2.6 does for
// auth-user-pass and key passphrases (console_builtin.c: get_console_input): the
// prompt goes to /dev/tty, the answer is read from /dev/tty, echo off for secrets.
#include <cstddef>
#include <optional>
#include <string>

#include "common/crypto/secure_buffer.hpp"

namespace vpn::client {

// Show `prompt` and read one line, without its line end ("\n", "\r\n").  With
// `echo` false the terminal does not show what is typed (ECHO and ISIG off, so ^C
// cannot leave the terminal silent) and a newline is written afterwards.
//
// Uses /dev/tty; without a controlling terminal, stdin if it is a terminal.
// Returns nullopt when neither exists (daemon, service, pipe).  At most
// `max_len + 1` bytes are kept (the rest of the line is read and dropped), so a
// caller limiting lines to `max_len` sees an over-long answer as longer.  Throws
// std::runtime_error("terminal: ...") when input ends before a line.
std::optional<crypto::SecureBuffer> ask_terminal(const std::string& prompt, bool echo, std::size_t max_len);

}  // namespace vpn::client
