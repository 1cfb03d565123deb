#include "p2p/occ_check.hpp"

#include <fmt/format.h>

#include <map>

namespace vpn::p2p {
namespace {

// "V4,dev-type tun,link-mtu 1560,secret" -> {"V4":"", "dev-type":"tun", ...}
std::map<std::string, std::string> split_options(std::string_view s) {
    std::map<std::string, std::string> out;
    while (!s.empty()) {
        auto comma = s.find(',');
        std::string_view item = s.substr(0, comma);
        auto space = item.find(' ');
        std::string name(item.substr(0, space));
        std::string value = space == std::string_view::npos ? "" : std::string(item.substr(space + 1));
        if (!name.empty()) out[name] = value;
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

}  // namespace

std::vector<std::string> occ_mismatches(std::string_view expected, std::string_view received) {
    std::vector<std::string> lines;
    if (expected == received) return lines;
    auto want = split_options(expected);
    auto got = split_options(received);
    for (const auto& [name, value] : want) {
        auto it = got.find(name);
        if (it == got.end())
            lines.push_back(fmt::format("'{}' is present in local config but missing in remote config, local='{}'",
                                        name, value.empty() ? name : name + " " + value));
        else if (it->second != value)
            lines.push_back(fmt::format("'{}' is used inconsistently, local='{} {}', remote='{} {}'", name, name, value,
                                        name, it->second));
    }
    for (const auto& [name, value] : got)
        if (!want.count(name))
            lines.push_back(fmt::format("'{}' is present in remote config but missing in local config, remote='{}'",
                                        name, value.empty() ? name : name + " " + value));
    return lines;
}

}  // namespace vpn::p2p
