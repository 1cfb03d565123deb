#!/usr/bin/env bash
# Benchmark (not a test): TCP throughput (iperf3, BENCH_SECONDS s, default 10) and
# ping RTT between two namespaces, over the bare veth and through static-key
# tunnels made by vpn and by stock openvpn 2.6 with the same settings (UDP, no
# compression): AES-256-CBC/SHA256, and the default BF-CBC/SHA1 unless
# BENCH_QUICK=1.  Prints a table with the vpn/openvpn ratios.
#   VPN_BIN=build/vpn tests/bench/static_throughput.sh
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"

secs=${BENCH_SECONDS:-10}
command -v iperf3 >/dev/null || { echo "iperf3 is not installed (tests/lib/deps.sh)" >&2; exit 1; }
nt_init static_throughput
nt_need_vpn
tn_topology
key=$NT_DIR/static.key
nt_genkey openvpn "$key"

# iperf DST_IP -> Mbit/s received (one 'secs' run, server one-off in srv)
iperf() {
    local ip=$1 out=$NT_DIR/iperf.json spid cpid
    nt_spawn srv "$NT_DIR/iperf-server.out" iperf3 -s -1 -p 5201
    spid=$NT_LAST_PID
    tn_wait_listening srv tcp 5201
    : >"$out"
    nt_spawn cli "$out" iperf3 -c "$ip" -p 5201 -t "$secs" -J
    cpid=$NT_LAST_PID
    nt_wait_exit "$cpid" $((secs + 30)) || nt_fail "iperf3 client to $ip did not finish"
    ((NT_RC == 0)) || nt_fail "iperf3 client to $ip failed: $(tail -n 5 "$out")"
    nt_wait_exit "$spid" 10 || kill "$spid" 2>/dev/null || true
    "$NT_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))' "$out"
}

# rtt DST_IP -> average ping RTT in ms (50 pings, 20 ms apart)
rtt() {
    nt_exec cli ping -n -q -c 50 -i 0.02 -W 2 "$1" | sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p'
}

rows=()
row() { rows+=("$(printf '%-22s %-8s %10s %9s %s' "$@")"); }

nt_step "bare veth"
row "veth (no tunnel)" "-" "$(iperf "$NT_NET.1")" "$(rtt "$NT_NET.1")" ""

configs=(aes)
[[ ${BENCH_QUICK:-0} == 1 ]] || configs+=(bf)
for cfg in "${configs[@]}"; do
    extra="" name="BF-CBC/SHA1"
    if [[ $cfg == aes ]]; then extra=$'cipher AES-256-CBC\nauth SHA256' name="AES-256-CBC/SHA256"; fi
    declare -A mbit=() ms=()
    for impl in openvpn vpn; do
        nt_step "$name through $impl"
        tn_session "$cfg-$impl" "$impl" "$impl" udp "$key" 0 1 "$extra" "$extra"
        mbit[$impl]=$(iperf "$TN_SRV_TUN")
        ms[$impl]=$(rtt "$TN_SRV_TUN")
        tn_end
    done
    ratio=$(awk -v a="${mbit[vpn]}" -v b="${mbit[openvpn]}" -v c="${ms[vpn]}" -v d="${ms[openvpn]}" \
        'BEGIN {printf "vpn/openvpn: throughput x%.2f, RTT x%.2f", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0)}')
    row "$name" openvpn "${mbit[openvpn]}" "${ms[openvpn]}" ""
    row "$name" vpn "${mbit[vpn]}" "${ms[vpn]}" "$ratio"
done

printf '%-22s %-8s %10s %9s\n' "path" "impl" "Mbit/s" "RTT ms"
printf '%s\n' "${rows[@]}"
echo "(UDP tunnels, no compression, iperf3 TCP ${secs}s, 50 pings; $(nproc) CPUs shared by both ends; load average $(cut -d" " -f1-3 /proc/loadavg))"
NT_DONE=1  # a benchmark gives figures, not a verdict
exit 0
