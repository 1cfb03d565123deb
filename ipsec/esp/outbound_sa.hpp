#pragma once
// Outbound ESP SA, tunnel mode (RFC 4303 §3.3).  seal() turns one inner IP packet
// into one ESP packet:
//
//   | SPI | seq lo | IV | E( inner packet | 1,2,3.. pad | pad len | next hdr ) | ICV |
//
// Flow: counter++ (refused at the end of the sequence space: the SA must be
// rekeyed) -> copy the inner packet to head_room() inside `out` (skipped if it is
// already there) -> trailer (next header 4 for IPv4, 41 for IPv6) -> IV (GCM: the
// 64-bit sequence number, unique per key by construction; CBC: IvSource) ->
// encrypt + ICV.  Nothing allocates; `out` is the caller's.
// Not thread-safe: one sending worker per SA.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/util/bytes.hpp"
#include "ipsec/esp/esp_crypto.hpp"
#include "ipsec/esp/iv_source.hpp"
#include "ipsec/esp/sa_keys.hpp"

namespace vpn::esp {

class OutboundSa {
public:
    // Throws EspError (bad suite, key lengths, SPI < 256) or crypto::CryptoError.
    // `ivs`: CBC IVs; null = a RandomIvSource of the SA's own (unused for GCM/NULL).
    explicit OutboundSa(const SaParams& p, std::unique_ptr<IvSource> ivs = nullptr);

    enum class Status : std::uint8_t {
        Ok,
        NeedsRekey,      // sequence space used up (2^32-1 without ESN): nothing sent
        BufferTooSmall,  // out.size() < sealed_len(inner.size())
        BadInner,        // not an IPv4 or IPv6 packet (version nibble)
        CryptoFailure,
    };
    struct Sealed {
        Status status;
        std::size_t len = 0;    // Ok: the ESP packet is out.first(len)
        std::uint64_t seq = 0;  // Ok: its full sequence number
    };
    // Seal `inner` into `out`.  `inner` may lie anywhere in `out`; placing it at
    // out.data() + head_room() saves a copy.
    Sealed seal(Bytes inner, MutBytes out);

    // Bytes before the inner packet: SPI, sequence number, IV.
    std::size_t head_room() const { return kEspHeaderLen + crypto_.iv_len(); }
    // Upper bound of what follows it: the longest padding, pad length, next header, ICV.
    std::size_t tail_room() const { return crypto_.pad_align() - 1 + 2 + crypto_.icv_len(); }
    // Exact ESP packet length for an inner packet of `inner_len` bytes.
    std::size_t sealed_len(std::size_t inner_len) const;

    std::uint32_t spi() const { return spi_; }
    const Suite& suite() const { return crypto_.suite(); }
    bool esn() const { return esn_; }
    // The last sequence number used (0: none yet).
    std::uint64_t seq() const { return seq_; }
    // True once seal() would answer NeedsRekey.
    bool exhausted() const { return seq_ >= max_seq_; }
    // Lifetime counters (RFC 7296 §2.8: rekey by packets or bytes): packets
    // sealed and the sum of their inner lengths.
    std::uint64_t packets() const { return packets_; }
    std::uint64_t bytes() const { return bytes_; }

private:
    std::uint32_t spi_;
    bool esn_;
    EspCrypto crypto_;
    std::unique_ptr<IvSource> ivs_;
    std::uint64_t seq_;
    std::uint64_t max_seq_;
    std::uint64_t packets_ = 0, bytes_ = 0;
};

// Next header for an inner packet: 4 (IPv4), 41 (IPv6), 0 if neither.
std::uint8_t next_header_for(Bytes inner);

}  // namespace vpn::esp
