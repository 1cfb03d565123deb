#!/usr/bin/env bash
# The multi-client server (issue 4): one server, 8 pull clients at once.
#
# Topology (tests/lib/multi.sh): namespace srv with a bridge br0 192.168.77.1/24,
# namespaces c1..c9 on it (192.168.77.11..19).  The server ($SERVER_IMPL: vpn, or
# stock openvpn to validate this script; the same config file) runs
#   server 10.8.0.0 255.255.255.0 / topology subnet / client-to-client /
#   keepalive 2 10 / status FILE 1 + status-version 2 / management 127.0.0.1 7505 /
#   client-config-dir (c3: ifconfig-push 10.8.0.77 + iroute 192.168.200.0/24) /
#   route + push "route 192.168.200.0 255.255.255.0" / ifconfig-pool-persist FILE /
#   crl-verify (the CRL revokes the certificate "revoked")
# Clients c1..c8 (distinct CNs c1..c8): odd ones stock openvpn, even ones vpn
# (CLIENT_IMPL=openvpn|vpn for all one kind).  c3 has 192.168.200.1/32 on a dummy
# interface (on lo if the kernel has no dummy module).
# A pass, for each proto (udp: proto udp; tcp: tcp-server / tcp-client):
#   1. clients start one after the other: each gets the address 2.6's pool hands
#      out in that order (c1 .2, c2 .3, c4 .4, ... c8 .8 — the CCD client takes no
#      pool address), c3 gets 10.8.0.77
#   2. every client pings 10.8.0.1 and every other client (client-to-client)
#   3. c1 and c2 ping 192.168.200.1 (the iroute behind c3)
#   4. status file (CLIENT_LIST Virtual Address too, ROUTING_TABLE has the iroute),
#      management `status` (answered in status-version 2, as 2.6 does) and
#      `status 1` (format 1) list exactly c1..c8
#   5. while c1->10.8.0.1, c2->c3 and c4->192.168.200.1 ping every 0.2 s, the
#      revoked client (c9; stock for udp, vpn for tcp) is refused: the server logs
#      "certificate revoked", c9 gets no address for 4 s (REVOKE_WATCH) while it
#      retries, the status file still lists c1..c8 only; the pingers lose nothing
#   6. clients stopped, server stopped (status 0): the persist file lists the 7 pool
#      clients with their addresses; server started again, clients started in the
#      REVERSE order: each gets its previous address (without the persist file the
#      pool would hand them out the other way round); all ping the server
#   7. server stopped and started again under the running clients: within 30 s
#      (RECONNECT_BOUND; UDP clients need their ping-restart, 10 s) every client
#      logs a new "Initialization Sequence Completed" by itself, has its address
#      again (persist file), pings the server; the status file lists c1..c8
#
# Run as root: SERVER_IMPL=openvpn VPN_BIN=build/vpn bash tests/integration/server_multi.sh [udp|tcp]
# (MULTI_PROTOS="udp tcp" is the default; an argument overrides it.)
set -euo pipefail
source "$(dirname "$0")/../lib/multi.sh"

nt_init server_multi
mt_check_impls
protos=${1:-${MULTI_PROTOS:-udp tcp}}
N=8
CCD_CN=c3
CCD_ADDR=10.8.0.77
IROUTE_NET=192.168.200.0
IROUTE_HOST=192.168.200.1
MGMT_PORT=7505
SRV_TUN=10.8.0.1
# UDP clients notice a silent server by ping-restart (10 s, pushed by keepalive 2 10).
RECONNECT_BOUND=${RECONNECT_BOUND:-30}

mt_topology 9
cns=()
for ((i = 1; i <= N; i++)); do cns+=("c$i"); done
mt_pki "$NT_DIR/pki" "${cns[@]}" revoked
# revoke moves the files away (easy-rsa layout): keep a copy for the refused client.
mkdir -p "$NT_DIR/revoked-cert"
cp "$TL_PKI/issued/revoked.crt" "$TL_PKI/private/revoked.key" "$NT_DIR/revoked-cert/"
tl_vpn_pki revoke revoked keyCompromise
tl_vpn_pki gen-crl
# A dummy interface where the kernel has the module; else lo (same effect: a
# local /32 behind the client, no connected route clashing with the pushed one).
if nt_exec c3 ip link add dummy0 type dummy 2>/dev/null; then
    nt_exec c3 ip link set dummy0 up
    nt_exec c3 ip addr add "$IROUTE_HOST/32" dev dummy0
else
    nt_exec c3 ip addr add "$IROUTE_HOST/32" dev lo
fi

# The pool order: 2.6 hands the lowest never-used address to a new CN; the CCD
# client's static address takes no pool entry.
declare -A WANT=()
next=2
for cn in "${cns[@]}"; do
    if [[ $cn == "$CCD_CN" ]]; then WANT[$cn]=$CCD_ADDR; else WANT[$cn]=10.8.0.$next; next=$((next + 1)); fi
done

DONE=()

# server_conf FILE PROTO
server_conf() {
    local file=$1 proto=$2 ccd=$NT_DIR/ccd
    mkdir -p "$ccd"
    printf 'ifconfig-push %s 255.255.255.0\niroute %s 255.255.255.0\n' "$CCD_ADDR" "$IROUTE_NET" >"$ccd/$CCD_CN"
    mt_server_conf "$file" "$proto" tun "server 10.8.0.0 255.255.255.0
topology subnet
client-to-client
keepalive 2 10
status $NT_DIR/status-$proto.txt 1
status-version 2
management 127.0.0.1 $MGMT_PORT
client-config-dir $ccd
route $IROUTE_NET 255.255.255.0
push \"route $IROUTE_NET 255.255.255.0\"
ifconfig-pool-persist $NT_DIR/ipp-$proto.txt
crl-verify $TL_PKI/crl.pem"
}

# start_clients PROTO CN...: one after the other, each up before the next; checks
# each one's address against WANT.
start_clients() {
    local proto=$1 cn role i
    shift
    for cn in "$@"; do
        i=${cn#c}
        role=$proto-$cn
        mt_client_conf "$NT_DIR/$role.conf" "$proto" tun "$cn"
        mt_start_client "$role" "$cn" "$(mt_client_impl "$i")" "$NT_DIR/$role.conf"
        mt_wait_addr "$role" "$cn"
        [[ $MT_ADDR == "${WANT[$cn]}" ]] ||
            nt_fail "$role (${NT_IMPL_OF[$role]}) got $MT_ADDR, expected ${WANT[$cn]} (2.6's pool order / ifconfig-push)"
    done
}

one_pass() {
    local proto=$1 srole=$1-srv conf=$NT_DIR/$1-srv.conf status=$NT_DIR/status-$1.txt
    local ipp=$NT_DIR/ipp-$1.txt cn dn pairs=() got want t0=$SECONDS
    NT_LOGS=()
    server_conf "$conf" "$proto"
    mt_start_server "$srole" "$conf" "$proto"

    nt_step "$proto: start ${cns[*]} one after the other"
    start_clients "$proto" "${cns[@]}"

    nt_step "$proto: every client pings the server and every other client"
    for cn in "${cns[@]}"; do
        pairs+=("$cn>$SRV_TUN")
        for dn in "${cns[@]}"; do
            [[ $dn == "$cn" ]] || pairs+=("$cn>${WANT[$dn]}")
        done
    done
    mt_ping_many "${pairs[@]}" || nt_fail "$NT_WHY"

    nt_step "$proto: iroute $IROUTE_NET/24 behind $CCD_CN"
    mt_ping_many "c1>$IROUTE_HOST" "c2>$IROUTE_HOST" || nt_fail "$NT_WHY"

    nt_step "$proto: status file and management list exactly ${cns[*]}"
    mt_status_wait "$status" "${cns[*]}" 10 ||
        nt_fail "$proto: status file lists '$MT_SEEN', expected '$(mt_sorted "${cns[@]}")'"
    for cn in "${cns[@]}"; do
        got=$(mt_status_field "$status" "$cn" 4)
        [[ $got == "${WANT[$cn]}" ]] || nt_fail "$proto: status file gives $cn Virtual Address '$got', expected ${WANT[$cn]}"
    done
    grep -qE "^ROUTING_TABLE,$IROUTE_NET/24,$CCD_CN," "$MT_SNAP" ||
        nt_fail "$proto: status ROUTING_TABLE has no $IROUTE_NET/24 for $CCD_CN: $(grep '^ROUTING_TABLE' "$MT_SNAP" | paste -sd'|')"
    want=$(mt_sorted "${cns[@]}")
    got=$(mt_mgmt_cns srv "$MGMT_PORT" status)
    [[ $got == "$want" ]] || nt_fail "$proto: management 'status' lists '$got', expected '$want' (answer: $(paste -sd'|' "$NT_DIR/mgmt-status.out"))"
    grep -q '^HEADER,CLIENT_LIST,' "$NT_DIR/mgmt-status.out" ||
        nt_fail "$proto: management 'status' did not answer in status-version 2 (as 2.6 does): $(head -n 3 "$NT_DIR/mgmt-status.out" | paste -sd'|')"
    got=$(mt_mgmt_cns srv "$MGMT_PORT" "status 1")
    [[ $got == "$want" ]] || nt_fail "$proto: management 'status 1' lists '$got', expected '$want' (answer: $(paste -sd'|' "$NT_DIR/mgmt-status.out"))"
    grep -qx 'OpenVPN CLIENT LIST' "$NT_DIR/mgmt-status.out" ||
        nt_fail "$proto: management 'status 1' is not in format 1: $(head -n 3 "$NT_DIR/mgmt-status.out" | paste -sd'|')"

    nt_step "$proto: revoked client refused while others ping"
    mt_pinger_start p1 c1 "$SRV_TUN"
    mt_pinger_start p2 c2 "$CCD_ADDR"
    mt_pinger_start p4 c4 "$IROUTE_HOST"
    local before rrole=$proto-revoked rimpl=openvpn
    [[ $proto == tcp ]] && rimpl=vpn
    [[ $MT_CLIENT_IMPL != mix ]] && rimpl=$MT_CLIENT_IMPL
    before=$(nt_count_log "${NT_LOG[$srole]}" "certificate revoked")
    MT_CERT_DIR=$NT_DIR/revoked-cert mt_client_conf "$NT_DIR/$rrole.conf" "$proto" tun revoked
    mt_start_client "$rrole" c9 "$rimpl" "$NT_DIR/$rrole.conf"
    # Watch for at least REVOKE_WATCH s (4) and until the server refused it: the
    # revoked client must never get an address meanwhile (it keeps retrying).
    local t_start=$SECONDS deadline=$((SECONDS + 15)) watch=${REVOKE_WATCH:-4} refused=0
    while ((refused == 0 || SECONDS < t_start + watch)); do
        (($(nt_count_log "${NT_LOG[$srole]}" "certificate revoked") > before)) && refused=1
        [[ -z $(mt_dev_addr c9) ]] || nt_fail "$proto: the revoked client got address $(mt_dev_addr c9)"
        ((refused == 1 || SECONDS < deadline)) || nt_fail "$proto: the server logged no 'certificate revoked' within 15s of the revoked client starting"
        nt_alive "${NT_PID[$srole]}" || nt_fail "$proto: the server died while refusing the revoked client"
        sleep 0.1
    done
    mt_status_wait "$status" "${cns[*]}" 5 || nt_fail "$proto: with the revoked client refused, the status file lists '$MT_SEEN'"
    mt_stop_alive "$rrole"
    mt_pingers_check p1 p2 p4
    nt_step "$proto: $MT_PING_SUMMARY"

    nt_step "$proto: stop clients and server; persist file"
    for cn in "${cns[@]}"; do mt_stop_role "$proto-$cn"; done
    mt_stop_role "$srole"
    [[ -s $ipp ]] || nt_fail "$proto: the server wrote no ifconfig-pool-persist file $ipp"
    got=$(awk -F, 'NF >= 2 && $1 !~ /^[#;]/ {print $1 "=" $2}' "$ipp" | sort | xargs)
    want=$(for cn in "${cns[@]}"; do [[ $cn == "$CCD_CN" ]] || echo "$cn=${WANT[$cn]}"; done | sort | xargs)
    [[ $got == "$want" ]] || nt_fail "$proto: persist file holds '$got', expected '$want'"

    nt_step "$proto: restart the server, clients in reverse order get the same addresses"
    NT_LOGS=()
    mt_start_server "$srole-2" "$conf" "$proto"
    local rev=()
    for ((i = ${#cns[@]} - 1; i >= 0; i--)); do rev+=("${cns[$i]}"); done
    nt_step "$proto: clients again, in reverse order: ${rev[*]}"
    start_clients "$proto" "${rev[@]}"
    pairs=()
    for cn in "${cns[@]}"; do pairs+=("$cn>$SRV_TUN"); done
    pairs+=("c8>${WANT[c1]}" "c1>$IROUTE_HOST")
    mt_ping_many "${pairs[@]}" || nt_fail "$proto (after restart): $NT_WHY"
    mt_status_wait "$status" "${cns[*]}" 10 || nt_fail "$proto (after restart): status file lists '$MT_SEEN'"

    nt_step "$proto: restart the server under running clients; they come back by themselves"
    declare -A inits=()
    for cn in "${cns[@]}"; do inits[$cn]=$(nt_count_log "${NT_LOG[$proto-$cn]}" "Initialization Sequence Completed"); done
    mt_stop_role "$srole-2"
    mt_start_server "$srole-3" "$conf" "$proto"
    local deadline=$((SECONDS + RECONNECT_BOUND)) waiting
    while :; do
        waiting=()
        for cn in "${cns[@]}"; do
            nt_alive "${NT_PID[$proto-$cn]}" || nt_fail "$proto: $proto-$cn exited after the server restart"
            (($(nt_count_log "${NT_LOG[$proto-$cn]}" "Initialization Sequence Completed") > inits[$cn])) || waiting+=("$cn")
        done
        ((${#waiting[@]} == 0)) && break
        ((SECONDS < deadline)) || nt_fail "$proto: ${waiting[*]} did not reconnect within ${RECONNECT_BOUND}s of the server restart"
        sleep 0.2
    done
    for cn in "${cns[@]}"; do
        MT_ADDR=""
        NT_TIMEOUT=10 mt_wait_addr "$proto-$cn" "$cn"
        [[ $MT_ADDR == "${WANT[$cn]}" ]] || nt_fail "$proto: after reconnecting by itself $cn has $MT_ADDR, expected ${WANT[$cn]} again"
    done
    pairs=()
    for cn in "${cns[@]}"; do pairs+=("$cn>$SRV_TUN"); done
    pairs+=("c2>${WANT[c7]}")
    mt_ping_many "${pairs[@]}" || nt_fail "$proto (clients reconnected by themselves): $NT_WHY"
    mt_status_wait "$status" "${cns[*]}" 10 || nt_fail "$proto (clients reconnected by themselves): status file lists '$MT_SEEN'"
    for cn in "${cns[@]}"; do mt_stop_role "$proto-$cn"; done
    mt_stop_role "$srole-3"
    DONE+=("$proto($((SECONDS - t0))s)")
}

for p in $protos; do
    case $p in udp | tcp) one_pass "$p" ;; *) nt_fail "unknown proto '$p' (udp or tcp)" ;; esac
done
nt_pass "server=$MT_SERVER_IMPL clients=$MT_CLIENT_IMPL: ${DONE[*]}"
