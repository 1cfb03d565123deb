# shellcheck shell=bash disable=SC2034
# vpn's side of the IKE-keyed IPsec namespace tests (technique ipsec with IKEv2),
# built on netns.sh: configs, key files and PKIs, start/stop, what the log says
# about the SAs, packet captures and what is on the wire, paced transfers.
#
#   ike_conf FILE LINE...           a technique ipsec config (dev tun, verb 3 + LINEs);
#                                   `vpn check` must accept it (FAIL line otherwise)
#   ike_psk_file FILE SECRET        a one-line PSK file, mode 0600
#   ike_pki DIR [--rsa BITS]        CA "ike test CA" in DIR (easy-rsa layout)
#   ike_issue DIR TYPE NAME [SAN] [--rsa BITS]   server|client certificate NAME
#   ike_start ROLE NS CONF          vpn CONF in NS (nt_start_peer): ROLE.log / ROLE.out
#   ike_wait_child ROLE [TIMEOUT]   until ROLE logged an installed child SA;
#                                   its "IN OUT" SPIs (8 hex digits) in IKE_SPIS
#   ike_spis ROLE                   "IN OUT" of ROLE's newest child SA (log) -> stdout
#   ike_wait_rekeyed ROLE OLD [TIMEOUT]   until ROLE's newest child SA has other SPIs
#   ike_same_spis ROLE1 ROLE2|SPIS  ROLE1's in/out are the other's out/in (crosswise)
#   ike_wait_down ROLE [TIMEOUT]    until ROLE logs that its IKE SA went down
#   ike_stop ROLE NS                SIGTERM by pid: status 0, no tun device left in NS
#   ike_kill ROLE                   SIGKILL by pid (dead peer tests), waits for the exit
#   ike_capture NS FILE [DEV]       tcpdump by pid (IKE_CAP_PID) until ike_capture_stop
#   ike_count FILE FILTER           packets of FILE matching a tcpdump FILTER
#   ike_bytes FILE FILTER           their bytes (GSO trains are one captured packet)
#   ike_wire_spis FILE SRC DST      ESP SPIs (raw or in UDP) from SRC to DST, one a line
#   ike_xfer_start SRC DST IP FILE PORT [RATE] / ike_xfer_wait   a transfer in the
#                                   background (paced to RATE bytes/s), checked like nt_transfer
#
# What the runtime logs is matched by the IKE_RE_* patterns below (extended regexes):
# one place to adjust when its wording changes.

# shellcheck source=netns.sh
[[ -n ${NT_LIB:-} ]] || source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

# A child SA installed (first or rekeyed): "ESP SA up: inbound SPI 0x..., outbound SPI 0x..., ..."
IKE_RE_CHILD_UP='ESP SA (up|rekeyed): (inbound|in) SPI (0x)?[0-9a-fA-F]+, (outbound|out) SPI (0x)?[0-9a-fA-F]+'
# The IKE SA is gone (DPD timeout, peer's Delete, failure).
IKE_RE_IKE_DOWN='IKE SA .*(down|closed|deleted|dead|failed|timed out|expired)|peer .*(dead|not responding)|dead peer'

declare -gA IKE_XFER=()

# ike_conf FILE LINE...: technique ipsec config, checked by `vpn check`.
ike_conf() {
    local file=$1 out
    shift
    {
        echo "technique ipsec"
        echo "dev tun"
        echo "verb 3"
        printf '%s\n' "$@"
    } >"$file"
    out=$("$VPN_BIN" check "$file" 2>&1) || nt_fail "vpn check $(basename "$file") refused it: $(tail -n 3 <<<"$out" | paste -sd'|')"
    printf '%s\n' "$out" >"$file.check"
}

# ike_psk_file FILE SECRET
ike_psk_file() {
    (umask 077 && printf '%s\n' "$2" >"$1")
}

# ike_pki DIR [--rsa BITS]: a CA in DIR.
ike_pki() {
    local dir=$1 out=$NT_DIR/pki.out
    shift
    {
        "$VPN_BIN" pki --dir "$dir" init && "$VPN_BIN" pki --dir "$dir" build-ca --cn "ike test CA" "$@"
    } >"$out" 2>&1 || nt_fail "vpn pki build-ca $*: $(tail -n 3 "$out")"
}

# ike_issue DIR TYPE NAME [SAN] [--rsa BITS]: DIR/issued/NAME.crt, DIR/private/NAME.key.
ike_issue() {
    local dir=$1 type=$2 name=$3 san=${4:-} out=$NT_DIR/pki.out
    shift 3
    [[ $# -gt 0 ]] && shift
    local -a sanarg=()
    [[ -z $san ]] || sanarg=(--san "$san")
    "$VPN_BIN" pki --dir "$dir" issue "$type" "$name" "${sanarg[@]}" "$@" >"$out" 2>&1 ||
        nt_fail "vpn pki issue $type $name $*: $(tail -n 3 "$out")"
}

# ike_start ROLE NS CONF
ike_start() {
    nt_step "start $1 in $2 ($(basename "$3"))"
    nt_start_peer vpn "$2" "$1" "$3"
    NT_LOGS+=("$3")
}

# _ike_hex8 HEX: 8 lower-case hex digits, no 0x.
_ike_hex8() {
    local h=${1#0x}
    h=${h#0X}
    printf '%08x' "$((16#$h))"
}

# ike_spis ROLE: "IN OUT" of the newest child SA line in ROLE's log (empty if none).
ike_spis() {
    local line in out
    line=$(grep -E -- "$IKE_RE_CHILD_UP" "${NT_LOG[$1]}" 2>/dev/null | tail -n 1) || true
    [[ -n $line ]] || return 0
    in=$(grep -oE '(inbound|in) SPI (0x)?[0-9a-fA-F]+' <<<"$line" | head -n 1 | awk '{print $3}')
    out=$(grep -oE '(outbound|out) SPI (0x)?[0-9a-fA-F]+' <<<"$line" | head -n 1 | awk '{print $3}')
    [[ -n $in && -n $out ]] || return 0
    echo "$(_ike_hex8 "$in") $(_ike_hex8 "$out")"
}

# ike_wait_child ROLE [TIMEOUT]: IKE_SPIS = "IN OUT".
ike_wait_child() {
    local role=$1 t=${2:-$NT_TIMEOUT} deadline
    deadline=$((SECONDS + t))
    while :; do
        IKE_SPIS=$(ike_spis "$role")
        [[ -z $IKE_SPIS ]] || break
        nt_alive "${NT_PID[$role]}" || nt_fail "$role died before a child SA was up: $(tail -q -n 3 "${NT_OUT[$role]}" "${NT_LOG[$role]}" | paste -sd'|')"
        ((SECONDS < deadline)) || nt_fail "$role logged no child SA (SPIs) within ${t}s"
        sleep 0.1
    done
    nt_step "$role: child SA up, SPIs in/out $IKE_SPIS"
}

# ike_wait_rekeyed ROLE OLD [TIMEOUT]: until ROLE's newest child SA is not OLD ("IN OUT").
ike_wait_rekeyed() {
    local role=$1 old=$2 t=${3:-$NT_TIMEOUT} deadline
    deadline=$((SECONDS + t))
    while :; do
        IKE_SPIS=$(ike_spis "$role")
        [[ -z $IKE_SPIS || $IKE_SPIS == "$old" ]] || break
        nt_alive "${NT_PID[$role]}" || nt_fail "$role died while its child SA ($old) was being rekeyed"
        ((SECONDS < deadline)) || nt_fail "$role logged no new child SA (still $old) within ${t}s"
        sleep 0.1
    done
    nt_step "$role: child SA rekeyed, SPIs $old -> $IKE_SPIS"
}

# ike_same_spis ROLE1 OTHER: OTHER is a role or "IN OUT"; crosswise equal.
ike_same_spis() {
    local s1 s2
    s1=$(ike_spis "$1")
    if [[ $2 == *" "* ]]; then s2=$2; else s2=$(ike_spis "$2"); fi
    [[ -n $s1 && -n $s2 && ${s1% *} == "${s2#* }" && ${s1#* } == "${s2% *}" ]] ||
        nt_fail "SPIs differ: $1 in/out '$s1', $2 in/out '$s2'"
}

# ike_wait_down ROLE [TIMEOUT]: ROLE logs that its IKE SA went down (after the call's
# log position: only lines appended from now on count when IKE_DOWN_FROM is set).
ike_wait_down() {
    local role=$1 t=${2:-$NT_TIMEOUT} from=${IKE_DOWN_FROM:-0} deadline
    deadline=$((SECONDS + t))
    until tail -n "+$((from + 1))" "${NT_LOG[$role]}" | grep -qE -- "$IKE_RE_IKE_DOWN"; do
        nt_alive "${NT_PID[$role]}" || nt_fail "$role died instead of noticing its dead peer: $(tail -n 3 "${NT_OUT[$role]}" | paste -sd'|')"
        ((SECONDS < deadline)) || nt_fail "$role did not log its IKE SA going down within ${t}s"
        sleep 0.1
    done
}

# ike_log_lines ROLE: how many lines ROLE's log has now (for IKE_DOWN_FROM).
ike_log_lines() { wc -l <"${NT_LOG[$1]}"; }

# ike_stop ROLE NS: SIGTERM, exit status 0, no tun device left.
ike_stop() {
    nt_step "stop $1"
    nt_stop "$1"
    ((NT_RC == 0)) || nt_fail "$1 exited with status $NT_RC after SIGTERM"
    [[ -z $(nt_tun_devices "$2") ]] || nt_fail "$1 left tun device(s) behind in $2: $(nt_tun_devices "$2" | paste -sd' ')"
}

# ike_kill ROLE: SIGKILL by pid, wait for it to be gone.
ike_kill() {
    nt_step "kill -9 $1"
    kill -KILL "${NT_PID[$1]}" 2>/dev/null || true
    nt_wait_exit "${NT_PID[$1]}" 5 || nt_fail "$1 (pid ${NT_PID[$1]}) survived SIGKILL"
}

# ike_capture NS FILE [DEV]: tcpdump in NS (the first non-lo link unless DEV).
ike_capture() {
    local ns=$1 file=$2 dev=${3:-} out=$2.tcpdump.out
    [[ -n $dev ]] || dev=$(nt_links "$ns" | grep -v '^lo$' | head -n 1)
    : >"$out"
    nt_spawn "$ns" "$out" tcpdump -i "$dev" -n -U --immediate-mode -s 256 -w "$file"
    IKE_CAP_PID=$NT_LAST_PID
    nt_wait_log "$out" "listening on" 10 "$IKE_CAP_PID" ||
        nt_fail "tcpdump on $dev in $ns did not start: $(tail -n 2 "$out")"
}

ike_capture_stop() {
    # --immediate-mode hands each packet over at once; give the last ones a moment.
    sleep 0.5
    kill -INT "$IKE_CAP_PID" 2>/dev/null || true
    nt_wait_exit "$IKE_CAP_PID" 5 || kill -KILL "$IKE_CAP_PID" 2>/dev/null || true
}

# ike_count FILE FILTER: packets in FILE matching FILTER.
ike_count() {
    tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l
}

# ike_bytes FILE FILTER: the bytes tcpdump reports ("length N") for the matching
# packets.  Count bytes, not packets: ESP in UDP leaves as GSO trains, which a
# capture on the veth sees as one packet of up to 64 KB.
ike_bytes() {
    tcpdump -n -r "$1" "$2" 2>/dev/null | awk '$(NF - 1) == "length" {s += $NF} END {print s + 0}'
}

# Filters: IKE on 4500 has the 4-byte non-ESP marker; ESP in UDP has a non-zero SPI
# there; a NAT keepalive is one 0xff byte (UDP length 9).
IKE_F_IKE='(udp port 500) or (udp port 4500 and udp[4:2] > 12 and udp[8:4] = 0)'
IKE_F_ESP_UDP='udp port 4500 and udp[4:2] > 12 and udp[8:4] != 0'
IKE_F_KEEPALIVE='udp port 4500 and udp[4:2] = 9'
IKE_F_ESP_RAW='ip proto 50'

# ike_wire_spis FILE SRC DST: the SPIs (8 hex digits) of ESP from SRC to DST, sorted.
ike_wire_spis() {
    tcpdump -n -r "$1" "src host $2 and dst host $3 and (($IKE_F_ESP_RAW) or ($IKE_F_ESP_UDP))" 2>/dev/null |
        grep -oE 'spi=0x[0-9a-f]+' | sed 's/spi=0x//' | while read -r s; do _ike_hex8 "$s"; echo; done | sort -u
}

# ike_xfer_start NAME SRC DST IP FILE PORT [RATE]: receiver in DST, sender in SRC
# (paced to RATE bytes/s).  ike_xfer_wait NAME checks it like nt_transfer.
ike_xfer_start() {
    local name=$1 src=$2 dst=$3 ip=$4 file=$5 port=$6 rate=${7:-0}
    local recv=$NT_DIR/xfer-$name.bin ready=$NT_DIR/xfer-$name.ready deadline rpid
    rm -f "$recv" "$ready"
    nt_spawn "$dst" "$NT_DIR/xfer-$name-recv.out" "$NT_PY" "$NT_LIB/xfer.py" recv "$port" "$recv" --timeout 50 --ready "$ready"
    rpid=$NT_LAST_PID
    deadline=$((SECONDS + 10))
    until [[ -e $ready ]]; do
        nt_alive "$rpid" || nt_fail "receiver $name died: $(tail -n 2 "$NT_DIR/xfer-$name-recv.out")"
        ((SECONDS < deadline)) || nt_fail "receiver $name did not start"
        sleep 0.05
    done
    nt_spawn "$src" "$NT_DIR/xfer-$name-send.out" "$NT_PY" "$NT_LIB/xfer.py" send "$ip" "$port" "$file" --timeout 45 --rate "$rate"
    IKE_XFER[$name]="$rpid $NT_LAST_PID $file $recv"
}

# ike_xfer_received NAME: bytes received so far.
ike_xfer_received() {
    local f
    f=$(awk '{print $4}' <<<"${IKE_XFER[$1]}")
    stat -c %s "$f" 2>/dev/null || echo 0
}

ike_xfer_wait() {
    local name=$1 rpid spid file recv
    read -r rpid spid file recv <<<"${IKE_XFER[$name]}"
    nt_wait_exit "$spid" 50 || nt_fail "transfer $name: sender still running after 50s ($(ike_xfer_received "$name") bytes received)"
    ((NT_RC == 0)) || nt_fail "transfer $name: sender failed: $(tail -n 2 "$NT_DIR/xfer-$name-send.out")"
    if ! nt_wait_exit "$rpid" 20 || ((NT_RC != 0)); then
        nt_fail "transfer $name: receiver failed: $(tail -n 2 "$NT_DIR/xfer-$name-recv.out")"
    fi
    [[ $(sha256sum <"$file" | cut -d' ' -f1) == $(sha256sum <"$recv" | cut -d' ' -f1) ]] ||
        nt_fail "transfer $name corrupted: got $(stat -c %s "$recv") of $(stat -c %s "$file") bytes, sha256 differs"
    rm -f "$recv"
    nt_step "transfer $name byte-exact"
}

# ike_wait_listen NS PORT [TIMEOUT]: until a UDP socket is bound to PORT in NS (a
# responder is ready for the peer's IKE_SA_INIT).
ike_wait_listen() {
    local ns=$1 port=$2 deadline=$((SECONDS + ${3:-$NT_TIMEOUT}))
    until nt_exec "$ns" ss -Hunl "sport = :$port" | grep -q .; do
        ((SECONDS < deadline)) || nt_fail "nothing listens on UDP $port in $ns within ${3:-$NT_TIMEOUT}s"
        sleep 0.1
    done
}
