#pragma once
// What the TunnelLoop drives: one peer's session, sans-IO.  The static-key
// PeerSession and the TLS-mode TlsLink both implement it; the loop only moves bytes
// between the TUN, the transport and this interface, and calls the timers.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/net/sock_addr.hpp"
#include "common/util/bytes.hpp"
#include "p2p/data_codec.hpp"
#include "p2p/tunnel_stats.hpp"

namespace vpn::p2p {

enum class Verdict { None, Restart, Exit };

class LinkSession {
public:
    virtual ~LinkSession() = default;

    // Upper bound of the bytes a datagram adds to its payload (buffer sizing).
    virtual std::size_t overhead() const = 0;
    // Where a TUN packet should be placed in the output buffer to be sealed in place.
    // May change when keys change; ask before every batch.
    virtual std::size_t payload_offset() const = 0;

    // Seal the `len` payload bytes at buf[off..] (buf[off-1] writable) into `out`;
    // `scratch` holds len + len/16 + 67 bytes.  0 = nothing to send (no keys yet).
    virtual std::size_t encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                                    Now now) = 0;
    // True when encapsulate() has counted in stats() why it returned 0 (an IPsec
    // policy drop is not "no key"); otherwise the caller counts LinkDrop::NoKey.
    virtual bool counts_send_drops() const { return false; }

    enum class Kind { ToTun, Consumed, Dropped };
    struct Inbound {
        Kind kind;
        Bytes packet;  // ToTun: inside `out` or `scratch`
        // The packet proves its sender is our peer (a data packet, or a control packet
        // of a session that is up): a TCP connection becomes the peer's, a floating
        // UDP peer moves.  A UDP peer's first packet is adopted regardless.
        bool proves_peer = true;
    };
    // One datagram from the link.  Consumed: authentic, nothing for the TUN.
    // Dropped: not authentic (counted).  `out`/`scratch` as PeerSession documents.
    virtual Inbound decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) = 0;
    // decapsulate() for sessions that need to know where a datagram came from and
    // which local port took it (IKE answers from the port a request arrived on).
    struct Origin {
        const net::SockAddr& from;
        std::uint16_t local_port = 0;
    };
    virtual Inbound decapsulate_from(Bytes datagram, const Origin& origin, MutBytes out, MutBytes scratch, Now now) {
        (void)origin;
        return decapsulate(datagram, out, scratch, now);
    }

    // A datagram from another address than the UDP peer's: may it be looked at (a
    // server's new client starting a session while the current one is served)?  If
    // so it goes to decapsulate_foreign(); what the session answers comes out of
    // next_foreign(); once the newcomer proved itself, take_new_peer() names the
    // address the transport must adopt.
    virtual bool accepts_new_source(Bytes datagram, const net::SockAddr& from) const {
        (void)datagram;
        (void)from;
        return false;
    }
    virtual Inbound decapsulate_foreign(Bytes datagram, const net::SockAddr& from, Now now) {
        (void)datagram;
        (void)from;
        (void)now;
        return {Kind::Dropped, {}};
    }
    virtual std::size_t next_foreign(MutBytes out, net::SockAddr& to) {
        (void)out;
        (void)to;
        return 0;
    }
    virtual std::optional<net::SockAddr> take_new_peer() { return std::nullopt; }

    // Sessions with many peers (an IPsec gateway) say where each sealed datagram
    // goes: after every encapsulate() that returned a datagram, destination() names
    // its address.  Others send everything to the transport's one peer.
    virtual bool addressed() const { return false; }
    virtual const net::SockAddr& destination() const {
        static const net::SockAddr none;
        return none;
    }

    // The next complete datagram the session wants on the wire (keepalive, OCC,
    // control-channel packets), written to `out`; 0 when none is due.
    virtual std::size_t next_datagram(MutBytes out, MutBytes scratch, Now now) = 0;

    // The 1-second timers; also call when next_wake_ms() is reached.
    virtual Verdict on_timer(Now now) = 0;
    // Monotonic ms at which on_timer wants to run before the next 1-second tick.
    virtual std::optional<std::int64_t> next_wake_ms() const { return std::nullopt; }
    virtual const std::string& verdict_reason() const = 0;

    // Shutdown requested; Exit when nothing is left to announce.
    virtual Verdict begin_exit(Now now, bool can_notify) = 0;
    // Start over (ping-restart, SIGUSR1, link lost): fresh state, new handshake.
    virtual void restart(Now now) = 0;
    virtual TunnelStats& stats() = 0;
};

}  // namespace vpn::p2p
