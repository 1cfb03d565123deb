#include "tun/tun_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "tun/rtnetlink.hpp"

namespace vpn::tun {

namespace {

constexpr const char* kCloneDevice = "/dev/net/tun";

std::string hint(int err) {
    if (err == EPERM || err == EACCES) return " (run as root or grant CAP_NET_ADMIN)";
    return {};
}

// Mirrors the kernel's dev_valid_name() so a bad name fails with a clear message.
void check_name(const std::string& name, Kind kind) {
    if (name.size() >= IFNAMSIZ)
        throw TunError(fmt::format("{} device name '{}' is too long (at most {} characters)", to_string(kind),
                                   name, IFNAMSIZ - 1),
                       EINVAL);
    bool bad = name == "." || name == "..";
    for (const char c : name)
        if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0') bad = true;
    if (bad) throw TunError(fmt::format("invalid {} device name '{}'", to_string(kind), name), EINVAL);
}

// "tun"/"tap" mean "let the kernel pick", as in OpenVPN's `dev tun`.
std::string requested_name(const std::string& name) {
    return (name == "tun" || name == "tap") ? std::string() : name;
}

}  // namespace

const char* to_string(Kind kind) { return kind == Kind::Tun ? "tun" : "tap"; }

TunDevice TunDevice::open(const std::string& name, Kind kind, bool multi_queue) {
    return open(name, kind, TunOptions{.multi_queue = multi_queue});
}

TunDevice TunDevice::open(const std::string& name, Kind kind, const TunOptions& options) {
    const std::string wanted = requested_name(name);
    check_name(wanted, kind);

    TunDevice dev;
    dev.kind_ = kind;
    dev.options_ = options;
    dev.fd_ = ::open(kCloneDevice, O_RDWR | O_CLOEXEC);
    if (dev.fd_ < 0) {
        const int err = errno;
        std::string extra = hint(err);
        if (err == ENOENT || err == ENODEV || err == ENXIO) extra = " (load the tun module)";
        throw TunError(fmt::format("cannot open {}: {}{}", kCloneDevice, errno_text(err), extra), err);
    }

    ifreq ifr{};
    ifr.ifr_flags = static_cast<short>((kind == Kind::Tun ? IFF_TUN : IFF_TAP) | IFF_NO_PI);
    if (options.multi_queue) ifr.ifr_flags |= IFF_MULTI_QUEUE;
    if (options.vnet_hdr) ifr.ifr_flags |= IFF_VNET_HDR;
    std::memcpy(ifr.ifr_name, wanted.data(), wanted.size());  // size < IFNAMSIZ checked
    if (::ioctl(dev.fd_, TUNSETIFF, &ifr) != 0) {
        const int err = errno;
        std::string extra = hint(err);
        // tun_set_iff(): EINVAL when the name belongs to a device of another type or
        // multi-queue setting, EBUSY when a single-queue device already has its reader.
        if (err == EINVAL)
            extra = fmt::format(" (a device of that name exists and is not a {} device, or its multi-queue "
                                "setting differs)",
                                to_string(kind));
        if (err == EBUSY) extra = " (the device is already in use by another process)";
        throw TunError(fmt::format("cannot create {} device{}{}: {}{}", to_string(kind), wanted.empty() ? "" : " ",
                                   wanted, errno_text(err), extra),
                       err);
    }
    ifr.ifr_name[IFNAMSIZ - 1] = '\0';
    dev.name_ = ifr.ifr_name;
    dev.ifindex_ = static_cast<int>(::if_nametoindex(dev.name_.c_str()));
    if (dev.ifindex_ == 0) {
        const int err = errno;
        throw TunError(fmt::format("cannot find index of {}: {}", dev.name_, errno_text(err)), err);
    }
    return dev;
}

TunDevice TunDevice::open_queue() const {
    if (!options_.multi_queue)
        throw TunError(fmt::format("cannot open another queue on {}: not a multi-queue device", name_), EINVAL);
    return open(name_, kind_, options_);
}

TunDevice::TunDevice(TunDevice&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      ifindex_(std::exchange(other.ifindex_, 0)),
      kind_(other.kind_),
      options_(other.options_),
      offloads_(std::exchange(other.offloads_, false)) {}

TunDevice& TunDevice::operator=(TunDevice&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        name_ = std::move(other.name_);
        ifindex_ = std::exchange(other.ifindex_, 0);
        kind_ = other.kind_;
        options_ = other.options_;
        offloads_ = std::exchange(other.offloads_, false);
    }
    return *this;
}

TunDevice::~TunDevice() { close(); }

void TunDevice::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void TunDevice::set_nonblocking(bool on) {
    const int flags = ::fcntl(fd_, F_GETFL);
    const int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, wanted) != 0) {
        const int err = errno;
        throw TunError(fmt::format("cannot set {} {}blocking: {}", name_, on ? "non-" : "", errno_text(err)), err);
    }
}

void TunDevice::set_txqueuelen(int len) { tun::set_txqueuelen(ifindex_, len); }

void TunDevice::set_persist(bool on) {
    if (::ioctl(fd_, TUNSETPERSIST, on ? 1UL : 0UL) != 0) {
        const int err = errno;
        throw TunError(fmt::format("cannot {} persistence on {}: {}{}", on ? "enable" : "disable", name_,
                                   errno_text(err), hint(err)),
                       err);
    }
}

bool TunDevice::enable_offloads() {
    if (!options_.vnet_hdr || fd_ < 0) return false;
    // Without the virtio header the kernel could not tell us how to segment or finish
    // the checksum, so offloads only make sense together with IFF_VNET_HDR.
    const unsigned long flags = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    if (::ioctl(fd_, TUNSETOFFLOAD, flags) != 0) return false;
    offloads_ = true;
    return true;
}

}  // namespace vpn::tun
