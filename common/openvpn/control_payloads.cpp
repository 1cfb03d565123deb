#include "common/openvpn/control_payloads.hpp"

#include <algorithm>
#include <cstring>

namespace vpn::ovpn {
namespace {

bool starts_with_occ_magic(Bytes p) {
    return p.size() >= kOccMagic.size() && std::equal(kOccMagic.begin(), kOccMagic.end(), p.begin());
}

}  // namespace

PayloadKind classify(Bytes payload) {
    if (payload.size() == kPingMagic.size() && std::equal(kPingMagic.begin(), kPingMagic.end(), payload.begin()))
        return PayloadKind::Ping;
    if (starts_with_occ_magic(payload)) return PayloadKind::Occ;
    return PayloadKind::Data;
}

std::optional<std::uint8_t> occ_opcode(Bytes payload) {
    if (!starts_with_occ_magic(payload) || payload.size() <= kOccMagic.size()) return std::nullopt;
    return payload[kOccMagic.size()];
}

Bytes occ_body(Bytes payload) {
    if (!starts_with_occ_magic(payload) || payload.size() <= kOccMagic.size()) return {};
    return payload.subspan(kOccMagic.size() + 1);
}

std::optional<std::string_view> occ_reply_string(Bytes payload) {
    auto op = occ_opcode(payload);
    if (!op || *op != static_cast<std::uint8_t>(OccOp::Reply)) return std::nullopt;
    Bytes body = occ_body(payload);
    if (body.empty()) return std::nullopt;
    const auto* nul = static_cast<const std::uint8_t*>(std::memchr(body.data(), 0, body.size()));
    if (!nul) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(body.data()), static_cast<std::size_t>(nul - body.data()));
}

OccMessage parse_occ(Bytes payload) {
    OccMessage m;
    auto op = occ_opcode(payload);
    if (!op || *op > static_cast<std::uint8_t>(OccOp::Exit)) return m;
    m.op = static_cast<OccOp>(*op);
    if (m.op == OccOp::Reply) {
        Bytes body = occ_body(payload);
        std::size_t n = 0;
        while (n < body.size() && body[n] != 0) ++n;
        m.options = std::string_view(reinterpret_cast<const char*>(body.data()), n);
    }
    return m;
}

std::size_t build_ping(MutBytes out) {
    if (out.size() < kPingMagic.size()) return 0;
    std::memcpy(out.data(), kPingMagic.data(), kPingMagic.size());
    return kPingMagic.size();
}

std::size_t build_occ(MutBytes out, OccOp op) {
    if (out.size() < kOccMagic.size() + 1) return 0;
    std::memcpy(out.data(), kOccMagic.data(), kOccMagic.size());
    out[kOccMagic.size()] = static_cast<std::uint8_t>(op);
    return kOccMagic.size() + 1;
}

std::size_t build_occ_reply(MutBytes out, std::string_view options) {
    // occ.c: check_send_occ_msg_dowork sends strlen + 1 bytes (the NUL included).
    const std::size_t n = kOccMagic.size() + 1 + options.size() + 1;
    if (out.size() < n || options.find('\0') != std::string_view::npos) return 0;
    build_occ(out, OccOp::Reply);
    if (!options.empty()) std::memcpy(out.data() + kOccMagic.size() + 1, options.data(), options.size());
    out[n - 1] = 0;
    return n;
}

}  // namespace vpn::ovpn
