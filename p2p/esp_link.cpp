#include "p2p/esp_link.hpp"

#include <cstring>

#include <fmt/format.h>

#include "common/log/log.hpp"
#include "common/openvpn/mss_clamp.hpp"
#include "ipsec/esp/udp_encap.hpp"

namespace vpn::p2p {

namespace {

// Once per SA and stage: manual SAs are not rekeyed, so the admin has to act.
void log_life(const ipsec::manual::ManualSad::Event& ev) {
    const std::string sa = ev.where.empty()
                               ? fmt::format("ESP SA 0x{:08x} ({})", ev.spi, ev.outbound ? "out" : "in")
                               : fmt::format("ESP SA 0x{:08x} ({}, {})", ev.spi, ev.outbound ? "out" : "in", ev.where);
    if (ev.stage == ipsec::manual::LifeStage::Soft) {
        log::warn("{}: soft lifetime reached; a manually keyed SA is not rekeyed, it ends at its hard limit", sa);
    } else if (ev.outbound) {
        log::warn("{}: {}; nothing more is sent with it (a manually keyed SA cannot be rekeyed: add a new SA and "
                  "restart both ends, or use IKE)",
                  sa, ev.reason);
    } else {
        log::warn("{}: {}; removed, packets with its SPI are dropped", sa, ev.reason);
    }
}

}  // namespace

ovpn::Drop report_as(esp::Drop d) {
    switch (d) {
        case esp::Drop::Truncated:
        case esp::Drop::Malformed: return ovpn::Drop::ShortPacket;
        case esp::Drop::BadLength:
        case esp::Drop::CryptoFailure: return ovpn::Drop::BadCiphertext;
        case esp::Drop::WrongSpi:
        case esp::Drop::UnknownSpi: return ovpn::Drop::NoKey;
        case esp::Drop::Replay:
        case esp::Drop::TooOld: return ovpn::Drop::Replay;
        case esp::Drop::BadIcv: return ovpn::Drop::BadHmac;
        case esp::Drop::BadPadding:
        case esp::Drop::BadNextHeader:
        case esp::Drop::BadInner:
        case esp::Drop::Dummy:
        case esp::Drop::Count: break;
    }
    return ovpn::Drop::BadPadding;
}

EspLink::EspLink(EspLinkConfig cfg, ipsec::manual::ManualSad sad, Now now)
    : cfg_(cfg), sad_(std::move(sad)), last_sent_(now.mono) {}

std::size_t EspLink::overhead() const { return sad_.head_room() + sad_.tail_room(); }

std::size_t EspLink::payload_offset() const { return sad_.head_room(); }

LinkDrop EspLink::send_drop(ipsec::manual::OutVerdict v) const {
    using ipsec::manual::OutVerdict;
    switch (v) {
        case OutVerdict::Discard: return LinkDrop::SpdDiscard;
        case OutVerdict::Clear: return LinkDrop::SpdClear;
        case OutVerdict::NoPolicy: return LinkDrop::SpdNoPolicy;
        case OutVerdict::Protect:
        case OutVerdict::NoSa: break;
    }
    // A static key has no policies: its one SA used up is "no key to send with".
    return sad_.has_policies() ? LinkDrop::SpdNoSa : LinkDrop::NoKey;
}

std::size_t EspLink::encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                                 Now now) {
    (void)scratch;
    MutBytes inner = buf.subspan(off, len);
    if (cfg_.mss) ovpn::clamp_mss(inner, cfg_.mss);
    const auto pick = sad_.pick(inner, now.mono);
    if (!pick.sa) {
        stats_.count(send_drop(pick.verdict));
        return 0;
    }
    // The SA may put less in front than the widest one: seal() moves the packet.
    auto sealed = pick.sa->seal(inner, out);
    switch (sealed.status) {
        case esp::OutboundSa::Status::Ok:
            last_sent_ = now.mono;
            return sealed.len;
        case esp::OutboundSa::Status::NeedsRekey:  // pick() skips used-up SAs; kept for safety
            stats_.count(send_drop(ipsec::manual::OutVerdict::NoSa));
            return 0;
        case esp::OutboundSa::Status::BadInner:
            stats_.count(LinkDrop::BadPayload);
            return 0;
        case esp::OutboundSa::Status::BufferTooSmall:
        case esp::OutboundSa::Status::CryptoFailure: break;
    }
    stats_.count(LinkDrop::LinkWrite);
    return 0;
}

LinkSession::Inbound EspLink::decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) {
    (void)scratch;
    Bytes esp_packet = datagram;
    if (cfg_.udp_encap) {
        auto c = esp::classify_udp4500(datagram);
        switch (c.kind) {
            case esp::Udp4500Kind::Keepalive: return {Kind::Consumed, {}, false};
            case esp::Udp4500Kind::Ike:
                // No IKE runs with manual keys: an IKE message here is someone else's.
                stats_.count(LinkDrop::BadPayload);
                return {Kind::Dropped, {}};
            case esp::Udp4500Kind::Malformed:
                stats_.count(report_as(esp::Drop::Malformed));
                return {Kind::Dropped, {}};
            case esp::Udp4500Kind::Esp: esp_packet = c.body; break;
        }
    }
    if (esp_packet.size() > out.size()) {
        stats_.count(ovpn::Drop::Oversize);
        return {Kind::Dropped, {}};
    }
    // The ESP codec works in place; the transport's buffer is not ours to write.
    std::memcpy(out.data(), esp_packet.data(), esp_packet.size());
    const auto got = sad_.open(out.first(esp_packet.size()), now.mono);
    switch (got.status) {
        case ipsec::manual::ManualSad::InStatus::Ok: break;
        case ipsec::manual::ManualSad::InStatus::EspDrop:
            stats_.count(report_as(got.drop));
            return {Kind::Dropped, {}};
        case ipsec::manual::ManualSad::InStatus::PolicyDrop:
            stats_.count(LinkDrop::SpdInMismatch);
            return {Kind::Dropped, {}};
    }
    if (cfg_.mss) ovpn::clamp_mss(MutBytes(const_cast<std::uint8_t*>(got.inner.data()), got.inner.size()), cfg_.mss);
    return {Kind::ToTun, got.inner};
}

std::size_t EspLink::next_datagram(MutBytes out, MutBytes scratch, Now now) {
    (void)scratch;
    if (!keepalive_due_ || out.size() < esp::kNatKeepalive.size()) return 0;
    keepalive_due_ = false;
    last_sent_ = now.mono;
    std::memcpy(out.data(), esp::kNatKeepalive.data(), esp::kNatKeepalive.size());
    return esp::kNatKeepalive.size();
}

Verdict EspLink::on_timer(Now now) {
    for (const auto& ev : sad_.tick(now.mono)) log_life(ev);
    // RFC 3948 §2.3: keep a NAT's mapping open while we have nothing to send.
    if (cfg_.udp_encap && cfg_.nat_keepalive > 0 && now.mono - last_sent_ >= cfg_.nat_keepalive)
        keepalive_due_ = true;
    return Verdict::None;
}

Verdict EspLink::begin_exit(Now now, bool can_notify) {
    (void)now;
    (void)can_notify;
    reason_ = "exit";
    return Verdict::Exit;
}

void EspLink::restart(Now now) {
    // Manual SAs have no session to start over: sequence numbers and windows go on.
    last_sent_ = now.mono;
}

}  // namespace vpn::p2p
