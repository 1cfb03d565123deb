// Datagrams of any shape through a PeerSession.  With `cipher none` + `auth none`
// every input counts as authentic, so the fuzzer reaches everything behind the
// crypto: packet-id/replay, LZO unframing and decompression, ping/OCC parsing,
// the payload checks and the mssfix clamp.  A second session with real crypto
// covers the HMAC/CBC/padding checks in front.
#include <cstdint>
#include <vector>

#include "common/log/log.hpp"
#include "p2p/peer_session.hpp"
#include "pki/static_key.hpp"

using namespace vpn;

namespace {

p2p::PeerSession make(const char* cipher, const char* auth, bool tap) {
    static const pki::StaticKey key = [] {
        std::vector<std::uint8_t> raw(256);
        for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 7 + 1);
        return pki::StaticKey::from_bytes(raw);
    }();
    ovpn::StaticChannelParams p;
    p.cipher = cipher;
    p.auth = auth;
    p2p::SessionConfig c;
    c.lzo_framing = true;
    c.lzo_compress = true;
    c.tap = tap;
    c.mss = 1300;
    c.local_options = "V4,dev-type tun";
    c.remote_options = "V4,dev-type tun";
    return p2p::PeerSession(c, ovpn::StaticDataChannel(key, config::KeyDirection::Bidirectional, p), {1, 1700000000});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static bool quiet = (log::set_verbosity(0), true);
    (void)quiet;
    static p2p::PeerSession open_tun = make("none", "none", false);
    static p2p::PeerSession open_tap = make("none", "none", true);
    static p2p::PeerSession sealed = make("AES-128-CBC", "SHA1", false);
    static std::vector<std::uint8_t> out(70000), scratch(70000);
    p2p::Now now{2, 1700000001};
    // Fresh replay state per input: otherwise one accepted huge packet-id time makes
    // every later input a replay and the fuzzer stops getting past the window.
    open_tun.restart(now);
    open_tap.restart(now);
    sealed.restart(now);
    Bytes in(data, size);
    (data[0 % (size ? size : 1)] & 1 ? open_tap : open_tun).decapsulate(in, out, scratch, now);
    sealed.decapsulate(in, out, scratch, now);
    return 0;
}
