#!/usr/bin/env bash
# Build and run every test; the last line is "N passed, N failed".
# usage: test.sh [--sanitize]   (--sanitize: AddressSanitizer + UBSan build in build-asan)
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1

dir=build
opts=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  opts=(-Db_sanitize=address,undefined -Db_lundef=false)
fi
bash scripts/build.sh "$dir" "${opts[@]}" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

meson test -C "$dir" --print-errorlogs --num-processes "$(nproc)"
rc=$?
/usr/bin/python3 scripts/summarize.py "$dir/meson-logs/testlog.json"
s=$?
[ $rc -eq 0 ] && [ $s -eq 0 ]
