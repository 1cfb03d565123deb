#include "ipsec/ike/simple_payloads.hpp"

#include <algorithm>

namespace vpn::ike {
namespace {

template <class T>
Result<T> truncated() {
    Result<T> r;
    r.error = CodecError::Truncated;
    return r;
}

// Fixed part of `fixed` bytes (first byte meaningful, the rest reserved), then data.
bool write_typed(std::uint8_t type, std::size_t fixed, Bytes data, MutBytes out) {
    if (out.size() != fixed + data.size()) return false;
    std::fill_n(out.begin(), fixed, 0);
    out[0] = type;
    std::copy(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(fixed));
    return true;
}

bool write_opaque(Bytes data, MutBytes out) {
    if (out.size() != data.size()) return false;
    std::copy(data.begin(), data.end(), out.begin());
    return true;
}

}  // namespace

Result<KePayload> parse_ke(Bytes body) {
    if (body.size() < 4) return truncated<KePayload>();
    return {{load_be16(body.data()), body.subspan(4)}, {}};
}

Result<NoncePayload> parse_nonce(Bytes body) {
    Result<NoncePayload> r{{body}, {}};
    if (body.size() < kNonceMin || body.size() > kNonceMax) r.error = CodecError::BadValue;
    return r;
}

Result<IdPayload> parse_id(Bytes body) {
    if (body.size() < 4) return truncated<IdPayload>();
    return {{static_cast<IdType>(body[0]), body.subspan(4)}, {}};
}

Result<CertPayload> parse_cert(Bytes body) {
    if (body.empty()) return truncated<CertPayload>();
    return {{static_cast<CertEncoding>(body[0]), body.subspan(1)}, {}};
}

Result<AuthPayload> parse_auth(Bytes body) {
    if (body.size() < 4) return truncated<AuthPayload>();
    return {{static_cast<AuthMethod>(body[0]), body.subspan(4)}, {}};
}

Result<VendorIdPayload> parse_vendor_id(Bytes body) { return {{body}, {}}; }

Result<EapPayload> parse_eap(Bytes body) {
    // Code, Identifier and Length (RFC 3748 §4) are the least an EAP message has.
    if (body.size() < 4) return truncated<EapPayload>();
    return {{body}, {}};
}

std::size_t encoded_size(const KePayload& p) { return 4 + p.data.size(); }
bool encode(const KePayload& p, MutBytes out) {
    if (!write_typed(0, 4, p.data, out)) return false;
    store_be16(out.data(), p.group);
    return true;
}
std::size_t encoded_size(const NoncePayload& p) { return p.data.size(); }
bool encode(const NoncePayload& p, MutBytes out) { return write_opaque(p.data, out); }
std::size_t encoded_size(const IdPayload& p) { return 4 + p.data.size(); }
bool encode(const IdPayload& p, MutBytes out) { return write_typed(static_cast<std::uint8_t>(p.type), 4, p.data, out); }
std::size_t encoded_size(const CertPayload& p) { return 1 + p.data.size(); }
bool encode(const CertPayload& p, MutBytes out) {
    return write_typed(static_cast<std::uint8_t>(p.encoding), 1, p.data, out);
}
std::size_t encoded_size(const AuthPayload& p) { return 4 + p.data.size(); }
bool encode(const AuthPayload& p, MutBytes out) {
    return write_typed(static_cast<std::uint8_t>(p.method), 4, p.data, out);
}
std::size_t encoded_size(const VendorIdPayload& p) { return p.data.size(); }
bool encode(const VendorIdPayload& p, MutBytes out) { return write_opaque(p.data, out); }
std::size_t encoded_size(const EapPayload& p) { return p.data.size(); }
bool encode(const EapPayload& p, MutBytes out) { return write_opaque(p.data, out); }

}  // namespace vpn::ike
