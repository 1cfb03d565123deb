#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 60), seeded with the project's configs and test vectors.
# Not part of ./test.sh (a fuzz run is open-ended); any crash is a bug: the
# reproducer is left in build-fuzz/crashes/.
#   tests/fuzz/run.sh [target ...]
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
secs=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ cmake -B build-fuzz -S . -DVPN_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"
mkdir -p build-fuzz/crashes
failed=()
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  mkdir -p "$corpus"
  case $t in
    fuzz_config) cp configs/*.conf "$corpus"/ ;;
    fuzz_keys) cp tests/vectors/openvpn/*.key "$corpus"/ 2>/dev/null || true ;;
  esac
  echo "=== $t (${secs}s)"
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 build-fuzz/"$t" "$corpus" -max_total_time="$secs" \
       -max_len=70000 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/crashes/"$t"- \
       -print_final_stats=1 2>build-fuzz/"$t".log; then
    failed+=("$t")
    tail -n 40 build-fuzz/"$t".log
  else
    grep -E "stat::number_of_executed_units|cov:" build-fuzz/"$t".log | tail -n 2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then echo "FUZZ FAILURES: ${failed[*]}"; exit 1; fi
echo "no crashes"
