// Payload helpers shared by the exchange files (declared in ike_sa_parts.hpp).
#include "ipsec/ike/ike_sa_parts.hpp"
#include "ipsec/ike/notify_payload.hpp"

namespace vpn::ike {

std::vector<const PayloadView*> all_of_type(const PayloadChain& c, PayloadType t) {
    std::vector<const PayloadView*> v;
    for (const auto& p : c.payloads)
        if (p.type == t) v.push_back(&p);
    return v;
}

std::optional<NotifyPayload> find_notify(const PayloadChain& c, std::uint16_t type) {
    for (const auto* p : all_of_type(c, PayloadType::Notify)) {
        auto n = parse_notify(p->body);
        if (n.ok() && n.value.type == type) return n.value;
    }
    return std::nullopt;
}

std::optional<NotifyPayload> first_error_notify(const PayloadChain& c) {
    for (const auto* p : all_of_type(c, PayloadType::Notify)) {
        auto n = parse_notify(p->body);
        if (n.ok() && n.value.is_error()) return n.value;
    }
    return std::nullopt;
}

bool add_notify(ChainBuilder& b, std::uint16_t type, Bytes data, ProtocolId proto, std::uint32_t spi) {
    NotifyPayload n;
    n.type = type;
    n.data = data;
    n.protocol = proto;
    if (spi) {
        n.spi_size = 4;
        store_be32(n.spi.data(), spi);
    }
    return b.add_payload(PayloadType::Notify, n);
}

const char* notify_name(std::uint16_t type) {
    switch (type) {
        case notify::kUnsupportedCriticalPayload: return "UNSUPPORTED_CRITICAL_PAYLOAD";
        case notify::kInvalidIkeSpi: return "INVALID_IKE_SPI";
        case notify::kInvalidMajorVersion: return "INVALID_MAJOR_VERSION";
        case notify::kInvalidSyntax: return "INVALID_SYNTAX";
        case notify::kInvalidMessageId: return "INVALID_MESSAGE_ID";
        case notify::kInvalidSpi: return "INVALID_SPI";
        case notify::kNoProposalChosen: return "NO_PROPOSAL_CHOSEN";
        case notify::kInvalidKePayload: return "INVALID_KE_PAYLOAD";
        case notify::kAuthenticationFailed: return "AUTHENTICATION_FAILED";
        case notify::kSinglePairRequired: return "SINGLE_PAIR_REQUIRED";
        case notify::kNoAdditionalSas: return "NO_ADDITIONAL_SAS";
        case notify::kInternalAddressFailure: return "INTERNAL_ADDRESS_FAILURE";
        case notify::kFailedCpRequired: return "FAILED_CP_REQUIRED";
        case notify::kTsUnacceptable: return "TS_UNACCEPTABLE";
        case notify::kTemporaryFailure: return "TEMPORARY_FAILURE";
        case notify::kChildSaNotFound: return "CHILD_SA_NOT_FOUND";
        default: return type < notify::kFirstStatus ? "error notify" : "status notify";
    }
}

}  // namespace vpn::ike
