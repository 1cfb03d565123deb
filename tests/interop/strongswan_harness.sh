#!/usr/bin/env bash
# Self-check of tests/lib/strongswan.sh: strongSwan against strongSwan, through
# the library only, so that each function is proven before a vpn-vs-strongSwan
# test replaces one of the two charons.  Namespaces "a" (192.168.77.1, lo
# 10.77.1.1) and "b" (192.168.77.2, lo 10.77.2.1).  Certificates come from
# `$VPN_BIN pki`, so this also checks that charon accepts our PKI.
#   1. PSK host-to-host 10.77.1.1/32 <-> 10.77.2.1/32 (IKE aes256-sha256-modp2048,
#      ESP aes128-sha1 with modp2048 PFS on rekeys): both ends see the same SPIs
#      (crosswise) and algorithms, UDP-encapsulated ESP; ping both ways; 4 MB random
#      a->b and 1 MB text b->a byte-exact, counted by the CHILD_SA; a forced CHILD_SA
#      rekey (new SPIs on both ends, PFS group used, traffic after it, the old SA
#      gone after a's delete_rekeyed_delay of 1 s) and a forced IKE_SA rekey (both
#      ends agree on the new SPIs; ping); terminate: the responder's SAs go too and
#      the inner address no longer answers.
#   2. Certificate road warrior, ECDSA P-256 PKI: the gateway in b hands out a
#      virtual IP from 10.77.100.0/28 plus a DNS attribute; the client in a gets it
#      on ipsec0, the gateway lists the lease (and sees the same virtual IP), the
#      client parsed CP(ADDR DNS); ECDSA signatures both ways (RFC 7427); ping + 2 MB
#      each way byte-exact from/to the virtual IP; forced CHILD_SA rekey, x25519 PFS.
#   3. The same with an RSA-2048 PKI (CA, gateway, client; RSA PKCS#1 SHA-256
#      signatures), IKE aes256-sha256-modp2048, ESP aes256-sha256, fragmentation
#      forced (the gateway splits its IKE_AUTH response), DPD every 2 s (the gateway
#      sends some), and a CHILD_SA rekey_time of 4 s on the client: the child
#      rekeys on its own, both ends follow, traffic passes afterwards.
#   4. PSK road warrior: PSK on both ends, virtual IP from the pool, CP(ADDR),
#      ping both ways.
# Every charon is stopped by pid: exit status 0, no ipsec0 or table-220 route left.
set -euo pipefail
source "$(dirname "$0")/../lib/strongswan.sh"

nt_init strongswan_harness
nt_need_vpn
sw_check
sw_topology a b
A=$NT_NET.1 B=$NT_NET.2
POOL=10.77.100.0/28 DNS=10.77.2.53 B_NET=10.77.2.0/24
PSK=harness-psk-0123456789abcdef

# expect WHAT GOT WANT
expect() {
    [[ $2 == "$3" ]] || nt_fail "$1: got '$2', expected '$3'"
}

# pki DIR [--rsa 2048]: CA, server "gw" (SAN gw.ike.test), client "rw" (SAN rw.ike.test).
pki() {
    local dir=$1 out=$NT_DIR/pki.out
    shift
    nt_step "vpn pki in $dir ${*:-(ECDSA P-256)}"
    {
        "$VPN_BIN" pki --dir "$dir" init &&
            "$VPN_BIN" pki --dir "$dir" build-ca --cn "harness CA" "$@" &&
            "$VPN_BIN" pki --dir "$dir" issue server gw --san DNS:gw.ike.test "$@" &&
            "$VPN_BIN" pki --dir "$dir" issue client rw --san DNS:rw.ike.test "$@"
    } >"$out" 2>&1 || nt_fail "vpn pki $*: $(tail -n 3 "$out")"
}

# same_spis INST1 INST2 CHILD1 CHILD2: INST1's in/out SPIs are INST2's out/in (bounded wait:
# the responder may still be switching over after a rekey).
same_spis() {
    local deadline=$((SECONDS + 10)) s1 s2
    while :; do
        s1=$(sw_spis "$1" "$3")
        s2=$(sw_spis "$2" "$4")
        [[ ${s1% *} == "${s2#* }" && ${s1#* } == "${s2% *}" ]] && return 0
        ((SECONDS < deadline)) || nt_fail "SPIs differ: $1 in/out $s1, $2 in/out $s2"
        sleep 0.1
    done
}

# traffic SRC DST DST_IP MB TEXT_MB BACK_IP: ping DST_IP from SRC and BACK_IP (SRC's
# tunnel address) from DST; MB random bytes SRC->DST, TEXT_MB text DST->SRC, byte-exact.
traffic() {
    local src=$1 dst=$2 ip=$3 mb=$4 tmb=$5 back=$6
    nt_step "ping $src -> $ip, $dst -> $back"
    nt_ping "$src" "$ip" 3 || nt_fail "$NT_WHY"
    nt_ping "$dst" "$back" 3 || nt_fail "$NT_WHY"
    nt_step "$mb MB random $src -> $dst"
    nt_transfer "$src" "$dst" "$ip" "$(nt_payload random "$mb")" || nt_fail "$NT_WHY"
    if ((tmb > 0)); then
        nt_step "$tmb MB text $dst -> $src"
        nt_transfer "$dst" "$src" "$back" "$(nt_payload text "$tmb")" 5002 || nt_fail "$NT_WHY"
    fi
}

# no_leftovers NS: nothing left in table 220 (sw_stop already checked ipsec0 is gone).
no_leftovers() {
    local r
    r=$(ip -n "$(nt_ns "$1")" route show table 220 2>/dev/null || true)
    [[ -z $r ]] || nt_fail "routes left in table 220 of $1: $r"
}

# stop_all INST...: stop each charon, check namespaces are clean.
stop_all() {
    local i
    for i in "$@"; do sw_stop "$i"; done
    no_leftovers a
    no_leftovers b
}

# ---------------------------------------------------------------- 1. PSK host-to-host
NT_LOGS=()
nt_step "psk: configure"
sw_conf_psk psk-a a local_addrs="$A" remote_addrs="$B" local_id=a.ike.test remote_id=b.ike.test \
    secret="$PSK" local_ts="$SW_INNER_A/32" remote_ts="$SW_INNER_B/32" charon_extra="delete_rekeyed_delay = 1"
sw_conf_psk psk-b b local_addrs="$B" remote_addrs="$A" local_id=b.ike.test remote_id=a.ike.test \
    secret="$PSK" local_ts="$SW_INNER_B/32" remote_ts="$SW_INNER_A/32"
sw_start psk-b
sw_start psk-a
sw_initiate psk-a
sw_wait_child psk-b h2h 5
sw_wait_ike psk-b h2h 5
same_spis psk-a psk-b h2h h2h
expect "psk: IKE encryption" "$(sw_ike_field psk-a h2h encr-alg)-$(sw_ike_field psk-a h2h encr-keysize)" AES_CBC-256
expect "psk: IKE PRF" "$(sw_ike_field psk-b h2h prf-alg)" PRF_HMAC_SHA2_256
expect "psk: IKE group" "$(sw_ike_field psk-a h2h dh-group)" MODP_2048
expect "psk: ESP" "$(sw_child_field psk-b h2h encr-alg)-$(sw_child_field psk-b h2h encr-keysize)/$(sw_child_field psk-b h2h integ-alg)" AES_CBC-128/HMAC_SHA1_96
expect "psk: UDP encapsulation" "$(sw_child_field psk-a h2h encap)" yes
expect "psk: responder's view of the initiator" "$(sw_ike_field psk-b h2h remote-id)" a.ike.test
expect "psk: how the responder authenticated the initiator" "$(sw_peer_auth psk-b)" "pre-shared key"
traffic a b "$SW_INNER_B" 4 1 "$SW_INNER_A"
out_bytes=$(sw_child_field psk-a h2h bytes-out)
((out_bytes >= 4 * 1048576)) || nt_fail "psk: the CHILD_SA carried only ${out_bytes} bytes out of a (4 MB sent)"
sw_rekey_child psk-a
same_spis psk-a psk-b h2h h2h
expect "psk: PFS group of the rekeyed CHILD_SA" "$(sw_child_field psk-a h2h dh-group)" MODP_2048
traffic a b "$SW_INNER_B" 1 0 "$SW_INNER_A"
# charon_extra delete_rekeyed_delay = 1 on a: the old inbound SA goes after 1 s (not 5).
sw_wait_child_gone psk-a "${SW_OLD_SPIS% *}" 5
sw_rekey_ike psk-a
new_ike=$SW_NEW_IKE
sw_wait_ike_rekeyed psk-b h2h "$SW_OLD_IKE" 5
expect "psk: responder's IKE SPIs after the IKE rekey" "$SW_NEW_IKE" "$new_ike"
nt_ping a "$SW_INNER_B" 2 || nt_fail "after the IKE_SA rekey: $NT_WHY"
sw_terminate psk-a
sw_wait_gone psk-b h2h 10
nt_no_ping a "$SW_INNER_B" || nt_fail "psk: $SW_INNER_B still answers after the SA was deleted"
stop_all psk-a psk-b

# ---------------------------------------------------------------- 2./3. certificate road warrior
# rw_session LABEL PKI_DIR: gateway LABEL-gw in b, client LABEL-rw in a, certificates
# gw / rw from PKI_DIR, extra options from the arrays gw_opts / rw_opts; up to the
# first traffic through the tunnel (the caller goes on, then stops both).
rw_session() {
    local label=$1 pki=$2 gw=$1-gw rw=$1-rw vip attrs
    NT_LOGS=()
    nt_step "$label: configure"
    sw_conf_gw "$gw" b local_addrs="$B" local_id=gw.ike.test local_ts="$B_NET" pool_addrs="$POOL" dns="$DNS" \
        cert="$pki/issued/gw.crt" key="$pki/private/gw.key" cacert="$pki/ca.crt" "${gw_opts[@]}"
    sw_conf_rw "$rw" a remote_addrs="$B" local_id=rw.ike.test remote_id=gw.ike.test remote_ts="$B_NET" \
        cert="$pki/issued/rw.crt" key="$pki/private/rw.key" cacert="$pki/ca.crt" "${rw_opts[@]}"
    sw_start "$gw"
    sw_start "$rw"
    sw_initiate "$rw"
    sw_wait_child "$gw" net 5
    same_spis "$rw" "$gw" home net
    vip=$(sw_vip "$rw")
    [[ $vip == 10.77.100.* ]] || nt_fail "$label: virtual IP $vip is not from $POOL"
    ip -n "$(nt_ns a)" -o -4 addr show dev ipsec0 | grep -qF " $vip/" ||
        nt_fail "$label: virtual IP $vip is not on a's ipsec0: $(ip -n "$(nt_ns a)" -o -4 addr show | paste -sd'|')"
    sw_ctl "$gw" --list-pools --leases | grep -qE "$vip +online +'rw.ike.test'" ||
        nt_fail "$label: the gateway lists no online lease $vip for rw.ike.test: $(sw_ctl "$gw" --list-pools --leases | paste -sd'|')"
    expect "$label: gateway's view of the client's virtual IP" "$(sw_ike_field "$gw" rw remote-vips)" "$vip"
    attrs=$(sw_cp_attrs "$rw")
    expect "$label: configuration attributes the client received" "$attrs" "ADDR DNS"
    expect "$label: peer identity on the client" "$(sw_ike_field "$rw" home remote-id)" gw.ike.test
    traffic a b "$SW_INNER_B" 2 2 "$vip"
}

pki "$NT_DIR/pki-ec"
gw_opts=() rw_opts=()
rw_session cert-ec "$NT_DIR/pki-ec"
expect "cert-ec: IKE" "$(sw_ike_field cert-ec-rw home encr-alg)-$(sw_ike_field cert-ec-rw home encr-keysize)/$(sw_ike_field cert-ec-rw home dh-group)" AES_GCM_16-128/CURVE_25519
expect "cert-ec: how the gateway authenticated the client" "$(sw_peer_auth cert-ec-gw)" ECDSA_WITH_SHA256_DER
expect "cert-ec: how the client authenticated the gateway" "$(sw_peer_auth cert-ec-rw)" ECDSA_WITH_SHA256_DER
sw_rekey_child cert-ec-rw
same_spis cert-ec-rw cert-ec-gw home net
expect "cert-ec: PFS group of the rekeyed CHILD_SA" "$(sw_child_field cert-ec-gw net dh-group)" CURVE_25519
nt_ping a "$SW_INNER_B" 3 || nt_fail "cert-ec after the rekey: $NT_WHY"
stop_all cert-ec-rw cert-ec-gw

pki "$NT_DIR/pki-rsa" --rsa 2048
gw_opts=(proposals=aes256-sha256-modp2048 esp_proposals=aes256-sha256 fragmentation=force dpd_delay=2s)
rw_opts=("${gw_opts[@]}" rekey_time=4s life_time=8s rand_time=0s)
rw_session cert-rsa "$NT_DIR/pki-rsa"
expect "cert-rsa: ESP" "$(sw_child_field cert-rsa-gw net encr-alg)-$(sw_child_field cert-rsa-gw net encr-keysize)/$(sw_child_field cert-rsa-gw net integ-alg)" AES_CBC-256/HMAC_SHA2_256_128
grep -qE 'splitting IKE message .* into [0-9]+ fragments' "${NT_LOG[cert-rsa-gw]}" ||
    nt_fail "cert-rsa: the gateway did not fragment its IKE_AUTH response (fragmentation=force)"
expect "cert-rsa: how the gateway authenticated the client" "$(sw_peer_auth cert-rsa-gw)" RSA_EMSA_PKCS1_SHA2_256
expect "cert-rsa: how the client authenticated the gateway" "$(sw_peer_auth cert-rsa-rw)" RSA_EMSA_PKCS1_SHA2_256
# rekey_time=4s on the client: its CHILD_SA rekeys by itself, and both ends follow;
# meanwhile the idle tunnel makes the gateway send DPDs (dpd_delay=2s).
nt_step "cert-rsa: wait for the CHILD_SA's own rekey (rekey_time 4s)"
sw_wait_rekeyed cert-rsa-rw home "$(sw_spis cert-rsa-rw home)" 15
same_spis cert-rsa-rw cert-rsa-gw home net
nt_wait_log "${NT_LOG[cert-rsa-gw]}" "sending DPD request" 5 "${NT_PID[cert-rsa-gw]}" ||
    nt_fail "cert-rsa: the gateway sent no DPD request (dpd_delay=2s)"
nt_ping a "$SW_INNER_B" 3 || nt_fail "cert-rsa after the automatic rekey: $NT_WHY"
stop_all cert-rsa-rw cert-rsa-gw

# ---------------------------------------------------------------- 4. PSK road warrior
NT_LOGS=()
nt_step "psk-rw: configure"
sw_conf_gw prw-gw b local_addrs="$B" local_id=gw.ike.test local_ts="$B_NET" pool_addrs="$POOL" \
    local_auth=psk remote_auth=psk secret="$PSK"
sw_conf_rw prw-rw a remote_addrs="$B" local_id=rw.ike.test remote_id=gw.ike.test remote_ts="$B_NET" \
    local_auth=psk remote_auth=psk secret="$PSK"
sw_start prw-gw
sw_start prw-rw
sw_initiate prw-rw
vip=$(sw_vip prw-rw)
[[ $vip == 10.77.100.* ]] || nt_fail "psk-rw: virtual IP $vip is not from $POOL"
expect "psk-rw: configuration attributes the client received" "$(sw_cp_attrs prw-rw)" ADDR
expect "psk-rw: how the gateway authenticated the client" "$(sw_peer_auth prw-gw)" "pre-shared key"
nt_ping a "$SW_INNER_B" 3 || nt_fail "psk-rw: $NT_WHY"
nt_ping b "$vip" 3 || nt_fail "psk-rw: $NT_WHY"
stop_all prw-rw prw-gw

nt_pass "PSK host-to-host, cert road warrior ECDSA + RSA (vpn pki), PSK road warrior; $SECONDS s"
