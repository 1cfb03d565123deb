#pragma once
// TUN write side of GRO: merges consecutive decrypted TCP segments of one flow into a
// GSO super-packet so the kernel's TCP stack takes ~40 segments in one tun write.
//
//   decrypted packets ─ add() ─► open flows (≤ max_flows) ──┐   one batch
//                       │ (not mergeable)                    ├─► flush(): writes, in order
//                       └──────────► single packets ─────────┘   [virtio_net_hdr][IP packet]
//
// Each write is [virtio_net_hdr][IP packet], contiguous, ready for one write() to a tun
// fd opened with IFF_VNET_HDR (offloads need not be enabled for writes):
//   - a single packet: header all zero (gso NONE), packet bytes unchanged;
//   - a super-packet: NEEDS_CSUM, gso_type TCPV4/TCPV6, gso_size = the first segment's
//     payload size, hdr_len = IP + TCP header length, csum_start = IP header length,
//     csum_offset = 16; the first segment's headers with IPv4 total length and header
//     checksum (IPv6 payload length) rewritten, PSH set if the last segment had it, and
//     the TCP checksum field holding the folded pseudo-header sum over the whole TCP
//     length — exactly what Linux's TSO hands us on the read side.  The IPv4 id is the
//     first segment's (the kernel's segmentation re-derives id + i from it).
//
// Merge rules (Linux tcp_gro_receive()/inet_gro_receive(), more conservative): a segment
// joins its flow's open super-packet only if it has the same IP version, addresses and
// ports; IPv4 with no options, not a fragment, same TOS, TTL and DF/flags, and — when DF
// is clear — id = first id + n (with DF set ids are ignored); IPv6 with no extension
// header, same version/traffic class/flow label word and hop limit; the same TCP header
// length and byte-identical options; seq = the next expected; the same ack, window and
// urgent pointer; flags exactly ACK, or ACK|PSH (then it closes the super-packet); payload
// equal to the first segment's (a smaller one is merged and closes it; a larger one
// starts a new super-packet); valid IPv4 header and TCP checksums (a corrupt segment is
// never merged, so never laundered into a NEEDS_CSUM packet the kernel would trust);
// the super-packet stays <= 65535 bytes.  A segment with no payload never merges.
//
// Order: writes come out in the order of their first packet.  A packet that does not
// merge into the open super-packet of its own flow (same addresses and ports) closes it
// first, so each flow's packets keep their order; packets of different flows may be
// reordered (a later segment of flow A lands inside A's super-packet, ahead of a flow-B
// packet that arrived between), as with GRO.  Non-TCP and unparseable packets are
// passed through unchanged (the kernel judges them) and touch no flow.  While max_flows
// super-packets are open, packets of further flows pass as singles (no eviction: with
// more interleaved flows than entries any eviction would end every super-packet early).
//
// Memory: allocated once in the constructor (about 1.3 MB with the defaults); add() and
// flush() never allocate.  When a batch outgrows the buffers, add() says NeedFlush.  Not
// thread-safe: one Coalescer per tun-writing worker.
//
// Typical loop, per receive batch:
//   for (Bytes p : decrypted) {
//       if (co.add(p) == AddResult::NeedFlush) { write_all(tun, co.flush()); co.add(p); }
//   }
//   write_all(tun, co.flush());   // one write() per span
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/util/bytes.hpp"
#include "tun/offload/tcp_packet.hpp"

namespace vpn::tun::offload {

struct CoalescerConfig {
    std::size_t max_flows = 8;       // open super-packets at once (1..64); further flows pass as singles
    std::size_t super_buffers = 16;  // 64 KB buffers for super-packets per batch (>= 1)
    std::size_t arena_bytes = 256 * 1024;  // single packets per batch; raised to >= 64 KB + header
    std::size_t max_writes = 1024;         // writes per batch (>= 1)
};

struct CoalescerStats {
    std::uint64_t packets = 0;         // add() calls that queued the packet
    std::uint64_t merged = 0;          // packets that went into a super-packet (incl. its first)
    std::uint64_t super_packets = 0;   // super-packets emitted
    std::uint64_t bad_checksum = 0;    // TCP candidates with a bad IPv4 header or TCP checksum
    std::uint64_t dropped = 0;         // add() == Dropped
};

class Coalescer {
public:
    enum class AddResult {
        Queued,     // copied or merged: the caller may reuse the packet's memory now
        NeedFlush,  // buffers full (arena, writes or super-packet buffers), nothing done:
                    // flush(), write the writes, add() again (then it is Queued)
        Dropped,    // empty or longer than 65535 bytes: cannot be written to a tun
    };

    explicit Coalescer(const CoalescerConfig& config = {});

    AddResult add(Bytes packet);

    // Closes every open super-packet and returns this batch's writes in order.  The spans
    // point into this Coalescer's buffers and stay valid until the next add() or flush(),
    // which starts a new batch.
    std::span<const Bytes> flush();

    const CoalescerStats& stats() const { return stats_; }

private:
    struct Flow {
        bool open = false;
        std::size_t write = 0;       // index in writes_
        std::uint8_t* base = nullptr;  // the IP packet (first segment's headers)
        std::size_t len = 0;         // IP bytes so far
        std::size_t header_len = 0;  // IP + TCP header
        std::size_t ip_header_len = 0;
        std::uint16_t gso_size = 0;  // first segment's payload
        std::uint32_t next_seq = 0;
        std::size_t segments = 0;
        bool in_slot = false;        // false: still the single copy in the arena
        bool psh = false;
    };

    void start_batch_if_flushed();
    Flow* find_flow(const TcpPacket& t);
    bool can_merge(const Flow& f, const TcpPacket& t) const;
    void merge(Flow& f, const TcpPacket& t);
    void close(Flow& f);
    std::uint8_t* append_single(Bytes packet);
    void open_flow(const TcpPacket& t, std::uint8_t* copy);

    CoalescerConfig config_;
    std::vector<std::uint8_t> arena_;
    std::size_t arena_used_ = 0;
    std::vector<std::uint8_t> slots_;
    std::vector<std::uint8_t*> free_slots_;
    std::vector<Bytes> writes_;
    std::vector<Flow> flows_;
    bool flushed_ = false;
    CoalescerStats stats_;
};

const char* to_string(Coalescer::AddResult r);

}  // namespace vpn::tun::offload
