"""kinoctl against the real daemon: output, exit codes, one clean line on errors."""
import json
import os

from harness import Rig, check, eq, nobody_uid, wait_until

SECRET = 'kinoctl-secret-abcdef0123456789'


def test_status_and_configure():
    with Rig(standin=False) as rig:
        p = rig.kinoctl('status')
        eq(p.returncode, 0, f'kinoctl status exit ({p.stderr})')
        check('unconfigured' in p.stdout, f'status does not say unconfigured: {p.stdout!r}')

        secret_file = os.path.join(rig.tmp, 'secret')
        with open(secret_file, 'w') as f:
            f.write(SECRET + '\n')
        p = rig.kinoctl('configure', '--client-id', 'ctl-id', '--client-secret-file', secret_file)
        eq(p.returncode, 0, f'kinoctl configure exit ({p.stderr})')
        eq(str(rig.prop('ClientId')), 'ctl-id', 'ClientId')

        p = rig.kinoctl('status')
        check('disconnected' in p.stdout, f'status does not say disconnected: {p.stdout!r}')
        check(SECRET not in p.stdout + p.stderr, 'kinoctl printed the secret')

        p = rig.kinoctl('status', '--json')
        eq(p.returncode, 0, 'status --json exit')
        j = json.loads(p.stdout)
        eq(j['State'], 'disconnected', 'State in JSON')
        eq(j['ClientId'], 'ctl-id', 'ClientId in JSON')
        eq(j['SyncEnabled']['ratings'], True, 'toggle in JSON')


def test_configure_secret_on_stdin():
    with Rig(standin=False) as rig:
        p = rig.kinoctl('configure', '--client-id', 'stdin-id', input=SECRET + '\n')
        eq(p.returncode, 0, f'kinoctl configure exit ({p.stderr})')
        eq(str(rig.prop('ClientId')), 'stdin-id', 'ClientId')
        check(SECRET not in p.stdout + p.stderr, 'the secret was echoed')


def test_sync_toggle():
    with Rig(standin=False) as rig:
        p = rig.kinoctl('sync', 'disable', 'collection')
        eq(p.returncode, 0, f'sync disable exit ({p.stderr})')
        eq(bool(rig.prop('SyncEnabled')['collection']), False, 'collection toggle')
        p = rig.kinoctl('sync', 'enable', 'collection')
        eq(p.returncode, 0, 'sync enable exit')
        eq(bool(rig.prop('SyncEnabled')['collection']), True, 'collection toggle back on')
        p = rig.kinoctl('sync', 'disable', 'nonsense')
        eq(p.returncode, 2, 'unknown category exit')
        eq(len(p.stderr.strip().splitlines()), 1, f'one line: {p.stderr!r}')


def test_permission_denied():
    with Rig(standin=False) as rig:
        p = rig.kinoctl('sync', 'disable', 'history', uid=nobody_uid())
        eq(p.returncode, 4, f'denied exit ({p.stdout!r} {p.stderr!r})')
        eq(len(p.stderr.strip().splitlines()), 1, f'one line: {p.stderr!r}')
        check('ermission' in p.stderr, f'does not say permission: {p.stderr!r}')
        eq(bool(rig.prop('SyncEnabled')['history']), True, 'nothing changed')
        # Allowed by polkit: works as non-root.
        rig.polkit_allow('org.kino.trakt.configure')
        p = rig.kinoctl('sync', 'disable', 'history', uid=nobody_uid())
        eq(p.returncode, 0, f'allowed exit ({p.stderr!r})')
        eq(bool(rig.prop('SyncEnabled')['history']), False, 'history off')


def test_daemon_absent():
    with Rig(standin=False, polkit=False, daemon=False) as rig:
        p = rig.kinoctl('status')
        eq(p.returncode, 3, f'daemon-absent exit ({p.stderr!r})')
        eq(len(p.stderr.strip().splitlines()), 1, f'one line: {p.stderr!r}')
        check('not running' in p.stderr, f'does not say not running: {p.stderr!r}')


def test_connect_import_history_disconnect():
    import subprocess
    import time
    with Rig() as rig:
        rig.control('config', {'interval': 1})
        rig.control('seed', {'movies': 3, 'history': 30, 'ratings': 2, 'watchlist': 1})
        rig.call('Configure', 'test-client-id', 'test-client-secret')
        p = subprocess.Popen([rig.kinoctl_path(), 'connect', '--import'], env=rig.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        first = ''
        deadline = time.monotonic() + 30
        while 'enter the code' not in first and time.monotonic() < deadline:
            first += p.stdout.readline()
        check('/activate' in first, f'no verification URL shown: {first!r}')
        rig.control('device/approve', {})
        out, err = p.communicate(timeout=90)
        eq(p.returncode, 0, f'kinoctl connect ({err!r})')
        check('3 watched movies' in out, f'preview not shown: {out!r}')
        check('Import finished' in out, f'import not reported: {out!r}')
        eq(str(rig.prop('State')), 'connected', 'State')
        h = rig.kinoctl('history', '5')
        eq(h.returncode, 0, 'history exit')
        eq(len(h.stdout.strip().splitlines()), 5, f'history lines: {h.stdout!r}')
        check('Synthetic Movie' in h.stdout and '[trakt]' in h.stdout, f'history output: {h.stdout!r}')
        j = rig.kinoctl('--json', 'history', '2')
        eq(len(__import__('json').loads(j.stdout)), 2, 'history --json')
        d = rig.kinoctl('disconnect')
        eq(d.returncode, 0, f'disconnect ({d.stderr!r})')
        eq(str(rig.prop('State')), 'disconnected', 'State after disconnect')
        d = rig.kinoctl('disconnect')
        eq(d.returncode, 1, 'disconnect twice')
        eq(len(d.stderr.strip().splitlines()), 1, f'one line: {d.stderr!r}')


def test_lists_watchlist_recommendations():
    with Rig() as rig:
        rig.control('config', {'interval': 1})
        rig.control('seed', {'movies': 6, 'history': 6, 'watchlist': 2})
        rig.control('recommendations', {'movies': [{'ids': {'trakt': 28}}]})
        rig.call('Configure', 'test-client-id', 'test-client-secret')
        import subprocess
        import time
        p = subprocess.Popen([rig.kinoctl_path(), 'connect', '--import'], env=rig.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(0.5)
        wait_until(lambda: str(rig.prop('State')) == 'authorizing', what='authorizing')
        rig.control('device/approve', {})
        out, err = p.communicate(timeout=90)
        eq(p.returncode, 0, f'connect ({err!r})')
        lst = rig.kinoctl('lists')
        check('watchlist' in lst.stdout and '2 items' in lst.stdout and '(system)' in lst.stdout, f'lists: {lst.stdout!r}')
        wl = rig.kinoctl('watchlist')
        eq(len(wl.stdout.strip().splitlines()), 2, f'watchlist: {wl.stdout!r}')
        rec = rig.kinoctl('recommendations', 'movie')
        check('Guardians of the Galaxy (2014)' in rec.stdout, f'recommendations: {rec.stdout!r}')
        bad = rig.kinoctl('recommendations', 'person')
        eq(bad.returncode, 2, 'bad kind')
        rm = rig.kinoctl('lists', 'remove', 'watchlist')
        eq(rm.returncode, 1, 'removing the system list')
        check('system list' in rm.stderr, f'message: {rm.stderr!r}')


def test_daemon_hangs():
    """A daemon that owns its name but never answers (stopped with SIGSTOP):
    kinoctl says so and where to look, not a bare "Connection timed out"."""
    import signal
    with Rig(standin=False) as rig:
        rig.daemon.send_signal(signal.SIGSTOP)
        try:
            # sd-bus's method call timeout (25 s by default), shortened.
            p = rig.kinoctl('status', env={'SYSTEMD_BUS_TIMEOUT': '2'})
        finally:
            rig.daemon.send_signal(signal.SIGCONT)
        eq(p.returncode, 3, f'exit ({p.stderr!r})')
        eq(p.stderr.strip(), "kino-traktd did not answer in time; see 'journalctl -u kino-traktd' for why.", 'message')
        eq(p.stdout, '', 'stdout')
        p = rig.kinoctl('status')
        eq(p.returncode, 0, f'after SIGCONT ({p.stderr!r})')
