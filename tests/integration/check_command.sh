#!/usr/bin/env bash
# `vpn check CONFIG`: validates and prints what would run, touching nothing.
# Asserts: the classic client config is summarised (cipher, compression, mssfix,
# remote resolved) with exit 0 and no tun device appears in its namespace; a
# command-line override shows up; a bad config and a missing key give exit 1 and
# one line naming file:line; so does a TLS config while TLS mode is not there.
# technique ipsec: the static-key, setkey and PSK example configs print their plan
# (mirrored SPIs for the two static-key ends, no key bytes) with exit 0; a bad proposal, a refused setkey
# statement and a TLS-only directive are one line each at their file:line.
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
for c in ipsec-static-a ipsec-static-b ipsec-setkey-a ipsec-psk-a; do cp "$repo/configs/$c.conf" .; done
echo "not-a-real-secret" >psk.txt && chmod 600 psk.txt
a=$("$VPN_BIN" check ipsec-static-a.conf 2>&1) || nt_fail "ipsec static-key check failed: $a"
b=$("$VPN_BIN" check ipsec-static-b.conf 2>&1) || nt_fail "ipsec static-key check (B) failed: $b"
grep -qF "mode:          IPsec point-to-point, manual SAs derived from the static key" <<<"$a" || nt_fail "ipsec plan: $a"
spi_out_a=$(sed -n 's/^ESP SA out: *spi \(0x[0-9a-f]*\).*/\1/p' <<<"$a")
spi_in_b=$(sed -n 's/^ESP SA in: *spi \(0x[0-9a-f]*\).*/\1/p' <<<"$b")
[[ -n $spi_out_a && $spi_out_a == "$spi_in_b" ]] || nt_fail "A's outbound SPI is not B's inbound one: $a / $b"
key_hex=$(grep -v -e '^#' -e '^-' static.key | tr -d '\n')
grep -qF -- "${key_hex:0:8}" <<<"$a" && nt_fail "the plan shows key bytes: $a"
out=$("$VPN_BIN" check ipsec-setkey-a.conf 2>&1) || nt_fail "ipsec setkey check failed: $out"
grep -qF "ESP SA:        192.168.77.1 -> 192.168.77.2, spi 0x00001001 (4097), aes128-sha1, no replay check, outbound" \
    <<<"$out" || nt_fail "setkey plan: $out"
out=$("$VPN_BIN" check ipsec-psk-a.conf 2>&1) || nt_fail "ipsec psk check failed: $out"
grep -qF "ike proposals: aes256-prfsha256-sha256-modp2048" <<<"$out" || nt_fail "psk plan: $out"
printf 'technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nike-psk psk.txt\nike-proposals aes256-sha256\n' >bad.conf
if out=$("$VPN_BIN" check bad.conf 2>&1); then nt_fail "a proposal without DH passed the check"; fi
[[ $(wc -l <<<"$out") == 1 && $out == *"bad.conf:5: 'ike-proposals': proposal 'aes256-sha256': no Diffie-Hellman group"* ]] ||
    nt_fail "bad proposal: $out"
printf 'technique ipsec\ndev tun\n<setkey>\nflush;\nadd 10.0.0.1 10.0.0.2 ah 0x300 -A hmac-sha1 0x00;\n</setkey>\n' >bad.conf
if out=$("$VPN_BIN" check bad.conf 2>&1); then nt_fail "an AH SA passed the check"; fi
[[ $(wc -l <<<"$out") == 1 && $out == *"bad.conf:5: setkey: 'ah' is not supported"* ]] || nt_fail "setkey ah: $out"
printf 'technique ipsec\ndev tun\nifconfig 10.0.0.1 10.0.0.2\nsecret static.key\ntls-auth ta.key 0\n' >bad.conf
if out=$("$VPN_BIN" check bad.conf 2>&1); then nt_fail "tls-auth passed with technique ipsec"; fi
[[ $(wc -l <<<"$out") == 1 && $out == *"bad.conf:5: 'tls-auth' cannot be used with 'technique ipsec' at bad.conf:1"* ]] ||
    nt_fail "tls-auth with ipsec: $out"
nt_pass
