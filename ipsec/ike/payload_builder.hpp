#pragma once
// Writing payload chains and whole messages into a caller buffer.  Each add() links
// the new payload into the chain (the previous payload's Next Payload, or the
// header's) and writes its length; finish() completes the IKE header.  Nothing is
// allocated.  Once an add() fails (no room, body over 65531 bytes) the builder stays
// failed and finish() returns 0.
//
//   ChainBuilder b(buf);                     // a bare chain, e.g. the inside of SK
//   encode(idi, b.add(PayloadType::IDi, encoded_size(idi)));
//   b.add(PayloadType::AUTH, auth);          // typed payloads: see the *_payload.hpp
//   -> b.first(), b.bytes()
#include <cstddef>
#include <cstdint>

#include "common/util/bytes.hpp"
#include "ipsec/ike/ike_constants.hpp"
#include "ipsec/ike/ike_header.hpp"

namespace vpn::ike {

class ChainBuilder {
public:
    explicit ChainBuilder(MutBytes out) : out_(out) {}

    // Append a payload with a `body_len`-byte body and return the body for the
    // caller to fill (empty when body_len is 0 or on failure: check ok()).
    MutBytes add(PayloadType type, std::size_t body_len, bool critical = false);
    // Append a payload with a copy of `body` (which must not overlap the buffer).
    bool add(PayloadType type, Bytes body, bool critical = false);
    // Append a typed payload: any P with encoded_size(P) and encode(P, MutBytes)
    // (sa_payload.hpp, ts_payload.hpp, ...).
    template <class P>
    bool add_payload(PayloadType type, const P& p) {
        MutBytes body = add(type, encoded_size(p));
        return ok() && (encode(p, body) || (failed_ = true, false));
    }

    bool ok() const { return !failed_; }
    PayloadType first() const { return first_; }  // None while empty
    std::size_t size() const { return used_; }
    Bytes bytes() const { return out_.first(used_); }

protected:
    void fail() { failed_ = true; }

private:
    MutBytes out_;
    std::size_t used_ = 0;
    std::size_t last_ = 0;  // offset of the last payload's header
    PayloadType first_ = PayloadType::None;
    bool failed_ = false;
};

// A whole message: the IKE header, then the chain.
class MessageBuilder : public ChainBuilder {
public:
    // `h.next_payload` and `h.length` are filled in by finish().
    MessageBuilder(MutBytes out, const IkeHeader& h);

    // Write the header; returns the message length, or 0 if any add() failed.
    std::size_t finish();

private:
    MutBytes msg_;
    IkeHeader header_;
};

}  // namespace vpn::ike
