#include "p2p/tunnel_loop.hpp"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log/log.hpp"
#include "tun/offload/segmenter.hpp"
#include "tun/offload/virtio_header.hpp"

namespace vpn::p2p {
namespace {

// Room for a payload, the compression header, crypto overhead and LZO's worst-case
// expansion (len + len/16 + 64 + 3).
std::size_t buffer_size_for(std::size_t payload_max, std::size_t overhead) {
    std::size_t body = payload_max + payload_max / 16 + 64 + 3 + overhead + 64;
    return body < 2048 ? 2048 : body;
}

// The TX arena holds one batch of sealed datagrams; reading stops while less than one
// more (largest) datagram fits.
constexpr std::size_t kTxArena = 256 * 1024;

}  // namespace

Now clock_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Now{ts.tv_sec, static_cast<std::int64_t>(::time(nullptr)), ts.tv_sec * 1000 + ts.tv_nsec / 1'000'000};
}

TunnelLoop::TunnelLoop(asio::io_context& io, LinkSession& session, const LinkPlan& plan, std::size_t payload_max)
    : io_(io),
      session_(session),
      payload_max_(payload_max),
      tx_(kTxArena),
      addressed_(session.addressed()),
      open_buf_(buffer_size_for(payload_max, session.overhead())),
      scratch_(buffer_size_for(payload_max, session.overhead())),
      tun_wait_(io),
      tick_(io),
      wake_(io),
      signals_(io) {
    TransportEvents ev;
    ev.on_packets = [this](const RxBatch& b) { on_link_packets(b); };
    ev.on_connected = [this](const std::string&) {
        if (has_tun() && !tun_armed_) arm_tun();
        send_control();  // TLS over TCP: the client's reset waits for the connection
        schedule_wake();
    };
    ev.on_lost = [this](const std::string&) {
        session_.restart(clock_now());
        schedule_wake();
    };
    ev.on_writable = [this] {
        if (has_tun() && !tun_armed_) arm_tun();
    };
    ev.on_give_up = [this] { stop(1); };
    transport_ = make_transport(io, plan, std::move(ev), buffer_size_for(payload_max, session.overhead()));
}

TunnelLoop::~TunnelLoop() { detach_tun(); }

void TunnelLoop::attach_tun(int tun_fd, bool vnet_hdr) {
    detach_tun();
    tun_fd_ = tun_fd;
    vnet_hdr_ = vnet_hdr;
    if (vnet_hdr && super_.empty()) super_.resize(tun::offload::kVnetHdrSize + 65536);
    tun_wait_.assign(tun_fd_);
    arm_tun();
}

void TunnelLoop::detach_tun() {
    if (tun_fd_ < 0) return;
    if (vnet_hdr_) coalescer_.flush();  // whatever was queued belongs to the old device
    tun_wait_.cancel();
    tun_wait_.release();  // the fd belongs to the TunDevice
    tun_fd_ = -1;
    tun_armed_ = false;
}

void TunnelLoop::stop(int status) {
    exit_status_ = status;
    exiting_ = true;
    io_.stop();
}

void TunnelLoop::start() {
    transport_->start();
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.add(SIGHUP);
    signals_.add(SIGUSR1);
    signals_.add(SIGUSR2);
    signals_.async_wait([this](const asio::error_code& ec, int signo) {
        if (!ec) on_signal(signo);
    });
    tick_.expires_after(std::chrono::seconds(1));
    tick_.async_wait([this](const asio::error_code& ec) {
        if (!ec) on_tick();
    });
    // What the session queued before the link existed (an IKE initiator's first
    // message) goes now, not at the first tick.
    send_control();
    schedule_wake();
}

int TunnelLoop::run() {
    io_.run();
    return exit_status_;
}

void TunnelLoop::arm_tun() {
    tun_armed_ = true;
    tun_wait_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const asio::error_code& ec) {
        if (ec) return;  // cancelled by detach_tun: tun_armed_ is already reset
        tun_armed_ = false;
        on_tun_readable();
        // Back-pressure: with a congested TCP link, stop reading the TUN (the kernel
        // queues, then drops) until the link drains and on_writable re-arms us.
        if (!transport_->congested()) arm_tun();
    });
}

void TunnelLoop::on_tun_readable() {
    Now now = clock_now();
    tx_.clear();
    if (vnet_hdr_)
        read_offloaded(now);
    else
        read_plain(now);
    if (tx_.count) send_batch();
}

void TunnelLoop::seal_into_batch(std::size_t len, Now now) {
    auto& st = session_.stats();
    if (!transport_->has_peer()) {
        // No peer address yet (we wait for it to speak first): nowhere to send.
        st.count(LinkDrop::NoPeer);
        return;
    }
    MutBytes out = tx_.tail();
    std::size_t n = session_.encapsulate(out, session_.payload_offset(), len, out, scratch_, now);
    if (n == 0) {  // no data keys yet, the send sequence is exhausted, or a policy said no
        if (!session_.counts_send_drops()) st.count(LinkDrop::NoKey);
        return;
    }
    if (addressed_) to_[tx_.count] = session_.destination();
    tx_.commit(n);
    st.link_write_bytes += n;
    ++st.link_write_packets;
}

void TunnelLoop::send_batch() {
    if (addressed_) transport_->send_addressed(tx_, to_.data());
    else transport_->send(tx_);
}

// Without offloads: one packet per read, read straight to where it is sealed.
void TunnelLoop::read_plain(Now now) {
    auto& st = session_.stats();
    const std::size_t at = session_.payload_offset();
    const std::size_t need = buffer_size_for(payload_max_, session_.overhead());
    for (std::size_t reads = 0; reads < kMaxDatagrams && tx_.room() >= need && !tx_.full(); ++reads) {
        ssize_t r = ::read(tun_fd_, tx_.tail().data() + at, payload_max_);
        if (r <= 0) break;
        st.tun_read_bytes += static_cast<std::uint64_t>(r);
        ++st.tun_read_packets;
        seal_into_batch(static_cast<std::size_t>(r), now);
    }
}

// With offloads: a read may be a TCP super-packet; each segment is written by the
// Segmenter to where it is sealed.  A full arena is sent mid-way, never dropped.
void TunnelLoop::read_offloaded(Now now) {
    auto& st = session_.stats();
    const std::size_t at = session_.payload_offset();
    const std::size_t need = buffer_size_for(payload_max_, session_.overhead());
    for (std::size_t reads = 0; reads < kMaxDatagrams; ++reads) {
        ssize_t r = ::read(tun_fd_, super_.data(), super_.size());
        if (r <= 0) break;
        tun::offload::Segmenter seg(Bytes(super_.data(), static_cast<std::size_t>(r)));
        if (!seg.valid()) {
            st.count(LinkDrop::BadPayload);
            continue;
        }
        st.tun_read_bytes += seg.packet().size();
        st.tun_read_packets += seg.count();
        for (std::size_t i = 0; i < seg.count(); ++i) {
            if (tx_.room() < need || tx_.full()) {
                send_batch();
                tx_.clear();
            }
            MutBytes out = tx_.tail();
            std::size_t len = seg.segment(i, out.subspan(at, std::min(out.size() - at, payload_max_)));
            if (len == 0) {
                st.count(LinkDrop::BadPayload);
                break;
            }
            seal_into_batch(len, now);
        }
    }
}

void TunnelLoop::on_link_packets(const RxBatch& b) {
    Now now = clock_now();
    auto& st = session_.stats();
    for (std::size_t i = 0; i < b.count; ++i) {
        st.link_read_bytes += b.datagram[i].size();
        ++st.link_read_packets;
        if (b.truncated[i]) {
            st.count(LinkDrop::Truncated);
            continue;
        }
        const net::SockAddr& from = *b.from[i];
        if (!transport_->source_allowed(from)) {
            if (session_.accepts_new_source(b.datagram[i], from)) {
                session_.decapsulate_foreign(b.datagram[i], from, now);
                if (auto adopt = session_.take_new_peer()) transport_->authenticated(*adopt);
                continue;
            }
            st.count(LinkDrop::WrongSource);
            if (log::enabled(log::Level::Debug))  // the strings cost an allocation per packet
                log::debug("Incoming packet rejected from {}, expected peer address {}", from.str(),
                           transport_->peer_string());
            continue;
        }
        auto in = session_.decapsulate_from(b.datagram[i], {from, b.local_port}, open_buf_, scratch_, now);
        if (in.kind == LinkSession::Kind::Dropped) {
            if (!transport_->datagram()) {
                // OpenVPN treats an unauthenticated packet on TCP as fatal for the
                // connection: the stream cannot be trusted any more.
                transport_->restart();
                session_.restart(now);
                return;
            }
            continue;
        }
        if (in.proves_peer || !transport_->has_peer()) transport_->authenticated(from);
        if (in.kind == LinkSession::Kind::ToTun) to_tun(in.packet);
    }
    if (vnet_hdr_) flush_coalescer();
    send_control();
    schedule_wake();
}

void TunnelLoop::to_tun(Bytes packet) {
    auto& st = session_.stats();
    if (tun_fd_ < 0) {  // keys before the device (pull client applying its push)
        st.count(LinkDrop::TunWrite);
        return;
    }
    st.tun_write_bytes += packet.size();
    ++st.tun_write_packets;
    if (!vnet_hdr_) {
        if (::write(tun_fd_, packet.data(), packet.size()) < 0) st.count(LinkDrop::TunWrite);
        return;
    }
    auto added = coalescer_.add(packet);
    if (added == tun::offload::Coalescer::AddResult::NeedFlush) {
        flush_coalescer();
        added = coalescer_.add(packet);
    }
    if (added != tun::offload::Coalescer::AddResult::Queued) st.count(LinkDrop::TunWrite);
}

// One write per (super-)packet; each already carries its virtio header.
void TunnelLoop::flush_coalescer() {
    if (tun_fd_ < 0) return;
    for (Bytes w : coalescer_.flush())
        if (::write(tun_fd_, w.data(), w.size()) < 0) session_.stats().count(LinkDrop::TunWrite);
}

void TunnelLoop::send_control() {
    if (!transport_->has_peer()) return;
    Now now = clock_now();
    // Bounded by the session (a handful of control payloads, a TLS send window);
    // a full arena goes out and the rest follows in the next one.
    for (int rounds = 0; rounds < 64; ++rounds) {
        tx_.clear();
        while (!tx_.full() && tx_.room() >= 4096) {
            std::size_t n = session_.next_datagram(tx_.tail(), scratch_, now);
            if (n == 0) break;
            tx_.commit(n);
            session_.stats().link_write_bytes += n;
            ++session_.stats().link_write_packets;
        }
        if (tx_.count == 0) break;
        transport_->send(tx_);
    }
    // Answers to a newcomer at another address (bounded by its send window).
    net::SockAddr to;
    tx_.clear();
    for (int n = 0; n < 64; ++n) {
        std::size_t len = session_.next_foreign(tx_.tail(), to);
        if (len == 0) break;
        transport_->send_to(Bytes(tx_.tail().data(), len), to);
    }
}

void TunnelLoop::on_verdict(Verdict v) {
    // A newcomer's session may complete on a timer (retransmitted key material).
    if (auto adopt = session_.take_new_peer()) transport_->authenticated(*adopt);
    switch (v) {
        case Verdict::Exit:
            exiting_ = true;
            io_.stop();
            return;
        case Verdict::Restart:
            restart(session_.verdict_reason());
            break;
        case Verdict::None:
            break;
    }
    send_control();
    schedule_wake();
}

void TunnelLoop::on_tick() {
    on_verdict(session_.on_timer(clock_now()));
    if (io_.stopped()) return;
    tick_.expires_after(std::chrono::seconds(1));
    tick_.async_wait([this](const asio::error_code& ec) {
        if (!ec) on_tick();
    });
}

void TunnelLoop::schedule_wake() {
    auto want = session_.next_wake_ms();
    if (!want) return;
    if (wake_at_ && *wake_at_ <= *want) return;  // an earlier wake is armed already
    wake_at_ = *want;
    std::int64_t delay = *want - clock_now().mono_ms;
    wake_.expires_after(std::chrono::milliseconds(delay < 0 ? 0 : delay));
    wake_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        wake_at_.reset();
        on_verdict(session_.on_timer(clock_now()));
    });
}

void TunnelLoop::restart(const std::string& why) {
    log::info("SIGUSR1[soft,{}] received, process restarting", why);
    session_.restart(clock_now());
    transport_->restart();
    send_control();
    schedule_wake();
}

void TunnelLoop::report_stats() {
    session_.stats().link_drops[static_cast<std::size_t>(LinkDrop::LinkWrite)] = transport_->send_failures();
    for (const auto& line : session_.stats().report_lines()) log::info("{}", line);
}

void TunnelLoop::on_signal(int signo) {
    switch (signo) {
        case SIGUSR2:
            report_stats();
            break;
        case SIGUSR1:
        case SIGHUP:
            restart(signo == SIGUSR1 ? "signal-usr1" : "signal-hup");
            break;
        default:  // SIGINT, SIGTERM
            if (exiting_) {
                io_.stop();  // a second signal does not wait for the exit notification
                return;
            }
            exiting_ = true;
            log::info("{} received, process exiting", signo == SIGINT ? "SIGINT[hard,]" : "SIGTERM[hard,]");
            if (session_.begin_exit(clock_now(), transport_->datagram() && transport_->has_peer()) == Verdict::Exit) {
                io_.stop();
                return;
            }
            send_control();
            schedule_wake();
            break;
    }
    signals_.async_wait([this](const asio::error_code& ec, int s) {
        if (!ec) on_signal(s);
    });
}

}  // namespace vpn::p2p
