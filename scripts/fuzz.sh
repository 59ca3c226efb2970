#!/usr/bin/env bash
# Fuzz every parser of outside input with libFuzzer for SECONDS each (default 60).
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   targets: trakt-json media config listurl release-name kinoctl-args mpris-metadata mpris-config mpris-playback
# Needs clang (installed here if missing). New inputs stay in build-fuzz/corpus-*;
# crashes are written to build-fuzz/crash-* and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(trakt-json media config listurl release-name kinoctl-args mpris-metadata mpris-config mpris-playback)

bash scripts/deps.sh
if ! command -v clang >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz >/dev/null

status=0
printf '%-12s %10s %10s %8s %s\n' target seconds execs corpus result
for t in "${targets[@]}"; do
  work=build-fuzz/corpus-$t
  mkdir -p "$work"
  log=build-fuzz/fuzz-$t.log
  if ./build-fuzz/tests/fuzz/fuzz-$t -max_total_time="$secs" -artifact_prefix=build-fuzz/crash-$t- \
       -print_final_stats=1 "$work" tests/fuzz/corpus/$t >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log)"
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf '%-12s %10s %10s %8s %s\n' "$t" "$secs" "${execs:-?}" "$(ls "$work" | wc -l)" "$result"
done
exit $status
