#pragma once
// Internal helpers shared by the directive parse functions: strict number and
// address parsing, path resolution, and the one way errors are thrown.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/config/directive.hpp"

namespace vpn::config {

// Throws ConfigError "ORIGIN: what".
[[noreturn]] void fail(const Origin& where, const std::string& what);

// An argument as shown inside an error message: quoted, long ones shortened.
std::string shown(std::string_view arg);

// Decimal digits only (no sign, no spaces, no leading '+'), value in [lo, hi].
std::optional<long long> parse_decimal(std::string_view s, long long lo, long long hi);

// d.args[i] as an integer in [lo, hi]; otherwise throws
// "ORIGIN: 'NAME': 'ARG' is not WHAT" (e.g. what = "a port number (1..65535)").
int int_arg(const Directive& d, std::size_t i, long long lo, long long hi, std::string_view what);

// d.args[i] as a port 1..65535, same error shape.
std::uint16_t port_arg(const Directive& d, std::size_t i);

// A strict IPv4 dotted quad (as inet_pton: four decimal octets, no leading zeros).
// Returns the address in host byte order.
std::optional<std::uint32_t> parse_ipv4(std::string_view s);
// True when `mask` is a run of one bits followed by zero bits (0.0.0.0 included).
bool is_contiguous_netmask(std::uint32_t mask);
// Syntax of a DNS name: labels of letters, digits, '-', '_' separated by dots.
bool is_host_name(std::string_view s);

// `path` made absolute against `base_dir` (already absolute); "." segments and
// repeated slashes are dropped, ".." is kept (symlinks make it unsafe to fold).
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace vpn::config
