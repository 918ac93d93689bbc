#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in build-fuzz/ and runs
# each for a while, starting from the committed seeds in tests/fuzz/corpus/<target>/ (what it
# finds goes to build-fuzz/corpus/, the seeds stay as committed). Exits non-zero on a crash.
#
#   scripts/fuzz.sh                 30 s per target
#   scripts/fuzz.sh 600             10 min per target
#   scripts/fuzz.sh 0 -runs=10000000    a number of executions instead of a time
#   FUZZ_TARGETS="flow_key vlan_classify" scripts/fuzz.sh    some targets only
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-30}
shift || true
BUILD=build-fuzz
# Every target in tests/fuzz/ unless FUZZ_TARGETS names some.
ALL_TARGETS=$(ls tests/fuzz/*_fuzz.cpp | sed 's|.*/\(.*\)_fuzz.cpp|\1|')
TARGETS=(${FUZZ_TARGETS:-$ALL_TARGETS})

if [ ! -f "$BUILD/build.ninja" ]; then
  CXX=clang++ meson setup "$BUILD" -Dfuzz=true -Dtests=false -Db_lto=false \
    -Db_sanitize=address,undefined -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$BUILD" $(printf "tests/fuzz/fuzz_%s " "${TARGETS[@]}") >/dev/null

failed=0
for t in "${TARGETS[@]}"; do
  corpus="$BUILD/corpus/$t"
  mkdir -p "$corpus"
  limit=(-max_total_time="$SECONDS_EACH")
  [ "$SECONDS_EACH" = 0 ] && limit=()
  log="$BUILD/fuzz_$t.log"
  if "$BUILD/tests/fuzz/fuzz_$t" "${limit[@]}" "$@" -print_final_stats=1 -artifact_prefix="$BUILD/crash_${t}_" \
       "$corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz $t: $runs executions, no crash"
  else
    echo "fuzz $t: CRASH (see $log and $BUILD/crash_${t}_*)"
    tail -30 "$log"
    failed=1
  fi
done
exit $failed
