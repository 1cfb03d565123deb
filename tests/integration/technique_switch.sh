#!/usr/bin/env bash
# One server.conf, two techniques: the same multi-client server config (server
# 10.8.0.0/24, topology subnet, pool persisted, pushed DNS and route, keepalive,
# certificates from vpn pki) serves a vpn client over OpenVPN's TLS protocol, then,
# with `--technique ipsec` added on the command line and nothing else changed, over
# IKEv2 + ESP.  Asserts for each: the client gets 10.8.0.2 from the pool, pings the
# server's tunnel address, 4 MB arrive byte-exact, the wire carries the technique's
# packets (UDP 1194 for TLS; IKE on 500/4500 and ESP for IPsec) and nothing else,
# both exit 0 on SIGTERM.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"

nt_init technique_switch
nt_need_vpn
nt_pair srv cli
SRV_TUN=10.8.0.1

pki=$NT_DIR/pki
{
    "$VPN_BIN" pki --dir "$pki" init &&
        "$VPN_BIN" pki --dir "$pki" build-ca --cn "switch CA" &&
        "$VPN_BIN" pki --dir "$pki" issue server server &&
        "$VPN_BIN" pki --dir "$pki" issue client alice
} >"$NT_DIR/pki.out" 2>&1 || nt_fail "vpn pki: $(tail -n 3 "$NT_DIR/pki.out")"

cat >"$NT_DIR/server.conf" <<EOF
dev tun
server 10.8.0.0 255.255.255.0
topology subnet
ifconfig-pool-persist $NT_DIR/pool.txt
push "route 10.88.0.0 255.255.255.0"
push "dhcp-option DNS 10.8.0.1"
keepalive 2 10
ca $pki/ca.crt
cert $pki/issued/server.crt
key $pki/private/server.key
verb 3
EOF
cat >"$NT_DIR/client.conf" <<EOF
client
dev tun
remote $NT_NET.1
ca $pki/ca.crt
cert $pki/issued/alice.crt
key $pki/private/alice.key
verb 3
EOF

# session TECHNIQUE FILTER_OURS: both ends up with --technique TECHNIQUE, traffic, wire.
session() {
    local technique=$1 ours=$2 dev deadline addr cap=$NT_DIR/$1.pcap esp other
    NT_LOGS=()
    nt_step "$technique: server and client from the same files"
    dev=$(nt_links srv | grep -v '^lo$' | head -n 1)
    nt_spawn srv "$NT_DIR/$technique.tcpdump.out" tcpdump --immediate-mode -i "$dev" -n -w "$cap" -U
    local cap_pid=$NT_LAST_PID
    deadline=$((SECONDS + 5))
    until grep -q 'listening on' "$NT_DIR/$technique.tcpdump.out" 2>/dev/null; do
        ((SECONDS < deadline)) || nt_fail "tcpdump did not start"
        sleep 0.1
    done
    nt_start_peer vpn srv "$technique-srv" "$NT_DIR/server.conf" --technique "$technique"
    nt_wait_ready "$technique-srv"
    nt_start_peer vpn cli "$technique-cli" "$NT_DIR/client.conf" --technique "$technique"
    deadline=$((SECONDS + NT_TIMEOUT))
    until addr=$(ip -n "$(nt_ns cli)" -o -4 addr show 2>/dev/null | grep -o ' 10\.8\.0\.[0-9]*' | head -n 1) && [[ -n $addr ]]; do
        nt_alive "${NT_PID[$technique-cli]}" || nt_fail "$technique client died: $(tail -n 2 "${NT_LOG[$technique-cli]}")"
        ((SECONDS < deadline)) || nt_fail "$technique client got no 10.8.0.x address within ${NT_TIMEOUT}s"
        sleep 0.1
    done
    [[ ${addr# } == 10.8.0.2 ]] || nt_fail "$technique: client address ${addr# }, expected 10.8.0.2 (first of the pool)"
    nt_ping cli "$SRV_TUN" || nt_fail "$technique: $NT_WHY"
    nt_transfer cli srv "$SRV_TUN" "$(nt_payload random 4)" || nt_fail "$technique: $NT_WHY"
    for role in "$technique-cli" "$technique-srv"; do
        nt_stop "$role"
        ((NT_RC == 0)) || nt_fail "$role exited with status $NT_RC after SIGTERM"
    done
    kill -INT "$cap_pid" 2>/dev/null || true
    nt_wait_exit "$cap_pid" 5 || kill -KILL "$cap_pid" 2>/dev/null || true
    esp=$(tcpdump -n -r "$cap" "$ours" 2>/dev/null | wc -l) || nt_fail "cannot read $cap"
    # A port-unreachable for a late packet to an end that already exited is no leak.
    other=$(tcpdump -n -r "$cap" "ip and not ($ours) and not icmp[icmptype] == icmp-unreach" 2>/dev/null | wc -l)
    ((esp > 50)) || nt_fail "$technique: only $esp packets of '$ours' on the wire"
    ((other == 0)) || nt_fail "$technique: $other packets on the wire that are not '$ours'"
    nt_step "$technique: 10.8.0.2, ping, 4 MB; $esp packets of '$ours' on the wire, nothing else"
}

session tls "udp port 1194"
session ipsec "udp port 500 or udp port 4500 or ip proto 50"
grep -q '10.8.0.2' "$NT_DIR/pool.txt" || nt_fail "the pool file does not hold the client's address: $(cat "$NT_DIR/pool.txt")"
nt_pass "the same server.conf served a client over TLS and over IPsec"
