#pragma once
// Inbound SAs by SPI, so a runtime can demultiplex ESP: the SPI is the first four
// bytes of every ESP packet (RFC 4303 §2.1; the destination address adds nothing
// here, since we pick our inbound SPIs unique per host).  The table owns its SAs.
// Installing and removing allocate (once per SA, at IKE speed); lookups never do.
// During a rekey the old and the new inbound SA are both present.
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "common/util/bytes.hpp"
#include "ipsec/esp/esp_drop.hpp"
#include "ipsec/esp/inbound_sa.hpp"

namespace vpn::esp {

class SpiTable {
public:
    // Takes ownership; returns the installed SA.  Throws std::invalid_argument if
    // the SPI is taken or `sa` is null.
    InboundSa& install(std::unique_ptr<InboundSa> sa);
    // Removes and returns the SA (null if none): its counters may still be wanted.
    std::unique_ptr<InboundSa> remove(std::uint32_t spi);

    InboundSa* find(std::uint32_t spi);
    std::size_t size() const { return sas_.size(); }

    // find() + open() in one step, counting an unknown SPI (or a packet too short
    // for one) in drops(); other drops are counted by the SA itself.
    InboundSa::Opened open(MutBytes esp_packet);
    // Drops that belong to no SA: unknown SPI, malformed UDP-4500 datagrams.
    DropCounters& drops() { return drops_; }
    const DropCounters& drops() const { return drops_; }

private:
    std::unordered_map<std::uint32_t, std::unique_ptr<InboundSa>> sas_;
    DropCounters drops_;
};

}  // namespace vpn::esp
