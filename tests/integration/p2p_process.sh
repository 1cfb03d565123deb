#!/usr/bin/env bash
# Process duties of a running tunnel, on the server side of a vpn<->vpn static-key
# tunnel:
#
#   [srv] 192.168.77.1 ==veth== 192.168.77.2 [cli]
#   vpn --daemon --writepid --user nobody --group nogroup --log-append
#       --up/--down scripts (script-security 2), --route 10.55.0.0/24
#
# Asserts: the foreground process exits 0 and the daemon's pid is in the pid file;
# it runs as nobody; the up script got OpenVPN's arguments and environment; the
# route is installed via the peer; ping crosses; the log was appended to; SIGTERM
# to the daemon removes tun0 and runs the down script with the same arguments.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
nt_init p2p_process
nt_pair srv cli

chmod 711 "$NT_DIR"                # scripts must stay reachable after setuid
mkdir -m 1777 "$NT_DIR/out"
key=$NT_DIR/static.key
nt_genkey vpn "$key"

cat >"$NT_DIR/hook.sh" <<'EOF'
#!/bin/sh
# Records how it was called: arguments, then the variables OpenVPN documents.
out=$(dirname "$0")/out/$script_type.txt
{
  echo "args=$*"
  echo "script_type=$script_type dev=$dev tun_mtu=$tun_mtu"
  echo "ifconfig_local=$ifconfig_local ifconfig_remote=$ifconfig_remote"
  echo "route_network_1=$route_network_1 route_netmask_1=$route_netmask_1"
  echo "uid=$(id -u)"
} >"$out"
EOF
chmod 755 "$NT_DIR/hook.sh"

log=$NT_DIR/srv.log
echo "marker line from before the start" >"$log"
NT_LOGS+=("$log")
cat >"$NT_DIR/srv.conf" <<EOF
dev tun
ifconfig 10.0.0.1 10.0.0.2
secret $key
cipher AES-256-CBC
auth SHA256
route 10.55.0.0 255.255.255.0
script-security 2
up "$NT_DIR/hook.sh"
down "$NT_DIR/hook.sh"
daemon vpn-test
writepid $NT_DIR/srv.pid
log-append $log
user nobody
group nogroup
verb 3
EOF

nt_step "daemon start"
nt_spawn srv "$NT_DIR/srv.out" "${VPN_BIN:?}" "$NT_DIR/srv.conf"
NT_LOGS+=("$NT_DIR/srv.out")
nt_wait_exit "$NT_LAST_PID" 20 || nt_fail "foreground process did not return after daemonizing"
((NT_RC == 0)) || nt_fail "foreground process exited with $NT_RC"
nt_wait_log "$log" "Initialization Sequence Completed" 20 || nt_fail "daemon never completed initialization"
[[ -s $NT_DIR/srv.pid ]] || nt_fail "no pid file written"
daemon_pid=$(cat "$NT_DIR/srv.pid")
NT_PIDS+=("$daemon_pid")
nt_alive "$daemon_pid" || nt_fail "pid $daemon_pid from the pid file is not running"
uid=$(awk '/^Uid:/ {print $2}' "/proc/$daemon_pid/status")
[[ $uid == "$(id -u nobody)" ]] || nt_fail "daemon runs as uid $uid, expected nobody"
[[ $(head -n 1 "$log") == "marker line from before the start" ]] || nt_fail "log-append truncated the log"

nt_step "up script"
up=$NT_DIR/out/up.txt
[[ -s $up ]] || nt_fail "up script did not run"
grep -qx "args=tun0 1500 1500 10.0.0.1 10.0.0.2 init" "$up" || nt_fail "up arguments: $(head -n 1 "$up")"
grep -qx "script_type=up dev=tun0 tun_mtu=1500" "$up" || nt_fail "up env: $(sed -n 2p "$up")"
grep -qx "ifconfig_local=10.0.0.1 ifconfig_remote=10.0.0.2" "$up" || nt_fail "up env: $(sed -n 3p "$up")"
grep -qx "route_network_1=10.55.0.0 route_netmask_1=255.255.255.0" "$up" || nt_fail "up env: $(sed -n 4p "$up")"
grep -qx "uid=0" "$up" || nt_fail "up script should run before privileges are dropped"

nt_step "route"
route=$(nt_exec srv ip route show 10.55.0.0/24)
[[ $route == *"via 10.0.0.2 dev tun0"* ]] || nt_fail "route 10.55.0.0/24: '$route'"

nt_step "traffic"
cat >"$NT_DIR/cli.conf" <<EOF
remote 192.168.77.1
dev tun
ifconfig 10.0.0.2 10.0.0.1
secret $key
cipher AES-256-CBC
auth SHA256
verb 3
EOF
nt_start_peer vpn cli cli "$NT_DIR/cli.conf"
nt_wait_ready cli
nt_ping cli 10.0.0.1 3 || nt_fail "$NT_WHY"

nt_step "SIGTERM to the daemon"
kill -TERM "$daemon_pid"
nt_wait_exit "$daemon_pid" 10 || nt_fail "daemon still running 10s after SIGTERM"
[[ -z $(nt_tun_devices srv) ]] || nt_fail "tun device left behind: $(nt_tun_devices srv)"
down=$NT_DIR/out/down.txt
[[ -s $down ]] || nt_fail "down script did not run"
grep -qx "args=tun0 1500 1500 10.0.0.1 10.0.0.2 init" "$down" || nt_fail "down arguments: $(head -n 1 "$down")"
grep -qx "script_type=down dev=tun0 tun_mtu=1500" "$down" || nt_fail "down env: $(sed -n 2p "$down")"
grep -qx "uid=$(id -u nobody)" "$down" || nt_fail "down script should run with the dropped privileges"
grep -q "Exiting" "$log" || nt_fail "no exit line in the log"
nt_pass
