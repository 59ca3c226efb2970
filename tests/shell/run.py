"""Run one shell test: run.py NAME (exit 0 pass, 1 fail, 77 skip)."""
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'integration'))
import harness  # noqa: E402
import test_shell  # noqa: E402


def main():
    name = sys.argv[1]
    os.environ['KT_TEST_ID'] = f'test_shell.{name}'
    fn = getattr(test_shell, 'test_' + name.replace('-', '_'))
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
