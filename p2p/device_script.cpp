#include "p2p/device_script.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/log/log.hpp"
#include "common/process/command.hpp"

namespace vpn::p2p {

ScriptAddresses ScriptAddresses::from(const config::Options& o) {
    ScriptAddresses a;
    a.local = o.ifconfig_local.value_or("");
    a.remote_or_netmask = o.ifconfig_remote.value_or("");
    const bool tap = o.device_type() == config::DevType::Tap;
    if (o.ifconfig_local) a.env.emplace_back("ifconfig_local", *o.ifconfig_local);
    if (o.ifconfig_remote) a.env.emplace_back(tap ? "ifconfig_netmask" : "ifconfig_remote", *o.ifconfig_remote);
    for (std::size_t i = 0; i < o.routes.size(); ++i) {
        a.env.emplace_back(fmt::format("route_network_{}", i + 1), o.routes[i].network);
        a.env.emplace_back(fmt::format("route_netmask_{}", i + 1), o.routes[i].netmask);
    }
    return a;
}

void run_script(const config::Options& o, const std::string& cmdline, const char* type, const std::string& dev,
                const ScriptAddresses& addr) {
    auto argv = process::split_command(cmdline);
    if (argv.empty()) throw std::runtime_error(fmt::format("--{}: cannot parse command '{}'", type, cmdline));
    const bool tap = o.device_type() == config::DevType::Tap;
    std::string mtu = std::to_string(o.tun_mtu);
    argv.insert(argv.end(), {dev, mtu, mtu, addr.local, addr.remote_or_netmask, "init"});
    process::Env env = {{"script_type", type},     {"dev", dev},
                        {"dev_type", tap ? "tap" : "tun"}, {"tun_mtu", mtu},
                        {"script_context", "init"}, {"verb", std::to_string(o.verb)},
                        {"config", o.config_file}};
    for (const auto& kv : addr.env) env.push_back(kv);
    log::info("{} {}", type, fmt::join(argv, " "));
    int rc = process::run_command(argv, env, o.cd);
    if (rc != 0)
        throw std::runtime_error(fmt::format("--{} script '{}' failed (exit status {})", type, argv[0], rc));
}

void device_closed(const config::Options& o, const std::string& dev, const ScriptAddresses& addr) {
    log::info("Closing TUN/TAP interface {}", dev);
    if (!o.down) return;
    try {
        run_script(o, *o.down, "down", dev, addr);
    } catch (const std::exception& e) {
        log::error("{}", e.what());
    }
}

}  // namespace vpn::p2p
