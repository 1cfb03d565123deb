#!/usr/bin/env bash
# Benchmark (not a test): the multi-client server under load (issue 4), stock
# openvpn 2.6 and vpn in the same run, driven by tests/tools/load_clients (N
# OpenVPN client sessions from one process, no TUN; see its header).
#
# Server ("srv" namespace, 192.168.77.1): server 10.8.0.0 255.255.0.0, topology
# subnet, proto udp, keepalive 10 60, max-clients N+BURST+100, duplicate-cn (all
# sessions share the PKI's one client certificate), EC P-256 certificates from
# `vpn pki`, dh none, status FILE 1 + status-version 2, default socket buffers.
# connect-freq-initial is left at 2.6's default (100 unanswered resets per 10 s;
# a completed handshake gives its slot back): it does not slow the ramp but does
# throttle the burst and the flood.  CONNECT_FREQ_INITIAL="1000000 10" writes that
# line into both servers' configs (vpn must accept it), OPENVPN_CONNECT_FREQ_INITIAL
# into openvpn's alone (e.g. to see stock's burst without its limiter).
#
# For each implementation (openvpn, then vpn), load_clients in "cli":
#   ramp     N sessions at RATE/s; RSS and CPU (utime+stime) of the server before
#            and after: memory per client = dRSS/N, CPU per new session = dCPU/N
#   ping     one ICMP echo per session through the server to 10.8.0.1
#   burst    BURST new sessions at once: time until all are established (handshake
#            + PUSH_REPLY + keys), max and median, sessions that retransmitted
#   exit     every session sends OCC_EXIT once (explicit-exit-notify), paced at 2000/s;
#            time until the status file lists no client.  Stock openvpn drops the
#            instances at once but rewrites the file ("status FILE 1") only when its
#            event loop wakes, which with idle clients is every ~10 s
#   flood    FLOOD unauthenticated HARD_RESET_CLIENT_V2 from FLOOD_SOURCES source
#            ports (fresh session ids, never continued), after the exit: the
#            server's RSS change 3 s later and the CPU it spent meanwhile
# A server that does not start (vpn refusing `server`, say) gets "n/a" in its column.
#
#   VPN_BIN=build/vpn tests/bench/server_load.sh            # N=1000 BURST=400
#   N=50 BURST=20 VPN_BIN=build/vpn tests/bench/server_load.sh
# Environment: N (1000), BURST (400), RATE (100 new sessions/s), FLOOD (20000),
# FLOOD_SOURCES (500), LOAD_CLIENTS (default: load_clients next to VPN_BIN),
# IMPLS ("openvpn vpn"), NT_KEEP=1 keeps the logs.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
source "$(dirname "$0")/../lib/bench.sh"

N=${N:-1000}
BURST=${BURST:-400}
RATE=${RATE:-100}
FLOOD=${FLOOD:-20000}
FLOOD_SOURCES=${FLOOD_SOURCES:-500}
IMPLS=${IMPLS:-openvpn vpn}
FREQ_BOTH=${CONNECT_FREQ_INITIAL:-}
FREQ_OPENVPN=${OPENVPN_CONNECT_FREQ_INITIAL:-$FREQ_BOTH}
PORT=1194
SRV_TUN=10.8.0.1

nt_init server_load
nt_need_vpn
LOAD=${LOAD_CLIENTS:-$(dirname "$VPN_BIN")/load_clients}
[[ -x $LOAD ]] || nt_fail "no load_clients binary at $LOAD (build target load_clients, or set LOAD_CLIENTS)"
nt_pair srv cli

nt_step "PKI (vpn pki, EC P-256)"
PKI=$NT_DIR/pki
pki() { timeout 60 "$VPN_BIN" pki --dir "$PKI" "$@" >>"$NT_DIR/pki.out" 2>&1 || nt_fail "vpn pki $* failed: $(tail -n 3 "$NT_DIR/pki.out")"; }
pki init
pki build-ca
pki issue server server
pki issue client client

cat >"$NT_DIR/client.conf" <<EOF
client
dev tun
proto udp
remote $NT_NET.1 $PORT
nobind
ca $PKI/ca.crt
cert $PKI/issued/client.crt
key $PKI/private/client.key
remote-cert-tls server
verb 1
EOF

# server_conf IMPL FILE STATUS
server_conf() {
    local impl=$1 file=$2 status=$3
    {
        echo "# multi-client server, written by tests/bench/server_load.sh"
        echo "server 10.8.0.0 255.255.0.0"
        echo "topology subnet"
        echo "dev tun"
        echo "proto udp"
        echo "port $PORT"
        echo "keepalive 10 60"
        echo "max-clients $((N + BURST + 100))"
        echo "duplicate-cn"
        echo "ca $PKI/ca.crt"
        echo "cert $PKI/issued/server.crt"
        echo "key $PKI/private/server.key"
        echo "dh none"
        echo "status $status 1"
        echo "status-version 2"
        echo "verb 3"
        local freq=$FREQ_BOTH
        [[ $impl == openvpn ]] && freq=$FREQ_OPENVPN
        if [[ -n $freq ]]; then echo "connect-freq-initial $freq"; fi
    } >"$file"
}

# start_server IMPL: the server running and listening with its tun address up;
# returns 1 (reason in START_WHY) instead of failing the benchmark.
start_server() {
    local impl=$1 role=srv-$1 deadline
    STATUS=$NT_DIR/status-$impl.txt
    rm -f "$STATUS"
    server_conf "$impl" "$NT_DIR/$role.conf" "$STATUS"
    nt_start_peer "$impl" srv "$role" "$NT_DIR/$role.conf"
    deadline=$((SECONDS + NT_TIMEOUT))
    until nt_exec srv ss -H -lnu "sport = :$PORT" 2>/dev/null | grep -q . &&
        ip -n "$(nt_ns srv)" -o -4 addr show 2>/dev/null | grep -qF " $SRV_TUN/"; do
        if ! nt_alive "${NT_PID[$role]}"; then
            START_WHY="$impl exited at start: $(grep -v '^\s*$' "${NT_LOG[$role]}" "${NT_OUT[$role]}" 2>/dev/null | tail -n 1 | cut -d: -f2- | cut -c1-240)"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            START_WHY="$impl not listening on udp $PORT with $SRV_TUN within ${NT_TIMEOUT}s"
            nt_stop "$role" || true
            return 1
        fi
        sleep 0.1
    done
}

declare -A R=()  # R[impl.metric]

# get FILE REGEX: the first capture group of the first matching line (sed -E).
get() { sed -nE "s#$2#\1#p" "$1" | head -n 1; }

run_impl() {
    local impl=$1 role=srv-$1 out=$NT_DIR/load-$1.out pid budget
    nt_step "$impl: start the server"
    if ! start_server "$impl"; then
        R[$impl.why]=$START_WHY
        nt_step "$impl: $START_WHY"
        return 0
    fi
    pid=${NT_PID[$role]}
    : >"$out"
    NT_LOGS+=("$out")
    nt_step "$impl: load_clients N=$N BURST=$BURST"
    nt_spawn cli "$out" "$LOAD" --config "$NT_DIR/client.conf" --server "$NT_NET.1:$PORT" \
        --clients "$N" --rate "$RATE" --burst "$BURST" --ping-target "$SRV_TUN" \
        --exit --status-file "$STATUS" --server-pid "$pid" \
        --flood "$FLOOD" --flood-sources "$FLOOD_SOURCES" --quiet
    budget=$((N / RATE + 60 + 30 + 60 + 60 + 30 + 60))
    # A failing run leaves its reason and blank figures (n/a), not a FAIL: the other
    # implementation's column still gets printed.
    if ! nt_wait_exit "$NT_LAST_PID" "$budget"; then
        kill -TERM "$NT_LAST_PID" 2>/dev/null || true
        nt_wait_exit "$NT_LAST_PID" 10 || kill -KILL "$NT_LAST_PID" 2>/dev/null || true
        R[$impl.why]="load_clients still running after ${budget}s (killed)"
    elif ((NT_RC != 0)); then
        R[$impl.why]="load_clients failed (status $NT_RC): $(tail -n 1 "$out")"
    fi
    nt_alive "$pid" || R[$impl.why]="${R[$impl.why]:+${R[$impl.why]}; }$impl died during the run"
    R[$impl.est]=$(get "$out" '^established ([0-9]+/[0-9]+) .*')
    R[$impl.ramp_s]=$(get "$out" '^established [0-9/]+ in ([0-9.]+) s.*')
    R[$impl.ramp_med]=$(get "$out" '^ramp_session_ms median (-?[0-9]+) .*')
    R[$impl.ramp_max]=$(get "$out" '^ramp_session_ms .* max (-?[0-9]+).*')
    R[$impl.ramp_rtx]=$(get "$out" '^established .* retransmit_clients ([0-9]+).*')
    R[$impl.rss0]=$(get "$out" '^server start rss_kb ([0-9]+) .*')
    R[$impl.rss1]=$(get "$out" '^server ramped rss_kb ([0-9]+) .*')
    R[$impl.kb_client]=$(get "$out" '^per_client rss_kb ([-0-9.]+) .*')
    R[$impl.ms_session]=$(get "$out" '^per_client .* cpu_ms ([-0-9.]+).*')
    R[$impl.ping]=$(get "$out" '^ping ([0-9]+/[0-9]+) .*')
    R[$impl.burst_est]=$(get "$out" '^burst [0-9]+ established ([0-9]+/[0-9]+) .*')
    R[$impl.burst_max]=$(get "$out" '^burst .* established_max_ms ([-0-9]+) .*')
    R[$impl.burst_med]=$(get "$out" '^burst .* established_median_ms ([-0-9]+) .*')
    R[$impl.burst_rtx]=$(get "$out" '^burst .* retransmit_clients ([0-9]+).*')
    R[$impl.burst_ping]=$(get "$out" '^burst_ping ([0-9]+/[0-9]+) .*')
    R[$impl.listed]=$(get "$out" '^exit .* status_listed_before (-?[0-9]+) .*')
    R[$impl.clear]=$(get "$out" '^exit .* status_clear_ms ([0-9]+|timeout).*')
    R[$impl.flood]=$(get "$out" '^flood .* rss_delta_kb (-?[0-9]+) .*')
    R[$impl.flood_cpu]=$(get "$out" '^flood .* cpu_ms (-?[0-9]+) .*')
    R[$impl.flood_replies]=$(get "$out" '^flood .* replies ([0-9]+) .*')
    local d0 d1 d2 c0 c1
    d0=$(get "$out" '^server start .* udp_drops (-?[0-9]+).*')
    d1=$(get "$out" '^server ramped .* udp_drops (-?[0-9]+).*')
    d2=$(get "$out" '^server burst .* udp_drops (-?[0-9]+).*')
    [[ -n $d0 && -n $d1 && $d0 -ge 0 ]] && R[$impl.drops_ramp]=$((d1 - d0))
    [[ -n $d1 && -n $d2 && $d1 -ge 0 ]] && R[$impl.drops_burst]=$((d2 - d1))
    c0=$(get "$out" '^self start cpu_ms (-?[0-9]+) .*')
    c1=$(get "$out" '^self ramped cpu_ms (-?[0-9]+) .*')
    [[ -n $c0 && -n $c1 ]] && R[$impl.self_ramp]=$((c1 - c0))
    nt_step "$impl: $(paste -sd';' "$out")"
    nt_stop "$role" 20
}

for impl in $IMPLS; do run_impl "$impl"; done

# The floor under both columns: OpenSSL alone doing the server's side of the same
# TLS 1.3 handshake (same PKI, client certificate required), no OpenVPN protocol.
FLOOR_TOOL=$(dirname "$LOAD")/tls_handshake_cpu
FLOOR=n/a
if [[ -x $FLOOR_TOOL ]]; then
    FLOOR=$(timeout 120 "$FLOOR_TOOL" --ca "$PKI/ca.crt" --server-cert "$PKI/issued/server.crt" \
        --server-key "$PKI/private/server.key" --client-cert "$PKI/issued/client.crt" \
        --client-key "$PKI/private/client.key" --count 500 |
        sed -nE 's/.*server_cpu_ms_per_handshake ([0-9.]+).*/\1/p') || FLOOR=n/a
fi

# ratio A B: A/B with two decimals when both are numbers (B != 0), else n/a.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a !~ /^-?[0-9.]+$/ || b !~ /^-?[0-9.]+$/ || b + 0 == 0) { print "n/a"; exit }
        printf "%.2f", a / b }'
}
# num X/Y -> X (for ratios of counts)
num() { echo "${1%%/*}"; }
val() { local v=${R[$1.$2]:-}; echo "${v:-n/a}"; }

row() {  # label metric [count]
    local o v
    o=$(val openvpn "$2")
    v=$(val vpn "$2")
    if [[ ${3:-} == count ]]; then
        printf '%-34s %14s %14s %10s\n' "$1" "$o" "$v" "$(ratio "$(num "$v")" "$(num "$o")")"
    else
        printf '%-34s %14s %14s %10s\n' "$1" "$o" "$v" "$(ratio "$v" "$o")"
    fi
}

printf '%-34s %14s %14s %10s\n' "server load (N=$N, BURST=$BURST)" openvpn vpn vpn/openvpn
row "established after ramp" est count
row "ramp time s (RATE=$RATE/s)" ramp_s
row "ramp: session setup median ms" ramp_med
row "ramp: session setup max ms" ramp_max
row "ramp: sessions retransmitting" ramp_rtx
row "server RSS at start KB" rss0
row "server RSS with N clients KB" rss1
row "memory per client KB" kb_client
row "CPU per new session ms" ms_session
printf '%-34s %14s %14s %10s\n' "  floor: OpenSSL handshake alone" "${FLOOR:-n/a}" "${FLOOR:-n/a}" ""
row "server UDP rcvbuf drops in ramp" drops_ramp
row "load_clients CPU in ramp ms" self_ramp
row "ping answered" ping count
row "burst established" burst_est count
row "burst max ms" burst_max
row "burst median ms" burst_med
row "burst: sessions retransmitting" burst_rtx
row "server UDP rcvbuf drops in burst" drops_burst
row "burst sessions ping answered" burst_ping count
row "status lists before exit" listed
row "exit -> status clear ms" clear
row "reset flood RSS delta KB" flood
row "reset flood server CPU ms" flood_cpu
row "reset flood datagrams answered" flood_replies
for impl in $IMPLS; do
    [[ -n ${R[$impl.why]:-} ]] && echo "$impl: ${R[$impl.why]}"
done
echo "(load_clients and the server share $(nproc) CPUs; one client certificate with duplicate-cn;" \
    "connect-freq-initial: openvpn ${FREQ_OPENVPN:-default}, vpn ${FREQ_BOTH:-default}; flood $FLOOD resets from $FLOOD_SOURCES ports;" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg))"
NT_DONE=1  # a benchmark gives figures, not a verdict
exit 0
