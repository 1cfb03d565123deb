#!/usr/bin/env bash
# Interoperability of vpn with stock OpenVPN 2.6 in static-key mode.
# Each session pairs vpn with /usr/sbin/openvpn (one is the server, one the client)
# and asserts: both initialise and log the link, ping works both ways, 2 MB of
# compressible text each way and 4 MB of random bytes client->server arrive
# byte-exact, SIGTERM ends both with status 0 and no tun device left.  Compression:
#   none   no comp-lzo
#   asym   comp-lzo on both, no allow-compression: openvpn 2.6 only decompresses
#          (checked: its link bytes >= tun bytes); vpn may compress or not, and
#          openvpn must decompress whatever it sends
#   yes    comp-lzo + allow-compression yes on both: real LZO packets must flow
#          both ways (after the text transfers each side read fewer link bytes
#          than it wrote to its tun, and wrote fewer than it read from it)
# Ciphers: the default BF-CBC/SHA1 (openvpn with --providers legacy default) and
# AES-256-CBC/SHA256.  Keys: made by `openvpn --genkey secret` and used by vpn,
# and made by `vpn --genkey secret` and used by openvpn.
# The default run is a covering set (every side x proto pair, every compression
# and cipher, both key origins); INTEROP_FULL=1 runs the whole matrix (24 sessions).
set -euo pipefail
source "$(dirname "$0")/../lib/tunnel.sh"

nt_init openvpn_static
nt_need_vpn
tn_topology
declare -A key
key[openvpn]=$NT_DIR/openvpn.key
key[vpn]=$NT_DIR/vpn.key
nt_genkey openvpn "${key[openvpn]}"
nt_genkey "$NT_IMPL" "${key[vpn]}"
vpn_impl=$NT_IMPL # NT_IMPL=openvpn: openvpn on both ends, to validate this script

# link_vs_tun ROLE: "tun_read tun_write link_read link_write" from a SIGUSR2 block.
link_vs_tun() {
    nt_stats "$1"
    echo "$(nt_stat "$NT_STATS" "TUN/TAP read bytes") $(nt_stat "$NT_STATS" "TUN/TAP write bytes")" \
        "$(nt_stat "$NT_STATS" "TCP/UDP read bytes") $(nt_stat "$NT_STATS" "TCP/UDP write bytes")"
}

# check_compression MODE ROLE: did ROLE send / receive LZO as MODE implies?
check_compression() {
    local mode=$1 role=$2 tr tw lr lw
    read -r tr tw lr lw <<<"$(link_vs_tun "$role")"
    [[ -n $tr && -n $tw && -n $lr && -n $lw ]] || nt_fail "$role statistics lack TUN/TAP or TCP/UDP byte counters"
    case $mode in
        yes)
            ((lr * 2 < tw)) || nt_fail "$role (${NT_IMPL_OF[$role]}) received no LZO: TCP/UDP read $lr vs TUN/TAP write $tw bytes after 2 MB of text"
            ((lw * 2 < tr)) || nt_fail "$role (${NT_IMPL_OF[$role]}) sent no LZO: TCP/UDP write $lw vs TUN/TAP read $tr bytes after 2 MB of text"
            ;;
        asym)
            # comp-lzo alone: 2.6 only decompresses, so openvpn sends plain data; what
            # vpn sends is its own choice (openvpn must decompress it either way, which
            # the exact transfers check).
            [[ ${NT_IMPL_OF[$role]} == openvpn ]] || return 0
            ((lw >= tr)) || nt_fail "$role (openvpn) sent compressed data without allow-compression: TCP/UDP write $lw < TUN/TAP read $tr"
            ;;
        none)
            ((lr >= tw)) || nt_fail "$role (${NT_IMPL_OF[$role]}) received compressed data without comp-lzo: TCP/UDP read $lr < TUN/TAP write $tw"
            ((lw >= tr)) || nt_fail "$role (${NT_IMPL_OF[$role]}) sent compressed data without comp-lzo: TCP/UDP write $lw < TUN/TAP read $tr"
            ;;
    esac
}

# session SERVER_IMPL CLIENT_IMPL PROTO CIPHER(bf|aes) COMP(none|asym|yes) KEYMAKER DIRS(bidir|01)
session() {
    local simpl=$1 cimpl=$2 proto=$3 cipher=$4 comp=$5 keymaker=$6 dirs=$7 extra="" sdir=- cdir=-
    local label="${proto}-${cipher}-${comp}-${simpl:0:1}srv-${keymaker:0:1}key"
    [[ $cipher == aes ]] && extra+=$'cipher AES-256-CBC\nauth SHA256\n'
    [[ $comp != none ]] && extra+=$'comp-lzo\n'
    [[ $comp == yes ]] && extra+=$'allow-compression yes\n'
    if [[ $dirs == 01 ]]; then sdir=0 cdir=1; fi
    tn_session "$label" "$simpl" "$cimpl" "$proto" "${key[$keymaker]}" "$sdir" "$cdir" "$extra" "$extra"
    nt_step "$label: ping"
    nt_ping cli "$TN_SRV_TUN" 3 || nt_fail "$NT_WHY"
    nt_ping srv "$TN_CLI_TUN" 3 || nt_fail "$NT_WHY"
    tn_link_up
    # Text first: adaptive LZO (comp-lzo = adaptive) may pause compression after
    # a burst of incompressible data, which must not hide whether LZO works.
    nt_step "$label: 2 MB text each way"
    nt_transfer cli srv "$TN_SRV_TUN" "$(nt_payload text 2)" 5001 || nt_fail "$NT_WHY"
    nt_transfer srv cli "$TN_CLI_TUN" "$(nt_payload text 2)" 5002 || nt_fail "$NT_WHY"
    check_compression "$comp" "$TN_S"
    check_compression "$comp" "$TN_C"
    nt_step "$label: 4 MB random client->server"
    nt_transfer cli srv "$TN_SRV_TUN" "$(nt_payload random 4)" 5003 || nt_fail "$NT_WHY"
    tn_end
    SESSIONS=$((${SESSIONS:-0} + 1))
}

V=$vpn_impl O=openvpn
if [[ ${INTEROP_FULL:-0} == 1 ]]; then
    for proto in udp tcp; do
        for cipher in bf aes; do
            for comp in none asym yes; do
                session "$O" "$V" "$proto" "$cipher" "$comp" vpn 01
                session "$V" "$O" "$proto" "$cipher" "$comp" openvpn bidir
            done
        done
    done
else
    #       server client proto cipher comp  key-made-by  directions
    session "$O"   "$V"   udp   bf     yes   openvpn      bidir
    session "$V"   "$O"   udp   bf     yes   vpn          bidir
    session "$O"   "$V"   tcp   aes    none  vpn          01
    session "$V"   "$O"   tcp   aes    none  openvpn      01
    session "$O"   "$V"   udp   aes    asym  openvpn      bidir
    session "$V"   "$O"   tcp   bf     yes   vpn          01
    session "$O"   "$V"   tcp   bf     asym  openvpn      01
    session "$V"   "$O"   udp   aes    none  vpn          01
fi

nt_pass "$SESSIONS sessions"
