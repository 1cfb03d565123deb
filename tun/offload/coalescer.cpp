#include "tun/offload/coalescer.hpp"

#include <algorithm>
#include <cstring>

#include "tun/offload/checksum.hpp"
#include "tun/offload/virtio_header.hpp"

namespace vpn::tun::offload {

namespace {

// Super-packet buffers: the IP packet starts 8-byte aligned at kSlotIp, its virtio
// header right before it.
constexpr std::size_t kSlotIp = 16;
constexpr std::size_t kSlotStride = kSlotIp + 65536;
static_assert(kSlotIp >= kVnetHdrSize && kSlotStride - kSlotIp >= kMaxIpPacket);

// Arena entries likewise: [pad][virtio header][IP packet at an 8-byte boundary].
std::size_t single_start(std::size_t used) { return ((used + kVnetHdrSize + 7) & ~std::size_t{7}) - kVnetHdrSize; }

bool same_bytes(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) { return std::memcmp(a, b, n) == 0; }

// A packet that may open a super-packet: plain ACK with data, IPv4 without options.
bool starts_flow(const TcpPacket& t) {
    return t.flags() == kTcpAck && t.payload_len() > 0 && (t.version == 6 || t.ip_header_len == 20);
}

// IPv4 header and TCP checksums both correct.
bool checksums_ok(const TcpPacket& t) {
    if (t.version == 4 && !verifies(sum_bytes(Bytes(t.ip(), t.ip_header_len)))) return false;
    return verifies(sum_bytes(t.bytes.subspan(t.ip_header_len), t.pseudo_header()));
}

}  // namespace

const char* to_string(Coalescer::AddResult r) {
    switch (r) {
        case Coalescer::AddResult::Queued: return "queued";
        case Coalescer::AddResult::NeedFlush: return "need flush";
        case Coalescer::AddResult::Dropped: return "dropped";
    }
    return "?";
}

Coalescer::Coalescer(const CoalescerConfig& config) : config_(config) {
    config_.max_flows = std::clamp<std::size_t>(config_.max_flows, 1, 64);
    config_.super_buffers = std::max<std::size_t>(config_.super_buffers, 1);
    config_.arena_bytes = std::max(config_.arena_bytes, kSlotStride);  // any packet fits after a flush
    config_.max_writes = std::max<std::size_t>(config_.max_writes, 1);
    arena_.resize(config_.arena_bytes);
    slots_.resize(config_.super_buffers * kSlotStride);
    free_slots_.reserve(config_.super_buffers);
    writes_.reserve(config_.max_writes);
    flows_.resize(config_.max_flows);
    flushed_ = true;  // start_batch_if_flushed() fills free_slots_
}

void Coalescer::start_batch_if_flushed() {
    if (!flushed_) return;
    flushed_ = false;
    writes_.clear();
    arena_used_ = 0;
    free_slots_.clear();
    for (std::size_t i = config_.super_buffers; i-- > 0;) free_slots_.push_back(slots_.data() + i * kSlotStride);
}

Coalescer::AddResult Coalescer::add(Bytes packet) {
    start_batch_if_flushed();
    if (packet.empty() || packet.size() > kMaxIpPacket) {
        ++stats_.dropped;
        return AddResult::Dropped;
    }
    const auto t = parse_tcp_packet(packet);
    Flow* f = t ? find_flow(*t) : nullptr;
    const bool mergeable = f && can_merge(*f, *t);
    // Out of super-packet buffers: flushing early beats degrading the rest of the batch
    // to single packets (measured: ~10% of segments went out unmerged that way).
    if (mergeable && !f->in_slot && free_slots_.empty()) return AddResult::NeedFlush;
    const bool candidate = t && starts_flow(*t);
    // Checksums last: they read every byte, the header checks above read a few.
    const bool checked = (mergeable || candidate) && checksums_ok(*t);
    if (mergeable && checked) {
        merge(*f, *t);
        ++stats_.packets;
        return AddResult::Queued;
    }

    const std::size_t start = single_start(arena_used_);
    if (writes_.size() >= config_.max_writes || start + kVnetHdrSize + packet.size() > arena_.size())
        return AddResult::NeedFlush;  // nothing changed
    if ((mergeable || candidate) && !checked) ++stats_.bad_checksum;
    if (f) close(*f);  // keeps this flow's order: its open super-packet goes first
    std::uint8_t* copy = append_single(packet);
    if (candidate && checked) open_flow(*t, copy);
    ++stats_.packets;
    return AddResult::Queued;
}

std::span<const Bytes> Coalescer::flush() {
    start_batch_if_flushed();
    for (Flow& f : flows_)
        if (f.open) close(f);
    flushed_ = true;
    return writes_;
}

Coalescer::Flow* Coalescer::find_flow(const TcpPacket& t) {
    const std::size_t addr_len = t.version == 4 ? 4 : 16;
    for (Flow& f : flows_) {
        if (!f.open || (f.base[0] >> 4) != t.version) continue;
        const std::uint8_t* base_src = f.base + (t.version == 4 ? 12 : 8);
        if (same_bytes(base_src, t.src_addr(), 2 * addr_len) && same_bytes(f.base + f.ip_header_len, t.tcp(), 4))
            return &f;
    }
    return nullptr;
}

// Same version, addresses and ports are given (find_flow).
bool Coalescer::can_merge(const Flow& f, const TcpPacket& t) const {
    const std::uint8_t* b = f.base;
    const std::uint8_t* p = t.ip();
    const std::size_t payload = t.payload_len();
    if (t.ip_header_len != f.ip_header_len || t.header_len() != f.header_len) return false;
    if ((t.flags() & ~kTcpPsh) != kTcpAck) return false;
    if (payload == 0 || payload > f.gso_size || f.len + payload > kMaxIpPacket) return false;
    if (t.seq() != f.next_seq) return false;
    if (t.version == 4) {
        // TOS, flags/fragment offset (DF), TTL.  Without DF the id must be the sender's
        // next one, as inet_gro_receive() demands; our super-packet carries the first id.
        if (p[1] != b[1] || p[6] != b[6] || p[7] != b[7] || p[8] != b[8]) return false;
        const bool df = (b[6] & 0x40) != 0;
        if (!df && load_be16(p + 4) != static_cast<std::uint16_t>(load_be16(b + 4) + f.segments)) return false;
    } else {
        if (!same_bytes(p, b, 4) || p[7] != b[7]) return false;  // version/class/flow label, hop limit
    }
    const std::uint8_t* th = t.tcp();
    const std::uint8_t* bh = b + f.ip_header_len;
    // ack, data offset + reserved bits, window, urgent pointer, all option bytes.
    return same_bytes(th + 8, bh + 8, 5) && same_bytes(th + 14, bh + 14, 2) && same_bytes(th + 18, bh + 18, 2) &&
           same_bytes(th + 20, bh + 20, t.tcp_header_len - 20);
}

void Coalescer::merge(Flow& f, const TcpPacket& t) {
    if (!f.in_slot) {
        std::uint8_t* slot = free_slots_.back();
        free_slots_.pop_back();
        std::memcpy(slot + kSlotIp, f.base, f.len);
        f.base = slot + kSlotIp;
        f.in_slot = true;
    }
    const std::size_t payload = t.payload_len();
    std::memcpy(f.base + f.len, t.bytes.data() + t.header_len(), payload);
    f.len += payload;
    f.next_seq += static_cast<std::uint32_t>(payload);
    ++f.segments;
    // tcp_gro_receive(): a short segment or PSH ends the super-packet.
    f.psh = (t.flags() & kTcpPsh) != 0;
    if (payload < f.gso_size || f.psh) close(f);
}

void Coalescer::close(Flow& f) {
    f.open = false;
    if (!f.in_slot) return;  // one segment: its single write in the arena stands as is
    std::uint8_t* ip = f.base;
    std::uint8_t* th = ip + f.ip_header_len;
    const auto tcp_len = static_cast<std::uint32_t>(f.len - f.ip_header_len);
    std::uint64_t pseudo;
    if ((ip[0] >> 4) == 4) {
        store_be16(ip + 2, static_cast<std::uint16_t>(f.len));
        store_be16(ip + 10, ipv4_header_checksum(Bytes(ip, f.ip_header_len)));
        pseudo = pseudo_header_ipv4(ip + 12, ip + 16, kProtoTcp, tcp_len);
    } else {
        store_be16(ip + 4, static_cast<std::uint16_t>(tcp_len));
        pseudo = pseudo_header_ipv6(ip + 8, ip + 24, kProtoTcp, tcp_len);
    }
    if (f.psh) th[13] |= kTcpPsh;
    // CHECKSUM_PARTIAL convention (__tcp_v4_send_check()): the field holds the folded,
    // uncomplemented pseudo-header sum; whoever completes it adds the segment's bytes.
    store_be16(th + kTcpCheckOffset, fold(pseudo));

    VirtioHeader h;
    h.flags = kFlagNeedsCsum;
    h.gso_type = (ip[0] >> 4) == 4 ? kGsoTcpV4 : kGsoTcpV6;
    h.hdr_len = static_cast<std::uint16_t>(f.header_len);
    h.gso_size = f.gso_size;
    h.csum_start = static_cast<std::uint16_t>(f.ip_header_len);
    h.csum_offset = kTcpCheckOffset;
    write_virtio_header(h, MutBytes(ip - kVnetHdrSize, kVnetHdrSize));
    writes_[f.write] = Bytes(ip - kVnetHdrSize, kVnetHdrSize + f.len);
    ++stats_.super_packets;
    stats_.merged += f.segments;
}

std::uint8_t* Coalescer::append_single(Bytes packet) {
    const std::size_t start = single_start(arena_used_);
    std::uint8_t* p = arena_.data() + start;
    std::memset(p, 0, kVnetHdrSize);
    std::memcpy(p + kVnetHdrSize, packet.data(), packet.size());
    arena_used_ = start + kVnetHdrSize + packet.size();
    writes_.push_back(Bytes(p, kVnetHdrSize + packet.size()));
    return p + kVnetHdrSize;
}

void Coalescer::open_flow(const TcpPacket& t, std::uint8_t* copy) {
    // No eviction when all are busy: with more interleaved flows than entries, evicting
    // (LRU or otherwise) would close every super-packet after one segment; keeping the
    // first max_flows flows merges those fully and lets the rest pass as singles.
    const auto free = std::find_if(flows_.begin(), flows_.end(), [](const Flow& f) { return !f.open; });
    if (free == flows_.end()) return;
    Flow& f = *free;
    f = Flow{};
    f.open = true;
    f.write = writes_.size() - 1;
    f.base = copy;
    f.len = t.bytes.size();
    f.header_len = t.header_len();
    f.ip_header_len = t.ip_header_len;
    f.gso_size = static_cast<std::uint16_t>(t.payload_len());
    f.next_seq = t.seq() + static_cast<std::uint32_t>(t.payload_len());
    f.segments = 1;
}

}  // namespace vpn::tun::offload
