#include "common/openvpn/ncp.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <climits>
#include <strings.h>

#include "common/crypto/aead_cipher.hpp"
#include "common/crypto/algorithms.hpp"
#include "common/log/log.hpp"

namespace vpn::ovpn {
namespace {

using crypto::CryptoError;

// Calls f(token) for each non-empty ':'-separated token (strtok semantics) until f
// returns true; returns whether it did.
template <class F>
bool for_each_token(std::string_view list, F f) {
    while (!list.empty()) {
        const auto colon = list.find(':');
        const std::string_view tok = list.substr(0, colon);
        if (!tok.empty() && f(tok)) return true;
        if (colon == std::string_view::npos) break;
        list.remove_prefix(colon + 1);
    }
    return false;
}

// sscanf("%d") after the variable name: optional blanks and sign, then digits.
int parse_int_prefix(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i < s.size() && s[i] == '+') ++i;
    long long v = 0;
    const auto r = std::from_chars(s.data() + i, s.data() + s.size(), v);
    // Out of int range is undefined for sscanf; we read it as "not a number".
    if (r.ec != std::errc() || v > INT_MAX || v < INT_MIN) return 0;
    return static_cast<int>(v);
}

// Data channel modes ssl_ncp.c: mutate_ncp_cipher_list accepts, minus OFB/CFB which
// our TlsDataChannel does not implement (practically unused; 2.6 would take them).
bool usable_mode(const crypto::CipherAlgorithm& a) {
    if (crypto::is_openvpn_aead(a)) return true;
    const unsigned long flags = EVP_CIPHER_get_flags(a.evp());
    // crypto_openssl.c: cipher_kt_mode_cbc also excludes CTS and encrypt-then-MAC composites.
    unsigned long refused = EVP_CIPH_FLAG_CTS;
#ifdef EVP_CIPH_FLAG_ENC_THEN_MAC
    refused |= EVP_CIPH_FLAG_ENC_THEN_MAC;
#endif
    return a.is_cbc() && !(flags & refused);
}

}  // namespace

std::string default_data_ciphers() {
    try {
        crypto::CipherAlgorithm::fetch("CHACHA20-POLY1305");
        return "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305";
    } catch (const CryptoError&) {
        return "AES-256-GCM:AES-128-GCM";
    }
}

std::string normalize_cipher_name(std::string_view name) {
    // Only the exact lower-case "none" is the null cipher here (strcmp in 2.6);
    // "NONE" is looked up like any other name and is unknown.
    if (name == "none") return "none";
    if (name.size() == 4 && strncasecmp(name.data(), "none", 4) == 0)
        throw CryptoError("Cipher " + std::string(name) + " not supported");
    const auto alg = crypto::CipherAlgorithm::fetch(name);
    if (alg.is_ofb_cfb())
        throw CryptoError("Cipher " + alg.name() + ": OFB/CFB data channel ciphers are not supported");
    if (!usable_mode(alg))
        throw CryptoError("Unsupported cipher algorithm '" + std::string(name) +
                          "'. It does not use CFB, OFB, CBC, or a supported AEAD mode");
    return alg.name();
}

std::string normalize_cipher_list(std::string_view list) {
    std::string out;
    bool error = false;
    for_each_token(list, [&](std::string_view tok) {
        const bool optional = tok.front() == '?';
        if (optional) tok.remove_prefix(1);
        std::string name;
        try {
            if (tok.empty()) throw CryptoError("empty cipher name");
            name = normalize_cipher_name(tok);
        } catch (const CryptoError& e) {
            log::warn("Unsupported {}cipher in --data-ciphers: {} ({})", optional ? "optional " : "", tok, e.what());
            error = error || !optional;
            return false;
        }
        if (name == "none")
            log::warn("WARNING: cipher 'none' specified for --data-ciphers. This allows negotiation of NO "
                      "encryption and tunnelled data WILL then be transmitted in clear text over the network!");
        if (!out.empty()) out += ':';
        out += name;
        return false;
    });
    if (out.size() > kMaxDataCiphersLen) {
        log::warn("Length of --data-ciphers is over the limit of 127 chars");
        error = true;
    }
    if (error || out.empty()) throw CryptoError("--data-ciphers list contains unsupported ciphers or is too long.");
    return out;
}

bool cipher_in_list(std::string_view item, std::string_view list) {
    return for_each_token(list, [&](std::string_view tok) { return tok == item; });
}

std::optional<std::string_view> peer_info_var(std::string_view peer_info, std::string_view var) {
    const auto at = peer_info.find(var);
    if (at == std::string_view::npos || var.empty()) return std::nullopt;
    std::string_view v = peer_info.substr(at + var.size());
    return v.substr(0, v.find('\n'));
}

int peer_info_ncp_version(std::string_view peer_info) {
    const auto v = peer_info_var(peer_info, "IV_NCP=");
    return v ? parse_int_prefix(*v) : 0;
}

int peer_info_mtu(std::string_view peer_info) {
    const auto v = peer_info_var(peer_info, "IV_MTU=");
    const int m = v ? parse_int_prefix(*v) : 0;
    return m > 0 ? m : 0;
}

unsigned peer_info_iv_proto(std::string_view peer_info) {
    const auto v = peer_info_var(peer_info, "IV_PROTO=");
    const int p = v ? parse_int_prefix(*v) : 0;
    return p > 0 ? static_cast<unsigned>(p) : 0u;
}

bool peer_supports_ncp(std::string_view peer_info) {
    return peer_info_ncp_version(peer_info) >= 2 || peer_info_var(peer_info, "IV_CIPHERS=").has_value();
}

std::string peer_cipher_list(std::string_view peer_info) {
    if (const auto v = peer_info_var(peer_info, "IV_CIPHERS=")) return std::string(*v);
    if (peer_info_ncp_version(peer_info) >= 2) return "AES-256-GCM:AES-128-GCM";
    return "";
}

std::string occ_remote_cipher(std::string_view options) {
    // options.c: options_string_extract_option -- an item "cipher X" at the start or
    // after a ',', with a non-empty value.
    constexpr std::string_view kName = "cipher ";
    std::string_view p = options;
    for (;;) {
        if (p.starts_with(kName) && p.size() > kName.size()) {
            std::string_view value = p.substr(kName.size());
            value = value.substr(0, value.find(','));
            return value == "[null-cipher]" ? std::string("none") : std::string(value);
        }
        const auto comma = p.find(',');
        if (comma == std::string_view::npos) return "";
        p.remove_prefix(comma + 1);
    }
}

std::optional<std::string> ncp_best_cipher(std::string_view server_list, std::string_view peer_info,
                                           std::string_view remote_cipher) {
    const std::string peer_list = peer_cipher_list(peer_info);
    // A peer that sends IV_CIPHERS is not assumed to accept its --cipher as well.
    if (peer_info_var(peer_info, "IV_CIPHERS=")) remote_cipher = "";
    std::optional<std::string> best;
    for_each_token(server_list, [&](std::string_view tok) {
        if (cipher_in_list(tok, peer_list) || tok == remote_cipher) best = std::string(tok);
        return best.has_value();
    });
    return best;
}

NcpResult negotiate_server_cipher(const NcpConfig& ours, std::string_view peer_info, std::string_view remote_cipher) {
    NcpResult r;
    r.push_cipher = peer_supports_ncp(peer_info);
    if (auto best = ncp_best_cipher(ours.data_ciphers, peer_info, remote_cipher)) {
        r.ok = true;
        r.cipher = std::move(*best);
        return r;
    }
    // multi.c: a fallback only for clients that told us nothing about their ciphers.
    const std::string peer_list = peer_cipher_list(peer_info);
    if (!peer_list.empty()) {
        r.error = "PUSH: No common cipher between server and client. Server data-ciphers: '" + ours.data_ciphers +
                  "', client supported ciphers '" + peer_list + "'";
    } else if (!remote_cipher.empty()) {
        r.error = "PUSH: No common cipher between server and client. Server data-ciphers: '" + ours.data_ciphers +
                  "', client supports cipher '" + std::string(remote_cipher) + "'";
    } else if (ours.fallback) {
        r.ok = true;
        r.cipher = *ours.fallback;
    } else {
        r.error = "PUSH: No NCP or OCC cipher data received from peer. Use --data-ciphers-fallback with the "
                  "cipher the client is using if you want to allow the client to connect";
    }
    return r;
}

NcpResult negotiate_client_cipher(const NcpConfig& ours, std::optional<std::string_view> pushed,
                                  std::string_view remote_cipher) {
    NcpResult r;
    if (pushed) {
        // ssl_ncp.c: check_session_cipher.
        if (cipher_in_list(*pushed, ours.data_ciphers) || (ours.fallback && *ours.fallback == *pushed)) {
            r.ok = true;
            r.cipher = std::string(*pushed);
        } else {
            r.error = "Error: negotiated cipher not allowed - " + std::string(*pushed) + " not in " + ours.data_ciphers;
        }
        return r;
    }
    // ssl_ncp.c: check_pull_client_ncp, tls_poor_mans_ncp.
    if (!remote_cipher.empty() && cipher_in_list(remote_cipher, ours.data_ciphers)) {
        r.ok = true;
        r.cipher = std::string(remote_cipher);
    } else if (remote_cipher.empty() && ours.fallback) {
        r.ok = true;
        r.cipher = *ours.fallback;
    } else if (!remote_cipher.empty()) {
        r.error = "OPTIONS ERROR: failed to negotiate cipher with server.  Add the server's cipher ('" +
                  std::string(remote_cipher) + "') to --data-ciphers (currently '" + ours.data_ciphers +
                  "') if you want to connect to this server.";
    } else {
        r.error = "OPTIONS ERROR: failed to negotiate cipher with server. Configure --data-ciphers-fallback "
                  "if you want to connect to this server.";
    }
    return r;
}

NcpResult negotiate_p2p_cipher(const NcpConfig& ours, std::string_view peer_info, bool we_are_tls_server) {
    NcpResult r;
    const auto peer_ciphers = peer_info_var(peer_info, "IV_CIPHERS=");
    if (peer_ciphers) {
        const std::string_view server_list = we_are_tls_server ? std::string_view(ours.data_ciphers) : *peer_ciphers;
        const std::string_view client_list = we_are_tls_server ? *peer_ciphers : std::string_view(ours.data_ciphers);
        for_each_token(server_list, [&](std::string_view tok) {
            if (!cipher_in_list(tok, client_list)) return false;
            r.ok = true;
            r.cipher = std::string(tok);
            return true;
        });
        if (r.ok) return r;
    }
    // init.c: do_deferred_p2p_ncp.
    if (ours.fallback) {
        r.ok = true;
        r.cipher = *ours.fallback;
    } else {
        r.error = "ERROR: failed to negotiate cipher with peer and --data-ciphers-fallback not enabled. "
                  "No usable data channel cipher";
    }
    return r;
}

}  // namespace vpn::ovpn
