#!/usr/bin/env bash
# `float`: the server names its peer with `remote`, the client then comes back from
# another source port.
#
#   [srv] 192.168.77.1:1194  remote 192.168.77.2 1194  [+ float]
#   [cli] 192.168.77.2       first lport 1194, then lport 1195
#
# Asserts: without float the server drops the new source (wrong-source counter up,
# no ping); with float it logs "Peer floated to ...:1195" and the ping crosses.
set -euo pipefail
source "$(dirname "$0")/../lib/netns.sh"
nt_init p2p_float
nt_pair srv cli
key=$NT_DIR/static.key
nt_genkey vpn "$key"

conf() {  # conf FILE LOCAL PEER [EXTRA...]
  local f=$1 l=$2 p=$3; shift 3
  { echo "dev tun"; echo "ifconfig $l $p"; echo "secret $key"; echo "cipher AES-256-CBC"; echo "verb 3";
    printf '%s\n' "$@"; } >"$f"
}

for mode in pinned float; do
  nt_step "$mode"
  NT_LOGS=()
  extra=(); [[ $mode == float ]] && extra=(float)
  conf "$NT_DIR/srv-$mode.conf" 10.0.0.1 10.0.0.2 "remote 192.168.77.2 1194" "${extra[@]}"
  conf "$NT_DIR/cli-$mode.conf" 10.0.0.2 10.0.0.1 "remote 192.168.77.1 1194"
  nt_start_peer vpn srv "srv-$mode" "$NT_DIR/srv-$mode.conf"
  nt_start_peer vpn cli "cli-$mode-a" "$NT_DIR/cli-$mode.conf" --lport 1194
  nt_wait_ready "cli-$mode-a"
  nt_ping cli 10.0.0.1 2 || nt_fail "$NT_WHY"
  nt_stop "cli-$mode-a"
  nt_start_peer vpn cli "cli-$mode-b" "$NT_DIR/cli-$mode.conf" --lport 1195
  nt_wait_ready "cli-$mode-b"
  if [[ $mode == pinned ]]; then
    nt_no_ping cli 10.0.0.1 || nt_fail "ping crossed although the server is pinned to port 1194"
    nt_stats "srv-$mode"
    drops=$(nt_stat "$NT_STATS" "drop wrong-source")
    [[ ${drops:-0} -ge 3 ]] || nt_fail "wrong-source drops: '${drops:-}', expected at least 3"
  else
    nt_ping cli 10.0.0.1 3 || nt_fail "$NT_WHY"
    nt_wait_role "srv-$mode" "Peer floated to [AF_INET]192.168.77.2:1195"
  fi
  nt_stop "cli-$mode-b"
  nt_stop "srv-$mode"
done
nt_pass
