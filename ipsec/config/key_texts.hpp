#pragma once
// Internal to build_plan: loading the texts that technique ipsec keeps keys in
// (ike-psk, setkey), from a file or an inline block.
#include <string>

#include "common/config/load.hpp"
#include "common/crypto/secure_buffer.hpp"

namespace vpn::ipsec {

struct KeyText {
    crypto::SecureBuffer text;
    std::string name;    // the path, or "FILE:LINE" of the block
    std::string file;    // for messages about a line inside: the path, or the config file
    int first_line = 1;  // the text's first line in `file`
};

// Reads src (at most 1 MiB).  A file that group or others may read is warned about:
// it holds keys; with `refuse_world_readable` one that everybody may read is an
// error instead (the pre-shared keys of every peer must not be).  Throws
// config::ConfigError at src's line when it cannot be read.
KeyText load_key_text(const config::KeySource& src, const config::WarningSink& warn,
                      bool refuse_world_readable = false);

}  // namespace vpn::ipsec
