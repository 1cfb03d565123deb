#!/usr/bin/env bash
# Inner packets whose datagrams exceed the link MTU (so the kernel must fragment
# them and cannot take them as UDP GSO trains), sent in bursts:
#
#   [srv] 192.168.77.1 ==veth mtu 1500== 192.168.77.2 [cli]   tun 10.0.0.1 <-> 10.0.0.2
#
# Asserts: 200 pings of 1450 bytes with 16 in flight get 200 replies both ways, with
# and without comp-lzo, and the sender counts no link-write errors.
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"
nt_init p2p_oversize
tn_topology
key=$NT_DIR/static.key
nt_genkey vpn "$key"

burst() {  # burst NS IP
  local out
  out=$(nt_exec "$1" ping -n -q -c 200 -i 0 -l 16 -s 1450 -W 2 "$2" 2>&1 || true)
  [[ $out == *"200 packets transmitted, 200 received"* ]] || nt_fail "oversize burst from $1: $(grep -m1 transmitted <<<"$out")"
}

for extra in $'cipher AES-256-CBC' $'cipher AES-256-CBC\ncomp-lzo'; do
  label=$( [[ $extra == *comp-lzo* ]] && echo lzo || echo plain )
  tn_session "$label" vpn vpn udp "$key" 0 1 "$extra" "$extra"
  burst cli 10.0.0.1
  burst srv 10.0.0.2
  nt_stats "$TN_C"
  [[ $(nt_stat "$NT_STATS" "drop link-write-error") == 0 ]] || nt_fail "client lost datagrams at the socket"
  tn_end
done
nt_pass
