// TUN reads of any shape (virtio header + packet): the segmenter must reject or cut
// them without reading out of bounds, and whatever it emits goes through the coalescer.
#include <cstdint>
#include <vector>

#include "tun/offload/coalescer.hpp"
#include "tun/offload/segmenter.hpp"

using namespace vpn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static tun::offload::Coalescer coalescer;
    static std::vector<std::uint8_t> seg(70000);
    tun::offload::Segmenter s(Bytes(data, size));
    if (s.valid()) {
        for (std::size_t i = 0; i < s.count() && i < 64; ++i) {
            std::size_t n = s.segment(i, seg);
            if (n == 0) break;
            if (coalescer.add(Bytes(seg.data(), n)) == tun::offload::Coalescer::AddResult::NeedFlush) {
                coalescer.flush();
                coalescer.add(Bytes(seg.data(), n));
            }
        }
    }
    // Raw packets straight into the coalescer too (what decryption hands it).
    if (coalescer.add(Bytes(data, size)) == tun::offload::Coalescer::AddResult::NeedFlush) coalescer.flush();
    coalescer.flush();
    return 0;
}
