#!/usr/bin/env bash
# A vpn TLS server (mode server, one client) under forged packets from a stranger
# in the client's namespace (tests/lib/tls_hostile.py: resets with fresh session
# ids, control and data packets with random ids and bodies, garbage), while its
# client pings through the tunnel every 20 ms:
#   - with no control-channel wrap (the resets are answered: they start candidate
#     sessions that never complete) and with tls-crypt (they are dropped unread);
#   - the server and the client stay up, every ping of the running stream is
#     answered, the client's session is never replaced (no "replaces" in the log,
#     no second "Initialization Sequence Completed" on the client);
#   - the server counts what it dropped (SIGUSR2: drops total rises by at least
#     the data + garbage datagrams), and a transfer afterwards is byte-exact.
set -euo pipefail
source "$(dirname "$0")/../lib/tls.sh"

nt_init tls_hostile
nt_need_vpn
tn_topology
tl_pki "$NT_DIR/pki"
tl_genkey "$NT_DIR/tc.key"

attack() {  # attack LABEL [SERVER_EXTRA] [CLIENT_EXTRA]
    local label=$1 sx=${2:-} cx=${3:-}
    tl_session "$label" "$NT_IMPL" "$NT_IMPL" udp "$sx" "$cx"
    nt_stats "$TN_S"
    local before=$NT_STATS
    local pings=$NT_DIR/$label.ping counts=$NT_DIR/$label.counts
    nt_spawn cli "$pings" ping -n -q -i 0.02 -c 400 -W 1 "$TL_SRV_TUN"
    local ping_pid=$NT_LAST_PID
    NT_LOGS+=("$pings" "$counts")
    nt_step "$label: forged datagrams from a stranger while the client pings"
    nt_spawn cli "$counts" "$NT_PY" "$NT_LIB/tls_hostile.py" "$NT_NET.1" "$TL_PORT" --rounds 300
    nt_wait_exit "$NT_LAST_PID" 60 || nt_fail "$label: the forger still runs after 60 s"
    ((NT_RC == 0)) || nt_fail "$label: forger failed: $(tail -n 3 "$counts")"
    nt_wait_exit "$ping_pid" 60 || nt_fail "$label: ping still running after 60 s"
    local got
    got=$(sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p' "$pings")
    [[ $got == 400 ]] || nt_fail "$label: $got/400 pings answered while under attack ($(grep -m1 transmitted "$pings"))"
    nt_alive "${NT_PID[$TN_S]}" || nt_fail "$label: the server died"
    nt_alive "${NT_PID[$TN_C]}" || nt_fail "$label: the client died"
    ! grep -q "replaces the current one" "${NT_LOG[$TN_S]}" || nt_fail "$label: the client's session was replaced"
    local inits
    inits=$(grep -c "Initialization Sequence Completed" "${NT_LOG[$TN_C]}" || true)
    ((inits == 1)) || nt_fail "$label: the client initialised $inits times"
    nt_stats "$TN_S"
    local after=$NT_STATS sent_data sent_garbage dropped
    sent_data=$(awk '$1 == "data" {print $2}' "$counts")
    sent_garbage=$(awk '$1 == "garbage" {print $2}' "$counts")
    dropped=$(nt_stat_delta "$before" "$after" "drops total")
    nt_step "$label: $(paste -sd' ' "$counts"); server drops +$dropped"
    ((dropped >= sent_data + sent_garbage)) ||
        nt_fail "$label: drops total rose by $dropped, expected >= $((sent_data + sent_garbage))"
    nt_transfer cli srv "$TL_SRV_TUN" "$(nt_payload random 4)" 5001 || nt_fail "$NT_WHY"
    tn_end
}

attack plain
attack tlscrypt "tls-crypt $NT_DIR/tc.key" "tls-crypt $NT_DIR/tc.key"
nt_pass
