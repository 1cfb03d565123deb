// IKE message input of any shape: header and payload chain, every typed payload
// parser on every payload, SK verification/decryption (AES-CBC + HMAC and AES-GCM
// keys fixed here) with the inner chain, and fragment reassembly.
#include <cstdint>
#include <vector>

#include "ipsec/ike/cp_payload.hpp"
#include "ipsec/ike/fragment.hpp"
#include "ipsec/ike/notify_payload.hpp"
#include "ipsec/ike/payload_chain.hpp"
#include "ipsec/ike/sa_payload.hpp"
#include "ipsec/ike/simple_payloads.hpp"
#include "ipsec/ike/sk_message.hpp"
#include "ipsec/ike/ts_payload.hpp"

using namespace vpn;
using namespace vpn::ike;

namespace {

void parse_typed(const PayloadChain& chain) {
    for (const auto& p : chain.payloads) {
        switch (p.type) {
            case PayloadType::SA: (void)parse_sa(p.body); break;
            case PayloadType::KE: (void)parse_ke(p.body); break;
            case PayloadType::IDi:
            case PayloadType::IDr: (void)parse_id(p.body); break;
            case PayloadType::CERT:
            case PayloadType::CERTREQ: (void)parse_cert(p.body); break;
            case PayloadType::AUTH: (void)parse_auth(p.body); break;
            case PayloadType::Nonce: (void)parse_nonce(p.body); break;
            case PayloadType::Notify: (void)parse_notify(p.body); break;
            case PayloadType::Delete: (void)parse_delete(p.body); break;
            case PayloadType::VendorId: (void)parse_vendor_id(p.body); break;
            case PayloadType::TSi:
            case PayloadType::TSr: (void)parse_ts(p.body); break;
            case PayloadType::CP: (void)parse_cp(p.body); break;
            case PayloadType::EAP: (void)parse_eap(p.body); break;
            default: break;
        }
    }
}

SkCipher cipher(const SkAlgorithms& a) {
    const auto lens = sk_key_lengths(a);
    std::vector<std::uint8_t> e(lens->encr, 0x42), i(lens->integ, 0x24);
    return std::move(SkCipher::create(a, e, i).value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static SkCipher cbc = cipher({encr::kAesCbc, 256, integ::kHmacSha256_128});
    static SkCipher gcm = cipher({encr::kAesGcm16, 128, integ::kNone});
    static FragmentReassembler reassembler({8, 4096});
    static std::vector<std::uint8_t> plain(70000);
    const Bytes in(data, size);
    // The input as the inside of an SK message: sealed, opened, split into
    // fragments and put back together, so the inner parsers see it after real
    // decryption too.
    if (size > 0) {
        IkeHeader h;
        h.exchange = ExchangeType::IkeAuth;
        h.message_id = 1;
        const auto first = static_cast<PayloadType>(data[0]);
        auto sealed = seal_message(cbc, h, first, in.subspan(1), plain);
        if (sealed.ok()) {
            std::vector<std::uint8_t> copy(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(sealed.value));
            auto v = parse_message(copy);
            if (v.ok()) {
                auto inner = open_message(cbc, v.value, plain);
                if (inner.ok()) parse_typed(inner.value);
            }
        }
        auto frags = seal_fragments(gcm, h, first, in.subspan(1), 200);
        FragmentReassembler local({64, 1 << 16});
        if (frags.ok())
            for (const auto& f : frags.value) (void)local.add(gcm, parse_message(f).value);
        if (local.complete()) {
            auto chain = local.chain();
            if (chain.ok()) parse_typed(chain.value);
        }
    }
    auto msg = parse_message(in);
    if (!msg.ok()) return 0;
    parse_typed(msg.value.chain);
    for (SkCipher* c : {&cbc, &gcm}) {
        auto inner = open_message(*c, msg.value, plain);
        if (inner.ok()) parse_typed(inner.value);
    }
    // The reassembler keeps state across inputs, as it would across datagrams.
    auto r = reassembler.add(gcm, msg.value);
    if (r.error == CodecError::OtherMessage || reassembler.complete()) {
        if (reassembler.complete()) {
            auto chain = reassembler.chain();
            if (chain.ok()) parse_typed(chain.value);
        }
        reassembler.reset();
    }
    return 0;
}
