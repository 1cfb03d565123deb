# shellcheck shell=bash
# TLS-mode tunnel sessions between the namespaces "srv" (192.168.77.1, tunnel
# 10.8.0.1) and "cli" (192.168.77.2, pushed 10.8.0.2), built on netns.sh and
# tunnel.sh.  The server is `mode server` + `tls-server` with one static client
# address (ifconfig-push) and a pushed route 10.9.0.0/24; the client is `client`
# (pull) with `remote-cert-tls server`.
#
#   tl_pki DIR                    CA, server "server", client "client", CRL (made by $VPN_BIN pki)
#   tl_session LABEL SERVER_IMPL CLIENT_IMPL PROTO [SERVER_EXTRA] [CLIENT_EXTRA]
#                                 start both, wait for 10.8.0.2 on the client's tun, first ping
#   tl_traffic MB TEXT_MB         ping both ways, pushed route, byte-exact transfers
#   tn_end                        (tunnel.sh) SIGTERM both, status 0, no tun left
#
# *_EXTRA are extra config lines (newline-separated), e.g. $'data-ciphers AES-256-GCM'.
# TL_CLIENT_CERT / TL_CLIENT_KEY give the client another certificate than the
# PKI's "client" (tls_refusals.sh); with TL_NO_WAIT=1 tl_session returns as soon
# as both processes run.  Roles are "LABEL-srv" / "LABEL-cli" (TN_S / TN_C, so
# that tunnel.sh's tn_end applies).
#
# Stock openvpn refuses ifconfig-push in its main config (it belongs to a client
# context): when the server is openvpn it goes into client-config-dir/client;
# vpn accepts it in the main config.

# shellcheck source=tunnel.sh
source "$(dirname "${BASH_SOURCE[0]}")/tunnel.sh"

TL_PORT=1194
TL_SRV_TUN=10.8.0.1
TL_CLI_TUN=10.8.0.2
TL_PUSH_NET=10.9.0.0/24

# tl_vpn_pki ARGS...: `$VPN_BIN pki --dir $TL_PKI ARGS...`, failing the test on error.
tl_vpn_pki() {
    local out=$NT_DIR/pki.out
    timeout 30 "${VPN_BIN:?}" pki --dir "$TL_PKI" "$@" >"$out" 2>&1 ||
        nt_fail "vpn pki $* failed: $(tail -n 3 "$out")"
}

# tl_pki DIR: a fresh PKI in DIR (TL_PKI) made by the vpn binary, whatever NT_IMPL.
tl_pki() {
    TL_PKI=$1
    nt_step "PKI in $TL_PKI"
    tl_vpn_pki init
    tl_vpn_pki build-ca
    tl_vpn_pki issue server server
    tl_vpn_pki issue client client
    tl_vpn_pki gen-crl
    local f
    for f in ca.crt issued/server.crt private/server.key issued/client.crt private/client.key crl.pem; do
        [[ -s $TL_PKI/$f ]] || nt_fail "vpn pki made no $TL_PKI/$f"
    done
}

# tl_server_conf FILE IMPL PROTO [EXTRA]
tl_server_conf() {
    local file=$1 impl=$2 proto=$3 extra=${4:-} ccd
    {
        echo "# TLS server, written by tests/lib/tls.sh"
        echo "mode server"
        echo "tls-server"
        echo "dev tun"
        # openvpn: plain "tcp" is ambiguous without the `server` macro.
        if [[ $proto == tcp ]]; then echo "proto tcp-server"; else echo "proto $proto"; fi
        echo "port $TL_PORT"
        echo "ifconfig $TL_SRV_TUN $TL_CLI_TUN"
        if [[ $impl == openvpn ]]; then
            ccd=$file.ccd
            mkdir -p "$ccd"
            echo "ifconfig-push $TL_CLI_TUN $TL_SRV_TUN" >"$ccd/client"
            echo "client-config-dir $ccd"
        else
            echo "ifconfig-push $TL_CLI_TUN $TL_SRV_TUN"
        fi
        echo "push \"route ${TL_PUSH_NET%/*} 255.255.255.0\""
        echo "keepalive 2 10"
        echo "ca $TL_PKI/ca.crt"
        echo "cert $TL_PKI/issued/server.crt"
        echo "key $TL_PKI/private/server.key"
        echo "dh none"
        echo "verb 3"
        if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
    } >"$file"
}

# tl_client_conf FILE PROTO [EXTRA]
tl_client_conf() {
    local file=$1 proto=$2 extra=${3:-}
    {
        echo "# TLS client, written by tests/lib/tls.sh"
        echo "client"
        echo "dev tun"
        echo "proto $proto"
        echo "remote $NT_NET.1 $TL_PORT"
        echo "nobind"
        echo "ca $TL_PKI/ca.crt"
        echo "cert ${TL_CLIENT_CERT:-$TL_PKI/issued/client.crt}"
        echo "key ${TL_CLIENT_KEY:-$TL_PKI/private/client.key}"
        echo "remote-cert-tls server"
        echo "verb 3"
        if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
    } >"$file"
}

# tl_start_server LABEL IMPL PROTO [EXTRA]: the server alone (role LABEL-srv), listening.
tl_start_server() {
    local label=$1 impl=$2 proto=$3 extra=${4:-}
    TN_S=$label-srv
    TN_PROTO=$proto
    tl_server_conf "$NT_DIR/$TN_S.conf" "$impl" "$proto" "$extra"
    nt_start_peer "$impl" srv "$TN_S" "$NT_DIR/$TN_S.conf"
    NT_LOGS+=("$NT_DIR/$TN_S.conf")
    tl_wait_listening srv "$TN_S" "$proto" "$TL_PORT"
}

# tl_wait_listening NS ROLE PROTO PORT: until a socket is bound to PORT in NS
# (fails at once if ROLE died, e.g. on a config error).
tl_wait_listening() {
    local ns=$1 role=$2 proto=$3 port=$4 deadline=$((SECONDS + NT_TIMEOUT)) flag=-lnu
    [[ $proto == tcp ]] && flag=-lnt
    until nt_exec "$ns" ss -H "$flag" "sport = :$port" 2>/dev/null | grep -q .; do
        nt_alive "${NT_PID[$role]}" || nt_fail "$role (${NT_IMPL_OF[$role]}) exited before listening on $proto port $port"
        ((SECONDS < deadline)) || nt_fail "nothing listens on $proto port $port in $ns after ${NT_TIMEOUT}s"
        sleep 0.05
    done
}

# tl_start_client LABEL IMPL PROTO [EXTRA]: the client alone (role LABEL-cli).
tl_start_client() {
    local label=$1 impl=$2 proto=$3 extra=${4:-}
    TN_C=$label-cli
    tl_client_conf "$NT_DIR/$TN_C.conf" "$proto" "$extra"
    nt_start_peer "$impl" cli "$TN_C" "$NT_DIR/$TN_C.conf"
    NT_LOGS+=("$NT_DIR/$TN_C.conf")
}

tl_session() {
    local label=$1 simpl=$2 cimpl=$3 proto=$4 sextra=${5:-} cextra=${6:-}
    NT_LOGS=()
    nt_step "$label: start $simpl server / $cimpl client over $proto"
    tl_start_server "$label" "$simpl" "$proto" "$sextra"
    tl_start_client "$label" "$cimpl" "$proto" "$cextra"
    [[ ${TL_NO_WAIT:-0} == 1 ]] && return 0
    tn_wait_tun cli "$TN_C" "$TL_CLI_TUN"
    tn_wait_tun srv "$TN_S" "$TL_SRV_TUN"
    nt_wait_ready "$TN_C"
    nt_ping cli "$TL_SRV_TUN" 1 || nt_fail "$NT_WHY"
}

# tl_check_route NS DEV_ROLE: the pushed route is installed on NS's tun device.
tl_check_route() {
    local ns=$1 role=$2 deadline=$((SECONDS + 10)) dev routes
    dev=$(tl_tun_devices "$ns" | head -n 1)
    [[ -n $dev ]] || nt_fail "$role has no tun device in $ns"
    until routes=$(ip -n "$(nt_ns "$ns")" -4 route show "$TL_PUSH_NET" 2>/dev/null) && grep -q "dev $dev" <<<"$routes"; do
        ((SECONDS < deadline)) || nt_fail "pushed route $TL_PUSH_NET not installed on $dev in $ns (routes: $(ip -n "$(nt_ns "$ns")" -4 route show | paste -sd';'))"
        sleep 0.1
    done
}

# tl_traffic [MB] [TEXT_MB]: pings both ways (all replies), pushed route on the
# client's tun, MB random client->server and TEXT_MB text server->client byte-exact.
tl_traffic() {
    local mb=${1:-8} tmb=${2:-2} label=${TN_S%-srv}
    nt_step "$label: ping both ways"
    nt_ping cli "$TL_SRV_TUN" 3 || nt_fail "$NT_WHY"
    nt_ping srv "$TL_CLI_TUN" 3 || nt_fail "$NT_WHY"
    nt_step "$label: pushed route"
    tl_check_route cli "$TN_C"
    nt_step "$label: ${mb} MB random client->server"
    nt_transfer cli srv "$TL_SRV_TUN" "$(nt_payload random "$mb")" 5001 || nt_fail "$NT_WHY"
    if ((tmb > 0)); then
        nt_step "$label: ${tmb} MB text server->client"
        nt_transfer srv cli "$TL_CLI_TUN" "$(nt_payload text "$tmb")" 5002 || nt_fail "$NT_WHY"
    fi
}

# tl_has_addr NS ADDR: true if ADDR is configured in NS.
tl_has_addr() {
    ip -n "$(nt_ns "$1")" -o -4 addr show 2>/dev/null | grep -qF " $2/" ||
        ip -n "$(nt_ns "$1")" -o -4 addr show 2>/dev/null | grep -qF " $2 "
}

# tl_tun_devices NS: tun devices in NS, one a line (one `ip` call, quiet: cheap
# enough to poll; nt_tun_devices runs `ip -d` per link, which may print "Peer
# netns reference is invalid" for a veth).
tl_tun_devices() {
    ip -n "$(nt_ns "$1")" -o link show type tun 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}'
}

# tl_genkey FILE: a tls-auth / tls-crypt key made by stock openvpn.
tl_genkey() { nt_genkey openvpn "$1"; }
