#pragma once
// The management interface's sockets: a TCP port or a unix socket, any number of
// management clients at once (2.6 serves one at a time), each a ManagementSession.
//
//   accept ─► greeting ─► bytes ─► ManagementSession::receive ─► response queue ─► socket
//   1 s timer ─► ManagementSession::tick (bytecount) ─► response queue
//   quit/exit ─► the queue is written, then the connection closed
//
// Output is written asynchronously in order; a client whose unread output exceeds
// kMaxQueuedBytes is disconnected, so a stuck client cannot grow our memory.
// A unix socket is created mode 0660 (2.6 binds it with umask 0, i.e. 0777, and
// relies on management-client-user/group, which we do not support): only the owner
// and group may connect.  A stale socket file is removed before binding; a live one
// (something accepts connections there) or a non-socket file at the path is an error.
// Reference: openvpn release/2.6 manage.c (man_listen, man_accept,
// man_new_connection_post, man_reset_client_socket).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <asio/io_context.hpp>

#include "common/config/options.hpp"
#include "server/management.hpp"

namespace vpn::server {

class ManagementListener {
public:
    static constexpr std::size_t kMaxClients = 16;              // more are accepted and closed at once
    static constexpr std::size_t kMaxQueuedBytes = 4u << 20;    // unread output per client

    // `owner` must outlive the listener; `title` is the version banner of `version`.
    ManagementListener(asio::io_context& io, const config::ServerOptions::Management& where, ManagementOwner& owner,
                       std::string title);
    ~ManagementListener();  // stop()
    ManagementListener(const ManagementListener&) = delete;
    ManagementListener& operator=(const ManagementListener&) = delete;

    // Binds and listens, then serves on the io_context.  Throws std::runtime_error with
    // a one-line reason when the address is unusable or the bind fails.
    void start();
    // Closes the listening socket and every client; removes the unix socket file we
    // created.  Idempotent; pending handlers become no-ops.
    void stop();

    // The bound TCP port after start() (the real one when configured as 0); 0 for a
    // unix socket.
    std::uint16_t port() const;
    std::size_t client_count() const;

    struct State;  // shared with the pending handlers, so they outlive a stop()

private:
    std::shared_ptr<State> s_;
};

}  // namespace vpn::server
