#pragma once
// Process-wide log.  Levels follow OpenVPN's `verb`: 0 = fatal errors only,
// 1..3 = normal operation (errors, warnings, info), 4 = verbose, 5+ = debug.
// Lines carry a timestamp prefix, as OpenVPN's do; the sink is stderr until
// `log`/`log-append`/`daemon` redirect it.  Never pass secrets to these functions.
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace vpn::log {

enum class Level { Error, Warn, Info, Verbose, Debug };

void set_verbosity(int verb);
int verbosity();
bool enabled(Level level);

// Redirect output to `path` (truncate or append).  Returns false and leaves the sink
// unchanged if the file cannot be opened.
bool open_file(const std::string& path, bool append);
// After daemon(): stderr is gone, so without a log file lines go to syslog.
void use_syslog(const std::string& ident);

void write(Level level, std::string_view line);

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Warn)) write(Level::Warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Info)) write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void verbose(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Verbose)) write(Level::Verbose, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::Debug)) write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace vpn::log
