#include "common/process/command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/log/log.hpp"

namespace vpn::process {

std::vector<std::string> split_command(std::string_view line) {
    std::vector<std::string> out;
    std::string cur;
    bool in_word = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '"') {
            in_word = true;
            for (++i;; ++i) {
                if (i >= line.size()) return {};
                if (line[i] == '"') break;
                if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) ++i;
                cur += line[i];
            }
        } else if (c == '\'') {
            in_word = true;
            auto end = line.find('\'', i + 1);
            if (end == std::string_view::npos) return {};
            cur.append(line.substr(i + 1, end - i - 1));
            i = end;
        } else if (c == ' ' || c == '\t') {
            if (in_word) out.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else {
            in_word = true;
            cur += c;
        }
    }
    if (in_word) out.push_back(std::move(cur));
    return out;
}

int run_command(const std::vector<std::string>& argv, const Env& env, const std::string& cwd) {
    if (argv.empty()) return -1;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) {
        log::error("cannot run '{}': fork failed: {}", argv[0], std::strerror(errno));
        return -1;
    }
    if (pid == 0) {
        for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code == 127) log::error("cannot run '{}': not found or not executable", argv[0]);
        return code;
    }
    log::error("'{}' was killed by signal {}", argv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return -1;
}

}  // namespace vpn::process
