#!/usr/bin/env bash
# Benchmark (not a test): TCP throughput (iperf3, BENCH_SECONDS s, default 10) and
# ping RTT between two namespaces, over the bare veth and through static-key
# tunnels made by vpn and by stock openvpn 2.6 with the same settings (UDP, no
# compression): AES-256-CBC/SHA256, and the default BF-CBC/SHA1 unless
# BENCH_QUICK=1.  Prints a table with the vpn/openvpn ratios.
#   VPN_BIN=build/vpn tests/bench/static_throughput.sh
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"
source "$(dirname "$0")/../lib/bench.sh"

secs=${BENCH_SECONDS:-10}
command -v iperf3 >/dev/null || { echo "iperf3 is not installed (tests/lib/deps.sh)" >&2; exit 1; }
nt_init static_throughput
nt_need_vpn
tn_topology
key=$NT_DIR/static.key
nt_genkey openvpn "$key"

rows=()
row() { rows+=("$(printf '%-22s %-8s %10s %9s %s' "$@")"); }

nt_step "bare veth"
row "veth (no tunnel)" "-" "$(bench_iperf "$NT_NET.1")" "$(bench_rtt "$NT_NET.1")" ""

configs=(aes)
[[ ${BENCH_QUICK:-0} == 1 ]] || configs+=(bf)
for cfg in "${configs[@]}"; do
    extra="" name="BF-CBC/SHA1"
    if [[ $cfg == aes ]]; then extra=$'cipher AES-256-CBC\nauth SHA256' name="AES-256-CBC/SHA256"; fi
    declare -A mbit=() ms=()
    for impl in openvpn vpn; do
        nt_step "$name through $impl"
        tn_session "$cfg-$impl" "$impl" "$impl" udp "$key" 0 1 "$extra" "$extra"
        mbit[$impl]=$(bench_iperf "$TN_SRV_TUN")
        ms[$impl]=$(bench_rtt "$TN_SRV_TUN")
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
