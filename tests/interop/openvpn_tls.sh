#!/usr/bin/env bash
# Interoperability of vpn with stock OpenVPN 2.6 in TLS mode (mode server /
# client pull).  Each session pairs vpn with /usr/sbin/openvpn, one the server
# and one the client (NT_IMPL=openvpn: openvpn on both ends, to validate this
# script).  PKI: made by `$VPN_BIN pki` (EC P-256); tls-auth / tls-crypt key made
# by `openvpn --genkey secret`.  Every session asserts:
#   - the client gets 10.8.0.2 (ifconfig-push) on its tun, both log
#     "Initialization Sequence Completed";
#   - ping both ways through the tunnel (all replies);
#   - the pushed route 10.9.0.0/24 is installed on the client's tun;
#   - 6 MB random client->server and 2 MB text server->client arrive byte-exact;
#   - SIGTERM ends both with status 0 and no tun device left behind.
# Dimensions: proto udp / tcp; data-ciphers AES-256-GCM, CHACHA20-POLY1305,
# AES-256-CBC (+ auth SHA1); control-channel wrap none, tls-auth (key-direction
# 0 server / 1 client), tls-crypt.  Renegotiation: `reneg-sec 10` on the server
# (then on the client) while 16 MB flow client->server through a veth rate-limited
# to RENEG_RATE (so the transfer outlasts the 10 s): byte-exact, and the server
# log shows a second handshake (RENEG_PATTERN_<impl>, counted before/after).
# P2P TLS: tls-server / tls-client with `ifconfig` on both ends and no pull (the
# route is the client's own), each side pairing, UDP and TCP.
# CA-less: self-signed certificates pinned with peer-fingerprint on both ends
# (2.6's "peer-fingerprint instead of a PKI" mode), each side pairing.
# The default run is a covering set (each side pairing x proto, x cipher, x wrap);
# INTEROP_FULL=1 runs the whole matrix (2 x 2 x 3 x 3 = 36 sessions + 4 reneg).
set -euo pipefail
source "$(dirname "$0")/../lib/tls.sh"

# A completed TLS handshake (initial or renegotiation) in the server's log.
# openvpn 2.6 logs "Control Channel: TLSv1.3, cipher ..." at each one (verb 2+);
# vpn logs "Data Channel: key_id N: ..." for each new key (p2p/tls_link.cpp).
RENEG_PATTERN_openvpn=${RENEG_PATTERN_openvpn:-Control Channel: TLS}
RENEG_PATTERN_vpn=${RENEG_PATTERN_vpn:-Data Channel: key_id }
RENEG_RATE=${RENEG_RATE:-10mbit}

nt_init openvpn_tls
nt_need_vpn
tn_topology
tl_pki "$NT_DIR/pki"
wrapkey=$NT_DIR/wrap.key
tl_genkey "$wrapkey"
vpn_impl=$NT_IMPL

# wrap_lines WRAP SIDE(server|client)
wrap_lines() {
    case $1 in
        none) ;;
        auth) printf 'tls-auth %s\nkey-direction %s\n' "$wrapkey" "$([[ $2 == server ]] && echo 0 || echo 1)" ;;
        crypt) printf 'tls-crypt %s\n' "$wrapkey" ;;
    esac
}

# cipher_lines CIPHER
cipher_lines() {
    case $1 in
        gcm) echo "data-ciphers AES-256-GCM" ;;
        chacha) echo "data-ciphers CHACHA20-POLY1305" ;;
        cbc) printf 'data-ciphers AES-256-CBC\nauth SHA1\n' ;;
    esac
}

# cipher_name CIPHER: what the logs name it
cipher_name() {
    case $1 in gcm) echo AES-256-GCM ;; chacha) echo CHACHA20-POLY1305 ;; cbc) echo AES-256-CBC ;; esac
}

# check_cipher ROLE CIPHER: openvpn logs the negotiated data channel cipher.
check_cipher() {
    local role=$1 name
    name=$(cipher_name "$2")
    [[ ${NT_IMPL_OF[$role]} == openvpn ]] || return 0
    nt_wait_log_re "${NT_LOG[$role]}" "Data Channel: [Cc]ipher '$name'" 5 ||
        nt_fail "$role (openvpn) did not log data channel cipher $name: $(grep -E 'Data Channel' "${NT_LOG[$role]}" | tail -n 2 | paste -sd'|' || true)"
}

# session SERVER_IMPL CLIENT_IMPL PROTO CIPHER(gcm|chacha|cbc) WRAP(none|auth|crypt)
session() {
    local simpl=$1 cimpl=$2 proto=$3 cipher=$4 wrap=$5
    local label="${proto}-${cipher}-${wrap}-${simpl:0:1}srv"
    local sx cx
    sx="$(cipher_lines "$cipher")"$'\n'"$(wrap_lines "$wrap" server)"
    cx="$(cipher_lines "$cipher")"$'\n'"$(wrap_lines "$wrap" client)"
    tl_session "$label" "$simpl" "$cimpl" "$proto" "$sx" "$cx"
    check_cipher "$TN_S" "$cipher"
    check_cipher "$TN_C" "$cipher"
    tl_traffic 6 2
    tn_end
    SESSIONS=$((${SESSIONS:-0} + 1))
}

# handshakes ROLE: completed TLS handshakes in ROLE's log so far.
handshakes() {
    local pat=RENEG_PATTERN_${NT_IMPL_OF[$1]}
    grep -cE -- "${!pat}" "${NT_LOG[$1]}" 2>/dev/null || true
}

# reneg_session SERVER_IMPL CLIENT_IMPL PROTO WRAP WHO(server|client): reneg-sec 10
# on WHO; 16 MB through a rate-limited link must span a renegotiation.
reneg_session() {
    local simpl=$1 cimpl=$2 proto=$3 wrap=$4 who=$5
    local label="reneg-${who}-${proto}-${wrap}-${simpl:0:1}srv" sx cx before after
    sx="$(cipher_lines gcm)"$'\n'"$(wrap_lines "$wrap" server)"
    cx="$(cipher_lines gcm)"$'\n'"$(wrap_lines "$wrap" client)"
    if [[ $who == server ]]; then sx+=$'\nreneg-sec 10'; else cx+=$'\nreneg-sec 10'; fi
    tl_session "$label" "$simpl" "$cimpl" "$proto" "$sx" "$cx"
    nt_ping srv "$TL_CLI_TUN" 2 || nt_fail "$NT_WHY"
    # Slow the client's side of the link so the transfer lasts > 10 s (the
    # renegotiation, due within 10 s of the handshake, falls inside it).
    nt_exec cli tc qdisc add dev veth0 root tbf rate "$RENEG_RATE" burst 32kbit latency 400ms
    before=$(handshakes "$TN_S")
    nt_step "$label: 16 MB random client->server across a renegotiation"
    local t0=$SECONDS
    nt_transfer cli srv "$TL_SRV_TUN" "$(nt_payload random 16)" 5001 || nt_fail "$NT_WHY"
    after=$(handshakes "$TN_S")
    nt_exec cli tc qdisc del dev veth0 root
    ((after > before)) || nt_fail "no renegotiation in the server log during the ${NT_XFER_SECONDS}s transfer (handshakes before $before, after $after; pattern '$(v=RENEG_PATTERN_${NT_IMPL_OF[$TN_S]}; echo "${!v}")')"
    ((SECONDS - t0 >= 10)) || nt_step "$label: warning: transfer took only $((SECONDS - t0))s"
    nt_step "$label: $((after - before)) handshake(s) during the transfer"
    nt_ping cli "$TL_SRV_TUN" 3 || nt_fail "after renegotiation: $NT_WHY"
    tn_end
    SESSIONS=$((${SESSIONS:-0} + 1))
}

# fingerprint_session SIMPL CIMPL: no CA at all; each end pins the other's
# self-signed certificate by its SHA-256 fingerprint.
fingerprint_session() {
    local simpl=$1 cimpl=$2 label="fingerprint-${1:0:1}srv" n fp_s fp_c
    for n in fpserver fpclient; do
        [[ -s $NT_DIR/$n.crt ]] && continue
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=${n#fp}" \
            -keyout "$NT_DIR/$n.key" -out "$NT_DIR/$n.crt" 2>/dev/null || nt_fail "openssl req for $n failed"
    done
    fp_s=$(openssl x509 -in "$NT_DIR/fpserver.crt" -noout -fingerprint -sha256 | cut -d= -f2)
    fp_c=$(openssl x509 -in "$NT_DIR/fpclient.crt" -noout -fingerprint -sha256 | cut -d= -f2)
    NT_LOGS=()
    nt_step "$label: $simpl server / $cimpl client, certificates pinned by fingerprint, no CA"
    TN_S=$label-srv TN_C=$label-cli TN_PROTO=udp
    # The helpers' configs without the PKI's lines, plus the pinned certificates.
    tl_server_conf "$NT_DIR/$TN_S.conf" "$simpl" udp
    tl_client_conf "$NT_DIR/$TN_C.conf" udp
    sed -i -e '/^ca /d' -e '/^remote-cert-tls /d' -e '/^crl-verify /d' \
        -e "s|^cert .*|cert $NT_DIR/fpserver.crt|" -e "s|^key .*|key $NT_DIR/fpserver.key|" "$NT_DIR/$TN_S.conf"
    sed -i -e '/^ca /d' -e '/^remote-cert-tls /d' \
        -e "s|^cert .*|cert $NT_DIR/fpclient.crt|" -e "s|^key .*|key $NT_DIR/fpclient.key|" "$NT_DIR/$TN_C.conf"
    echo "peer-fingerprint $fp_c" >>"$NT_DIR/$TN_S.conf"
    echo "peer-fingerprint $fp_s" >>"$NT_DIR/$TN_C.conf"
    NT_LOGS+=("$NT_DIR/$TN_S.conf" "$NT_DIR/$TN_C.conf")
    nt_start_peer "$simpl" srv "$TN_S" "$NT_DIR/$TN_S.conf"
    tl_wait_listening srv "$TN_S" udp "$TL_PORT"
    nt_start_peer "$cimpl" cli "$TN_C" "$NT_DIR/$TN_C.conf"
    tn_wait_tun cli "$TN_C" "$TL_CLI_TUN"
    nt_wait_ready "$TN_C"
    tl_traffic 2 1
    tn_end
    SESSIONS=$((${SESSIONS:-0} + 1))
}

# p2p_session SIMPL CIMPL PROTO: TLS point-to-point, no mode server, no pull.
p2p_session() {
    local simpl=$1 cimpl=$2 proto=$3 label="p2p-${3}-${1:0:1}srv"
    NT_LOGS=()
    nt_step "$label: $simpl tls-server / $cimpl tls-client over $proto, ifconfig on both ends"
    TN_S=$label-srv TN_C=$label-cli TN_PROTO=$proto
    tl_server_conf "$NT_DIR/$TN_S.conf" vpn "$proto" "tls-crypt $NT_DIR/wrap.key"
    tl_client_conf "$NT_DIR/$TN_C.conf" "$proto" "tls-crypt $NT_DIR/wrap.key"
    sed -i -e '/^mode server/d' -e '/^ifconfig-push/d' -e '/^push /d' -e '/^keepalive/d' "$NT_DIR/$TN_S.conf"
    echo "keepalive 2 10" >>"$NT_DIR/$TN_S.conf"
    [[ $proto == tcp ]] && sed -i 's/^proto tcp$/proto tcp-client/' "$NT_DIR/$TN_C.conf"
    sed -i -e "s/^client$/tls-client\nifconfig $TL_CLI_TUN $TL_SRV_TUN\nroute ${TL_PUSH_NET%/*} 255.255.255.0\nkeepalive 2 10/" \
        -e '/^nobind/d' "$NT_DIR/$TN_C.conf"
    NT_LOGS+=("$NT_DIR/$TN_S.conf" "$NT_DIR/$TN_C.conf")
    nt_start_peer "$simpl" srv "$TN_S" "$NT_DIR/$TN_S.conf"
    tl_wait_listening srv "$TN_S" "$proto" "$TL_PORT"
    nt_start_peer "$cimpl" cli "$TN_C" "$NT_DIR/$TN_C.conf"
    tn_wait_tun cli "$TN_C" "$TL_CLI_TUN"
    nt_wait_ready "$TN_C"
    tl_traffic 2 1
    tn_end
    SESSIONS=$((${SESSIONS:-0} + 1))
}

V=$vpn_impl O=openvpn
if [[ ${INTEROP_FULL:-0} == 1 ]]; then
    for proto in udp tcp; do
        for cipher in gcm chacha cbc; do
            for wrap in none auth crypt; do
                session "$O" "$V" "$proto" "$cipher" "$wrap"
                session "$V" "$O" "$proto" "$cipher" "$wrap"
            done
        done
    done
else
    #       server client proto cipher  wrap
    session "$O"   "$V"   udp   gcm     auth
    session "$V"   "$O"   udp   gcm     crypt
    session "$O"   "$V"   tcp   chacha  crypt
    session "$V"   "$O"   tcp   chacha  auth
    session "$O"   "$V"   tcp   cbc     auth
    session "$V"   "$O"   udp   cbc     crypt
    session "$O"   "$V"   tcp   gcm     none
    session "$V"   "$O"   udp   chacha  none
fi
#             server client proto wrap   reneg-sec on
reneg_session "$O"   "$V"   udp   crypt  server
reneg_session "$V"   "$O"   udp   auth   server
reneg_session "$O"   "$V"   tcp   auth   client
reneg_session "$V"   "$O"   tcp   crypt  client

fingerprint_session "$O" "$V"
fingerprint_session "$V" "$O"
p2p_session "$O" "$V" udp
p2p_session "$V" "$O" tcp

nt_pass "$SESSIONS sessions"
