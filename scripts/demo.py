"""The demo: a private system bus, mock polkitd, the Trakt stand-in and the
real kino-traktd, walked through with kinoctl as a user would:
configure → connect (device code) → import → scrobble → rate → status;
then a desktop: a real mpv plays a generated file and kino-trakt-mpris (the
MPRIS bridge) scrobbles it with no plugin, while kinoctl monitor watches."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'integration'))
os.environ.setdefault('KT_SOURCE_ROOT', os.path.abspath(os.path.join(os.path.dirname(__file__), '..')))
import harness  # noqa: E402
import desktop  # noqa: E402


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
        mpris_demo(rig)
        print('\nDemo finished.')


def mpris_demo(rig):
    """A desktop player scrobbles by itself: mpv + mpv-mpris, kino-trakt-mpris, nothing else."""
    print('\n== A desktop player: mpv plays a file, kino-trakt-mpris scrobbles it ==', flush=True)
    # Trakt knows the show; the desktop user may scrobble (polkit's default for
    # an active session; the mock polkitd here denies until told).
    rig.control('catalogue', {'shows': [{'title': 'The Expanse', 'year': 2015, 'ids': {'trakt': 77199, 'tvdb': 280619},
                                         'episodes': [{'season': 1, 'number': 2, 'ids': {'trakt': 1376002}}]}]})
    rig.polkit_allow('org.kino.trakt.use')
    name = 'The.Expanse.S01E02.1080p.mkv'
    print(f'\n$ echo {name} | kino-trakt-mpris --identify    # what the bridge reads from a file name')
    p = subprocess.run([desktop.MPRIS, '--identify'], input=name + '\n', capture_output=True, text=True)
    sys.stdout.write(p.stdout)

    print('\n$ kinoctl monitor &    # sessions appear with the player that holds them', flush=True)
    monitor = subprocess.Popen([rig.kinoctl_path(), 'monitor'], env=rig.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    # The demo's clip lasts 30 s; the bridge leaves anything under 5 minutes
    # alone unless its configuration says otherwise.
    with desktop.Desktop(rig, config='[mpris]\nmin_minutes = 0.2\n') as d:
        print(f'desktop: a session bus, kino-trakt-mpris and mpv, as uid {d.uid} '
              f'(~/.config/kino-trakt/mpris.conf: min_minutes = 0.2 for a 30 s clip)')
        path = d.media(name)
        print(f'$ mpv {name}    # with mpv-mpris; the bridge finds it on the session bus', flush=True)
        m = d.mpv(path)
        def sent(action):
            return [r for r in rig.control('requests')
                    if r['path'] == '/scrobble/' + action and 'episode' in (r['body'] or {})]
        harness.wait_until(lambda: sent('start'), timeout=30, what='the start to reach Trakt')
        print('  (watching… the demo skips ahead to 24 s of 30 and lets it play to the end)', flush=True)
        m.seek(24)
        m.proc.wait(60)
        harness.wait_until(lambda: sent('stop'), timeout=30, what='the stop to reach Trakt')
        deadline = time.monotonic() + 60
        while int(rig.prop('PendingEvents')) > 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        print('\nkino-trakt-mpris said:')
        for line in d.bridge_log().splitlines():
            line = line.replace('kino-trakt-mpris: ', '')
            if line.startswith(('Following', 'mpv')):
                print('  ' + line)
    monitor.terminate()
    out, _ = monitor.communicate(timeout=10)
    print('\nkinoctl monitor showed:')
    for line in out.splitlines():
        if 'Session' in line:
            print('  ' + line)
    sent = [f"{r['path']} {r['body'].get('progress')}%" for r in rig.control('requests')
            if r['path'].startswith('/scrobble/') and 'episode' in (r['body'] or {})]
    print('\nTrakt (the stand-in) received: ' + ', '.join(sent))
    plays = [h for h in rig.control('account')['history']
             if (h.get('episode') or {}).get('ids', {}).get('trakt') == 1376002]
    print(f'Trakt now has {len(plays)} play(s) of The Expanse S01E02, scrobbled from mpv with no plugin.')

main()
