#!/usr/bin/env bash
# technique ipsec with IKEv2 keying: vpn <-> vpn, point-to-point.  Namespaces "a"
# (192.168.77.1, ifconfig 10.77.1.1 10.77.2.1, `remote` = the IKE initiator) and
# "b" (192.168.77.2, ifconfig 10.77.2.1 10.77.1.1, no remote = responder).  The
# inner addresses differ from the veth ones (as strongSwan needs them to, below).
# For each session: both ends log a child SA and their SPIs agree crosswise; the
# SPIs on the wire are those SPIs; ping both ways; 8 MB random a->b and 2 MB text
# b->a byte-exact; only IKE and ESP between the peers; SIGTERM: status 0, no tun.
#   psk        ike-psk (one secret), ike-id/ike-remote-id FQDNs, default proposals,
#              nat-traversal yes without a NAT: IKE on UDP 500, raw ESP (proto 50)
#   natt       the same with nat-traversal force: ESP in UDP 4500, no proto 50
#   cert-ec    certificates from `vpn pki` (ECDSA P-256), ike-id = the SAN's FQDN
#   cert-rsa   `vpn pki --rsa 2048`, no ike-id / ike-remote-id (the DN default)
#   wrongpsk   b has another secret: no child SA, no ping, AUTHENTICATION_FAILED
#              logged, the failure counted (SIGUSR2)
#   dpd        keepalive 1 5 on both; kill -9 b: a notices within 1 + 5 s (+ slack),
#              then b restarted: a's IKE comes up again with new SPIs
#   rekey      esp-lifetime 10 on a (the shortest allowed): during a 6 MB transfer
#              paced to 0.5 MB/s a rekeys the child SA on its own (new SPIs on both
#              ends, crosswise equal) and the transfer arrives byte-exact
# IKE_CASES="psk natt cert wrongpsk dpd rekey" picks cases (default all).
set -euo pipefail
source "$(dirname "$0")/../lib/ike.sh"

nt_init ipsec_ike
nt_need_vpn
command -v tcpdump >/dev/null || nt_fail "tcpdump missing (tests/lib/deps.sh installs it)"
nt_pair a b
A=$NT_NET.1 B=$NT_NET.2
A_TUN=10.77.1.1 B_TUN=10.77.2.1
PSK=$NT_DIR/psk.txt
ike_psk_file "$PSK" "ipsec-ike-test-0123456789abcdef"

# confs LABEL "A LINES" "B LINES": $NT_DIR/LABEL-{a,b}.conf (newline-separated extras).
confs() {
    local label=$1 ea=$2 eb=$3
    local -a la lb
    mapfile -t la <<<"$ea"
    mapfile -t lb <<<"$eb"
    ike_conf "$NT_DIR/$label-a.conf" "ifconfig $A_TUN $B_TUN" "remote $B" "${la[@]}"
    ike_conf "$NT_DIR/$label-b.conf" "ifconfig $B_TUN $A_TUN" "${lb[@]}"
}

# up LABEL: start b (responder), then a; both log a child SA, SPIs crosswise equal.
up() {
    local label=$1
    ike_start "$label-b" b "$NT_DIR/$label-b.conf"
    # The responder listens before the initiator speaks: an IKE_SA_INIT sent earlier
    # would come back as an ICMP port-unreachable the wire check rightly refuses.
    ike_wait_listen b 500
    ike_start "$label-a" a "$NT_DIR/$label-a.conf"
    ike_wait_child "$label-a"
    ike_wait_child "$label-b"
    ike_same_spis "$label-a" "$label-b"
}

# traffic LABEL: pings, 8 MB a->b, 2 MB b->a.
traffic() {
    nt_step "$1: ping"
    nt_ping a "$B_TUN" 3 || nt_fail "$NT_WHY"
    nt_ping b "$A_TUN" 3 || nt_fail "$NT_WHY"
    nt_transfer a b "$B_TUN" "$(nt_payload random 8)" || nt_fail "$NT_WHY"
    nt_transfer b a "$A_TUN" "$(nt_payload text 2)" 5002 || nt_fail "$NT_WHY"
}

# wire LABEL raw|udp: the capture holds IKE and ESP of the expected kind only, and
# the ESP SPIs each way are the ones both ends logged.
wire() {
    local label=$1 want=$2 cap=$NT_DIR/$1.pcap ike esp_raw esp_udp other spis_a wire_ab wire_ba
    ike=$(ike_count "$cap" "$IKE_F_IKE")
    esp_raw=$(ike_bytes "$cap" "$IKE_F_ESP_RAW")
    esp_udp=$(ike_bytes "$cap" "$IKE_F_ESP_UDP")
    other=$(ike_count "$cap" "ip and not ($IKE_F_IKE) and not ($IKE_F_ESP_RAW) and not ($IKE_F_ESP_UDP) and not ($IKE_F_KEEPALIVE)")
    ((ike >= 4)) || nt_fail "$label: only $ike IKE packets on the wire (IKE_SA_INIT + IKE_AUTH are 4)"
    ((other == 0)) || nt_fail "$label: $other packets between the peers are neither IKE nor ESP: $(tcpdump -n -r "$cap" "ip and not ($IKE_F_IKE) and not ($IKE_F_ESP_RAW) and not ($IKE_F_ESP_UDP)" 2>/dev/null | head -n 3 | paste -sd'|')"
    # 10 MB crossed the tunnel: at least that much ESP of the expected kind, none of the other.
    if [[ $want == raw ]]; then
        ((esp_raw > 10485760)) || nt_fail "$label: only $esp_raw bytes of raw ESP (10 MB were sent)"
        ((esp_udp == 0)) || nt_fail "$label: $esp_udp bytes of ESP in UDP without a NAT (nat-traversal yes)"
        (($(ike_count "$cap" 'udp port 4500') == 0)) || nt_fail "$label: IKE moved to UDP 4500 without a NAT"
    else
        ((esp_udp > 10485760)) || nt_fail "$label: only $esp_udp bytes of ESP in UDP (nat-traversal force, 10 MB sent)"
        ((esp_raw == 0)) || nt_fail "$label: $esp_raw bytes of raw ESP with nat-traversal force"
        (($(ike_count "$cap" "udp port 4500 and not (src port 4500 and dst port 4500)") == 0)) ||
            nt_fail "$label: UDP 4500 traffic not between port 4500 on both ends (no NAT here)"
    fi
    spis_a=$(ike_spis "$label-a")
    wire_ab=$(ike_wire_spis "$cap" "$A" "$B" | paste -sd' ')
    wire_ba=$(ike_wire_spis "$cap" "$B" "$A" | paste -sd' ')
    [[ $wire_ab == "${spis_a#* }" ]] || nt_fail "$label: ESP a->b on the wire uses SPI(s) '$wire_ab', a logged outbound ${spis_a#* }"
    [[ $wire_ba == "${spis_a% *}" ]] || nt_fail "$label: ESP b->a on the wire uses SPI(s) '$wire_ba', a logged inbound ${spis_a% *}"
    nt_step "$label: wire: $ike IKE packets, $esp_raw bytes raw ESP, $esp_udp bytes ESP in UDP, SPIs a->b $wire_ab, b->a $wire_ba"
}

# clean_stats ROLE: the ESP data path dropped nothing in a clean session.
clean_stats() {
    local drops
    nt_stats "$1"
    drops=$(nt_stat "$NT_STATS" "drops total")
    [[ ${drops:-x} == 0 ]] || nt_fail "$1 counted ${drops:-no} drops in a clean session (see $(paste -sd'|' "$NT_STATS"))"
}

# session LABEL raw|udp "A LINES" "B LINES": the whole positive scenario.
session() {
    local label=$1 want=$2
    NT_LOGS=()
    nt_step "$label: configure"
    confs "$label" "$3" "$4"
    ike_capture a "$NT_DIR/$label.pcap"
    up "$label"
    traffic "$label"
    ike_capture_stop
    wire "$label" "$want"
    clean_stats "$label-a"
    clean_stats "$label-b"
    # a's SIGTERM sends the Delete of the IKE SA; b answers at once, so a is gone
    # well within its grace for that answer (1.5 s).
    local t=$EPOCHREALTIME ms
    ike_stop "$label-a" a
    ms=$(( (${EPOCHREALTIME/./} - ${t/./}) / 1000 ))
    ((ms < 1000)) || later "$label: a took $ms ms to exit after SIGTERM although b answered its Delete at once"
    nt_wait_log "${NT_LOG[$label-b]}" "IKE SA down: IKE SA deleted by the peer" 5 ||
        nt_fail "$label: b did not log the IKE SA deleted by a on its exit"
    ike_stop "$label-b" b
}

# later WHY: a failed check that does not stop the cases after it; the script fails
# at its end with every such reason.
DEFERRED=()
later() {
    DEFERRED+=("$*")
    nt_step "FAILED (reported at the end): $*"
}

# case NAME: run this case? (IKE_CASES="psk dpd" runs only those; default all)
case_on() {
    [[ " ${IKE_CASES:-all} " == *" all "* || " ${IKE_CASES:-all} " == *" $1 "* ]]
}

t0=$SECONDS
psk_a="ike-psk $PSK"$'\n'"ike-id a.ike.test"$'\n'"ike-remote-id b.ike.test"
psk_b="ike-psk $PSK"$'\n'"ike-id b.ike.test"$'\n'"ike-remote-id a.ike.test"
if case_on psk; then session psk raw "$psk_a" "$psk_b"; fi
if case_on natt; then session natt udp "$psk_a"$'\nnat-traversal force' "$psk_b"$'\nnat-traversal force'; fi

# ---------------------------------------------------------------- certificates
if case_on cert; then
pki=$NT_DIR/pki-ec
ike_pki "$pki"
ike_issue "$pki" server a DNS:a.ike.test
ike_issue "$pki" server b DNS:b.ike.test
cert_a="ca $pki/ca.crt"$'\n'"cert $pki/issued/a.crt"$'\n'"key $pki/private/a.key"$'\n'"ike-id a.ike.test"$'\n'"ike-remote-id b.ike.test"
cert_b="ca $pki/ca.crt"$'\n'"cert $pki/issued/b.crt"$'\n'"key $pki/private/b.key"$'\n'"ike-id b.ike.test"$'\n'"ike-remote-id a.ike.test"
session cert-ec raw "$cert_a" "$cert_b"
grep -qF 'IKE SA established with b.ike.test' "$NT_DIR/cert-ec-a.log" ||
    nt_fail "cert-ec: a's log does not name the peer by the FQDN ike-id it proved (b.ike.test)"

pki=$NT_DIR/pki-rsa
ike_pki "$pki" --rsa 2048
ike_issue "$pki" server a "" --rsa 2048
ike_issue "$pki" server b "" --rsa 2048
cert_a="ca $pki/ca.crt"$'\n'"cert $pki/issued/a.crt"$'\n'"key $pki/private/a.key"
cert_b="ca $pki/ca.crt"$'\n'"cert $pki/issued/b.crt"$'\n'"key $pki/private/b.key"
session cert-rsa udp "$cert_a"$'\nnat-traversal force' "$cert_b"$'\nnat-traversal force'
# The DN default: each end names the other by its certificate subject.
grep -qF 'IKE SA established with CN=b' "$NT_DIR/cert-rsa-a.log" ||
    nt_fail "cert-rsa: a's log does not name the peer by its subject DN (CN=b): $(grep -iE 'peer|identity|authenticat' "$NT_DIR/cert-rsa-a.log" | head -n 3 | paste -sd'|')"
fi

# ---------------------------------------------------------------- wrong PSK
if case_on wrongpsk; then
NT_LOGS=()
nt_step "wrongpsk: configure"
other=$NT_DIR/other-psk.txt
ike_psk_file "$other" "not-the-same-secret-at-all-42"
confs wrongpsk "$psk_a" "ike-psk $other"$'\n'"ike-id b.ike.test"$'\n'"ike-remote-id a.ike.test"
ike_start wrongpsk-b b "$NT_DIR/wrongpsk-b.conf"
ike_start wrongpsk-a a "$NT_DIR/wrongpsk-a.conf"
# The responder checks the initiator's AUTH first: it refuses it and says so.
nt_wait_log_re "${NT_LOG[wrongpsk-b]}" 'AUTHENTICATION_FAILED|authentication .*fail' 15 "${NT_PID[wrongpsk-b]}" ||
    nt_fail "wrongpsk: the responder did not log the failed authentication within 15s"
nt_wait_log "${NT_LOG[wrongpsk-a]}" AUTHENTICATION_FAILED 15 "${NT_PID[wrongpsk-a]}" ||
    nt_fail "wrongpsk: the initiator did not log the peer's AUTHENTICATION_FAILED within 15s"
[[ -z $(ike_spis wrongpsk-a) && -z $(ike_spis wrongpsk-b) ]] || nt_fail "wrongpsk: a child SA came up with different PSKs"
# The initiator may try again, but paced (connect-retry: 1 s, doubling), not in a loop.
sleep 3
tries=$(nt_count_log "${NT_LOG[wrongpsk-a]}" "IKE: initiating")
((tries <= 5)) || later "wrongpsk: the initiator started IKE $tries times in ~3 s after AUTHENTICATION_FAILED (no retry pacing; connect-retry is 1 s doubling)"
nt_no_ping a "$B_TUN" || nt_fail "wrongpsk: ping passed with different PSKs"
for r in wrongpsk-a wrongpsk-b; do
    nt_stats "$r"
    n=$(grep -iE 'auth' "$NT_STATS" | grep -oE '[0-9]+$' | awk '{s += $1} END {print s + 0}')
    ((n >= 1)) || later "wrongpsk: $r's SIGUSR2 statistics count no authentication failure (no IKE line at all: $(grep -ciE 'ike' "$NT_STATS") of $(wc -l <"$NT_STATS"))"
done
ike_stop wrongpsk-a a
ike_stop wrongpsk-b b
fi

# ---------------------------------------------------------------- dead peer detection
if case_on dpd; then
NT_LOGS=()
nt_step "dpd: configure"
confs dpd "$psk_a"$'\nkeepalive 1 5' "$psk_b"$'\nkeepalive 1 5'
up dpd
nt_ping a "$B_TUN" 2 || nt_fail "dpd: $NT_WHY"
old=$(ike_spis dpd-a)
IKE_DOWN_FROM=$(ike_log_lines dpd-a)
ike_kill dpd-b
killed=$SECONDS
ike_wait_down dpd-a 12
nt_step "dpd: a noticed the dead peer after $((SECONDS - killed)) s"
IKE_DOWN_FROM=0
# The initiator keeps trying: a new b answers and a new child SA comes up.
ike_start dpd-b2 b "$NT_DIR/dpd-b.conf"
ike_wait_rekeyed dpd-a "$old" 20
ike_wait_child dpd-b2
ike_same_spis dpd-a dpd-b2
nt_ping a "$B_TUN" 3 || nt_fail "dpd: after the restart: $NT_WHY"
ike_stop dpd-a a
ike_stop dpd-b2 b
fi

# ---------------------------------------------------------------- rekey by lifetime
if case_on rekey; then
NT_LOGS=()
nt_step "rekey: configure"
confs rekey "$psk_a"$'\nesp-lifetime 10' "$psk_b"
up rekey
old=$(ike_spis rekey-a)
ike_xfer_start rekey a b "$B_TUN" "$(nt_payload random 6)" 5003 500000
ike_wait_rekeyed rekey-a "$old" 20
ike_wait_rekeyed rekey-b "$(awk '{print $2, $1}' <<<"$old")" 5
ike_same_spis rekey-a rekey-b
got=$(ike_xfer_received rekey)
((got < 6 * 1048576)) || nt_fail "rekey: the transfer was over before the rekey (nothing was tested)"
ike_xfer_wait rekey
nt_ping a "$B_TUN" 3 || nt_fail "rekey: after the rekey: $NT_WHY"
ike_stop rekey-a a
ike_stop rekey-b b
fi

if ((${#DEFERRED[@]} > 0)); then
    NT_LOGS=()
    nt_fail "$(printf '%s; ' "${DEFERRED[@]}")"
fi
nt_pass "cases: ${IKE_CASES:-psk natt cert wrongpsk dpd rekey}; $((SECONDS - t0)) s"
