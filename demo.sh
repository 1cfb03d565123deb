#!/usr/bin/env bash
# The main job, end to end: installs what is missing, builds, then brings up the
# classic static-key tunnel from configs/ between two network namespaces and shows
# ping and a bulk transfer crossing it; then the same two ends as an IPsec tunnel
# (technique ipsec, manually keyed ESP from the same key); then certificates from
# `vpn pki` and a TLS control channel.  Needs root.  Cleans up after itself.
#
#   [vpn-demo-server] 192.168.77.1 ==veth== 192.168.77.2 [vpn-demo-client]
#        tun 10.0.0.1  <======= encrypted UDP 1194 =======>  tun 10.0.0.2
set -euo pipefail
repo=$(dirname "$(readlink -f "$0")")
cd "$repo"
. tests/lib/deps.sh
ensure_deps
cmake -B build -S . -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
vpn=$repo/build/vpn

srv=vpn-demo-server cli=vpn-demo-client
work=$(mktemp -d /tmp/vpn-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del $srv 2>/dev/null || true
  ip netns del $cli 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_log() {  # wait_log FILE PATTERN: up to 15 s
  for _ in $(seq 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1"; cat "$1"; return 1
}

step "two network namespaces joined by a veth pair"
ip netns del $srv 2>/dev/null || true; ip netns del $cli 2>/dev/null || true
ip netns add $srv; ip netns add $cli
ip link add vpn-demo0 netns $srv type veth peer name vpn-demo1 netns $cli
ip -n $srv addr add 192.168.77.1/24 dev vpn-demo0; ip -n $srv link set vpn-demo0 up; ip -n $srv link set lo up
ip -n $cli addr add 192.168.77.2/24 dev vpn-demo1; ip -n $cli link set vpn-demo1 up; ip -n $cli link set lo up
echo "server 192.168.77.1 <-> client 192.168.77.2"

step "a shared static key: vpn --genkey secret static.key"
cd "$work"
"$vpn" --genkey secret static.key
cp "$repo"/configs/static-server.conf "$repo"/configs/static-client.conf .
echo "--- static-server.conf"; cat static-server.conf; echo "--- static-client.conf"; cat static-client.conf

step "start both ends: vpn static-server.conf / vpn static-client.conf"
ip netns exec $srv "$vpn" static-server.conf --verb 3 --log server.log & pids+=($!)
ip netns exec $cli "$vpn" static-client.conf --verb 3 --log client.log & pids+=($!)
wait_log server.log "Initialization Sequence Completed"
wait_log client.log "Initialization Sequence Completed"
ip -n $cli -brief addr show type tun

step "ping across the tunnel: client 10.0.0.2 -> server 10.0.0.1"
ip netns exec $cli ping -c 4 -i 0.2 10.0.0.1
wait_log server.log "Peer Connection Initiated"

step "bulk transfer across the tunnel (iperf3, 5 s)"
ip netns exec $srv iperf3 -s -1 -B 10.0.0.1 >/dev/null & pids+=($!)
sleep 0.5
ip netns exec $cli iperf3 -c 10.0.0.1 -t 5 -f m | sed -n '/- - -/,$p'

step "statistics (SIGUSR2), then stop (SIGTERM)"
kill -USR2 "${pids[0]}"; sleep 0.3
grep -E "TUN/TAP (read|write) bytes|TCP/UDP (read|write) bytes|drops total" server.log | sed 's/^/server: /'
kill -TERM "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}" 2>/dev/null || true
pids=()
echo "static-key tunnel down."

step "the same two ends as IPsec: technique ipsec + the same static key (manual ESP SAs)"
cp "$repo"/configs/ipsec-static-a.conf "$repo"/configs/ipsec-static-b.conf .
echo "--- ipsec-static-a.conf"; grep -v '^#' ipsec-static-a.conf; echo "--- ipsec-static-b.conf"; grep -v '^#' ipsec-static-b.conf
ip netns exec $srv "$vpn" ipsec-static-a.conf --verb 3 --log ipsec-a.log & pids+=($!)
ip netns exec $cli "$vpn" ipsec-static-b.conf --verb 3 --log ipsec-b.log & pids+=($!)
wait_log ipsec-a.log "Initialization Sequence Completed"
wait_log ipsec-b.log "Initialization Sequence Completed"
grep -E "ESP SAs" ipsec-b.log | cut -d' ' -f3- | sed 's/^/b: /'
ip netns exec $srv timeout 5 tcpdump -l -n -c 4 -i vpn-demo0 esp 2>/dev/null & pids+=($!)
sleep 0.5
ip netns exec $cli ping -c 4 -i 0.2 10.0.0.1
ip netns exec $srv iperf3 -s -1 -B 10.0.0.1 >/dev/null & pids+=($!)
sleep 0.5
ip netns exec $cli iperf3 -c 10.0.0.1 -t 5 -f m | sed -n '/- - -/,$p'
kill -TERM "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}" 2>/dev/null || true
pids=()
echo "IPsec tunnel down."

step "a certificate authority: vpn pki init / build-ca / issue server / issue client"
"$vpn" pki init >/dev/null
"$vpn" pki build-ca --cn "Demo CA" >/dev/null
"$vpn" pki issue server server >/dev/null
"$vpn" pki issue client client >/dev/null
"$vpn" pki list
cp "$repo"/configs/tls-server.conf "$repo"/configs/tls-client.conf .
echo "--- tls-server.conf"; grep -v '^#' tls-server.conf; echo "--- tls-client.conf"; grep -v '^#' tls-client.conf

step "start both ends: vpn tls-server.conf / vpn tls-client.conf"
ip netns exec $srv "$vpn" tls-server.conf --verb 3 --log tls-server.log & pids+=($!)
ip netns exec $cli "$vpn" tls-client.conf --verb 3 --log tls-client.log & pids+=($!)
wait_log tls-client.log "Initialization Sequence Completed"
grep -E "Control Channel|Data Channel|PUSH" tls-client.log | cut -d' ' -f3- | sed 's/^/client: /'
ip -n $cli -brief addr show type tun

step "ping and bulk transfer across the TLS tunnel: client 10.8.0.2 -> server 10.8.0.1"
ip netns exec $cli ping -c 4 -i 0.2 10.8.0.1
ip netns exec $srv iperf3 -s -1 -B 10.8.0.1 >/dev/null & pids+=($!)
sleep 0.5
ip netns exec $cli iperf3 -c 10.8.0.1 -t 5 -f m | sed -n '/- - -/,$p'
kill -TERM "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}" 2>/dev/null || true
pids=()
echo "tunnels down; namespaces, keys and certificates removed."
