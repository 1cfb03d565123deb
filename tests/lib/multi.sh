# shellcheck shell=bash
# Multi-client server sessions (issue 4), built on netns.sh (+ tls.sh, tunnel.sh).
#
# Topology (mt_topology N): namespace "srv" holds a bridge br0 with 192.168.77.1/24;
# client namespaces c1..cN each hang on it by a veth pair (srv side "vc<i>",
# enslaved to br0; client side "veth0", 192.168.77.<10+i>/24).  Every client
# reaches the server at 192.168.77.1, and the server sees each client at its own
# real address (needed by the multi-client server to tell them apart).
#
#   mt_topology N                  srv + c1..cN (mt_add_client_ns NAME HOST for more)
#   mt_pki DIR CN...               CA, server cert "server", one client cert per CN, CRL
#   mt_server_conf FILE PROTO DEV [EXTRA]   server config: the parts every test shares
#   mt_client_conf FILE PROTO DEV CN [EXTRA]
#   mt_start_server ROLE CONF PROTO         $SERVER_IMPL in srv, until it listens
#   mt_start_client ROLE NS IMPL CONF
#   mt_wait_addr ROLE NS [TIMEOUT]          address on NS's tun/tap -> MT_ADDR
#   mt_status_wait FILE "CN..." [TIMEOUT]   status (version 2) lists exactly these CNs
#   mt_status_field FILE CN N               field N of CN's CLIENT_LIST line
#   mt_mgmt NS PORT CMD                     one management command, its answer on stdout
#   mt_ping_many "NS>IP" ...                all pairs in parallel, 3 replies each
#   mt_pinger_start NAME NS IP / mt_pinger_stop NAME   continuous ping, lost count
#
# What stock 2.6.14 does here (checked by running it; the tests assert it):
#   - pool (pool.c ifconfig_pool_find): a new CN gets the never-used entry that
#     comes first, a known CN its previous entry; a freed entry is handed to a NEW
#     CN only when no never-used one is left; ifconfig-push clients take no entry
#   - ifconfig-pool-persist FILE (default 600 s) is written on exit: "CN,IPv4,"
#     per entry that ever had a CN (IPv6 field empty)
#   - management `status` with no argument answers in the server's status-version
#   - status v2 ROUTING_TABLE also lists learned iroute hosts ("192.168.200.1C")
#
# Environment:
#   SERVER_IMPL  the server: vpn (default; else NT_IMPL's value) or openvpn (stock, validates the tests);
#                the same config file either way ($VPN_BIN CONF / openvpn --config CONF)
#   CLIENT_IMPL  mix (default: odd clients stock openvpn, even ones vpn), openvpn or vpn
#   VPN_BIN      the vpn binary (always needed: it makes the PKI, and the vpn clients)

# shellcheck source=tls.sh
source "$(dirname "${BASH_SOURCE[0]}")/tls.sh"

MT_SERVER_IMPL=${SERVER_IMPL:-${NT_IMPL:-vpn}}
MT_CLIENT_IMPL=${CLIENT_IMPL:-mix}
MT_PORT=1194
MT_SRV=$NT_NET.1
declare -gA MT_PINGER=()

# mt_check_impls: SERVER_IMPL / CLIENT_IMPL hold known values, VPN_BIN is usable.
mt_check_impls() {
    case $MT_SERVER_IMPL in vpn | openvpn) ;; *) nt_fail "SERVER_IMPL must be vpn or openvpn, not '$MT_SERVER_IMPL'" ;; esac
    case $MT_CLIENT_IMPL in mix | vpn | openvpn) ;; *) nt_fail "CLIENT_IMPL must be mix, vpn or openvpn, not '$MT_CLIENT_IMPL'" ;; esac
    nt_need_vpn
    [[ -x $NT_OPENVPN ]] || nt_fail "stock openvpn not found at $NT_OPENVPN (set OPENVPN_BIN)"
}

# mt_client_impl I: the implementation of client number I.
mt_client_impl() {
    if [[ $MT_CLIENT_IMPL != mix ]]; then
        echo "$MT_CLIENT_IMPL"
    elif (($1 % 2)); then
        echo openvpn
    else
        echo vpn
    fi
}

# ---------------------------------------------------------------- topology

# mt_add_client_ns NAME HOST: namespace NAME on the server's bridge, 192.168.77.HOST.
mt_add_client_ns() {
    local name=$1 host=$2 s
    s=$(nt_ns srv)
    nt_add_ns "$name"
    ip link add "vc$host" netns "$s" type veth peer name veth0 netns "$(nt_ns "$name")"
    ip -n "$s" link set "vc$host" master br0
    ip -n "$s" link set "vc$host" up
    ip -n "$(nt_ns "$name")" addr add "$NT_NET.$host/24" dev veth0
    ip -n "$(nt_ns "$name")" link set veth0 up
}

mt_topology() {
    local n=$1 i s
    nt_add_ns srv
    s=$(nt_ns srv)
    # No STP: ports forward at once.
    ip -n "$s" link add br0 type bridge stp_state 0
    ip -n "$s" addr add "$MT_SRV/24" dev br0
    ip -n "$s" link set br0 up
    for ((i = 1; i <= n; i++)); do
        mt_add_client_ns "c$i" $((10 + i))
    done
}

# ---------------------------------------------------------------- PKI and configs

# mt_pki DIR CN...: CA, server "server", one client certificate per CN, CRL.
mt_pki() {
    TL_PKI=$1
    shift
    nt_step "PKI in $TL_PKI ($# client certificates)"
    tl_vpn_pki init
    tl_vpn_pki build-ca
    tl_vpn_pki issue server server
    local cn
    for cn in "$@"; do
        tl_vpn_pki issue client "$cn"
        [[ -s $TL_PKI/issued/$cn.crt && -s $TL_PKI/private/$cn.key ]] || nt_fail "vpn pki made no certificate for $cn"
    done
    tl_vpn_pki gen-crl
    [[ -s $TL_PKI/crl.pem ]] || nt_fail "vpn pki made no $TL_PKI/crl.pem"
}

# mt_server_conf FILE PROTO DEV [EXTRA]: PROTO udp or tcp; EXTRA the test's own
# lines (server / topology / status ...), newline-separated.
mt_server_conf() {
    local file=$1 proto=$2 dev=$3 extra=${4:-}
    {
        echo "# multi-client server, written by tests/lib/multi.sh"
        echo "dev $dev"
        if [[ $proto == tcp ]]; then echo "proto tcp-server"; else echo "proto udp"; fi
        echo "port $MT_PORT"
        echo "ca $TL_PKI/ca.crt"
        echo "cert $TL_PKI/issued/server.crt"
        echo "key $TL_PKI/private/server.key"
        echo "dh none"
        echo "remote-cert-tls client"
        echo "verb 3"
        if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
    } >"$file"
}

# mt_client_conf FILE PROTO DEV CN [EXTRA]: a pull client with CN's certificate.
mt_client_conf() {
    local file=$1 proto=$2 dev=$3 cn=$4 extra=${5:-} crt key
    crt=${MT_CERT_DIR:-$TL_PKI/issued}/$cn.crt
    key=${MT_CERT_DIR:-$TL_PKI/private}/$cn.key
    {
        echo "# client $cn, written by tests/lib/multi.sh"
        echo "client"
        echo "dev $dev"
        if [[ $proto == tcp ]]; then echo "proto tcp-client"; else echo "proto udp"; fi
        echo "remote $MT_SRV $MT_PORT"
        echo "nobind"
        echo "ca $TL_PKI/ca.crt"
        echo "cert $crt"
        echo "key $key"
        echo "remote-cert-tls server"
        echo "verb 3"
        if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
    } >"$file"
}

# mt_start_server ROLE CONF PROTO: the server ($SERVER_IMPL) in srv, listening.
mt_start_server() {
    local role=$1 conf=$2 proto=$3
    nt_step "start the $MT_SERVER_IMPL server ($role, $proto)"
    nt_start_peer "$MT_SERVER_IMPL" srv "$role" "$conf"
    NT_LOGS+=("$conf")
    tl_wait_listening srv "$role" "$proto" "$MT_PORT"
}

# mt_start_client ROLE NS IMPL CONF
mt_start_client() {
    local role=$1 ns=$2 impl=$3 conf=$4
    nt_start_peer "$impl" "$ns" "$role" "$conf"
}

# mt_dev_addr NS: the IPv4 address (no prefix) on NS's tun/tap device, if any.
mt_dev_addr() {
    ip -n "$(nt_ns "$1")" -o -4 addr show 2>/dev/null |
        awk '$2 ~ /^(tun|tap)/ {split($4, a, "/"); print a[1]; exit}'
}

# mt_wait_addr ROLE NS [TIMEOUT]: until ROLE (a client in NS) has an address on
# its tun/tap and logged "Initialization Sequence Completed"; the address in MT_ADDR.
mt_wait_addr() {
    local role=$1 ns=$2 t=${3:-$NT_TIMEOUT} deadline
    deadline=$((SECONDS + t))
    MT_ADDR=""
    until MT_ADDR=$(mt_dev_addr "$ns") && [[ -n $MT_ADDR ]]; do
        nt_alive "${NT_PID[$role]}" || nt_fail "$role (${NT_IMPL_OF[$role]}) died before getting an address"
        ((SECONDS < deadline)) || nt_fail "$role (${NT_IMPL_OF[$role]}) got no address on a tun/tap within ${t}s"
        sleep 0.05
    done
    nt_wait_ready "$role" "$t"
}

# ---------------------------------------------------------------- status / management

# mt_status_snapshot FILE: a complete copy of the status file (one that ends in
# END: the server rewrites it in place) in MT_SNAP; returns 1 if none yet.
mt_status_snapshot() {
    MT_SNAP=$NT_DIR/status.snapshot
    local i
    for ((i = 0; i < 20; i++)); do
        if [[ -s $1 ]] && cp "$1" "$MT_SNAP" 2>/dev/null && [[ $(tail -n 1 "$MT_SNAP" | tr -d '\r') == END ]]; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# mt_status_cns FILE: the common names of the CLIENT_LIST lines (status-version 2), sorted.
mt_status_cns() {
    awk -F, '$1 == "CLIENT_LIST" {print $2}' "$1" | sort | xargs
}

# mt_sorted WORD...: the words, sorted, on one line.
mt_sorted() { printf '%s\n' "$@" | sort | xargs; }

# mt_status_wait FILE "CN..." [TIMEOUT]: until the status file lists exactly these
# CNs; returns 1 on timeout (MT_SEEN: what it listed last).
mt_status_wait() {
    local file=$1 want deadline=$((SECONDS + ${3:-$NT_TIMEOUT}))
    # shellcheck disable=SC2086
    want=$(mt_sorted $2)
    MT_SEEN="(no complete status file)"
    while :; do
        if mt_status_snapshot "$file"; then
            MT_SEEN=$(mt_status_cns "$MT_SNAP")
            [[ $MT_SEEN == "$want" ]] && return 0
        fi
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# mt_status_field FILE CN N: field N (1 = "CLIENT_LIST") of CN's CLIENT_LIST line
# in the latest complete snapshot of FILE.
mt_status_field() {
    mt_status_snapshot "$1" || return 0
    awk -F, -v cn="$2" -v n="$3" '$1 == "CLIENT_LIST" && $2 == cn {print $n; exit}' "$MT_SNAP"
}

# mt_mgmt NS PORT CMD: connect to the management interface at 127.0.0.1:PORT in
# NS, send CMD, print the answer (real-time '>' lines left out) up to END,
# SUCCESS: or ERROR:, then quit.  Bounded: 5 s a socket operation, 10 s in all.
mt_mgmt() {
    local ns=$1 port=$2 cmd=$3
    nt_exec "$ns" timeout 10 "$NT_PY" - "$port" "$cmd" <<'EOF'
import socket, sys
port, cmd = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
f = s.makefile("rb")
s.sendall(cmd.encode() + b"\n")
while True:
    line = f.readline()
    if not line:
        sys.exit("management: connection closed before the answer ended")
    text = line.decode(errors="replace").rstrip("\r\n")
    if text.startswith(">"):
        continue
    print(text)
    if text == "END" or text.startswith("SUCCESS:") or text.startswith("ERROR:"):
        break
s.sendall(b"quit\n")
s.close()
EOF
}

# mt_mgmt_cns NS PORT [CMD]: the common names in the answer to CMD (default
# `status`): CLIENT_LIST lines (status format 2 / 3) or, in format 1, the lines
# between the "Common Name,..." header and "ROUTING TABLE".  2.6 answers a bare
# `status` in the server's status-version (multi.c management_callback_status).
# The whole answer is left in $NT_DIR/mgmt-status.out.
mt_mgmt_cns() {
    local out
    out=$(mt_mgmt "$1" "$2" "${3:-status}" 2>&1) || nt_fail "management '${3:-status}' on port $2 failed: $out"
    printf '%s\n' "$out" >"$NT_DIR/mgmt-status.out"
    awk -F'[,\t]' '/^ROUTING TABLE/ {on = 0}
        on {print $1}
        /^Common Name,/ {on = 1}
        $1 == "CLIENT_LIST" {print $2}' <<<"$out" | sort | xargs
}

# ---------------------------------------------------------------- traffic

# mt_ping_many "NS>IP"...: from each NS ping IP until 3 replies (10 s bound),
# all pairs at once.  Returns 1 with NT_WHY naming every failed pair.
mt_ping_many() {
    local pair ns ip out i=0 got bad=()
    local -a pids=() outs=() pairs=()
    for pair in "$@"; do
        ns=${pair%%>*} ip=${pair#*>}
        out=$NT_DIR/pingmany.$i.out
        : >"$out"
        nt_spawn "$ns" "$out" ping -n -q -c 3 -i 0.05 -W 1 -w 10 "$ip"
        pids+=("$NT_LAST_PID") outs+=("$out") pairs+=("$ns->$ip")
        i=$((i + 1))
    done
    for ((i = 0; i < ${#pids[@]}; i++)); do
        nt_wait_exit "${pids[$i]}" 15 || { bad+=("${pairs[$i]}(hung)"); continue; }
        got=$(sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p' "${outs[$i]}")
        # -c 3 with -w: ping sends until 3 replies came (a first one lost while a
        # path settles is tolerated, as nt_ping does); a late reply may make it 4.
        ((${got:-0} >= 3)) || bad+=("${pairs[$i]}(${got:-0}/3: $(grep -E 'transmitted' "${outs[$i]}"))")
    done
    if ((${#bad[@]})); then
        NT_WHY="no ping replies for: ${bad[*]}"
        return 1
    fi
}

# mt_pinger_start NAME NS IP: ping IP from NS every 0.2 s (bounded: 90 s).
mt_pinger_start() {
    local name=$1 ns=$2 ip=$3 out=$NT_DIR/pinger-$1.out
    : >"$out"
    nt_spawn "$ns" "$out" ping -n -i 0.2 -W 1 -w 90 "$ip"
    MT_PINGER[$name]=$NT_LAST_PID
}

# mt_pinger_stop NAME: SIGINT the pinger; MT_SENT = echo requests, MT_LOST = those
# without a reply (the last one, possibly still in flight at the signal, is not
# counted either way), MT_LOST_SEQ the lost sequence numbers.
mt_pinger_stop() {
    local name=$1 pid=${MT_PINGER[$1]} out=$NT_DIR/pinger-$1.out
    kill -INT "$pid" 2>/dev/null || true
    nt_wait_exit "$pid" 5 || nt_fail "pinger $name (pid $pid) ignores SIGINT"
    MT_SENT=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$out")
    [[ -n $MT_SENT ]] || nt_fail "pinger $name printed no summary: $(tail -n 2 "$out" | paste -sd' ')"
    MT_LOST_SEQ=$(awk -v n="$MT_SENT" '
        match($0, /icmp_seq=[0-9]+/) && /bytes from/ {got[substr($0, RSTART + 9, RLENGTH - 9)] = 1}
        END {for (i = 1; i < n; i++) if (!(i in got)) printf "%d ", i}' "$out")
    MT_LOST=$(wc -w <<<"$MT_LOST_SEQ")
    MT_SENT=$((MT_SENT - 1))
}

# mt_pingers_check NAME...: stop these pingers; fail if any lost a reply or sent
# fewer than 5 requests.  Summary in MT_PING_SUMMARY.
mt_pingers_check() {
    local name bad=() sum=()
    for name in "$@"; do
        mt_pinger_stop "$name"
        sum+=("$name:$MT_SENT")
        ((MT_SENT >= 5)) || bad+=("$name sent only $MT_SENT requests")
        ((MT_LOST == 0)) || bad+=("$name lost $MT_LOST of $MT_SENT (icmp_seq $MT_LOST_SEQ)")
    done
    MT_PING_SUMMARY="pings ${sum[*]}, none lost"
    ((${#bad[@]} == 0)) || nt_fail "continuous pings lost replies: ${bad[*]}"
}

# mt_tun_counter NS DEV rx|tx: packets counter of DEV in NS.
mt_tun_counter() {
    nt_exec "$1" cat "/sys/class/net/$2/statistics/$3_packets"
}

# mt_stop_role ROLE: SIGTERM, wait (10 s), require exit status 0.
mt_stop_role() {
    nt_stop "$1"
    ((NT_RC == 0)) || nt_fail "$1 (${NT_IMPL_OF[$1]}) exited with status $NT_RC after SIGTERM"
}

# mt_stop_alive ROLE...: SIGTERM those still running (any status).
mt_stop_alive() {
    local role
    for role in "$@"; do
        [[ -n ${NT_PID[$role]:-} ]] || continue
        nt_alive "${NT_PID[$role]}" || continue
        nt_stop "$role"
    done
}
