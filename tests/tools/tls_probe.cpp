// Interop probe: one TlsSession as a pull client over UDP against a server (stock
// openvpn 2.6 or vpn): reset, TLS handshake, key method 2, PUSH_REQUEST, PUSH_REPLY,
// data keys.  Prints the PUSH_REPLY and the negotiated keys, exit 0 on success.
//
//   tls_probe HOST PORT --ca F --cert F --key F [--tls-crypt F | --tls-auth F DIR]
//             [--auth DIGEST] [--no-ekm] [--reneg N] [--stay SECONDS] [--timeout SECONDS]
//
// For every key it gets (key_id 0, then each renegotiation) it sends an OCC_REQUEST
// over the data channel (P_DATA_V2, peer-id from the push) and waits for the
// server's OCC_REPLY, proving both directions of those data keys.  --reneg N: N
// client-initiated soft resets; --stay S: keep running S seconds (e.g. against a
// server with reneg-sec, for server-initiated ones).
//
// Not part of the test scripts (it needs a running server); see the session note.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/openvpn/control_payloads.hpp"
#include "common/openvpn/peer_info.hpp"
#include "common/openvpn/push_reply.hpp"
#include "common/openvpn/session/tls_session.hpp"
#include "pki/tls_context.hpp"
#include "pki/static_key.hpp"

using namespace vpn;
using namespace vpn::ovpn;
using namespace vpn::ovpn::session;

namespace {

std::int64_t mono_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int usage() {
    std::fprintf(stderr,
                 "usage: tls_probe HOST PORT --ca F --cert F --key F [--tls-crypt F | --tls-auth F DIR] "
                 "[--auth DIGEST] [--no-ekm] [--reneg N] [--stay S] [--timeout S]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return usage();
    const std::string host = argv[1];
    const int port = std::atoi(argv[2]);
    pki::TlsConfig tc;
    tc.remote_cert_tls = pki::RemoteCertTls::Server;
    WrapConfig wrap;
    int timeout_s = 20;
    bool no_ekm = false;
    int renegs = 0;   // client-initiated renegotiations, each checked over the data channel
    int stay_s = 0;   // keep running this long (server-initiated renegotiations)
    try {
        for (int i = 3; i < argc; ++i) {
            std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
                return argv[++i];
            };
            if (a == "--ca") tc.ca = next();
            else if (a == "--cert") tc.cert = next();
            else if (a == "--key") tc.key = next();
            else if (a == "--timeout") timeout_s = std::stoi(next());
            else if (a == "--no-ekm") no_ekm = true;
            else if (a == "--reneg") renegs = std::stoi(next());
            else if (a == "--stay") stay_s = std::stoi(next());
            else if (a == "--auth") wrap.auth = next();
            else if (a == "--tls-crypt") {
                wrap.mode = control::WrapMode::TlsCrypt;
                wrap.key = pki::read_static_key_file(next());
            } else if (a == "--tls-auth") {
                wrap.mode = control::WrapMode::TlsAuth;
                wrap.key = pki::read_static_key_file(next());
                std::string d = next();
                wrap.direction = d == "1" ? config::KeyDirection::Inverse
                                 : d == "0" ? config::KeyDirection::Normal
                                            : config::KeyDirection::Bidirectional;
            } else
                return usage();
        }
        auto ctx = pki::make_tls_context(tc);
        SessionConfig cfg;
        cfg.key_mode = KeyMode::PullClient;
        cfg.wrap = wrap;
        cfg.options = "V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,"
                      "auth [null-digest],keysize 256,key-method 2,tls-client";
        if (no_ekm) cfg.implemented = iv_proto::kDataV2;
        PeerInfoParams pi;
        pi.data_ciphers = cfg.ncp.data_ciphers;
        pi.implemented = cfg.implemented;
        cfg.peer_info = build_peer_info(pi);
        TlsSession s(ctx, cfg);

        int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<std::uint16_t>(port));
        if (fd < 0 || ::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1 ||
            ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
            std::perror("socket/connect");
            return 1;
        }
        const std::int64_t t0 = mono_ms();
        s.start(mono_ms());
        std::map<std::uint8_t, std::unique_ptr<TlsDataChannel>> channels;
        std::set<int> verified;  // key_ids whose OCC_REPLY came back
        int renegs_done = 0;
        std::int64_t last_occ = 0;
        std::uint32_t peer_id = kNoPeerId;
        std::vector<std::uint8_t> buf(65536), out(65536);

        auto occ_request = [&](std::uint8_t key_id) {
            std::vector<std::uint8_t> plain(64), wire(256);
            std::size_t n = build_occ_request(plain);
            DataHeader h;
            h.op = peer_id == kNoPeerId ? DataOpcode::V1 : DataOpcode::V2;
            h.peer_id = peer_id;
            h.key_id = key_id;
            std::size_t w = channels[key_id]->seal(Bytes(plain.data(), n), wire, h);
            if (::send(fd, wire.data(), w, 0) < 0) std::perror("send");
        };

        for (;;) {
            while (auto e = s.next_event()) {
                switch (e->kind) {
                    case SessionEvent::Kind::Send:
                        if (::send(fd, e->bytes.data(), e->bytes.size(), 0) < 0) std::perror("send");
                        break;
                    case SessionEvent::Kind::Established:
                        std::printf("established after %lld ms; %s\n", static_cast<long long>(mono_ms() - t0),
                                    s.tls_description().c_str());
                        s.send_control_message("PUSH_REQUEST", mono_ms());
                        break;
                    case SessionEvent::Kind::ControlMessage:
                        std::printf("received: %s\n", e->text.c_str());
                        if (e->text.rfind("PUSH_REPLY", 0) == 0) {
                            auto r = parse_push_reply(e->text);
                            for (auto& o : r.reply.options)
                                if (o.size() == 2 && o[0] == "peer-id") peer_id = std::stoul(o[1]);
                        }
                        break;
                    case SessionEvent::Kind::KeysReady:
                        std::printf("data channel keys for key_id %u after %lld ms: %s\n", e->key_id,
                                    static_cast<long long>(mono_ms() - t0), e->text.c_str());
                        channels[e->key_id] = std::move(e->channel);
                        verified.erase(e->key_id);
                        occ_request(e->key_id);
                        last_occ = mono_ms();
                        break;
                    case SessionEvent::Kind::KeyRetired:
                        channels.erase(e->key_id);
                        break;
                    case SessionEvent::Kind::Failed:
                        std::printf("FAILED: %s\n", e->text.c_str());
                        return 1;
                }
            }
            const std::int64_t now = mono_ms();
            // A peer may install its side of a new key a moment after we do (stock 2.6
            // logs "Key [n] not initialized (yet), dropping packet"): ask again.
            if (channels.count(s.current_key_id()) && !verified.count(s.current_key_id()) && now - last_occ >= 300) {
                occ_request(s.current_key_id());
                last_occ = now;
            }
            const bool all_verified = !channels.empty() && verified.count(s.current_key_id());
            if (all_verified && renegs_done < renegs) {
                ++renegs_done;
                std::printf("renegotiating (soft reset to key_id %u)\n", next_key_id(s.current_key_id()));
                verified.erase(next_key_id(s.current_key_id()));
                channels.erase(next_key_id(s.current_key_id()));
                s.renegotiate(now);
                continue;
            }
            if (all_verified && renegs_done == renegs && now - t0 >= stay_s * 1000) break;
            if (now - t0 > (timeout_s + stay_s) * 1000) {
                std::printf("FAILED: not done within %d s (state %s)\n", timeout_s + stay_s, state_name(s.state()));
                return 1;
            }
            int wait = 200;
            if (auto t = s.next_timeout()) wait = static_cast<int>(std::clamp<std::int64_t>(*t - now, 0, 200));
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, wait) > 0) {
                ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
                if (n > 0) {
                    Bytes pkt(buf.data(), static_cast<std::size_t>(n));
                    if (auto dh = parse_data_header(pkt)) {
                        auto it = channels.find(dh->key_id);
                        if (it == channels.end()) continue;
                        auto o = it->second->open(pkt, out, std::time(nullptr));
                        if (!o.ok) {
                            std::printf("FAILED: data packet (key_id %u) does not open: %s\n", dh->key_id,
                                        drop_name(o.reason));
                            return 1;
                        }
                        if (auto occ = occ_reply_string(o.payload)) {
                            std::printf("data channel key_id %u OK: OCC_REPLY '%.*s'\n", dh->key_id,
                                        static_cast<int>(occ->size()), occ->data());
                            verified.insert(dh->key_id);
                        }
                    } else {
                        s.on_packet(pkt, mono_ms());
                    }
                }
            }
            s.on_timer(mono_ms());
        }
        std::printf("OK in %lld ms\n", static_cast<long long>(mono_ms() - t0));
        ::close(fd);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tls_probe: %s\n", e.what());
        return 1;
    }
}
