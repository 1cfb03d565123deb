#pragma once
// A pull client's device: opened and configured from what the server pushed
// (client::plan_routes), kept across reconnects while the server pushes the same
// network settings (2.6's --persist-tun behaviour, and what a user expects from a
// reconnect), rebuilt when they change, torn down in reverse order at exit.
#include <optional>
#include <string>

#include "client/pulled_options.hpp"
#include "client/route_plan.hpp"
#include "common/config/options.hpp"
#include "p2p/device_script.hpp"
#include "p2p/link_plan.hpp"
#include "tun/tun_device.hpp"

namespace vpn::p2p {

class ClientDevice {
public:
    ClientDevice(const config::Options& o, const LinkPlan& plan) : o_(o), plan_(plan) {}
    ~ClientDevice();

    enum class Result { Unchanged, Opened };
    // Apply one push.  Throws std::runtime_error (one line) when the device or a
    // route cannot be set up.  Unchanged: the same settings as the device has.
    Result apply(const client::PulledOptions& pulled);
    // Undo routes and addresses, run the down script, close the device.
    void close();

    bool open() const { return dev_.has_value(); }
    int fd() const { return dev_ ? dev_->fd() : -1; }
    bool vnet_hdr() const { return dev_ && dev_->options().vnet_hdr; }

private:
    client::LocalRoutes local_routes() const;
    std::optional<tun::Ipv4> server_ipv4() const;
    ScriptAddresses script_addresses() const;
    void run(const client::RouteAction& a);

    const config::Options& o_;
    const LinkPlan& plan_;
    std::optional<tun::TunDevice> dev_;
    std::string applied_;  // the settings the device has, as one comparable string
    client::RoutePlan route_plan_;
    client::PulledOptions pulled_;
    int server_ifindex_ = 0;  // the interface the route to the server leaves by
};

}  // namespace vpn::p2p
