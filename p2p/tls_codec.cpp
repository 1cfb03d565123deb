#include "p2p/tls_codec.hpp"

namespace vpn::p2p {

void TlsCodec::set_peer_id(std::uint32_t peer_id) {
    header_.op = peer_id == ovpn::kNoPeerId ? ovpn::DataOpcode::V1 : ovpn::DataOpcode::V2;
    header_.peer_id = peer_id;
}

void TlsCodec::install(std::uint8_t key_id, std::unique_ptr<ovpn::TlsDataChannel> channel, Now now) {
    if (key_id > 7 || !channel) return;
    keys_[key_id] = std::move(channel);
    if (send_ < 0 || send_ == key_id) {
        switch_to(key_id);
        return;
    }
    pending_ = key_id;
    pending_deadline_ms_ = now.mono_ms + kSwitchGraceMs;
}

void TlsCodec::retire(std::uint8_t key_id) {
    if (key_id > 7 || !keys_[key_id]) return;
    if (send_ == key_id) {
        // Only when the new key never arrived: keep nothing we cannot send with.
        if (pending_ >= 0) {
            switch_to(pending_);
        } else {
            send_ = -1;
        }
    }
    if (pending_ == key_id) pending_ = -1;
    keys_[key_id].reset();
}

void TlsCodec::clear() {
    for (auto& k : keys_) k.reset();
    send_ = pending_ = -1;
    bytes_ = packets_ = 0;
}

void TlsCodec::switch_to(int key_id) {
    send_ = key_id;
    header_.key_id = static_cast<std::uint8_t>(key_id);
    if (pending_ == key_id) pending_ = -1;
    bytes_ = packets_ = 0;
}

void TlsCodec::on_timer(Now now) {
    if (pending_ >= 0 && now.mono_ms >= pending_deadline_ms_) switch_to(pending_);
}

std::optional<std::int64_t> TlsCodec::next_wake_ms() const {
    if (pending_ >= 0) return pending_deadline_ms_;
    return std::nullopt;
}

bool TlsCodec::needs_renegotiation() const { return send_ >= 0 && keys_[send_]->packet_id_close_to_wrapping(); }

std::size_t TlsCodec::overhead() const { return send_ >= 0 ? keys_[send_]->overhead(header_.op) : kMaxOverhead; }

std::size_t TlsCodec::payload_offset() const {
    return send_ >= 0 ? keys_[send_]->payload_offset(header_.op) : ovpn::data_header_length(header_.op) + 4;
}

std::size_t TlsCodec::seal(Bytes payload, MutBytes out, Now) {
    if (send_ < 0) return 0;
    std::size_t n = keys_[send_]->seal(payload, out, header_);
    if (n) {
        bytes_ += payload.size();
        ++packets_;
    }
    return n;
}

DataCodec::Opened TlsCodec::open(Bytes datagram, MutBytes out, Now now) {
    auto h = ovpn::parse_data_header(datagram);
    if (!h) return Opened{false, ovpn::Drop::ShortPacket, {}};
    auto& ch = keys_[h->key_id];
    if (!ch) return Opened{false, ovpn::Drop::NoKey, {}};
    auto o = ch->open(datagram, out, now.wall);
    if (!o.ok) return Opened{false, o.reason, {}};
    if (h->key_id == pending_) switch_to(pending_);  // the peer has the new key: use it too
    if (h->key_id == send_) {
        // ssl.c counts both directions against reneg-bytes / reneg-pkts.
        bytes_ += o.payload.size();
        ++packets_;
    }
    return Opened{true, ovpn::Drop::Count, o.payload};
}

}  // namespace vpn::p2p
