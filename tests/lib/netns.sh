# shellcheck shell=bash
# Shared helpers for the namespace tests (tests/integration, tests/interop, tests/bench).
#
#   set -euo pipefail
#   source "$(dirname "$0")/../lib/netns.sh"
#   nt_init p2p_udp            # unique names, temp dir, EXIT/ERR traps
#   nt_pair srv cli            # namespaces vpnt-p2p_udp-$$-srv/-cli, veth 192.168.77.1/.2
#   nt_start_peer vpn srv server "$conf"; nt_wait_ready server
#   nt_ping srv 10.0.0.2 || nt_fail "$NT_WHY"
#   nt_pass                    # prints "PASS p2p_udp", exits 0
#
# Every process goes through nt_spawn (background, pid recorded, killed by pid in
# the EXIT trap); every wait polls against a deadline; namespaces are deleted on
# exit, failure or interrupt.  A failing command under `set -e` becomes one
# "FAIL name: ..." line (ERR trap) followed by the tails of the current logs.
#
# Environment:
#   VPN_BIN      the vpn binary (required by scripts that run it)
#   OPENVPN_BIN  stock openvpn (default /usr/sbin/openvpn)
#   NT_IMPL      what integration tests run as "vpn": vpn (default) or openvpn
#                (openvpn validates the tests themselves against the reference)
#   NT_TIMEOUT   default deadline of one wait, seconds (20)
#   NT_VERBOSE=1 progress on stderr;  NT_KEEP=1 keep the temp dir (logs)

NT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NT_OPENVPN=${OPENVPN_BIN:-/usr/sbin/openvpn}
# The system python starts fastest (a version-manager shim adds ~0.1 s a run).
NT_PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
NT_TIMEOUT=${NT_TIMEOUT:-20}
NT_IMPL=${NT_IMPL:-vpn}
NT_NET=192.168.77          # veth subnet: .1 = first namespace, .2 = second

declare -gA NT_PID=() NT_LOG=() NT_OUT=() NT_IMPL_OF=()
NT_PIDS=()
NT_NETNS=()
NT_LOGS=()      # logs tailed by nt_fail (the current session's)
NT_DONE=0
NT_STEP=""
NT_WHY=""

# ---------------------------------------------------------------- lifecycle

nt_init() {
    NT_NAME=$1
    NT_TAG="vpnt-$1-$$"
    NT_DIR=$(mktemp -d "/tmp/${NT_TAG}.XXXXXX")
    set -E
    trap nt_cleanup EXIT
    trap 'nt_on_err "$LINENO" "$BASH_COMMAND"' ERR
    trap 'nt_fail "interrupted by a signal"' INT TERM HUP
    # Output piped into `head` and closed: no verdict can be printed, but clean up.
    trap 'NT_DONE=1; exit 141' PIPE
    if [[ $(id -u) -ne 0 ]]; then
        nt_fail "must run as root (network namespaces, tun devices)"
    fi
}

# nt_step TEXT: names the current phase (shown in FAIL lines; on stderr if verbose).
nt_step() {
    NT_STEP=$*
    # A subshell's failure that the main shell tolerated (e.g. `f "$(sw_ike_field ..)"`)
    # must not stand in for a later, unrelated failure's reason.
    if ((BASH_SUBSHELL == 0)) && [[ -n ${NT_DIR:-} ]]; then rm -f "$NT_DIR/.fail"; fi
    if [[ ${NT_VERBOSE:-0} == 1 ]]; then
        printf '[%s %(%T)T] %s\n' "$NT_NAME" -1 "$*" >&2
    fi
}

nt_on_err() {
    nt_fail "unexpected command failure at line $1: $2"
}

nt_pass() {
    NT_DONE=1
    echo "PASS $NT_NAME${1:+ ($*)}"
    exit 0
}

# nt_fail WHY: one FAIL line, the tail of every current log, exit 1.
# Called inside $(...), it leaves its reason in a file for the main shell, whose
# next nt_fail (or ERR trap) reports that reason, the root cause, instead.
nt_fail() {
    if ((BASH_SUBSHELL > 0)); then
        [[ -s $NT_DIR/.fail ]] || printf '%s' "${NT_STEP:+[$NT_STEP] }$*" >"$NT_DIR/.fail"
        exit 1
    fi
    trap - ERR
    if [[ $NT_DONE == 1 ]]; then exit 1; fi
    NT_DONE=1
    if [[ -s ${NT_DIR:-/nonexistent}/.fail ]]; then
        echo "FAIL $NT_NAME: $(<"$NT_DIR/.fail")"
    else
        echo "FAIL $NT_NAME: ${NT_STEP:+[$NT_STEP] }$*"
    fi
    local f
    for f in "${NT_LOGS[@]}"; do
        if [[ -s $f ]]; then
            echo "---- tail $f"
            tail -n "${NT_TAIL:-25}" "$f" | sed 's/^/    /'
        fi
    done
    exit 1
}

nt_cleanup() {
    local rc=$? pid ns deadline
    trap - ERR INT TERM HUP
    trap '' PIPE
    set +e
    if [[ $NT_DONE != 1 ]]; then
        # `set -u` errors and the like bypass the ERR trap: still give one verdict.
        if [[ -s ${NT_DIR:-/nonexistent}/.fail ]]; then
            echo "FAIL ${NT_NAME:-?}: $(<"$NT_DIR/.fail")"
        else
            echo "FAIL ${NT_NAME:-?}: script ended without a verdict (exit status $rc)"
        fi
        ((rc == 0)) && rc=1
    fi
    for pid in "${NT_PIDS[@]}"; do
        nt_alive "$pid" && kill -TERM "$pid" 2>/dev/null
    done
    deadline=$((SECONDS + 5))
    for pid in "${NT_PIDS[@]}"; do
        while nt_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        nt_alive "$pid" && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    # Anything still inside our own namespaces (e.g. a daemonized child) was started
    # by this script: end it by pid before the namespace goes.
    for ns in "${NT_NETNS[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -KILL "$pid" 2>/dev/null
        done
        ip netns del "$ns" 2>/dev/null
    done
    if [[ ${NT_KEEP:-0} == 1 ]]; then
        echo "kept $NT_DIR" >&2
    elif [[ -n ${NT_DIR:-} ]]; then
        rm -rf "$NT_DIR"
    fi
    exit "$rc"
}

# nt_need_vpn: VPN_BIN must name an executable (a FAIL line otherwise).
nt_need_vpn() {
    [[ -n ${VPN_BIN:-} ]] || nt_fail "set VPN_BIN to the vpn binary"
    [[ -x $VPN_BIN ]] || nt_fail "VPN_BIN=$VPN_BIN is not an executable"
}

# ---------------------------------------------------------------- namespaces

nt_ns() { printf '%s-%s' "$NT_TAG" "$1"; }

# nt_exec NS CMD...: run CMD inside namespace NS (short name), in the foreground.
nt_exec() {
    local ns
    ns=$(nt_ns "$1")
    shift
    ip netns exec "$ns" "$@"
}

# nt_add_ns NAME: new namespace with lo up and IPv6 off (no stray RS/MLD packets
# on the tunnel, so traffic counters only see what the test sends).
nt_add_ns() {
    local ns
    ns=$(nt_ns "$1")
    ip netns add "$ns"
    NT_NETNS+=("$ns")
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
                               echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
}

# nt_pair A B [NET]: namespaces A and B joined by veth0 <-> veth0, NET.1 and NET.2 /24.
nt_pair() {
    local a=$1 b=$2 net=${3:-$NT_NET}
    nt_add_ns "$a"
    nt_add_ns "$b"
    ip link add veth0 netns "$(nt_ns "$a")" type veth peer name veth0 netns "$(nt_ns "$b")"
    ip -n "$(nt_ns "$a")" addr add "$net.1/24" dev veth0
    ip -n "$(nt_ns "$b")" addr add "$net.2/24" dev veth0
    ip -n "$(nt_ns "$a")" link set veth0 up
    ip -n "$(nt_ns "$b")" link set veth0 up
}

# nt_links NS: interface names in NS, one a line.
nt_links() {
    ip -n "$(nt_ns "$1")" -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}'
}

# nt_tun_devices NS: the tun/tap devices in NS, one a line.
nt_tun_devices() {
    local dev
    for dev in $(nt_links "$1"); do
        if ip -n "$(nt_ns "$1")" -d link show "$dev" 2>/dev/null | grep -qE '^ +tun '; then
            echo "$dev"
        fi
    done
}

# ---------------------------------------------------------------- processes

# nt_alive PID: true while PID runs (a zombie counts as dead).
nt_alive() {
    local st
    [[ -r /proc/$1/stat ]] || return 1
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}

# nt_spawn NS OUTFILE CMD...: CMD in the background inside NS; pid in NT_LAST_PID.
nt_spawn() {
    local ns out=$2
    ns=$(nt_ns "$1")
    shift 2
    ip netns exec "$ns" "$@" </dev/null >>"$out" 2>&1 &
    NT_LAST_PID=$!
    NT_PIDS+=("$NT_LAST_PID")
}

# nt_wait_exit PID [TIMEOUT]: wait until PID ends; its exit status in NT_RC.
# Returns 1 (and leaves it running) on timeout.
nt_wait_exit() {
    local pid=$1 deadline=$((SECONDS + ${2:-$NT_TIMEOUT}))
    while nt_alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
    NT_RC=0
    wait "$pid" 2>/dev/null || NT_RC=$?
    return 0
}

# nt_start_peer IMPL NS ROLE CONF [--directive args...]: start vpn or openvpn with
# CONF in NS, logging to $NT_DIR/ROLE.log (the program's `log` file) and
# $NT_DIR/ROLE.out (its stdout/stderr).  NT_PID[ROLE], NT_LOG[ROLE] are set.
nt_start_peer() {
    local impl=$1 ns=$2 role=$3 conf=$4
    shift 4
    local log=$NT_DIR/$role.log out=$NT_DIR/$role.out
    rm -f "$log" "$out"
    : >"$log"
    local -a cmd
    case $impl in
        vpn) cmd=("${VPN_BIN:?set VPN_BIN to the vpn binary}" "$conf" --log "$log" "$@") ;;
        openvpn) cmd=("$NT_OPENVPN" --config "$conf" --providers legacy default --log "$log" "$@") ;;
        *) nt_fail "nt_start_peer: unknown implementation '$impl'" ;;
    esac
    nt_spawn "$ns" "$out" "${cmd[@]}"
    NT_PID[$role]=$NT_LAST_PID
    NT_LOG[$role]=$log
    NT_OUT[$role]=$out
    NT_IMPL_OF[$role]=$impl
    NT_LOGS+=("$log" "$out")
}

# nt_wait_log FILE TEXT [TIMEOUT] [PID]: wait until FILE contains TEXT (fixed string).
# Returns 1 on timeout, 2 as soon as PID (if given) has died.
nt_wait_log() {
    local file=$1 text=$2 deadline=$((SECONDS + ${3:-$NT_TIMEOUT})) pid=${4:-}
    while ! grep -qF -- "$text" "$file" 2>/dev/null; do
        if [[ -n $pid ]] && ! nt_alive "$pid"; then
            grep -qF -- "$text" "$file" 2>/dev/null && return 0
            return 2
        fi
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# nt_wait_log_re FILE ERE [TIMEOUT] [PID]: as nt_wait_log with an extended regex.
nt_wait_log_re() {
    local file=$1 re=$2 deadline=$((SECONDS + ${3:-$NT_TIMEOUT})) pid=${4:-}
    while ! grep -qE -- "$re" "$file" 2>/dev/null; do
        if [[ -n $pid ]] && ! nt_alive "$pid"; then
            grep -qE -- "$re" "$file" 2>/dev/null && return 0
            return 2
        fi
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# nt_count_log FILE TEXT: how many lines of FILE contain TEXT.
nt_count_log() {
    grep -cF -- "$2" "$1" 2>/dev/null || true
}

# nt_wait_role ROLE TEXT [TIMEOUT]: nt_wait_log on ROLE's log, failing the test.
nt_wait_role() {
    local role=$1 text=$2 t=${3:-$NT_TIMEOUT} rc=0
    nt_wait_log "${NT_LOG[$role]}" "$text" "$t" "${NT_PID[$role]}" || rc=$?
    case $rc in
        0) ;;
        2) nt_fail "$role died before logging '$text'" ;;
        *) nt_fail "$role did not log '$text' within ${t}s" ;;
    esac
}

nt_wait_ready() { nt_wait_role "$1" "Initialization Sequence Completed" "${2:-$NT_TIMEOUT}"; }

# nt_stop ROLE [TIMEOUT]: SIGTERM, wait for the exit; its status in NT_RC.
nt_stop() {
    local role=$1 pid=${NT_PID[$1]}
    kill -TERM "$pid" 2>/dev/null || true
    nt_wait_exit "$pid" "${2:-10}" || nt_fail "$role (pid $pid) still running ${2:-10}s after SIGTERM"
}

# ---------------------------------------------------------------- statistics

# nt_stats ROLE: SIGUSR2 to ROLE, wait for the statistics block ("... END") and
# copy the newest block to a file whose path is left in NT_STATS.
nt_stats() {
    local role=$1 log=${NT_LOG[$1]} pid=${NT_PID[$1]} before n deadline
    before=$(grep -cE '(^|[[:space:]])END$' "$log" 2>/dev/null || true)
    kill -USR2 "$pid" 2>/dev/null || nt_fail "$role (pid $pid) is gone: cannot signal SIGUSR2"
    deadline=$((SECONDS + 10))
    while :; do
        n=$(grep -cE '(^|[[:space:]])END$' "$log" 2>/dev/null || true)
        ((n > before)) && break
        ((SECONDS < deadline)) || nt_fail "$role wrote no statistics block (no 'END' line) within 10s of SIGUSR2"
        sleep 0.1
    done
    NT_STATS_SEQ=$((${NT_STATS_SEQ:-0} + 1))
    NT_STATS=$NT_DIR/$role.stats.$NT_STATS_SEQ
    # The newest complete block: from its "OpenVPN STATISTICS" line to its "END".
    awk '/OpenVPN STATISTICS/ {n = 0; on = 1}
         on {buf[n++] = $0}
         on && /(^|[[:space:]])END$/ {on = 0; m = n; for (i = 0; i < n; i++) last[i] = buf[i]}
         END {for (i = 0; i < m; i++) print last[i]}' "$log" >"$NT_STATS"
}

# nt_stat FILE NAME: the number after "NAME," in a statistics block (empty if absent).
nt_stat() {
    awk -v key="$2," '{
        i = index($0, key)
        if (i == 1 || (i > 1 && substr($0, i - 1, 1) == " ")) { v = substr($0, i + length(key)) }
    } END { gsub(/[^0-9]/, "", v); print v }' "$1"
}

# nt_stat_delta BEFORE AFTER NAME: AFTER's NAME minus BEFORE's (fails if absent).
nt_stat_delta() {
    local a b
    a=$(nt_stat "$1" "$3")
    b=$(nt_stat "$2" "$3")
    [[ -n $a && -n $b ]] || nt_fail "statistics line '$3,N' missing (files $1 $2)"
    echo $((b - a))
}

# ---------------------------------------------------------------- traffic

# nt_ping NS IP [COUNT]: wait (up to NT_TIMEOUT) for a first reply, then require
# COUNT of COUNT replies.  On failure returns 1 with the reason in NT_WHY.
nt_ping() {
    local ns=$1 ip=$2 count=${3:-5} deadline=$((SECONDS + NT_TIMEOUT)) out got
    until nt_exec "$ns" ping -n -q -c 1 -W 1 "$ip" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            NT_WHY="no ping reply from $ip (namespace $ns) within ${NT_TIMEOUT}s"
            return 1
        fi
    done
    out=$(nt_exec "$ns" ping -n -q -c "$count" -i 0.2 -W 2 -w 15 "$ip" 2>&1 || true)
    got=$(sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p' <<<"$out")
    if [[ $got != "$count" ]]; then
        NT_WHY="ping $ip from $ns: ${got:-0}/$count replies ($(tail -n 2 <<<"$out" | head -n 1))"
        return 1
    fi
}

# nt_no_ping NS IP: true if IP does NOT answer 3 pings (used by negative checks).
nt_no_ping() {
    ! nt_exec "$1" ping -n -q -c 3 -i 0.3 -W 1 "$2" >/dev/null 2>&1
}

# nt_payload KIND MB: path of a cached MB-megabyte file; KIND random (incompressible)
# or text (highly compressible, so that LZO really compresses it).
nt_payload() {
    local kind=$1 mb=$2 f=$NT_DIR/payload-$1-$2.bin
    if [[ ! -s $f ]]; then
        case $kind in
            random) head -c $((mb * 1048576)) /dev/urandom >"$f" ;;
            text) "$NT_PY" - "$f" "$mb" <<'EOF'
import sys
line = b"".join(b"%08d the quick brown fox jumps over the lazy dog 0123456789\n" % i for i in range(1000))
with open(sys.argv[1], "wb") as f:
    n = int(sys.argv[2]) * 1048576
    while n > 0:
        f.write(line[:n]); n -= len(line)
EOF
                ;;
            *) nt_fail "nt_payload: unknown kind $kind" ;;
        esac
    fi
    echo "$f"
}

# nt_transfer SRC_NS DST_NS DST_IP FILE [PORT]: send FILE over TCP from SRC_NS to a
# receiver in DST_NS and compare sha256.  Returns 1 with NT_WHY on any mismatch.
nt_transfer() {
    local src=$1 dst=$2 ip=$3 file=$4 port=${5:-5001}
    local recv=$NT_DIR/recv.$RANDOM.bin ready=$NT_DIR/ready.$RANDOM rpid spid t0 deadline
    local rout=$NT_DIR/xfer-recv.out sout=$NT_DIR/xfer-send.out
    : >"$rout"
    : >"$sout"
    nt_spawn "$dst" "$rout" "$NT_PY" "$NT_LIB/xfer.py" recv "$port" "$recv" --timeout 40 --ready "$ready"
    rpid=$NT_LAST_PID
    deadline=$((SECONDS + 10))
    until [[ -e $ready ]]; do
        if ((SECONDS >= deadline)) || ! nt_alive "$rpid"; then
            NT_WHY="receiver did not start: $(tail -n 3 "$rout")"
            return 1
        fi
        sleep 0.05
    done
    t0=$(date +%s.%N)
    nt_spawn "$src" "$sout" "$NT_PY" "$NT_LIB/xfer.py" send "$ip" "$port" "$file" --timeout 35
    spid=$NT_LAST_PID
    if ! nt_wait_exit "$spid" 45; then
        NT_WHY="sender to $ip:$port still running after 45s"
        return 1
    fi
    if ((NT_RC != 0)); then
        NT_WHY="sender of $(basename "$file") $src->$dst $ip:$port failed: $(tail -n 2 "$sout")"
        return 1
    fi
    if ! nt_wait_exit "$rpid" 20 || ((NT_RC != 0)); then
        NT_WHY="receiver failed: $(tail -n 2 "$rout")"
        return 1
    fi
    local want have size
    want=$(sha256sum <"$file" | cut -d' ' -f1)
    have=$(sha256sum <"$recv" | cut -d' ' -f1)
    size=$(stat -c %s "$recv")
    NT_XFER_SECONDS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
    rm -f "$recv" "$ready"
    if [[ $want != "$have" ]]; then
        NT_WHY="transfer of $(basename "$file") $src->$dst corrupted: got $size of $(stat -c %s "$file") bytes, sha256 differs"
        return 1
    fi
    nt_step "transferred $(basename "$file") $src->$dst in ${NT_XFER_SECONDS}s"
}

# nt_genkey IMPL FILE: a static key made by vpn or by openvpn.
nt_genkey() {
    local impl=$1 file=$2 out=$NT_DIR/genkey.out
    case $impl in
        vpn) timeout 10 "${VPN_BIN:?}" --genkey secret "$file" >"$out" 2>&1 ;;
        openvpn) timeout 10 "$NT_OPENVPN" --genkey secret "$file" >"$out" 2>&1 ;;
        *) nt_fail "nt_genkey: unknown implementation '$impl'" ;;
    esac || nt_fail "$impl --genkey secret $file failed: $(tail -n 2 "$out")"
    [[ -s $file ]] || nt_fail "$impl --genkey secret wrote no key to $file"
}
