#!/usr/bin/env bash
# The demo: set-up (install, hugepages, build), then vswd switching between two QEMU guests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec /usr/bin/python3 integration/demo.py
