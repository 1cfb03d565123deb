#pragma once
// PUSH_REPLY messages (openvpn-wire.md §8.1, §8.2; push.c: send_push_reply,
// send_push_options, process_incoming_push_reply; options.c: apply_push_options;
// buffer.c: buf_parse).
//
//   "PUSH_REPLY"                                 empty reply
//   "PUSH_REPLY,opt1,opt2,...[,push-continuation 2|1]"
//
// 2.6 splits the options on EVERY ',' -- quotes do not protect a comma -- and then
// tokenises each option like a config line (quotes, backslash escapes: options.c:
// parse_line).  A reply ending in "push-continuation 2" is followed by more; "1" (or
// no marker) ends the set.  A server keeps each message under 1024 bytes
// (PUSH_BUNDLE_SIZE), so long option lists travel in several messages.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vpn::ovpn {

inline constexpr std::size_t kPushBundleSize = 1024;  // PUSH_BUNDLE_SIZE
inline constexpr std::size_t kPushOptionMax = 255;    // OPTION_PARM_SIZE - 1

struct PushReply {
    // The options in order, each split into words ({"route", "10.0.0.0",
    // "255.255.255.0"}); empty options and the push-continuation marker left out.
    std::vector<std::vector<std::string>> options;
    // The push-continuation marker: 0 none, 1 last message of a set, 2 more follow.
    // 2.6 remembers the last marker seen since its PUSH_REQUEST (options.c:
    // pre_pull_restore resets it), so a message without one after a "2" still
    // leaves the set open; the caller tracks that.
    int continuation = 0;
};

struct PushReplyResult {
    bool ok = false;
    std::string error;  // when !ok: one line for the log
    PushReply reply;
};

// Parse one control message (its text without the NUL).  Not ok if it does not start
// with "PUSH_REPLY" followed by ',' or the end, if an option is longer than 255
// bytes or has a quoting error, or if the marker is not 0, 1 or 2 (2.6 fails the
// push then).
PushReplyResult parse_push_reply(std::string_view message);

// The messages a 2.6 server sends for `options` (each "name args", as written after
// `push`): options are appended while the message stays under 940 bytes (1024 minus
// 84 kept free); a full message gets ",push-continuation 2" and the last one of a
// multi-message set ",push-continuation 1".  No options give one bare "PUSH_REPLY".
// Throws std::invalid_argument for an option holding ',' or NUL or longer than 255
// bytes (a 2.6 client would cut it in two).
std::vector<std::string> build_push_reply(const std::vector<std::string>& options);

// A PUSH_REPLY for the log: the values of auth-token / auth-token-user (session
// credentials) replaced by "[redacted]", everything else as it came.
std::string redact_push_reply(std::string_view message);

}  // namespace vpn::ovpn
