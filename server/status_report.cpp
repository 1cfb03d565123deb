#include "server/status_report.hpp"

#include <arpa/inet.h>

#include <cstring>

#include <fmt/format.h>

namespace vpn::server {

namespace {

// status.c: status_printf formats into 512 bytes and treats a line that does not fit
// (vsnprintf result >= 512) as an error that silences everything after it.
constexpr std::size_t kStatusLineMax = 512;

// ssl_verify.c tls_common_name / tls_username print "UNDEF" for a missing name.
const std::string& or_undef(const std::string& s) {
    static const std::string undef = "UNDEF";
    return s.empty() ? undef : s;
}

std::string route_address(const RouteStatus& r) { return r.cached ? r.virtual_address + "C" : r.virtual_address; }

class Lines {
public:
    void add(std::string line) {
        if (stopped_) return;
        if (line.size() >= kStatusLineMax) {  // vsnprintf(buf, 512, ...) >= 512
            stopped_ = true;
            return;
        }
        lines_.push_back(std::move(line));
    }
    std::vector<std::string> take() { return std::move(lines_); }

private:
    std::vector<std::string> lines_;
    bool stopped_ = false;
};

void version1(const StatusSnapshot& s, Lines& out) {
    out.add("OpenVPN CLIENT LIST");
    out.add("Updated," + format_status_time(s.now));
    out.add("Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since");
    for (const auto& c : s.clients) {
        out.add(fmt::format("{},{},{},{},{}", or_undef(c.common_name), format_real_address(c.real), c.bytes_received,
                            c.bytes_sent, format_status_time(c.connected_since)));
    }
    out.add("ROUTING TABLE");
    out.add("Virtual Address,Common Name,Real Address,Last Ref");
    for (const auto& r : s.routes) {
        out.add(fmt::format("{},{},{},{}", route_address(r), or_undef(r.common_name), format_real_address(r.real),
                            format_status_time(r.last_ref)));
    }
    out.add("GLOBAL STATS");
    if (s.has_mcast_queue) out.add(fmt::format("Max bcast/mcast queue length,{}", s.max_bcast_mcast_queue));
    out.add("END");
}

void version2or3(const StatusSnapshot& s, char sep, Lines& out) {
    // 2.6 prints time_t values with %u after a cast to unsigned int.
    auto u32 = [](std::time_t t) { return static_cast<unsigned int>(t); };
    const char d = sep;
    out.add(fmt::format("TITLE{}{}", d, s.title));
    out.add(fmt::format("TIME{}{}{}{}", d, format_status_time(s.now), d, u32(s.now)));
    out.add(fmt::format("HEADER{0}CLIENT_LIST{0}Common Name{0}Real Address{0}Virtual Address{0}"
                        "Virtual IPv6 Address{0}Bytes Received{0}Bytes Sent{0}Connected Since{0}"
                        "Connected Since (time_t){0}Username{0}Client ID{0}Peer ID{0}Data Channel Cipher",
                        d));
    for (const auto& c : s.clients) {
        out.add(fmt::format("CLIENT_LIST{0}{1}{0}{2}{0}{3}{0}{4}{0}{5}{0}{6}{0}{7}{0}{8}{0}{9}{0}{10}{0}{11}{0}{12}", d,
                            or_undef(c.common_name), format_real_address(c.real), c.virtual_v4, c.virtual_v6,
                            c.bytes_received, c.bytes_sent, format_status_time(c.connected_since),
                            u32(c.connected_since), or_undef(c.username), c.client_id, c.peer_id, c.cipher));
    }
    out.add(fmt::format("HEADER{0}ROUTING_TABLE{0}Virtual Address{0}Common Name{0}Real Address{0}Last Ref{0}"
                        "Last Ref (time_t)",
                        d));
    for (const auto& r : s.routes) {
        out.add(fmt::format("ROUTING_TABLE{0}{1}{0}{2}{0}{3}{0}{4}{0}{5}", d, route_address(r),
                            or_undef(r.common_name), format_real_address(r.real), format_status_time(r.last_ref),
                            u32(r.last_ref)));
    }
    if (s.has_mcast_queue) {
        out.add(fmt::format("GLOBAL_STATS{0}Max bcast/mcast queue length{0}{1}", d, s.max_bcast_mcast_queue));
    }
    out.add(fmt::format("GLOBAL_STATS{0}dco_enabled{0}{1}", d, s.dco_enabled ? 1 : 0));
    out.add("END");
}

}  // namespace

std::string format_status_time(std::time_t t) {
    std::tm tm{};
    if (!localtime_r(&t, &tm)) return "1970-01-01 00:00:00";
    // Year printed with %04d like otime.c; fmt keeps it exact for any int.
    return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string format_real_address(const net::SockAddr& addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (addr.family() == AF_INET) {
        sockaddr_in sin{};
        std::memcpy(&sin, &addr.storage, sizeof sin);
        inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof buf);
        return fmt::format("{}:{}", buf, ntohs(sin.sin_port));
    }
    if (addr.family() == AF_INET6) {
        sockaddr_in6 sin6{};
        std::memcpy(&sin6, &addr.storage, sizeof sin6);
        if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
            // mroute.c: only v4-mapped addresses get a port ("v6addr:port" is ambiguous).
            inet_ntop(AF_INET, &sin6.sin6_addr.s6_addr[12], buf, sizeof buf);
            return fmt::format("{}:{}", buf, ntohs(sin6.sin6_port));
        }
        inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof buf);
        return buf;
    }
    return "UNKNOWN";
}

std::vector<std::string> status_lines(const StatusSnapshot& snap, int version) {
    Lines out;
    if (version == 1) {
        version1(snap, out);
    } else if (version == 2 || version == 3) {
        version2or3(snap, version == 3 ? '\t' : ',', out);
    } else {
        out.add("ERROR: bad status format version number");
    }
    return out.take();
}

std::string format_status(const StatusSnapshot& snap, int version) {
    std::string text;
    for (const auto& line : status_lines(snap, version)) {
        text += line;
        text += '\n';
    }
    return text;
}

}  // namespace vpn::server
