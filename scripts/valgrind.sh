#!/usr/bin/env bash
# Run the whole test suite once with our C programs under valgrind (memcheck)
# and fail on invalid accesses, uninitialised use and definite/indirect leaks.
# Optional: not part of .ci/run (it takes much longer than the plain suite).
#
# usage: valgrind.sh [SUITE...]      (default: unit fuzz integration standin system)
#
#   unit, fuzz    the C test executables run under valgrind (meson --wrapper)
#   integration   the Python harness starts every kino-traktd, kinoctl and
#                 kino-trakt-mpris under valgrind (KT_DAEMON_WRAPPER /
#                 KT_KINOCTL_WRAPPER / KT_MPRIS_WRAPPER, waits x KT_SLOW);
#                 the Python interpreters themselves are never wrapped
#   standin, system  run no C code of ours through the harness: they run as usual
#
# Builds build-valgrind (scripts/build.sh, no sanitizers), writes one valgrind
# log per process to build-valgrind/valgrind-logs/, prints a summary and, last,
# "N passed, N failed"; a test counts as failed when meson failed it or when a
# valgrind log of its processes has an error. Environment: VG_SLOW (default 5),
# VG_TIMEOUT_MULTIPLIER (default 6), VG_JOBS (default 2).
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
if ! command -v valgrind >/dev/null; then
  SUDO=
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "Installing: valgrind"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends valgrind >/dev/null ||
    { echo "valgrind could not be installed"; echo "0 passed, 1 failed"; exit 1; }
fi

dir=build-valgrind
bash scripts/build.sh "$dir" || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit fuzz integration standin system)
c_suites=(); py_suites=()
for s in "${suites[@]}"; do
  case $s in
    unit|fuzz) c_suites+=(--suite "$s") ;;
    integration|standin|system) py_suites+=(--suite "$s") ;;
    *) echo "unknown suite: $s"; echo "0 passed, 1 failed"; exit 1 ;;
  esac
done

logs=$PWD/$dir/valgrind-logs
rm -rf "$logs" "$dir"/meson-logs/vg-*.json
mkdir -p "$logs"
chmod 1777 "$logs"   # kinoctl also runs as nobody in the integration tests

VG="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
 --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=40
 --error-exitcode=99 --vgdb=no --suppressions=$PWD/scripts/valgrind.supp"
VG=$(echo $VG)
# GLib's slice allocator would hide GSList/GHashTable nodes from memcheck.
export G_SLICE=always-malloc
jobs=${VG_JOBS:-2}
mult=${VG_TIMEOUT_MULTIPLIER:-6}

rc=0
if [ ${#c_suites[@]} -gt 0 ]; then
  echo "== unit and fuzz-corpus tests under valgrind"
  meson test -C "$dir" --no-rebuild "${c_suites[@]}" --num-processes "$jobs" --timeout-multiplier "$mult" \
    --print-errorlogs --logbase vg-c --wrapper "$VG --log-file=$logs/c.%p.log" || rc=1
fi
if [ ${#py_suites[@]} -gt 0 ]; then
  echo "== integration tests with kino-traktd and kinoctl under valgrind; standin and system as usual"
  KT_DAEMON_WRAPPER="$VG --log-file=$logs/%q{KT_TEST_ID}.daemon.%p.log" \
  KT_KINOCTL_WRAPPER="$VG --log-file=$logs/%q{KT_TEST_ID}.kinoctl.%p.log" \
  KT_MPRIS_WRAPPER="$VG --log-file=$logs/%q{KT_TEST_ID}.mpris.%p.log" \
  KT_SLOW=${VG_SLOW:-5} \
    meson test -C "$dir" --no-rebuild "${py_suites[@]}" --num-processes "$jobs" --timeout-multiplier "$mult" \
    --print-errorlogs --logbase vg-py || rc=1
fi

/usr/bin/python3 - "$logs" "$dir/meson-logs" "$start" <<'EOF'
"""Summarise the meson results and the valgrind logs of build-valgrind."""
import glob
import json
import os
import re
import sys
import time

logs, meson_logs, start = sys.argv[1], sys.argv[2], int(sys.argv[3])

# ---- meson results
results = {}          # test name -> result
suite_of = {}
for path in sorted(glob.glob(os.path.join(meson_logs, 'vg-*.json'))):
    for line in open(path):
        t = json.loads(line)
        m = re.match(r'(?:[^:]*:)?(\S+) / (\S+)$', t['name'])   # "kino-trakt:unit / unit-log"
        suite, name = m.groups() if m else ('?', t['name'])
        results[name] = t.get('result')
        suite_of[name] = suite

# ---- valgrind logs
ERR_HEAD = re.compile(r'^(Invalid |Mismatched free|Conditional jump|Use of uninitialised|Syscall param'
                      r'|Source and destination overlap|Argument .* of function .* has a fishy'
                      r'|.* bytes in .* blocks are (definitely|indirectly) lost'
                      r'|Process terminating with default action of signal (4|6|7|8|11) )')
OURS = re.compile(r'\((?!in )[^)]*\.c:\d+\)')   # a frame with our debug info: (file.c:123)


def test_of(name, command):
    """Which meson test a log belongs to."""
    m = re.match(r'(test_[a-z_]+)\.([a-z0-9-]+)\.(daemon|kinoctl|mpris)\.\d+\.log$', name)
    if m:
        return m.group(1)[5:] + '-' + m.group(2)
    m = re.search(r'/tests/unit/test-([a-z-]+)', command)
    if m:
        return 'unit-' + m.group(1)
    m = re.search(r'/tests/fuzz/replay-([a-z-]+)', command)
    if m:
        return 'fuzz-' + m.group(1)
    return '(unknown)'


bad_logs = []        # (name, test, [error blocks])
incomplete = []      # (name, test, command)
warnings = []
nlogs = 0
for path in sorted(glob.glob(os.path.join(logs, '*.log'))):
    nlogs += 1
    name = os.path.basename(path)
    lines = [re.sub(r'^==\d+== ?', '', l.rstrip('\n')) for l in open(path, errors='replace')]
    command = next((l[len('Command: '):] for l in lines if l.startswith('Command: ')), '')
    test = test_of(name, command)
    complete = any(l.startswith('ERROR SUMMARY:') for l in lines)
    for l in lines:
        if (l.startswith('Warning: ') and 'set address range perms' not in l) or 'unhandled' in l:
            warnings.append(f'{name}: {l}')
    # error blocks: a header line and its stack, up to a blank line
    blocks, cur = [], None
    for l in lines:
        if cur is None:
            if ERR_HEAD.match(l):
                cur = [l]
        elif l.strip() == '':
            blocks.append(cur)
            cur = None
        else:
            cur.append(l)
    if cur:
        blocks.append(cur)
    if not complete:
        incomplete.append((name, test, command))
    if blocks:
        bad_logs.append((name, test, blocks))

# ---- verdict per test
failed_meson = sorted(n for n, r in results.items() if r not in ('OK', 'EXPECTEDFAIL'))
vg_failed = sorted({t for _, t, _ in bad_logs})
failed = sorted(set(failed_meson) | set(vg_failed))
passed = [n for n in results if n not in failed]
wrapped = [n for n in results if suite_of[n] in ('unit', 'fuzz', 'integration')]

print()
print('==================== valgrind summary ====================')
for name, test, blocks in bad_logs:
    print(f'--- {name} (test {test}): {len(blocks)} error(s)')
    for b in blocks:
        ours = any(OURS.search(l) for l in b)
        print(f'    {b[0]}' + ('' if ours else '   [no frame in our code]'))
        for l in b[1:]:
            print(f'      {l.strip()}')
for n in failed_meson:
    print(f'{results[n]}: {n}')
for n in vg_failed:
    if n not in failed_meson:
        print(f'VALGRIND: {n} (the test passed, its valgrind log has errors)')
killed = [(n, t) for n, t, c in incomplete if 'kino-traktd' in c or 'kinoctl' in c or 'kino-trakt-mpris' in c]
forked = len(incomplete) - len(killed)
ran = {kind: sum(1 for p in glob.glob(os.path.join(logs, f'*.{kind}.*.log'))) for kind in ('daemon', 'kinoctl', 'mpris')}
ran['c'] = len(glob.glob(os.path.join(logs, 'c.*.log')))
# The wrappers must really have been used: a suite that ran without a single log is a failure.
unwrapped = []
if any(suite_of[n] == 'integration' for n in results) and not ran['daemon']:
    unwrapped.append('integration (no kino-traktd ran under valgrind)')
if any(suite_of[n] in ('unit', 'fuzz') for n in results) and not ran['c']:
    unwrapped.append('unit/fuzz (no test ran under valgrind)')
for u in unwrapped:
    print(f'NOT UNDER VALGRIND: {u}')
    failed.append(u)
print(f'tests run: {len(results)} ({len(wrapped)} with our C programs under valgrind: unit, fuzz, integration); '
      f'passed {len(results) - len(failed_meson)}, failed {len(failed_meson)} (meson verdict)')
print(f'valgrind logs: {nlogs} ({ran["c"]} C tests and their children, {ran["daemon"]} kino-traktd, '
      f'{ran["kinoctl"]} kinoctl, {ran["mpris"]} kino-trakt-mpris), with errors: {len(bad_logs)} ({sum(len(b) for _, _, b in bad_logs)} error blocks)')
print(f'logs without a leak check: {len(killed)} kino-traktd/kinoctl killed with SIGKILL (kill -9 tests: '
      f'errors before the kill count, leaks cannot be judged)'
      + ('' if not killed else ' in ' + ', '.join(sorted({t for _, t in killed})))
      + f'; {forked} forked children of C tests that exec an untraced program (system())')
if warnings:
    print(f'valgrind warnings ({len(warnings)}):')
    for w in warnings[:20]:
        print('  ' + w)
print(f'logs: {logs}')
el = int(time.time()) - start
print(f'wall time: {el // 60} min {el % 60} s')
print(f'{len(passed)} passed, {len(failed)} failed')
sys.exit(1 if failed or not results else 0)
EOF
s=$?
[ $rc -eq 0 ] && [ $s -eq 0 ]
