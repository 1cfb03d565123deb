#!/usr/bin/env bash
# The multi-client server with `topology net30` (issue 4), over UDP.
#
# Topology (tests/lib/multi.sh): srv with bridge br0 192.168.77.1/24, c1..c4 on it.
# Server ($SERVER_IMPL, same config for vpn and stock openvpn):
#   server 10.8.0.0 255.255.255.0 / topology net30 / keepalive 2 10 /
#   push "route 10.8.0.0 255.255.255.0" / NO client-to-client
# 2.6 expands `server` for net30 to ifconfig 10.8.0.1 10.8.0.2, ifconfig-pool
# 10.8.0.4 10.8.0.251 in /30 blocks, route 10.8.0.0/24 (via 10.8.0.2, on the
# server's tun) and push "route 10.8.0.1"; the explicit push gives the clients a
# route to each other.  Clients c1 (stock), c2 (vpn), c3 (stock), c4 (vpn),
# started one after the other.  Asserts:
#   1. pool addresses as 2.6 hands them out: c1 10.8.0.6 (peer .5), c2 .10 (.9),
#      c3 .14 (.13), c4 .18 (.17): the tun is point-to-point "inet A peer B/32"
#   2. every client pings the server's 10.8.0.1
#   3. without client-to-client the server hands client->client packets to its
#      tun (2.6 mudp/multi.c: no c2c = no internal route lookup): with
#      ip_forward=0 in srv, c1 cannot ping c2; with ip_forward=1 every client
#      pings every other, and the server's tun counted the packets both ways
#      (rx and tx grew by at least the echo requests + replies sent)
#
# Run as root: SERVER_IMPL=openvpn VPN_BIN=build/vpn bash tests/integration/server_net30.sh
set -euo pipefail
source "$(dirname "$0")/../lib/multi.sh"

nt_init server_net30
mt_check_impls
N=4
SRV_TUN=10.8.0.1
mt_topology $N
cns=(c1 c2 c3 c4)
mt_pki "$NT_DIR/pki" "${cns[@]}"
declare -A WANT=([c1]=10.8.0.6 [c2]=10.8.0.10 [c3]=10.8.0.14 [c4]=10.8.0.18)
declare -A PEER=([c1]=10.8.0.5 [c2]=10.8.0.9 [c3]=10.8.0.13 [c4]=10.8.0.17)

conf=$NT_DIR/srv.conf
mt_server_conf "$conf" udp tun "server 10.8.0.0 255.255.255.0
topology net30
keepalive 2 10
push \"route 10.8.0.0 255.255.255.0\""
nt_exec srv sysctl -qw net.ipv4.ip_forward=0
mt_start_server srv "$conf" udp

nt_step "clients one after the other"
for cn in "${cns[@]}"; do
    i=${cn#c}
    mt_client_conf "$NT_DIR/$cn.conf" udp tun "$cn"
    mt_start_client "$cn" "$cn" "$(mt_client_impl "$i")" "$NT_DIR/$cn.conf"
    mt_wait_addr "$cn" "$cn"
    [[ $MT_ADDR == "${WANT[$cn]}" ]] || nt_fail "$cn (${NT_IMPL_OF[$cn]}) got $MT_ADDR, expected ${WANT[$cn]} (2.6's net30 pool)"
    got=$(ip -n "$(nt_ns "$cn")" -o -4 addr show | awk '$2 ~ /^tun/ {print $4, $5, $6; exit}')
    [[ $got == "${WANT[$cn]} peer ${PEER[$cn]}/32" ]] ||
        nt_fail "$cn: tun address is '$got', expected '${WANT[$cn]} peer ${PEER[$cn]}/32' (net30)"
done

nt_step "every client pings the server"
pairs=()
for cn in "${cns[@]}"; do pairs+=("$cn>$SRV_TUN"); done
mt_ping_many "${pairs[@]}" || nt_fail "$NT_WHY"

nt_step "client to client with ip_forward=0 in the server namespace: no reply"
nt_no_ping c1 "${WANT[c2]}" || nt_fail "c1 pings c2 (${WANT[c2]}) without client-to-client and without forwarding on the server"

nt_step "client to client through the server's tun (ip_forward=1)"
nt_exec srv sysctl -qw net.ipv4.ip_forward=1
dev=$(tl_tun_devices srv | head -n 1)
[[ -n $dev ]] || nt_fail "no tun device in srv"
rx0=$(mt_tun_counter srv "$dev" rx)
tx0=$(mt_tun_counter srv "$dev" tx)
pairs=()
for cn in "${cns[@]}"; do
    for dn in "${cns[@]}"; do [[ $dn == "$cn" ]] || pairs+=("$cn>${WANT[$dn]}"); done
done
mt_ping_many "${pairs[@]}" || nt_fail "$NT_WHY"
rx=$(($(mt_tun_counter srv "$dev" rx) - rx0))
tx=$(($(mt_tun_counter srv "$dev" tx) - tx0))
# Each pair: at least 3 requests and 3 replies, each one written to the tun (rx)
# by the server and routed back out of it (tx) by the kernel.
need=$((${#pairs[@]} * 6))
((rx >= need && tx >= need)) ||
    nt_fail "client-to-client traffic did not go through the server's $dev: rx +$rx, tx +$tx packets, expected >= $need each"

nt_step "stop"
for cn in "${cns[@]}"; do mt_stop_role "$cn"; done
mt_stop_role srv
nt_pass "server=$MT_SERVER_IMPL clients=$MT_CLIENT_IMPL: pool ${WANT[*]}, c2c via $dev rx+$rx tx+$tx"
