// The status and pool-persist files: whole-file replacement by rename, the in-place
// fallback once the directory is closed to us, and the "every N seconds" logic.
#include <doctest/doctest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server/status_file.hpp"

using namespace vpn::server;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/vpn-status-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
    }
    ~TempDir() {
        ::chmod(path.c_str(), 0700);
        for (const auto& n : names()) ::unlink((path + "/" + n).c_str());
        ::rmdir(path.c_str());
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        if (DIR* d = ::opendir(path.c_str())) {
            while (dirent* e = ::readdir(d)) {
                const std::string n = e->d_name;
                if (n != "." && n != "..") out.push_back(n);
            }
            ::closedir(d);
        }
        return out;
    }
};

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

ino_t inode(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_ino;
}

}  // namespace

TEST_CASE("RewriteInterval: due at once, then every N seconds; 0 never") {
    RewriteInterval every60(60);
    CHECK(every60.due(1000));
    every60.written();  // the write that due() asked for
    CHECK_FALSE(every60.due(1001));
    CHECK_FALSE(every60.due(1059));
    CHECK(every60.due(1060));  // counted from the due() at 1000: no drift from the write
    every60.written();
    CHECK_FALSE(every60.due(1119));
    CHECK(every60.due(1120));

    RewriteInterval never(0);
    CHECK_FALSE(never.due(0));
    never.written();
    CHECK_FALSE(never.due(1'000'000));
}

TEST_CASE("RewriteInterval: an explicit write restarts the interval") {
    RewriteInterval iv(10);
    iv.written();              // e.g. the write at startup
    CHECK_FALSE(iv.due(500));  // the interval starts here
    CHECK_FALSE(iv.due(509));
    CHECK(iv.due(510));
    iv.written();
    CHECK_FALSE(iv.due(515));
    iv.written();  // explicit (at exit, say): not the one due() asked for
    CHECK_FALSE(iv.due(520));
    CHECK_FALSE(iv.due(529));
    CHECK(iv.due(530));
}

TEST_CASE("StatusFile: replaced by rename, no temporary left, mode kept") {
    TempDir dir;
    const std::string path = dir.path + "/status.log";
    StatusFile f(path, 60);
    CHECK(f.due(5));
    REQUIRE(f.write("first version, long line\n"));
    CHECK(slurp(path) == "first version, long line\n");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);  // as 2.6 creates it

    REQUIRE(::chmod(path.c_str(), 0644) == 0);  // an administrator opened it to readers
    const ino_t before = inode(path);
    REQUIRE(f.write("second\n"));
    CHECK(slurp(path) == "second\n");  // shorter: nothing of the old text left
    CHECK(inode(path) != before);      // a new file took the name: readers never see a mix
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    CHECK(dir.names() == std::vector<std::string>{"status.log"});
}

TEST_CASE("StatusFile: a symlinked path is written through the link") {
    TempDir dir;
    const std::string target = dir.path + "/real.log";
    const std::string link = dir.path + "/status.log";
    { std::ofstream(target) << "old old old old\n"; }
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
    StatusFile f(link, 10);
    REQUIRE(f.write("new\n"));
    struct stat st {};
    REQUIRE(::lstat(link.c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK(slurp(target) == "new\n");
}

TEST_CASE("StatusFile: once the directory is closed to us, the file is rewritten in place") {
    TempDir dir;
    const std::string path = dir.path + "/status.log";
    const auto body = [&]() -> int {
        StatusFile f(path, 60);
        if (!f.write("written while privileged, a long first text\n")) return 2;
        // What `user nobody` does to a root-owned /var/log/openvpn: no new files there.
        if (::geteuid() == 0) {
            if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) return 3;
        } else if (::chmod(dir.path.c_str(), 0555) != 0) {
            return 4;
        }
        if (!f.write("after the drop\n")) return 5;
        if (!f.write("again\n")) return 6;
        return 0;
    };
    if (::geteuid() == 0) {
        // Dropping privileges is for good: do it in a child.
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) ::_exit(body());
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    } else {
        CHECK(body() == 0);
        ::chmod(dir.path.c_str(), 0700);
    }
    CHECK(slurp(path) == "again\n");
    CHECK(dir.names() == std::vector<std::string>{"status.log"});
}

TEST_CASE("StatusFile: an unwritable path fails with false, and works once possible") {
    TempDir dir;
    const std::string path = dir.path + "/missing-dir/status.log";
    StatusFile f(path, 60);
    CHECK_FALSE(f.write("x\n"));
    REQUIRE(::mkdir((dir.path + "/missing-dir").c_str(), 0700) == 0);
    CHECK(f.write("y\n"));
    CHECK(slurp(path) == "y\n");
    ::unlink(path.c_str());
    ::rmdir((dir.path + "/missing-dir").c_str());
}

TEST_CASE("PersistFile: missing file loads empty, writes round-trip") {
    TempDir dir;
    const std::string path = dir.path + "/ipp.txt";
    {
        PersistFile p(path, 600);
        CHECK_FALSE(p.read_only());
        CHECK(p.load().empty());
        CHECK(p.due(100));
        REQUIRE(p.write("alice,10.8.0.4,\nbob,10.8.0.8,\n"));
        CHECK_FALSE(p.due(101));
        CHECK(p.due(700));
    }
    PersistFile again(path, 600);
    CHECK(again.load() == "alice,10.8.0.4,\nbob,10.8.0.8,\n");
    CHECK(dir.names() == std::vector<std::string>{"ipp.txt"});
}

TEST_CASE("PersistFile: seconds 0 reads only and never writes") {
    TempDir dir;
    const std::string path = dir.path + "/ipp.txt";
    { std::ofstream(path) << "carol,10.8.0.12,\n"; }
    PersistFile p(path, 0);
    CHECK(p.read_only());
    CHECK(p.load() == "carol,10.8.0.12,\n");
    CHECK_FALSE(p.due(0));
    CHECK_FALSE(p.due(1'000'000));
    CHECK(p.write("other,10.8.0.16,\n"));  // accepted and ignored, as 2.6's read-only file
    CHECK(slurp(path) == "carol,10.8.0.12,\n");

    PersistFile missing(dir.path + "/none.txt", 0);
    CHECK(missing.load().empty());
    CHECK(dir.names() == std::vector<std::string>{"ipp.txt"});  // read-only: nothing created
}

TEST_CASE("PersistFile: an unreadable path loads empty") {
    TempDir dir;
    // A directory at the path: open() works for reading but read() fails (EISDIR).
    const std::string path = dir.path + "/ipp.d";
    REQUIRE(::mkdir(path.c_str(), 0700) == 0);
    PersistFile p(path, 0);
    CHECK(p.load().empty());
    ::rmdir(path.c_str());
}
