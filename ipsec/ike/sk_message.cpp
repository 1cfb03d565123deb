#include "ipsec/ike/sk_message.hpp"

namespace vpn::ike {

std::size_t sk_message_length(const SkCipher& c, std::size_t inner_len) {
    return kHeaderLen + kPayloadHeaderLen + c.overhead_length(inner_len);
}

Result<std::size_t> seal_message(SkCipher& c, const IkeHeader& h, PayloadType first_inner, Bytes inner,
                                 MutBytes out) {
    Result<std::size_t> r;
    const std::size_t sk_len = kPayloadHeaderLen + c.overhead_length(inner.size());
    const std::size_t total = kHeaderLen + sk_len;
    if (sk_len > 0xffff) {
        r.error = CodecError::TooLarge;
        return r;
    }
    if (out.size() < total) {
        r.error = CodecError::BufferTooSmall;
        return r;
    }
    IkeHeader hdr = h;
    hdr.next_payload = PayloadType::SK;
    hdr.length = static_cast<std::uint32_t>(total);
    write_header(hdr, out.data());
    std::uint8_t* sk = out.data() + kHeaderLen;
    sk[0] = static_cast<std::uint8_t>(first_inner);
    sk[1] = 0;
    store_be16(sk + 2, static_cast<std::uint16_t>(sk_len));
    if (auto e = c.seal(out.first(total), kHeaderLen + kPayloadHeaderLen, inner)) {
        r.error = e;
        return r;
    }
    r.value = total;
    return r;
}

Result<PayloadChain> open_message(SkCipher& c, const MessageView& msg, MutBytes plain) {
    Result<PayloadChain> r;
    const PayloadView* sk = msg.encrypted();
    if (!sk || sk->type != PayloadType::SK) {
        r.error = CodecError::MisplacedSk;
        return r;
    }
    auto n = c.open(msg.raw, sk->offset + kPayloadHeaderLen, plain);
    if (!n.ok()) {
        r.error = n.error;
        return r;
    }
    return parse_chain(static_cast<PayloadType>(sk->next), Bytes(plain.first(n.value)), ChainKind::Inner);
}

}  // namespace vpn::ike
