#!/usr/bin/env bash
# A running vpn (technique ipsec + secret, no remote) against an ESP peer no one
# here wrote: scapy's SecurityAssociation (Debian python3-scapy), keyed by
# tests/lib/esp_scapy_tun.py from the static key and the ifconfig addresses as
# ipsec/manual/static_key_sas.hpp documents it (an independent reading of that
# text).  vpn runs in srv; in cli there is no vpn, only the python peer on raw IP
# protocol 50 (or UDP 4500).  For each variant:
#   gcm    default aes256gcm16, raw ESP
#   cbc    cipher AES-256-CBC + auth SHA256 (HMAC-SHA2-256-128), raw ESP
#   natt   esp-proposals aes128gcm16 + nat-traversal force (UDP 4500), replay-window 64
#   sha1   cipher AES-128-CBC + auth SHA1 (HMAC-SHA1-96), raw ESP, replay-window 64
# asserts: vpn logs the SPIs the documentation gives; ICMP echoes (0..1372 bytes),
# UDP datagrams (to an echo server in srv) and a TCP SYN sealed by scapy reach the
# srv kernel through vpn's TUN, and vpn's ESP replies decrypt and verify in scapy
# to the right echo reply / datagram / RST, byte for byte; the TUN's RX counter
# and a capture on it show exactly the packets scapy sealed; a packet under the
# wrong key and one with a flipped ICV byte get no reply and are counted as
# `drop bad-hmac`; with replay-window a replay is counted as `drop replay`, without
# one it is answered (documented: no anti-replay); no other drop; SIGTERM ends vpn
# with status 0.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"

nt_init esp_scapy_tun
nt_need_vpn
"$NT_PY" -c 'import scapy.layers.ipsec' 2>/dev/null || nt_fail "python3-scapy is not installed (tests/lib/deps.sh)"
command -v tcpdump >/dev/null || nt_fail "tcpdump missing (tests/lib/deps.sh installs it)"
PEER=$NT_LIB/esp_scapy_tun.py
nt_pair srv cli
SRV_TUN=10.0.0.1
CLI_TUN=10.0.0.2
UDP_ECHO=5007
TCP_CLOSED=5009
key=$NT_DIR/static.key
nt_genkey vpn "$key"

# A UDP echo server in srv, on every address (so it need not wait for the TUN).
nt_spawn srv "$NT_DIR/echo.out" "$NT_PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", '"$UDP_ECHO"'))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)'
ECHO_PID=$NT_LAST_PID

# wait_tun: vpn's tun device in srv carries SRV_TUN; its name in TUN_DEV.
wait_tun() {
    local deadline=$((SECONDS + NT_TIMEOUT))
    until ip -n "$(nt_ns srv)" -o -4 addr show 2>/dev/null | grep -qF " $SRV_TUN "; do
        nt_alive "${NT_PID[$S]}" || nt_fail "$S died before configuring $SRV_TUN: $(tail -n 2 "${NT_OUT[$S]}")"
        ((SECONDS < deadline)) || nt_fail "$S did not configure $SRV_TUN within ${NT_TIMEOUT}s"
        sleep 0.1
    done
    TUN_DEV=$(nt_tun_devices srv | head -n 1)
    [[ -n $TUN_DEV ]] || nt_fail "no tun device in srv although $SRV_TUN is configured"
}

rx_packets() { nt_exec srv cat "/sys/class/net/$TUN_DEV/statistics/rx_packets"; }

# capture_start/stop: tcpdump on vpn's TUN (what vpn wrote to the kernel).  Immediate
# mode: else TPACKET_V3 hands packets over in blocks and the last ones can miss the
# SIGINT.
capture_start() {
    CAP=$NT_DIR/$S.tun.pcap
    local deadline=$((SECONDS + 5))
    nt_spawn srv "$NT_DIR/$S.tcpdump.out" tcpdump -i "$TUN_DEV" -n --immediate-mode -w "$CAP" -U
    CAP_PID=$NT_LAST_PID
    until grep -q 'listening on' "$NT_DIR/$S.tcpdump.out" 2>/dev/null; do
        nt_alive "$CAP_PID" || nt_fail "tcpdump on $TUN_DEV failed: $(tail -n 2 "$NT_DIR/$S.tcpdump.out")"
        ((SECONDS < deadline)) || nt_fail "tcpdump on $TUN_DEV did not start within 5s"
        sleep 0.1
    done
}

capture_stop() {
    kill -INT "$CAP_PID" 2>/dev/null || true
    nt_wait_exit "$CAP_PID" 5 || nt_fail "tcpdump (pid $CAP_PID) still running 5s after SIGINT"
}

# delta BEFORE AFTER NAME: a drop counter's growth (absent = 0: the dump may omit zeros).
delta() {
    local a b
    a=$(nt_stat "$1" "$3")
    b=$(nt_stat "$2" "$3")
    echo $((${b:-0} - ${a:-0}))
}

total_runs=0
for variant in gcm cbc natt sha1; do
    udp=() window=0
    case $variant in
        gcm) extra="" suite=aes256gcm16 ;;
        cbc) extra=$'cipher AES-256-CBC\nauth SHA256' suite=aes256-sha256 ;;
        natt) extra=$'esp-proposals aes128gcm16\nnat-traversal force\nreplay-window 64' suite=aes128gcm16 udp=(--udp) window=64 ;;
        sha1) extra=$'cipher AES-128-CBC\nauth SHA1\nreplay-window 64' suite=aes128-sha1 window=64 ;;
    esac
    S=$variant-srv
    NT_LOGS=()
    nt_step "$variant: start vpn in srv"
    {
        echo "technique ipsec"
        echo "dev tun"
        echo "ifconfig $SRV_TUN $CLI_TUN"
        echo "secret $key"
        echo "verb 3"
        if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
    } >"$NT_DIR/$S.conf"
    NT_LOGS+=("$NT_DIR/$S.conf")
    nt_start_peer vpn srv "$S" "$NT_DIR/$S.conf"
    wait_tun
    nt_wait_ready "$S"
    capture_start
    nt_stats "$S"
    before=$NT_STATS
    rx0=$(rx_packets)

    nt_step "$variant: scapy peer ($suite${udp:+, UDP 4500}) in cli"
    out=$NT_DIR/$S.peer.out
    list=$NT_DIR/$S.accepted
    NT_LOGS+=("$out")
    nt_spawn cli "$out" "$NT_PY" "$PEER" peer --key "$key" --suite "$suite" \
        --tun "$CLI_TUN" "$SRV_TUN" --outer "$NT_NET.2" "$NT_NET.1" "${udp[@]}" \
        --replay-window "$window" --udp-echo "$UDP_ECHO" --tcp-closed "$TCP_CLOSED" --accepted "$list"
    peer_pid=$NT_LAST_PID
    if nt_wait_exit "$peer_pid" 20; then
        peer_rc=$NT_RC
    else
        # Still compare the SPIs below: they tell why, better than the timeout.
        kill -KILL "$peer_pid" 2>/dev/null || true
        nt_wait_exit "$peer_pid" 5 || true
        echo "FAIL scapy peer still running after 20s (killed)" >>"$out"
        peer_rc=1
    fi
    capture_stop
    nt_stats "$S"
    after=$NT_STATS
    rx1=$(rx_packets)

    # The SPIs first: if they differ, the documentation and vpn disagree on the
    # derivation, and every later failure follows from that.
    read -r vpn_out vpn_in < <(sed -nE 's/.*ESP SAs: outbound SPI (0x[0-9a-f]+), inbound SPI (0x[0-9a-f]+).*/\1 \2/p' "${NT_LOG[$S]}" | tail -n 1) || true
    read -r py_out py_in < <(sed -nE 's/^SPIS out=(0x[0-9a-f]+) in=(0x[0-9a-f]+)$/\1 \2/p' "$out") || true
    [[ -n ${vpn_out:-} ]] || nt_fail "$S logged no 'ESP SAs: outbound SPI ..' line"
    [[ -n ${py_out:-} ]] || nt_fail "scapy peer derived no SPIs: $(tail -n 3 "$out")"
    [[ $vpn_out == "$py_in" && $vpn_in == "$py_out" ]] ||
        nt_fail "SPIs differ from the documented derivation: vpn out/in $vpn_out/$vpn_in, documented (srv->cli/cli->srv) $py_in/$py_out"
    if ((peer_rc != 0)); then
        grep '^FAIL' "$out" | sed "s/^/  $variant: /" >&2 || true
        nt_fail "scapy peer: $(grep -c '^FAIL' "$out" || true) failed check(s), first: $(grep -m 1 '^FAIL' "$out" || tail -n 1 "$out")"
    fi

    read -r accepted bad_icv replay < <(sed -nE 's/^COUNTS accepted=([0-9]+) bad_icv=([0-9]+) replay=([0-9]+)$/\1 \2 \3/p' "$out") || true
    [[ -n ${accepted:-} ]] || nt_fail "scapy peer printed no COUNTS line"
    # The peer reports what it sent; hold it to the plan, so that a peer that stops
    # sending a negative control cannot pass: 2 forgeries, a replay iff a window.
    ((bad_icv == 2 && replay == (window > 0))) ||
        nt_fail "scapy peer sent $bad_icv forged packet(s) and $replay replay(s), want 2 and $((window > 0))"
    got_rx=$((rx1 - rx0))
    ((got_rx == accepted)) || nt_fail "$TUN_DEV RX grew by $got_rx packets, scapy sent $accepted that vpn must deliver"
    got_bad=$(delta "$before" "$after" "drop bad-hmac")
    got_replay=$(delta "$before" "$after" "drop replay")
    got_total=$(delta "$before" "$after" "drops total")
    ((got_bad == bad_icv)) || nt_fail "drop bad-hmac grew by $got_bad, want $bad_icv (wrong key + flipped ICV); see $after"
    ((got_replay == replay)) || nt_fail "drop replay grew by $got_replay, want $replay; see $after"
    ((got_total == bad_icv + replay)) ||
        nt_fail "drops total grew by $got_total, want $((bad_icv + replay)) (bad-hmac $got_bad, replay $got_replay)"

    pcap_out=$NT_DIR/$S.pcap.out
    "$NT_PY" "$PEER" tun-pcap "$CAP" "$list" "$CLI_TUN" >"$pcap_out" 2>&1 ||
        nt_fail "$(grep -m 1 '^FAIL' "$pcap_out" || tail -n 1 "$pcap_out")"

    nt_step "$variant: stop vpn"
    nt_stop "$S"
    ((NT_RC == 0)) || nt_fail "$S exited with status $NT_RC after SIGTERM"
    [[ -z $(nt_tun_devices srv) ]] || nt_fail "$S left a tun device behind"
    total_runs=$((total_runs + $(grep -c '^PASS' "$out")))
    nt_step "$variant: $accepted packets through the TUN, $bad_icv bad-hmac, $replay replay drops"
done
nt_alive "$ECHO_PID" || nt_fail "the UDP echo server died"
nt_pass "4 variants, $total_runs scapy checks"
