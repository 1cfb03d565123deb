#include "p2p/tls_setup.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "client/credentials.hpp"
#include "common/crypto/algorithms.hpp"
#include "common/log/log.hpp"
#include "common/openvpn/ncp.hpp"
#include "common/openvpn/peer_info.hpp"
#include "p2p/mss_plan.hpp"
#include "p2p/tunnel_runner.hpp"
#include "pki/static_key.hpp"
#include "pki/tls_context.hpp"

namespace vpn::p2p {
namespace {

// ca/cert/key/crl for pki::TlsConfig: a path, or the inline PEM text.
std::string pem_of(const std::optional<config::PemSource>& s) {
    if (!s) return {};
    return s->inline_text ? *s->inline_text : s->path;
}

const char* tls_version_text(config::TlsVersion v) {
    switch (v) {
        case config::TlsVersion::V1_0: return "1.0";
        case config::TlsVersion::V1_1: return "1.1";
        case config::TlsVersion::V1_2: return "1.2";
        case config::TlsVersion::V1_3: return "1.3";
    }
    return "1.2";
}

pki::TlsConfig tls_config(const config::Options& o) {
    const auto& t = o.tls;
    pki::TlsConfig c;
    c.server = t.server;
    c.ca = pem_of(t.ca);
    c.cert = pem_of(t.cert);
    c.key = pem_of(t.key);
    c.crl = pem_of(t.crl_verify);
    c.dh = pem_of(t.dh);
    c.tls_version_min = tls_version_text(t.tls_version_min);
    if (t.tls_version_max) c.tls_version_max = tls_version_text(*t.tls_version_max);
    c.tls_cipher = t.tls_cipher.value_or("");
    c.tls_ciphersuites = t.tls_ciphersuites.value_or("");
    c.tls_groups = t.tls_groups.value_or("");
    if (t.remote_cert_tls)
        c.remote_cert_tls =
            *t.remote_cert_tls == config::PeerRole::Server ? pki::RemoteCertTls::Server : pki::RemoteCertTls::Client;
    if (t.verify_x509_name) {
        c.verify_x509_name = t.verify_x509_name->name;
        switch (t.verify_x509_name->type) {
            case config::X509NameType::Subject: c.verify_x509_type = pki::X509NameType::Subject; break;
            case config::X509NameType::Name: c.verify_x509_type = pki::X509NameType::Name; break;
            case config::X509NameType::NamePrefix: c.verify_x509_type = pki::X509NameType::NamePrefix; break;
        }
    }
    c.peer_fingerprints = t.peer_fingerprints;
    return c;
}

crypto::Key2 load_wrap_key(const config::KeySource& k) {
    try {
        if (k.inline_text) return pki::parse_static_key(*k.inline_text, k.origin.str());
        return pki::read_static_key_file(k.path);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("{}: {}", k.origin.str(), e.what()));
    }
}

ovpn::session::WrapConfig wrap_config(const config::Options& o) {
    ovpn::session::WrapConfig w;
    if (o.tls.tls_crypt) {
        w.mode = ovpn::control::WrapMode::TlsCrypt;
        w.key = load_wrap_key(*o.tls.tls_crypt);
    } else if (o.tls.tls_auth) {
        w.mode = ovpn::control::WrapMode::TlsAuth;
        w.key = load_wrap_key(*o.tls.tls_auth);
        w.direction = o.key_direction;
        w.auth = o.auth;
    }
    return w;
}

// An AEAD cipher's shape on the wire, for mssfix (2.6 recomputes it per key; the
// first data cipher is what nearly every session ends up with).
ChannelShape shape_of(const std::string& cipher, const std::string& auth) {
    ChannelShape s;
    s.opcode = 4;  // P_DATA_V2
    auto alg = crypto::CipherAlgorithm::fetch(cipher);
    if (alg.is_aead()) {
        s.crypto_overhead = 4 + 16;  // packet id + tag
        return s;
    }
    auto md = crypto::DigestAlgorithm::fetch(auth);
    s.block_size = alg.block_size() > 1 ? static_cast<std::size_t>(alg.block_size()) : 0;
    s.crypto_overhead = static_cast<std::size_t>(md.size() + alg.iv_length());
    s.packet_id = 4;
    return s;
}

}  // namespace

std::string tls_options_string(const config::Options& o, const std::string& cipher) {
    const bool tap = o.device_type() == config::DevType::Tap;
    const bool tcp = o.proto != config::Proto::Udp;
    auto alg = crypto::CipherAlgorithm::fetch(cipher);
    const bool aead = alg.is_aead();
    // link-mtu as 2.6 reports it for OCC: tun-mtu + opcode/peer-id + crypto overhead.
    int link_mtu = o.tun_mtu + (tap ? 32 : 0) + (o.lzo_framing() ? 1 : 0) + (tcp ? 2 : 0) + 1 + 4 +
                   (aead ? 16 + 38 : crypto::DigestAlgorithm::fetch(o.auth).size() + alg.iv_length() + alg.block_size() + 38);
    std::string proto = tcp ? (o.tls.server ? "TCPv4_SERVER" : "TCPv4_CLIENT") : "UDPv4";
    std::string s = fmt::format("V4,dev-type {},link-mtu {},tun-mtu {},proto {}", tap ? "tap" : "tun", link_mtu,
                                o.tun_mtu, proto);
    if (o.lzo_framing()) s += ",comp-lzo";
    s += fmt::format(",cipher {},auth {},keysize {},key-method 2,{}", cipher, aead ? "[null-digest]" : o.auth,
                     alg.key_length() * 8, o.tls.server ? "tls-server" : "tls-client");
    return s;
}

PreparedTls prepare_tls_tunnel(const config::Options& o) {
    PreparedTls p;
    TlsLinkConfig& c = p.link;
    c.server = o.tls.server;
    c.pull = o.tls.pull;
    c.ctx = pki::make_tls_context(tls_config(o));  // its errors already name the file or option

    auto& s = c.session;
    s.key_mode = o.tls.pull                        ? ovpn::session::KeyMode::PullClient
                 : o.mode == config::Mode::Server ? ovpn::session::KeyMode::Server
                                                   : ovpn::session::KeyMode::P2p;
    s.wrap = wrap_config(o);
    std::string ciphers;
    try {
        ciphers = ovpn::normalize_cipher_list(o.tls.data_ciphers);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("data-ciphers: {}", e.what()));
    }
    s.ncp.data_ciphers = ciphers;
    if (o.tls.data_ciphers_fallback)
        s.ncp.fallback = *o.tls.data_ciphers_fallback;
    else if (s.key_mode == ovpn::session::KeyMode::P2p && o.cipher_set)
        s.ncp.fallback = o.cipher;
    const std::string first_cipher = o.cipher_set ? o.cipher : ciphers.substr(0, ciphers.find(':'));
    s.options = tls_options_string(o, first_cipher);

    ovpn::PeerInfoParams pi;
    pi.mode = o.tls.pull                        ? ovpn::PeerInfoMode::Pull
              : o.mode == config::Mode::Server ? ovpn::PeerInfoMode::P2mpServer
                                                : ovpn::PeerInfoMode::P2p;
    pi.data_ciphers = ciphers;
    pi.implemented = s.implemented;
    pi.tun_max_mtu = std::max(1600, o.tun_mtu);
    pi.compression = o.lzo_framing() ? ovpn::CompressionAdvert::Lzo : ovpn::CompressionAdvert::Stubs;
    s.peer_info = ovpn::build_peer_info(pi);

    if (!o.tls.server && (o.tls.auth_user_pass || o.tls.auth_user_pass_stdin)) {
        auto cred = client::load_credentials(o.tls, [](const std::string& w) { log::warn("{}", w); });
        s.username = std::move(cred.username);
        s.password = std::move(cred.password);
    }
    s.hand_window_s = o.tls.hand_window;
    s.tran_window_s = o.tls.tran_window;
    s.data.auth = o.auth;
    s.data.replay_window = o.replay_window;
    s.data.replay_seconds = o.replay_window_seconds;

    c.reneg_sec = o.tls.reneg_sec;
    c.reneg_bytes = o.tls.reneg_bytes.value_or(0);
    c.reneg_pkts = o.tls.reneg_pkts;

    p.plan = plan_link(o);
    c.server_poll_timeout = o.connect.server_poll_timeout;
    c.restart_pause_ms = o.connect.connect_retry * 1000;
    if (o.proto == config::Proto::Udp && o.connect.connect_retry_max > 0)
        c.max_attempts = o.connect.connect_retry_max * static_cast<int>(std::max<std::size_t>(p.plan.remotes.size(), 1));
    c.peer = session_config(o);
    c.peer.occ_requests = false;
    c.peer.local_options = s.options;
    c.peer.mss = mss_for(o, shape_of(first_cipher, o.auth), p.plan);
    return p;
}

}  // namespace vpn::p2p
