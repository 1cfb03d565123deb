#pragma once
// OpenVPN's management interface protocol (server side) as a sans-IO session: bytes
// from the management client in, response bytes out.  One session per connected
// management client; the owner does the socket I/O and answers questions through
// ManagementOwner.  Reference: openvpn release/2.6 manage.c (command_line_add/get,
// man_dispatch_command, man_kill, man_load_stats, man_bytecount) and options.c
// parse_line (the command tokenizer).
#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vpn::server {

struct LoadStats {
    int n_clients = 0;
    std::uint64_t bytes_in = 0;   // all link bytes read by the server
    std::uint64_t bytes_out = 0;  // all link bytes written
};

struct ClientBytes {
    std::uint64_t client_id = 0;  // CID
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
};

// What the session asks the server.  Called synchronously from receive()/tick().
class ManagementOwner {
public:
    virtual ~ManagementOwner() = default;
    // Status text lines without terminators for version 1..3, or 0 meaning the
    // configured status-version; any other version: the owner returns whatever
    // status_lines() gives ("ERROR: bad status format version number").
    virtual std::vector<std::string> status_lines(int version) = 0;
    // Disconnect every client with this common name; returns how many.
    virtual int kill_by_common_name(const std::string& cn) = 0;
    // Disconnect the client(s) whose real address is this IPv4 address (host byte
    // order) and port; returns how many.
    virtual int kill_by_address(std::uint32_t ipv4, std::uint16_t port) = 0;
    virtual LoadStats load_stats() = 0;
    // Byte counters of the established clients, for `bytecount`.
    virtual std::vector<ClientBytes> client_bytes() = 0;
};

class ManagementSession {
public:
    // `title` is the version banner, e.g. "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] ...".
    ManagementSession(ManagementOwner& owner, std::string title);

    // The bytes to send as soon as the client connects (the >INFO greeting, CRLF).
    std::string greeting() const;

    // Feeds bytes received from the client; returns the bytes to send back (possibly
    // empty).  Any input is accepted: NUL, control bytes and DEL are dropped as 2.6
    // does, a line is complete at '\n' ('\r' vanishes with the control bytes), and a
    // pending line is discarded once it would exceed 1024 bytes (its remaining tail
    // then starts a new line, as in 2.6).  After `exit`/`quit` closed() is true and
    // further input is ignored; the owner should close the connection after sending.
    std::string receive(std::string_view bytes);

    // Periodic hook: with `bytecount N` active, emits ">BYTECOUNT_CLI:cid,in,out" for
    // each client whose last report is at least N seconds old.  Returns bytes to send.
    std::string tick(std::time_t now);

    bool closed() const { return closed_; }
    int bytecount_interval() const { return bytecount_seconds_; }

    static constexpr std::size_t kMaxLine = 1024;  // manage.c command_line_new(1024)

private:
    void process_line(const std::string& line, std::string& out);
    void dispatch(const std::vector<std::string>& p, std::string& out);
    void kill(const std::string& victim, std::string& out);

    ManagementOwner& owner_;
    std::string title_;
    std::string pending_;
    bool closed_ = false;
    int bytecount_seconds_ = 0;
    std::map<std::uint64_t, std::time_t> last_bytecount_;  // CID -> last report time
};

// options.c parse_line with 2.6's management settings (16 parameters, 255 chars
// each, ';'/'#' comments, "..." and '...' quoting, backslash escapes).  On a syntax
// error returns no parameters and sets `error` to the "ERROR: Options ..." line.
std::vector<std::string> parse_management_line(std::string_view line, std::string* error);

}  // namespace vpn::server
