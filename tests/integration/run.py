"""Run one integration test: run.py MODULE TEST (exit 0 pass, 1 fail, 77 skip)."""
import importlib
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    module, name = sys.argv[1], sys.argv[2]
    # Names the test for tools wrapped around the daemon (valgrind's --log-file=%q{KT_TEST_ID}).
    os.environ['KT_TEST_ID'] = f'{module}.{name}'
    fn = getattr(importlib.import_module(module), 'test_' + name.replace('-', '_'))
    try:
        fn()
    except harness.Skip as e:
        print(f'SKIP: {e}')
        return harness.SKIP
    except Exception:
        traceback.print_exc()
        return 1
    print('PASS')
    return 0


sys.exit(main())
