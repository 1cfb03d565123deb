#pragma once
// Everything a TLS-mode tunnel needs that can be worked out before touching the
// system: the TLS context (certificates loaded and checked), the control-channel
// wrap key, the key-method-2 strings, the cipher negotiation inputs, the data
// session's settings and the link plan.
#include "common/config/options.hpp"
#include "p2p/link_plan.hpp"
#include "p2p/tls_link.hpp"

namespace vpn::p2p {

struct PreparedTls {
    TlsLinkConfig link;
    LinkPlan plan;
};

// Throws std::runtime_error with one line naming the config line or file at fault.
PreparedTls prepare_tls_tunnel(const config::Options& o);

// The OCC options string of key method 2 for a TLS peer (options.c: options_string),
// e.g. "V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,
// auth [null-digest],keysize 256,key-method 2,tls-client".  2.6 only compares it
// for warnings; `cipher` is the first data cipher (or --cipher).
std::string tls_options_string(const config::Options& o, const std::string& cipher);

}  // namespace vpn::p2p
