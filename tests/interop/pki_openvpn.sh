#!/usr/bin/env bash
# A PKI made only by `vpn pki`, used by stock openvpn 2.6 on both ends:
#
#   [srv] 192.168.77.1  openvpn server (tls-crypt, crl-verify, remote-cert-tls client)
#   [cli] 192.168.77.2  openvpn clients from `vpn pki inline client NAME`
#
# Asserts: alice (valid) connects and pings 10.8.0.1; mallory (revoked with
# `vpn pki revoke` + `gen-crl`) is refused and the server log says "certificate
# revoked"; `openssl verify -crl_check` agrees with both verdicts.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
nt_init pki_openvpn
nt_pair srv cli
cd "$NT_DIR"
vpn=${VPN_BIN:?}

nt_step "vpn pki: CA, server, two clients, one revoked"
for cmd in "init" "build-ca --cn E2E-CA" "issue server server" "issue client alice" "issue client mallory" \
           "revoke mallory" "gen-crl"; do
  # shellcheck disable=SC2086
  "$vpn" pki $cmd >>pki.out 2>&1 || nt_fail "vpn pki $cmd: $(tail -n 2 pki.out)"
done
"$vpn" pki inline client alice --remote 192.168.77.1 1194 >alice.ovpn 2>>pki.out || nt_fail "vpn pki inline failed"
grep -q "<tls-crypt>" alice.ovpn || nt_fail "inline config has no <tls-crypt> block"
# mallory's config: alice's with mallory's (revoked) certificate and key.
sed -e '/<cert>/,/<\/cert>/d' -e '/<key>/,/<\/key>/d' alice.ovpn >mallory.ovpn
printf 'cert %s\nkey %s\n' "$(ls "$NT_DIR"/pki/revoked/certs_by_serial/*.crt)" \
  "$(ls "$NT_DIR"/pki/revoked/private_by_serial/*.key)" >>mallory.ovpn

nt_step "openssl agrees with the CRL"
openssl verify -CAfile pki/ca.crt -crl_check -CRLfile pki/crl.pem pki/issued/alice.crt | grep -q ": OK" ||
  nt_fail "openssl does not accept alice's certificate"
if openssl verify -CAfile pki/ca.crt -crl_check -CRLfile pki/crl.pem pki/revoked/certs_by_serial/*.crt >verify.out 2>&1; then
  nt_fail "openssl accepts mallory's revoked certificate"
fi
grep -q "certificate revoked" verify.out || nt_fail "openssl: $(tail -n 1 verify.out)"

cat >server.conf <<CONF
dev tun
proto udp
port 1194
server 10.8.0.0 255.255.255.0
topology subnet
ca $NT_DIR/pki/ca.crt
cert $NT_DIR/pki/issued/server.crt
key $NT_DIR/pki/private/server.key
dh none
tls-crypt $NT_DIR/pki/private/tls-crypt.key
crl-verify $NT_DIR/pki/crl.pem
remote-cert-tls client
verb 3
CONF

nt_step "openvpn server and clients"
nt_start_peer openvpn srv server "$NT_DIR/server.conf"
nt_wait_ready server
nt_start_peer openvpn cli alice "$NT_DIR/alice.ovpn"
nt_wait_ready alice
nt_ping cli 10.8.0.1 3 || nt_fail "$NT_WHY"
nt_start_peer openvpn cli mallory "$NT_DIR/mallory.ovpn" --dev tun9
nt_wait_role server "certificate revoked"
nt_count_log "${NT_LOG[mallory]}" "Initialization Sequence Completed" | grep -qx 0 ||
  nt_fail "the revoked client completed its initialization"
nt_pass
