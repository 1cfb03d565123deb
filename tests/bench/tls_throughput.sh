#!/usr/bin/env bash
# Benchmark (not a test): TLS-mode tunnels (mode server / client pull, EC P-256
# certificates from `vpn pki`, data-ciphers AES-256-GCM, no compression) made by
# vpn on both ends and by stock openvpn 2.6 on both ends, over UDP and over TCP:
#   Mbit/s      iperf3 TCP through the tunnel, BENCH_SECONDS s (default 10)
#   RTT ms      average of 50 pings, 20 ms apart
#   connect ms  client start -> first ping reply through the tunnel (a fresh
#               server each time; pings every 5 ms), median of BENCH_CONNECTS (5)
# plus the bare veth for reference.  With NT_IMPL=openvpn the "vpn" rows run
# openvpn too.  Prints a table with the vpn/openvpn ratios; no assertions.
#   VPN_BIN=build/vpn tests/bench/tls_throughput.sh
set -euo pipefail
source "$(dirname "$0")/../lib/tls.sh"
source "$(dirname "$0")/../lib/bench.sh"

secs=${BENCH_SECONDS:-10}
connects=${BENCH_CONNECTS:-5}
command -v iperf3 >/dev/null || { echo "iperf3 is not installed (tests/lib/deps.sh)" >&2; exit 1; }
nt_init tls_throughput
nt_need_vpn
tn_topology
tl_pki "$NT_DIR/pki"
gcm="data-ciphers AES-256-GCM"

# pinger: ICMP echo to DST every 5 ms (send errors ignored: the route appears with
# the tunnel); prints the wall-clock time of the first reply from DST.
cat >"$NT_DIR/pinger.py" <<'EOF'
import os, select, socket, struct, sys, time
dst, ready, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])

def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident, seq = os.getpid() & 0xFFFF, 0
open(ready, "w").close()
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    seq = (seq + 1) & 0xFFFF
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"tls-bench-connect"
    pkt = hdr[:2] + struct.pack("!H", checksum(hdr + b"\0")) + hdr[4:]
    try:
        s.sendto(pkt, (dst, 0))
    except OSError:
        pass
    tick = time.monotonic() + 0.005
    while True:
        left = tick - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data, addr = s.recvfrom(2048)
        ihl = (data[0] & 0x0F) * 4
        if addr[0] == dst and len(data) >= ihl + 8:
            typ, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if typ == 0 and rid == ident:
                print("%.6f" % time.time())
                sys.exit(0)
sys.exit(2)
EOF

# connect_ms IMPL PROTO N: one sample: fresh server, then ms from the client's
# start to the first ping reply from 10.8.0.1, left in CONNECT_MS (not run in a
# $(...) subshell: the processes it starts stay known to the EXIT trap).
connect_ms() {
    local impl=$1 proto=$2 n=$3 ready=$NT_DIR/pinger.ready out=$NT_DIR/pinger.out ppid t0 t1
    tl_start_server "ct-$proto-$impl-$n" "$impl" "$proto" "$gcm"
    rm -f "$ready"
    : >"$out"
    nt_spawn cli "$out" "$NT_PY" "$NT_DIR/pinger.py" "$TL_SRV_TUN" "$ready" 20
    ppid=$NT_LAST_PID
    local deadline=$((SECONDS + 10))
    until [[ -e $ready ]]; do
        ((SECONDS < deadline)) && nt_alive "$ppid" || nt_fail "pinger did not start: $(tail -n 3 "$out")"
        sleep 0.01
    done
    t0=$(date +%s.%N)
    tl_start_client "ct-$proto-$impl-$n" "$impl" "$proto" "$gcm"
    nt_wait_exit "$ppid" 25 || nt_fail "pinger still running"
    ((NT_RC == 0)) || nt_fail "$impl over $proto: no ping reply through the tunnel within 20s of the client's start"
    t1=$(tail -n 1 "$out")
    nt_stop "$TN_C"
    nt_stop "$TN_S"
    CONNECT_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) * 1000}')
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

rows=()
row() { rows+=("$(printf '%-22s %-8s %8s %8s %10s  %s' "$@")"); }

nt_step "bare veth"
row "veth (no tunnel)" "-" "$(bench_iperf "$NT_NET.1")" "$(bench_rtt "$NT_NET.1")" "-" ""

for proto in udp tcp; do
    declare -A mbit=() ms=() conn=() all=()
    for impl in openvpn vpn; do
        run_impl=$impl
        [[ $impl == vpn ]] && run_impl=$NT_IMPL
        nt_step "AES-256-GCM over $proto through $impl ($run_impl)"
        tl_session "$proto-$impl" "$run_impl" "$run_impl" "$proto" "$gcm" "$gcm"
        mbit[$impl]=$(bench_iperf "$TL_SRV_TUN")
        ms[$impl]=$(bench_rtt "$TL_SRV_TUN")
        tn_end
        samples=()
        for ((i = 1; i <= connects; i++)); do
            connect_ms "$run_impl" "$proto" "$i"
            samples+=("$CONNECT_MS")
        done
        conn[$impl]=$(median "${samples[@]}")
        all[$impl]="${samples[*]}"
        nt_step "connect ms ($impl over $proto): ${all[$impl]}"
    done
    ratio=$(awk -v a="${mbit[vpn]}" -v b="${mbit[openvpn]}" -v c="${ms[vpn]}" -v d="${ms[openvpn]}" \
        -v e="${conn[vpn]}" -v f="${conn[openvpn]}" \
        'BEGIN {printf "vpn/openvpn: throughput x%.2f, RTT x%.2f, connect x%.2f", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0), (f > 0 ? e / f : 0)}')
    row "TLS GCM over $proto" openvpn "${mbit[openvpn]}" "${ms[openvpn]}" "${conn[openvpn]}" "(${all[openvpn]})"
    row "TLS GCM over $proto" vpn "${mbit[vpn]}" "${ms[vpn]}" "${conn[vpn]}" "(${all[vpn]}) $ratio"
done

printf '%-22s %-8s %8s %8s %10s\n' "path" "impl" "Mbit/s" "RTT ms" "connect ms"
printf '%s\n' "${rows[@]}"
echo "(AES-256-GCM, EC P-256 certs, no compression; iperf3 TCP ${secs}s, 50 pings; connect = median of $connects, samples in parentheses; impl vpn ran as '$NT_IMPL'; $(nproc) CPUs shared by both ends; load average $(cut -d" " -f1-3 /proc/loadavg))"
NT_DONE=1  # a benchmark gives figures, not a verdict
exit 0
