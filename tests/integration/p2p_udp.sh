#!/usr/bin/env bash
# vpn <-> vpn static-key tunnel over UDP.
# Asserts, for each variant: both sides initialise and log the peer, ping works
# both ways (all replies), 8 MB (4 MB) of random bytes client->server and 2 MB of
# compressible text server->client arrive byte-exact, SIGTERM ends both with
# status 0 and removes their tun devices.  Variants:
#   classic   bidirectional key, comp-lzo, default cipher (BF-CBC/SHA1)
#   dir01     key directions 0/1, no compression, default cipher
#   aes-lzo   AES-256-CBC/SHA256, key directions 0/1, comp-lzo
#   aes       AES-256-CBC/SHA256, bidirectional, no compression
# and one negative check: both sides with key direction 0 must NOT pass traffic
# (their HMAC keys differ), so the tunnel test can fail.
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"

nt_init p2p_udp
nt_need_vpn
tn_topology
key=$NT_DIR/static.key
nt_genkey "$NT_IMPL" "$key"
impl=$NT_IMPL

tn_session classic "$impl" "$impl" udp "$key" - - "comp-lzo" "comp-lzo"
tn_traffic 8 2
tn_end

tn_session dir01 "$impl" "$impl" udp "$key" 0 1
tn_traffic 4 2
tn_end

aes=$'cipher AES-256-CBC\nauth SHA256'
tn_session aes-lzo "$impl" "$impl" udp "$key" 0 1 "$aes"$'\ncomp-lzo' "$aes"$'\ncomp-lzo'
tn_traffic 4 2
tn_end

tn_session aes "$impl" "$impl" udp "$key" - - "$aes" "$aes"
tn_traffic 4 2
tn_end

# Negative: the same direction on both ends means each side authenticates with
# the key the other expects for the opposite direction: every packet is dropped.
TN_NO_WAIT=1 tn_session baddir "$impl" "$impl" udp "$key" 0 0
nt_step "baddir: traffic must not flow"
nt_no_ping cli "$TN_SRV_TUN" || nt_fail "ping succeeded although both sides use key direction 0"
if [[ $impl == vpn ]]; then
    nt_stats "$TN_S"
    bad=$(nt_stat "$NT_STATS" "drop bad-hmac")
    [[ ${bad:-0} -ge 1 ]] || nt_fail "server counted no bad-hmac drop for wrong-direction packets (drop bad-hmac,${bad:-missing})"
fi
tn_end

nt_pass
