#include "common/config/arg_parse.hpp"

#include <fmt/format.h>

#include <vector>

#include "common/config/config_error.hpp"

namespace vpn::config {

void fail(const Origin& where, const std::string& what) {
    throw ConfigError(fmt::format("{}: {}", where.str(), what));
}

std::string shown(std::string_view arg) {
    // Arguments come from files and argv; keep messages one short line.
    constexpr std::size_t kMax = 80;
    std::string out;
    for (char c : arg.substr(0, kMax)) {
        unsigned char u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? '?' : c;
    }
    if (arg.size() > kMax) out += "...";
    return "'" + out + "'";
}

std::optional<long long> parse_decimal(std::string_view s, long long lo, long long hi) {
    if (s.empty() || s.size() > 18) return std::nullopt;  // 18 digits cannot overflow
    long long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

int int_arg(const Directive& d, std::size_t i, long long lo, long long hi, std::string_view what) {
    auto v = parse_decimal(d.args.at(i), lo, hi);
    if (!v) fail(d.origin, fmt::format("'{}': {} is not {}", d.name, shown(d.args[i]), what));
    return static_cast<int>(*v);
}

std::uint16_t port_arg(const Directive& d, std::size_t i) {
    return static_cast<std::uint16_t>(int_arg(d, i, 1, 65535, "a port number (1..65535)"));
}

std::optional<std::uint32_t> parse_ipv4(std::string_view s) {
    std::uint32_t addr = 0;
    int octets = 0;
    std::size_t pos = 0;
    while (true) {
        std::size_t end = s.find('.', pos);
        std::string_view part = s.substr(pos, end == std::string_view::npos ? s.npos : end - pos);
        if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return std::nullopt;
        auto v = parse_decimal(part, 0, 255);
        if (!v) return std::nullopt;
        addr = (addr << 8) | static_cast<std::uint32_t>(*v);
        if (++octets > 4) return std::nullopt;
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    if (octets != 4) return std::nullopt;
    return addr;
}

bool is_contiguous_netmask(std::uint32_t mask) {
    // ones then zeros <=> the inverted mask plus one is a power of two (or zero).
    std::uint32_t host = ~mask;
    return (host & (host + 1)) == 0;
}

bool is_host_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t label = 0;
    for (char c : s) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok || ++label > 63) return false;
    }
    return true;  // a trailing dot (absolute name) is fine
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
    std::string joined = (!path.empty() && path[0] == '/') ? path : base_dir + "/" + path;
    std::vector<std::string_view> parts;
    std::string_view rest = joined;
    while (!rest.empty()) {
        std::size_t slash = rest.find('/');
        std::string_view seg = rest.substr(0, slash);
        if (!seg.empty() && seg != ".") parts.push_back(seg);
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    std::string out;
    for (auto seg : parts) {
        out += '/';
        out += seg;
    }
    return out.empty() ? "/" : out;
}

}  // namespace vpn::config
