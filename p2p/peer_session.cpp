#include "p2p/peer_session.hpp"

#include <cstring>

#include "common/log/log.hpp"
#include "common/openvpn/control_payloads.hpp"
#include "common/openvpn/mss_clamp.hpp"
#include "p2p/occ_check.hpp"

namespace vpn::p2p {
namespace {
// occ.h: OCC_INTERVAL_SECONDS and OCC_N_TRIES.
constexpr int kOccInterval = 10;
constexpr int kOccTries = 12;
}  // namespace

PeerSession::PeerSession(SessionConfig cfg, std::unique_ptr<DataCodec> codec, Now now)
    : cfg_(std::move(cfg)),
      codec_(std::move(codec)),
      framing_(cfg_.lzo_compress, cfg_.lzo_adaptive) {
    restart(now);
}

std::size_t PeerSession::overhead() const { return codec_->overhead() + (cfg_.lzo_framing ? 1 : 0); }

std::size_t PeerSession::payload_offset() const { return codec_->payload_offset() + (cfg_.lzo_framing ? 1 : 0); }

void PeerSession::restart(Now now) {
    codec_->restart(now);
    last_sent_ = last_received_ = now.mono;
    peer_seen_ = false;
    ping_due_ = occ_request_due_ = occ_reply_due_ = occ_exit_due_ = false;
    occ_requests_sent_ = 0;
    occ_reply_received_ = false;
    next_occ_request_ = now.mono + 1;
}

std::size_t PeerSession::encapsulate(MutBytes buf, std::size_t off, std::size_t len, MutBytes out, MutBytes scratch,
                                     Now now) {
    MutBytes packet(buf.data() + off, len);
    if (cfg_.mss) clamp(packet);
    Bytes payload(packet);
    if (cfg_.lzo_framing) payload = framing_.frame(buf, off, len, scratch, now.wall);
    std::size_t n = codec_->seal(payload, out, now);
    if (n) last_sent_ = now.mono;
    return n;
}

PeerSession::Inbound PeerSession::decapsulate(Bytes datagram, MutBytes out, MutBytes scratch, Now now) {
    auto opened = codec_->open(datagram, out, now);
    if (!opened.ok) {
        note_drop(opened.reason, now.mono);
        return {Kind::Dropped, {}};
    }
    // Any authenticated packet proves the peer alive (ping.c: link activity).
    last_received_ = now.mono;
    peer_seen_ = true;

    Bytes payload = opened.payload;
    if (cfg_.lzo_framing) {
        auto unframed = framing_.unframe(payload, scratch);
        if (!unframed) {
            note_drop(ovpn::Drop::Decompress, now.mono);
            return {Kind::Dropped, {}};
        }
        payload = *unframed;
    }
    switch (ovpn::classify(payload)) {
        case ovpn::PayloadKind::Ping:
            ++stats_.pings_received;
            return {Kind::Consumed, {}};
        case ovpn::PayloadKind::Occ:
            on_occ(payload, now);
            return {Kind::Consumed, {}};
        case ovpn::PayloadKind::Data:
            break;
    }
    if (!payload_fits_device(payload)) {
        stats_.count(LinkDrop::BadPayload);
        return {Kind::Dropped, {}};
    }
    if (cfg_.mss) {
        // The payload lies in `out` or `scratch`, caller buffers we may write.
        clamp(MutBytes(const_cast<std::uint8_t*>(payload.data()), payload.size()));
    }
    return {Kind::ToTun, payload};
}

void PeerSession::clamp(MutBytes packet) const {
    if (cfg_.tap)
        ovpn::clamp_mss_ethernet(packet, cfg_.mss);
    else
        ovpn::clamp_mss(packet, cfg_.mss);
}

bool PeerSession::payload_fits_device(Bytes p) const {
    if (cfg_.tap) return p.size() >= 14;  // an Ethernet header at least
    if (p.empty()) return false;
    unsigned version = p[0] >> 4;
    return (version == 4 && p.size() >= 20) || (version == 6 && p.size() >= 40);
}

void PeerSession::on_occ(Bytes payload, Now now) {
    auto msg = ovpn::parse_occ(payload);
    switch (msg.op) {
        case ovpn::OccOp::Request:
            occ_reply_due_ = true;
            break;
        case ovpn::OccOp::Reply:
            if (!occ_reply_received_) {
                occ_reply_received_ = true;
                for (const auto& line : occ_mismatches(cfg_.remote_options, msg.options))
                    log::warn("WARNING: {}", line);
            }
            break;
        case ovpn::OccOp::Exit:
            reason_ = "remote-exit";
            log::info("OCC exit message received by peer: restarting");
            // Handled on the next timer tick so the caller sees one Verdict path.
            exit_from_peer_ = true;
            break;
        default:
            break;  // MTU tests: only with --mtu-test, which we do not offer
    }
    (void)now;
}

void PeerSession::note_drop(ovpn::Drop reason, std::int64_t now) {
    stats_.count(reason);
    if (reason == ovpn::Drop::Replay && cfg_.mute_replay_warnings) return;
    // One log line per reason per 10 seconds: a flood must not flood the log too.
    auto idx = static_cast<std::size_t>(reason);
    if (last_drop_log_[idx] == 0 || now - last_drop_log_[idx] >= 10) {
        last_drop_log_[idx] = now == 0 ? 1 : now;
        log::info("packet dropped: {} ({} so far)", ovpn::drop_name(reason), stats_.codec_drops[idx]);
    }
}

std::size_t PeerSession::next_control(MutBytes buf, std::size_t off) {
    MutBytes dst = buf.subspan(off);
    if (occ_exit_due_) {
        occ_exit_due_ = false;
        return ovpn::build_occ_exit(dst);
    }
    if (occ_reply_due_) {
        occ_reply_due_ = false;
        return ovpn::build_occ_reply(dst, cfg_.local_options);
    }
    if (occ_request_due_) {
        occ_request_due_ = false;
        return ovpn::build_occ_request(dst);
    }
    if (ping_due_) {
        ping_due_ = false;
        ++stats_.pings_sent;
        return ovpn::build_ping(dst);
    }
    return 0;
}

std::size_t PeerSession::next_datagram(MutBytes out, MutBytes scratch, Now now) {
    constexpr std::size_t kOffset = 16;  // room for the compression header in front
    for (;;) {
        std::size_t len = next_control(control_buf_, kOffset);
        if (len == 0) return 0;
        std::size_t n = encapsulate(control_buf_, kOffset, len, out, scratch, now);
        if (n) return n;  // else no key to seal with: that payload is lost, try the next
    }
}

Verdict PeerSession::on_timer(Now now) {
    if (exit_deadline_) {
        if (now.mono >= *exit_deadline_) return Verdict::Exit;
        if (now.mono >= next_exit_notify_) {
            occ_exit_due_ = true;
            next_exit_notify_ = now.mono + 1;
        }
        return Verdict::None;
    }
    if (exit_from_peer_) {
        exit_from_peer_ = false;
        return Verdict::Restart;
    }
    if (cfg_.ping_exit > 0 && now.mono - last_received_ >= cfg_.ping_exit) {
        reason_ = "ping-exit";
        log::info("Inactivity timeout (--ping-exit), exiting");
        return Verdict::Exit;
    }
    if (cfg_.ping_restart > 0 && now.mono - last_received_ >= cfg_.ping_restart) {
        reason_ = "ping-restart";
        log::info("Inactivity timeout (--ping-restart), restarting");
        return Verdict::Restart;
    }
    if (cfg_.ping > 0 && now.mono - last_sent_ >= cfg_.ping) ping_due_ = true;
    if (cfg_.occ_requests && !occ_reply_received_ && occ_requests_sent_ < kOccTries && now.mono >= next_occ_request_ && peer_seen_) {
        occ_request_due_ = true;
        ++occ_requests_sent_;
        next_occ_request_ = now.mono + kOccInterval;
    }
    return Verdict::None;
}

Verdict PeerSession::begin_exit(Now now, bool can_notify) {
    if (!can_notify || cfg_.explicit_exit_notify <= 0) return Verdict::Exit;
    exit_deadline_ = now.mono + cfg_.explicit_exit_notify;
    occ_exit_due_ = true;
    next_exit_notify_ = now.mono + 1;
    log::info("sending exit notification to peer for {} s", cfg_.explicit_exit_notify);
    return Verdict::None;
}

}  // namespace vpn::p2p
