// Key and certificate files of any shape: static key parser and the PEM loaders.
#include <cstdint>
#include <string_view>

#include "pki/pem_io.hpp"
#include "pki/static_key.hpp"

using namespace vpn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        pki::parse_static_key(text, "fuzz.key");
    } catch (const std::exception&) {
    }
    try {
        pki::parse_certs(text, "fuzz.crt");
    } catch (const std::exception&) {
    }
    try {
        pki::parse_private_key(text, "fuzz.pem", [] { return std::string("x"); });
    } catch (const std::exception&) {
    }
    try {
        pki::parse_crls(text, "fuzz.crl");
    } catch (const std::exception&) {
    }
    return 0;
}
