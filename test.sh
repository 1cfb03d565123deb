#!/usr/bin/env bash
# Install what is missing, build, and run every test: unit tests, namespace
# integration tests, interop with stock OpenVPN 2.6, and the unit tests plus the
# vpn<->vpn tunnel and a TLS server refusing bad certificates again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
# Needs root (network namespaces, TUN devices).  Exit status 0 = all passed.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
. tests/lib/deps.sh
ensure_deps

jobs=$(nproc)
cmake -B build -S . -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

failed=()
run() {  # run NAME CMD...: keeps going after a failure, reports at the end
  local name=$1; shift
  echo "=== $name"
  if ! "$@"; then failed+=("$name"); fi
}

run unit build/unit_tests
for t in tests/integration/*.sh tests/interop/*.sh; do
  [ -e "$t" ] || continue
  run "$t" env VPN_BIN="$PWD/build/vpn" bash "$t"
done

# Sanitizer build: every report is written to a file and any file fails the run.
cmake -B build-asan -S . -DVPN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs" --target vpn unit_tests
reports=$(mktemp -d /tmp/vpn-sanitizer.XXXXXX)
export ASAN_OPTIONS="log_path=$reports/asan:halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:halt_on_error=1:print_stacktrace=1"
run "unit (asan+ubsan)" build-asan/unit_tests
run "p2p_udp (asan+ubsan)" env VPN_BIN="$PWD/build-asan/vpn" bash tests/integration/p2p_udp.sh
run "tls_refusals (asan+ubsan)" env VPN_BIN="$PWD/build-asan/vpn" bash tests/integration/tls_refusals.sh
unset ASAN_OPTIONS UBSAN_OPTIONS
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer reports:"; cat "$reports"/*
  failed+=("sanitizers")
fi
rm -rf "$reports"

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "ALL TESTS PASSED"
