#include "ipsec/ike/codec_error.hpp"

namespace vpn::ike {

const char* codec_error_name(CodecError e) {
    switch (e) {
        case CodecError::Truncated: return "truncated";
        case CodecError::LengthMismatch: return "length-mismatch";
        case CodecError::BadVersion: return "bad-version";
        case CodecError::BadPayloadLength: return "bad-payload-length";
        case CodecError::TrailingBytes: return "trailing-bytes";
        case CodecError::UnsupportedCritical: return "unsupported-critical-payload";
        case CodecError::MisplacedSk: return "misplaced-sk";
        case CodecError::BadSubstructure: return "bad-substructure";
        case CodecError::BadSpiSize: return "bad-spi-size";
        case CodecError::BadValue: return "bad-value";
        case CodecError::BufferTooSmall: return "buffer-too-small";
        case CodecError::TooLarge: return "too-large";
        case CodecError::UnsupportedTransform: return "unsupported-transform";
        case CodecError::BadKeyLength: return "bad-key-length";
        case CodecError::IntegrityFailed: return "integrity-failed";
        case CodecError::BadPadding: return "bad-padding";
        case CodecError::CryptoFailure: return "crypto-failure";
        case CodecError::BadFragment: return "bad-fragment";
        case CodecError::FragmentLimit: return "fragment-limit";
        case CodecError::OtherMessage: return "other-message";
    }
    return "?";
}

}  // namespace vpn::ike
