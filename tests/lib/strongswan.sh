# shellcheck shell=bash
# strongSwan (charon 5.9.8, Debian 12) as the IPsec peer of the namespace tests,
# built on netns.sh.  One "instance" = one charon in one namespace, with its own
# directory $NT_DIR/sw-INST (strongswan.conf, swanctl.conf, x509/ x509ca/ private/,
# run/ bind-mounted over /run, charon.vici, charon.log), started and stopped by pid.
#
#   sw_check                          packages, binaries, plugins present (FAIL line otherwise)
#   sw_topology A B                   nt_pair A B (192.168.77.1/.2) + inner /32s on lo:
#                                     A 10.77.1.1 (SW_INNER_A), B 10.77.2.1 (SW_INNER_B)
#   sw_conf_psk  INST NS key=value... PSK host-to-host
#   sw_conf_gw   INST NS key=value... gateway: virtual-IP pool (+ DNS), cert (or PSK) auth
#   sw_conf_rw   INST NS key=value... road warrior asking for a virtual IP, cert or PSK
#   sw_start INST [TIMEOUT]           charon in NS, until vici answers; loads swanctl.conf
#   sw_initiate INST [CHILD] [TIMEOUT]   initiate CHILD (and its IKE_SA) and wait for it
#   sw_wait_child INST [CHILD] [TIMEOUT] until CHILD is INSTALLED (also a responder's)
#   sw_wait_ike INST [CONN] [TIMEOUT]    until an IKE_SA of CONN is ESTABLISHED
#   sw_wait_gone INST [CONN] [TIMEOUT]   until no IKE_SA of CONN is left
#   sw_sas INST                       `swanctl --list-sas --raw` (one line per IKE_SA) -> stdout
#   sw_list INST                      the human-readable --list-sas -> stdout
#   sw_child_field INST CHILD KEY     KEY of CHILD's INSTALLED SA (spi-in, encr-alg, ...)
#   sw_ike_field INST CONN KEY        KEY of CONN's ESTABLISHED IKE_SA (initiator-spi, prf-alg, ...)
#   sw_spis INST [CHILD]              "SPI_IN SPI_OUT" of the installed CHILD_SA
#   sw_vip INST [CONN]                the virtual IP the IKE_SA got (local-vips)
#   sw_rekey_child INST [CHILD] [TIMEOUT]  rekey; until new SPIs are installed (old: DELETED)
#   sw_wait_rekeyed INST CHILD OLD_SPIS [TIMEOUT]   until CHILD runs on other SPIs (any rekeyer)
#   sw_wait_child_gone INST SPI_IN [TIMEOUT]   until no CHILD_SA has inbound SPI_IN
#   sw_rekey_ike INST [CONN] [TIMEOUT]     rekey the IKE_SA; until the SPIs changed
#   sw_wait_ike_rekeyed INST CONN OLD_SPIS [TIMEOUT]   until the IKE_SA has other SPIs (any rekeyer)
#   sw_terminate INST [CONN] [TIMEOUT]     delete the IKE_SA, until it is gone
#   sw_cp_attrs INST                  CP attributes INST parsed in IKE_AUTH ("ADDR DNS")
#   sw_peer_auth INST                 how INST authenticated its peer (log): pre-shared key, ECDSA_...
#   sw_ctl INST ARGS...               swanctl ARGS --uri INST's socket (output on stdout)
#   sw_stop INST [TIMEOUT]            SIGTERM by pid, exit status 0, ipsec0 gone
#   sw_capture NS DEV FILE / sw_capture_stop   tcpdump by pid (needs tcpdump; debugging)
#
# Options of the sw_conf_* functions mirror swanctl.conf's names:
#   conn child                connection / CHILD_SA names (defaults h2h/h2h, rw/net, home/home)
#   local_addrs remote_addrs  IKE addresses (remote_addrs %any on a gateway)
#   local_id remote_id        IKE identities (FQDNs like a.ike.test)
#   local_auth remote_auth    psk or pubkey
#   secret                    the PSK (when either side uses psk)
#   cert key cacert           files (e.g. from `vpn pki`): copied into x509/, private/,
#                             x509ca/; cert/key are the local ones, cacert the trusted CA
#   local_ts remote_ts        traffic selectors
#   proposals esp_proposals   IKE / ESP proposals
#   ike_rekey_time            IKE_SA rekey_time;  rekey_time life_time rand_time  CHILD_SA
#   dpd_delay dpd_action fragmentation mobike send_cert send_certreq start_action
#   pool_addrs dns            gateway pool (e.g. 10.77.100.0/28) and its DNS attribute
#   vips                      road warrior: 0.0.0.0 = any address from the pool
#   conn_extra child_extra    raw swanctl.conf lines (newline-separated) for the
#                             connection / child section;  charon_extra: raw lines
#                             inside strongswan.conf's charon { } (e.g. a plugins { } block)
#   allow_peer_ts             kernel-libipsec.allow_peer_ts (yes/no, default no)
# Unknown options fail the test.  The current instance's values are kept in
# SW_CONN[INST], SW_CHILD[INST], SW_NS[INST], SW_DIR[INST]; charon's pid and log in
# NT_PID[INST], NT_LOG[INST] (so nt_wait_role INST TEXT works).
#
# Facts this relies on (see shared/interop/strongswan/README.md; all observed here):
#   - the kernel has no ESP, so kernel-libipsec (user-space ESP over TUN "ipsec0",
#     routes in table 220) is listed BEFORE kernel-netlink (first kernel-ipsec
#     registration wins; kernel-netlink still does routes/addresses);
#   - an explicit load list needs `kdf` (5.9.6+ derives keys through it);
#   - libipsec 5.9.8 only does UDP-encapsulated ESP (it fakes NAT detection so
#     both ends float to 4500), no ESN, no IPComp;
#   - traffic selectors equal to the IKE peer's address are refused
#     (allow_peer_ts = no), hence the inner /32s on lo;
#   - charon hard-codes /var/run/charon.pid: every instance gets a private /run
#     (its own mount namespace), the vici socket lives in the instance directory.
#     A system-wide charon (strongswan-starter / charon-systemd services) runs in
#     the root namespace and keeps its /run, ports and socket: it never meets these.
#
# Environment:
#   SW_DAEMON   charon (default: /usr/lib/ipsec/charon, private /run) or
#               charon-systemd (/usr/sbin/charon-systemd: writes no pid file)
#   SW_KEYLOG=1 also write INST/keys.log (ike/chd 4, esp 3: SKEYSEED, SK_*, child
#               keys, every ESP packet) -- throwaway keys only, for debugging
#   SW_LOGLEVEL charon.log level of ike/cfg/knl (default 2; net, enc, esp stay at 1:
#               message summaries "parsed IKE_AUTH response 1 [ IDr AUTH CPRP(ADDR) ... ]")

# shellcheck source=netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

SW_CHARON=/usr/lib/ipsec/charon
SW_CHARON_SYSTEMD=/usr/sbin/charon-systemd
SW_SWANCTL=$(command -v swanctl || echo /usr/sbin/swanctl)
SW_PLUGIN_DIR=/usr/lib/ipsec/plugins
# kernel-libipsec before kernel-netlink; kdf required with an explicit list.
SW_PLUGINS="random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints aes sha1 sha2 hmac kdf gcm kernel-libipsec kernel-netlink socket-default vici updown attr"
# What swanctl needs to read certificates and (RSA, ECDSA, PKCS#8) private keys.
SW_SWANCTL_PLUGINS="pem pkcs1 pkcs8 x509 openssl random nonce"
SW_INNER_A=10.77.1.1
SW_INNER_B=10.77.2.1

declare -gA SW_NS=() SW_DIR=() SW_CONN=() SW_CHILD=() SW_O=()

# ---------------------------------------------------------------- checks / topology

# sw_check: everything the instances need is installed (tests/lib/deps.sh installs it).
sw_check() {
    local f p
    for f in "$SW_CHARON" "$SW_CHARON_SYSTEMD" "$SW_SWANCTL"; do
        [[ -x $f ]] || nt_fail "strongSwan: $f missing (tests/lib/deps.sh installs strongswan-charon, charon-systemd, strongswan-swanctl)"
    done
    for p in $SW_PLUGINS; do
        [[ -e $SW_PLUGIN_DIR/libstrongswan-$p.so ]] ||
            nt_fail "strongSwan plugin $p missing ($SW_PLUGIN_DIR; packages libcharon-extra-plugins, libstrongswan-standard-plugins)"
    done
    # Debian ships AppArmor profiles for charon, charon-systemd and swanctl that only
    # allow /etc/swanctl, /etc/strongswan*, /run/charon.*: enforced, our instance
    # directories under /tmp are unreadable.
    if [[ -r /sys/kernel/security/apparmor/profiles ]] &&
        grep -qE '^/usr/(lib/ipsec/charon|sbin/charon-systemd|sbin/swanctl) \(enforce\)' /sys/kernel/security/apparmor/profiles; then
        nt_fail "AppArmor enforces Debian's strongSwan profiles (charon cannot read $NT_DIR): aa-complain them for the tests"
    fi
}

# sw_topology A B: namespaces A and B (nt_pair, 192.168.77.1 / .2), and the inner
# addresses the tunnels carry: A's lo 10.77.1.1/32, B's lo 10.77.2.1/32.
sw_topology() {
    nt_pair "$1" "$2"
    ip -n "$(nt_ns "$1")" addr add "$SW_INNER_A/32" dev lo
    ip -n "$(nt_ns "$2")" addr add "$SW_INNER_B/32" dev lo
}

# ---------------------------------------------------------------- configuration

# _sw_parse FUNC "ALLOWED..." key=value...: the options into SW_O (reset first).
_sw_parse() {
    local fn=$1 allowed kv k
    local -a keys
    read -rd '' -a keys <<<"$2" || true
    allowed=" ${keys[*]} "
    shift 2
    SW_O=()
    for kv in "$@"; do
        k=${kv%%=*}
        if [[ $kv != *=* || $allowed != *" $k "* ]]; then
            nt_fail "$fn: unknown option '$kv' (known:${allowed% })"
        fi
        SW_O[$k]=${kv#*=}
    done
}

# _sw_need FUNC KEY...: these options must be set.
_sw_need() {
    local fn=$1 k
    shift
    for k in "$@"; do
        [[ -n ${SW_O[$k]:-} ]] || nt_fail "$fn: option $k= is required"
    done
}

# _sw_kv INDENT KEY VALUE: "KEY = VALUE" if VALUE is set.
_sw_kv() {
    if [[ -n $3 ]]; then printf '%*s%s = %s\n' "$1" '' "$2" "$3"; fi
}

# _sw_raw INDENT LINES: newline-separated raw lines, indented.
_sw_raw() {
    local line
    [[ -n $2 ]] || return 0
    while IFS= read -r line; do
        printf '%*s%s\n' "$1" '' "$line"
    done <<<"$2"
}

SW_CONN_KEYS="conn child local_addrs remote_addrs local_id remote_id local_auth remote_auth secret
    cert key cacert local_ts remote_ts proposals esp_proposals ike_rekey_time rekey_time
    life_time rand_time dpd_delay dpd_action fragmentation mobike send_cert send_certreq
    start_action conn_extra child_extra charon_extra allow_peer_ts"

# _sw_instance INST NS: the instance directory (fresh) and its strongswan.conf.
_sw_instance() {
    local inst=$1 ns=$2 dir=$NT_DIR/sw-$1 d
    [[ -z ${NT_PID[$inst]:-} ]] || ! nt_alive "${NT_PID[$inst]}" || nt_fail "strongSwan instance $inst is running: sw_stop it first"
    rm -rf "$dir"
    for d in run x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
        mkdir -p "$dir/$d"
    done
    SW_NS[$inst]=$ns
    SW_DIR[$inst]=$dir
    SW_CONN[$inst]=${SW_O[conn]}
    SW_CHILD[$inst]=${SW_O[child]}
    local lv=${SW_LOGLEVEL:-2}
    {
        echo "# charon instance $inst (namespace $ns), written by tests/lib/strongswan.sh"
        echo "charon {"
        echo "    load = $SW_PLUGINS"
        # Fail fast: give up on an unanswered request after ~16 s, not ~165 s.
        echo "    retransmit_timeout = 2"
        echo "    retransmit_base = 1.5"
        echo "    retransmit_tries = 3"
        echo "    plugins {"
        echo "        vici {"
        echo "            socket = unix://$dir/charon.vici"
        echo "        }"
        echo "        revocation {"
        echo "            enable_ocsp = no"
        echo "            enable_crl = no"
        echo "        }"
        echo "        kernel-libipsec {"
        echo "            allow_peer_ts = ${SW_O[allow_peer_ts]:-no}"
        echo "        }"
        echo "    }"
        echo "    filelog {"
        echo "        main {"
        echo "            path = $dir/charon.log"
        echo "            time_format = %T"
        echo "            ike_name = yes"
        echo "            default = 1"
        echo "            ike = $lv"
        echo "            cfg = $lv"
        echo "            knl = $lv"
        echo "            net = 1"
        echo "            enc = 1"
        echo "            esp = 1"
        echo "            flush_line = yes"
        echo "        }"
        if [[ ${SW_KEYLOG:-0} == 1 ]]; then
            echo "        keys {"
            echo "            # THROWAWAY keys only: SKEYSEED, SK_*, DH secret, child keys, ESP packets"
            echo "            path = $dir/keys.log"
            echo "            time_format = %T"
            echo "            default = 0"
            echo "            ike = 4"
            echo "            chd = 4"
            echo "            esp = 3"
            echo "            enc = 2"
            echo "            flush_line = yes"
            echo "        }"
        fi
        echo "    }"
        echo "    stderr {"
        echo "        default = 0"
        echo "    }"
        _sw_raw 4 "${SW_O[charon_extra]:-}"
        echo "}"
        echo "swanctl {"
        echo "    load = $SW_SWANCTL_PLUGINS"
        echo "}"
    } >"$dir/strongswan.conf"
}

# _sw_cred INST OPTION SUBDIR: copy SW_O[OPTION] (a file) into SUBDIR; its basename on stdout.
_sw_cred() {
    local f=${SW_O[$2]:-}
    [[ -n $f ]] || return 0
    [[ -s $f ]] || nt_fail "strongSwan instance $1: $2=$f is not a file"
    cp "$f" "${SW_DIR[$1]}/$3/"
    basename "$f"
}

# _sw_swanctl_conf INST: swanctl.conf from SW_O (one connection, one child, an
# optional pool, the PSK if any side uses one).
_sw_swanctl_conf() {
    local inst=$1 certname caname
    certname=$(_sw_cred "$inst" cert x509)
    caname=$(_sw_cred "$inst" cacert x509ca)
    if [[ -n ${SW_O[key]:-} ]]; then _sw_cred "$inst" key private >/dev/null; fi
    if [[ ${SW_O[local_auth]} == pubkey || ${SW_O[remote_auth]} == pubkey ]] && [[ -z $caname ]]; then
        nt_fail "strongSwan instance $inst: pubkey authentication needs cacert="
    fi
    [[ ${SW_O[local_auth]} != pubkey || (-n $certname && -n ${SW_O[key]:-}) ]] ||
        nt_fail "strongSwan instance $inst: local_auth=pubkey needs cert= and key="
    {
        echo "# charon instance $inst, written by tests/lib/strongswan.sh"
        echo "connections {"
        echo "    ${SW_O[conn]} {"
        echo "        version = 2"
        _sw_kv 8 local_addrs "${SW_O[local_addrs]:-}"
        _sw_kv 8 remote_addrs "${SW_O[remote_addrs]:-}"
        _sw_kv 8 proposals "${SW_O[proposals]:-}"
        _sw_kv 8 rekey_time "${SW_O[ike_rekey_time]:-}"
        _sw_kv 8 dpd_delay "${SW_O[dpd_delay]:-}"
        _sw_kv 8 fragmentation "${SW_O[fragmentation]:-}"
        _sw_kv 8 mobike "${SW_O[mobike]:-}"
        _sw_kv 8 send_cert "${SW_O[send_cert]:-}"
        _sw_kv 8 send_certreq "${SW_O[send_certreq]:-}"
        _sw_kv 8 pools "${SW_O[pool_addrs]:+pool-$inst}"
        _sw_kv 8 vips "${SW_O[vips]:-}"
        _sw_raw 8 "${SW_O[conn_extra]:-}"
        echo "        local {"
        _sw_kv 12 auth "${SW_O[local_auth]}"
        _sw_kv 12 id "${SW_O[local_id]:-}"
        [[ ${SW_O[local_auth]} != pubkey ]] || _sw_kv 12 certs "$certname"
        echo "        }"
        echo "        remote {"
        _sw_kv 12 auth "${SW_O[remote_auth]}"
        _sw_kv 12 id "${SW_O[remote_id]:-}"
        [[ ${SW_O[remote_auth]} != pubkey ]] || _sw_kv 12 cacerts "$caname"
        echo "        }"
        echo "        children {"
        echo "            ${SW_O[child]} {"
        _sw_kv 16 local_ts "${SW_O[local_ts]:-}"
        _sw_kv 16 remote_ts "${SW_O[remote_ts]:-}"
        echo "                mode = tunnel"
        _sw_kv 16 esp_proposals "${SW_O[esp_proposals]:-}"
        _sw_kv 16 rekey_time "${SW_O[rekey_time]:-}"
        _sw_kv 16 life_time "${SW_O[life_time]:-}"
        _sw_kv 16 rand_time "${SW_O[rand_time]:-}"
        _sw_kv 16 dpd_action "${SW_O[dpd_action]:-}"
        _sw_kv 16 start_action "${SW_O[start_action]:-}"
        _sw_raw 16 "${SW_O[child_extra]:-}"
        echo "            }"
        echo "        }"
        echo "    }"
        echo "}"
        if [[ -n ${SW_O[pool_addrs]:-} ]]; then
            echo "pools {"
            echo "    pool-$inst {"
            _sw_kv 8 addrs "${SW_O[pool_addrs]}"
            _sw_kv 8 dns "${SW_O[dns]:-}"
            echo "    }"
            echo "}"
        fi
        if [[ ${SW_O[local_auth]} == psk || ${SW_O[remote_auth]} == psk ]]; then
            # A secret with only the local id applies to any peer (a gateway's %any).
            echo "secrets {"
            echo "    ike-$inst {"
            _sw_kv 8 id-local "${SW_O[local_id]:-}"
            [[ ${SW_O[remote_id]:-%any} == %any ]] || _sw_kv 8 id-remote "${SW_O[remote_id]}"
            _sw_kv 8 secret "\"${SW_O[secret]}\""
            echo "    }"
            echo "}"
        fi
    } >"${SW_DIR[$inst]}/swanctl.conf"
}

# _sw_auth FUNC: auth values are psk or pubkey; psk needs a secret.
_sw_auth() {
    local k
    for k in local_auth remote_auth; do
        case ${SW_O[$k]} in
            psk) _sw_need "$1" secret ;;
            pubkey) ;;
            *) nt_fail "$1: $k must be psk or pubkey, not '${SW_O[$k]}'" ;;
        esac
    done
}

# sw_conf_psk INST NS key=value...: PSK host-to-host.  Needs local_addrs,
# remote_addrs, local_id, remote_id, secret, local_ts, remote_ts.
# Defaults: conn/child h2h, IKE aes256-sha256-modp2048, ESP
# aes128-sha1-modp2048,aes128-sha1 (PFS only on rekeys), start_action none, mobike no.
sw_conf_psk() {
    local inst=$1 ns=$2
    shift 2
    _sw_parse sw_conf_psk "$SW_CONN_KEYS" "$@"
    : "${SW_O[conn]:=h2h}" "${SW_O[child]:=${SW_O[conn]}}"
    : "${SW_O[local_auth]:=psk}" "${SW_O[remote_auth]:=psk}"
    : "${SW_O[proposals]:=aes256-sha256-modp2048}" "${SW_O[esp_proposals]:=aes128-sha1-modp2048,aes128-sha1}"
    : "${SW_O[start_action]:=none}" "${SW_O[mobike]:=no}"
    _sw_need sw_conf_psk local_addrs remote_addrs local_id remote_id local_ts remote_ts
    _sw_auth sw_conf_psk
    _sw_instance "$inst" "$ns"
    _sw_swanctl_conf "$inst"
}

# sw_conf_gw INST NS key=value...: road-warrior gateway handing out virtual IPs
# from pool_addrs (+ the dns attribute).  Needs local_addrs, local_id, local_ts,
# pool_addrs; certificates (cert, key, cacert) for pubkey auth, secret for psk.
# Defaults: conn rw, child net, remote_addrs %any, local_auth/remote_auth pubkey,
# send_cert always, IKE aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048,
# ESP aes128gcm16-x25519, aes128gcm16, aes128-sha256, mobike no.
sw_conf_gw() {
    local inst=$1 ns=$2
    shift 2
    _sw_parse sw_conf_gw "$SW_CONN_KEYS pool_addrs dns" "$@"
    : "${SW_O[conn]:=rw}" "${SW_O[child]:=net}" "${SW_O[remote_addrs]:=%any}"
    : "${SW_O[local_auth]:=pubkey}" "${SW_O[remote_auth]:=pubkey}" "${SW_O[send_cert]:=always}"
    : "${SW_O[proposals]:=aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048}"
    : "${SW_O[esp_proposals]:=aes128gcm16-x25519, aes128gcm16, aes128-sha256}" "${SW_O[mobike]:=no}"
    _sw_need sw_conf_gw local_addrs local_id local_ts pool_addrs
    _sw_auth sw_conf_gw
    _sw_instance "$inst" "$ns"
    _sw_swanctl_conf "$inst"
}

# sw_conf_rw INST NS key=value...: road warrior asking for a virtual IP (vips
# 0.0.0.0).  Needs remote_addrs, local_id, remote_id, remote_ts; cert, key,
# cacert for pubkey auth, secret for psk.  Defaults: conn/child home,
# local_auth/remote_auth pubkey, IKE aes128gcm16-prfsha256-x25519, ESP
# aes128gcm16-x25519, start_action none, mobike no.
sw_conf_rw() {
    local inst=$1 ns=$2
    shift 2
    _sw_parse sw_conf_rw "$SW_CONN_KEYS vips" "$@"
    : "${SW_O[conn]:=home}" "${SW_O[child]:=${SW_O[conn]}}" "${SW_O[vips]:=0.0.0.0}"
    : "${SW_O[local_auth]:=pubkey}" "${SW_O[remote_auth]:=pubkey}"
    : "${SW_O[proposals]:=aes128gcm16-prfsha256-x25519}" "${SW_O[esp_proposals]:=aes128gcm16-x25519}"
    : "${SW_O[start_action]:=none}" "${SW_O[mobike]:=no}"
    _sw_need sw_conf_rw remote_addrs local_id remote_id remote_ts
    _sw_auth sw_conf_rw
    _sw_instance "$inst" "$ns"
    _sw_swanctl_conf "$inst"
}

# ---------------------------------------------------------------- control

# sw_ctl INST ARGS...: swanctl ARGS against INST's vici socket (the socket is a
# file, so swanctl runs outside the namespace); bounded by SW_CTL_TIMEOUT (60 s).  Returns
# swanctl's status; output on stdout (the harmless plugin noise dropped).
sw_ctl() {
    local inst=$1 rc=0 out=$NT_DIR/.swanctl-$1.out
    shift
    STRONGSWAN_CONF=${SW_DIR[$inst]}/strongswan.conf \
        timeout "${SW_CTL_TIMEOUT:-60}" "$SW_SWANCTL" "$@" --uri "unix://${SW_DIR[$inst]}/charon.vici" >"$out" 2>&1 || rc=$?
    grep -v -e '^plugin .* failed to load' "$out" || true
    return "$rc"
}

# sw_start INST [TIMEOUT]: charon (SW_DAEMON) in INST's namespace; waits until its
# vici socket answers, then loads swanctl.conf (credentials, pool, connection).
sw_start() {
    local inst=$1 t=${2:-$NT_TIMEOUT} dir=${SW_DIR[$1]:-} deadline out
    [[ -n $dir ]] || nt_fail "sw_start: no instance $inst (sw_conf_* first)"
    local log=$dir/charon.log err=$dir/charon.out
    rm -f "$dir/charon.vici" "$dir/run/charon.pid"
    : >"$log"
    : >"$err"
    nt_step "strongSwan $inst: start ${SW_DAEMON:-charon} in ${SW_NS[$inst]}"
    case ${SW_DAEMON:-charon} in
        charon)
            # ip netns exec -> env -> unshare -> sh all exec: the pid is charon's.
            # shellcheck disable=SC2016 # $1/$2 are sh's
            nt_spawn "${SW_NS[$inst]}" "$err" env STRONGSWAN_CONF="$dir/strongswan.conf" \
                unshare --mount --propagation private \
                sh -c 'mount --bind "$1" /run && exec "$2"' sh "$dir/run" "$SW_CHARON"
            ;;
        charon-systemd)
            nt_spawn "${SW_NS[$inst]}" "$err" env STRONGSWAN_CONF="$dir/strongswan.conf" "$SW_CHARON_SYSTEMD"
            ;;
        *) nt_fail "SW_DAEMON must be charon or charon-systemd, not '$SW_DAEMON'" ;;
    esac
    NT_PID[$inst]=$NT_LAST_PID
    NT_LOG[$inst]=$log
    NT_OUT[$inst]=$err
    NT_IMPL_OF[$inst]=strongswan
    NT_LOGS+=("$log" "$err")
    deadline=$((SECONDS + t))
    until [[ -S $dir/charon.vici ]] && sw_ctl "$inst" --stats >/dev/null 2>&1; do
        nt_alive "${NT_PID[$inst]}" || nt_fail "charon $inst died at start: $(tail -q -n 3 "$err" "$log" | paste -sd'|')"
        ((SECONDS < deadline)) || nt_fail "charon $inst: vici socket not answering within ${t}s"
        sleep 0.05
    done
    out=$(sw_ctl "$inst" --load-all --noprompt --file "$dir/swanctl.conf") ||
        nt_fail "charon $inst: swanctl --load-all failed: $(grep -iE 'fail|error' <<<"$out" | head -n 3 | paste -sd'|')"
    if grep -qiE 'failed|error' <<<"$out"; then
        nt_fail "charon $inst: swanctl --load-all: $(grep -iE 'failed|error' <<<"$out" | head -n 3 | paste -sd'|')"
    fi
    grep -qF "loaded connection '${SW_CONN[$inst]}'" <<<"$out" ||
        nt_fail "charon $inst: connection ${SW_CONN[$inst]} not loaded: $(paste -sd'|' <<<"$out")"
}

# sw_sas INST: every SA, `swanctl --list-sas --raw`: one line per IKE_SA,
# "list-sa event {CONN {uniqueid=.. state=.. child-sas {NAME-N {name=.. state=..}}}}".
sw_sas() {
    sw_ctl "$1" --list-sas --raw | grep '^list-sa event' || true
}

# sw_list INST: `swanctl --list-sas` as people read it.
sw_list() { sw_ctl "$1" --list-sas || true; }

# _sw_ike_blocks INST CONN: CONN's IKE_SA lines (raw), their child-sas cut off.
_sw_ike_blocks() {
    sw_sas "$1" | grep -F "event {$2 {" | sed 's/ child-sas {.*//'
}

# _sw_child_blocks INST CHILD: one line per CHILD_SA named CHILD (any state).
_sw_child_blocks() {
    sw_sas "$1" | grep -oE "\{name=$2 [^{}]*\}" || true
}

# _sw_field KEY: the value of KEY=VALUE in stdin's first line ("[a b]" lists kept
# whole); empty when the line has no KEY (e.g. initiator= on the responder's IKE_SA).
_sw_field() {
    head -n 1 | { grep -oE "(^|[ {])$1=(\[[^]]*\]|[^ {}]*)" || true; } | head -n 1 | sed -E "s/^[ {]?$1=//; s/^\[//; s/\]$//"
}

# sw_child_field INST CHILD KEY: KEY of CHILD's newest INSTALLED CHILD_SA.
sw_child_field() {
    _sw_child_blocks "$1" "$2" | grep -F ' state=INSTALLED ' | tail -n 1 | _sw_field "$3"
}

# sw_ike_field INST CONN KEY: KEY of CONN's ESTABLISHED IKE_SA.
sw_ike_field() {
    _sw_ike_blocks "$1" "$2" | grep -F ' state=ESTABLISHED ' | tail -n 1 | _sw_field "$3"
}

# sw_spis INST [CHILD]: "SPI_IN SPI_OUT" (hex) of the installed CHILD_SA.
sw_spis() {
    local c=${2:-${SW_CHILD[$1]}} in out
    in=$(sw_child_field "$1" "$c" spi-in)
    out=$(sw_child_field "$1" "$c" spi-out)
    [[ -n $in && -n $out ]] || nt_fail "strongSwan $1: no installed CHILD_SA $c"
    echo "$in $out"
}

# sw_vip INST [CONN]: the virtual IP INST's IKE_SA of CONN was given.
sw_vip() {
    local v
    v=$(sw_ike_field "$1" "${2:-${SW_CONN[$1]}}" local-vips)
    [[ -n $v ]] || nt_fail "strongSwan $1: IKE_SA ${2:-${SW_CONN[$1]}} has no virtual IP"
    echo "$v"
}

# sw_wait_child INST [CHILD] [TIMEOUT]: until CHILD has an INSTALLED CHILD_SA.
sw_wait_child() {
    local inst=$1 c=${2:-${SW_CHILD[$1]}} t=${3:-$NT_TIMEOUT} deadline
    deadline=$((SECONDS + t))
    until _sw_child_blocks "$inst" "$c" | grep -qF ' state=INSTALLED '; do
        nt_alive "${NT_PID[$inst]}" || nt_fail "charon $inst died before CHILD_SA $c was installed"
        ((SECONDS < deadline)) || nt_fail "charon $inst: no installed CHILD_SA $c within ${t}s"
        sleep 0.1
    done
}

# sw_wait_ike INST [CONN] [TIMEOUT]: until an IKE_SA of CONN is ESTABLISHED.
sw_wait_ike() {
    local inst=$1 c=${2:-${SW_CONN[$1]}} t=${3:-$NT_TIMEOUT} deadline
    deadline=$((SECONDS + t))
    until _sw_ike_blocks "$inst" "$c" | grep -qF ' state=ESTABLISHED '; do
        nt_alive "${NT_PID[$inst]}" || nt_fail "charon $inst died before IKE_SA $c was established"
        ((SECONDS < deadline)) || nt_fail "charon $inst: IKE_SA $c not established within ${t}s"
        sleep 0.1
    done
}

# sw_wait_gone INST [CONN] [TIMEOUT]: until INST has no IKE_SA of CONN at all.
sw_wait_gone() {
    local inst=$1 c=${2:-${SW_CONN[$1]}} t=${3:-$NT_TIMEOUT} deadline
    deadline=$((SECONDS + t))
    while [[ -n $(_sw_ike_blocks "$inst" "$c") ]]; do
        nt_alive "${NT_PID[$inst]}" || return 0
        ((SECONDS < deadline)) || nt_fail "charon $inst: IKE_SA $c still there after ${t}s: $(_sw_ike_blocks "$inst" "$c" | _sw_field state)"
        sleep 0.1
    done
}

# sw_initiate INST [CHILD] [TIMEOUT]: initiate CHILD (its IKE_SA first if needed)
# and wait for it to be installed; swanctl's log of it in $NT_DIR/INST.initiate.
sw_initiate() {
    local inst=$1 c=${2:-${SW_CHILD[$1]}} t=${3:-$NT_TIMEOUT} out=$NT_DIR/$1.initiate
    nt_step "strongSwan $inst: initiate $c"
    if ! sw_ctl "$inst" --initiate --child "$c" --timeout "$t" --loglevel 1 >"$out"; then
        nt_fail "charon $inst: initiating $c failed: $(grep -vE '^\[(ENC|NET)\]' "$out" | tail -n 4 | paste -sd'|')"
    fi
    sw_wait_child "$inst" "$c" 5
}

# sw_rekey_child INST [CHILD] [TIMEOUT]: rekey CHILD from INST (swanctl --rekey)
# and sw_wait_rekeyed.  Old and new SPIs in SW_OLD_SPIS / SW_NEW_SPIS ("IN OUT").
sw_rekey_child() {
    local inst=$1 c=${2:-${SW_CHILD[$1]}} t=${3:-$NT_TIMEOUT} old
    old=$(sw_spis "$inst" "$c")
    nt_step "strongSwan $inst: rekey CHILD_SA $c (SPIs $old)"
    sw_ctl "$inst" --rekey --child "$c" >/dev/null || nt_fail "charon $inst: swanctl --rekey --child $c failed"
    sw_wait_rekeyed "$inst" "$c" "$old" "$t"
}

# sw_wait_rekeyed INST CHILD OLD_SPIS [TIMEOUT]: until CHILD's one INSTALLED
# CHILD_SA has other SPIs than OLD_SPIS ("IN OUT", from sw_spis) and every other
# one is DELETED (charon keeps a rekeyed SA's inbound half for
# charon.delete_rekeyed_delay, 5 s, so late packets on the old SPI still arrive).
# Whoever rekeyed (INST, its peer, its rekey_time).  SW_OLD_SPIS / SW_NEW_SPIS.
sw_wait_rekeyed() {
    local inst=$1 c=$2 t=${4:-$NT_TIMEOUT} deadline blocks installed
    SW_OLD_SPIS=$3
    deadline=$((SECONDS + t))
    while :; do
        blocks=$(_sw_child_blocks "$inst" "$c")
        installed=$(grep -F ' state=INSTALLED ' <<<"$blocks" || true)
        SW_NEW_SPIS="$(_sw_field spi-in <<<"$installed") $(_sw_field spi-out <<<"$installed")"
        if [[ $(grep -c . <<<"$installed") == 1 && $SW_NEW_SPIS != "$SW_OLD_SPIS" ]] &&
            ! grep -vqE ' state=(INSTALLED|DELETED) ' <<<"$blocks"; then
            break
        fi
        nt_alive "${NT_PID[$inst]}" || nt_fail "charon $inst died while CHILD_SA $c was being rekeyed"
        ((SECONDS < deadline)) || nt_fail "charon $inst: CHILD_SA $c ($SW_OLD_SPIS) not rekeyed within ${t}s ($(grep -oE 'state=[A-Z_]+|spi-(in|out)=[0-9a-f]+' <<<"$blocks" | paste -sd' '))"
        sleep 0.1
    done
    nt_step "strongSwan $inst: CHILD_SA $c rekeyed, SPIs $SW_OLD_SPIS -> $SW_NEW_SPIS"
}

# sw_wait_child_gone INST SPI_IN [TIMEOUT]: until no CHILD_SA with inbound SPI_IN
# is left (e.g. a rekeyed SA after delete_rekeyed_delay).
sw_wait_child_gone() {
    local inst=$1 spi=$2 t=${3:-$NT_TIMEOUT} deadline
    deadline=$((SECONDS + t))
    while sw_sas "$inst" | grep -qE "[ {]spi-in=$spi "; do
        ((SECONDS < deadline)) || nt_fail "charon $inst: CHILD_SA with inbound SPI $spi still there after ${t}s"
        sleep 0.1
    done
}

# sw_rekey_ike INST [CONN] [TIMEOUT]: rekey CONN's IKE_SA from INST and
# sw_wait_ike_rekeyed.  SW_OLD_IKE / SW_NEW_IKE ("INITIATOR_SPI RESPONDER_SPI").
sw_rekey_ike() {
    local inst=$1 c=${2:-${SW_CONN[$1]}} t=${3:-$NT_TIMEOUT} old
    old="$(sw_ike_field "$inst" "$c" initiator-spi) $(sw_ike_field "$inst" "$c" responder-spi)"
    [[ $old != " " ]] || nt_fail "charon $inst: no established IKE_SA $c to rekey"
    nt_step "strongSwan $inst: rekey IKE_SA $c ($old)"
    sw_ctl "$inst" --rekey --ike "$c" >/dev/null || nt_fail "charon $inst: swanctl --rekey --ike $c failed"
    sw_wait_ike_rekeyed "$inst" "$c" "$old" "$t"
}

# sw_wait_ike_rekeyed INST CONN OLD_SPIS [TIMEOUT]: until CONN's only IKE_SA is
# ESTABLISHED with other SPIs than OLD_SPIS ("I R", as sw_ike_field gives them),
# whoever rekeyed.  SW_OLD_IKE / SW_NEW_IKE.
sw_wait_ike_rekeyed() {
    local inst=$1 c=$2 t=${4:-$NT_TIMEOUT} deadline blocks
    SW_OLD_IKE=$3
    deadline=$((SECONDS + t))
    while :; do
        blocks=$(_sw_ike_blocks "$inst" "$c")
        SW_NEW_IKE="$(_sw_field initiator-spi <<<"$blocks") $(_sw_field responder-spi <<<"$blocks")"
        if [[ $(grep -c . <<<"$blocks") == 1 && $SW_NEW_IKE != "$SW_OLD_IKE" ]] &&
            grep -qF ' state=ESTABLISHED ' <<<"$blocks"; then
            break
        fi
        nt_alive "${NT_PID[$inst]}" || nt_fail "charon $inst died while IKE_SA $c was being rekeyed"
        ((SECONDS < deadline)) || nt_fail "charon $inst: IKE_SA $c ($SW_OLD_IKE) not rekeyed within ${t}s ($(grep -oE 'state=[A-Z_]+|(initiator|responder)-spi=[0-9a-f]+' <<<"$blocks" | paste -sd' '))"
        sleep 0.1
    done
    nt_step "strongSwan $inst: IKE_SA $c rekeyed, SPIs $SW_OLD_IKE -> $SW_NEW_IKE"
}

# sw_terminate INST [CONN] [TIMEOUT]: delete CONN's IKE_SA (and its children)
# and wait until it is gone.
sw_terminate() {
    local inst=$1 c=${2:-${SW_CONN[$1]}} t=${3:-$NT_TIMEOUT}
    nt_step "strongSwan $inst: terminate IKE_SA $c"
    sw_ctl "$inst" --terminate --ike "$c" --timeout "$t" >/dev/null || nt_fail "charon $inst: terminating $c failed"
    sw_wait_gone "$inst" "$c" "$t"
}

# sw_cp_attrs INST: the configuration attributes of the CP payloads INST parsed
# (e.g. "ADDR DNS" from a gateway's IKE_AUTH response; needs SW_LOGLEVEL >= 2).
sw_cp_attrs() {
    grep -oE 'parsed IKE_AUTH (request|response) [0-9]+ \[[^]]*\]' "${NT_LOG[$1]}" |
        grep -oE 'CP(RQ|RP)\([^)]*\)' | sed -E 's/^CP(RQ|RP)\(//; s/\)$//' | head -n 1
}

# sw_peer_auth INST: how INST authenticated its peer, from charon.log
# ("pre-shared key", "ECDSA_WITH_SHA256_DER", "RSA_EMSA_PKCS1_SHA2_256" ...).
sw_peer_auth() {
    grep -vF '(myself)' "${NT_LOG[$1]}" | sed -nE "s/.* authentication of '[^']*' with (.*) successful$/\1/p" | tail -n 1
}

# sw_stop INST [TIMEOUT]: SIGTERM to charon (it deletes its SAs and leaves), by
# pid; fails unless it exits with status 0 and its ipsec0 device is gone.
sw_stop() {
    local inst=$1 t=${2:-10} ns=${SW_NS[$1]}
    nt_step "strongSwan $inst: stop"
    nt_stop "$inst" "$t"
    ((NT_RC == 0)) || nt_fail "charon $inst exited with status $NT_RC after SIGTERM"
    if nt_links "$ns" | grep -qx ipsec0; then
        nt_fail "charon $inst left ipsec0 behind in $ns"
    fi
}

# ---------------------------------------------------------------- capture (debugging)

# sw_capture NS DEV FILE: tcpdump of DEV in NS into FILE (pid in SW_CAPTURE_PID);
# with strongSwan's SW_KEYLOG=1 key log, shared/interop/strongswan/verify_vectors.py
# re-derives and decrypts the session.
sw_capture() {
    command -v tcpdump >/dev/null || nt_fail "sw_capture: tcpdump is not installed"
    nt_spawn "$1" "$NT_DIR/tcpdump-$1.out" tcpdump -i "$2" -n -U -s 0 -w "$3"
    SW_CAPTURE_PID=$NT_LAST_PID
    nt_wait_log "$NT_DIR/tcpdump-$1.out" "listening on" 10 "$SW_CAPTURE_PID" ||
        nt_fail "tcpdump on $1/$2 did not start: $(tail -n 2 "$NT_DIR/tcpdump-$1.out")"
}

sw_capture_stop() {
    kill -TERM "$SW_CAPTURE_PID" 2>/dev/null || true
    nt_wait_exit "$SW_CAPTURE_PID" 10 || nt_fail "tcpdump (pid $SW_CAPTURE_PID) still running after SIGTERM"
}
