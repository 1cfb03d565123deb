#pragma once
// IKE fragmentation (RFC 7383; ikev2-esp.md §1.16): an SK message split into SKF
// messages, each a whole IKE message with the same header fields and its own IV
// and ICV.
//
//   SKF payload: generic header (Next Payload: first inner type in fragment 1,
//                0 in the others) | Fragment Number (2, from 1) | Total Fragments (2)
//                | IV | encrypted chunk | padding | Pad Length | ICV
//
// For the AEADs the AAD runs through the 8-byte SKF header.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/util/bytes.hpp"
#include "ipsec/ike/codec_error.hpp"
#include "ipsec/ike/ike_header.hpp"
#include "ipsec/ike/payload_chain.hpp"
#include "ipsec/ike/sk_cipher.hpp"

namespace vpn::ike {

inline constexpr std::size_t kSkfHeaderLen = 8;

using Fragments = std::vector<std::vector<std::uint8_t>>;

// Split `inner` (a payload chain starting with `first_inner`) into fragments of at
// most `max_message` bytes each (the IKE message: no UDP header or non-ESP marker),
// filled in order.  Errors: BufferTooSmall (max_message cannot hold one byte of
// payload), TooLarge (more than 65535 fragments), CryptoFailure.
Result<Fragments> seal_fragments(SkCipher& c, const IkeHeader& h, PayloadType first_inner, Bytes inner,
                                 std::size_t max_message);

struct ReassemblyLimits {
    std::size_t max_fragments = 64;     // Total Fragments above this is refused
    std::size_t max_bytes = 64 * 1024;  // sum of the stored (decrypted) chunks
};

// Collects the fragments of one message (one Message ID and direction), each
// verified and decrypted on arrival so only authentic bytes are held.  Yields the
// inner chain once every fragment is in; never a partial message.
class FragmentReassembler {
public:
    enum class Status : std::uint8_t {
        NeedMore,  // stored; more fragments to come
        Complete,  // all in: chain() is ready
        Ignored,   // duplicate, or from a superseded (smaller) Total Fragments
    };

    explicit FragmentReassembler(ReassemblyLimits limits = {}) : limits_(limits) {}

    // Add one parsed SKF message.  Errors (the fragment is dropped, what was
    // collected stays): MisplacedSk (no SKF payload), Truncated, BadFragment
    // (number 0 or above total), FragmentLimit (total above max_fragments; or the
    // byte bound hit, which drops the whole collection), OtherMessage (another
    // Message ID or direction than the one being collected: reset() first to
    // switch), the errors of SkCipher::open().
    Result<Status> add(SkCipher& c, const MessageView& msg);

    // After Complete: the reassembled inner chain, views into this object (valid
    // until the next add() or reset()).  Errors: of parse_chain(); BadFragment if
    // not complete.
    Result<PayloadChain> chain() const;
    bool complete() const { return complete_; }
    bool collecting() const { return total_ != 0; }
    std::uint32_t message_id() const { return message_id_; }
    PayloadType first() const { return first_; }
    Bytes plain() const { return assembled_; }

    void reset();

private:
    ReassemblyLimits limits_;
    std::uint32_t message_id_ = 0;
    std::uint8_t direction_ = 0;  // the header's I and R flags
    std::size_t total_ = 0;       // 0: nothing collected
    std::size_t have_ = 0;
    std::size_t bytes_ = 0;
    bool complete_ = false;
    PayloadType first_ = PayloadType::None;
    std::vector<std::vector<std::uint8_t>> chunks_;  // index = number - 1
    std::vector<bool> present_;
    std::vector<std::uint8_t> assembled_;
};

}  // namespace vpn::ike
