#include "pki/inline_config.hpp"

#include <string_view>

#include <fmt/format.h>

#include "pki/ca_index.hpp"
#include "pki/cert_signer.hpp"
#include "pki/cert_verify.hpp"
#include "pki/file_io.hpp"
#include "pki/pem_io.hpp"
#include "pki/static_key.hpp"

namespace vpn::pki {

namespace {

// Host names and addresses only: anything else (a space, a newline) could smuggle
// another directive into the config.
bool plain_host(const std::string& h) {
    if (h.empty() || h.size() > 253 || h[0] == '-') return false;
    for (char c : h) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                  c == ':' || c == '_';
        if (!ok) return false;
    }
    return true;
}

bool plain_port(const std::string& p) {
    if (p.empty() || p.size() > 5) return false;
    for (char c : p)
        if (c < '0' || c > '9') return false;
    int n = std::stoi(p);
    return n >= 1 && n <= 65535;
}

// The private key's PEM block, exactly as stored (an encrypted key stays encrypted:
// openvpn asks for its passphrase).
std::string key_block(const std::string& text, const std::string& path) {
    std::size_t begin = std::string::npos, pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        std::string_view line(text.data() + pos, (eol == std::string::npos ? text.size() : eol) - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        std::size_t next = eol == std::string::npos ? text.size() : eol + 1;
        if (begin == std::string::npos) {
            if (line.rfind("-----BEGIN ", 0) == 0 && line.size() >= 16 &&
                line.substr(line.size() - 16) == "PRIVATE KEY-----")
                begin = pos;
        } else if (line.rfind("-----END ", 0) == 0) {
            std::string block = text.substr(begin, next - begin);
            if (block.back() != '\n') block += '\n';
            return block;
        }
        pos = next;
    }
    throw PkiError(path + ": not a PEM private key");
}

}  // namespace

std::string inline_client_config(const PkiLayout& layout, const InlineClientOptions& o) {
    check_entity_name(o.name);
    if (!o.remote_host.empty() && !plain_host(o.remote_host))
        throw PkiError(fmt::format("--remote {}: not a host name or address", o.remote_host));
    if (!plain_port(o.remote_port)) throw PkiError(fmt::format("--remote port {}: expected 1-65535", o.remote_port));
    if (o.proto != "udp" && o.proto != "tcp") throw PkiError(fmt::format("--proto {}: expected udp or tcp", o.proto));

    auto cas = load_certs(layout.ca_cert());
    std::string cert_path = layout.cert(o.name);
    if (!file_exists(cert_path)) throw PkiError(fmt::format("{}: no issued certificate ({})", o.name, cert_path));
    auto cert = load_cert(cert_path);
    if (file_exists(layout.index())) {
        auto db = CaIndex::load(layout.index());
        auto* e = db.find_serial(serial_hex(X509_get0_serialNumber(cert.get())));
        if (e && e->status == 'R') throw PkiError(fmt::format("{}: certificate is revoked", o.name));
    }
    if (describe_usage(cert.get()).find("client") == std::string::npos)
        throw PkiError(fmt::format("{}: not a client certificate", cert_path));

    std::string head = fmt::format("# {}: client config made by `vpn pki inline client`\n", o.name);
    head += "client\ndev tun\n";
    head += o.proto == "udp" ? "proto udp\n" : "proto tcp-client\n";
    if (o.remote_host.empty()) {
        head += fmt::format(";remote YOUR-SERVER {}   # set your server's address here\n", o.remote_port);
    } else {
        head += fmt::format("remote {} {}\n", o.remote_host, o.remote_port);
    }
    head += "nobind\nremote-cert-tls server\n<ca>\n";
    for (const auto& c : cas) head += cert_to_pem(c.get());
    head += "</ca>\n<cert>\n" + cert_to_pem(cert.get()) + "</cert>\n<key>\n";

    // Every string below holds key material and is wiped on every path out.
    std::string key_path = layout.key(o.name);
    std::string key_text, tls_text, block, out;
    auto wipe_all = [&] {
        wipe(key_text);
        wipe(tls_text);
        wipe(block);
    };
    try {
        key_text = read_text_file(key_path, 1u << 20);
        bool encrypted = key_text.find("ENCRYPTED") != std::string::npos;
        if (!encrypted) check_key_matches(cert.get(), parse_private_key(key_text, key_path).get(), key_path, cert_path);
        block = key_block(key_text, key_path);
        tls_text = format_static_key(read_static_key_file(layout.tls_crypt_key()));
        // Sized once, so no reallocation leaves a copy of the key in freed memory.
        out.reserve(head.size() + block.size() + tls_text.size() + 64);
        out += head;
        out += block;
        out += "</key>\n<tls-crypt>\n";
        out += tls_text;
        out += "</tls-crypt>\n";
    } catch (const KeyFileError& e) {
        wipe_all();
        wipe(out);
        throw PkiError(e.what());
    } catch (...) {
        wipe_all();
        wipe(out);
        throw;
    }
    wipe_all();
    return out;
}

}  // namespace vpn::pki
