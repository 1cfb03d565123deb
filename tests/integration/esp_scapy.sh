#!/usr/bin/env bash
# Our ESP against an implementation no one here wrote: scapy's
# scapy.layers.ipsec.SecurityAssociation (Debian python3-scapy).  No namespaces:
# packets go through esp_tool (built beside the vpn binary) on stdin/stdout.
# Asserts, for AES-GCM-16 (128, 256), AES-CBC with HMAC-SHA1-96 / SHA2-256-128 /
# SHA2-384-192 / SHA2-512-256, 3DES-CBC + HMAC-SHA1-96 and NULL + HMAC-SHA2-256:
#  - 15 inner packets (IPv4 of 20..1328 bytes, IPv6) sealed by scapy open in ours
#    to the same bytes, and sealed by ours decrypt and verify in scapy;
#  - a flipped bit, a replay and the wrong key are dropped by ours (bad-icv,
#    replay), a flipped ICV bit in our packet is rejected by scapy;
#  - ESN (AES-GCM only: scapy 2.5 leaves the high half out of an ESP HMAC): our
#    packets across 2^32 open in scapy with the high half we used; scapy's,
#    reordered across 2^32, open in ours by our own inference; a receiver
#    without ESN rejects them.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"

nt_init esp_scapy
nt_need_vpn
tool=$(dirname "$VPN_BIN")/esp_tool
[[ -x $tool ]] || nt_fail "esp_tool not found beside VPN_BIN ($tool)"
"$NT_PY" -c 'import scapy.layers.ipsec' 2>/dev/null || nt_fail "python3-scapy is not installed (tests/lib/deps.sh)"

nt_step "scapy <-> vpn ESP"
out=$NT_DIR/esp_scapy.out
if ! "$NT_PY" "$NT_LIB/esp_scapy.py" "$tool" >"$out" 2>&1; then
    grep -v '^PASS' "$out" >&2 || true
    nt_fail "ESP differs from scapy's ($(grep -c '^FAIL' "$out" || true) failed checks)"
fi
nt_pass "$(grep -c '^PASS' "$out") checks"
