#include "common/compress/lzo_framing.hpp"

#include <lzo/lzo1x.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace vpn::compress {
namespace {

// lzo.h: AC_SAMP_SEC, AC_MIN_BYTES, AC_SAVE_PCT, AC_OFF_SEC
constexpr std::int64_t kSampleSeconds = 2;
constexpr std::int64_t kMinBytes = 1000;
constexpr std::int64_t kSavePercent = 5;
constexpr std::int64_t kOffSeconds = 60;

void init_lzo_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (lzo_init() != LZO_E_OK) throw std::runtime_error("Cannot initialize LZO compression library");
    });
}

}  // namespace

LzoFraming::LzoFraming(bool compress_out, bool adaptive) : compress_out_(compress_out), adaptive_(adaptive) {
    init_lzo_once();
    if (compress_out_) work_ = std::make_unique<std::uint8_t[]>(LZO1X_1_15_MEM_COMPRESS);
}

LzoFraming::~LzoFraming() = default;
LzoFraming::LzoFraming(LzoFraming&&) noexcept = default;
LzoFraming& LzoFraming::operator=(LzoFraming&&) noexcept = default;

bool LzoFraming::compression_allowed(std::int64_t now) {
    if (!compress_out_) return false;
    if (!adaptive_) return true;
    // lzo.c: lzo_adaptive_compress_test -- judge each sample period when it ends.
    if (now >= next_) {
        if (!paused_ && n_total_ > kMinBytes &&
            (n_total_ - n_comp_) < n_total_ / (100 / kSavePercent)) {
            paused_ = true;
            next_ = now + kOffSeconds;
        } else {
            paused_ = false;
            next_ = now + kSampleSeconds;
        }
        n_total_ = n_comp_ = 0;
    }
    return !paused_;
}

Bytes LzoFraming::frame(MutBytes buf, std::size_t off, std::size_t len, MutBytes scratch, std::int64_t now) {
    if (off < 1 || off > buf.size() || len > buf.size() - off)
        throw std::out_of_range("LzoFraming::frame: payload outside buffer or no headroom");

    if (len >= kCompressThreshold && scratch.size() >= lzo_scratch_size(len) && compression_allowed(now)) {
        lzo_uint zlen = 0;
        int err = lzo1x_1_15_compress(buf.data() + off, len, scratch.data() + 1, &zlen, work_.get());
        if (err == LZO_E_OK && zlen <= scratch.size() - 1) {
            pre_compress_ += len;
            post_compress_ += zlen;
            if (adaptive_) {
                n_total_ += static_cast<std::int64_t>(len);
                n_comp_ += static_cast<std::int64_t>(zlen);
            }
            if (zlen < len) {
                scratch[0] = kLzoCompressByte;
                return Bytes(scratch.data(), zlen + 1);
            }
        }
    }
    buf[off - 1] = kNoCompressByte;
    return Bytes(buf.data() + off - 1, len + 1);
}

std::optional<Bytes> LzoFraming::unframe(Bytes in, MutBytes out) {
    if (in.empty()) return std::nullopt;
    if (in[0] == kNoCompressByte) return in.subspan(1);
    if (in[0] != kLzoCompressByte) return std::nullopt;
    lzo_uint zlen = out.size();
    // The _safe decompressor checks both input and output bounds; anything but
    // LZO_E_OK (overrun, trailing garbage, corrupt stream) is a drop, as in lzo.c.
    int err = lzo1x_decompress_safe(in.data() + 1, in.size() - 1, out.data(), &zlen, nullptr);
    if (err != LZO_E_OK || zlen > out.size()) return std::nullopt;
    return Bytes(out.data(), zlen);
}

}  // namespace vpn::compress
