#!/usr/bin/env bash
# TAP static-key tunnel, vpn<->vpn over UDP, then with a stock openvpn on one end:
#
#   [srv] 192.168.77.1 ==veth== 192.168.77.2 [cli]
#   tap0 10.0.1.1/24  <== Ethernet frames ==>  tap0 10.0.1.2/24
#
# Asserts: ARP resolves across the tunnel (the peer's tap MAC is learned), ping
# crosses, 4 MB arrive byte-exact, and the same with openvpn as server.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
nt_init p2p_tap
nt_pair srv cli
key=$NT_DIR/static.key
nt_genkey vpn "$key"

conf() {  # conf FILE LOCAL [REMOTE]
  {
    echo "dev tap"
    echo "ifconfig $2 255.255.255.0"
    [[ -n ${3:-} ]] && echo "remote $3"
    echo "secret $key"
    echo "cipher AES-128-CBC"
    echo "auth SHA256"
    echo "verb 3"
  } >"$1"
}
conf "$NT_DIR/srv.conf" 10.0.1.1
conf "$NT_DIR/cli.conf" 10.0.1.2 192.168.77.1
file=$(nt_payload random 4)

for server in vpn openvpn; do
  nt_step "$server server, vpn client"
  NT_LOGS=()
  nt_start_peer "$server" srv "srv-$server" "$NT_DIR/srv.conf"
  nt_start_peer vpn cli "cli-$server" "$NT_DIR/cli.conf"
  nt_wait_ready "cli-$server"
  nt_ping cli 10.0.1.1 3 || nt_fail "$NT_WHY"
  srv_mac=$(nt_exec srv cat /sys/class/net/tap0/address 2>/dev/null || nt_exec srv ip -o link show tap0 | sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/')
  learned=$(nt_exec cli ip neigh show 10.0.1.1 dev tap0)
  [[ $learned == *"$srv_mac"* ]] || nt_fail "ARP across the tunnel: '$learned', expected $srv_mac"
  nt_transfer cli srv 10.0.1.1 "$file" || nt_fail "$NT_WHY"
  nt_stop "cli-$server"
  ((NT_RC == 0)) || nt_fail "vpn client exited with $NT_RC"
  nt_stop "srv-$server"
done
nt_pass
