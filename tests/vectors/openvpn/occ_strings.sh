#!/bin/sh
# Regenerate occ_strings.txt: the OCC options strings stock openvpn 2.6 computes for
# each case ("Local Options String" / "Expected Remote Options String" at --verb 7).
# Runs each instance for 2 s in a private network namespace (unshare -n), so no
# packet leaves it.  Usage: sh occ_strings.sh > occ_strings.txt   (as root)
set -e
K=$(dirname "$0")/static.key
run() {
    name=$1; shift
    out=$(timeout 2 unshare -n openvpn --verb 7 --remote 127.0.0.1 --port 1194 --ifconfig-noexec \
          --route-noexec "$@" 2>&1 || true)
    l=$(echo "$out" | sed -n "s/.*Local Options String (VER=V4): '\(.*\)'/\1/p" | head -n 1)
    r=$(echo "$out" | sed -n "s/.*Expected Remote Options String (VER=V4): '\(.*\)'/\1/p" | head -n 1)
    echo "$name|$l|$r"
}
echo "# name|local string|expected remote string -- from $(openvpn --version | head -1 | cut -d' ' -f1-2)"
run static_dir0_aes256_sha256 --dev tun --secret "$K" 0 --cipher AES-256-CBC --auth SHA256 --ifconfig 10.98.0.1 10.98.0.2
run static_bidir_aes128_sha1 --dev tun --secret "$K" --cipher AES-128-CBC --ifconfig 10.96.0.1 10.96.0.2
run static_dir1_lowercase --dev tun --secret "$K" 1 --cipher aes-256-cbc --auth sha512 --ifconfig 10.0.0.2 10.0.0.1
run static_bf_default --dev tun --secret "$K" --providers legacy default --ifconfig 10.0.0.1 10.0.0.2
run static_none_none --dev tun --secret "$K" --cipher none --auth none --ifconfig 10.0.0.1 10.0.0.2
run static_tap_comp_lzo --dev tap --secret "$K" --cipher AES-128-CBC --ifconfig 10.1.2.3 255.255.255.0 --comp-lzo
run static_tcp_server --dev tun --secret "$K" 0 --cipher AES-256-CBC --auth SHA256 --proto tcp-server
run static_tcp_client --dev tun --secret "$K" 1 --cipher AES-256-CBC --auth SHA256 --proto tcp-client
run static_mtu1400_comp_no --dev tun --secret "$K" --cipher AES-192-CBC --tun-mtu 1400 --comp-lzo no --ifconfig 10.0.0.1 10.0.0.2
run static_compress_lzo --dev tun --secret "$K" --cipher AES-256-CBC --compress lzo --allow-compression yes
run static_no_ifconfig_sha224 --dev tun --secret "$K" --cipher AES-128-CBC --auth SHA224
run static_dev_null --dev null --secret "$K" --cipher AES-256-CBC
run static_auth_none --dev tun --secret "$K" 1 --cipher AES-256-CBC --auth none
run static_cipher_none_sha256 --dev tun --secret "$K" 0 --cipher none --auth SHA256 --comp-lzo
run no_crypto_tun --dev tun --ifconfig 10.0.0.1 10.0.0.2
run no_crypto_tap_comp --dev tap --ifconfig 10.1.2.3 255.255.0.0 --comp-lzo
