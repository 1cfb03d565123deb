// TlsSession, key method 2 and data-channel keys (openvpn-wire.md §7, §8.2-§8.3;
// ssl.c: key_method_2_write / key_method_2_read, tls_session_generate_data_channel_keys;
// init.c: do_deferred_options; multi.c: multi_client_set_protocol_options).
#include <fmt/format.h>

#include "common/openvpn/push_reply.hpp"
#include "common/openvpn/session/tls_session.hpp"
#include "common/openvpn/tls_key_derivation.hpp"

namespace vpn::ovpn::session {

void TlsSession::send_key_method_2(KeyState& ks) {
    try {
        ks.local_source = KeySource::generate(!server_);
        KeyMethod2 m;
        m.source = ks.local_source;
        m.options = cfg_.options;
        if (!server_) {
            m.username = cfg_.username;
            m.password = cfg_.password;
        }
        m.peer_info = cfg_.peer_info;
        crypto::SecureBuffer msg = build_key_method_2(m);
        if (!ks.tls.write_record(msg.span())) {
            fail("TLS Error: cannot write key method 2: " + ks.tls.failure());
            return;
        }
    } catch (const std::exception& e) {
        fail(std::string("TLS Error: key method 2: ") + e.what());
        return;
    }
    ks.km2_sent = true;
}

void TlsSession::on_peer_key_method_2(KeyState& ks, Bytes record) {
    KeyMethod2Result r = parse_key_method_2(record, /*from_client=*/server_);
    if (!r.ok) {
        fail("TLS Error: key method 2 from peer: " + r.error);
        return;
    }
    ks.peer_source = std::move(r.message.source);
    ks.km2_received = true;
    if (server_) {
        send_key_method_2(ks);  // ssl.c: the server writes its own after reading the client's
        if (state_ == State::Failed) return;
    }
    if (ks.key_id != 0) {
        // A renegotiation keeps what key 0 settled (§5.8: no new push).
        derive_keys(ks, ekm_, cipher_);
        return;
    }
    peer_options_ = std::move(r.message.options);
    peer_info_ = std::move(r.message.peer_info);
    peer_username_ = std::move(r.message.username);
    peer_password_ = std::move(r.message.password);
    peer_cn_ = ks.tls.peer_common_name();
    hand_deadline_ms_.reset();
    events_.push_back(SessionEvent{SessionEvent::Kind::Established, ks.key_id});

    const unsigned peer_proto = peer_info_iv_proto(peer_info_);
    switch (cfg_.key_mode) {
        case KeyMode::PullClient:
            state_ = State::WaitPush;
            return;
        case KeyMode::Server: {
            // multi.c: multi_client_set_protocol_options; push.c: prepare_push_reply.
            ProtocolChoice choice = server_protocol_choice(peer_proto, cfg_.implemented);
            NcpResult ncp = negotiate_server_cipher(cfg_.ncp, peer_info_, occ_remote_cipher(peer_options_));
            if (!ncp.ok) {
                fail(ncp.error);
                return;
            }
            push_options_.clear();
            if (ncp.push_cipher) push_options_.push_back("cipher " + ncp.cipher);
            for (auto& o : protocol_push_options(choice)) push_options_.push_back(std::move(o));
            derive_keys(ks, choice.tls_ekm, ncp.cipher);
            return;
        }
        case KeyMode::P2p: {
            ProtocolChoice choice = p2p_protocol_choice(peer_proto, cfg_.implemented);
            NcpResult ncp = negotiate_p2p_cipher(cfg_.ncp, peer_info_, server_);
            if (!ncp.ok) {
                fail(ncp.error);
                return;
            }
            derive_keys(ks, choice.tls_ekm, ncp.cipher);
            return;
        }
    }
}

void TlsSession::on_push_reply(KeyState& ks, const std::string& text) {
    PushReplyResult r = parse_push_reply(text);
    if (!r.ok) {
        fail("PUSH_REPLY refused: " + r.error);
        return;
    }
    std::vector<std::string> warnings;
    for (const auto& words : r.reply.options) {
        if (words.empty()) continue;
        if (words[0] == "cipher" && words.size() >= 2)
            pushed_cipher_ = words[1];
        else
            apply_protocol_option(words, cfg_.implemented, pushed_, warnings);
    }
    if (r.reply.continuation == 2) return;  // more of the set follows
    // init.c: do_deferred_options -> ssl_ncp.c: check_pull_client_ncp.
    NcpResult ncp = negotiate_client_cipher(cfg_.ncp, pushed_cipher_, occ_remote_cipher(peer_options_));
    if (!ncp.ok) {
        fail(ncp.error);
        return;
    }
    derive_keys(ks, pushed_.tls_ekm, ncp.cipher);
}

void TlsSession::derive_keys(KeyState& ks, bool ekm, const std::string& cipher) {
    try {
        crypto::Key2 key2;
        if (ekm) {
            crypto::SecureBuffer out(kKey2Len);
            if (!ks.tls.export_keying_material(kEkmDataKeysLabel, out.span())) {
                fail("TLS Error: keying material export failed");
                return;
            }
            key2 = key2_from_ekm(out.span());
        } else {
            // pitfall §11.6: the TLS client's session id first.
            const control::SessionId remote = *ks.link.remote_session();
            const control::SessionId& client_sid = server_ ? remote : local_sid_;
            const control::SessionId& server_sid = server_ ? local_sid_ : remote;
            const KeySource& client_src = server_ ? ks.peer_source : ks.local_source;
            const KeySource& server_src = server_ ? ks.local_source : ks.peer_source;
            key2 = derive_key2_prf(client_src, server_src, client_sid, server_sid);
        }
        TlsChannelParams p = cfg_.data;
        p.cipher = cipher;
        SessionEvent e{SessionEvent::Kind::KeysReady, ks.key_id};
        e.channel = std::make_unique<TlsDataChannel>(key2, server_ ? TlsRole::Server : TlsRole::Client, p);
        e.text = fmt::format("{}, {}", cipher, ekm ? "tls-ekm" : "tls-prf");
        ks.keys_done = true;
        ekm_ = ekm;
        cipher_ = cipher;
        state_ = State::Active;
        events_.push_back(std::move(e));
    } catch (const std::exception& e) {
        fail(std::string("TLS Error: data channel keys: ") + e.what());
    }
}

}  // namespace vpn::ovpn::session
