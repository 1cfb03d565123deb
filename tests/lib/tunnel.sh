# shellcheck shell=bash
# Static-key tunnel sessions between the namespaces "srv" (192.168.77.1, tunnel
# 10.0.0.1) and "cli" (192.168.77.2, tunnel 10.0.0.2), built on netns.sh.
#
#   tn_session LABEL SERVER_IMPL CLIENT_IMPL PROTO KEY SDIR CDIR [SERVER_EXTRA] [CLIENT_EXTRA]
#   tn_traffic MB          ping both ways + MB random client->server + text server->client
#   tn_end                 SIGTERM both, both exit 0, no tun device left behind
#
# PROTO is udp or tcp; SDIR/CDIR a key direction (0, 1) or "-" for bidirectional;
# *_EXTRA extra config lines (newline-separated), e.g. $'comp-lzo\ncipher AES-256-CBC'.
# With TN_NO_WAIT=1, tn_session returns once both tun devices are configured
# (for sessions that are expected not to come up); TN_CLIENT_KEY=FILE gives the
# client another key than the server.
# Roles are "LABEL-srv" and "LABEL-cli" (logs $NT_DIR/LABEL-srv.log ...); the
# current ones are in TN_S and TN_C.

# shellcheck source=netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

TN_PORT=1194
TN_SRV_TUN=10.0.0.1
TN_CLI_TUN=10.0.0.2

# tn_topology: the two namespaces (call once, after nt_init).
tn_topology() { nt_pair srv cli; }

# tn_conf FILE ROLE PROTO KEY DIR [EXTRA]: write one side's config.
tn_conf() {
    local file=$1 role=$2 proto=$3 key=$4 dir=$5 extra=${6:-}
    {
        echo "# $role side, written by tests/lib/tunnel.sh"
        echo "dev tun"
        if [[ $role == server ]]; then
            echo "ifconfig $TN_SRV_TUN $TN_CLI_TUN"
            [[ $proto == tcp ]] && echo "proto tcp-server" || echo "proto udp"
        else
            echo "remote $NT_NET.1"
            echo "ifconfig $TN_CLI_TUN $TN_SRV_TUN"
            [[ $proto == tcp ]] && echo "proto tcp-client" || echo "proto udp"
        fi
        echo "port $TN_PORT"
        if [[ $dir == - ]]; then echo "secret $key"; else echo "secret $key $dir"; fi
        echo "verb 3"
        if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
    } >"$file"
}

# tn_wait_listening NS PROTO PORT: until a socket is bound to PORT in NS.
tn_wait_listening() {
    local ns=$1 proto=$2 port=$3 deadline=$((SECONDS + NT_TIMEOUT)) flag=-lnu
    [[ $proto == tcp ]] && flag=-lnt
    until nt_exec "$ns" ss -H "$flag" "sport = :$port" 2>/dev/null | grep -q .; do
        ((SECONDS < deadline)) || nt_fail "nothing listens on $proto port $port in $ns after ${NT_TIMEOUT}s"
        sleep 0.1
    done
}

tn_session() {
    local label=$1 simpl=$2 cimpl=$3 proto=$4 key=$5 sdir=$6 cdir=$7 sextra=${8:-} cextra=${9:-}
    TN_S=$label-srv
    TN_C=$label-cli
    TN_PROTO=$proto
    NT_LOGS=()
    nt_step "$label: start $simpl server / $cimpl client over $proto"
    tn_conf "$NT_DIR/$TN_S.conf" server "$proto" "$key" "$sdir" "$sextra"
    tn_conf "$NT_DIR/$TN_C.conf" client "$proto" "${TN_CLIENT_KEY:-$key}" "$cdir" "$cextra"
    nt_start_peer "$simpl" srv "$TN_S" "$NT_DIR/$TN_S.conf"
    tn_wait_listening srv "$proto" "$TN_PORT"
    nt_start_peer "$cimpl" cli "$TN_C" "$NT_DIR/$TN_C.conf"
    NT_LOGS+=("$NT_DIR/$TN_S.conf" "$NT_DIR/$TN_C.conf")
    # Stock openvpn completes its initialisation only once the first packet from the
    # peer arrived (without ping/keepalive, the first OCC request is 10 s away), so
    # traffic is what brings the tunnel up: wait for both tun addresses, ping, then
    # require the "Initialization Sequence Completed" lines.
    tn_wait_tun srv "$TN_S" "$TN_SRV_TUN"
    tn_wait_tun cli "$TN_C" "$TN_CLI_TUN"
    [[ ${TN_NO_WAIT:-0} == 1 ]] && return 0
    nt_ping cli "$TN_SRV_TUN" 1 || nt_fail "$NT_WHY"
    nt_wait_ready "$TN_C"
    nt_wait_ready "$TN_S"
}

# tn_wait_tun NS ROLE ADDR: until ADDR is configured in NS (ROLE's tun is up).
tn_wait_tun() {
    local ns=$1 role=$2 addr=$3 deadline=$((SECONDS + NT_TIMEOUT))
    until ip -n "$(nt_ns "$ns")" -o -4 addr show 2>/dev/null | grep -qF " $addr "; do
        nt_alive "${NT_PID[$role]}" || nt_fail "$role died before configuring $addr"
        ((SECONDS < deadline)) || nt_fail "$role did not configure $addr within ${NT_TIMEOUT}s"
        sleep 0.1
    done
}

# tn_link_up: both sides logged the link (after some traffic has flowed).
tn_link_up() {
    local text="Peer Connection Initiated with"
    [[ $TN_PROTO == tcp ]] && text="TCP connection established with"
    nt_wait_role "$TN_S" "$text" 10
    nt_wait_role "$TN_C" "$text" 10
}

# tn_traffic [MB] [TEXT_MB]: pings both ways, MB of random bytes client->server and
# TEXT_MB of compressible text server->client, byte-exact.
tn_traffic() {
    local mb=${1:-8} tmb=${2:-2}
    nt_step "${TN_S%-srv}: ping"
    nt_ping cli "$TN_SRV_TUN" || nt_fail "$NT_WHY"
    nt_ping srv "$TN_CLI_TUN" || nt_fail "$NT_WHY"
    tn_link_up
    nt_step "${TN_S%-srv}: ${mb} MB random client->server"
    nt_transfer cli srv "$TN_SRV_TUN" "$(nt_payload random "$mb")" || nt_fail "$NT_WHY"
    if ((tmb > 0)); then
        nt_step "${TN_S%-srv}: ${tmb} MB text server->client"
        nt_transfer srv cli "$TN_CLI_TUN" "$(nt_payload text "$tmb")" 5002 || nt_fail "$NT_WHY"
    fi
}

# tn_end: SIGTERM both; each exits 0 and leaves no tun device in its namespace.
tn_end() {
    local role ns
    for role in "$TN_C" "$TN_S"; do
        ns=srv
        [[ $role == "$TN_C" ]] && ns=cli
        nt_step "${TN_S%-srv}: stop $role"
        nt_stop "$role"
        ((NT_RC == 0)) || nt_fail "$role (${NT_IMPL_OF[$role]}) exited with status $NT_RC after SIGTERM"
        [[ -z $(nt_tun_devices "$ns") ]] || nt_fail "$role left tun device(s) behind: $(nt_tun_devices "$ns" | xargs)"
    done
}
