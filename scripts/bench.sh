#!/usr/bin/env bash
# The VM-to-VM benchmark (not part of the test suite): set-up, the peers' packages, then
# integration/bench/vm2vm.py, which appends to integration/bench/RESULTS.md and redraws
# integration/bench/vm2vm.svg. Arguments go to vm2vm.py (--rounds, --seconds, --sizes, --profile).
# Run it on an otherwise idle machine: it uses both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BENCH_PACKAGES=(openvswitch-switch-dpdk linux-perf)
missing=()
for p in "${BENCH_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
exec /usr/bin/python3 integration/bench/vm2vm.py "$@"
