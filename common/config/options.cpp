#include "common/config/options.hpp"

#include <fmt/format.h>

namespace vpn::config {

std::string Origin::str() const {
    if (file.empty()) return "[default]";
    if (file == "[command line]") return name.empty() ? file : fmt::format("{} --{}", file, name);
    return fmt::format("{}:{}", file, line);
}

DevType Options::device_type() const {
    // validate() fills dev_type from `dev` whenever a device is named; a config
    // without any device falls back to OpenVPN's usual tun.
    return dev_type.value_or(DevType::Tun);
}

bool Options::tls_requested() const { return tls.client || tls.server; }

bool Options::lzo_framing() const {
    return comp_lzo != CompLzo::Absent || compress_lzo;
}

bool Options::lzo_compress_out() const {
    // The classic setup promises compression both ways, so `comp-lzo` alone
    // compresses (main warns once).  OpenVPN 2.6 would act as `asym` here; it still
    // decompresses, so the two interoperate either way.  `asym` only decompresses,
    // `comp-lzo no` is the stub: framing only.
    const bool real_lzo = compress_lzo || comp_lzo == CompLzo::Yes || comp_lzo == CompLzo::Adaptive;
    return real_lzo && allow_compression != AllowCompression::Asym && allow_compression != AllowCompression::No;
}

}  // namespace vpn::config
