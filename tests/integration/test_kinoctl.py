"""kinoctl against the real daemon: output, exit codes, one clean line on errors."""
import json
import os
import shutil
import subprocess

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


FAKE_AGENT = r'''#!/bin/sh
# Stands in for polkit's pkttyagent (a system program, not ours): says how it
# was started, whether it had the terminal, tells kinoctl it registered, and
# waits to be sent away.
log="$(dirname "$0")/agent.log"
if [ -t 0 ]; then tty=tty; else tty=notty; fi
echo "started $* $tty" >> "$log"
trap 'echo terminated >> "$log"; exit 0' TERM
fd=$2
eval "echo ready >&$fd"
eval "exec $fd>&-"
while :; do sleep 0.05; done
'''


def run_on_terminal(cmd, env):
    """Run cmd with a pseudo-terminal as its stdin, stdout and stderr; its output."""
    import pty
    import select
    import subprocess
    import time
    from harness import SLOW
    main, sub = pty.openpty()
    p = subprocess.Popen(cmd, stdin=sub, stdout=sub, stderr=sub, env=env, start_new_session=True)
    os.close(sub)
    out = b''
    deadline = time.monotonic() + 60 * SLOW
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                chunk = b''
            if not chunk and p.poll() is not None:
                break
            out += chunk
        elif p.poll() is not None:
            break
    os.close(main)
    p.wait(10)
    return p.returncode, out.decode(errors='replace')


def test_polkit_agent_on_a_terminal():
    """Like systemctl: a person at a terminal who may be asked for a password
    gets pkttyagent started for kinoctl's call (--fallback, so a desktop's
    agent stays first), waited for until it registered and sent away at the
    end; not without a terminal, not for root, not with KINOCTL_NO_AGENT=1."""
    import tempfile
    with Rig(standin=False) as rig:
        rig.polkit_allow('org.kino.trakt.configure')
        # Outside the rig's folder: the other uid must reach it.
        folder = tempfile.mkdtemp(prefix='kt-agent-')
        try:
            agent_checks(rig, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def agent_checks(rig, folder):
    """The checks of test_polkit_agent_on_a_terminal, with the fake agent in folder."""
    os.chmod(folder, 0o777)
    fake = os.path.join(folder, 'pkttyagent')
    with open(fake, 'w') as f:
        f.write(FAKE_AGENT)
    os.chmod(fake, 0o755)
    log = os.path.join(folder, 'agent.log')
    env = dict(rig.env)
    env['PATH'] = folder + ':' + env.get('PATH', '/usr/bin:/bin')
    user = nobody_uid()
    as_user = ['setpriv', f'--reuid={user}', f'--regid={user}', '--clear-groups', rig.kinoctl_path()]

    def agent_log():
        return open(log).read() if os.path.exists(log) else ''

    code, out = run_on_terminal(as_user + ['sync', 'disable', 'history'], env)
    eq(code, 0, f'kinoctl on a terminal ({out!r})')
    eq(bool(rig.prop('SyncEnabled')['history']), False, 'history off')
    lines = agent_log().splitlines()
    check(len(lines) == 2 and lines[0].startswith('started --notify-fd ') and lines[0].endswith(' --fallback tty'),
          f'the agent was not started on the terminal as pkttyagent --notify-fd N --fallback: {lines!r}')
    eq(lines[-1], 'terminated', 'the agent after kinoctl ended')

    # No terminal, root, or turned off: no agent.
    os.unlink(log)
    p = subprocess.run(as_user + ['sync', 'enable', 'history'], env=env, capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, f'kinoctl without a terminal ({p.stderr!r})')
    code, out = run_on_terminal([rig.kinoctl_path(), 'sync', 'disable', 'history'], env)
    eq(code, 0, f'root on a terminal ({out!r})')
    off = dict(env, KINOCTL_NO_AGENT='1')
    code, out = run_on_terminal(as_user + ['sync', 'enable', 'history'], off)
    eq(code, 0, f'KINOCTL_NO_AGENT=1 on a terminal ({out!r})')
    eq(agent_log(), '', 'an agent started without a terminal, for root or with KINOCTL_NO_AGENT=1')
    # Status needs no authentication: no agent either.
    code, out = run_on_terminal(as_user + ['status'], env)
    eq(code, 0, f'status on a terminal ({out!r})')
    eq(agent_log(), '', 'an agent started for kinoctl status')
