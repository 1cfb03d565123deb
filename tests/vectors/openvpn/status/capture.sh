#!/bin/sh
# Captures status files (status-version 1, 2, 3) and management exchanges from a
# stock OpenVPN 2.6 server with two stock clients, each in its own network namespace:
#
#   st-c1 (10.99.1.2) --veth-- st-srv (10.99.1.1, fd99:2::1) --veth-- st-c2 (fd99:2::2)
#
# c1 reaches the dual-stack server over IPv4 (printed as "10.99.1.2:port"), c2 over
# IPv6 (printed without a port).  Usage: sh capture.sh WORKDIR OUTDIR [MGMT_SCRIPT MGMT_OUTDIR]
# WORKDIR must hold pki/ (vpn pki init; build-ca; issue server server; issue client c1; c2).
set -eu
W=$1; OUT=$2; MGMT=${3:-}; MOUT=${4:-}
OVPN=/usr/sbin/openvpn
cd "$W"
cleanup() {
    for f in srv.pid c1.pid c2.pid; do [ -f $f ] && kill "$(cat $f)" 2>/dev/null || true; rm -f $f; done
    sleep 1
    for n in st-srv st-c1 st-c2; do ip netns del $n 2>/dev/null || true; done
}
trap cleanup EXIT
for n in st-srv st-c1 st-c2; do ip netns add $n; ip -n $n link set lo up; done
ip link add st-s1 netns st-srv type veth peer name st-c1e netns st-c1
ip link add st-s2 netns st-srv type veth peer name st-c2e netns st-c2
ip -n st-srv addr add 10.99.1.1/24 dev st-s1; ip -n st-c1 addr add 10.99.1.2/24 dev st-c1e
ip -n st-srv addr add fd99:2::1/64 dev st-s2 nodad; ip -n st-c2 addr add fd99:2::2/64 dev st-c2e nodad
for l in "st-srv st-s1" "st-srv st-s2" "st-c1 st-c1e" "st-c2 st-c2e"; do set -- $l; ip -n $1 link set $2 up; done

for V in 1 2 3; do
    cat > server.conf <<CONF
mode server
tls-server
proto udp6
port 1194
dev tun
server 10.8.0.0 255.255.255.0
server-ipv6 fd00:8::/64
topology subnet
keepalive 10 60
ca pki/ca.crt
cert pki/issued/server.crt
key pki/private/server.key
dh none
status st$V.txt 1
status-version $V
management 127.0.0.1 7505
verb 3
CONF
    for c in c1 c2; do
        if [ $c = c1 ]; then R=10.99.1.1; P=udp4; else R=fd99:2::1; P=udp6; fi
        cat > $c.conf <<CONF
client
dev tun
proto $P
remote $R 1194
nobind
ca pki/ca.crt
cert pki/issued/$c.crt
key pki/private/$c.key
verb 3
CONF
    done
    ip netns exec st-srv $OVPN --config server.conf --writepid srv.pid --log srv$V.log --daemon
    sleep 1
    ip netns exec st-c1 $OVPN --config c1.conf --writepid c1.pid --log c1.log --daemon
    ip netns exec st-c2 $OVPN --config c2.conf --writepid c2.pid --log c2.log --daemon
    sleep 6
    ip netns exec st-c1 ping -c 2 -i 0.3 10.8.0.1 >/dev/null || true
    ip netns exec st-c2 ping -6 -c 2 -i 0.3 fd00:8::1 >/dev/null || true
    sleep 2
    cp st$V.txt "$OUT/status-v$V.txt"
    if [ $V = 2 ] && [ -n "$MGMT" ]; then
        ip netns exec st-c1 ping -i 0.4 -w 60 10.8.0.1 >/dev/null 2>&1 &
        PING=$!
        ip netns exec st-srv python3 "$MGMT" 127.0.0.1 7505 "$MOUT"
        kill $PING 2>/dev/null || true
    fi
    for f in c1.pid c2.pid srv.pid; do kill "$(cat $f)"; rm -f $f; done
    sleep 2
done
