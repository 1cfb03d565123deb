#!/usr/bin/env bash
# The multi-client server's per-client scripts (issue 4), over UDP:
#   auth-user-pass-verify SCRIPT via-file, client-connect, client-disconnect and
#   learn-address, with script-security 2.
# Topology (tests/lib/multi.sh): srv with bridge br0 192.168.77.1/24, c1..c3.
#   c1 (vpn) and c2 (stock openvpn) send alice / s3cret and connect; c3 (vpn)
#   sends a wrong password and is refused with AUTH_FAILED while the others stay.
#   client-connect writes "ifconfig-push 10.8.0.50 255.255.255.0" for CN c2 into
#   its file (2.6: the file is read like a client-config-dir file), so c2 gets .50,
#   c1 the pool's first address .2.
#   learn-address logs "add ADDR CN" for both; client-connect sees the client's
#   common_name, username and trusted_ip; after c1 exits (explicit-exit-notify),
#   client-disconnect logs c1 with its byte counts and learn-address "delete ADDR"
#   (vpn at once; stock 2.6 only when it reaps the route later: not awaited).
#
# Run as root: SERVER_IMPL=openvpn VPN_BIN=build/vpn bash tests/integration/server_scripts.sh
set -euo pipefail
source "$(dirname "$0")/../lib/multi.sh"

nt_init server_scripts
mt_check_impls
mt_topology 3
mt_pki "$NT_DIR/pki" c1 c2 c3
log=$NT_DIR/scripts.log
: >"$log"

cat >"$NT_DIR/verify.sh" <<'EOF'
#!/bin/sh
user=$(sed -n 1p "$1")
pass=$(sed -n 2p "$1")
[ "$user" = alice ] && [ "$pass" = s3cret ] && exit 0
exit 1
EOF
cat >"$NT_DIR/connect.sh" <<EOF
#!/bin/sh
echo "connect \$common_name \$username \$trusted_ip" >>"$log"
[ "\$common_name" = c2 ] && echo "ifconfig-push 10.8.0.50 255.255.255.0" >"\$1"
exit 0
EOF
cat >"$NT_DIR/disconnect.sh" <<EOF
#!/bin/sh
echo "disconnect \$common_name \$bytes_received \$bytes_sent" >>"$log"
EOF
cat >"$NT_DIR/learn.sh" <<EOF
#!/bin/sh
echo "learn \$1 \$2 \$3" >>"$log"
EOF
chmod 755 "$NT_DIR"/*.sh

conf=$NT_DIR/srv.conf
mt_server_conf "$conf" udp tun "server 10.8.0.0 255.255.255.0
topology subnet
keepalive 2 10
script-security 2
auth-user-pass-verify $NT_DIR/verify.sh via-file
client-connect $NT_DIR/connect.sh
client-disconnect $NT_DIR/disconnect.sh
learn-address $NT_DIR/learn.sh"
mt_start_server srv "$conf" udp

# start CN IMPL PASSWORD
start() {
    local cn=$1 impl=$2 pass=$3
    printf 'alice\n%s\n' "$pass" >"$NT_DIR/$cn.creds"
    chmod 600 "$NT_DIR/$cn.creds"
    mt_client_conf "$NT_DIR/$cn.conf" udp tun "$cn" "auth-user-pass $NT_DIR/$cn.creds
explicit-exit-notify 1"
    mt_start_client "$cn" "$cn" "$impl" "$NT_DIR/$cn.conf"
}

nt_step "c1 (vpn) and c2 (stock) with the right password"
start c1 vpn s3cret
mt_wait_addr c1 c1
[[ $MT_ADDR == 10.8.0.2 ]] || nt_fail "c1 got $MT_ADDR, expected the pool's 10.8.0.2"
start c2 openvpn s3cret
mt_wait_addr c2 c2
[[ $MT_ADDR == 10.8.0.50 ]] || nt_fail "c2 got $MT_ADDR, expected 10.8.0.50 from client-connect's file"
mt_ping_many "c1>10.8.0.1" "c2>10.8.0.1" || nt_fail "$NT_WHY"
grep -qx "connect c1 alice $NT_NET.11" "$log" || nt_fail "client-connect did not see c1: $(paste -sd'|' "$log")"
grep -qx "connect c2 alice $NT_NET.12" "$log" || nt_fail "client-connect did not see c2: $(paste -sd'|' "$log")"
grep -qx "learn add 10.8.0.2 c1" "$log" || nt_fail "learn-address add for c1 missing: $(paste -sd'|' "$log")"
grep -qx "learn add 10.8.0.50 c2" "$log" || nt_fail "learn-address add for c2 missing: $(paste -sd'|' "$log")"

nt_step "c3 (vpn) with a wrong password is refused"
start c3 vpn wrong
deadline=$((SECONDS + 15))
while nt_alive "${NT_PID[c3]}" && ((SECONDS < deadline)); do sleep 0.1; done
nt_alive "${NT_PID[c3]}" && nt_fail "c3 still runs 15s after starting with a wrong password"
grep -qF AUTH_FAILED "${NT_LOG[c3]}" || nt_fail "c3 exited without logging AUTH_FAILED"
[[ -z $(mt_dev_addr c3) ]] || nt_fail "the refused c3 has an address"
grep -q "connect c3" "$log" && nt_fail "client-connect ran for the refused c3"
mt_ping_many "c1>10.8.0.1" "c2>10.8.0.1" || nt_fail "after the refusal: $NT_WHY"

nt_step "c1 exits: client-disconnect and learn-address delete"
mt_stop_role c1
deadline=$((SECONDS + 10))
# Stock 2.6 runs learn-address delete lazily (when its reaper drops the stale
# route, tens of seconds later); vpn at once.
want_delete=1
[[ $MT_SERVER_IMPL == openvpn ]] && want_delete=0
until grep -qE "^disconnect c1 [1-9][0-9]* [1-9][0-9]*$" "$log" &&
    { ((want_delete == 0)) || grep -qx "learn delete 10.8.0.2 " "$log"; }; do
    ((SECONDS < deadline)) || nt_fail "no client-disconnect / learn-address delete for c1 within 10s: $(paste -sd'|' "$log")"
    sleep 0.1
done
mt_ping_many "c2>10.8.0.1" || nt_fail "after c1 left: $NT_WHY"
nt_pass "server=$MT_SERVER_IMPL: $(wc -l <"$log") script runs"
