#!/usr/bin/env bash
# The multi-client server with `dev tap` (issue 4): Ethernet between clients.
#
# Topology (tests/lib/multi.sh): srv with bridge br0 192.168.77.1/24, c1, c2 on it.
# Server ($SERVER_IMPL; same config for vpn and stock openvpn):
#   dev tap / server 10.8.0.0 255.255.255.0 / client-to-client / keepalive 2 10
# 2.6 expands `server` for tap to ifconfig 10.8.0.1 255.255.255.0, ifconfig-pool
# 10.8.0.2 10.8.0.254 and push "route-gateway 10.8.0.1"; with client-to-client
# the server switches frames between clients by destination MAC (and floods
# broadcasts such as ARP requests to every other client).
# Clients (dev tap): c1 stock openvpn, c2 vpn (CLIENT_IMPL for one kind); over
# udp, then tcp (TAP_PROTOS to choose).  Asserts, each pass:
#   1. c1 gets 10.8.0.2, c2 10.8.0.3 (started in this order)
#   2. both ping the server's 10.8.0.1
#   3. neighbour tables flushed, c1 pings c2 and c2 pings c1: each resolved the
#      other's address by ARP across the server to the other's real tap MAC (the
#      neighbour entry's lladdr equals the MAC of the other namespace's tap), and
#      the server's tap saw none of that unicast traffic (client-to-client is
#      switched inside the server: its tap rx counter grows by less than the
#      pings exchanged; the ARP broadcasts may reach it)
#
# Run as root: SERVER_IMPL=openvpn VPN_BIN=build/vpn bash tests/integration/server_tap.sh
set -euo pipefail
source "$(dirname "$0")/../lib/multi.sh"

nt_init server_tap
mt_check_impls
SRV_TAP=10.8.0.1
protos=${TAP_PROTOS:-udp tcp}
mt_topology 2
mt_pki "$NT_DIR/pki" c1 c2
declare -A WANT=([c1]=10.8.0.2 [c2]=10.8.0.3)
DONE=()

# tap_mac NS: MAC address of the tap device in NS.
tap_mac() {
    ip -n "$(nt_ns "$1")" -o link show 2>/dev/null |
        awk -F': ' '$2 ~ /^tap/ {sub(/@.*/, "", $2); print $2; exit}' |
        { read -r dev && [[ -n $dev ]] && nt_exec "$1" cat "/sys/class/net/$dev/address"; } || true
}

# tap_dev NS: name of the tap device in NS.
tap_dev() {
    ip -n "$(nt_ns "$1")" -o link show 2>/dev/null | awk -F': ' '$2 ~ /^tap/ {sub(/@.*/, "", $2); print $2; exit}'
}

# neigh_mac NS IP: the lladdr of IP's neighbour entry in NS (empty if none/incomplete).
neigh_mac() {
    nt_exec "$1" ip -4 neigh show "$2" 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'
}

one_pass() {
    local proto=$1 conf=$NT_DIR/$1-srv.conf cn i dev sdev rx0 rx m want
    NT_LOGS=()
    mt_server_conf "$conf" "$proto" tap "server 10.8.0.0 255.255.255.0
client-to-client
keepalive 2 10"
    mt_start_server "$proto-srv" "$conf" "$proto"
    for cn in c1 c2; do
        i=${cn#c}
        mt_client_conf "$NT_DIR/$proto-$cn.conf" "$proto" tap "$cn"
        mt_start_client "$proto-$cn" "$cn" "$(mt_client_impl "$i")" "$NT_DIR/$proto-$cn.conf"
        mt_wait_addr "$proto-$cn" "$cn"
        [[ $MT_ADDR == "${WANT[$cn]}" ]] ||
            nt_fail "$proto: $cn (${NT_IMPL_OF[$proto-$cn]}) got $MT_ADDR, expected ${WANT[$cn]}"
        [[ -n $(tap_dev "$cn") ]] || nt_fail "$proto: $cn has its address on something else than a tap device"
    done

    nt_step "$proto: both clients ping the server"
    mt_ping_many "c1>$SRV_TAP" "c2>$SRV_TAP" || nt_fail "$proto: $NT_WHY"

    nt_step "$proto: ARP + ping between the clients"
    sdev=$(tap_dev srv)
    [[ -n $sdev ]] || nt_fail "$proto: no tap device in srv"
    for cn in c1 c2; do
        dev=$(tap_dev "$cn")
        nt_exec "$cn" ip neigh flush dev "$dev"
    done
    rx0=$(mt_tun_counter srv "$sdev" rx)
    mt_ping_many "c1>${WANT[c2]}" "c2>${WANT[c1]}" || nt_fail "$proto: $NT_WHY"
    rx=$(($(mt_tun_counter srv "$sdev" rx) - rx0))
    for cn in c1 c2; do
        local other=c2
        [[ $cn == c2 ]] && other=c1
        m=$(neigh_mac "$cn" "${WANT[$other]}")
        want=$(tap_mac "$other")
        [[ -n $want ]] || nt_fail "$proto: no tap MAC in $other"
        [[ $m == "$want" ]] ||
            nt_fail "$proto: $cn's neighbour entry for ${WANT[$other]} has lladdr '${m:-none}', expected $other's tap MAC $want"
    done
    # 12+ unicast frames went between the clients (3 echo requests + 3 replies each
    # way, plus ARP replies); the server's tap may see the ARP broadcasts only.
    ((rx < 6)) || nt_fail "$proto: the server's $sdev received $rx frames during client-to-client pings (switched inside the server with client-to-client: expected < 6)"

    for cn in c1 c2; do mt_stop_role "$proto-$cn"; done
    mt_stop_role "$proto-srv"
    DONE+=("$proto(server tap rx +$rx)")
}

for p in $protos; do
    case $p in udp | tcp) one_pass "$p" ;; *) nt_fail "unknown proto '$p' (udp or tcp)" ;; esac
done
nt_pass "server=$MT_SERVER_IMPL clients=$MT_CLIENT_IMPL: ${DONE[*]}"
