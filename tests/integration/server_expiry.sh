#!/usr/bin/env bash
# The multi-client server drops a client that went silent (issue 4), over UDP.
#
# Topology (tests/lib/multi.sh): srv with bridge br0 192.168.77.1/24, c1..c5 on it.
# Server ($SERVER_IMPL; same config for vpn and stock openvpn):
#   server 10.8.0.0 255.255.255.0 nopool / topology subnet /
#   ifconfig-pool 10.8.0.2 10.8.0.5 255.255.255.0 (exactly 4 addresses) /
#   client-to-client / keepalive 1 5 / status FILE 1 + status-version 2
# `keepalive 1 5` on a server means ping 1 / ping-restart 10 for each client
# instance (2.6 doubles the timeout on the server side) and pushes ping 1 /
# ping-restart 5.  Clients c1 (stock), c2 (vpn), c3 (stock), c4 (vpn) take the
# whole pool (.2 .. .5, in this order).  Then:
#   1. continuous pings (every 0.2 s) c1->10.8.0.1, c3->10.8.0.1, c4->c1
#   2. kill -9 c2: the status file stops listing c2 within EXPIRY_BOUND s (20:
#      server ping-restart 10 + status refresh 1 + margin; a bound, not a speed test)
#   3. its address is free again: a new client c5 (another CN, stock openvpn)
#      gets 10.8.0.3, the only address of the full pool, pings the server and c1,
#      and the status file lists exactly c1 c3 c4 c5
#   4. the continuous pings lost nothing, from the kill to the end
#
# Run as root: SERVER_IMPL=openvpn VPN_BIN=build/vpn bash tests/integration/server_expiry.sh
set -euo pipefail
source "$(dirname "$0")/../lib/multi.sh"

nt_init server_expiry
mt_check_impls
SRV_TUN=10.8.0.1
BOUND=${EXPIRY_BOUND:-20}
mt_topology 5
mt_pki "$NT_DIR/pki" c1 c2 c3 c4 c5
declare -A WANT=([c1]=10.8.0.2 [c2]=10.8.0.3 [c3]=10.8.0.4 [c4]=10.8.0.5 [c5]=10.8.0.3)
status=$NT_DIR/status.txt
conf=$NT_DIR/srv.conf

mt_server_conf "$conf" udp tun "server 10.8.0.0 255.255.255.0 nopool
topology subnet
ifconfig-pool 10.8.0.2 10.8.0.5 255.255.255.0
client-to-client
keepalive 1 5
status $status 1
status-version 2"
mt_start_server srv "$conf" udp

# start_client CN: start, wait for the expected address.
start_client() {
    local cn=$1
    mt_client_conf "$NT_DIR/$cn.conf" udp tun "$cn"
    mt_start_client "$cn" "$cn" "$(mt_client_impl "${cn#c}")" "$NT_DIR/$cn.conf"
    mt_wait_addr "$cn" "$cn"
    [[ $MT_ADDR == "${WANT[$cn]}" ]] || nt_fail "$cn (${NT_IMPL_OF[$cn]}) got $MT_ADDR, expected ${WANT[$cn]}"
}

nt_step "c1..c4 take the whole pool"
for cn in c1 c2 c3 c4; do start_client "$cn"; done
mt_ping_many "c1>$SRV_TUN" "c2>$SRV_TUN" "c3>$SRV_TUN" "c4>$SRV_TUN" "c4>${WANT[c1]}" || nt_fail "$NT_WHY"
mt_status_wait "$status" "c1 c2 c3 c4" 10 || nt_fail "status file lists '$MT_SEEN', expected 'c1 c2 c3 c4'"

nt_step "continuous pings; kill -9 c2"
mt_pinger_start p1 c1 "$SRV_TUN"
mt_pinger_start p3 c3 "$SRV_TUN"
mt_pinger_start p4 c4 "${WANT[c1]}"
sleep 1 # some pings before the kill
pid=${NT_PID[c2]}
disown "$pid" 2>/dev/null || true # no "Killed" job report
kill -KILL "$pid"
nt_wait_exit "$pid" 5 || nt_fail "c2 survived SIGKILL"
t0=$SECONDS

nt_step "the server drops c2 (bound ${BOUND}s)"
mt_status_wait "$status" "c1 c3 c4" "$BOUND" ||
    nt_fail "the status file still lists '$MT_SEEN' ${BOUND}s after c2 was killed (keepalive 1 5: server ping-restart 10)"
dropped=$((SECONDS - t0))
why=$(grep -E "c2/.*(Inactivity timeout|ping-restart)" "${NT_LOG[srv]}" | tail -n 1 | sed -E 's/^[0-9-]+ [0-9:]+ //' || true)

nt_step "c5 gets c2's freed address"
start_client c5
mt_ping_many "c5>$SRV_TUN" "c5>${WANT[c1]}" "c1>${WANT[c5]}" || nt_fail "$NT_WHY"
mt_status_wait "$status" "c1 c3 c4 c5" 10 || nt_fail "status file lists '$MT_SEEN', expected 'c1 c3 c4 c5'"
got=$(mt_status_field "$status" c5 4)
[[ $got == "${WANT[c5]}" ]] || nt_fail "status file gives c5 Virtual Address '$got', expected ${WANT[c5]}"

nt_step "continuous pings"
mt_pingers_check p1 p3 p4

for cn in c1 c3 c4 c5; do mt_stop_role "$cn"; done
mt_stop_role srv
nt_pass "server=$MT_SERVER_IMPL clients=$MT_CLIENT_IMPL: c2 dropped after ${dropped}s (${why:-no ping-restart line}), c5 got ${WANT[c5]}, $MT_PING_SUMMARY"
