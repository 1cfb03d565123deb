#include "server/management_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <deque>
#include <stdexcept>
#include <vector>

#include <asio/basic_socket_acceptor.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "common/log/log.hpp"
#include "common/net/sock_addr.hpp"

namespace vpn::server {

namespace {

// One socket type for TCP and unix clients: the session does not care which.
using Stream = asio::generic::stream_protocol;

struct Client {
    Client(asio::io_context& io, ManagementOwner& owner, const std::string& title)
        : socket(io), session(owner, title) {}

    Stream::socket socket;
    ManagementSession session;
    std::string peer;
    std::array<char, 4096> in{};
    std::deque<std::string> out;  // responses in order; front() is being written
    std::size_t queued = 0;       // bytes in `out`
    bool writing = false;
    bool closing = false;  // quit/exit: close once `out` is written
    bool closed = false;
};

net::SockAddr to_sock_addr(const Stream::endpoint& ep) {
    net::SockAddr a;
    const std::size_t n = std::min<std::size_t>(ep.size(), sizeof a.storage);
    std::memcpy(&a.storage, ep.data(), n);
    a.len = static_cast<socklen_t>(n);
    return a;
}

[[noreturn]] void fail(const std::string& why) { throw std::runtime_error(why); }

// 2.6 unlinks whatever is at the path.  We remove only a socket nobody accepts on:
// a typo must not delete a file, and a second instance must not steal the first's.
void remove_stale_socket(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail(fmt::format("MANAGEMENT: cannot use {}: {}", path, std::strerror(errno)));
    }
    if (!S_ISSOCK(st.st_mode)) fail(fmt::format("MANAGEMENT: {} exists and is not a socket; not replacing it", path));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        std::memcpy(sun.sun_path, path.data(), path.size());
        // Non-blocking: a live listener with a full backlog answers EAGAIN, not a wait.
        const int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&sun), sizeof sun);
        const int e = errno;
        ::close(fd);
        if (r == 0 || e == EAGAIN || e == EINPROGRESS)
            fail(fmt::format("MANAGEMENT: another process is listening on unix domain socket {}", path));
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        fail(fmt::format("MANAGEMENT: cannot remove the stale socket {}: {}", path, std::strerror(errno)));
}

}  // namespace

struct ManagementListener::State : std::enable_shared_from_this<State> {
    State(asio::io_context& io_, const config::ServerOptions::Management& where_, ManagementOwner& owner_,
          std::string title_)
        : io(io_), where(where_), owner(owner_), title(std::move(title_)), acceptor(io_), timer(io_) {}

    void start();
    void listen_tcp();
    void listen_unix();
    void stop();
    void accept_next();
    void on_accept(const std::shared_ptr<Client>& c, const asio::error_code& ec);
    void read_next(const std::shared_ptr<Client>& c);
    void send(const std::shared_ptr<Client>& c, std::string bytes);
    void write_next(const std::shared_ptr<Client>& c);
    void close_client(const std::shared_ptr<Client>& c);
    void arm_timer();
    void on_timer();

    asio::io_context& io;
    config::ServerOptions::Management where;
    ManagementOwner& owner;
    std::string title;
    asio::basic_socket_acceptor<Stream> acceptor;  // generic has no acceptor typedef
    asio::steady_timer timer;
    std::vector<std::shared_ptr<Client>> clients;
    bool running = false;
    bool accept_paused = false;  // accept failed (e.g. out of descriptors): retried by the timer
    std::uint16_t port = 0;
    // The unix socket file we bound, removed by stop() only while it is still ours.
    bool own_file = false;
    dev_t file_dev = 0;
    ino_t file_ino = 0;
};

void ManagementListener::State::start() {
    if (running) return;
    try {
        if (where.unix_path)
            listen_unix();
        else
            listen_tcp();
    } catch (...) {
        stop();  // the socket, and a socket file already bound
        throw;
    }
    running = true;
    accept_next();
    arm_timer();
}

void ManagementListener::State::listen_tcp() {
    // Literals only: the config accepts an address or "localhost", and a management
    // port must not depend on a resolver.
    const std::string host = where.host.empty() || where.host == "localhost" ? "127.0.0.1" : where.host;
    asio::error_code ec;
    const asio::ip::address addr = asio::ip::make_address(host, ec);
    if (ec) fail(fmt::format("MANAGEMENT: '{}' is not an IP address (expected a literal address or localhost)", host));
    const Stream::endpoint ep{asio::ip::tcp::endpoint(addr, where.port)};
    const std::string shown = to_sock_addr(ep).str();
    acceptor.open(ep.protocol(), ec);
    if (ec) fail(fmt::format("MANAGEMENT: cannot create a socket for {}: {}", shown, ec.message()));
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);  // as 2.6's create_socket_tcp
    acceptor.bind(ep, ec);
    if (ec) fail(fmt::format("MANAGEMENT: Socket bind failed on local address {}: {}", shown, ec.message()));
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail(fmt::format("MANAGEMENT: listen() failed on {}: {}", shown, ec.message()));
    const net::SockAddr local = to_sock_addr(acceptor.local_endpoint(ec));
    port = ec ? where.port : local.port();
    log::info("MANAGEMENT: TCP Socket listening on {}", ec ? shown : local.str());
}

void ManagementListener::State::listen_unix() {
    const std::string& path = *where.unix_path;
    if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path))
        fail(fmt::format("MANAGEMENT: unix socket path '{}' is empty or too long (at most {} bytes)", path,
                         sizeof(sockaddr_un{}.sun_path) - 1));
    remove_stale_socket(path);
    const Stream::endpoint ep{asio::local::stream_protocol::endpoint(path)};
    asio::error_code ec;
    acceptor.open(ep.protocol(), ec);
    if (ec) fail(fmt::format("MANAGEMENT: cannot create a unix domain socket: {}", ec.message()));
    acceptor.bind(ep, ec);
    if (ec) fail(fmt::format("MANAGEMENT: Socket bind failed on unix domain socket {}: {}", path, ec.message()));
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        own_file = true;
        file_dev = st.st_dev;
        file_ino = st.st_ino;
    }
    // Before listen(): nobody can connect yet, so the mode holds from the first client.
    if (::chmod(path.c_str(), 0660) != 0)
        fail(fmt::format("MANAGEMENT: cannot set the mode of {}: {}", path, std::strerror(errno)));
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail(fmt::format("MANAGEMENT: listen() failed on {}: {}", path, ec.message()));
    log::info("MANAGEMENT: unix domain socket listening on {}", path);
}

void ManagementListener::State::stop() {
    running = false;
    asio::error_code ignored;
    timer.cancel();
    acceptor.close(ignored);
    for (auto& c : clients) {
        c->closed = true;
        c->socket.close(ignored);
    }
    clients.clear();
    if (own_file) {
        own_file = false;
        struct stat st {};
        const std::string& path = *where.unix_path;
        if (::lstat(path.c_str(), &st) == 0 && st.st_dev == file_dev && st.st_ino == file_ino) ::unlink(path.c_str());
    }
}

void ManagementListener::State::accept_next() {
    auto c = std::make_shared<Client>(io, owner, title);
    acceptor.async_accept(c->socket, [self = shared_from_this(), c](const asio::error_code& ec) {
        self->on_accept(c, ec);
    });
}

void ManagementListener::State::on_accept(const std::shared_ptr<Client>& c, const asio::error_code& ec) {
    if (!running) return;
    if (ec) {
        if (ec == asio::error::operation_aborted) return;
        if (ec == asio::error::connection_aborted) {
            accept_next();
            return;
        }
        // Out of descriptors and the like: accepting again at once would spin.
        log::warn("MANAGEMENT: accept failed: {}", ec.message());
        accept_paused = true;
        return;
    }
    if (where.unix_path) {
        c->peer = *where.unix_path;  // as 2.6: the socket's own path
    } else {
        asio::error_code e2;
        const Stream::endpoint ep = c->socket.remote_endpoint(e2);
        c->peer = e2 ? "unknown" : to_sock_addr(ep).str();
    }
    if (clients.size() >= kMaxClients) {
        log::warn("MANAGEMENT: {} clients connected already; closing the connection from {}", kMaxClients, c->peer);
        asio::error_code ignored;
        c->socket.close(ignored);
    } else {
        clients.push_back(c);
        log::info("MANAGEMENT: Client connected from {}", c->peer);
        send(c, c->session.greeting());
        read_next(c);
    }
    accept_next();
}

void ManagementListener::State::read_next(const std::shared_ptr<Client>& c) {
    c->socket.async_read_some(asio::buffer(c->in), [self = shared_from_this(), c](const asio::error_code& ec,
                                                                                   std::size_t n) {
        if (!self->running || c->closed) return;
        if (ec) {
            if (ec != asio::error::eof) log::verbose("MANAGEMENT: read from {}: {}", c->peer, ec.message());
            self->close_client(c);
            return;
        }
        // Line by line, so that one read full of `status` commands is cut off at the
        // queue limit instead of building all its answers first.
        std::string_view rest(c->in.data(), n);
        while (!rest.empty() && !c->closed && !c->session.closed()) {
            const std::size_t nl = rest.find('\n');
            const std::size_t take = nl == std::string_view::npos ? rest.size() : nl + 1;
            self->send(c, c->session.receive(rest.substr(0, take)));
            rest.remove_prefix(take);
        }
        if (c->closed) return;
        if (c->session.closed()) {
            c->closing = true;
            if (!c->writing) self->close_client(c);
            return;
        }
        self->read_next(c);
    });
}

void ManagementListener::State::send(const std::shared_ptr<Client>& c, std::string bytes) {
    if (bytes.empty() || c->closed) return;
    if (c->queued + bytes.size() > kMaxQueuedBytes) {
        log::warn("MANAGEMENT: client {} does not read its output ({} bytes waiting); disconnecting it", c->peer,
                  c->queued + bytes.size());
        close_client(c);
        return;
    }
    c->queued += bytes.size();
    c->out.push_back(std::move(bytes));
    if (!c->writing) write_next(c);
}

void ManagementListener::State::write_next(const std::shared_ptr<Client>& c) {
    if (c->out.empty()) {
        c->writing = false;
        if (c->closing) close_client(c);
        return;
    }
    c->writing = true;
    // Deque elements stay put while others are appended, so the buffer stays valid.
    asio::async_write(c->socket, asio::buffer(c->out.front()),
                      [self = shared_from_this(), c](const asio::error_code& ec, std::size_t) {
                          if (!self->running || c->closed) return;
                          if (ec) {
                              log::verbose("MANAGEMENT: write to {}: {}", c->peer, ec.message());
                              self->close_client(c);
                              return;
                          }
                          c->queued -= c->out.front().size();
                          c->out.pop_front();
                          self->write_next(c);
                      });
}

void ManagementListener::State::close_client(const std::shared_ptr<Client>& c) {
    if (c->closed) return;
    c->closed = true;
    asio::error_code ignored;
    c->socket.shutdown(asio::socket_base::shutdown_both, ignored);
    c->socket.close(ignored);
    clients.erase(std::remove(clients.begin(), clients.end(), c), clients.end());
    log::info("MANAGEMENT: Client disconnected");
}

void ManagementListener::State::arm_timer() {
    timer.expires_after(std::chrono::seconds(1));
    timer.async_wait([self = shared_from_this()](const asio::error_code& ec) {
        if (ec || !self->running) return;
        self->on_timer();
    });
}

void ManagementListener::State::on_timer() {
    const std::time_t now = std::time(nullptr);
    // send() may drop a client from `clients`: walk a copy.
    const auto snapshot = clients;
    for (const auto& c : snapshot)
        if (!c->closed && !c->closing) send(c, c->session.tick(now));
    if (accept_paused) {
        accept_paused = false;
        accept_next();
    }
    arm_timer();
}

ManagementListener::ManagementListener(asio::io_context& io, const config::ServerOptions::Management& where,
                                       ManagementOwner& owner, std::string title)
    : s_(std::make_shared<State>(io, where, owner, std::move(title))) {}

ManagementListener::~ManagementListener() { s_->stop(); }

void ManagementListener::start() { s_->start(); }
void ManagementListener::stop() { s_->stop(); }
std::uint16_t ManagementListener::port() const { return s_->port; }
std::size_t ManagementListener::client_count() const { return s_->clients.size(); }

}  // namespace vpn::server
