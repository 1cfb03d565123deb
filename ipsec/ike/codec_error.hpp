#pragma once
// Errors of the IKEv2 message codec, and the result type its parsers return.
// Every failure on input from the network is one of these codes: no exceptions,
// no partial trust.  The names are what logs print.
#include <cstdint>
#include <optional>

namespace vpn::ike {

enum class CodecError : std::uint8_t {
    Truncated,             // fewer bytes than a fixed field or a length field needs
    LengthMismatch,        // IKE header length differs from the datagram size
    BadVersion,            // major version is not 2 (answer INVALID_MAJOR_VERSION if > 2)
    BadPayloadLength,      // a generic payload header length below 4 or past the end
    TrailingBytes,         // bytes left after the last payload or substructure
    UnsupportedCritical,   // unknown payload type with the critical bit set
    MisplacedSk,           // SK/SKF not the last payload, or found inside SK
    BadSubstructure,       // proposal/transform/attribute/selector framing broken
    BadSpiSize,            // an SPI size the payload does not allow
    BadValue,              // a field outside its allowed range
    BufferTooSmall,        // a builder's output buffer has no room
    TooLarge,              // a payload or message over its 16-bit (or given) limit
    UnsupportedTransform,  // SK protection asked for an algorithm we do not run
    BadKeyLength,          // SK_e / SK_a of the wrong size for the algorithm
    IntegrityFailed,       // ICV (or AEAD tag) mismatch: drop silently
    BadPadding,            // Pad Length larger than the decrypted data
    CryptoFailure,         // OpenSSL refused (should not happen with valid keys)
    BadFragment,           // SKF numbering inconsistent (0, > total, total 0)
    FragmentLimit,         // reassembly would exceed its fragment or byte bound
    OtherMessage,          // fragment of a different message than the one collected
};

// "truncated", "length-mismatch", ...
const char* codec_error_name(CodecError e);

// `value` is meaningful when ok(); some parsers also leave useful fields in it on
// failure, as their contract says.
template <class T>
struct Result {
    T value{};
    std::optional<CodecError> error;
    bool ok() const { return !error; }
};

}  // namespace vpn::ike
