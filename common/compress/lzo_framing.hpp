#pragma once
// OpenVPN's comp-lzo framing (openvpn-wire.md §4; lzo.c: lzo_compress/lzo_decompress).
// Every data payload -- IP packets, pings and OCC messages alike -- carries one
// leading byte:
//
//   0xFA | payload                    not compressed
//   0x66 | lzo1x(payload)             LZO1X-compressed (raw stream, no length)
//
// We compress only when told to (`compress_out`, i.e. `allow-compression yes`), only
// payloads of at least 100 bytes, and only if the result is strictly smaller; stock
// 2.6 by default never compresses but always decompresses.  With `adaptive`
// (comp-lzo adaptive, the default), compression turns itself off for 60 s when a 2 s
// sample of at least 1000 bytes saved less than 5 % (lzo.c: lzo_adaptive_compress_test).
//
// Buffers are the caller's; frame()/unframe() allocate nothing (the LZO work memory,
// 256 KiB, is allocated once by the constructor when compress_out is set).
// Not thread-safe: one instance per worker.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "common/util/bytes.hpp"

namespace vpn::compress {

inline constexpr std::uint8_t kLzoCompressByte = 0x66;  // comp.h: LZO_COMPRESS_BYTE
inline constexpr std::uint8_t kNoCompressByte = 0xFA;   // comp.h: NO_COMPRESS_BYTE
inline constexpr std::size_t kCompressThreshold = 100;  // comp.h: COMPRESS_THRESHOLD

// Worst-case LZO1X output for `len` input bytes plus the framing byte: the scratch
// size frame() needs to try compressing a payload of `len` bytes.
constexpr std::size_t lzo_scratch_size(std::size_t len) { return 1 + len + len / 16 + 64 + 3; }

class LzoFraming {
public:
    LzoFraming(bool compress_out, bool adaptive);
    ~LzoFraming();
    LzoFraming(LzoFraming&&) noexcept;
    LzoFraming& operator=(LzoFraming&&) noexcept;

    // Frame the `len` payload bytes at buf[off..off+len).  Requires off >= 1 (one byte
    // of headroom) and off + len <= buf.size(), else std::out_of_range.  Returns either
    // buf[off-1..off+len) with buf[off-1] = 0xFA (in place, no copy), or the bytes
    // 0x66 | lzo1x_1_15(payload) written to `scratch` -- only when compress_out, len >=
    // 100, scratch.size() >= lzo_scratch_size(len), adaptive allows it, and the
    // result is strictly smaller.  `now`: Unix seconds, for the adaptive sampler.
    Bytes frame(MutBytes buf, std::size_t off, std::size_t len, MutBytes scratch, std::int64_t now);

    // Remove the framing byte.  0xFA: the rest of `in`, in place.  0x66: decompress
    // (lzo1x_decompress_safe) into `out`, never writing past out.size(); returns the
    // decompressed bytes.  Empty input, any other first byte, corrupt, truncated or
    // too-large compressed data: std::nullopt (count a drop; see unframe_error()).
    std::optional<Bytes> unframe(Bytes in, MutBytes out);

    // Compressed/uncompressed byte totals, for statistics.
    std::uint64_t pre_compress() const { return pre_compress_; }
    std::uint64_t post_compress() const { return post_compress_; }

    // True if compression is currently paused by the adaptive sampler.
    bool adaptive_paused() const { return paused_; }

private:
    bool compression_allowed(std::int64_t now);

    bool compress_out_;
    bool adaptive_;
    std::unique_ptr<std::uint8_t[]> work_;  // LZO1X_1_15_MEM_COMPRESS, only if compress_out

    // lzo.h: struct lzo_adaptive_compress
    bool paused_ = false;
    std::int64_t next_ = 0;
    std::int64_t n_total_ = 0, n_comp_ = 0;  // signed: n_total - n_comp may be negative

    std::uint64_t pre_compress_ = 0, post_compress_ = 0;
};

// Whether a 0x66/0xFA first byte is a framing the decoder understands; for callers
// that want to tell Drop::BadCompressHeader from Drop::Decompress.
inline bool lzo_header_known(Bytes in) {
    return !in.empty() && (in[0] == kLzoCompressByte || in[0] == kNoCompressByte);
}

}  // namespace vpn::compress
