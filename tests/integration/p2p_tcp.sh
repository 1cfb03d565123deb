#!/usr/bin/env bash
# vpn <-> vpn static-key tunnel over TCP (proto tcp-server / tcp-client).
# Asserts, for each variant: both sides initialise and log "TCP connection
# established with", ping works both ways (all replies), 8 MB (4 MB) of random
# bytes client->server and 2 MB of compressible text server->client arrive
# byte-exact (TCP-in-TCP, so the framing must survive bulk data), SIGTERM ends
# both with status 0 and removes their tun devices.  Variants:
#   classic   bidirectional key, comp-lzo, default cipher (BF-CBC/SHA1)
#   dir01     key directions 0/1, no compression, default cipher
#   aes-lzo   AES-256-CBC/SHA256, key directions 0/1, comp-lzo
#   aes       AES-256-CBC/SHA256, directions 0/1, no compression (the shipped
#             static-*-tcp.conf settings, with keepalive 10 60)
# and one negative check: a client with a different key must NOT pass traffic.
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"

nt_init p2p_tcp
nt_need_vpn
tn_topology
key=$NT_DIR/static.key
nt_genkey "$NT_IMPL" "$key"
impl=$NT_IMPL

tn_session classic "$impl" "$impl" tcp "$key" - - "comp-lzo" "comp-lzo"
tn_traffic 8 2
tn_end

tn_session dir01 "$impl" "$impl" tcp "$key" 0 1
tn_traffic 4 2
tn_end

aes=$'cipher AES-256-CBC\nauth SHA256'
tn_session aes-lzo "$impl" "$impl" tcp "$key" 0 1 "$aes"$'\ncomp-lzo' "$aes"$'\ncomp-lzo'
tn_traffic 4 2
tn_end

tn_session aes "$impl" "$impl" tcp "$key" 0 1 "$aes"$'\nkeepalive 10 60' "$aes"$'\nkeepalive 10 60'
tn_traffic 4 2
tn_end

# Negative: the client has another key.  The TCP connection comes up, but every
# data packet fails authentication on the other side.
other=$NT_DIR/other.key
nt_genkey "$impl" "$other"
TN_NO_WAIT=1 TN_CLIENT_KEY=$other tn_session wrongkey "$impl" "$impl" tcp "$key" - -
nt_step "wrongkey: traffic must not flow"
nt_no_ping cli "$TN_SRV_TUN" || nt_fail "ping succeeded although the client uses another key"
if [[ $impl == vpn ]]; then
    nt_stats "$TN_S"
    bad=$(nt_stat "$NT_STATS" "drop bad-hmac")
    [[ ${bad:-0} -ge 1 ]] || nt_fail "server counted no bad-hmac drop for a wrong-key client (drop bad-hmac,${bad:-missing})"
fi
tn_end

nt_pass
