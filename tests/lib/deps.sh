# shellcheck shell=bash
# ensure_deps: install (only what is missing, non-interactively) everything the build
# and the namespace tests need.  Source this file, then call `ensure_deps`.
# Debian 12 package names.  Safe to call repeatedly: a second call installs nothing.

_vpn_deps_packages=(
    cmake g++ make pkg-config
    libssl-dev liblzo2-dev libasio-dev libcli11-dev doctest-dev libfmt-dev
    openvpn iperf3 iproute2 iputils-ping nftables python3 procps easy-rsa openssl
    # ESP oracle (tests/integration/esp_scapy.sh) and wire checks of the IPsec tests.
    python3-scapy tcpdump
    # IPsec interop (tests/lib/strongswan.sh): charon + swanctl, kernel-libipsec
    # (libcharon-extra-plugins), openssl/gcm plugins (libstrongswan-standard-plugins;
    # a recommendation only, hence listed).  strongswan-charon pulls in
    # strongswan-starter; on a systemd host its service and charon-systemd's may start
    # a charon in the root namespace at install time: harmless to the tests, whose
    # charons run in their own network namespaces (own ports 500/4500), with their own
    # /run (pid file), vici socket and strongswan.conf.
    strongswan-swanctl strongswan-charon charon-systemd libcharon-extra-plugins
    libstrongswan-standard-plugins
)

# Prints the packages of the list above that dpkg does not report as installed.
_vpn_missing_packages() {
    local p status
    for p in "${_vpn_deps_packages[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ $status == "install ok installed" ]] || printf '%s\n' "$p"
    done
}

ensure_deps() {
    local missing
    mapfile -t missing < <(_vpn_missing_packages)
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        echo "ensure_deps: missing packages (${missing[*]}) and not root" >&2
        return 1
    fi
    echo "ensure_deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # `timeout` bounds each step: a stuck mirror must not hang the whole test run.
    timeout 300 apt-get update -qq >&2 || true
    timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Allow `bash tests/lib/deps.sh` as a one-shot installer too.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    ensure_deps
fi
