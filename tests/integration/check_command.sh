#!/usr/bin/env bash
# `vpn check CONFIG`: validates and prints what would run, touching nothing.
# Asserts: the classic client config is summarised (cipher, compression, mssfix,
# remote resolved) with exit 0 and no tun device appears in its namespace; a
# command-line override shows up; a bad config and a missing key give exit 1 and
# one line naming file:line; so does a TLS config while TLS mode is not there.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
repo=$(cd "$(dirname "$0")/../.." && pwd)
nt_init check_command
nt_add_ns one
cd "$NT_DIR"
nt_genkey vpn static.key
cp "$repo/configs/static-client.conf" client.conf

out=$(nt_exec one "${VPN_BIN:?}" check client.conf 2>&1) || nt_fail "check failed: $out"
for want in "mode:          static-key point-to-point" "cipher BF-CBC, auth SHA1" "lzo, both directions" \
            "remote 192.168.77.1 ([AF_INET]192.168.77.1:1194)" "mssfix:        TCP MSS clamped to 1382" "OK"; do
  grep -qF -- "$want" <<<"$out" || nt_fail "check output lacks '$want': $out"
done
[[ -z $(nt_tun_devices one) ]] || nt_fail "check created a device: $(nt_tun_devices one)"

out=$(nt_exec one "$VPN_BIN" check client.conf --cipher AES-256-CBC --mssfix 0 2>&1) || nt_fail "check failed: $out"
grep -qF "cipher AES-256-CBC" <<<"$out" || nt_fail "command line override not shown: $out"
grep -qF "mssfix:        off" <<<"$out" || nt_fail "mssfix 0 not shown: $out"

printf 'dev tun\nsecrett static.key\n' >bad.conf
if out=$("$VPN_BIN" check bad.conf 2>&1); then nt_fail "a bad config passed the check"; fi
[[ $(wc -l <<<"$out") == 1 && $out == *"bad.conf:2: unknown directive 'secrett'"* ]] || nt_fail "bad config: $out"

printf 'dev tun\nsecret missing.key\n' >nokey.conf
if out=$("$VPN_BIN" check nokey.conf 2>&1); then nt_fail "a missing key passed the check"; fi
[[ $out == *"nokey.conf:2: "*"missing.key"* ]] || nt_fail "missing key: $out"
printf 'client\ndev tun\nremote 192.168.77.1\nca ca.crt\ncert c.crt\nkey c.key\n' >tls.conf
if out=$("$VPN_BIN" check tls.conf 2>&1); then nt_fail "a TLS config with missing files passed the check"; fi
[[ $(wc -l <<<"$out") == 1 && $out == *".crt: cannot read"* ]] || nt_fail "TLS config with missing files: $out"
"$VPN_BIN" pki --dir pki init >/dev/null && "$VPN_BIN" pki --dir pki build-ca >/dev/null &&
    "$VPN_BIN" pki --dir pki issue client c >/dev/null || nt_fail "vpn pki failed"
printf 'client\ndev tun\nremote 192.168.77.1\nca pki/ca.crt\ncert pki/issued/c.crt\nkey pki/private/c.key\n' >tls.conf
out=$("$VPN_BIN" check tls.conf 2>&1) || nt_fail "a good TLS config failed the check: $out"
grep -qF "mode:          TLS client (pull)" <<<"$out" || nt_fail "TLS check: $out"
printf 'client\ndev tun\nremote 192.168.77.1\nca pki/ca.crt\ncert pki/issued/c.crt\nkey pki/private/ca.key\n' >tls.conf
if out=$("$VPN_BIN" check tls.conf 2>&1); then nt_fail "a key not matching its certificate passed the check"; fi
[[ $(wc -l <<<"$out") == 1 ]] || nt_fail "mismatched key: not one line: $out"
printf 'dev tun\nserver 10.8.0.0 255.255.255.0\nca pki/ca.crt\ncert pki/issued/c.crt\nkey pki/private/c.key\n' >multi.conf
out=$("$VPN_BIN" check multi.conf 2>&1) || nt_fail "a multi-client server config failed the check: $out"
grep -qF "mode:          TLS multi-client server (mode server)" <<<"$out" || nt_fail "server check: $out"
grep -qF "pool:          10.8.0.4 - 10.8.0.251" <<<"$out" || nt_fail "server check (net30 pool): $out"
nt_pass
