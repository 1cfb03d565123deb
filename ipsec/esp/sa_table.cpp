#include "ipsec/esp/sa_table.hpp"

#include <stdexcept>

namespace vpn::esp {

InboundSa& SpiTable::install(std::unique_ptr<InboundSa> sa) {
    if (!sa) throw std::invalid_argument("SpiTable: null SA");
    const std::uint32_t spi = sa->spi();
    auto [it, inserted] = sas_.try_emplace(spi, std::move(sa));
    if (!inserted) throw std::invalid_argument("SpiTable: SPI already installed");
    return *it->second;
}

std::unique_ptr<InboundSa> SpiTable::remove(std::uint32_t spi) {
    auto it = sas_.find(spi);
    if (it == sas_.end()) return nullptr;
    auto sa = std::move(it->second);
    sas_.erase(it);
    return sa;
}

InboundSa* SpiTable::find(std::uint32_t spi) {
    auto it = sas_.find(spi);
    return it == sas_.end() ? nullptr : it->second.get();
}

InboundSa::Opened SpiTable::open(MutBytes esp_packet) {
    InboundSa::Opened o;
    if (esp_packet.size() < kEspHeaderLen) {
        o.reason = Drop::Truncated;
        drops_.add(o.reason);
        return o;
    }
    InboundSa* sa = find(load_be32(esp_packet.data()));
    if (!sa) {
        o.reason = Drop::UnknownSpi;
        drops_.add(o.reason);
        return o;
    }
    return sa->open(esp_packet);
}

}  // namespace vpn::esp
