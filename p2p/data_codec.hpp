#pragma once
// The data-channel codec a PeerSession seals and opens with: the static key's one
// channel (StaticCodec), or the TLS mode's channels by key_id (TlsCodec).  The session
// above it owns framing, pings, OCC and the liveness timers, which are the same in
// both modes.
#include <cstddef>
#include <cstdint>

#include "common/openvpn/drop_reason.hpp"
#include "common/openvpn/static_data_channel.hpp"
#include "common/util/bytes.hpp"

namespace vpn::p2p {

struct Now {
    std::int64_t mono = 0;     // monotonic seconds: timers
    std::int64_t wall = 0;     // unix seconds: packet-id time, replay expiry
    std::int64_t mono_ms = 0;  // monotonic milliseconds: control-channel timers
};

class DataCodec {
public:
    virtual ~DataCodec() = default;
    // Bytes a sealed datagram can exceed its payload by.
    virtual std::size_t overhead() const = 0;
    // Where seal() wants the payload inside `out` to avoid a copy.
    virtual std::size_t payload_offset() const = 0;
    // Seal `payload` (which may lie inside `out`) into `out`; returns the datagram
    // length, or 0 when nothing can be sent (no key yet, packet ids exhausted).
    virtual std::size_t seal(Bytes payload, MutBytes out, Now now) = 0;

    struct Opened {
        bool ok = false;
        ovpn::Drop reason = ovpn::Drop::Count;  // when !ok
        Bytes payload;                          // when ok: inside `out`
    };
    // Authenticate and open one data datagram into `out` (which must not overlap it).
    virtual Opened open(Bytes datagram, MutBytes out, Now now) = 0;
    // The peer restarted or we reconnect: fresh replay state and send sequence.
    virtual void restart(Now now) = 0;
};

// `secret` mode: one StaticDataChannel for the life of the process.
class StaticCodec final : public DataCodec {
public:
    explicit StaticCodec(ovpn::StaticDataChannel channel) : channel_(std::move(channel)) {}
    std::size_t overhead() const override { return channel_.overhead(); }
    std::size_t payload_offset() const override { return channel_.payload_offset(); }
    std::size_t seal(Bytes payload, MutBytes out, Now now) override { return channel_.seal(payload, out, now.wall); }
    Opened open(Bytes datagram, MutBytes out, Now now) override {
        auto o = channel_.open(datagram, out, now.wall);
        return Opened{o.ok, o.reason, o.payload};
    }
    void restart(Now now) override {
        channel_.reset_receive();
        channel_.restart_send(now.wall);
    }

private:
    ovpn::StaticDataChannel channel_;
};

}  // namespace vpn::p2p
