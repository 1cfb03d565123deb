#pragma once
// A tun or tap interface opened through /dev/net/tun (Documentation/networking/tuntap.rst).
//
// Every packet read from / written to fd() is one bare IP packet (tun) or Ethernet frame
// (tap): IFF_NO_PI is always set.  With TunOptions::vnet_hdr each packet is preceded by a
// struct virtio_net_hdr (kVnetHdrSize bytes); only then can enable_offloads() let the
// kernel hand over TCP super-packets (TSO) and unchecksummed packets.
//
// Lifetime: the device lives while a queue fd is open, or until set_persist(false) and
// close if it was made persistent.  Closing the last fd of a non-persistent device
// removes it, and the kernel removes its addresses and routes with it.
#include <cstddef>
#include <string>

#include "tun/tun_error.hpp"

namespace vpn::tun {

enum class Kind { Tun, Tap };

struct TunOptions {
    bool multi_queue = false;  // IFF_MULTI_QUEUE: more fds via open_queue(), one per worker
    bool vnet_hdr = false;     // IFF_VNET_HDR: virtio_net_hdr before each packet (off by default)
};

class TunDevice {
public:
    static constexpr std::size_t kVnetHdrSize = 10;  // sizeof(struct virtio_net_hdr), the kernel default

    // `name`: "tun" / "tap" (or "") lets the kernel pick tunN / tapN; anything else is an
    // explicit name ("tun3", "mytun", or a template such as "vpn%d"), created if absent,
    // attached to if it is an existing (persistent) device of the same kind.
    // Throws TunError with one line, e.g.
    //   "cannot open /dev/net/tun: No such file or directory (load the tun module)"
    //   "cannot create tun device tun3: Operation not permitted (run as root or grant CAP_NET_ADMIN)"
    //   "cannot create tap device eth0: Invalid argument (a device of that name exists and is
    //    not a tap device, or its multi-queue setting differs)"
    //   "tun device name 'averyveryverylongname' is too long (at most 15 characters)"
    static TunDevice open(const std::string& name, Kind kind, bool multi_queue = false);
    static TunDevice open(const std::string& name, Kind kind, const TunOptions& options);

    // Another queue of this multi-queue device (same name, kind and options).  Throws
    // TunError if the device was not opened with multi_queue.
    TunDevice open_queue() const;

    TunDevice(TunDevice&& other) noexcept;
    TunDevice& operator=(TunDevice&& other) noexcept;
    TunDevice(const TunDevice&) = delete;
    TunDevice& operator=(const TunDevice&) = delete;
    ~TunDevice();

    // Closes the fd now (idempotent); see Lifetime above.
    void close();

    int fd() const { return fd_; }
    const std::string& name() const { return name_; }
    int ifindex() const { return ifindex_; }
    Kind kind() const { return kind_; }
    const TunOptions& options() const { return options_; }

    void set_nonblocking(bool on);
    // Interface transmit queue length (the kernel default for tun is 500, which bursts
    // overflow).  Via rtnetlink IFLA_TXQLEN.
    void set_txqueuelen(int len);
    // TUNSETPERSIST: keep the device after the fd closes (persist-tun).
    void set_persist(bool on);

    // TUNSETOFFLOAD TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6.  False (and nothing changed) if the
    // device was opened without vnet_hdr or the kernel refuses.
    bool enable_offloads();
    bool offloads_enabled() const { return offloads_; }

private:
    TunDevice() = default;

    int fd_ = -1;
    std::string name_;
    int ifindex_ = 0;
    Kind kind_ = Kind::Tun;
    TunOptions options_;
    bool offloads_ = false;
};

const char* to_string(Kind kind);  // "tun" / "tap"

}  // namespace vpn::tun
