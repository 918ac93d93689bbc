#!/usr/bin/env bash
# The whole test suite: set-up (install, hugepages, build), then unit and component tests.
# Prints "N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${VSW_BUILD_DIR:-build}

./scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 1 "$@"
rc=$?
# Summarise from meson's machine-readable log: every registered test, none skipped silently.
/usr/bin/python3 - "$BUILD_DIR/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1; failed += 1  # no vsw test may skip: a skip is a failure
    else: failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $rc
