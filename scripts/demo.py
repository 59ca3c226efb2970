"""The demo: a private system bus, mock polkitd, the Trakt stand-in and the
real kino-traktd, walked through with kinoctl as a user would:
configure → connect (device code) → import → status → history."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'integration'))
os.environ.setdefault('KT_SOURCE_ROOT', os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))
import harness  # noqa: E402


def step(rig, title, *args, input=None):
    print(f'\n$ kinoctl {" ".join(args)}    # {title}', flush=True)
    p = rig.kinoctl(*args, input=input)
    sys.stdout.write(p.stdout)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        raise SystemExit(f'kinoctl {args[0]} failed with exit code {p.returncode}')


def main():
    with harness.Rig() as rig:
        # The stand-in plays a Trakt account with some history on it.
        rig.control('config', {'interval': 1})
        rig.control('seed', {'movies': 40, 'shows': 5, 'episodes_per_show': 12, 'history': 452, 'ratings': 23,
                             'watchlist': 12, 'collection': 10, 'playback': 4, 'recommendations': 10})
        print(f'kino-traktd is running on a private system bus ({rig.address})')
        print(f'Trakt stand-in: {rig.trakt_url}   state folder: {rig.state_dir}')
        step(rig, 'a fresh install', 'status')
        secret = os.path.join(rig.tmp, 'client-secret')
        with open(secret, 'w') as f:
            f.write('test-client-secret\n')
        step(rig, 'paste the Trakt app credentials', 'configure', '--client-id', 'test-client-id',
             '--client-secret-file', secret)

        print('\n$ kinoctl connect --import    # the device-code flow; the demo enters the code on "trakt.tv"', flush=True)
        p = subprocess.Popen([rig.kinoctl_path(), 'connect', '--import'], env=rig.env, stdout=subprocess.PIPE,
                             text=True)
        shown = ''
        deadline = time.monotonic() + 30
        while 'Ctrl-C' not in shown and time.monotonic() < deadline:
            line = p.stdout.readline()
            shown += line
            sys.stdout.write(line)
        sys.stdout.flush()
        time.sleep(1)
        rig.control('device/approve', {})
        out, _ = p.communicate(timeout=120)
        sys.stdout.write(out)
        if p.returncode != 0:
            raise SystemExit('kinoctl connect failed')

        step(rig, 'turn off collection sync', 'sync', 'disable', 'collection')
        step(rig, 'what the status dot and toggles say now', 'status')
        step(rig, 'the latest watches, imported from Trakt', 'history', '5')
        print('\nDemo finished. Live scrobbling and ratings come with the next milestones.')


main()
