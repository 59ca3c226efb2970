"""The demo: a private system bus, mock polkitd, the Trakt stand-in and the
real kino-traktd, walked through with kinoctl as a user would."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'integration'))
os.environ.setdefault('KT_SOURCE_ROOT', os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))
import harness  # noqa: E402


def step(rig, title, *args, input=None):
    print(f'\n$ kinoctl {" ".join(args)}    # {title}')
    p = rig.kinoctl(*args, input=input)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        raise SystemExit(f'kinoctl {args[0]} failed with exit code {p.returncode}')


def main():
    with harness.Rig() as rig:
        print(f'kino-traktd is running on a private system bus ({rig.address})')
        print(f'Trakt stand-in: {rig.trakt_url}   state folder: {rig.state_dir}')
        step(rig, 'a fresh install', 'status')
        secret = os.path.join(rig.tmp, 'client-secret')
        with open(secret, 'w') as f:
            f.write('test-client-secret\n')
        step(rig, 'paste the Trakt app credentials', 'configure', '--client-id', 'test-client-id',
             '--client-secret-file', secret)
        step(rig, 'turn off collection sync', 'sync', 'disable', 'collection')
        step(rig, 'what the status dot and toggles say now', 'status')
        print('\nDemo finished: connect, import, scrobble and rate come with the next milestones.')


main()
