// Rows for how a client walks its remotes: remote-random, connect-retry,
// connect-retry-max, resolv-retry, server-poll-timeout.  Meanings and defaults follow
// OpenVPN 2.6 options.c (init_options, add_option); the client runtime that uses them
// comes with TLS mode.
#include <fmt/format.h>

#include <algorithm>

#include "common/config/arg_parse.hpp"
#include "common/config/directive.hpp"

namespace vpn::config {
namespace {

constexpr long long kMaxSeconds = 1'000'000'000;
constexpr std::string_view kSecondsWhat = "a number of seconds (0..1000000000)";
// options.c "connect-retry": the base wait is capped to 16 bits so the exponential
// back-off cannot overflow.
constexpr int kMaxRetryBase = 0xFFFF;

int seconds_arg(const Directive& d, std::size_t i) { return int_arg(d, i, 0, kMaxSeconds, kSecondsWhat); }

void parse_remote_random(ParseContext& c, const Directive&) { c.opts.connect.remote_random = true; }

void parse_connect_retry(ParseContext& c, const Directive& d) {
    int base = seconds_arg(d, 0);
    if (base > kMaxRetryBase) {
        c.warning(d.origin, fmt::format("'connect-retry': wait interval truncated to {}", kMaxRetryBase));
        base = kMaxRetryBase;
    }
    c.opts.connect.connect_retry = base;
    if (d.args.size() > 1) c.opts.connect.connect_retry_max_wait = std::max(seconds_arg(d, 1), base);
}

void parse_connect_retry_max(ParseContext& c, const Directive& d) {
    c.opts.connect.connect_retry_max = int_arg(d, 0, 0, kMaxSeconds, "a number of attempts (0 = unlimited)");
}

void parse_resolv_retry(ParseContext& c, const Directive& d) {
    // RESOLV_RETRY_INFINITE is 1000000000 in socket.h, the same as our ceiling.
    c.opts.connect.resolv_retry = d.args[0] == "infinite" ? static_cast<int>(kMaxSeconds) : seconds_arg(d, 0);
}

void parse_server_poll_timeout(ParseContext& c, const Directive& d) {
    c.opts.connect.server_poll_timeout = seconds_arg(d, 0);
}


constexpr DirectiveSpec kRows[] = {
    {"remote-random", 0, 0, "", "", "try the remotes in random order", parse_remote_random},
    {"connect-retry", 1, 2, "N [MAX]", "seconds and optional maximum seconds", "wait N s before retrying a remote, doubling up to MAX (default 1 300)", parse_connect_retry},
    {"connect-retry-max", 1, 1, "N", "number of attempts", "give up after N rounds through the remotes (default 0 = never)", parse_connect_retry_max},
    {"resolv-retry", 1, 1, "N|infinite", "seconds or infinite", "retry name resolution for N seconds (default infinite)", parse_resolv_retry},
    {"server-poll-timeout", 1, 1, "N", "seconds", "give up on a remote after N s without an answer (default 120)", parse_server_poll_timeout},
};


}  // namespace

std::span<const DirectiveSpec> connect_directives() { return kRows; }

}  // namespace vpn::config
