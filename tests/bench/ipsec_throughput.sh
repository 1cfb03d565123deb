#!/usr/bin/env bash
# Benchmark (not a test): IPsec ESP between two namespaces, "srv" (192.168.77.1)
# and "cli" (192.168.77.2), joined by veth; vpn's manually keyed ESP beside
# strongSwan 5.9.8 (charon + kernel-libipsec, tests/lib/strongswan.sh), with the
# bare veth for reference.  Per ESP algorithm (BENCH_CIPHERS):
#   gcm   aes256gcm16          vpn: esp-proposals aes256gcm16
#   cbc   aes128-sha1          vpn: cipher AES-128-CBC + auth SHA1
# the paths (BENCH_PATHS):
#   sw        strongSwan, PSK host-to-host 10.77.2.1/32 <-> 10.77.1.1/32 (inner
#             addresses on lo), IKE aes256-sha256-modp2048 (BENCH_IKE_PROPOSALS),
#             ESP in UDP 4500 (all libipsec does), ipsec0 MTU as libipsec sets it
#   vpn-udp   vpn, technique ipsec + secret (static key) + ifconfig 10.0.0.1/.2,
#             nat-traversal force: ESP in UDP 4500
#   vpn-raw   the same over raw IP protocol 50
# and the figures:
#   fwd / rev Mbit/s  iperf3 TCP, one stream, BENCH_SECONDS s (default 5), cli->srv
#                     (fwd) and srv->cli (rev, iperf3 -R; BENCH_REVERSE=0 skips it),
#                     BENCH_RUNS runs each (default 2): median [min-max]
#   RTT ms            median of BENCH_PINGS (50) pings cli->srv, 20 ms apart
#   retr              iperf3's TCP retransmits in a fwd run (median): packets the
#                     tunnel lost
#   CPU% srv/cli      utime+stime of the tunnel processes (vpn / charon) during the
#                     iperf runs, in % of one core
#   IKE setup ms      strongSwan: a fresh IKE_SA + CHILD_SA initiated from cli,
#                     BENCH_IKE_SAMPLES times (5), median [min-max]: inside charon
#                     (its log, ms timestamps: vici's "initiate" command received ->
#                     "CHILD_SA ... established", i.e. installed), and in parentheses
#                     the wall clock of `swanctl --initiate --child` (its start until
#                     it returns, with the child installed).  `swanctl --stats` alone
#                     (process start, plugins, one vici round trip) is printed below.
#                     vpn: ike_setup_vpn below (raw rows): from starting the
#                     initiator process to its child SA installed.
#   load/busy         when the path started: the 1-minute load average, and how
#                     busy the machine was (% of all CPUs) in the second before, while
#                     this script ran nothing (other users' share)
# Ratios vpn/strongSwan per algorithm.  A path that fails prints n/a and why; the
# script exits 0 after the table (NT_KEEP=1 keeps the logs).
#   VPN_BIN=build/vpn tests/bench/ipsec_throughput.sh
# Environment: BENCH_SECONDS (5), BENCH_RUNS (2), BENCH_REVERSE (1), BENCH_PINGS (50),
# BENCH_IKE_SAMPLES (5), BENCH_CIPHERS ("gcm cbc"), BENCH_PATHS ("sw vpn-udp vpn-raw"),
# BENCH_VETH (1: measure the bare veth), BENCH_QUICK=1 (gcm only, 1 run, 3 IKE
# samples), BENCH_IKE_PROPOSALS, BENCH_LOAD_MAX / BENCH_BUSY_MAX (e.g. 0.7 / 15:
# before each path wait until the 1-minute load / the busy % are below them, at
# most BENCH_LOAD_WAIT s, default 180; the benchmark's own runs raise the load),
# SW_LOGLEVEL (charon's ike/cfg/knl log level here, default 1).
set -euo pipefail
: "${SW_LOGLEVEL:=1}"
source "$(dirname "$0")/../lib/strongswan.sh"
source "$(dirname "$0")/../lib/tunnel.sh"

secs=${BENCH_SECONDS:-5}
runs=${BENCH_RUNS:-2}
reverse=${BENCH_REVERSE:-1}
pings=${BENCH_PINGS:-50}
ike_samples=${BENCH_IKE_SAMPLES:-5}
ciphers=${BENCH_CIPHERS:-gcm cbc}
paths=${BENCH_PATHS:-sw vpn-udp vpn-raw}
ike_proposals=${BENCH_IKE_PROPOSALS:-aes256-sha256-modp2048}
load_max=${BENCH_LOAD_MAX:-}
busy_max=${BENCH_BUSY_MAX:-}
load_wait=${BENCH_LOAD_WAIT:-180}
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    ciphers=${BENCH_CIPHERS:-gcm}
    runs=${BENCH_RUNS:-1}
    ike_samples=${BENCH_IKE_SAMPLES:-3}
fi
command -v iperf3 >/dev/null || { echo "iperf3 is not installed (tests/lib/deps.sh)" >&2; exit 1; }
nt_init ipsec_throughput
nt_need_vpn
sw_topology srv cli          # srv 192.168.77.1 + lo 10.77.1.1, cli .2 + lo 10.77.2.1
SRV=$NT_NET.1 CLI=$NT_NET.2
VPN_SRV_TUN=10.0.0.1 VPN_CLI_TUN=10.0.0.2
PSK=ipsec-bench-psk-0123456789abcdef
key=$NT_DIR/static.key
nt_genkey vpn "$key"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- helpers

# median / spread of the arguments: "M" or "M [MIN-MAX]"; "n/a" without any.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
spread() {
    (($# > 0)) || { echo n/a; return 0; }
    local m
    m=$(median "$@" | awk '{v = $1 + 0; print (v >= 100 ? sprintf("%.0f", v) : $1)}')
    if (($# == 1)); then
        echo "$m"
    else
        printf '%s\n' "$@" | sort -g | awk -v m="$m" 'NR == 1 {lo = $1} {hi = $1} END {printf "%s [%s-%s]", m, lo, hi}'
    fi
}
ratio() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "x%.2f", a / b}'; }

# res KEY VALUE...: one figure of the current path into its results file.
res() {
    local k=$1
    shift
    printf '%s=%s\n' "$k" "$*" >>"$RES"
}

# busy_pct: how busy the whole machine is over 1 s (100 = every CPU), measured
# while this script runs nothing: what other users of the machine take.
busy_pct() {
    local a b
    a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); u = y[1] - x[1]; i = y[2] - x[2]
        printf "%.0f\n", (u + i > 0 ? 100 * u / (u + i) : 0)}'
}

# wait_quiet: before a path, until the 1-minute load is below BENCH_LOAD_MAX and the
# machine's busy share (others' work) below BENCH_BUSY_MAX %, at most
# BENCH_LOAD_WAIT s; then BUSY holds the last sample.
wait_quiet() {
    local deadline=$((SECONDS + load_wait)) l
    while :; do
        BUSY=$(busy_pct)
        l=$(cut -d' ' -f1 /proc/loadavg)
        if awk -v l="$l" -v m="${load_max:-1e9}" -v b="$BUSY" -v bm="${busy_max:-101}" 'BEGIN {exit !(l < m && b < bm)}'; then
            return 0
        fi
        if ((SECONDS >= deadline)); then
            nt_step "load $l, busy $BUSY% after ${load_wait}s: measuring anyway"
            return 0
        fi
        nt_step "load $l (max ${load_max:--}), busy $BUSY% (max ${busy_max:--}): waiting"
        sleep 4
    done
}

# cpu_ticks PID...: utime+stime (all threads) of each PID, space-separated.
cpu_ticks() {
    local p
    for p in "$@"; do awk '{printf "%d ", $14 + $15}' "/proc/$p/stat" 2>/dev/null || printf '0 '; done
}

# iperf_run DST [-R]: one iperf3 TCP run (server one-off in srv, client in cli);
# Mbit/s received in IPERF_MBIT, sender retransmits in IPERF_RETR; CPU ticks of
# CPU_PIDS over the run added to CPU_USED, the run's wall time to CPU_WALL.
iperf_run() {
    local ip=$1 dir=${2:-} out=$NT_DIR/iperf.json spid cpid before after t0 t1 i
    nt_spawn srv "$NT_DIR/iperf-server.out" iperf3 -s -1 -p 5201
    spid=$NT_LAST_PID
    tn_wait_listening srv tcp 5201
    : >"$out"
    read -ra before <<<"$(cpu_ticks "${CPU_PIDS[@]}")"
    t0=$(date +%s.%N)
    nt_spawn cli "$out" iperf3 -c "$ip" -p 5201 -t "$secs" -J ${dir:+"$dir"}
    cpid=$NT_LAST_PID
    nt_wait_exit "$cpid" $((secs + 30)) || nt_fail "iperf3 client to $ip $dir did not finish"
    t1=$(date +%s.%N)
    read -ra after <<<"$(cpu_ticks "${CPU_PIDS[@]}")"
    ((NT_RC == 0)) || nt_fail "iperf3 client to $ip $dir failed: $(grep -m1 '"error"' "$out" || tail -n 3 "$out")"
    nt_wait_exit "$spid" 10 || kill "$spid" 2>/dev/null || true
    read -r IPERF_MBIT IPERF_RETR < <("$NT_PY" -c 'import json,sys
d = json.load(open(sys.argv[1]))["end"]
print("%.0f %s" % (d["sum_received"]["bits_per_second"] / 1e6, d.get("sum_sent", {}).get("retransmits", "-")))' "$out")
    for i in "${!CPU_PIDS[@]}"; do
        CPU_USED[i]=$((${CPU_USED[i]:-0} + ${after[i]:-0} - ${before[i]:-0}))
    done
    CPU_WALL=$(awk -v w="${CPU_WALL:-0}" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", w + b - a}')
}

# rtt_median DST: median of $pings ping RTTs cli->DST, in ms.
rtt_median() {
    nt_exec cli ping -n -c "$pings" -i 0.02 -W 2 "$1" 2>/dev/null |
        sed -nE 's/.* time=([0-9.]+) ms.*/\1/p' | sort -g |
        awk '{v[NR] = $1} END {if (NR) printf "%.3f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}

# ---------------------------------------------------------------- paths
# Each path: up_IMPL CIPHER ENCAP sets DST (srv's inner address), CPU_PIDS (srv
# side first), the tunnel device's MTU in res; ike_IMPL CIPHER measures the IKE
# set-up; down_IMPL stops it.  They run inside measure_path's subshell: nt_fail
# there ends only this path (its reason printed as n/a).

esp_name() { case $1 in gcm) echo aes256gcm16 ;; cbc) echo aes128-sha1 ;; *) nt_fail "unknown cipher $1" ;; esac; }

up_veth() { DST=$SRV CPU_PIDS=(); }
ike_veth() { :; }
down_veth() { :; }

# vpn_conf FILE ROLE CIPHER ENCAP
vpn_conf() {
    local file=$1 role=$2 cipher=$3 encap=$4
    {
        echo "technique ipsec"
        echo "dev tun"
        if [[ $role == srv ]]; then
            echo "ifconfig $VPN_SRV_TUN $VPN_CLI_TUN"
        else
            echo "remote $SRV"
            echo "ifconfig $VPN_CLI_TUN $VPN_SRV_TUN"
        fi
        echo "secret $key"
        echo "verb 3"
        case $cipher in
            gcm) echo "esp-proposals aes256gcm16" ;;
            cbc) printf 'cipher AES-128-CBC\nauth SHA1\n' ;;
        esac
        [[ $encap != udp ]] || echo "nat-traversal force"
    } >"$file"
}

up_vpn() {
    local cipher=$1 encap=$2 role ns addr
    NT_LOGS=()
    for ns in srv cli; do
        role=vpn-$ns
        vpn_conf "$NT_DIR/$role.conf" "$ns" "$cipher" "$encap"
        NT_LOGS+=("$NT_DIR/$role.conf")
        nt_start_peer vpn "$ns" "$role" "$NT_DIR/$role.conf"
    done
    for ns in srv cli; do
        addr=$VPN_SRV_TUN
        [[ $ns == cli ]] && addr=$VPN_CLI_TUN
        tn_wait_tun "$ns" "vpn-$ns" "$addr"
        nt_wait_ready "vpn-$ns"
    done
    DST=$VPN_SRV_TUN
    CPU_PIDS=("${NT_PID[vpn-srv]}" "${NT_PID[vpn-cli]}")
    res mtu "$(ip -n "$(nt_ns cli)" -o link show | awk '/ tun|: tun/ {for (i = 1; i < NF; i++) if ($i == "mtu") {print $(i + 1); exit}}')"
    grep -m1 -F 'ESP SAs:' "${NT_LOG[vpn-cli]}" | sed 's/^.*ESP SAs: */sas=/' >>"$RES" || true
}

# ike_setup_vpn CIPHER ENCAP: BENCH_IKE_SAMPLES fresh IKE SAs (+ child) of vpn with
# a PSK, initiated from cli: the wall time from starting the initiator process until
# it logs its child SA installed (process start, config, device and the IKE_SA_INIT
# + IKE_AUTH exchanges).  Beside the static-key tunnel of the path, on other tunnel
# addresses; only in the raw rows (there UDP 500/4500 are free).
ike_setup_vpn() {
    local cipher=$1 encap=$2 i t0 t1 deadline walls=() psk=$NT_DIR/ike.psk role
    if [[ $encap != raw ]]; then
        res ike_na "measured in the raw row"
        return 0
    fi
    printf '%s\n' "$PSK" >"$psk"
    chmod 600 "$psk"
    for role in srv cli; do
        {
            echo "technique ipsec"
            echo "dev tun"
            if [[ $role == srv ]]; then echo "ifconfig 10.99.0.1 10.99.0.2"; else printf 'remote %s\nifconfig 10.99.0.2 10.99.0.1\n' "$SRV"; fi
            echo "ike-psk $psk"
            echo "esp-proposals $(esp_name "$cipher")"
            echo "verb 3"
        } >"$NT_DIR/ike-$role.conf"
    done
    nt_start_peer vpn srv ike-srv "$NT_DIR/ike-srv.conf"
    nt_wait_ready ike-srv
    for ((i = 1; i <= ike_samples; i++)); do
        nt_step "vpn IKE sample $i"
        t0=$(date +%s%N)
        nt_start_peer vpn cli "ike-cli$i" "$NT_DIR/ike-cli.conf"
        deadline=$((SECONDS + 10))
        until grep -q 'ESP SA up' "${NT_LOG[ike-cli$i]}" 2>/dev/null; do
            ((SECONDS < deadline)) || nt_fail "vpn IKE sample $i: no child SA within 10 s"
            sleep 0.001
        done
        t1=$(date +%s%N)
        walls+=("$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.1f", d / 1e6}')")
        nt_stop "ike-cli$i"
    done
    nt_stop ike-srv
    res ike_wall "${walls[@]}"
}
ike_vpn() { ike_setup_vpn "$@"; }

down_vpn() {
    local role
    for role in vpn-cli vpn-srv; do
        nt_stop "$role"
        ((NT_RC == 0)) || nt_fail "$role exited with status $NT_RC after SIGTERM"
    done
}

# charon's file log with millisecond timestamps (merged into the library's "main").
SW_LOG_MS=$'filelog {\n    main {\n        time_add_ms = yes\n    }\n}'

up_sw() {
    local esp
    esp=$(esp_name "$1")
    NT_LOGS=()
    sw_check
    sw_conf_psk sw-srv srv local_addrs="$SRV" remote_addrs="$CLI" local_id=srv.bench.test remote_id=cli.bench.test \
        secret="$PSK" local_ts="$SW_INNER_A/32" remote_ts="$SW_INNER_B/32" proposals="$ike_proposals" \
        esp_proposals="$esp" charon_extra="$SW_LOG_MS"
    sw_conf_psk sw-cli cli local_addrs="$CLI" remote_addrs="$SRV" local_id=cli.bench.test remote_id=srv.bench.test \
        secret="$PSK" local_ts="$SW_INNER_B/32" remote_ts="$SW_INNER_A/32" proposals="$ike_proposals" \
        esp_proposals="$esp" charon_extra="$SW_LOG_MS"
    sw_start sw-srv
    sw_start sw-cli
    sw_initiate sw-cli h2h 20
    sw_wait_child sw-srv h2h 5
    # The installed CHILD_SA's fields (an AEAD has no integ-alg: read them leniently).
    local child f got=()
    child=$(sw_sas sw-cli | grep -oE '\{name=h2h [^{}]*state=INSTALLED[^{}]*\}' | tail -n 1 || true)
    for f in encr-alg encr-keysize integ-alg encap; do
        got+=("$f=$(grep -oE "[ {]$f=[^ {}]*" <<<"$child" | sed 's/^.*=//' || true)")
    done
    res sas "strongSwan CHILD_SA ${got[*]}"
    [[ " ${got[*]} " == *" encap=yes "* ]] || nt_fail "strongSwan's CHILD_SA is not UDP-encapsulated: ${got[*]}"
    DST=$SW_INNER_A
    CPU_PIDS=("${NT_PID[sw-srv]}" "${NT_PID[sw-cli]}")
    res mtu "$(ip -n "$(nt_ns cli)" -o link show dev ipsec0 | sed -nE 's/.* mtu ([0-9]+).*/\1/p')"
}

# log_ms HH:MM:SS.mmm -> milliseconds since midnight
log_ms() { awk -F'[:.]' '{printf "%d\n", (($1 * 60 + $2) * 60 + $3) * 1000 + $4}' <<<"$1"; }

# ike_sw CIPHER: BENCH_IKE_SAMPLES fresh IKE_SAs (+ CHILD_SA) initiated from cli.
ike_sw() {
    local i t0 t1 id a b log=${NT_LOG[sw-cli]} walls=() ins=() own=()
    for ((i = 0; i < 3; i++)); do
        t0=$(date +%s%N)
        sw_ctl sw-cli --stats >/dev/null || nt_fail "swanctl --stats failed"
        t1=$(date +%s%N)
        own+=($(((t1 - t0) / 1000)))
    done
    res swanctl_us "${own[@]}"
    for ((i = 1; i <= ike_samples; i++)); do
        nt_step "strongSwan IKE sample $i"
        sw_ctl sw-cli --terminate --ike h2h --timeout 10 >/dev/null || nt_fail "swanctl --terminate failed"
        sw_wait_gone sw-cli h2h 10
        sw_wait_gone sw-srv h2h 10
        sleep 0.2
        t0=$(date +%s%N)
        sw_ctl sw-cli --initiate --child h2h --timeout 20 --loglevel 0 >"$NT_DIR/ike-initiate.out" ||
            nt_fail "swanctl --initiate (sample $i) failed: $(tail -n 3 "$NT_DIR/ike-initiate.out" | paste -sd'|')"
        t1=$(date +%s%N)
        sw_wait_child sw-cli h2h 5
        walls+=("$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.1f", d / 1e6}')")
        # charon's own view: its log lines of this IKE_SA (unique id N: "<h2h|N>").
        # From vici's "initiate" command to "CHILD_SA ... established" (installed).
        id=$(sed -nE 's/.*initiating IKE_SA h2h\[([0-9]+)\].*/\1/p' "$log" | tail -n 1)
        a=$(grep -F "vici initiate CHILD_SA 'h2h'" "$log" | tail -n 1 | awk '{print $1}')
        b=$(grep -F "<h2h|$id> CHILD_SA h2h{" "$log" | grep -F ' established ' | tail -n 1 | awk '{print $1}')
        if [[ $a == *.* && $b == *.* ]]; then
            a=$(log_ms "$a")
            b=$(log_ms "$b")
            ((b >= a)) || b=$((b + 86400000))
            ins+=($((b - a)))
        fi
    done
    sw_wait_child sw-srv h2h 5
    res ike "${walls[@]}"
    res ike_in "${ins[@]}"
}

down_sw() {
    sw_stop sw-cli
    sw_stop sw-srv
}

# measure_path LABEL IMPL CIPHER ENCAP: one path in a subshell of its own (its
# processes stopped by pid when it ends, whatever happens); its figures in
# $NT_DIR/res.LABEL, and "fail=REASON" if it could not finish.
measure_path() {
    local label=$1 impl=$2 cipher=$3 encap=$4 rc=0 pid
    RES=$NT_DIR/res.$label
    : >"$RES"
    rm -f "$NT_DIR/.fail"
    wait_quiet
    res load "$(cut -d' ' -f1 /proc/loadavg)/$BUSY%"
    nt_step "path $label"
    (
        # A subshell of its own: errexit and the ERR trap (-E) work here even
        # though the caller waits for it with ||; its EXIT trap stops what it
        # started, by pid (the main EXIT trap still sweeps the namespaces).
        NT_PIDS=()
        trap 'for p in "${NT_PIDS[@]}"; do nt_alive "$p" && kill -TERM "$p" 2>/dev/null; done
              for p in "${NT_PIDS[@]}"; do nt_wait_exit "$p" 5 || kill -KILL "$p" 2>/dev/null; done' EXIT
        trap 'exit 143' TERM INT HUP
        "up_$impl" "$cipher" "$encap"
        NT_TIMEOUT=10 nt_ping cli "$DST" 3 || nt_fail "$NT_WHY"
        local r mb=() rv=() retr=()
        CPU_USED=() CPU_WALL=0
        for ((r = 1; r <= runs; r++)); do
            nt_step "$label: iperf3 fwd run $r"
            iperf_run "$DST"
            mb+=("$IPERF_MBIT") retr+=("$IPERF_RETR")
            res fwd "${mb[@]}"
            if [[ $reverse == 1 ]]; then
                nt_step "$label: iperf3 rev run $r"
                iperf_run "$DST" -R
                rv+=("$IPERF_MBIT")
                res rev "${rv[@]}"
            fi
        done
        res retr "${retr[@]}"
        if ((${#CPU_PIDS[@]} > 0)); then
            res cpu "$(awk -v s="${CPU_USED[0]:-0}" -v c="${CPU_USED[1]:-0}" -v w="$CPU_WALL" -v hz="$(getconf CLK_TCK)" \
                'BEGIN {printf "%.0f/%.0f", 100 * s / hz / w, 100 * c / hz / w}')"
        fi
        nt_step "$label: ping"
        res rtt "$(rtt_median "$DST")"
        "ike_$impl" "$cipher" "$encap"
        "down_$impl"
    ) &
    pid=$!
    NT_PIDS+=("$pid")
    wait "$pid" || rc=$?
    if ((rc != 0)); then
        res fail "$(cat "$NT_DIR/.fail" 2>/dev/null || echo "exit status $rc")"
        rm -f "$NT_DIR/.fail"
    fi
}

# get LABEL KEY: a figure of a path ("" if absent).
get() { sed -n "s/^$2=//p" "$NT_DIR/res.$1" 2>/dev/null | tail -n 1; }

# ---------------------------------------------------------------- run

labels=()
if [[ ${BENCH_VETH:-1} == 1 ]]; then
    measure_path veth veth - -
    labels+=(veth)
fi
for cipher in $ciphers; do
    for p in $paths; do
        case $p in
            sw) measure_path "$cipher-sw" sw "$cipher" udp ;;
            vpn-udp) measure_path "$cipher-vpn-udp" vpn "$cipher" udp ;;
            vpn-raw) measure_path "$cipher-vpn-raw" vpn "$cipher" raw ;;
            *) nt_fail "BENCH_PATHS: unknown path '$p' (sw vpn-udp vpn-raw)" ;;
        esac
        labels+=("$cipher-$p")
    done
done

# ---------------------------------------------------------------- table

fmt='%-26s %-10s %-20s %-20s %-7s %-7s %-9s %-10s %s\n'
# shellcheck disable=SC2059
printf "$fmt" path impl "fwd Mbit/s" "rev Mbit/s" "RTT ms" "retr" "CPU% s/c" load/busy "IKE setup ms: charon (swanctl wall)"
notes=()
for l in "${labels[@]}"; do
    case $l in
        veth) path="veth (no tunnel)" impl=- ;;
        *-sw) path="$(esp_name "${l%%-*}") UDP 4500" impl=strongSwan ;;
        *-vpn-udp) path="$(esp_name "${l%%-*}") UDP 4500" impl=vpn ;;
        *-vpn-raw) path="$(esp_name "${l%%-*}") raw proto 50" impl=vpn ;;
    esac
    # shellcheck disable=SC2046
    fwd=$(spread $(get "$l" fwd))
    # shellcheck disable=SC2046
    rev=$(spread $(get "$l" rev))
    [[ $reverse == 1 ]] || rev=-
    ike=-
    if [[ -n $(get "$l" ike_na) ]]; then
        ike="n/a ($(get "$l" ike_na))"
    elif [[ -n $(get "$l" ike_wall) ]]; then
        # shellcheck disable=SC2046
        ike="$(spread $(get "$l" ike_wall)) (process start to child SA)"
    elif [[ -n $(get "$l" ike) ]]; then
        # shellcheck disable=SC2046
        ike="$(spread $(get "$l" ike_in)) (swanctl $(spread $(get "$l" ike)))"
    elif [[ $l != veth ]]; then
        ike=n/a
    fi
    # shellcheck disable=SC2059
    printf "$fmt" "$path" "$impl" "$fwd" "$rev" "$(get "$l" rtt || true)" "$(median $(get "$l" retr) | awk '$1 != "" {printf "%.0f", $1}')" "$(get "$l" cpu)" "$(get "$l" load)" "$ike"
    reason=$(get "$l" fail)
    [[ -z $reason ]] || notes+=("n/a $impl $path: $reason")
    [[ -z $(get "$l" mtu) ]] || mtus+="${mtus:+, }$impl $path: MTU $(get "$l" mtu)"
done

echo
for cipher in $ciphers; do
    sw=$cipher-sw
    line=""
    for v in udp raw; do
        l=$cipher-vpn-$v
        [[ -s $NT_DIR/res.$l && -s $NT_DIR/res.$sw ]] || continue
        # shellcheck disable=SC2046
        line+="${line:+;  }vpn $v/strongSwan: fwd $(ratio "$(median $(get "$l" fwd))" "$(median $(get "$sw" fwd))")"
        # shellcheck disable=SC2046
        [[ $reverse != 1 ]] || line+=", rev $(ratio "$(median $(get "$l" rev))" "$(median $(get "$sw" rev))")"
        line+=", RTT $(ratio "$(get "$l" rtt)" "$(get "$sw" rtt)")"
    done
    [[ -z $line ]] || echo "$(esp_name "$cipher"): $line"
done
for l in "${labels[@]}"; do
    [[ $l == *-sw && -n $(get "$l" swanctl_us) ]] || continue
    # shellcheck disable=SC2046
    echo "IKE setup (fresh IKE_SA + CHILD_SA, PSK, initiated from cli; median [min-max] of $ike_samples): charon = inside the initiator, from vici's initiate command to 'CHILD_SA ... established' (installed), its log's ms timestamps; swanctl wall = from starting 'swanctl --initiate' until it returns.  'swanctl --stats' alone (process start + a vici round trip) takes $(median $(get "$l" swanctl_us) | awk '{printf "%.1f", $1 / 1000}') ms"
    break
done
for n in "${notes[@]}"; do echo "$n"; done
echo "(iperf3 TCP 1 stream ${secs}s x $runs runs per direction, median [min-max]; RTT median of $pings pings; ${mtus:-}; IKE $ike_proposals, PSK; $(nproc) CPUs shared by both ends; load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg))"
NT_DONE=1  # a benchmark gives figures, not a verdict
exit 0
