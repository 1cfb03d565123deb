#pragma once
// Inbound ESP SA, tunnel mode (RFC 4303 §3.4).  open() checks and decrypts one ESP
// packet in place, in the RFC's order:
//
//   lengths -> SPI -> replay pre-check (infers the ESN high half) -> ICV / GCM tag
//   (constant time) -> replay window update -> decrypt -> padding 1,2,3.. and pad
//   length -> next header (4, 41; 59 = dummy, dropped) -> inner IP header, whose own
//   length ends the packet (anything after it is TFC padding, RFC 4303 §2.7)
//
// and hands back a view of the inner packet inside the caller's buffer.  Every
// failure is one Drop reason, counted in drops() and returned; nothing throws or
// allocates per packet.  Not thread-safe: one receiving worker per SA.
#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"
#include "ipsec/esp/esp_crypto.hpp"
#include "ipsec/esp/esp_drop.hpp"
#include "ipsec/esp/replay_window.hpp"
#include "ipsec/esp/sa_keys.hpp"

namespace vpn::esp {

class InboundSa {
public:
    // Throws EspError (bad suite, key lengths, SPI < 256), std::invalid_argument
    // (replay window size) or crypto::CryptoError.
    explicit InboundSa(const SaParams& p);

    struct Opened {
        bool ok = false;
        Drop reason = Drop::Count;  // when !ok
        Bytes inner;                // when ok: the inner IP packet, inside `packet`
        std::uint8_t next_header = 0;  // when ok: 4 or 41
        std::uint64_t seq = 0;         // the full sequence number, once inferred
    };
    // `packet`: one ESP packet (UDP payload or IP payload), from the SPI to the end
    // of the ICV.  It is decrypted in place (also when dropped: its contents are
    // then unspecified).
    Opened open(MutBytes packet);

    std::uint32_t spi() const { return spi_; }
    const Suite& suite() const { return crypto_.suite(); }
    bool esn() const { return window_.esn(); }
    const ReplayWindow& window() const { return window_; }
    const DropCounters& drops() const { return drops_; }
    // Lifetime counters: packets delivered and the sum of their inner lengths.
    std::uint64_t packets() const { return packets_; }
    std::uint64_t bytes() const { return bytes_; }

private:
    Opened drop(Drop d, std::uint64_t seq = 0);

    std::uint32_t spi_;
    EspCrypto crypto_;
    ReplayWindow window_;
    DropCounters drops_;
    std::uint64_t packets_ = 0, bytes_ = 0;
};

}  // namespace vpn::esp
