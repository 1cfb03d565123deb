#!/usr/bin/env bash
# Lifecycle of a vpn <-> vpn UDP tunnel.  Asserts:
#  1. each side creates exactly one tun device; SIGUSR2 writes a statistics block
#     ("OpenVPN STATISTICS" .. "END") whose TUN/TAP and TCP/UDP byte counters
#     account for the pings just sent (and, for vpn, the drop lines and total);
#  2. ping-restart: with the client frozen (SIGSTOP) the server logs
#     "Inactivity timeout (--ping-restart)" within a few seconds; after SIGCONT
#     the tunnel pings again and the server logs a new "Peer Connection Initiated";
#  3. explicit-exit-notify: SIGTERM on the client makes the server log the
#     peer's exit notification ("remote-exit"); the client exits 0 and its tun
#     device is gone; then SIGTERM on the server: exit 0, no tun device left;
#  4. daemon + writepid: the launcher returns 0 at once, the pid file names a live
#     process that brings the tunnel up; SIGTERM to that pid ends it and removes
#     its tun device (and, for vpn, its pid file);
#  5. (vpn only) a missing key file / an unknown directive: non-zero exit within
#     10 s, exactly one line of output naming CONFIG:LINE, no tun device left.
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"

nt_init p2p_lifecycle
nt_need_vpn
tn_topology
key=$NT_DIR/static.key
nt_genkey "$NT_IMPL" "$key"
impl=$NT_IMPL

# ---- 1. devices and statistics
keep=$'ping 1\nping-restart 4'
tn_session life "$impl" "$impl" udp "$key" 0 1 "$keep" "$keep"$'\nexplicit-exit-notify 3'
for ns in srv cli; do
    n=$(nt_tun_devices "$ns" | wc -l)
    ((n == 1)) || nt_fail "namespace $ns has $n tun devices, expected 1"
done
nt_step "statistics"
nt_ping cli "$TN_SRV_TUN" 5 || nt_fail "$NT_WHY"
nt_stats "$TN_S"
s1=$NT_STATS
for line in "TUN/TAP read bytes" "TUN/TAP write bytes" "TCP/UDP read bytes" "TCP/UDP write bytes"; do
    [[ -n $(nt_stat "$s1" "$line") ]] || nt_fail "statistics block lacks '$line,N': $(tr '\n' '|' <"$s1")"
done
grep -qE '(^|[[:space:]])END$' "$s1" || nt_fail "statistics block does not end with END"
tw=$(nt_stat "$s1" "TUN/TAP write bytes")
tr_=$(nt_stat "$s1" "TUN/TAP read bytes")
lr=$(nt_stat "$s1" "TCP/UDP read bytes")
# 6 echo requests in (1 warm-up + 5), 6 replies out, 84 bytes each (IPv4 + ICMP + 56).
((tw >= 6 * 84)) || nt_fail "TUN/TAP write bytes,$tw after 6 pings, expected >= $((6 * 84))"
((tr_ >= 6 * 84)) || nt_fail "TUN/TAP read bytes,$tr_ after 6 ping replies, expected >= $((6 * 84))"
((lr > tw)) || nt_fail "TCP/UDP read bytes,$lr not above TUN/TAP write bytes,$tw (no encapsulation overhead?)"
if [[ $impl == vpn ]]; then
    for line in "drop bad-hmac" "drop replay" "drop short-packet" "drop truncated" "drops total"; do
        [[ -n $(nt_stat "$s1" "$line") ]] || nt_fail "statistics block lacks '$line,N'"
    done
fi
# The counters move: a second block after more pings shows more bytes.
nt_ping cli "$TN_SRV_TUN" 3 || nt_fail "$NT_WHY"
nt_stats "$TN_S"
d=$(nt_stat_delta "$s1" "$NT_STATS" "TUN/TAP write bytes")
((d >= 3 * 84)) || nt_fail "TUN/TAP write bytes grew by $d after 3 more pings, expected >= $((3 * 84))"

# ---- 2. ping-restart
nt_step "ping-restart: freeze the client"
restarts=$(nt_count_log "${NT_LOG[$TN_S]}" "Inactivity timeout (--ping-restart)")
peers=$(nt_count_log "${NT_LOG[$TN_S]}" "Peer Connection Initiated with")
((restarts == 0)) || nt_fail "server logged a ping-restart while the client was alive"
kill -STOP "${NT_PID[$TN_C]}"
deadline=$((SECONDS + 15))
until (($(nt_count_log "${NT_LOG[$TN_S]}" "Inactivity timeout (--ping-restart)") > restarts)); do
    ((SECONDS < deadline)) || { kill -CONT "${NT_PID[$TN_C]}"; nt_fail "server logged no ping-restart 15s after the client froze (ping-restart 4)"; }
    sleep 0.2
done
nt_step "ping-restart: thaw the client"
kill -CONT "${NT_PID[$TN_C]}"
nt_ping cli "$TN_SRV_TUN" 3 || nt_fail "after SIGCONT: $NT_WHY"
nt_alive "${NT_PID[$TN_S]}" || nt_fail "server died during ping-restart"
(($(nt_count_log "${NT_LOG[$TN_S]}" "Peer Connection Initiated with") > peers)) ||
    nt_fail "server did not log a new 'Peer Connection Initiated with' after its restart"

# ---- 3. explicit-exit-notify and SIGTERM
nt_step "explicit-exit-notify"
kill -TERM "${NT_PID[$TN_C]}"
nt_wait_log_re "${NT_LOG[$TN_S]}" 'remote-exit|exit notification|OCC exit' 10 ||
    nt_fail "server did not log the client's exit notification within 10s"
nt_wait_exit "${NT_PID[$TN_C]}" 10 || nt_fail "client still running 10s after SIGTERM (explicit-exit-notify 3)"
((NT_RC == 0)) || nt_fail "client exited with status $NT_RC after SIGTERM"
[[ -z $(nt_tun_devices cli) ]] || nt_fail "client left its tun device behind: $(nt_tun_devices cli | xargs)"
nt_step "SIGTERM server"
nt_stop "$TN_S"
((NT_RC == 0)) || nt_fail "server exited with status $NT_RC after SIGTERM"
[[ -z $(nt_tun_devices srv) ]] || nt_fail "server left its tun device behind: $(nt_tun_devices srv | xargs)"

# ---- 4. daemon + writepid
nt_step "daemon + writepid"
NT_LOGS=()
pidfile=$NT_DIR/daemon.pid
tn_conf "$NT_DIR/daemon-srv.conf" server udp "$key" 0 $'daemon\nwritepid '"$pidfile"
tn_conf "$NT_DIR/daemon-cli.conf" client udp "$key" 1
nt_start_peer "$impl" srv daemon-srv "$NT_DIR/daemon-srv.conf"
nt_wait_exit "${NT_PID[daemon-srv]}" 10 || nt_fail "daemon launcher still in the foreground after 10s"
((NT_RC == 0)) || nt_fail "daemon launcher exited with status $NT_RC"
deadline=$((SECONDS + 10))
until [[ -s $pidfile ]]; do
    ((SECONDS < deadline)) || nt_fail "no pid file $pidfile 10s after daemon start"
    sleep 0.1
done
dpid=$(tr -dc 0-9 <"$pidfile")
NT_PIDS+=("$dpid")
nt_alive "$dpid" || nt_fail "pid file names pid $dpid, which is not running"
grep -qx "$dpid" <(ip netns pids "$(nt_ns srv)") || nt_fail "daemon pid $dpid is not in the server namespace"
NT_PID[daemon-srv]=$dpid
nt_start_peer "$impl" cli daemon-cli "$NT_DIR/daemon-cli.conf"
nt_ping cli "$TN_SRV_TUN" 3 || nt_fail "through the daemonized server: $NT_WHY"
nt_wait_role daemon-srv "Initialization Sequence Completed" 5
kill -TERM "$dpid"
deadline=$((SECONDS + 10))
while nt_alive "$dpid"; do
    ((SECONDS < deadline)) || nt_fail "daemon pid $dpid still running 10s after SIGTERM"
    sleep 0.1
done
[[ -z $(nt_tun_devices srv) ]] || nt_fail "daemon left its tun device behind"
if [[ $impl == vpn && -e $pidfile ]]; then
    nt_fail "daemon did not remove its pid file $pidfile on exit"
fi
nt_stop daemon-cli

# ---- 5. configuration errors: one line naming FILE:LINE
if [[ $impl == vpn ]]; then
    check_config_error() { # LABEL CONF LINE WORD
        local label=$1 conf=$2 line=$3 word=$4 out lines
        out=$NT_DIR/$(basename "$conf" .conf).out
        NT_LOGS=("$conf" "$out")
        nt_step "config error: $label"
        : >"$out"
        nt_spawn srv "$out" "$VPN_BIN" "$conf"
        nt_wait_exit "$NT_LAST_PID" 10 || nt_fail "vpn with $label still running after 10s"
        ((NT_RC != 0)) || nt_fail "vpn with $label exited with status 0"
        lines=$(grep -c . "$out" || true)
        ((lines == 1)) || nt_fail "vpn with $label printed $lines lines, expected one"
        grep -qE "$(basename "$conf"):$line([^0-9]|$)" "$out" || nt_fail "the error does not name $(basename "$conf"):$line"
        grep -qF -- "$word" "$out" || nt_fail "the error does not mention '$word'"
        [[ -z $(nt_tun_devices srv) ]] || nt_fail "vpn with $label left a tun device behind"
    }
    conf=$NT_DIR/missing-key.conf
    printf 'dev tun\nifconfig 10.0.0.1 10.0.0.2\nsecret %s\ncomp-lzo\n' "$NT_DIR/no-such.key" >"$conf"
    check_config_error "missing key file" "$conf" 3 no-such.key
    conf=$NT_DIR/unknown-directive.conf
    printf 'dev tun\nifconfig 10.0.0.1 10.0.0.2\nsecret %s\nfrobnicate yes\n' "$key" >"$conf"
    check_config_error "unknown directive" "$conf" 4 frobnicate
fi

nt_pass
