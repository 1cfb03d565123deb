#!/usr/bin/env bash
# technique ipsec with setkey(8) statements: vpn <-> vpn over manually keyed ESP,
# configured the way the setkey/racoon and FreeBSD/KAME guides write
# /etc/ipsec.conf -- flush, one `add` per direction, `spdadd` for the subnets
# behind each gateway -- with `ifconfig` + `route` putting the subnets on the TUN.
#
#   gateway srv: 192.168.77.1, subnet 10.1.0.0/24 (tun 10.1.0.1, lo 10.1.0.100)
#   gateway cli: 192.168.77.2, subnet 10.2.0.0/24 (tun 10.2.0.1, lo 10.2.0.100)
#
# Asserts, for each variant: both ends initialise with no `remote` line (the peer
# comes from the SAs), `vpn check` names the peer, ping works both ways (tunnel
# addresses and subnet hosts), 8 MB of random bytes one way and 2 MB of text the
# other arrive byte-exact, the wire carries only ESP of the expected kind, no drop
# is counted, and SIGTERM ends both with status 0 and no tun device left.
#   cbc   aes-cbc + hmac-sha256, raw ESP (IP protocol 50), inline <setkey> block
#   gcm   aes-gcm-16 (256-bit key + salt), raw ESP, `setkey FILE`, -r 64
#   udp   esp-udp [4500] with aes-gcm-16 (128-bit), ESP in UDP
# Negative variants:
#   discard  srv's first policy discards ICMP to the other subnet: no ping passes
#            either way (srv's echo requests and replies are ICMP), TCP still does,
#            and srv counts the ICMP it dropped as `drop spd-discard` (and not
#            again as no-send-key)
#   badkey   cli's SA towards srv has another key: srv counts bad-hmac, no ping
#   twopeers an SA and policy for a second peer: refused at startup in one line
#            naming the setkey line, no device created
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"

nt_init ipsec_setkey
nt_need_vpn
nt_pair srv cli
SRV_GW=$NT_NET.1
CLI_GW=$NT_NET.2
SRV_TUN=10.1.0.1
CLI_TUN=10.2.0.1
SRV_HOST=10.1.0.100
CLI_HOST=10.2.0.100
# A host on each subnet besides the gateway's tunnel address.
nt_exec srv ip addr add "$SRV_HOST/32" dev lo
nt_exec cli ip addr add "$CLI_HOST/32" dev lo

hex() { head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }

# sas VARIANT: the SA statements both gateways load (keys fresh per variant).
sas() {
    local proto=esp src=$SRV_GW dst=$CLI_GW ext="" alg
    case $1 in
        cbc | discard | badkey) alg="-E aes-cbc 0x$K1 -A hmac-sha256 0x$A1" ;;
        gcm) alg="-E aes-gcm-16 0x$G1" ext="-r 64" ;;
        udp) alg="-E aes-gcm-16 0x$U1" proto=esp-udp src="$SRV_GW[4500]" dst="$CLI_GW[4500]" ;;
    esac
    local back=${alg//$K1/$K2}
    back=${back//$A1/$A2}
    back=${back//$G1/$G2}
    back=${back//$U1/$U2}
    printf 'add %s %s %s 0x301 -m tunnel %s\n    %s;\n' "$src" "$dst" "$proto" "$ext" "$alg"
    printf 'add %s %s %s 0x401 -m tunnel %s\n    %s;\n' "$dst" "$src" "$proto" "$ext" "$back"
}

# policies ROLE: the SPD of one gateway -- its subnet out, the peer's in.
policies() {
    local mine=10.1.0.0/24 theirs=10.2.0.0/24 me=$SRV_GW peer=$CLI_GW
    if [[ $1 == cli ]]; then mine=10.2.0.0/24 theirs=10.1.0.0/24 me=$CLI_GW peer=$SRV_GW; fi
    echo "spdadd $mine $theirs any -P out ipsec"
    echo "    esp/tunnel/$me-$peer/require;"
    echo "spdadd $theirs $mine any -P in ipsec"
    echo "    esp/tunnel/$peer-$me/require;"
}

# conf FILE ROLE VARIANT [SA_TEXT]: one gateway's config.
conf() {
    local file=$1 role=$2 variant=$3 sa_text=${4:-} body
    [[ -n $sa_text ]] || sa_text=$(sas "$variant")
    body=$(
        echo "# /etc/ipsec.conf of gateway $role"
        echo "flush;"
        echo "spdflush;"
        echo
        echo "$sa_text"
        echo
        if [[ $variant == discard && $role == srv ]]; then
            echo "# ICMP to the other subnet is refused; the rest is encrypted"
            echo "spdadd 10.1.0.0/24 10.2.0.0/24 icmp -P out discard;"
        fi
        policies "$role"
    )
    {
        echo "technique ipsec"
        echo "dev tun"
        if [[ $role == srv ]]; then
            echo "ifconfig $SRV_TUN $CLI_TUN"
            echo "route 10.2.0.0 255.255.255.0"
        else
            echo "ifconfig $CLI_TUN $SRV_TUN"
            echo "route 10.1.0.0 255.255.255.0"
        fi
        echo "verb 3"
        if [[ $variant == gcm ]]; then
            printf '%s\n' "$body" >"$file.setkey"
            chmod 600 "$file.setkey"
            echo "setkey $file.setkey"
        else
            echo "<setkey>"
            printf '%s\n' "$body"
            echo "</setkey>"
        fi
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

# session VARIANT: both gateways up (tun configured, initialised).
session() {
    local variant=$1
    S=$variant-srv
    C=$variant-cli
    K1=$(hex 16) K2=$(hex 16) A1=$(hex 32) A2=$(hex 32) G1=$(hex 36) G2=$(hex 36) U1=$(hex 20) U2=$(hex 20)
    NT_LOGS=()
    nt_step "$variant: start both gateways"
    conf "$NT_DIR/$S.conf" srv "$variant"
    local cli_sas
    cli_sas=$(sas "$variant")
    if [[ $variant == badkey ]]; then
        # cli seals towards srv with keys srv does not have.
        cli_sas=${cli_sas//$K2/$(hex 16)}
        cli_sas=${cli_sas//$A2/$(hex 32)}
    fi
    conf "$NT_DIR/$C.conf" cli "$variant" "$cli_sas"
    NT_LOGS+=("$NT_DIR/$S.conf" "$NT_DIR/$C.conf")
    local out
    out=$("$VPN_BIN" check "$NT_DIR/$S.conf" 2>&1) || nt_fail "$S: vpn check failed: $out"
    grep -qF "peer:          $CLI_GW" <<<"$out" || nt_fail "$S: vpn check names no peer $CLI_GW: $out"
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
    local deadline=$((SECONDS + 5))
    nt_spawn "$1" "$NT_DIR/$S.tcpdump.out" tcpdump -i veth0 -n -w "$CAP" -U
    CAP_PID=$NT_LAST_PID
    until grep -q 'listening on' "$NT_DIR/$S.tcpdump.out" 2>/dev/null; do
        nt_alive "$CAP_PID" || nt_fail "tcpdump in $1 failed: $(tail -n 2 "$NT_DIR/$S.tcpdump.out")"
        ((SECONDS < deadline)) || nt_fail "tcpdump in $1 did not start within 5s"
        sleep 0.1
    done
}

capture_stop() {
    kill -INT "$CAP_PID" 2>/dev/null || true
    nt_wait_exit "$CAP_PID" 5 || kill -KILL "$CAP_PID" 2>/dev/null || true
}

# wire_check raw|udp: the capture holds ESP of that kind and nothing else (ARP aside).
wire_check() {
    local want=$1 filter esp other
    filter='ip proto 50'
    [[ $want == udp ]] && filter='udp port 4500'
    esp=$(tcpdump -n -r "$CAP" "$filter" 2>/dev/null | wc -l) || nt_fail "cannot read $CAP"
    other=$(tcpdump -n -r "$CAP" "ip and not ($filter)" 2>/dev/null | wc -l)
    ((esp > 100)) || nt_fail "$S: only $esp ESP packets ($want) on the wire during the traffic"
    ((other == 0)) || nt_fail "$S: $other IP packets on the wire that are not ESP ($want)"
    nt_step "$S: $esp ESP packets ($want) on the wire, nothing else"
}

# host_ping NS FROM TO: 3 of 3 replies between subnet hosts (not tunnel addresses).
host_ping() {
    local out
    out=$(nt_exec "$1" ping -n -q -c 3 -i 0.2 -W 2 -w 10 -I "$2" "$3" 2>&1) || true
    grep -qE ' 3 (packets )?received' <<<"$out" || nt_fail "ping $2 -> $3 in $1: $(tail -n 2 <<<"$out" | head -n 1)"
}

traffic() {
    nt_ping cli "$SRV_TUN" || nt_fail "$NT_WHY"
    nt_ping srv "$CLI_TUN" || nt_fail "$NT_WHY"
    host_ping srv "$SRV_HOST" "$CLI_HOST"
    host_ping cli "$CLI_HOST" "$SRV_HOST"
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

for variant in cbc gcm udp; do
    want=raw
    [[ $variant == udp ]] && want=udp
    session "$variant"
    capture_start srv
    traffic
    capture_stop
    wire_check "$want"
    for role in "$S" "$C"; do
        nt_stats "$role"
        drops=$(nt_stat "$NT_STATS" "drops total")
        [[ ${drops:-x} == 0 ]] || nt_fail "$role counted $drops drops in a clean session (see $NT_STATS)"
    done
    end_session
done

# Negative: a discard policy.  srv drops its ICMP towards 10.2/24 before ESP.
session discard
nt_step "discard: ICMP must not pass, TCP must"
nt_no_ping cli "$SRV_TUN" || nt_fail "ping cli -> srv passed although srv discards its ICMP replies"
nt_no_ping srv "$CLI_TUN" || nt_fail "ping srv -> cli passed although srv discards ICMP to 10.2.0.0/24"
nt_transfer cli srv "$SRV_TUN" "$(nt_payload random 1)" || nt_fail "$NT_WHY"
nt_stats "$S"
discarded=$(nt_stat "$NT_STATS" "drop spd-discard")
[[ ${discarded:-0} -ge 6 ]] || nt_fail "srv counted ${discarded:-no} spd-discard drops for 6 ICMP packets (see $NT_STATS)"
nokey=$(nt_stat "$NT_STATS" "drop no-send-key")
[[ ${nokey:-x} == 0 ]] || nt_fail "srv also counted $nokey policy drops as no-send-key (see $NT_STATS)"
nt_stats "$C"
mismatch=$(nt_stat "$NT_STATS" "drops total")
[[ ${mismatch:-x} == 0 ]] || nt_fail "cli counted $mismatch drops; only srv drops anything (see $NT_STATS)"
end_session

# Negative: cli's SA towards srv has another key; srv must drop and count it.
session badkey
nt_step "badkey: traffic must not flow"
nt_no_ping cli "$SRV_TUN" || nt_fail "ping passed although cli seals with another key"
nt_stats "$S"
badhmac=$(nt_stat "$NT_STATS" "drop bad-hmac")
[[ ${badhmac:-0} -ge 3 ]] || nt_fail "srv counted ${badhmac:-no} bad-hmac drops for cli's 3 pings (see $NT_STATS)"
end_session

# Negative: a second peer cannot run point-to-point: one line naming the statement.
nt_step "twopeers: refused at startup"
K1=$(hex 16) K2=$(hex 16) A1=$(hex 32) A2=$(hex 32)
conf "$NT_DIR/two.conf" srv cbc "$(sas cbc)
add $SRV_GW 192.168.77.3 esp 0x302 -m tunnel -E aes-cbc 0x$K1 -A hmac-sha256 0x$A1;
spdadd 10.1.0.0/24 10.3.0.0/24 any -P out ipsec esp/tunnel/$SRV_GW-192.168.77.3/require;"
line=$(grep -n "0x302" "$NT_DIR/two.conf" | cut -d: -f1)
if out=$(nt_exec srv timeout 10 "$VPN_BIN" "$NT_DIR/two.conf" 2>&1); then nt_fail "a setkey config with two peers ran"; fi
[[ $(wc -l <<<"$out") == 1 && $out == *"two.conf:$line: setkey: this SA's peer is 192.168.77.3"* ]] ||
    nt_fail "two peers: expected one line naming two.conf:$line, got: $out"
[[ -z $(nt_tun_devices srv) ]] || nt_fail "a device appeared for a refused config"

nt_pass
