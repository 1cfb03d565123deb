// The loader: reads the config file (following `config` includes), then the
// command-line directives, applying each through the registry, and finally runs
// the cross-directive validation.  Mirrors OpenVPN 2.6 options.c:
// read_config_file (include depth limit 10) and parse_argv (arguments run until the
// next "--" word).
#include "common/config/load.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/config/arg_parse.hpp"
#include "common/config/directive_registry.hpp"
#include "common/config/lexer.hpp"
#include "common/config/validate.hpp"

namespace vpn::config {
namespace {

constexpr int kMaxIncludeDepth = 10;                  // options.c: max_recursive_levels
constexpr std::size_t kMaxConfigBytes = 16u << 20;    // inline CA bundles stay far below
constexpr std::string_view kCommandLine = "[command line]";

// Wipes a buffer that may hold inline keys when it goes out of scope.
struct Wiped {
    std::string text;
    ~Wiped() { OPENSSL_cleanse(text.data(), text.size()); }
};

// Reads a whole file (regular file, FIFO or device; not a directory), bounded.
// Returns an errno-style message on failure.
std::optional<std::string> read_bounded(const std::string& path, std::string& out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return std::string(std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        return std::string(std::strerror(EISDIR));
    }
    char buf[8192];
    std::optional<std::string> err;
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            err = std::strerror(errno);
            break;
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > kMaxConfigBytes) {
            err = fmt::format("larger than {} bytes", kMaxConfigBytes);
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    OPENSSL_cleanse(buf, sizeof buf);
    ::close(fd);
    return err;
}

class Loader {
public:
    Loader(const std::string& base_dir, const WarningSink& warn)
        : warn_(warn), ctx_{opts_, state_, warn_, [this](const Directive& d) { include(d); }} {
        state_.base_dir = base_dir;
    }

    // Applies one file's text; `name` is what messages call it.
    void apply_text(std::string_view text, const std::string& name) {
        ConfigReader reader(text, name);
        while (auto d = reader.next()) {
            apply_directive(ctx_, *d);
            if (d->inline_text) OPENSSL_cleanse(d->inline_text->data(), d->inline_text->size());
        }
    }

    // Reads FILE for `config FILE` (or the main config), relative to the current base.
    void read_file(const std::string& written, const Origin& from) {
        if (state_.depth >= kMaxIncludeDepth) {
            fail(from, fmt::format("'config': include depth limit ({}) exceeded with {}, expected a config "
                                   "that does not include itself",
                                   kMaxIncludeDepth, shown(written)));
        }
        const std::string path = resolve_path(state_.base_dir, written);
        std::error_code ec;
        const std::string real = std::filesystem::weakly_canonical(path, ec).string();
        const std::string& key = ec ? path : real;
        if (std::find(state_.include_stack.begin(), state_.include_stack.end(), key) != state_.include_stack.end()) {
            fail(from, fmt::format("'config': {} includes itself (include loop), expected a config that does "
                                   "not include itself", shown(written)));
        }
        Wiped content;
        if (auto err = read_bounded(path, content.text)) {
            fail(from, fmt::format("'config': cannot read {}: {}", shown(written), *err));
        }
        if (opts_.config_file.empty()) opts_.config_file = path;  // options.c keeps the first one
        state_.include_stack.push_back(key);
        ++state_.depth;
        apply_text(content.text, written);
        --state_.depth;
        state_.include_stack.pop_back();
    }

    // "--name args..." groups, as options.c: parse_argv.
    void apply_command_line(const std::vector<std::string>& args) {
        std::size_t i = 0;
        while (i < args.size()) {
            const std::string& word = args[i];
            if (!word.starts_with("--")) {
                fail(Origin{std::string(kCommandLine), static_cast<int>(i + 1), ""},
                     fmt::format("{} is not a directive, expected --name followed by its arguments", shown(word)));
            }
            Directive d;
            d.name = word.substr(2);
            d.origin = Origin{std::string(kCommandLine), static_cast<int>(i + 1), d.name};
            ++i;
            while (i < args.size() && !args[i].starts_with("--")) d.args.push_back(args[i++]);
            apply_directive(ctx_, d);
        }
    }

    Options finish() {
        validate(opts_, state_, warn_);
        return std::move(opts_);
    }

    void enter_text() { ++state_.depth; }

private:
    void include(const Directive& d) { read_file(d.args[0], d.origin); }

    const WarningSink& warn_;
    Options opts_;
    LoadState state_;
    ParseContext ctx_;
};

std::string current_dir() {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::current_path(ec);
    if (ec) throw ConfigError(fmt::format("[command line]: cannot get the current directory: {}", ec.message()));
    return p.string();
}

}  // namespace

Options load(const std::string& config_file, const std::vector<std::string>& cmdline, const WarningSink& warn) {
    Loader loader(current_dir(), warn);
    if (!config_file.empty()) loader.read_file(config_file, Origin{std::string(kCommandLine), 0, "config"});
    loader.apply_command_line(cmdline);
    return loader.finish();
}

Options load_text(const std::string& text, const std::string& name, const std::string& base_dir,
                  const WarningSink& warn) {
    std::string base = base_dir.empty() ? current_dir() : resolve_path(current_dir(), base_dir);
    Loader loader(base, warn);
    loader.enter_text();  // the text counts as the first level of includes
    loader.apply_text(text, name);
    return loader.finish();
}

}  // namespace vpn::config
