#pragma once
// The text of OpenVPN 2.6's `status FILE` (and of the management `status` command) for
// status-version 1, 2 and 3, built from a plain snapshot of the server's state.
// Sans-IO: the caller gathers the snapshot, this file only formats.
// Reference: openvpn release/2.6 multi.c multi_print_status, otime.c time_string,
// mroute.c mroute_addr_print_ex, status.c status_printf.
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "common/net/sock_addr.hpp"

namespace vpn::server {

// One connected client (a CLIENT_LIST row).
struct ClientStatus {
    std::string common_name;      // "UNDEF" when the client has none (as 2.6 prints it)
    net::SockAddr real;           // the client's transport address
    std::string virtual_v4;       // "10.8.0.2", or "" when none
    std::string virtual_v6;       // "fd00:8::1000", or "" when none
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    std::time_t connected_since = 0;
    std::string username = "UNDEF";  // "UNDEF" when no auth-user-pass was given
    std::uint64_t client_id = 0;     // management client id (CID)
    std::uint32_t peer_id = 0;
    std::string cipher;              // data channel cipher, e.g. "AES-256-GCM"
};

// One entry of the virtual-address routing table (a ROUTING_TABLE row).
struct RouteStatus {
    std::string virtual_address;  // "10.8.0.2", "192.168.5.0/24", "fd00:8::1000", "aa:bb:..@0"
    bool cached = false;          // MULTI_ROUTE_CACHE: printed as a 'C' after the address
    std::string common_name;
    net::SockAddr real;
    std::time_t last_ref = 0;
};

struct StatusSnapshot {
    std::vector<ClientStatus> clients;  // printed in this order
    std::vector<RouteStatus> routes;    // printed in this order
    // Max bcast/mcast queue length; 2.6 prints it only in mode server (it has an mbuf).
    bool has_mcast_queue = true;
    int max_bcast_mcast_queue = 0;
    bool dco_enabled = false;  // versions 2 and 3 print "dco_enabled"
    std::time_t now = 0;       // the "Updated"/"TIME" stamp
    std::string title;         // versions 2 and 3 TITLE: "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL ..."
};

// OpenVPN's time_string(t, 0, false): local time as "YYYY-MM-DD HH:MM:SS".
std::string format_status_time(std::time_t t);

// A real address as mroute_addr_print prints it: IPv4 (also IPv4-mapped IPv6) as
// "a.b.c.d:port", other IPv6 as the bare address without port (2.6 finds "v6:port"
// ambiguous), anything else "UNKNOWN".
std::string format_real_address(const net::SockAddr& addr);

// The whole status text for `version` (1, 2 or 3); each line ends in "\n".  Any other
// version gives the single line "ERROR: bad status format version number".  Like
// status_printf, a line that would reach 512 bytes ends the text there (2.6 stops
// writing the file at the first over-long line).
std::string format_status(const StatusSnapshot& snap, int version);

// The same text as separate lines without terminators (the management interface
// sends each with "\r\n").
std::vector<std::string> status_lines(const StatusSnapshot& snap, int version);

}  // namespace vpn::server
