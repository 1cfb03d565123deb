#pragma once
// `vpn pki inline client NAME`: one self-contained client config for stock openvpn 2.6
// or vpn, with the CA, the client's certificate and key and the PKI's tls-crypt key
// inline:
//
//   client / dev tun / proto udp / remote HOST PORT / nobind / remote-cert-tls server
//   <ca>..</ca> <cert>..</cert> <key>..</key> <tls-crypt>..</tls-crypt>
#include <string>

#include "pki/pki_layout.hpp"

namespace vpn::pki {

struct InlineClientOptions {
    std::string name;         // the client certificate (issued/NAME.crt)
    std::string remote_host;  // empty: a commented placeholder remote line
    std::string remote_port = "1194";
    std::string proto = "udp";  // "udp" or "tcp" (written as tcp-client)
};

// The config text.  It contains the client's private key: wipe() it after use.
// Throws PkiError: unknown or revoked NAME, key not matching the certificate, a
// missing ca.crt or tls-crypt key, a host or port that is not a plain token.
std::string inline_client_config(const PkiLayout& layout, const InlineClientOptions& o);

}  // namespace vpn::pki
