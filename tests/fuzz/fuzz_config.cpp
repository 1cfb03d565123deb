// Config text of any shape: a config::ConfigError or options, never a crash or hang.
#include <cstdint>
#include <string>

#include "common/config/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    try {
        // An empty directory as the base: includes and `cd` find nothing to read.
        vpn::config::load_text(text, "fuzz.conf", "/var/empty", [](const std::string&) {});
    } catch (const vpn::config::ConfigError&) {
    }
    return 0;
}
