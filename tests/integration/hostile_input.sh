#!/usr/bin/env bash
# Hostile input against a running vpn <-> vpn UDP tunnel (AES-256-CBC/SHA256,
# key directions 0/1).  Real client->server datagrams are captured from the
# server's veth (AF_PACKET); then a raw socket in the client namespace, spoofing
# the client's own source port, sends the server: every length 0..60, captured
# packets with a flipped HMAC or ciphertext bit, block-aligned and unaligned
# random garbage, three 65000-byte datagrams, the captured packets replayed
# unchanged, and garbage from a port that is not the peer's (tests/lib/hostile.py).
# Asserts:
#  - nothing reached the server's TUN: "TUN/TAP write bytes" unchanged and an nft
#    counter on packets entering from the tun device stays at 0;
#  - both processes are alive, the tunnel pings both ways and carries 1 MB exactly;
#  - (vpn) the SIGUSR2 counters rose by at least: short-packet the datagrams
#    shorter than the HMAC (less the empty one, which may be ignored); bad-hmac +
#    truncated + oversize the tampered ones, the aligned garbage, the 32..60-byte
#    ones and the 65000-byte ones (OpenVPN checks the HMAC first, so a datagram
#    that holds an HMAC fails there; a datagram larger than the read buffer may be
#    counted truncated instead); replay the number replayed; wrong-source the
#    number from the foreign port; drops total the sum of everything.
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"

nt_init hostile_input
nt_need_vpn
tn_topology
key=$NT_DIR/static.key
nt_genkey "$NT_IMPL" "$key"
impl=$NT_IMPL
aes=$'cipher AES-256-CBC\nauth SHA256'
hmac_len=32
block=16

tn_session hostile "$impl" "$impl" udp "$key" 0 1 "$aes" "$aes"
nt_wait_role "$TN_S" "Peer Connection Initiated with" 10

nt_step "capture real client->server datagrams"
cap=$NT_DIR/capture.bin
ready=$NT_DIR/capture.ready
nt_spawn srv "$NT_DIR/capture.out" "$NT_PY" "$NT_LIB/hostile.py" capture veth0 "$TN_PORT" 20 "$cap" \
    --src "$NT_NET.2" --timeout 20 --ready "$ready"
cap_pid=$NT_LAST_PID
NT_LOGS+=("$NT_DIR/capture.out")
deadline=$((SECONDS + 10))
until [[ -e $ready ]]; do
    ((SECONDS < deadline)) && nt_alive "$cap_pid" || nt_fail "capture did not start: $(tail -n 2 "$NT_DIR/capture.out")"
    sleep 0.05
done
nt_ping cli "$TN_SRV_TUN" 24 || nt_fail "$NT_WHY"
nt_wait_exit "$cap_pid" 20 || nt_fail "capture still running"
((NT_RC == 0)) || nt_fail "captured fewer than 20 datagrams: $(tail -n 1 "$NT_DIR/capture.out")"

nt_step "count what enters the server from its tun device"
tun=$(nt_tun_devices srv | head -n 1)
[[ -n $tun ]] || nt_fail "server has no tun device"
nt_exec srv nft -f - <<EOF
table inet vpnt {
    chain pre {
        type filter hook prerouting priority -300; policy accept;
        iifname "$tun" counter
    }
}
EOF
nft_packets() {
    nt_exec srv nft list chain inet vpnt pre | sed -nE 's/.*counter packets ([0-9]+) bytes.*/\1/p'
}
sleep 1 # let the pings' last replies settle: from here on no legit traffic
nft0=$(nft_packets)
nt_stats "$TN_S"
before=$NT_STATS

nt_step "send hostile datagrams"
counts=$NT_DIR/hostile.counts
nt_spawn cli "$counts" "$NT_PY" "$NT_LIB/hostile.py" send "$NT_NET.1" "$TN_PORT" "$cap" \
    --hmac-len "$hmac_len" --block "$block"
NT_LOGS+=("$counts")
nt_wait_exit "$NT_LAST_PID" 40 || nt_fail "hostile sender still running after 40s"
((NT_RC == 0)) || nt_fail "hostile sender failed: $(tail -n 3 "$counts")"
sent() { awk -v c="$1" '$1 == c {print $2}' "$counts"; }
for c in short shortmac tampered garbage unaligned oversize replay wrongsrc; do
    [[ $(sent "$c") =~ ^[0-9]+$ ]] || nt_fail "sender did not report its '$c' count"
done
sleep 1

nt_step "check the damage"
nt_alive "${NT_PID[$TN_S]}" || nt_fail "server died under hostile input"
nt_alive "${NT_PID[$TN_C]}" || nt_fail "client died while the server was attacked"
nt_stats "$TN_S"
after=$NT_STATS
nft1=$(nft_packets)
((nft1 == nft0)) || nt_fail "$((nft1 - nft0)) packets came out of the server's tun device during the attack"
d=$(nt_stat_delta "$before" "$after" "TUN/TAP write bytes")
((d == 0)) || nt_fail "TUN/TAP write bytes grew by $d during the attack (no legit traffic was running)"

if [[ $impl == vpn ]]; then
    delta() { nt_stat_delta "$before" "$after" "$1"; }
    report="bad-hmac +$(delta "drop bad-hmac") replay +$(delta "drop replay") short +$(delta "drop short-packet")"
    report+=" truncated +$(delta "drop truncated") wrong-source +$(delta "drop wrong-source") total +$(delta "drops total")"
    nt_step "drops: $report"
    (($(delta "drop short-packet") >= $(sent short) - 1)) ||
        nt_fail "short-packet rose by $(delta "drop short-packet") for $(sent short) datagrams shorter than the HMAC ($report)"
    want=$(($(sent tampered) + $(sent garbage) + $(sent shortmac) + $(sent oversize)))
    got=$(($(delta "drop bad-hmac") + $(delta "drop truncated") + $(delta "drop oversize")))
    ((got >= want)) || nt_fail "bad-hmac+truncated+oversize rose by $got, expected >= $want ($report)"
    (($(delta "drop replay") >= $(sent replay))) || nt_fail "replay rose by $(delta "drop replay"), expected >= $(sent replay) ($report)"
    (($(delta "drop wrong-source") >= $(sent wrongsrc))) ||
        nt_fail "wrong-source rose by $(delta "drop wrong-source"), expected >= $(sent wrongsrc) ($report)"
    want=$(($(sent short) - 1 + $(sent shortmac) + $(sent tampered) + $(sent garbage) + $(sent unaligned) + $(sent oversize) + $(sent replay) + $(sent wrongsrc)))
    (($(delta "drops total") >= want)) || nt_fail "drops total rose by $(delta "drops total"), expected >= $want ($report)"
fi

nt_step "the tunnel still works"
nt_ping cli "$TN_SRV_TUN" 5 || nt_fail "after the attack: $NT_WHY"
nt_ping srv "$TN_CLI_TUN" 5 || nt_fail "after the attack: $NT_WHY"
nt_transfer cli srv "$TN_SRV_TUN" "$(nt_payload random 1)" || nt_fail "after the attack: $NT_WHY"
(($(nft_packets) > nft1)) || nt_fail "the nft tun counter did not see the pings after the attack (broken check)"
tn_end

nt_pass
