#pragma once
// Process-level duties around a running tunnel: log redirection, daemonizing, the
// pid file and dropping privileges.  Each throws std::runtime_error with one line.
#include <string>

#include "common/config/options.hpp"

namespace vpn::app {

// `log`/`log-append` and `verb`, before anything else is printed.
void setup_logging(const config::Options& o);

// Fork into the background (stdin/stdout/stderr to /dev/null; logs to syslog unless a
// log file was given), then write the pid file, then drop to user/group.
void become_daemon_and_drop(const config::Options& o);

// Removes the pid file written by become_daemon_and_drop (if any).
void remove_pid_file(const config::Options& o);

}  // namespace vpn::app
