#!/usr/bin/env bash
# Hostile TCP peers against a vpn tcp-server (p2p serves one connection):
#
#   [srv] 192.168.77.1:1194/tcp  vpn tcp-server
#   [cli] 192.168.77.2           a silent squatter, then the real vpn client, then
#                                connections sending garbage
#
# Asserts: a squatter that connected first and never sent an authentic packet does
# not lock the real client out (it is replaced); once the real client is proven,
# further connections are refused, whatever they send; the tunnel keeps working.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
nt_init hostile_tcp
nt_pair srv cli
key=$NT_DIR/static.key
nt_genkey vpn "$key"
printf 'dev tun\nproto tcp-server\nifconfig 10.0.0.1 10.0.0.2\nsecret %s 0\ncipher AES-256-CBC\nverb 3\n' "$key" \
  >"$NT_DIR/srv.conf"
printf 'dev tun\nproto tcp-client\nremote 192.168.77.1\nifconfig 10.0.0.2 10.0.0.1\nsecret %s 1\ncipher AES-256-CBC\nping 1\nverb 3\n' \
  "$key" >"$NT_DIR/cli.conf"

# peer SECONDS HEX: connect, send HEX bytes, stay SECONDS, close.
peer() {
  nt_spawn cli "$NT_DIR/peer.out" "$NT_PY" -c '
import socket, sys, time
s = socket.create_connection(("192.168.77.1", 1194), timeout=5)
s.sendall(bytes.fromhex(sys.argv[2]))
time.sleep(float(sys.argv[1]))
' "$1" "$2"
}

nt_step "a silent squatter connects first"
nt_start_peer vpn srv srv "$NT_DIR/srv.conf"
nt_wait_ready srv
peer 30 ""
nt_wait_role srv "TCP connection established with [AF_INET]192.168.77.2"

nt_step "the real client is not locked out"
nt_start_peer vpn cli cli "$NT_DIR/cli.conf"
nt_wait_ready cli
nt_wait_role srv "replaced by a new connection"
nt_ping cli 10.0.0.1 3 || nt_fail "$NT_WHY"

nt_step "garbage connections are refused while the real peer is proven"
before=$(nt_count_log "${NT_LOG[srv]}" "refused: a peer is already connected")
peer 1 "0000"                    # zero length: fatal framing error
peer 1 "ffff$(printf '41%.0s' {1..64})"   # length beyond any packet
peer 1 "0040$(printf '00%.0s' {1..64})"   # a well-framed packet that fails the HMAC
deadline=$((SECONDS + 10))
until (( $(nt_count_log "${NT_LOG[srv]}" "refused: a peer is already connected") >= before + 3 )); do
  ((SECONDS < deadline)) || nt_fail "the server did not refuse the three extra connections"
  sleep 0.1
done
nt_ping cli 10.0.0.1 3 || nt_fail "$NT_WHY"
file=$(nt_payload random 2)
nt_transfer cli srv 10.0.0.1 "$file" || nt_fail "$NT_WHY"
nt_alive "${NT_PID[srv]}" || nt_fail "the server died"
nt_pass
