#include "ipsec/config/key_texts.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include "ipsec/config/config_fail.hpp"
#include "pki/file_io.hpp"

namespace vpn::ipsec {

KeyText load_key_text(const config::KeySource& src, const config::WarningSink& warn, bool refuse_world_readable) {
    const std::string& name = src.origin.name;
    auto bytes = [](const std::string& s) { return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); };
    if (src.inline_text) {
        // The block's first line is the one after `<NAME>`.
        return KeyText{crypto::SecureBuffer(bytes(*src.inline_text)), src.origin.str(), src.origin.file,
                       src.origin.line + 1};
    }
    struct stat st {};
    const bool have_mode = ::stat(src.path.c_str(), &st) == 0;
    if (refuse_world_readable && have_mode && (st.st_mode & S_IROTH))
        fail_at(src.origin, fmt::format("'{}': file '{}' is readable by everyone, expected a file only its owner "
                                        "(and group) may read (chmod o-rwx)",
                                        name, src.path));
    std::string text;
    try {
        text = pki::read_text_file(src.path, 1u << 20);
    } catch (const std::exception& e) {
        fail_at(src.origin, fmt::format("'{}': {}", name, e.what()));
    }
    KeyText out{crypto::SecureBuffer(bytes(text)), src.path, src.path, 1};
    pki::wipe(text);
    if (warn && have_mode && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        // The same warning OpenVPN gives for --secret (misc.c: warn_if_group_others_accessible).
        warn(fmt::format("{}: '{}': WARNING: file '{}' is group or others accessible", src.origin.str(), name,
                         src.path));
    }
    return out;
}

}  // namespace vpn::ipsec
