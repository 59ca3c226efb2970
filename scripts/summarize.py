"""Summarise a meson testlog.json: list failures and unexpected skips, print
"N passed, N failed" last. A skip counts as a failure: every test here can run
on the machines we support, so a skip means a missing dependency."""
import json
import sys

passed = failed = 0
for line in open(sys.argv[1]):
    try:
        t = json.loads(line)
    except ValueError:
        # A line cut short (another meson test wrote the same log): not a pass.
        failed += 1
        print(f'UNREADABLE: {line[:80]!r}')
        continue
    res = t.get('result')
    if res in ('OK', 'EXPECTEDFAIL'):
        passed += 1
    else:
        failed += 1
        print(f"{res}: {t.get('name')}")
print(f'{passed} passed, {failed} failed')
sys.exit(1 if failed else 0)
