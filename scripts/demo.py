"""The demo: a private system bus, mock polkitd, the Trakt stand-in and the
real kino-traktd, walked through with kinoctl as a user would:
configure → connect (device code) → import → scrobble → rate → status."""
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

        step(rig, 'the latest watches, imported from Trakt', 'history', '5')

        # A player scrobbles Guardians of the Galaxy: start, pause, resume, finish.
        step(rig, 'a player watches a film (commands on stdin)', 'watch', 'movie:trakt=28', '--progress', '2',
             input='pause 35\nplay 35\nstop 97\nquit\n')
        step(rig, 'a private watch: nothing about it leaves the machine', 'watch', 'movie:"Inception" 2010',
             '--incognito', input='stop 99\n')
        step(rig, 'rate it', 'rate', 'movie:trakt=28', '9')
        # Wait for the outbox to deliver, then show what Trakt has.
        deadline = time.monotonic() + 60
        while int(rig.prop('PendingEvents')) > 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        acct = rig.control('account')
        got = [r['path'] for r in rig.control('requests') if r['path'].startswith('/scrobble/') or
               r['path'] in ('/sync/ratings', '/sync/history') and r['method'] == 'POST']
        print('\nTrakt (the stand-in) received: ' + ', '.join(got))
        plays = [h for h in acct['history'] if (h.get('movie') or {}).get('ids', {}).get('trakt') == 28]
        rating = [r['rating'] for r in acct['ratings'] if (r.get('movie') or {}).get('ids', {}).get('trakt') == 28]
        print(f'Trakt now has {len(plays)} play(s) of Guardians of the Galaxy and rating {rating[0] if rating else None}; '
              f'Inception: {sum("Inception" in str(h) for h in acct["history"])} plays (it was incognito).')
        step(rig, 'turn off collection sync', 'sync', 'disable', 'collection')
        step(rig, 'what the status dot and toggles say now', 'status')
        step(rig, 'the latest watches: the private one is flagged', 'history', '3')
        print('\nDemo finished.')

main()
