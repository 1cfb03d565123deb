#pragma once
// The up/down scripts, called as OpenVPN 2.6 calls them:
//   cmd dev tun_mtu link_mtu ifconfig_local ifconfig_remote|netmask init
// with script_type, dev, tun_mtu, ifconfig_* and route_* in the environment.
#include <string>
#include <utility>
#include <vector>

#include "common/config/options.hpp"

namespace vpn::p2p {

struct ScriptAddresses {
    std::string local, remote_or_netmask;  // "" when there is no ifconfig
    // Environment besides the standard names: a pull client's pushed ifconfig,
    // routes and foreign options (client::script_environment).  Empty: the config's
    // ifconfig and routes are exported.
    std::vector<std::pair<std::string, std::string>> env;
    static ScriptAddresses from(const config::Options& o);
};

// Throws std::runtime_error when the script cannot run or exits non-zero.
void run_script(const config::Options& o, const std::string& cmdline, const char* type, const std::string& dev,
                const ScriptAddresses& addr);

// After the device `dev` is gone: log that, and run the `down` script if there is
// one (its failure is logged: we are exiting anyway).
void device_closed(const config::Options& o, const std::string& dev, const ScriptAddresses& addr);

}  // namespace vpn::p2p
