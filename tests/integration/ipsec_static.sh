#!/usr/bin/env bash
# technique ipsec with a static key: vpn <-> vpn over manually keyed ESP, no IKE.
# Asserts, for each variant: both sides initialise, ping works both ways, 8 MB of
# random bytes one way and 2 MB of text the other arrive byte-exact, the wire
# carries ESP (IP protocol 50, or UDP 4500 with nat-traversal force) and no
# OpenVPN packets, and SIGTERM ends both with status 0 and no tun device left.
#   gcm     default algorithm (aes256gcm16), raw ESP
#   cbc     cipher AES-256-CBC + auth SHA256 (the OpenVPN directives), raw ESP
#   natt    aes128gcm16 via esp-proposals, ESP in UDP 4500 (nat-traversal force),
#           replay-window 64
# and one negative check: a client with another static key derives other SAs; its
# packets are dropped and counted (no-key: unknown SPI) and no ping passes.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"

nt_init ipsec_static
nt_need_vpn
nt_pair srv cli
SRV_TUN=10.0.0.1
CLI_TUN=10.0.0.2
key=$NT_DIR/static.key
nt_genkey vpn "$key"

# conf FILE ROLE KEY [EXTRA]
conf() {
    local file=$1 role=$2 k=$3 extra=${4:-}
    {
        echo "technique ipsec"
        echo "dev tun"
        if [[ $role == srv ]]; then
            echo "ifconfig $SRV_TUN $CLI_TUN"
        else
            echo "remote $NT_NET.1"
            echo "ifconfig $CLI_TUN $SRV_TUN"
        fi
        echo "secret $k"
        echo "verb 3"
        if [[ -n $extra ]]; then printf '%s\n' "$extra"; fi
    } >"$file"
}

# wait_tun NS ROLE ADDR
wait_tun() {
    local ns=$1 role=$2 addr=$3 deadline=$((SECONDS + NT_TIMEOUT))
    until ip -n "$(nt_ns "$ns")" -o -4 addr show 2>/dev/null | grep -qF " $addr "; do
        nt_alive "${NT_PID[$role]}" || nt_fail "$role died before configuring $addr: $(tail -n 2 "${NT_OUT[$role]}")"
        ((SECONDS < deadline)) || nt_fail "$role did not configure $addr within ${NT_TIMEOUT}s"
        sleep 0.1
    done
}

# session LABEL EXTRA [CLIENT_KEY]: both sides up (tun configured, initialised).
session() {
    local label=$1 extra=$2 ckey=${3:-$key}
    S=$label-srv
    C=$label-cli
    NT_LOGS=()
    nt_step "$label: start both ends"
    conf "$NT_DIR/$S.conf" srv "$key" "$extra"
    conf "$NT_DIR/$C.conf" cli "$ckey" "$extra"
    NT_LOGS+=("$NT_DIR/$S.conf" "$NT_DIR/$C.conf")
    nt_start_peer vpn srv "$S" "$NT_DIR/$S.conf"
    nt_start_peer vpn cli "$C" "$NT_DIR/$C.conf"
    wait_tun srv "$S" "$SRV_TUN"
    wait_tun cli "$C" "$CLI_TUN"
    nt_wait_ready "$S"
    nt_wait_ready "$C"
}

# capture_start NS: tcpdump of the link in NS (pid in CAP_PID, file in CAP).
capture_start() {
    CAP=$NT_DIR/$S.pcap
    local dev deadline=$((SECONDS + 5))
    dev=$(nt_links "$1" | grep -v '^lo$' | head -n 1)
    nt_spawn "$1" "$NT_DIR/$S.tcpdump.out" tcpdump -i "$dev" -n -w "$CAP" -U
    CAP_PID=$NT_LAST_PID
    until grep -q 'listening on' "$NT_DIR/$S.tcpdump.out" 2>/dev/null; do
        nt_alive "$CAP_PID" || nt_fail "tcpdump on $dev in $1 failed: $(tail -n 2 "$NT_DIR/$S.tcpdump.out")"
        ((SECONDS < deadline)) || nt_fail "tcpdump on $dev in $1 did not start within 5s"
        sleep 0.1
    done
}

capture_stop() {
    kill -INT "$CAP_PID" 2>/dev/null || true
    nt_wait_exit "$CAP_PID" 5 || kill -KILL "$CAP_PID" 2>/dev/null || true
}

# wire_check WHAT: the capture holds ESP of the expected kind and nothing else
# between the peers (ARP aside).
wire_check() {
    local want=$1 esp other
    if [[ $want == raw ]]; then
        esp=$(tcpdump -n -r "$CAP" 'ip proto 50' 2>/dev/null | wc -l) || nt_fail "cannot read $CAP"
        other=$(tcpdump -n -r "$CAP" 'ip and not ip proto 50' 2>/dev/null | wc -l)
    else
        esp=$(tcpdump -n -r "$CAP" 'udp port 4500' 2>/dev/null | wc -l) || nt_fail "cannot read $CAP"
        other=$(tcpdump -n -r "$CAP" 'ip and not udp port 4500' 2>/dev/null | wc -l)
    fi
    ((esp > 100)) || nt_fail "$S: only $esp ESP packets ($want) on the wire during the traffic"
    ((other == 0)) || nt_fail "$S: $other IP packets on the wire that are not ESP ($want)"
    nt_step "$S: $esp ESP packets ($want) on the wire, nothing else"
}

traffic() {
    nt_ping cli "$SRV_TUN" || nt_fail "$NT_WHY"
    nt_ping srv "$CLI_TUN" || nt_fail "$NT_WHY"
    nt_transfer cli srv "$SRV_TUN" "$(nt_payload random 8)" || nt_fail "$NT_WHY"
    nt_transfer srv cli "$CLI_TUN" "$(nt_payload text 2)" 5002 || nt_fail "$NT_WHY"
}

end_session() {
    local role ns
    for role in "$C" "$S"; do
        ns=srv
        [[ $role == "$C" ]] && ns=cli
        nt_stop "$role"
        ((NT_RC == 0)) || nt_fail "$role exited with status $NT_RC after SIGTERM"
        [[ -z $(nt_tun_devices "$ns") ]] || nt_fail "$role left tun device(s) behind"
    done
}

command -v tcpdump >/dev/null || nt_fail "tcpdump missing (tests/lib/deps.sh installs it)"

for variant in gcm cbc natt; do
    case $variant in
        gcm) extra="" want=raw ;;
        cbc) extra=$'cipher AES-256-CBC\nauth SHA256' want=raw ;;
        natt) extra=$'esp-proposals aes128gcm16\nnat-traversal force\nreplay-window 64' want=udp ;;
    esac
    session "$variant" "$extra"
    capture_start srv
    traffic
    capture_stop
    wire_check "$want"
    nt_stats "$S"
    drops=$(nt_stat "$NT_STATS" "drops total")
    [[ ${drops:-x} == 0 ]] || nt_fail "$S counted $drops drops in a clean session (see $NT_STATS)"
    end_session
done

# Negative: another key means other SPIs and keys; nothing may pass.
other=$NT_DIR/other.key
nt_genkey vpn "$other"
session wrongkey "" "$other"
nt_step "wrongkey: traffic must not flow"
nt_no_ping cli "$SRV_TUN" || nt_fail "ping passed between ends with different static keys"
nt_stats "$S"
nokey=$(nt_stat "$NT_STATS" "drop no-key")
[[ ${nokey:-0} -ge 1 ]] || nt_fail "server counted no no-key drop for the other key's SPI (drop no-key,${nokey:-missing})"
end_session

nt_pass
