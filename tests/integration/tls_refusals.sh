#!/usr/bin/env bash
# A TLS server (the vpn role: vpn, or openvpn with NT_IMPL=openvpn) with
# `crl-verify` and `remote-cert-tls client` must refuse, one after the other:
#   revoked   a client certificate revoked (vpn pki revoke + gen-crl)
#   otherca   a client certificate (same CN "client") from another CA
#   expired   a client certificate of the right CA that expired in 2021
#             (made with `openssl ca -startdate/-enddate`)
#   servercert a client presenting the SERVER's certificate and key
# Each: the client gets no address on a tun within REFUSE_WAIT s (10), and the
# server logs, after the client started, a line matching REFUSE_PATTERN_<case>
# (the same wording for vpn and openvpn, below).  The server must survive all four, and a good client then still
# connects (10.8.0.2, ping both ways, 2 MB byte-exact), and SIGTERM ends both
# with status 0.  Clients are stock openvpn (REFUSAL_CLIENT_IMPL=vpn to change).
set -euo pipefail
source "$(dirname "$0")/../lib/tls.sh"

nt_init tls_refusals
nt_need_vpn
tn_topology
simpl=$NT_IMPL
cimpl=${REFUSAL_CLIENT_IMPL:-openvpn}
wait_s=${REFUSE_WAIT:-10}
proto=${REFUSAL_PROTO:-udp}

# Both vpn and openvpn 2.6 log "VERIFY ERROR: depth=0, error=<X509 reason>: CN=..."
# for chain errors.  A server certificate (EKU serverAuth only) presented by a client
# fails OpenSSL's own purpose check (libssl verifies client chains with the
# ssl_client purpose) before remote-cert-tls runs: "unsuitable certificate purpose".
: "${REFUSE_PATTERN_revoked:=VERIFY ERROR: depth=0, error=certificate revoked: CN=}"
: "${REFUSE_PATTERN_otherca:=VERIFY ERROR: depth=0, error=unable to get local issuer certificate: CN=}"
: "${REFUSE_PATTERN_expired:=VERIFY ERROR: depth=0, error=certificate has expired: CN=}"
: "${REFUSE_PATTERN_servercert:=VERIFY ERROR: depth=0, error=unsuitable certificate purpose: CN=}"

# ------------------------------------------------------------- certificates
tl_pki "$NT_DIR/pki"
nt_step "certificates: revoked, other CA, expired"
tl_vpn_pki issue client revoked
# revoke moves the files away (easy-rsa 3 layout: revoked/...): keep a copy.
cp "$TL_PKI/issued/revoked.crt" "$NT_DIR/revoked.crt"
cp "$TL_PKI/private/revoked.key" "$NT_DIR/revoked.key"
tl_vpn_pki revoke revoked keyCompromise
tl_vpn_pki gen-crl
grep -q . "$TL_PKI/crl.pem" || nt_fail "gen-crl wrote an empty CRL"
crl_text=$(openssl crl -in "$TL_PKI/crl.pem" -noout -text 2>&1 || true)
[[ $crl_text == *"Serial Number"* ]] ||
    nt_fail "crl.pem lists no revoked serial after 'vpn pki revoke revoked'"

other=$NT_DIR/otherpki
"$VPN_BIN" pki --dir "$other" init >/dev/null 2>&1 &&
    "$VPN_BIN" pki --dir "$other" build-ca --cn "other CA" >/dev/null 2>&1 &&
    "$VPN_BIN" pki --dir "$other" issue client client >/dev/null 2>&1 ||
    nt_fail "vpn pki could not make the second CA"

# An expired certificate signed by the real CA.  OpenSSL 3.0's `x509 -req` has no
# -not_before/-not_after, but `openssl ca` takes explicit -startdate/-enddate.
exp=$NT_DIR/expired
mkdir -p "$exp/new"
: >"$exp/index.txt"
echo 01 >"$exp/serial"
cat >"$exp/ca.cnf" <<EOF
[ca]
default_ca = expired_ca
[expired_ca]
database = $exp/index.txt
new_certs_dir = $exp/new
serial = $exp/serial
default_md = sha256
policy = policy_any
unique_subject = no
x509_extensions = client_ext
[policy_any]
commonName = supplied
[client_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
EOF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=expired \
    -keyout "$exp/expired.key" -out "$exp/expired.req" >"$exp/openssl.out" 2>&1 ||
    nt_fail "openssl req failed: $(tail -n 3 "$exp/openssl.out")"
openssl ca -batch -config "$exp/ca.cnf" -cert "$TL_PKI/ca.crt" -keyfile "$TL_PKI/private/ca.key" \
    -startdate 20200101000000Z -enddate 20210101000000Z -notext \
    -in "$exp/expired.req" -out "$exp/expired.crt" >>"$exp/openssl.out" 2>&1 ||
    nt_fail "openssl ca failed: $(tail -n 3 "$exp/openssl.out")"
verdict=$(openssl verify -CAfile "$TL_PKI/ca.crt" "$exp/expired.crt" 2>&1 || true)
[[ $verdict == *"certificate has expired"* ]] ||
    nt_fail "the 'expired' certificate does not verify as expired: $verdict"

# ------------------------------------------------------------- the server
NT_LOGS=()
nt_step "server ($simpl) with crl-verify and remote-cert-tls client"
tl_start_server refusals "$simpl" "$proto" $'crl-verify '"$TL_PKI/crl.pem"$'\nremote-cert-tls client'
srv_role=$TN_S

# refuse CASE CERT KEY: a client with CERT/KEY gets no tunnel; the server says why.
refuse() {
    local name=$1 cert=$2 key=$3 pvar=REFUSE_PATTERN_$1 start deadline seen=0
    local pat=${!pvar}
    nt_step "$name: client with $(basename "$cert") must be refused"
    start=$(wc -l <"${NT_LOG[$srv_role]}")
    TL_CLIENT_CERT=$cert TL_CLIENT_KEY=$key tl_start_client "$name" "$cimpl" "$proto"
    NT_LOGS=("${NT_LOG[$srv_role]}" "${NT_LOG[$TN_C]}" "${NT_OUT[$TN_C]}")
    deadline=$((SECONDS + wait_s))
    while ((SECONDS < deadline)); do
        # A client may open its tun early: the address (pushed) is what counts.
        if tl_has_addr cli "$TL_CLI_TUN"; then
            nt_fail "$name: the client got $TL_CLI_TUN on its tun although the server should refuse it"
        fi
        if ((!seen)) && tail -n +"$((start + 1))" "${NT_LOG[$srv_role]}" | grep -qE -- "$pat"; then
            seen=1
            nt_step "$name: server: $(tail -n +"$((start + 1))" "${NT_LOG[$srv_role]}" | grep -E -- "$pat" | head -n 1)"
        fi
        nt_alive "${NT_PID[$srv_role]}" || nt_fail "$name: the server died"
        sleep 0.2
    done
    if ((!seen)); then
        local why=""
        nt_alive "${NT_PID[$TN_C]}" || why=" (the client exited: see its log)"
        nt_fail "$name: no server log line matching '$pat' within ${wait_s}s (REFUSE_PATTERN_$name)$why"
    fi
    nt_stop "$TN_C"
    [[ -z $(tl_tun_devices cli) ]] || nt_fail "$name: refused client left a tun device"
    REFUSED=$((${REFUSED:-0} + 1))
}

refuse revoked "$NT_DIR/revoked.crt" "$NT_DIR/revoked.key"
refuse otherca "$other/issued/client.crt" "$other/private/client.key"
refuse expired "$exp/expired.crt" "$exp/expired.key"
refuse servercert "$TL_PKI/issued/server.crt" "$TL_PKI/private/server.key"

# ------------------------------------------------------------- a good client
nt_step "good client after the refusals"
nt_alive "${NT_PID[$srv_role]}" || nt_fail "the server died during the refusals"
tl_start_client good "$cimpl" "$proto"
NT_LOGS=("${NT_LOG[$srv_role]}" "${NT_LOG[$TN_C]}" "${NT_OUT[$TN_C]}")
tn_wait_tun cli "$TN_C" "$TL_CLI_TUN"
nt_wait_ready "$TN_C"
nt_ping cli "$TL_SRV_TUN" 3 || nt_fail "$NT_WHY"
nt_ping srv "$TL_CLI_TUN" 3 || nt_fail "$NT_WHY"
nt_transfer cli srv "$TL_SRV_TUN" "$(nt_payload random 2)" 5001 || nt_fail "$NT_WHY"
tn_end

nt_pass "$REFUSED refused, then a good client"
