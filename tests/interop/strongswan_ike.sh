#!/usr/bin/env bash
# vpn (technique ipsec, IKEv2) against strongSwan 5.9.8 with kernel-libipsec, through
# tests/lib/strongswan.sh.  vpn runs in namespace "a" (192.168.77.1, its tun
# 10.77.1.1), charon in "b" (192.168.77.2, lo 10.77.2.1): the inner addresses differ
# from the IKE ones because kernel-libipsec refuses traffic selectors equal to the
# peer's IKE address.  strongSwan always floats to UDP 4500 and fakes its NAT-D
# hash, so ESP is in UDP here whatever vpn's nat-traversal says.
#   psk-i    PSK host-to-host, vpn initiates: same SPIs on both ends (crosswise) and
#            on the wire, IKE AES_CBC_256/SHA2_256/MODP_2048, ESP AES_CBC_128/SHA1_96;
#            ping both ways, 4 MB + 1 MB byte-exact, counted by strongSwan's CHILD_SA;
#            a CHILD_SA rekey forced by strongSwan in the middle of a paced 6 MB
#            transfer (new SPIs on both ends, different from the old ones, PFS
#            MODP_2048, the transfer byte-exact); an IKE_SA rekey forced by strongSwan
#            (ping afterwards); SIGTERM: vpn deletes the IKE SA, strongSwan sees it go
#   psk-r    the same PSK setup with strongSwan initiating (vpn has no `remote`):
#            ping, 2 MB each way, a strongSwan CHILD_SA rekey, ping
#   cert-*   certificates from `vpn pki`: ECDSA P-256 (vpn initiates, then responds)
#            and RSA-2048 (same): signatures checked by strongSwan, SPIs, ping, 1 MB
#   gw       strongSwan gateway (pool 10.77.100.0/28 + DNS 10.77.2.53, certificates)
#            and vpn `client`: the virtual IP is on vpn's tun and leased to rw.ike.test,
#            10.77.2.0/24 is routed into the tun, ping through both ways, DNS logged
#   rw       vpn gateway (`server 10.9.0.0 255.255.255.0`, certificates, DNS pushed)
#            and a strongSwan road warrior: virtual IP from the pool, CP(ADDR DNS),
#            ECDSA, same SPIs, ping + 2 MB each way, a strongSwan CHILD_SA rekey (x25519 PFS),
#            strongSwan's Delete seen by the gateway, the virtual IP unreachable after
#   dpd      strongSwan dpd_delay 1s (short retransmits): kill -9 vpn -> strongSwan
#            drops the IKE_SA within the bound; vpn keepalive 1 5: kill -9 charon ->
#            vpn logs its IKE SA down within 1 + 5 s (+ slack)
#   nat      vpn behind a third namespace that masquerades (nft, ports remapped to
#            40000-40999): strongSwan sees the NAT's address and a mapped port, NAT
#            detected on both ends, ESP in UDP via the mapping, ping + 2 MB each way
#   psk-rw   the gateway and road-warrior pair again with a pre-shared key: vpn gateway
#            + strongSwan road warrior, then strongSwan gateway + vpn client; each
#            gets a virtual IP from the pool, ping both ways
#   life     PSK host-to-host, vpn initiates with esp-lifetime 10: during a 6 MB
#            transfer paced to 0.5 MB/s vpn rekeys the CHILD_SA by itself (new SPIs
#            on both ends, strongSwan's crosswise equal), the transfer byte-exact
# IKE_CASES="psk-i psk-r cert gw rw psk-rw life dpd nat" picks cases (default all).
set -euo pipefail
source "$(dirname "$0")/../lib/strongswan.sh"
source "$(dirname "$0")/../lib/ike.sh"

nt_init strongswan_ike
nt_need_vpn
sw_check
command -v tcpdump >/dev/null || nt_fail "tcpdump missing (tests/lib/deps.sh installs it)"
command -v nft >/dev/null || nt_fail "nft missing (tests/lib/deps.sh installs nftables)"
nt_pair a b
ip -n "$(nt_ns b)" addr add "$SW_INNER_B/32" dev lo
A=$NT_NET.1 B=$NT_NET.2
A_TUN=10.77.1.1 B_TUN=$SW_INNER_B
SECRET=strongswan-ike-psk-0123456789
PSK=$NT_DIR/psk.txt
ike_psk_file "$PSK" "$SECRET"
POOL=10.77.100.0/28 DNS=10.77.2.53 B_NET=10.77.2.0/24
t0=$SECONDS

# case_on NAME: run this case? (IKE_CASES="psk-i gw" runs only those; default all)
case_on() {
    [[ " ${IKE_CASES:-all} " == *" all "* || " ${IKE_CASES:-all} " == *" $1 "* ]]
}

expect() {
    [[ $2 == "$3" ]] || nt_fail "$1: got '$2', expected '$3'"
}

# vpn_conf LABEL LINE...: $NT_DIR/LABEL.conf, p2p towards b's inner address.
vpn_conf() {
    local label=$1
    shift
    ike_conf "$NT_DIR/$label.conf" "ifconfig $A_TUN $B_TUN" "$@"
}

# same_spis ROLE INST [CHILD]: vpn's in/out are strongSwan's out/in (bounded: a
# rekey may still be settling on one end).
same_spis() {
    local deadline=$((SECONDS + 10)) v s
    while :; do
        v=$(ike_spis "$1")
        s=$(sw_spis "$2" "${3:-${SW_CHILD[$2]}}")
        [[ -n $v && ${v% *} == "${s#* }" && ${v#* } == "${s% *}" ]] && return 0
        ((SECONDS < deadline)) || nt_fail "SPIs differ: vpn $1 in/out '$v', strongSwan $2 in/out '$s'"
        sleep 0.1
    done
}

# wire_spis PCAP INST: the ESP SPIs on the wire each way are the current ones.
wire_spis() {
    local spis ab ba
    spis=$(sw_spis "$2")
    ab=$(ike_wire_spis "$1" "$A" "$B" | paste -sd' ')
    ba=$(ike_wire_spis "$1" "$B" "$A" | paste -sd' ')
    [[ $ab == "${spis% *}" ]] || nt_fail "ESP a->b on the wire: SPI(s) '$ab', strongSwan's inbound ${spis% *}"
    [[ $ba == "${spis#* }" ]] || nt_fail "ESP b->a on the wire: SPI(s) '$ba', strongSwan's outbound ${spis#* }"
    (($(ike_count "$1" "$IKE_F_ESP_RAW") == 0)) || nt_fail "raw ESP on the wire: strongSwan only does ESP in UDP"
}

# ping_both: a -> b's inner address and back.
ping_both() {
    nt_ping a "$B_TUN" 3 || nt_fail "$NT_WHY"
    nt_ping b "$A_TUN" 3 || nt_fail "$NT_WHY"
}

# stop_pair ROLE INST [NS]: SIGTERM vpn (status 0, no tun left in NS, default a);
# strongSwan sees the IKE_SA deleted (vpn's Delete), then charon is stopped.
stop_pair() {
    ike_stop "$1" "${3:-a}"
    sw_wait_gone "$2" "${SW_CONN[$2]}" 5
    sw_stop "$2"
}

# ---------------------------------------------------------------- psk, vpn initiates
if case_on psk-i; then
NT_LOGS=()
nt_step "psk-i: configure"
sw_conf_psk psk-i b local_addrs="$B" remote_addrs="$A" local_id=b.ike.test remote_id=a.ike.test \
    secret="$SECRET" local_ts="$B_TUN/32" remote_ts="$A_TUN/32"
vpn_conf psk-i "remote $B" "ike-psk $PSK" "ike-id a.ike.test" "ike-remote-id b.ike.test" \
    "ike-proposals aes256-sha256-modp2048" "esp-proposals aes128-sha1-modp2048,aes128-sha1"
sw_start psk-i
ike_capture a "$NT_DIR/psk-i.pcap"
ike_start vpn-psk-i a "$NT_DIR/psk-i.conf"
ike_wait_child vpn-psk-i
sw_wait_child psk-i h2h 5
same_spis vpn-psk-i psk-i
expect "psk-i: IKE" "$(sw_ike_field psk-i h2h encr-alg)-$(sw_ike_field psk-i h2h encr-keysize)/$(sw_ike_field psk-i h2h prf-alg)/$(sw_ike_field psk-i h2h dh-group)" AES_CBC-256/PRF_HMAC_SHA2_256/MODP_2048
expect "psk-i: ESP" "$(sw_child_field psk-i h2h encr-alg)-$(sw_child_field psk-i h2h encr-keysize)/$(sw_child_field psk-i h2h integ-alg)" AES_CBC-128/HMAC_SHA1_96
expect "psk-i: strongSwan's view of vpn" "$(sw_ike_field psk-i h2h remote-id)" a.ike.test
expect "psk-i: how strongSwan authenticated vpn" "$(sw_peer_auth psk-i)" "pre-shared key"
expect "psk-i: strongSwan is the responder" "$(sw_ike_field psk-i h2h initiator)" ""
ping_both
nt_transfer a b "$B_TUN" "$(nt_payload random 4)" || nt_fail "$NT_WHY"
nt_transfer b a "$A_TUN" "$(nt_payload text 1)" 5002 || nt_fail "$NT_WHY"
ike_capture_stop
wire_spis "$NT_DIR/psk-i.pcap" psk-i
bytes_in=$(sw_child_field psk-i h2h bytes-in)
((bytes_in >= 4 * 1048576)) || nt_fail "psk-i: strongSwan's CHILD_SA received only $bytes_in bytes (4 MB sent)"

# A CHILD_SA rekey by strongSwan while 6 MB flow at 3 MB/s.
old_sw=$(sw_spis psk-i)
old_vpn=$(ike_spis vpn-psk-i)
ike_xfer_start rekey a b "$B_TUN" "$(nt_payload random 6)" 5003 3145728
deadline=$((SECONDS + 10))
until (($(ike_xfer_received rekey) > 1048576)); do
    ((SECONDS < deadline)) || nt_fail "psk-i: the paced transfer did not get going ($(ike_xfer_received rekey) bytes)"
    sleep 0.1
done
sw_rekey_child psk-i h2h 10
ike_wait_rekeyed vpn-psk-i "$old_vpn" 10
(($(ike_xfer_received rekey) < 6 * 1048576)) || nt_fail "psk-i: the transfer was over before the rekey: nothing tested"
ike_xfer_wait rekey
same_spis vpn-psk-i psk-i
new_vpn=$(ike_spis vpn-psk-i)
[[ ${new_vpn% *} != "${old_vpn% *}" && ${new_vpn#* } != "${old_vpn#* }" ]] ||
    nt_fail "psk-i: rekeyed SPIs $new_vpn share one with the old $old_vpn"
[[ $SW_NEW_SPIS != "$old_sw" ]] || nt_fail "psk-i: strongSwan kept its SPIs"
expect "psk-i: PFS group of the rekeyed CHILD_SA" "$(sw_child_field psk-i h2h dh-group)" MODP_2048
bytes_in=$(sw_child_field psk-i h2h bytes-in)
((bytes_in > 0)) || nt_fail "psk-i: nothing arrived on the rekeyed CHILD_SA"
sw_rekey_ike psk-i h2h 10
nt_ping a "$B_TUN" 3 || nt_fail "psk-i after the IKE_SA rekey: $NT_WHY"
stop_pair vpn-psk-i psk-i

fi
# ---------------------------------------------------------------- psk, vpn responds
if case_on psk-r; then
NT_LOGS=()
nt_step "psk-r: configure"
sw_conf_psk psk-r b local_addrs="$B" remote_addrs="$A" local_id=b.ike.test remote_id=a.ike.test \
    secret="$SECRET" local_ts="$B_TUN/32" remote_ts="$A_TUN/32"
vpn_conf psk-r "ike-psk $PSK" "ike-id a.ike.test" "ike-remote-id b.ike.test" \
    "ike-proposals aes256-sha256-modp2048" "esp-proposals aes128-sha1-modp2048,aes128-sha1"
sw_start psk-r
ike_start vpn-psk-r a "$NT_DIR/psk-r.conf"
ike_wait_listen a 500
sw_initiate psk-r
ike_wait_child vpn-psk-r
same_spis vpn-psk-r psk-r
expect "psk-r: strongSwan is the initiator" "$(sw_ike_field psk-r h2h initiator)" yes
ping_both
nt_transfer a b "$B_TUN" "$(nt_payload random 2)" || nt_fail "$NT_WHY"
nt_transfer b a "$A_TUN" "$(nt_payload text 2)" 5002 || nt_fail "$NT_WHY"
old_vpn=$(ike_spis vpn-psk-r)
sw_rekey_child psk-r h2h 10
ike_wait_rekeyed vpn-psk-r "$old_vpn" 10
same_spis vpn-psk-r psk-r
ping_both
stop_pair vpn-psk-r psk-r

fi
# ---------------------------------------------------------------- certificates
# cert_session LABEL PKI ROLE(i|r) SW_PROPOSALS SW_ESP WANT_AUTH
cert_session() {
    local label=$1 pki=$2 role=$3 props=$4 esp=$5 want=$6 inst=$1 v=vpn-$1
    local -a remote=()
    NT_LOGS=()
    nt_step "$label: configure"
    [[ $role == r ]] || remote=("remote $B")
    sw_conf_psk "$inst" b local_addrs="$B" remote_addrs="$A" local_id=b.ike.test remote_id=a.ike.test \
        local_auth=pubkey remote_auth=pubkey cert="$pki/issued/b.crt" key="$pki/private/b.key" cacert="$pki/ca.crt" \
        local_ts="$B_TUN/32" remote_ts="$A_TUN/32" proposals="$props" esp_proposals="$esp"
    vpn_conf "$label" "${remote[@]}" "ca $pki/ca.crt" "cert $pki/issued/a.crt" "key $pki/private/a.key" \
        "ike-id a.ike.test" "ike-remote-id b.ike.test"
    sw_start "$inst"
    ike_start "$v" a "$NT_DIR/$label.conf"
    if [[ $role == r ]]; then
        ike_wait_listen a 500
        sw_initiate "$inst"
        ike_wait_child "$v"
    else
        ike_wait_child "$v"
        sw_wait_child "$inst" "${SW_CHILD[$inst]}" 5
    fi
    same_spis "$v" "$inst"
    [[ $(sw_peer_auth "$inst") == $want* ]] || nt_fail "$label: strongSwan authenticated vpn with '$(sw_peer_auth "$inst")', expected $want..."
    expect "$label: strongSwan's view of vpn" "$(sw_ike_field "$inst" h2h remote-id)" a.ike.test
    ping_both
    nt_transfer a b "$B_TUN" "$(nt_payload random 1)" || nt_fail "$NT_WHY"
    stop_pair "$v" "$inst"
}

ec=$NT_DIR/pki-ec
ike_pki "$ec"
ike_issue "$ec" server a DNS:a.ike.test
ike_issue "$ec" server b DNS:b.ike.test
ike_issue "$ec" client rw DNS:rw.ike.test
ike_issue "$ec" server gw DNS:gw.ike.test
rsa=$NT_DIR/pki-rsa
ike_pki "$rsa" --rsa 2048
ike_issue "$rsa" server a DNS:a.ike.test --rsa 2048
ike_issue "$rsa" server b DNS:b.ike.test --rsa 2048
if case_on cert; then
    cert_session cert-ec-i "$ec" i aes256gcm16-prfsha256-x25519 aes256gcm16 ECDSA
    cert_session cert-ec-r "$ec" r aes256gcm16-prfsha256-ecp256 aes128gcm16 ECDSA
    cert_session cert-rsa-i "$rsa" i aes256-sha256-modp2048 aes256-sha256 RSA
    cert_session cert-rsa-r "$rsa" r aes256-sha256-modp2048 aes128-sha1 RSA
fi

# ---------------------------------------------------------------- strongSwan gateway, vpn client
if case_on gw; then
NT_LOGS=()
nt_step "gw: configure"
sw_conf_gw gw b local_addrs="$B" local_id=gw.ike.test local_ts="$B_NET" pool_addrs="$POOL" dns="$DNS" \
    cert="$ec/issued/gw.crt" key="$ec/private/gw.key" cacert="$ec/ca.crt"
ike_conf "$NT_DIR/gw-client.conf" client "remote $B" "ca $ec/ca.crt" "cert $ec/issued/rw.crt" "key $ec/private/rw.key" \
    "ike-id rw.ike.test" "ike-remote-id gw.ike.test"
sw_start gw
ike_start vpn-client a "$NT_DIR/gw-client.conf"
ike_wait_child vpn-client
sw_wait_child gw net 5
same_spis vpn-client gw net
vip=$(sw_ike_field gw rw remote-vips)
[[ $vip == 10.77.100.* ]] || nt_fail "gw: the gateway assigned '$vip', not an address of $POOL"
sw_ctl gw --list-pools --leases | grep -qE "$vip +online +'rw.ike.test'" ||
    nt_fail "gw: no online lease $vip for rw.ike.test: $(sw_ctl gw --list-pools --leases | paste -sd'|')"
tun=$(nt_tun_devices a | head -n 1)
[[ -n $tun ]] || nt_fail "gw: vpn has no tun device"
ip -n "$(nt_ns a)" -o -4 addr show dev "$tun" | grep -qF " $vip/" ||
    nt_fail "gw: the virtual IP $vip is not on vpn's $tun: $(ip -n "$(nt_ns a)" -o -4 addr show dev "$tun" | paste -sd'|')"
ip -n "$(nt_ns a)" route get "$B_TUN" | grep -qF "dev $tun" ||
    nt_fail "gw: $B_NET is not routed into $tun: $(ip -n "$(nt_ns a)" route get "$B_TUN" | paste -sd'|')"
grep -qF "IKE SA established with gw.ike.test (virtual IP $vip)" "${NT_LOG[vpn-client]}" ||
    nt_fail "gw: vpn did not log the virtual IP $vip the gateway leased"
grep -qE "DNS server.* $DNS\$" "${NT_LOG[vpn-client]}" || nt_fail "gw: vpn did not log the DNS server $DNS it was given"
nt_ping a "$B_TUN" 3 || nt_fail "gw: $NT_WHY"
nt_ping b "$vip" 3 || nt_fail "gw: $NT_WHY"
nt_transfer a b "$B_TUN" "$(nt_payload random 2)" || nt_fail "$NT_WHY"
nt_transfer b a "$vip" "$(nt_payload text 2)" 5002 || nt_fail "$NT_WHY"
stop_pair vpn-client gw
if ip -n "$(nt_ns a)" route show | grep -qF "$B_NET"; then nt_fail "gw: vpn left its route to $B_NET behind"; fi

fi
# ---------------------------------------------------------------- vpn gateway, strongSwan road warrior
if case_on rw; then
NT_LOGS=()
nt_step "rw: configure"
# vpn in b serves 10.9.0.0/24 (its tun 10.9.0.1); charon in a asks for a virtual IP.
# The road warrior's ESP proposal is aes128gcm16-x25519 (PFS on rekeys): vpn's default
# esp-proposals have no DH group and would refuse its rekey (NO_PROPOSAL_CHOSEN).
ike_conf "$NT_DIR/rw-gw.conf" "server 10.9.0.0 255.255.255.0" "ca $ec/ca.crt" "cert $ec/issued/gw.crt" \
    "key $ec/private/gw.key" "ike-id gw.ike.test" 'push "dhcp-option DNS 10.9.0.53"' \
    "esp-proposals aes128gcm16-x25519,aes128gcm16"
sw_conf_rw rw a remote_addrs="$B" local_id=rw.ike.test remote_id=gw.ike.test remote_ts=10.9.0.0/24 \
    cert="$ec/issued/rw.crt" key="$ec/private/rw.key" cacert="$ec/ca.crt"
ike_start vpn-gw b "$NT_DIR/rw-gw.conf"
ike_wait_listen b 500
sw_start rw
sw_initiate rw
ike_wait_child vpn-gw
vip=$(sw_vip rw)
[[ $vip == 10.9.0.* && $vip != 10.9.0.1 ]] || nt_fail "rw: virtual IP '$vip' is not a client address of 10.9.0.0/24"
expect "rw: configuration attributes strongSwan received" "$(sw_cp_attrs rw)" "ADDR DNS"
expect "rw: the gateway's identity" "$(sw_ike_field rw home remote-id)" gw.ike.test
[[ $(sw_peer_auth rw) == ECDSA* ]] || nt_fail "rw: strongSwan authenticated the gateway with '$(sw_peer_auth rw)'"
grep -qF "IKE SA established with rw.ike.test (virtual IP $vip)" "${NT_LOG[vpn-gw]}" ||
    nt_fail "rw: the gateway did not log rw.ike.test with the virtual IP $vip: $(grep -F 'IKE SA established' "${NT_LOG[vpn-gw]}" | paste -sd'|')"
s=$(sw_spis rw home)
ike_same_spis vpn-gw "$s"
nt_ping a 10.9.0.1 3 || nt_fail "rw: $NT_WHY"
nt_ping b "$vip" 3 || nt_fail "rw: $NT_WHY"
nt_transfer a b 10.9.0.1 "$(nt_payload random 2)" || nt_fail "$NT_WHY"
nt_transfer b a "$vip" "$(nt_payload text 2)" 5002 || nt_fail "$NT_WHY"
old_vpn=$(ike_spis vpn-gw)
sw_rekey_child rw home 10
ike_wait_rekeyed vpn-gw "$old_vpn" 10
ike_same_spis vpn-gw "$SW_NEW_SPIS"
expect "rw: PFS group of the rekeyed CHILD_SA" "$(sw_child_field rw home dh-group)" CURVE_25519
nt_ping a 10.9.0.1 3 || nt_fail "rw after the rekey: $NT_WHY"
sw_terminate rw home 10
nt_wait_log "${NT_LOG[vpn-gw]}" "IKE SA down: IKE SA deleted by the peer" 5 "${NT_PID[vpn-gw]}" ||
    nt_fail "rw: the gateway did not log the road warrior's Delete"
nt_no_ping b "$vip" || nt_fail "rw: $vip still answers after the road warrior left"
sw_stop rw
ike_stop vpn-gw b
fi

# ---------------------------------------------------------------- PSK gateway / road warrior
if case_on psk-rw; then
NT_LOGS=()
nt_step "psk-rw: vpn gateway, strongSwan road warrior"
ike_conf "$NT_DIR/prw-gw.conf" "server 10.9.0.0 255.255.255.0" "ike-psk $PSK" "ike-id gw.ike.test"
sw_conf_rw prw a remote_addrs="$B" local_id=rw.ike.test remote_id=gw.ike.test remote_ts=10.9.0.0/24 \
    local_auth=psk remote_auth=psk secret="$SECRET"
ike_start vpn-prw-gw b "$NT_DIR/prw-gw.conf"
ike_wait_listen b 500
sw_start prw
sw_initiate prw
ike_wait_child vpn-prw-gw
vip=$(sw_vip prw)
[[ $vip == 10.9.0.* && $vip != 10.9.0.1 ]] || nt_fail "psk-rw: virtual IP '$vip' is not a client address of 10.9.0.0/24"
expect "psk-rw: how strongSwan authenticated the gateway" "$(sw_peer_auth prw)" "pre-shared key"
nt_ping a 10.9.0.1 3 || nt_fail "psk-rw: $NT_WHY"
nt_ping b "$vip" 3 || nt_fail "psk-rw: $NT_WHY"
sw_stop prw
ike_stop vpn-prw-gw b

nt_step "psk-rw: strongSwan gateway, vpn client"
sw_conf_gw pgw b local_addrs="$B" local_id=gw.ike.test local_ts="$B_NET" pool_addrs="$POOL" dns="$DNS" \
    local_auth=psk remote_auth=psk secret="$SECRET"
ike_conf "$NT_DIR/pgw-client.conf" client "remote $B" "ike-psk $PSK" "ike-id rw.ike.test" "ike-remote-id gw.ike.test"
sw_start pgw
ike_start vpn-pgw-client a "$NT_DIR/pgw-client.conf"
ike_wait_child vpn-pgw-client
sw_wait_child pgw net 5
vip=$(sw_ike_field pgw rw remote-vips)
[[ $vip == 10.77.100.* ]] || nt_fail "psk-rw: the gateway assigned '$vip', not an address of $POOL"
expect "psk-rw: how strongSwan authenticated vpn" "$(sw_peer_auth pgw)" "pre-shared key"
nt_ping a "$B_TUN" 3 || nt_fail "psk-rw: $NT_WHY"
nt_ping b "$vip" 3 || nt_fail "psk-rw: $NT_WHY"
stop_pair vpn-pgw-client pgw
fi

# ---------------------------------------------------------------- vpn rekeys by its own lifetime
if case_on life; then
NT_LOGS=()
nt_step "life: configure"
sw_conf_psk life b local_addrs="$B" remote_addrs="$A" local_id=b.ike.test remote_id=a.ike.test \
    secret="$SECRET" local_ts="$B_TUN/32" remote_ts="$A_TUN/32"
vpn_conf life "remote $B" "ike-psk $PSK" "ike-id a.ike.test" "ike-remote-id b.ike.test" "esp-lifetime 10"
sw_start life
ike_start vpn-life a "$NT_DIR/life.conf"
ike_wait_child vpn-life
sw_wait_child life h2h 5
same_spis vpn-life life
old=$(ike_spis vpn-life)
ike_xfer_start life a b "$B_TUN" "$(nt_payload random 6)" 5003 500000
ike_wait_rekeyed vpn-life "$old" 20
got=$(ike_xfer_received life)
((got < 6 * 1048576)) || nt_fail "life: the transfer was over before the rekey (nothing was tested)"
same_spis vpn-life life
ike_xfer_wait life
ping_both
stop_pair vpn-life life
fi

# ---------------------------------------------------------------- dead peer detection
if case_on dpd; then
NT_LOGS=()
nt_step "dpd: configure"
# DPD every second; an unanswered request is given up after 0.5 + 0.75 + 1.1 s.
fast=$'retransmit_timeout = 0.5\nretransmit_base = 1.5\nretransmit_tries = 2'
sw_conf_psk dpd b local_addrs="$B" remote_addrs="$A" local_id=b.ike.test remote_id=a.ike.test \
    secret="$SECRET" local_ts="$B_TUN/32" remote_ts="$A_TUN/32" dpd_delay=1s dpd_action=clear charon_extra="$fast"
vpn_conf dpd "remote $B" "ike-psk $PSK" "ike-id a.ike.test" "ike-remote-id b.ike.test" \
    "ike-proposals aes256-sha256-modp2048" "esp-proposals aes128-sha1" "keepalive 1 5"
sw_start dpd
ike_start vpn-dpd a "$NT_DIR/dpd.conf"
ike_wait_child vpn-dpd
sw_wait_child dpd h2h 5
nt_ping a "$B_TUN" 2 || nt_fail "dpd: $NT_WHY"
ike_kill vpn-dpd
killed=$SECONDS
sw_wait_gone dpd h2h 10
grep -qE 'giving up after [0-9]+ retransmits' "${NT_LOG[dpd]}" || nt_fail "dpd: strongSwan's IKE_SA went, but not by DPD (no 'giving up after N retransmits')"
nt_step "dpd: strongSwan dropped the dead vpn's IKE_SA after $((SECONDS - killed)) s"
# vpn's DPD: a fresh vpn, then charon dies.
ike_start vpn-dpd2 a "$NT_DIR/dpd.conf"
ike_wait_child vpn-dpd2
sw_wait_child dpd h2h 5
nt_ping a "$B_TUN" 2 || nt_fail "dpd: $NT_WHY"
IKE_DOWN_FROM=$(ike_log_lines vpn-dpd2)
kill -KILL "${NT_PID[dpd]}"
nt_wait_exit "${NT_PID[dpd]}" 5 || nt_fail "charon survived SIGKILL"
killed=$SECONDS
ike_wait_down vpn-dpd2 12
IKE_DOWN_FROM=0
nt_step "dpd: vpn noticed the dead strongSwan after $((SECONDS - killed)) s"
ike_stop vpn-dpd2 a

fi
# ---------------------------------------------------------------- through a NAT
if case_on nat; then
NT_LOGS=()
nt_step "nat: topology"
# c (vpn, 192.168.78.2) -- nat (192.168.78.1 | 192.168.79.1, masquerade) -- s (strongSwan, 192.168.79.2)
nt_pair nat s 192.168.79
nt_add_ns c
ip link add veth0 netns "$(nt_ns c)" type veth peer name veth1 netns "$(nt_ns nat)"
ip -n "$(nt_ns c)" addr add 192.168.78.2/24 dev veth0
ip -n "$(nt_ns nat)" addr add 192.168.78.1/24 dev veth1
ip -n "$(nt_ns c)" link set veth0 up
ip -n "$(nt_ns nat)" link set veth1 up
ip -n "$(nt_ns c)" route add default via 192.168.78.1
nt_exec nat sysctl -qw net.ipv4.ip_forward=1
nt_exec nat nft -f - <<'EOF'
table ip nat {
    chain post {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "veth0" ip saddr 192.168.78.0/24 meta l4proto udp masquerade to :40000-40999
        oifname "veth0" ip saddr 192.168.78.0/24 masquerade
    }
}
EOF
ip -n "$(nt_ns s)" addr add "$B_TUN/32" dev lo
sw_conf_psk nat s local_addrs=192.168.79.2 remote_addrs=192.168.79.1 local_id=b.ike.test remote_id=a.ike.test \
    secret="$SECRET" local_ts="$B_TUN/32" remote_ts="$A_TUN/32"
ike_conf "$NT_DIR/nat.conf" "ifconfig $A_TUN $B_TUN" "remote 192.168.79.2" "ike-psk $PSK" "ike-id a.ike.test" \
    "ike-remote-id b.ike.test" "ike-proposals aes256-sha256-modp2048" "esp-proposals aes128-sha1"
sw_start nat
ike_capture s "$NT_DIR/nat.pcap"
ike_start vpn-nat c "$NT_DIR/nat.conf"
ike_wait_child vpn-nat
sw_wait_child nat h2h 5
same_spis vpn-nat nat
expect "nat: strongSwan sees vpn at" "$(sw_ike_field nat h2h remote-host)" 192.168.79.1
rport=$(sw_ike_field nat h2h remote-port)
[[ $rport -ge 40000 && $rport -le 40999 ]] || nt_fail "nat: strongSwan talks to port $rport, not a NAT mapping (40000-40999)"
expect "nat: strongSwan detected the NAT in front of vpn" "$(sw_ike_field nat h2h nat-remote)" yes
grep -qF 'NAT detected' "${NT_LOG[vpn-nat]}" || nt_fail "nat: vpn did not log the NAT it is behind ('NAT detected')"
nt_ping c "$B_TUN" 3 || nt_fail "nat: $NT_WHY"
nt_ping s "$A_TUN" 3 || nt_fail "nat: $NT_WHY"
nt_transfer c s "$B_TUN" "$(nt_payload random 2)" || nt_fail "$NT_WHY"
nt_transfer s c "$A_TUN" "$(nt_payload text 2)" 5002 || nt_fail "$NT_WHY"
ike_capture_stop
# Bytes, not packets: GSO trains are one captured packet.  2 MB went c -> s.
n=$(ike_bytes "$NT_DIR/nat.pcap" "src host 192.168.79.1 and src port $rport and dst port 4500 and $IKE_F_ESP_UDP")
((n > 2097152)) || nt_fail "nat: only $n bytes of ESP in UDP from the NAT mapping 192.168.79.1:$rport (2 MB sent)"
n=$(ike_count "$NT_DIR/nat.pcap" "ip and src host 192.168.79.1 and not src port $rport and not udp port 500")
((n == 0)) || nt_fail "nat: $n packets from the NAT outside the IKE_SA's mapping $rport (and the IKE_SA_INIT on 500)"
stop_pair vpn-nat nat c

fi
nt_pass "cases: ${IKE_CASES:-psk-i psk-r cert gw rw psk-rw life dpd nat}; $((SECONDS - t0)) s"
