#pragma once
// Where the CA key's passphrase comes from when `vpn pki` is asked for one
// (`--passphrase`: the terminal; `--passphrase-file FILE`: scripts and tests).
// The returned text is secret: the caller wipe()s it.
#include <string>

namespace vpn::pki {

// Ask on the controlling terminal (/dev/tty) with echo off; with `confirm`, ask twice
// and refuse a mismatch.  Throws PkiError("no terminal to ask for the passphrase")
// when there is none, and for an empty answer.
std::string prompt_passphrase(const std::string& prompt, bool confirm);

// The first line of FILE without its line ending (openssl's `-pass file:`).
// Throws PkiError("FILE: ...") if unreadable or if that line is empty.
std::string read_passphrase_file(const std::string& path);

}  // namespace vpn::pki
