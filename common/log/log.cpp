#include "common/log/log.hpp"

#include <syslog.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace vpn::log {
namespace {
std::atomic<int> g_verb{1};
std::mutex g_mutex;
FILE* g_sink = nullptr;  // nullptr = stderr
bool g_syslog = false;
}  // namespace

void set_verbosity(int verb) { g_verb = verb; }
int verbosity() { return g_verb; }
bool enabled(Level level) {
    static constexpr int min_verb[] = {0, 1, 1, 4, 5};  // indexed by Level
    return g_verb.load(std::memory_order_relaxed) >= min_verb[static_cast<int>(level)];
}

bool open_file(const std::string& path, bool append) {
    FILE* f = std::fopen(path.c_str(), append ? "ae" : "we");
    if (!f) return false;
    std::setvbuf(f, nullptr, _IOLBF, 0);
    std::lock_guard lock(g_mutex);
    if (g_sink) std::fclose(g_sink);
    g_sink = f;
    g_syslog = false;
    return true;
}

void use_syslog(const std::string& ident) {
    static std::string keep;  // openlog keeps the pointer
    std::lock_guard lock(g_mutex);
    if (g_sink) return;  // an explicit log file wins
    keep = ident;
    openlog(keep.c_str(), LOG_PID, LOG_DAEMON);
    g_syslog = true;
}

void write(Level level, std::string_view line) {
    std::lock_guard lock(g_mutex);
    if (g_syslog) {
        int prio = level == Level::Error ? LOG_ERR : level == Level::Warn ? LOG_WARNING : LOG_INFO;
        syslog(prio, "%.*s", int(line.size()), line.data());
        return;
    }
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    FILE* out = g_sink ? g_sink : stderr;
    std::fprintf(out, "%s %.*s\n", stamp, int(line.size()), line.data());
    std::fflush(out);
}

}  // namespace vpn::log
