#include "ipsec/ike/fragment.hpp"

#include <algorithm>

namespace vpn::ike {

Result<Fragments> seal_fragments(SkCipher& c, const IkeHeader& h, PayloadType first_inner, Bytes inner,
                                 std::size_t max_message) {
    Result<Fragments> r;
    auto fail = [&r](CodecError e) {
        r.error = e;
        r.value.clear();
        return r;
    };
    const std::size_t fixed = kHeaderLen + kSkfHeaderLen;
    const auto chunk = max_message > fixed ? c.max_plain_length(std::min<std::size_t>(max_message, 0xffff) - fixed)
                                           : std::nullopt;
    if (!chunk || *chunk == 0) return fail(CodecError::BufferTooSmall);
    const std::size_t count = inner.empty() ? 1 : (inner.size() + *chunk - 1) / *chunk;
    if (count > 0xffff) return fail(CodecError::TooLarge);
    r.value.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const Bytes part = inner.subspan(i * *chunk, std::min(*chunk, inner.size() - i * *chunk));
        const std::size_t skf_len = kSkfHeaderLen + c.overhead_length(part.size());
        auto& msg = r.value.emplace_back(kHeaderLen + skf_len);
        IkeHeader hdr = h;
        hdr.next_payload = PayloadType::SKF;
        hdr.length = static_cast<std::uint32_t>(msg.size());
        write_header(hdr, msg.data());
        std::uint8_t* skf = msg.data() + kHeaderLen;
        // RFC 7383 §2.5: only the first fragment names the first inner payload.
        skf[0] = i == 0 ? static_cast<std::uint8_t>(first_inner) : 0;
        skf[1] = 0;
        store_be16(skf + 2, static_cast<std::uint16_t>(skf_len));
        store_be16(skf + 4, static_cast<std::uint16_t>(i + 1));
        store_be16(skf + 6, static_cast<std::uint16_t>(count));
        if (auto e = c.seal(msg, kHeaderLen + kSkfHeaderLen, part)) return fail(*e);
    }
    return r;
}

void FragmentReassembler::reset() {
    message_id_ = 0;
    direction_ = 0;
    total_ = have_ = bytes_ = 0;
    complete_ = false;
    first_ = PayloadType::None;
    chunks_.clear();
    present_.clear();
    assembled_.clear();
}

Result<FragmentReassembler::Status> FragmentReassembler::add(SkCipher& c, const MessageView& msg) {
    Result<Status> r;
    auto fail = [&r](CodecError e) {
        r.error = e;
        return r;
    };
    auto done = [&r](Status s) {
        r.value = s;
        return r;
    };
    const PayloadView* skf = msg.encrypted();
    if (!skf || skf->type != PayloadType::SKF) return fail(CodecError::MisplacedSk);
    if (skf->body.size() < kSkfHeaderLen - kPayloadHeaderLen) return fail(CodecError::Truncated);
    const std::size_t number = load_be16(skf->body.data());
    const std::size_t total = load_be16(skf->body.data() + 2);
    if (number == 0 || total == 0 || number > total) return fail(CodecError::BadFragment);
    if (total > limits_.max_fragments) return fail(CodecError::FragmentLimit);
    const std::uint8_t direction = msg.header.flags & (flag::kInitiator | flag::kResponse);
    if (collecting()) {
        if (msg.header.message_id != message_id_ || direction != direction_) return fail(CodecError::OtherMessage);
        // Retransmissions of a finished message, stale fragments of an older split
        // (RFC 7383 §2.6.1: a smaller Total Fragments is discarded) and duplicates
        // cost nothing: no decryption.
        if (complete_ || total < total_ || (total == total_ && present_[number - 1])) return done(Status::Ignored);
    }

    std::vector<std::uint8_t> chunk(skf->body.size());
    auto n = c.open(msg.raw, skf->offset + kSkfHeaderLen, chunk);
    if (!n.ok()) return fail(*n.error);
    chunk.resize(n.value);

    // §2.6.1: a larger Total Fragments means the sender re-fragmented (smaller
    // pieces); what was collected belongs to the old split.
    if (collecting() && total > total_) reset();
    if (!collecting()) {
        message_id_ = msg.header.message_id;
        direction_ = direction;
        total_ = total;
        chunks_.assign(total, {});
        present_.assign(total, false);
    }
    if (chunk.size() > limits_.max_bytes - std::min(bytes_, limits_.max_bytes)) {
        reset();
        return fail(CodecError::FragmentLimit);
    }
    bytes_ += chunk.size();
    if (number == 1) first_ = static_cast<PayloadType>(skf->next);
    chunks_[number - 1] = std::move(chunk);
    present_[number - 1] = true;
    if (++have_ < total_) return done(Status::NeedMore);

    assembled_.reserve(bytes_);
    for (auto& c_ : chunks_) {
        assembled_.insert(assembled_.end(), c_.begin(), c_.end());
        std::vector<std::uint8_t>().swap(c_);
    }
    complete_ = true;
    return done(Status::Complete);
}

Result<PayloadChain> FragmentReassembler::chain() const {
    if (!complete_) {
        Result<PayloadChain> r;
        r.error = CodecError::BadFragment;
        return r;
    }
    return parse_chain(first_, assembled_, ChainKind::Inner);
}

}  // namespace vpn::ike
