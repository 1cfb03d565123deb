#pragma once
// The TLS mode's data channels, one per key_id (openvpn-wire.md §3.3-§3.5, §5.8):
// packets are opened with the key their header names and sealed with the send key.
//
// A renegotiated key is installed as "pending": we keep sealing with the old key
// until the peer proves it holds the new one (a packet arrives on it) or a grace
// time passes, because stock 2.6 drops packets for a key it has not finished
// installing ("Key [n] not initialized (yet)") and a running transfer would lose
// them.  Retired keys (the session's lame duck after --tran-window) are dropped.
#include <array>
#include <cstdint>
#include <memory>

#include "common/openvpn/tls_data_channel.hpp"
#include "p2p/data_codec.hpp"

namespace vpn::p2p {

class TlsCodec final : public DataCodec {
public:
    // The largest overhead any negotiable channel has (CBC + SHA512 with a V2 header:
    // 4 + 64 + 16 + 4 + 16); used to size buffers before a cipher is chosen.
    static constexpr std::size_t kMaxOverhead = 104;
    // How long a new key waits for the peer before we send on it anyway.
    static constexpr std::int64_t kSwitchGraceMs = 2000;

    // P_DATA_V2 with `peer_id` (a pushed / negotiated one), or P_DATA_V1 (kNoPeerId).
    void set_peer_id(std::uint32_t peer_id);

    // Keys for `key_id`.  The first key is the send key at once; later ones become it
    // when the peer uses them or kSwitchGraceMs after `now`.
    void install(std::uint8_t key_id, std::unique_ptr<ovpn::TlsDataChannel> channel, Now now);
    void retire(std::uint8_t key_id);
    // Forget every key (new session).
    void clear();
    // The grace time of a pending key; call from the session's timer.
    void on_timer(Now now);
    std::optional<std::int64_t> next_wake_ms() const;

    bool has_send_key() const { return send_ >= 0; }
    // The send key's channel wants a renegotiation (packet ids close to wrapping).
    bool needs_renegotiation() const;
    // Traffic both ways on the current send key since it became so (reneg-bytes / -pkts).
    std::uint64_t bytes_on_send_key() const { return bytes_; }
    std::uint64_t packets_on_send_key() const { return packets_; }

    std::size_t overhead() const override;
    std::size_t payload_offset() const override;
    std::size_t seal(Bytes payload, MutBytes out, Now now) override;
    Opened open(Bytes datagram, MutBytes out, Now now) override;
    // Replay and send state live in the keys; a new session installs new ones.
    void restart(Now) override {}

private:
    void switch_to(int key_id);

    std::array<std::unique_ptr<ovpn::TlsDataChannel>, 8> keys_{};
    int send_ = -1;
    int pending_ = -1;
    std::int64_t pending_deadline_ms_ = 0;
    ovpn::DataHeader header_{};
    std::uint64_t bytes_ = 0, packets_ = 0;
};

}  // namespace vpn::p2p
