#include "tun/offload/segmenter.hpp"

#include <algorithm>
#include <cstring>

#include "tun/offload/checksum.hpp"

namespace vpn::tun::offload {

namespace {

bool csum_offsets_fit(const VirtioHeader& h, std::size_t size) {
    return std::size_t{h.csum_start} + h.csum_offset + 2 <= size;
}

}  // namespace

const char* to_string(SegmentError e) {
    switch (e) {
        case SegmentError::None: return "ok";
        case SegmentError::ShortHeader: return "shorter than a virtio_net_hdr";
        case SegmentError::EmptyPacket: return "no packet after the virtio_net_hdr";
        case SegmentError::BadCsumOffsets: return "checksum offsets outside the packet";
        case SegmentError::UnsupportedGso: return "unsupported gso_type";
        case SegmentError::ZeroGsoSize: return "gso_size 0";
        case SegmentError::NotTcp: return "malformed TCP super-packet";
        case SegmentError::VersionMismatch: return "gso_type does not match the IP version";
    }
    return "?";
}

bool complete_checksum(const VirtioHeader& hdr, MutBytes packet) {
    if (!hdr.needs_csum()) return true;
    if (!csum_offsets_fit(hdr, packet.size())) return false;
    std::uint16_t check = finish(sum_bytes(Bytes(packet).subspan(hdr.csum_start)));
    if (check == 0) check = 0xffff;  // CSUM_MANGLED_0: 0 means "no checksum" to UDP
    store_be16(packet.data() + hdr.csum_start + hdr.csum_offset, check);
    return true;
}

Segmenter::Segmenter(Bytes in) {
    const auto hdr = parse_virtio_header(in);
    if (!hdr) {
        error_ = SegmentError::ShortHeader;
        return;
    }
    hdr_ = *hdr;
    packet_ = in.subspan(kVnetHdrSize);
    if (packet_.empty()) {
        error_ = SegmentError::EmptyPacket;
        return;
    }
    const std::uint8_t gso = hdr_.gso();
    if (gso == kGsoNone) {
        // The ECN bit alone is meaningless without TCP GSO; tun_get_user() would refuse it too.
        if (hdr_.ecn()) error_ = SegmentError::UnsupportedGso;
        else if (hdr_.needs_csum() && !csum_offsets_fit(hdr_, packet_.size())) error_ = SegmentError::BadCsumOffsets;
        else count_ = 1;
        return;
    }
    if (gso != kGsoTcpV4 && gso != kGsoTcpV6) {
        error_ = SegmentError::UnsupportedGso;
        return;
    }
    if (hdr_.gso_size == 0) {
        error_ = SegmentError::ZeroGsoSize;
        return;
    }
    const auto tcp = parse_tcp_packet(packet_);
    if (!tcp) {
        error_ = SegmentError::NotTcp;
        return;
    }
    if (tcp->version != (gso == kGsoTcpV4 ? 4 : 6)) {
        error_ = SegmentError::VersionMismatch;
        return;
    }
    tcp_ = *tcp;
    const std::size_t payload = tcp_.payload_len();
    count_ = payload == 0 ? 1 : (payload + hdr_.gso_size - 1) / hdr_.gso_size;
}

std::size_t Segmenter::segment_size(std::size_t i) const {
    if (i >= count_) return 0;
    if (hdr_.gso() == kGsoNone) return packet_.size();
    const std::size_t offset = i * hdr_.gso_size;
    return tcp_.header_len() + std::min<std::size_t>(hdr_.gso_size, tcp_.payload_len() - offset);
}

std::size_t Segmenter::segment(std::size_t i, MutBytes out) const {
    const std::size_t size = segment_size(i);
    if (size == 0 || out.size() < size) return 0;
    if (hdr_.gso() == kGsoNone) {
        std::memcpy(out.data(), packet_.data(), size);
        complete_checksum(hdr_, out.first(size));  // offsets checked in the constructor
        return size;
    }
    return write_tcp_segment(i, out.data());
}

// Field by field what tcp_gso_segment() and inet_gso_segment()/ipv6_gso_segment() do
// to each segment (net/ipv4/tcp_offload.c, af_inet.c): ids increase because tun does not
// advertise NETIF_F_TSO_MANGLEID, so SKB_GSO_FIXEDID is never set on what we are given.
std::size_t Segmenter::write_tcp_segment(std::size_t i, std::uint8_t* out) const {
    const std::size_t ip_len = tcp_.ip_header_len;
    const std::size_t hdr_len = tcp_.header_len();
    const std::size_t offset = i * hdr_.gso_size;
    const std::size_t chunk = std::min<std::size_t>(hdr_.gso_size, tcp_.payload_len() - offset);
    const std::size_t size = hdr_len + chunk;
    const bool first = i == 0;
    const bool last = i + 1 == count_;

    std::memcpy(out, packet_.data(), hdr_len);
    std::memcpy(out + hdr_len, packet_.data() + hdr_len + offset, chunk);

    std::uint8_t* th = out + ip_len;
    store_be32(th + 4, tcp_.seq() + static_cast<std::uint32_t>(offset));
    std::uint8_t flags = th[13];
    if (!last) flags &= static_cast<std::uint8_t>(~(kTcpFin | kTcpPsh));
    if (!first) flags &= static_cast<std::uint8_t>(~kTcpCwr);
    th[13] = flags;
    th[16] = th[17] = 0;

    const auto tcp_len = static_cast<std::uint32_t>(size - ip_len);
    std::uint64_t acc;
    if (tcp_.version == 4) {
        store_be16(out + 2, static_cast<std::uint16_t>(size));
        store_be16(out + 4, static_cast<std::uint16_t>(load_be16(out + 4) + i));
        store_be16(out + 10, ipv4_header_checksum(Bytes(out, ip_len)));
        acc = pseudo_header_ipv4(out + 12, out + 16, kProtoTcp, tcp_len);
    } else {
        store_be16(out + 4, static_cast<std::uint16_t>(tcp_len));
        acc = pseudo_header_ipv6(out + 8, out + 24, kProtoTcp, tcp_len);
    }
    store_be16(th + kTcpCheckOffset, finish(sum_bytes(Bytes(th, tcp_len), acc)));
    return size;
}

}  // namespace vpn::tun::offload
