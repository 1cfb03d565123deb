#!/usr/bin/env bash
# easy-rsa <-> vpn pki on one PKI, both directions (EASYRSA=/path/to/easyrsa picks
# another copy of easy-rsa, e.g. a git checkout of 3.2):
#   1. easy-rsa makes the CA + certs; vpn pki issues, revokes, makes the CRL, lists;
#      easy-rsa then issues/revokes/gen-crl on the result.
#   2. the same the other way round (CA key encrypted, passphrase from a file).
# Every certificate is then checked with `openssl verify -crl_check`.  No network.
set -euo pipefail
VPN=$(realpath "${VPN_BIN:?set VPN_BIN to the vpn binary}")
E=${EASYRSA:-/usr/share/easy-rsa/easyrsa}
[ -x "$E" ] || { echo "FAIL pki_easyrsa: no easy-rsa at $E (tests/lib/deps.sh installs it)"; exit 1; }
W=$(mktemp -d /tmp/pki-ersa-XXXXXX)
trap '[ "${KEEP:-}" ] || rm -rf "$W"' EXIT
cd "$W"
export EASYRSA_BATCH=1
ec="--use-algo=ec --curve=prime256v1"
q() { "$@" >>"$W/log" 2>&1 || { echo "FAIL pki_easyrsa: $*"; tail -20 "$W/log"; exit 1; }; }
expect_verify() {  # DIR CERT OK|REVOKED
    out=$(openssl verify -CAfile "$1/ca.crt" -crl_check -CRLfile "$1/crl.pem" "$2" 2>&1 || true)
    case "$3:$out" in
        OK:*": OK"*|REVOKED:*"certificate revoked"*) echo "  openssl verify $(basename "$2"): $3";;
        *) echo "FAIL pki_easyrsa: openssl verify $2 expected $3: $out"; exit 1;;
    esac
}

echo "1. easy-rsa PKI, continued by vpn pki"
export EASYRSA_PKI=$W/a
q "$E" init-pki; q "$E" $ec --req-cn="ERSA CA" build-ca nopass
q "$E" $ec build-server-full srv nopass; q "$E" $ec build-client-full c1 nopass
q "$VPN" pki --dir a issue client c2
q "$VPN" pki --dir a revoke c1
q "$VPN" pki --dir a gen-crl
q "$E" $ec build-client-full c3 nopass
q "$E" revoke c2
q "$E" gen-crl
"$VPN" pki --dir a list | sed 's/^/  /'
expect_verify a a/issued/srv.crt OK; expect_verify a a/issued/c3.crt OK
for c in a/revoked/certs_by_serial/*.crt; do expect_verify a "$c" REVOKED; done

echo "2. vpn pki PKI (encrypted CA key), continued by easy-rsa"
export EASYRSA_PKI=$W/b
echo "pass-phrase-1" > pass
q "$VPN" pki --dir b init
q "$VPN" pki --dir b --passphrase-file pass build-ca --cn "VPN CA"
q "$VPN" pki --dir b --passphrase-file pass issue server server
q "$VPN" pki --dir b --passphrase-file pass issue client alice
q "$E" $ec --passin=file:pass build-client-full bob nopass
q "$E" --passin=file:pass revoke alice
q "$E" --passin=file:pass gen-crl
q "$VPN" pki --dir b revoke bob
q "$VPN" pki --dir b --passphrase-file pass gen-crl
q "$VPN" pki --dir b --passphrase-file pass issue client bob   # the name is free again
"$VPN" pki --dir b list | sed 's/^/  /'
expect_verify b b/issued/server.crt OK; expect_verify b b/issued/bob.crt OK
for c in b/revoked/certs_by_serial/*.crt; do expect_verify b "$c" REVOKED; done
echo "PASS pki_easyrsa"
