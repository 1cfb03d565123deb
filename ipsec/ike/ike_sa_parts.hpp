#pragma once
// The inside of an IkeSa, shared by its implementation files only.
#include <memory>
#include <optional>
#include <vector>

#include "ipsec/ike/fragment.hpp"
#include "ipsec/ike/ike_sa.hpp"
#include "ipsec/ike/notify_payload.hpp"

namespace vpn::ike {

using Wire = std::vector<std::vector<std::uint8_t>>;  // one message: 1 datagram, or its fragments

// A request of ours in flight (window size 1) and what its exchange needs when the
// response arrives.
struct IkeSa::Outstanding {
    enum class Kind : std::uint8_t { SaInit, Auth, ChildRekey, IkeRekey, DeleteChild, DeleteIke, Dpd, Notify };
    Kind kind = Kind::Dpd;
    ExchangeType exchange = ExchangeType::Informational;
    std::uint32_t mid = 0;
    Wire wire;
    int sends = 0;
    std::int64_t started_at = 0;
    std::int64_t next_at = 0;
    Endpoint to, from;  // where the request went (resent there unless the peer moved)

    // CREATE_CHILD_SA (child or IKE rekey)
    std::uint32_t old_spi_in = 0;  // child being rekeyed / deleted
    std::uint32_t new_spi_in = 0;  // our SPI of the new child
    IkeSpi new_ike_spi{};          // our SPI of the new IKE SA
    std::vector<std::uint8_t> nonce;
    std::unique_ptr<KeyExchange> ke;
    SaPayload offer;
    std::vector<TrafficSelector> tsi, tsr;
    int ke_retries = 0;
};

// One IKE SA's keys and message-ID windows.  An IkeSa holds the current one and,
// while an IKE rekey finishes, the old one (for its Delete exchange).
struct IkeSa::SaContext {
    IkeSpi spi_i{}, spi_r{};
    bool we_initiated = true;  // we are this SA's original initiator: I flag, SK_ei/SK_ai out
    std::optional<Prf> prf;
    TransformSet transforms;
    IkeSaKeys keys;
    SkCipher out, in;
    bool keyed = false;

    std::uint32_t next_mid = 0;  // of our next request
    std::optional<Outstanding> outstanding;

    std::uint32_t peer_mid = 0;  // the peer's next request
    std::optional<std::uint32_t> answered_mid;
    Wire answer;  // cached response to answered_mid, resent for duplicates
    FragmentReassembler requests, responses;

    const IkeSpi& our_spi() const { return we_initiated ? spi_i : spi_r; }
};

struct IkeSa::Child {
    enum class State : std::uint8_t { Installed, Rekeying, Rekeyed, Deleting };
    std::uint32_t spi_in = 0, spi_out = 0;
    TransformSet transforms;
    std::vector<TrafficSelector> local_ts, remote_ts;
    std::int64_t rekey_at = 0, expire_at = 0;
    State state = State::Installed;
};

// IKE_SA_INIT leftovers the IKE_AUTH exchange needs (AUTH octets, negotiation).
struct IkeSa::InitData {
    std::vector<std::uint8_t> request, response;  // RealMessage1 / RealMessage2
    std::vector<std::uint8_t> ni, nr;
    std::unique_ptr<KeyExchange> ke;
    SaPayload offer;                   // initiator: our IKE proposals
    std::vector<std::uint8_t> cookie;  // initiator: the responder's COOKIE
    int retries = 0;                   // COOKIE / INVALID_KE_PAYLOAD round trips
    std::optional<std::vector<std::uint16_t>> peer_hashes;  // SIGNATURE_HASH_ALGORITHMS
    bool peer_certreq = false;
    // IKE_AUTH initiator: the child we ask for.
    std::uint32_t child_spi = 0;
    SaPayload child_offer;
    std::vector<TrafficSelector> tsi, tsr;
};

// The message being handled: its header and (decrypted) payload chain.
struct IkeSa::Inbound {
    const MessageView* msg = nullptr;
    PayloadChain chain;
    SaContext* ctx = nullptr;
    Endpoints ep;
    std::int64_t now = 0;
    const IkeHeader& h() const { return msg->header; }
};

// Small payload helpers for the exchange files.
std::vector<const PayloadView*> all_of_type(const PayloadChain& c, PayloadType t);
// The first Notify of `type`, parsed; nullopt if absent or malformed.
std::optional<NotifyPayload> find_notify(const PayloadChain& c, std::uint16_t type);
// The first error notify (type < 16384), parsed.
std::optional<NotifyPayload> first_error_notify(const PayloadChain& c);
bool add_notify(ChainBuilder& b, std::uint16_t type, Bytes data = {}, ProtocolId proto = ProtocolId::None,
                std::uint32_t spi = 0);
const char* notify_name(std::uint16_t type);

}  // namespace vpn::ike
