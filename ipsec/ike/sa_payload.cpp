#include "ipsec/ike/sa_payload.hpp"

#include <algorithm>

namespace vpn::ike {
namespace {

constexpr std::uint8_t kLastProposal = 0, kMoreProposals = 2;
constexpr std::uint8_t kLastTransform = 0, kMoreTransforms = 3;
constexpr std::size_t kProposalHdr = 8, kTransformHdr = 8, kAttrHdr = 4;
constexpr std::uint16_t kAttrFormatTv = 0x8000;

// Attributes of one transform, [p, end).
bool parse_attributes(const std::uint8_t* p, const std::uint8_t* end, Transform& t) {
    while (p != end) {
        if (end - p < static_cast<std::ptrdiff_t>(kAttrHdr)) return false;
        const std::uint16_t word = load_be16(p);
        const std::uint16_t type = word & 0x7fff;
        if (word & kAttrFormatTv) {
            // RFC 7296 §3.3.5: Key Length is only ever TV; a TLV one is "unknown".
            if (type == kAttrKeyLength)
                t.key_length = load_be16(p + 2);
            else
                t.unknown_attributes = true;
            p += kAttrHdr;
        } else {
            const std::size_t len = load_be16(p + 2);
            if (static_cast<std::size_t>(end - p) - kAttrHdr < len) return false;
            t.unknown_attributes = true;
            p += kAttrHdr + len;
        }
    }
    return true;
}

std::size_t transform_size(const Transform& t) { return kTransformHdr + (t.key_length ? kAttrHdr : 0); }

std::size_t proposal_size(const Proposal& p) {
    std::size_t n = kProposalHdr + p.spi_size;
    for (const auto& t : p.transforms) n += transform_size(t);
    return n;
}

}  // namespace

Result<SaPayload> parse_sa(Bytes body) {
    Result<SaPayload> r;
    auto fail = [&r](CodecError e) {
        r.error = e;
        return r;
    };
    std::size_t pos = 0;
    bool last = false;
    while (!last) {
        if (body.size() - pos < kProposalHdr) return fail(CodecError::Truncated);
        const std::uint8_t* h = body.data() + pos;
        const std::size_t plen = load_be16(h + 2);
        if (plen < kProposalHdr || plen > body.size() - pos) return fail(CodecError::BadSubstructure);
        if (h[0] != kLastProposal && h[0] != kMoreProposals) return fail(CodecError::BadSubstructure);
        last = h[0] == kLastProposal;
        Proposal prop;
        prop.number = h[4];
        prop.protocol = static_cast<ProtocolId>(h[5]);
        prop.spi_size = h[6];
        const std::size_t ntrans = h[7];
        if (prop.spi_size != 0 && prop.spi_size != 4 && prop.spi_size != 8) return fail(CodecError::BadSpiSize);
        if (plen < kProposalHdr + prop.spi_size) return fail(CodecError::BadSubstructure);
        std::copy_n(h + kProposalHdr, prop.spi_size, prop.spi.begin());

        const std::uint8_t* p = h + kProposalHdr + prop.spi_size;
        const std::uint8_t* pend = h + plen;
        prop.transforms.reserve(ntrans);
        for (std::size_t i = 0; i < ntrans; ++i) {
            if (pend - p < static_cast<std::ptrdiff_t>(kTransformHdr)) return fail(CodecError::BadSubstructure);
            const std::size_t tlen = load_be16(p + 2);
            if (tlen < kTransformHdr || tlen > static_cast<std::size_t>(pend - p))
                return fail(CodecError::BadSubstructure);
            // The Last field must agree with Num Transforms (RFC 7296 §3.3.2).
            if (p[0] != (i + 1 == ntrans ? kLastTransform : kMoreTransforms)) return fail(CodecError::BadSubstructure);
            Transform t;
            t.type = p[4];
            t.id = load_be16(p + 6);
            if (!parse_attributes(p + kTransformHdr, p + tlen, t)) return fail(CodecError::BadSubstructure);
            prop.transforms.push_back(t);
            p += tlen;
        }
        if (p != pend) return fail(CodecError::BadSubstructure);
        r.value.proposals.push_back(std::move(prop));
        pos += plen;
        // "More" on the proposal that ends the body, or "last" before its end.
        if (!last && pos == body.size()) return fail(CodecError::Truncated);
    }
    if (pos != body.size()) return fail(CodecError::TrailingBytes);
    return r;
}

std::size_t encoded_size(const SaPayload& sa) {
    std::size_t n = 0;
    for (const auto& p : sa.proposals) n += proposal_size(p);
    return n;
}

bool encode(const SaPayload& sa, MutBytes out) {
    if (sa.proposals.empty() || out.size() != encoded_size(sa)) return false;
    std::uint8_t* w = out.data();
    for (std::size_t i = 0; i < sa.proposals.size(); ++i) {
        const Proposal& p = sa.proposals[i];
        const std::size_t plen = proposal_size(p);
        if (plen > 0xffff || p.transforms.size() > 0xff || p.spi_size > p.spi.size()) return false;
        w[0] = i + 1 == sa.proposals.size() ? kLastProposal : kMoreProposals;
        w[1] = 0;
        store_be16(w + 2, static_cast<std::uint16_t>(plen));
        w[4] = p.number;
        w[5] = static_cast<std::uint8_t>(p.protocol);
        w[6] = p.spi_size;
        w[7] = static_cast<std::uint8_t>(p.transforms.size());
        w = std::copy_n(p.spi.begin(), p.spi_size, w + kProposalHdr);
        for (std::size_t j = 0; j < p.transforms.size(); ++j) {
            const Transform& t = p.transforms[j];
            w[0] = j + 1 == p.transforms.size() ? kLastTransform : kMoreTransforms;
            w[1] = 0;
            store_be16(w + 2, static_cast<std::uint16_t>(transform_size(t)));
            w[4] = t.type;
            w[5] = 0;
            store_be16(w + 6, t.id);
            w += kTransformHdr;
            if (t.key_length) {
                store_be16(w, kAttrFormatTv | kAttrKeyLength);
                store_be16(w + 2, t.key_length);
                w += kAttrHdr;
            }
        }
    }
    return true;
}

}  // namespace vpn::ike
