#pragma once
// Helpers shared by the config unit tests (test_config*.cpp).
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/config/load.hpp"

namespace config_test {

// A fresh directory under /tmp, removed at the end of the test.
struct TempDir {
    std::string path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "vpn-config-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        // Canonical, so comparisons with canonicalised `cd` results hold.
        path = std::filesystem::canonical(tmpl).string();
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& rel) const { return path + "/" + rel; }
    std::string write(const std::string& rel, const std::string& text) const {
        std::string p = file(rel);
        std::filesystem::create_directories(std::filesystem::path(p).parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }
};

struct Loaded {
    vpn::config::Options opts;
    std::vector<std::string> warnings;
};

inline Loaded load_ok(const std::string& text, const std::string& base, const std::string& name = "test.conf") {
    Loaded out;
    out.opts = vpn::config::load_text(text, name, base,
                                      [&](const std::string& w) { out.warnings.push_back(w); });
    return out;
}

// The ConfigError message, or "<no error>" when loading succeeded.
inline std::string load_error(const std::string& text, const std::string& base,
                              const std::string& name = "test.conf") {
    try {
        vpn::config::load_text(text, name, base, [](const std::string&) {});
    } catch (const vpn::config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

inline std::string cmdline_error(const std::string& file, const std::vector<std::string>& args) {
    try {
        vpn::config::load(file, args, [](const std::string&) {});
    } catch (const vpn::config::ConfigError& e) {
        return e.what();
    }
    return "<no error>";
}

inline bool has(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// One-shot loads of `text` in a throwaway directory.
inline vpn::config::Options opts(const std::string& text) {
    TempDir tmp;
    return load_ok(text, tmp.path).opts;
}

inline std::string err(const std::string& text) {
    TempDir tmp;
    return load_error(text, tmp.path);
}

inline std::vector<std::string> warnings(const std::string& text) {
    TempDir tmp;
    return load_ok(text, tmp.path).warnings;
}

}  // namespace config_test
