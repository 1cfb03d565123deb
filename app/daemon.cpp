#include "app/daemon.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "common/log/log.hpp"

namespace vpn::app {

void setup_logging(const config::Options& o) {
    log::set_verbosity(o.verb);
    if (o.log_file && !log::open_file(*o.log_file, o.log_append))
        throw std::runtime_error(fmt::format("cannot open log file '{}': {}", *o.log_file, std::strerror(errno)));
}

namespace {

void write_pid_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "we");
    if (!f) throw std::runtime_error(fmt::format("cannot write pid file '{}': {}", path, std::strerror(errno)));
    std::fprintf(f, "%d\n", static_cast<int>(getpid()));
    std::fclose(f);
}

void drop_privileges(const config::Options& o) {
    // Group first: after setuid we could no longer change it.
    if (o.group) {
        errno = 0;
        struct group* g = getgrnam(o.group->c_str());
        if (!g) throw std::runtime_error(fmt::format("group '{}' not found", *o.group));
        if (setgroups(0, nullptr) != 0 || setgid(g->gr_gid) != 0)
            throw std::runtime_error(fmt::format("cannot change to group '{}': {}", *o.group, std::strerror(errno)));
        log::info("GID set to {}", *o.group);
    }
    if (o.user) {
        struct passwd* p = getpwnam(o.user->c_str());
        if (!p) throw std::runtime_error(fmt::format("user '{}' not found", *o.user));
        if (!o.group && setgroups(0, nullptr) != 0 && errno != EPERM)
            throw std::runtime_error(fmt::format("cannot clear supplementary groups: {}", std::strerror(errno)));
        if (setuid(p->pw_uid) != 0)
            throw std::runtime_error(fmt::format("cannot change to user '{}': {}", *o.user, std::strerror(errno)));
        log::info("UID set to {}", *o.user);
    }
}

}  // namespace

void become_daemon_and_drop(const config::Options& o) {
    if (o.daemon) {
        if (!o.log_file) log::use_syslog(o.daemon_name.empty() ? "vpn" : o.daemon_name);
        // Not chdir("/"): relative script paths keep working, as with OpenVPN's `cd`.
        if (::daemon(1, 0) != 0) throw std::runtime_error(fmt::format("daemon() failed: {}", std::strerror(errno)));
    }
    if (o.writepid) write_pid_file(*o.writepid);
    drop_privileges(o);
}

void remove_pid_file(const config::Options& o) {
    if (o.writepid) ::unlink(o.writepid->c_str());
}

}  // namespace vpn::app
