# shellcheck shell=bash
# Measurements shared by the benchmarks (tests/bench/*.sh), between the namespaces
# "srv" and "cli" of tunnel.sh; `secs` is the iperf3 run time.
#
#   bench_iperf DST_IP   -> Mbit/s received (one iperf3 run, server one-off in srv)
#   bench_rtt DST_IP     -> average ping RTT in ms (50 pings, 20 ms apart)

bench_iperf() {
    local ip=$1 out=$NT_DIR/iperf.json spid cpid
    nt_spawn srv "$NT_DIR/iperf-server.out" iperf3 -s -1 -p 5201
    spid=$NT_LAST_PID
    tn_wait_listening srv tcp 5201
    : >"$out"
    nt_spawn cli "$out" iperf3 -c "$ip" -p 5201 -t "${secs:?}" -J
    cpid=$NT_LAST_PID
    nt_wait_exit "$cpid" $((secs + 30)) || nt_fail "iperf3 client to $ip did not finish"
    ((NT_RC == 0)) || nt_fail "iperf3 client to $ip failed: $(tail -n 5 "$out")"
    nt_wait_exit "$spid" 10 || kill "$spid" 2>/dev/null || true
    "$NT_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))' "$out"
}

bench_rtt() {
    nt_exec cli ping -n -q -c 50 -i 0.02 -W 2 "$1" | sed -nE 's|.*= [0-9.]+/([0-9.]+)/.*|\1|p'
}
