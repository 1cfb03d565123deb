// Scale benchmark load generator (issue 4): N OpenVPN pull-client sessions from ONE
// process against a multi-client server (stock openvpn 2.6 or vpn), without TUN
// devices: every session has its own UDP socket and TlsSession, and synthesises the
// ICMP echo requests it sends through its data channel and checks the replies.
//
//   load_clients --config CLIENT.conf --server IP:PORT [options]
//
// CLIENT.conf is an ordinary client config (`client`, ca/cert/key, remote-cert-tls,
// tls-auth / tls-crypt, data-ciphers ...); its TLS context and session settings
// come from p2p::prepare_tls_tunnel, so every session is what `vpn CLIENT.conf`
// would run.  All sessions share the one certificate (the server needs duplicate-cn).
//
// Phases, in this order (each bounded by a deadline):
//   ramp     start --clients N sessions at --rate R new sessions per second; wait
//            until each has its PUSH_REPLY and data keys (or failed / timed out)
//   ping     one ICMP echo request per established session, paced at --ping-rate
//            per second, source = its pushed ifconfig address, destination =
//            --ping-target (default: the pushed route-gateway); replies are checked
//            (addresses, id, seq, payload, checksums)
//   burst    --burst K more sessions started at once (the N stay up); time from the
//            burst's start until each is established; then one ping round for them
//   exit     (--exit) every session sends OCC_EXIT through its data channel, paced
//            at --ping-rate (--exit-repeats rounds, 1 s apart); with --status-file,
//            first a bounded wait until the file lists every session, then the time until
//            the server's status file (status-version 2 or 1) lists no client
//   flood    (--flood M) M unauthenticated HARD_RESET_CLIENT_V2 packets with fresh
//            session ids from --flood-sources S sockets (S distinct source ports)
//            that never continue; the server's RSS before and --flood-settle s after
// Sessions keep the pushed keepalive: a ping payload whenever nothing was sent for
// `ping` seconds; the server's pings are consumed (counted).  Without TUN there is
// no compression framing: a PUSH_REPLY with compress / comp-lzo fails the session.  PUSH_REQUEST is repeated
// every 5 s while no PUSH_REPLY came.
//
// Options:
//   --clients N (1000)  --rate R (200)  --burst K (0)  --ping-rate P (2000)
//   --ping-target IP    --establish-timeout S (60, after the last start)
//   --ping-timeout S (10)  --exit  --exit-repeats R (1)  --exit-timeout S (60)
//   --status-file F     --server-pid PID (read /proc/PID for RSS and CPU time)
//   --flood M (0)       --flood-sources S (500)  --flood-settle S (3)
//   --quiet             (no progress lines on stderr)
//
// Output (stdout, one fact a line, for tests/bench/server_load.sh):
//   server start rss_kb 10240 cpu_ms 30 udp_drops 0   (with --server-pid, at each phase;
//   self start cpu_ms 12 udp_drops 0                   udp_drops: RcvbufErrors of the
//                                                      namespace, server's and ours)
//   established 1000/1000 in 2.31 s failed 0 retransmit_clients 3
//   ramp_session_ms median 21 max 2040            (each session: start -> keys)
//   per_client rss_kb 41.2 cpu_ms 1.83           (server deltas over the ramp / N)
//   ping 1000/1000 in 0.52 s                     (and burst_ping for the burst's sessions)
//   burst 400 established 400/400 established_max_ms 812 established_median_ms 455 retransmit_clients 0
//   exit 1400 sent status_listed_before 1400 status_clear_ms 1234
//        (status_clear_ms "timeout (N still listed)" or "n/a (no status file)")
//   flood 20000 sources 500 replies 19000 rss_before_kb 1 rss_after_kb 2 rss_delta_kb 1 cpu_ms 40 udp_drops 0
//   counters failed 0 bad_data 0 bad_replies 0 keepalive_tx 1400 keepalive_rx 1300
//
// A "retransmit client" is a session that sent some control message of its first
// key (key_id 0, message ids below 64: the whole handshake) more than once: our own outgoing packets are unwrapped again with
// a mirror of the session's wrap and their message ids compared.  Timing is ours
// (CLOCK_MONOTONIC) and includes our own CPU: the load tool shares the machine.
//
// Exit status: 0 when the phases ran (whatever the counts: an absent server gives
// "established 0/N"), 1 on setup errors (config, certificates, sockets, file
// descriptors), 2 on usage errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/config/load.hpp"
#include "common/crypto/random.hpp"
#include "common/openvpn/control/control_packet.hpp"
#include "common/openvpn/control_payloads.hpp"
#include "common/openvpn/push_reply.hpp"
#include "common/openvpn/session/tls_session.hpp"
#include "p2p/tls_setup.hpp"

using namespace vpn;
using namespace vpn::ovpn;
using namespace vpn::ovpn::session;

namespace {

std::int64_t mono_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

bool g_quiet = false;

template <typename... A>
void progress(const char* fmt, A... a) {
    if (g_quiet) return;
    std::fprintf(stderr, "load_clients: ");
    std::fprintf(stderr, fmt, a...);
    std::fputc('\n', stderr);
}

struct SetupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ------------------------------------------------------------------ ICMP

std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t n) {
    std::uint32_t s = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) s += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    if (n & 1) s += static_cast<std::uint32_t>(p[n - 1] << 8);
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return static_cast<std::uint16_t>(~s & 0xFFFF);
}

constexpr std::size_t kIcmpPayload = 32;

void icmp_payload(std::uint8_t* p, std::uint16_t id, std::uint16_t seq) {
    for (std::size_t i = 0; i < kIcmpPayload; ++i) p[i] = static_cast<std::uint8_t>(id * 7 + seq * 13 + i);
}

// IPv4 + ICMP echo request; returns its length (20 + 8 + payload).
std::size_t build_echo(std::uint8_t* out, std::uint32_t src, std::uint32_t dst, std::uint16_t id, std::uint16_t seq) {
    const std::size_t total = 20 + 8 + kIcmpPayload;
    std::memset(out, 0, 28);
    out[0] = 0x45;
    store_be16(out + 2, static_cast<std::uint16_t>(total));
    store_be16(out + 4, seq);
    out[8] = 64;
    out[9] = 1;  // ICMP
    store_be32(out + 12, src);
    store_be32(out + 16, dst);
    store_be16(out + 10, inet_checksum(out, 20));
    std::uint8_t* icmp = out + 20;
    icmp[0] = 8;
    store_be16(icmp + 4, id);
    store_be16(icmp + 6, seq);
    icmp_payload(icmp + 8, id, seq);
    store_be16(icmp + 2, inet_checksum(icmp, 8 + kIcmpPayload));
    return total;
}

// A valid echo reply from `from` to `to` with `id`/`seq` and our payload.
bool is_echo_reply(Bytes p, std::uint32_t from, std::uint32_t to, std::uint16_t id, std::uint16_t seq) {
    if (p.size() < 20 || (p[0] >> 4) != 4) return false;
    const std::size_t ihl = (p[0] & 0x0F) * 4u;
    if (ihl < 20 || p.size() < ihl + 8 + kIcmpPayload) return false;
    if (load_be16(p.data() + 2) != p.size() || p[9] != 1) return false;
    if (inet_checksum(p.data(), ihl) != 0) return false;
    if (load_be32(p.data() + 12) != from || load_be32(p.data() + 16) != to) return false;
    const std::uint8_t* icmp = p.data() + ihl;
    const std::size_t ilen = p.size() - ihl;
    if (icmp[0] != 0 || icmp[1] != 0 || inet_checksum(icmp, ilen) != 0) return false;
    if (load_be16(icmp + 4) != id || load_be16(icmp + 6) != seq || ilen != 8 + kIcmpPayload) return false;
    std::array<std::uint8_t, kIcmpPayload> want{};
    icmp_payload(want.data(), id, seq);
    return std::memcmp(icmp + 8, want.data(), kIcmpPayload) == 0;
}

// ------------------------------------------------------------------ server process

struct ProcSample {
    long rss_kb = -1;
    long cpu_ms = -1;
    long udp_drops = -1;  // Udp RcvbufErrors of the process's network namespace
};

// /proc/PID/net/snmp is the namespace of PID: the server's drops, seen from ours.
long udp_rcvbuf_errors(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/snmp");
    std::string head, vals;
    while (std::getline(in, head)) {
        if (head.rfind("Udp:", 0) != 0) continue;
        if (!std::getline(in, vals) || vals.rfind("Udp:", 0) != 0) return -1;
        std::istringstream h(head), v(vals);
        std::string name, value;
        while (h >> name && v >> value)
            if (name == "RcvbufErrors") return std::stol(value);
        return -1;
    }
    return -1;
}

ProcSample sample_proc(int pid) {
    ProcSample s;
    if (pid <= 0) return s;
    std::ifstream st("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(st, line))
        if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    std::ifstream sf("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(sf)), std::istreambuf_iterator<char>());
    auto rp = all.rfind(')');
    if (rp != std::string::npos) {
        std::istringstream in(all.substr(rp + 2));
        std::vector<std::string> f;
        std::string w;
        while (in >> w) f.push_back(w);
        // After "pid (comm) ": field 3 (state) is f[0]; utime is field 14, stime 15.
        if (f.size() > 12) {
            const long tck = sysconf(_SC_CLK_TCK);
            s.cpu_ms = (std::stol(f[11]) + std::stol(f[12])) * 1000 / (tck > 0 ? tck : 100);
        }
    }
    s.udp_drops = udp_rcvbuf_errors(pid);
    return s;
}

// Clients listed by a status file: CLIENT_LIST lines (version 2/3) or, for version
// 1, the rows between "Common Name,..." and "ROUTING TABLE".  -1 if unreadable.
int status_clients(const std::string& file) {
    std::ifstream in(file);
    if (!in) return -1;
    std::string line;
    int n = 0;
    bool v1_rows = false;
    while (std::getline(in, line)) {
        if (line.rfind("CLIENT_LIST,", 0) == 0 || line.rfind("CLIENT_LIST\t", 0) == 0) ++n;
        if (line.rfind("Common Name,", 0) == 0) {
            v1_rows = true;
            continue;
        }
        if (line.rfind("ROUTING TABLE", 0) == 0) v1_rows = false;
        if (v1_rows) ++n;
    }
    return n;
}

// ------------------------------------------------------------------ one client

enum class Phase : std::uint8_t { Handshake, Up, Failed, Exited };

struct Client {
    int index = 0;
    int fd = -1;
    std::unique_ptr<TlsSession> tls;
    Phase phase = Phase::Handshake;
    std::int64_t started_ms = 0;
    std::int64_t up_ms = 0;
    std::int64_t push_request_ms = 0;
    std::int64_t last_tx_ms = 0;
    std::array<std::unique_ptr<TlsDataChannel>, 8> channels;
    int send_key = -1;
    std::uint32_t peer_id = kNoPeerId;
    std::uint32_t addr = 0;     // pushed ifconfig (host order)
    std::uint32_t gateway = 0;  // pushed route-gateway (host order)
    int ping_s = 0;
    bool have_push = false;
    std::vector<std::vector<std::string>> pushed;
    std::uint64_t sent_ids = 0;  // key_id 0 message ids 0..63 seen on the wire
    int retransmits = 0;
    std::uint16_t echo_seq = 0;
    bool echo_pending = false;
    bool echo_ok = false;
};

struct Counters {
    std::size_t failed = 0;
    std::size_t bad_data = 0;    // data packets that did not open
    std::size_t pings_rx = 0;
    std::size_t pings_tx = 0;
    std::size_t bad_replies = 0;
};

class Load {
public:
    Load(p2p::PreparedTls prep, sockaddr_in server) : prep_(std::move(prep)), server_(server) {
        ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) throw SetupError(std::string("epoll_create1: ") + std::strerror(errno));
        // A mirror of the wrap (the peer's role) unwraps our own packets again so
        // that retransmitted message ids can be told apart.
        WrapConfig m = prep_.link.session.wrap;
        if (m.direction == config::KeyDirection::Normal)
            m.direction = config::KeyDirection::Inverse;
        else if (m.direction == config::KeyDirection::Inverse)
            m.direction = config::KeyDirection::Normal;
        mirror_ = make_control_wrap(m, /*server=*/true);
        buf_.resize(65536);
        out_.resize(65536);
        tx_.resize(4096);
    }
    ~Load() {
        for (auto& c : clients_)
            if (c && c->fd >= 0) ::close(c->fd);
        if (ep_ >= 0) ::close(ep_);
    }

    std::size_t size() const { return clients_.size(); }
    Client& at(std::size_t i) { return *clients_[i]; }
    Counters& counters() { return n_; }
    std::uint32_t ping_target = 0;

    // A new session: socket, TlsSession, reset on its way.
    void start_client(std::int64_t now) {
        auto c = std::make_unique<Client>();
        c->index = static_cast<int>(clients_.size());
        c->fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) throw SetupError(std::string("socket: ") + std::strerror(errno));
        if (::connect(c->fd, reinterpret_cast<const sockaddr*>(&server_), sizeof server_) != 0)
            throw SetupError(std::string("connect: ") + std::strerror(errno));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(c->index);
        if (::epoll_ctl(ep_, EPOLL_CTL_ADD, c->fd, &ev) != 0)
            throw SetupError(std::string("epoll_ctl: ") + std::strerror(errno));
        c->tls = std::make_unique<TlsSession>(prep_.link.ctx, prep_.link.session);
        c->started_ms = now;
        c->last_tx_ms = now;
        c->tls->start(now);
        clients_.push_back(std::move(c));
        drain(*clients_.back(), now);
    }

    // One round of the event loop: at most `max_wait_ms` blocked in epoll.
    void poll_once(int max_wait_ms) {
        std::array<epoll_event, 256> evs{};
        int n = ::epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), std::max(0, max_wait_ms));
        std::int64_t now = mono_ms();
        for (int i = 0; i < n; ++i) {
            Client& c = *clients_[evs[static_cast<std::size_t>(i)].data.u32];
            for (int k = 0; k < 64; ++k) {
                ssize_t r = ::recv(c.fd, buf_.data(), buf_.size(), 0);
                if (r <= 0) break;  // EAGAIN, or ICMP unreachable reported as ECONNREFUSED
                on_datagram(c, Bytes(buf_.data(), static_cast<std::size_t>(r)), now);
            }
        }
        if (now >= next_scan_) {
            next_scan_ = now + 10;
            for (auto& cp : clients_) tick(*cp, now);
        }
    }

    // Run the loop until `done()` or `deadline`; true if done.
    bool run_until(const std::function<bool()>& done, std::int64_t deadline,
                   const std::function<void(std::int64_t)>& each = {}) {
        for (;;) {
            if (done()) return true;
            std::int64_t now = mono_ms();
            if (now >= deadline) return false;
            if (each) each(now);
            poll_once(static_cast<int>(std::min<std::int64_t>(5, deadline - now)));
        }
    }

    void send_echo(Client& c, std::int64_t now) {
        if (c.phase != Phase::Up) return;
        std::array<std::uint8_t, 128> plain{};
        c.echo_seq = static_cast<std::uint16_t>(c.echo_seq + 1);
        std::size_t n = build_echo(plain.data(), c.addr, ping_target, static_cast<std::uint16_t>(c.index), c.echo_seq);
        c.echo_pending = true;
        c.echo_ok = false;
        send_data(c, Bytes(plain.data(), n), now);
    }

    void send_exit(Client& c, std::int64_t now) {
        if (c.phase != Phase::Up) return;
        std::array<std::uint8_t, 32> plain{};
        std::size_t n = build_occ_exit(plain);
        send_data(c, Bytes(plain.data(), n), now);
    }

private:
    void fail(Client& c, const std::string& why) {
        if (c.phase == Phase::Failed) return;
        c.phase = Phase::Failed;
        ++n_.failed;
        if (n_.failed <= 5) progress("client %d failed: %s", c.index, why.c_str());
    }

    void send_wire(Client& c, Bytes b) {
        if (::send(c.fd, b.data(), b.size(), 0) < 0 && errno != EAGAIN && errno != ECONNREFUSED) {
            if (++send_errors_ <= 3) progress("send: %s", std::strerror(errno));
        }
    }

    void note_control_sent(Client& c, Bytes wire, std::int64_t now) {
        (void)now;
        auto u = mirror_.unwrap(wire, out_, std::time(nullptr), control::ReplayCheck::Skip);
        if (!u.ok) return;
        auto p = control::parse_control(u.packet);
        if (!p.ok() || !control::has_message_id(p.packet.op) || p.packet.key_id != 0) return;
        if (p.packet.message_id >= 64) return;
        const std::uint64_t bit = std::uint64_t{1} << p.packet.message_id;
        if (c.sent_ids & bit) ++c.retransmits;
        c.sent_ids |= bit;
    }

    void send_data(Client& c, Bytes plain, std::int64_t now) {
        if (c.send_key < 0 || !c.channels[static_cast<std::size_t>(c.send_key)]) return;
        DataHeader h;
        h.op = c.peer_id == kNoPeerId ? DataOpcode::V1 : DataOpcode::V2;
        h.peer_id = c.peer_id;
        h.key_id = static_cast<std::uint8_t>(c.send_key);
        std::size_t w = c.channels[static_cast<std::size_t>(c.send_key)]->seal(plain, tx_, h);
        if (w == 0) return;
        send_wire(c, Bytes(tx_.data(), w));
        c.last_tx_ms = now;
    }

    void drain(Client& c, std::int64_t now) {
        while (auto e = c.tls->next_event()) {
            switch (e->kind) {
                case SessionEvent::Kind::Send:
                    note_control_sent(c, e->bytes, now);
                    send_wire(c, e->bytes);
                    break;
                case SessionEvent::Kind::Established:
                    c.tls->send_control_message("PUSH_REQUEST", now);
                    c.push_request_ms = now;
                    break;
                case SessionEvent::Kind::ControlMessage: on_message(c, e->text); break;
                case SessionEvent::Kind::KeysReady:
                    c.channels[e->key_id & 7] = std::move(e->channel);
                    c.send_key = e->key_id & 7;
                    break;
                case SessionEvent::Kind::KeyRetired:
                    c.channels[e->key_id & 7].reset();
                    if (c.send_key == (e->key_id & 7)) c.send_key = -1;
                    break;
                case SessionEvent::Kind::Failed: fail(c, e->text); break;
            }
        }
        if (c.phase == Phase::Handshake && c.have_push && c.send_key >= 0) {
            c.phase = Phase::Up;
            c.up_ms = now;
        }
    }

    void on_message(Client& c, const std::string& text) {
        if (text.rfind("PUSH_REPLY", 0) == 0) {
            auto r = parse_push_reply(text);
            if (!r.ok) {
                fail(c, "PUSH_REPLY: " + r.error);
                return;
            }
            for (auto& o : r.reply.options) c.pushed.push_back(o);
            if (r.reply.continuation == 2) return;
            for (auto& o : c.pushed) {
                if (o.empty()) continue;
                in_addr a{};
                if (o[0] == "ifconfig" && o.size() >= 2 && ::inet_pton(AF_INET, o[1].c_str(), &a) == 1)
                    c.addr = ntohl(a.s_addr);
                else if (o[0] == "route-gateway" && o.size() >= 2 && ::inet_pton(AF_INET, o[1].c_str(), &a) == 1)
                    c.gateway = ntohl(a.s_addr);
                else if (o[0] == "peer-id" && o.size() >= 2)
                    c.peer_id = static_cast<std::uint32_t>(std::strtoul(o[1].c_str(), nullptr, 10)) & 0xFFFFFF;
                else if (o[0] == "ping" && o.size() >= 2)
                    c.ping_s = std::atoi(o[1].c_str());
                else if ((o[0] == "compress" || o[0] == "comp-lzo") &&
                         !(o.size() >= 2 && o[0] == "comp-lzo" && o[1] == "no")) {
                    fail(c, "pushed compression framing is not supported by load_clients");
                    return;
                }
            }
            if (c.addr == 0) {
                fail(c, "PUSH_REPLY without ifconfig: " + text);
                return;
            }
            c.have_push = true;
        } else if (text.rfind("AUTH_FAILED", 0) == 0 || text.rfind("RESTART", 0) == 0 ||
                   text.rfind("HALT", 0) == 0) {
            fail(c, "server said: " + text);
        }
    }

    void on_datagram(Client& c, Bytes pkt, std::int64_t now) {
        if (c.phase == Phase::Failed || c.phase == Phase::Exited) return;
        if (auto dh = parse_data_header(pkt)) {
            auto& ch = c.channels[dh->key_id & 7];
            if (!ch) return;
            auto o = ch->open(pkt, out_, std::time(nullptr));
            if (!o.ok) {
                ++n_.bad_data;
                return;
            }
            switch (classify(o.payload)) {
                case PayloadKind::Ping: ++n_.pings_rx; break;
                case PayloadKind::Occ: break;
                case PayloadKind::Data: {
                    if (c.echo_pending &&
                        is_echo_reply(o.payload, ping_target, c.addr, static_cast<std::uint16_t>(c.index), c.echo_seq)) {
                        c.echo_pending = false;
                        c.echo_ok = true;
                    } else {
                        ++n_.bad_replies;
                    }
                    break;
                }
            }
            return;
        }
        c.tls->on_packet(pkt, now);
        drain(c, now);
    }

    void tick(Client& c, std::int64_t now) {
        if (c.phase == Phase::Failed || c.phase == Phase::Exited) return;
        if (auto t = c.tls->next_timeout(); t && *t <= now) {
            c.tls->on_timer(now);
            drain(c, now);
        }
        if (c.phase == Phase::Handshake && !c.have_push && c.push_request_ms > 0 && now - c.push_request_ms >= 5000) {
            c.tls->send_control_message("PUSH_REQUEST", now);
            c.push_request_ms = now;
            drain(c, now);
        }
        if (c.phase == Phase::Up && c.ping_s > 0 && now - c.last_tx_ms >= c.ping_s * 1000) {
            std::array<std::uint8_t, 16> p{};
            build_ping(p);
            send_data(c, p, now);
            ++n_.pings_tx;
        }
    }

    p2p::PreparedTls prep_;
    sockaddr_in server_;
    int ep_ = -1;
    control::ControlWrap mirror_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::vector<std::uint8_t> buf_, out_, tx_;
    std::int64_t next_scan_ = 0;
    std::size_t send_errors_ = 0;
    Counters n_;
};

// ------------------------------------------------------------------ flood

// M resets from S sockets; each reset has a fresh session id and message id 0, as a
// client's first packet (unwrapped: without tls-auth / tls-crypt on the server it is
// a valid first packet, with them it fails authentication).
struct Flood {
    std::vector<int> fds;
    ~Flood() {
        for (int fd : fds) ::close(fd);
    }
    // Datagrams the server sent back (its stateless or stateful reset replies).
    std::size_t replies = 0;
    void read_replies() {
        std::array<std::uint8_t, 2048> b{};
        for (int fd : fds)
            while (::recv(fd, b.data(), b.size(), MSG_DONTWAIT) > 0) ++replies;
    }
};

void flood(Flood& f, const sockaddr_in& server, long total, int sources) {
    for (int i = 0; i < sources; ++i) {
        int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0)
            throw SetupError(std::string("flood socket: ") + std::strerror(errno));
        f.fds.push_back(fd);
    }
    std::array<std::uint8_t, 64> wire{};
    for (long i = 0; i < total; ++i) {
        control::ControlPacket p;
        p.op = control::Opcode::HardResetClientV2;
        p.key_id = 0;
        crypto::random_bytes(p.session_id);
        p.session_id[0] |= 1;  // never all-zero
        p.message_id = 0;
        std::size_t n = control::build_control(p, wire);
        int fd = f.fds[static_cast<std::size_t>(i % sources)];
        (void)::send(fd, wire.data(), n, 0);
        if (i % 1000 == 999) f.read_replies();
    }
}

// ------------------------------------------------------------------ main

int usage() {
    std::fprintf(stderr,
                 "usage: load_clients --config CLIENT.conf --server IP:PORT [--clients N] [--rate R] [--burst K]\n"
                 "       [--ping-rate P] [--ping-target IP] [--establish-timeout S] [--ping-timeout S]\n"
                 "       [--exit] [--exit-repeats R] [--exit-timeout S] [--status-file F] [--server-pid PID]\n"
                 "       [--flood M] [--flood-sources S] [--flood-settle S] [--quiet]\n");
    return 2;
}

std::string fmt_sec(std::int64_t ms) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", static_cast<double>(ms) / 1000.0);
    return b;
}

void raise_nofile(std::size_t want) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur >= want) return;
    if (rl.rlim_max < want) rl.rlim_max = want;  // root may raise the hard limit
    rl.rlim_cur = want;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        ::getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
        ::getrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < want)
            throw SetupError("RLIMIT_NOFILE is " + std::to_string(rl.rlim_cur) + ", " + std::to_string(want) +
                             " descriptors needed");
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string conf, server_arg, ping_target_arg, status_file;
    long n_clients = 1000, burst = 0, flood_total = 0;
    double rate = 200, ping_rate = 2000;
    int establish_timeout = 60, ping_timeout = 10, exit_timeout = 60, exit_repeats = 1, server_pid = 0;
    int flood_sources = 500, flood_settle = 3;
    bool do_exit = false;
    try {
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            auto next = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument("missing value for " + a);
                return argv[++i];
            };
            if (a == "--config") conf = next();
            else if (a == "--server") server_arg = next();
            else if (a == "--clients") n_clients = std::stol(next());
            else if (a == "--rate") rate = std::stod(next());
            else if (a == "--burst") burst = std::stol(next());
            else if (a == "--ping-rate") ping_rate = std::stod(next());
            else if (a == "--ping-target") ping_target_arg = next();
            else if (a == "--establish-timeout") establish_timeout = std::stoi(next());
            else if (a == "--ping-timeout") ping_timeout = std::stoi(next());
            else if (a == "--exit") do_exit = true;
            else if (a == "--exit-repeats") exit_repeats = std::stoi(next());
            else if (a == "--exit-timeout") exit_timeout = std::stoi(next());
            else if (a == "--status-file") status_file = next();
            else if (a == "--server-pid") server_pid = std::stoi(next());
            else if (a == "--flood") flood_total = std::stol(next());
            else if (a == "--flood-sources") flood_sources = std::stoi(next());
            else if (a == "--flood-settle") flood_settle = std::stoi(next());
            else if (a == "--quiet") g_quiet = true;
            else return usage();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "load_clients: %s\n", e.what());
        return usage();
    }
    if (conf.empty() || server_arg.empty() || n_clients < 0 || burst < 0 || rate <= 0 || ping_rate <= 0 ||
        flood_sources <= 0 || exit_repeats < 1)
        return usage();

    try {
        sockaddr_in server{};
        server.sin_family = AF_INET;
        auto colon = server_arg.rfind(':');
        if (colon == std::string::npos ||
            ::inet_pton(AF_INET, server_arg.substr(0, colon).c_str(), &server.sin_addr) != 1)
            throw SetupError("--server wants IPv4:PORT, got " + server_arg);
        server.sin_port = htons(static_cast<std::uint16_t>(std::stoi(server_arg.substr(colon + 1))));

        auto opts = config::load(conf, {}, [](const std::string& w) { progress("config: %s", w.c_str()); });
        if (!opts.tls.client || !opts.tls.pull)
            throw SetupError(conf + ": not a TLS pull client config (use `client`)");
        p2p::PreparedTls prep = p2p::prepare_tls_tunnel(opts);
        raise_nofile(static_cast<std::size_t>(n_clients + burst + flood_sources + 64));

        Load load(std::move(prep), server);
        if (!ping_target_arg.empty()) {
            in_addr a{};
            if (::inet_pton(AF_INET, ping_target_arg.c_str(), &a) != 1)
                throw SetupError("--ping-target wants an IPv4 address");
            load.ping_target = ntohl(a.s_addr);
        }
        auto server_line = [&](const char* phase) {
            if (server_pid <= 0) return ProcSample{};
            ProcSample s = sample_proc(server_pid);
            ProcSample me = sample_proc(static_cast<int>(::getpid()));
            std::printf("server %s rss_kb %ld cpu_ms %ld udp_drops %ld\n", phase, s.rss_kb, s.cpu_ms, s.udp_drops);
            std::printf("self %s cpu_ms %ld udp_drops %ld\n", phase, me.cpu_ms, me.udp_drops);
            std::fflush(stdout);
            return s;
        };
        auto count_up = [&](std::size_t from, std::size_t to) {
            std::size_t n = 0;
            for (std::size_t i = from; i < to; ++i) n += load.at(i).phase == Phase::Up;
            return n;
        };
        auto retransmitters = [&](std::size_t from, std::size_t to) {
            std::size_t n = 0;
            for (std::size_t i = from; i < to; ++i) n += load.at(i).retransmits > 0;
            return n;
        };
        auto settled = [&](std::size_t from, std::size_t to) {
            for (std::size_t i = from; i < to; ++i)
                if (load.at(i).phase == Phase::Handshake) return false;
            return true;
        };

        // ---- ramp
        const ProcSample before = server_line("start");
        const std::int64_t t0 = mono_ms();
        const std::size_t n = static_cast<std::size_t>(n_clients);
        const std::int64_t ramp_ms = static_cast<std::int64_t>(static_cast<double>(n) * 1000.0 / rate);
        std::int64_t last_report = t0;
        bool ok = load.run_until(
            [&] { return load.size() == n && settled(0, n); }, t0 + ramp_ms + establish_timeout * 1000LL,
            [&](std::int64_t now) {
                const auto due = std::min<std::size_t>(
                    n, static_cast<std::size_t>(static_cast<double>(now - t0) * rate / 1000.0) + 1);
                while (load.size() < due) load.start_client(now);
                if (now - last_report >= 2000) {
                    last_report = now;
                    progress("ramp: %zu started, %zu up, %zu failed", load.size(), count_up(0, load.size()),
                             load.counters().failed);
                }
            });
        std::int64_t last_up = t0;
        for (std::size_t i = 0; i < load.size(); ++i)
            if (load.at(i).phase == Phase::Up) last_up = std::max(last_up, load.at(i).up_ms);
        const std::size_t up = count_up(0, load.size());
        std::printf("established %zu/%zu in %s s failed %zu retransmit_clients %zu%s\n", up, n,
                    fmt_sec(last_up - t0).c_str(), load.counters().failed, retransmitters(0, load.size()),
                    ok ? "" : " (deadline reached)");
        std::fflush(stdout);
        if (n > 0 && load.size() == 0) throw SetupError("no session could be started");
        {
            std::vector<std::int64_t> setup;
            for (std::size_t i = 0; i < load.size(); ++i)
                if (load.at(i).phase == Phase::Up) setup.push_back(load.at(i).up_ms - load.at(i).started_ms);
            std::sort(setup.begin(), setup.end());
            std::printf("ramp_session_ms median %lld max %lld\n",
                        setup.empty() ? -1LL : static_cast<long long>(setup[setup.size() / 2]),
                        setup.empty() ? -1LL : static_cast<long long>(setup.back()));
        }
        const ProcSample ramped = server_line("ramped");
        if (server_pid > 0 && n > 0 && before.rss_kb >= 0 && ramped.rss_kb >= 0)
            std::printf("per_client rss_kb %.1f cpu_ms %.2f\n",
                        static_cast<double>(ramped.rss_kb - before.rss_kb) / static_cast<double>(n),
                        static_cast<double>(ramped.cpu_ms - before.cpu_ms) / static_cast<double>(n));

        // ---- ping
        if (load.ping_target == 0)
            for (std::size_t i = 0; i < load.size() && load.ping_target == 0; ++i) load.ping_target = load.at(i).gateway;
        if (up > 0 && load.ping_target == 0) throw SetupError("no --ping-target and no pushed route-gateway");
        auto ping_round = [&](std::size_t from, std::size_t to, const char* label) {
            std::vector<std::size_t> targets;
            for (std::size_t i = from; i < to; ++i)
                if (load.at(i).phase == Phase::Up) targets.push_back(i);
            const std::int64_t p0 = mono_ms();
            std::size_t sent = 0;
            auto answered = [&] {
                std::size_t k = 0;
                for (auto i : targets) k += load.at(i).echo_ok;
                return k;
            };
            load.run_until([&] { return sent == targets.size() && answered() == targets.size(); },
                           p0 + static_cast<std::int64_t>(static_cast<double>(targets.size()) * 1000.0 / ping_rate) +
                               ping_timeout * 1000LL,
                           [&](std::int64_t now) {
                               const auto due = std::min<std::size_t>(
                                   targets.size(),
                                   static_cast<std::size_t>(static_cast<double>(now - p0) * ping_rate / 1000.0) + 1);
                               while (sent < due) load.send_echo(load.at(targets[sent++]), now);
                           });
            std::int64_t p1 = mono_ms();
            std::printf("%s %zu/%zu in %s s\n", label, answered(), to - from, fmt_sec(p1 - p0).c_str());
            std::fflush(stdout);
        };
        ping_round(0, load.size(), "ping");

        // ---- burst
        if (burst > 0) {
            const std::size_t b0 = load.size();
            const std::int64_t tb = mono_ms();
            for (long i = 0; i < burst; ++i) load.start_client(tb);
            const std::size_t b1 = load.size();
            bool bok = load.run_until([&] { return settled(b0, b1); }, tb + establish_timeout * 1000LL);
            std::vector<std::int64_t> times;
            for (std::size_t i = b0; i < b1; ++i)
                if (load.at(i).phase == Phase::Up) times.push_back(load.at(i).up_ms - tb);
            std::sort(times.begin(), times.end());
            std::printf("burst %ld established %zu/%ld established_max_ms %lld established_median_ms %lld "
                        "retransmit_clients %zu%s\n",
                        burst, times.size(), burst, times.empty() ? -1LL : static_cast<long long>(times.back()),
                        times.empty() ? -1LL : static_cast<long long>(times[times.size() / 2]),
                        retransmitters(b0, b1), bok ? "" : " (deadline reached)");
            std::fflush(stdout);
            server_line("burst");
            ping_round(b0, b1, "burst_ping");
        }

        // ---- exit
        if (do_exit) {
            // The status file is rewritten every few seconds: first wait (bounded) until
            // it lists every session that is up, so that its clearing is ours to time.
            std::size_t up_now = 0;
            for (std::size_t i = 0; i < load.size(); ++i) up_now += load.at(i).phase == Phase::Up;
            int listed = -1;
            std::int64_t next_read = 0;
            // A server that writes no status file (yet) costs 3 s, not two timeouts.
            const bool have_status =
                !status_file.empty() &&
                load.run_until([&] { return status_clients(status_file) >= 0; }, mono_ms() + 3000);
            if (have_status)
                load.run_until(
                    [&] {
                        if (mono_ms() < next_read) return false;
                        next_read = mono_ms() + 100;
                        listed = status_clients(status_file);
                        return listed >= static_cast<int>(up_now);
                    },
                    mono_ms() + exit_timeout * 1000LL);
            std::size_t exiting = 0;
            const std::int64_t te = mono_ms();
            // Paced like the pings: all at once would overflow the server's socket
            // buffer (each stock client sends its own, one per second).
            std::vector<std::size_t> leaving;
            for (std::size_t i = 0; i < load.size(); ++i)
                if (load.at(i).phase == Phase::Up) leaving.push_back(i);
            exiting = leaving.size();
            for (int r = 0; r < exit_repeats; ++r) {
                const std::int64_t r0 = mono_ms();
                std::size_t sent = 0;
                load.run_until([&] { return sent == leaving.size() && mono_ms() >= r0 + (r + 1 < exit_repeats ? 1000 : 0); },
                               r0 + 1000 + static_cast<std::int64_t>(static_cast<double>(leaving.size()) * 1000.0 / ping_rate),
                               [&](std::int64_t now) {
                                   const auto due = std::min<std::size_t>(
                                       leaving.size(),
                                       static_cast<std::size_t>(static_cast<double>(now - r0) * ping_rate / 1000.0) + 1);
                                   while (sent < due) load.send_exit(load.at(leaving[sent++]), now);
                               });
            }
            for (std::size_t i = 0; i < load.size(); ++i)
                if (load.at(i).phase == Phase::Up) load.at(i).phase = Phase::Exited;
            std::string clear = status_file.empty() ? "n/a" : "n/a (no status file)";
            if (have_status) {
                const std::int64_t deadline = te + exit_timeout * 1000LL;
                clear = "timeout";
                int left = listed;
                for (;;) {
                    left = status_clients(status_file);
                    if (left == 0) {
                        clear = std::to_string(mono_ms() - te);
                        break;
                    }
                    if (mono_ms() >= deadline) break;
                    load.poll_once(50);  // keep reading (and ignoring) what still arrives
                }
                if (clear == "timeout") clear += " (" + std::to_string(left) + " still listed)";
            }
            std::printf("exit %zu sent status_listed_before %d status_clear_ms %s\n", exiting, listed, clear.c_str());
            std::fflush(stdout);
        }

        // ---- flood
        if (flood_total > 0) {
            const ProcSample f0 = sample_proc(server_pid);
            Flood f;
            flood(f, server, flood_total, flood_sources);
            const std::int64_t settle = mono_ms() + flood_settle * 1000LL;
            load.run_until([] { return false; }, settle, [&](std::int64_t) { f.read_replies(); });
            const ProcSample f1 = sample_proc(server_pid);
            std::printf("flood %ld sources %d replies %zu rss_before_kb %ld rss_after_kb %ld rss_delta_kb %ld cpu_ms %ld "
                        "udp_drops %ld\n",
                        flood_total, flood_sources, f.replies, f0.rss_kb, f1.rss_kb,
                        f0.rss_kb >= 0 && f1.rss_kb >= 0 ? f1.rss_kb - f0.rss_kb : 0L,
                        f0.cpu_ms >= 0 && f1.cpu_ms >= 0 ? f1.cpu_ms - f0.cpu_ms : -1L,
                        f0.udp_drops >= 0 && f1.udp_drops >= 0 ? f1.udp_drops - f0.udp_drops : -1L);
            server_line("flood");
        }
        auto& c = load.counters();
        std::printf("counters failed %zu bad_data %zu bad_replies %zu keepalive_tx %zu keepalive_rx %zu\n", c.failed,
                    c.bad_data, c.bad_replies, c.pings_tx, c.pings_rx);
        return 0;
    } catch (const SetupError& e) {
        std::fprintf(stderr, "load_clients: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "load_clients: %s\n", e.what());
        return 1;
    }
}
