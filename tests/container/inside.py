#!/usr/bin/python3
"""The checks inside the container (tests/container/run.py boots it and runs
this as a systemd unit, as root, once the system is up). In order, stopping
at the first failure:

  install        the README's "Installing for real" commands, verbatim, as a
                 user with sudo; the install itself creates kino-trakt
  activation     the first call starts kino-traktd.service through systemd
                 (dbus-daemon's "Activating via systemd"), running as
                 kino-trakt
  session        alice is in an active local session on seat0 (a PAM login
                 session made by systemd-run), bob has no session
  no-agent       alice's `kinoctl configure` with no polkit agent: refused
                 with kinoctl's sentence for it (polkitd's "challenge")
  agent          the same on a terminal: kinoctl starts pkttyagent itself
                 (like systemctl), which asks for alice's password there
                 (auth_admin_keep; alice is in the sudo group): done
  connect        root connects to the stand-in and imports
  use            as alice: kinoctl status, history and a scrobbling session
                 (CreateSession; the stand-in receives the scrobbles)
  no-session     bob's `kinoctl history`: refused, "not allowed"
  user-manager   a process of alice's systemd user manager (user@UID.service,
                 in no logind session: what a user service is) while alice
                 has only a local text session (Type=tty, seat0): kinoctl
                 history and CreateSessionFor allowed (polkitd maps a process
                 outside any session to the uid's "display" session, which
                 logind elects among text sessions too); with only a text
                 session with no seat (an SSH login), and with no session
                 left (the manager kept by linger): both refused
  mpris          alice in a desktop session (Type=wayland): the README's
                 `systemctl --user enable --now kino-trakt-mpris` runs the
                 bridge in her user manager, sandboxed as the unit says; it
                 owns org.kino.Trakt.Mpris on her session bus, is on the
                 system bus, creates no session with no player, and XDG
                 autostart made no second copy; a stand-in MPRIS player
                 (python-dbus, in her user manager) plays
                 The.Expanse.S01E02.mkv: the bridge creates a session
                 (CreateSessionFor, named after the player) and Trakt gets
                 the scrobble start; the player quits at 95 %: the stop, a
                 watch in alice's history, no warning from the bridge
  journal        no warnings or errors from the daemon, no sandbox refusal
                 in the whole journal, the refusal logged at info
  security       systemd-analyze security on the running unit: 2.0 or less
  idle           after a disconnect the daemon exits on its own, and the next
                 call starts it again

Writes /kt/started first, then /kt/inside.log as it goes, /kt/result.json
at the end and, on a failure, /kt/diagnostics.txt (journal and status).

`inside.py agent PASSWORD -- COMMAND...` is the helper that runs COMMAND on
a terminal of its own, typing PASSWORD at the password prompt (kinoctl starts
pkttyagent there itself). `inside.py player NAME URL LENGTH POSITION` is the stand-in MPRIS
player: on the session bus as org.mpris.MediaPlayer2.NAME, playing URL
(LENGTH seconds long) from POSITION seconds, until it is stopped.
"""
import json
import os
import pty
import pwd
import re
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time
import urllib.request

KT = '/kt'
KINOCTL = '/usr/bin/kinoctl'
UNIT = 'kino-traktd.service'
NOT_ALLOWED = ('Permission denied: your account is not allowed to do this (polkit action org.kino.trakt.use); '
               'ask an administrator.')
NO_AGENT = ('Permission denied: this needs authentication and no polkit agent could ask for it; '
            'run it on a terminal or in a desktop session, or as root.')
CLIENT_ID, CLIENT_SECRET = 'test-client-id', 'test-client-secret'   # the stand-in's app

T0 = time.monotonic()
LOG = None
measured = {}


class Failure(Exception):
    pass


def say(msg):
    line = f'[inside {time.monotonic() - T0:6.1f}s] {msg}'
    print(line, flush=True)
    if LOG:
        LOG.write(line + '\n')
        LOG.flush()


def check(cond, what):
    if not cond:
        raise Failure(what)


def run(cmd, check_rc=True, timeout=120, **kw):
    kw.setdefault('capture_output', True)
    kw.setdefault('text', True)
    p = subprocess.run(cmd, timeout=timeout, **kw)
    if check_rc and p.returncode != 0:
        raise Failure(f'{" ".join(cmd)}: exit {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}')
    return p


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Failure(f'timed out after {timeout} s waiting for {what}')
        time.sleep(0.2)


def unit_props(*names):
    out = run(['systemctl', 'show', UNIT, '-p', ','.join(names)]).stdout
    return dict(l.split('=', 1) for l in out.splitlines() if '=' in l)


def journal(*args):
    return run(['journalctl', '--no-pager', '-b', *args]).stdout


def trakt(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f'{P["trakt"]}/_control/{path}', data=data,
                                 method='POST' if data is not None else 'GET',
                                 headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
    return json.loads(raw) if raw else None


def in_session(user, cmd, input=None, timeout=120):
    """cmd as user in a PAM login session on seat0 (logind makes it the
    active local session: no other session is on the seat). The class is a
    person's ("user"), not the "background" pam_systemd picks for a session
    without a terminal; polkit looks only at active and local."""
    return run(['systemd-run', '--quiet', '--wait', '--pipe', '--collect', '-p', 'PAMName=login', '-p', f'User={user}',
                '-E', 'XDG_SEAT=seat0', '-E', 'XDG_SESSION_CLASS=user', '--', *cmd],
               check_rc=False, input=input, timeout=timeout)


def without_session(user, cmd):
    """cmd as user straight from this system service: no logind session."""
    return run(['setpriv', f'--reuid={user}', f'--regid={user}', '--init-groups', '--reset-env', '--', *cmd],
               check_rc=False)


def as_user(user, cmd):
    """cmd as user with the environment of a login in which the user's
    systemd manager and session bus run (systemctl --user, busctl --user)."""
    uid = pwd.getpwnam(user).pw_uid
    return without_session(user, ['env', f'XDG_RUNTIME_DIR=/run/user/{uid}',
                                  f'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/{uid}/bus', *cmd])


def in_user_manager(user, cmd, unit=None):
    """cmd run by the user's systemd manager (user@UID.service) as a
    transient user service, as a user unit runs: in no logind session. With
    unit, started in the background under that name."""
    opts = ['--wait', '--pipe', '--collect'] if unit is None else [f'--unit={unit}', '--collect']
    return as_user(user, ['systemd-run', '--user', '--quiet', *opts, '--', *cmd])


def user_sessions(user):
    return run(['loginctl', 'show-user', user, '-P', 'Sessions'], check_rc=False).stdout.split()


def start_session(user, unit, session_type, seat='seat0'):
    """A lasting PAM login session of session_type for user, on seat (None:
    no seat, as an SSH login has); the unit's process holds it open until
    the unit stops. Returns its id once the user's manager and session bus
    run."""
    before = set(user_sessions(user))
    run(['systemd-run', '--quiet', f'--unit={unit}', '--collect', '-p', 'PAMName=login', '-p', f'User={user}',
         *(['-E', f'XDG_SEAT={seat}'] if seat else []), '-E', 'XDG_SESSION_CLASS=user',
         '-E', f'XDG_SESSION_TYPE={session_type}', '--', 'sleep', 'infinity'])
    new = wait_until(lambda: set(user_sessions(user)) - before, 30, f'{user}\'s {session_type} session')
    uid = pwd.getpwnam(user).pw_uid
    wait_until(lambda: os.path.exists(f'/run/user/{uid}/bus') and
               run(['systemctl', 'is-active', f'user@{uid}.service'], check_rc=False).stdout.strip() == 'active',
               30, f'{user}\'s user manager and session bus')
    return new.pop()


def end_session(user, unit, session):
    run(['systemctl', 'stop', unit])
    wait_until(lambda: session not in user_sessions(user), 30, f'{user}\'s session {session} to end')


def display_session(user):
    return run(['loginctl', 'show-user', user, '-P', 'Display']).stdout.strip()


def session_props(session, *names):
    out = run(['loginctl', 'show-session', session, *(a for n in names for a in ('-p', n))]).stdout
    return dict(l.split('=', 1) for l in out.splitlines() if '=' in l)


def user_manager_tries(user):
    """What the daemon answers a process of user's systemd manager: kinoctl
    history and a CreateSessionFor (which ends when busctl leaves the bus)."""
    p = in_user_manager(user, ['sh', '-c', 'grep -q "/user@[0-9]*\\.service/" /proc/self/cgroup && '
                                           '! grep -q "/session-" /proc/self/cgroup || '
                                           '{ echo "not in the user manager:"; cat /proc/self/cgroup; exit 99; } >&2; '
                                           'exec kinoctl history 1'])
    check(p.returncode != 99, p.stderr)
    q = in_user_manager(user, ['busctl', '--system', 'call', 'org.kino.Trakt', '/org/kino/Trakt', 'org.kino.Trakt',
                               'CreateSessionFor', 'a{sv}', '1', 'application', 's', 'container-test'])
    return p, q


# ---------------------------------------------------------------- the checks

def step_install():
    run(['useradd', '--create-home', '--shell', '/bin/bash', 'dev'])
    with open('/etc/sudoers.d/dev', 'w') as f:
        f.write('dev ALL=(ALL:ALL) NOPASSWD: ALL\n')
    os.chmod('/etc/sudoers.d/dev', 0o440)
    run(['chown', '-R', 'dev:dev', P['source']])
    # What an administrator writes before or after installing: Trakt is the stand-in.
    os.makedirs('/etc/kino', exist_ok=True)
    with open('/etc/kino/trakt.conf', 'w') as f:
        f.write(f'[Trakt]\napi_url={P["trakt"]}\nauth_url={P["trakt"]}\n')
    check(run(['getent', 'passwd', 'kino-trakt'], check_rc=False).returncode != 0, 'kino-trakt exists before the install')

    started = time.monotonic()
    p = run(['runuser', '-u', 'dev', '--', 'bash', '-e', '-x', f'{KT}/install.sh'], cwd=P['source'],
            check_rc=False, timeout=900)
    measured['README install (meson setup, ninja, meson install)'] = f'{time.monotonic() - started:.1f} s'
    check(p.returncode == 0, f'the README\'s install failed: exit {p.returncode}:\n{(p.stdout + p.stderr)[-4000:]}')
    check(run(['getent', 'passwd', 'kino-trakt'], check_rc=False).returncode == 0,
          'meson install did not create the kino-trakt user')
    for f in ('/usr/libexec/kino-traktd', KINOCTL, '/usr/share/dbus-1/system.d/org.kino.Trakt.conf',
              '/usr/share/polkit-1/actions/org.kino.trakt.policy', '/usr/lib/sysusers.d/kino-trakt.conf'):
        check(os.path.exists(f), f'{f} is not installed')
    check(os.path.exists('/lib/systemd/system/kino-traktd.service') or
          os.path.exists('/usr/lib/systemd/system/kino-traktd.service'), 'the unit is not installed')


def step_activation():
    p = run([KINOCTL, 'status'], check_rc=False)
    check(p.returncode == 0, f'kinoctl status as root: exit {p.returncode}: {p.stderr.strip()}')
    check('unconfigured' in p.stdout, f'status: {p.stdout!r}')
    props = unit_props('ActiveState', 'SubState', 'MainPID', 'InvocationID')
    check(props.get('ActiveState') == 'active' and props.get('SubState') == 'running', f'the unit: {props}')
    pid = props['MainPID']
    uid = [l.split()[1] for l in open(f'/proc/{pid}/status') if l.startswith('Uid:')][0]
    check(int(uid) == pwd.getpwnam('kino-trakt').pw_uid, f'the daemon runs as uid {uid}, not kino-trakt')
    bus = journal('-u', 'dbus.service')
    check("Activating via systemd: service name='org.kino.Trakt' unit='kino-traktd.service'" in bus,
          'dbus-daemon did not activate the service through systemd:\n' + bus[-2000:])
    say(f'activated through systemd: pid {pid}, uid {uid} (kino-trakt), invocation {props["InvocationID"]}')
    return props['InvocationID']


def step_users():
    run(['useradd', '--create-home', '--shell', '/bin/bash', '--groups', 'sudo', 'alice'])
    run(['chpasswd'], input=f'alice:{P["password"]}\n')
    run(['useradd', '--create-home', '--shell', '/bin/bash', 'bob'])
    for user in ('alice', 'bob'):
        path = f'/home/{user}/secret'
        with open(path, 'w') as f:
            f.write(CLIENT_SECRET + '\n')
        run(['chown', f'{user}:{user}', path])
        os.chmod(path, 0o600)


def step_session():
    p = in_session('alice', ['sh', '-c', 'loginctl show-session "$XDG_SESSION_ID" -p Active -p Seat -p Remote -p Class'])
    got = dict(l.split('=', 1) for l in p.stdout.split() if '=' in l)
    check(p.returncode == 0 and got == {'Active': 'yes', 'Seat': 'seat0', 'Remote': 'no', 'Class': 'user'},
          f'alice\'s session is not active and local on seat0: {got} {p.stderr}')
    p = without_session('bob', ['cat', '/proc/self/cgroup'])
    check(p.returncode == 0 and 'session-' not in p.stdout, f'bob is in a session: {p.stdout!r}')
    say(f'alice: {got}; bob: no session ({p.stdout.strip().splitlines()[-1]})')


def configure_cmd(user):
    return [KINOCTL, 'configure', '--client-id', CLIENT_ID, '--client-secret-file', f'/home/{user}/secret']


def step_no_agent():
    p = in_session('alice', configure_cmd('alice'))
    check(p.returncode == 4 and p.stderr.strip() == NO_AGENT,
          f'kinoctl configure without an agent: exit {p.returncode}, {p.stderr.strip()!r}; want 4, {NO_AGENT!r}')
    p = run([KINOCTL, 'status'])
    check('unconfigured' in p.stdout, f'configured anyway: {p.stdout!r}')
    # What polkitd answered, as the daemon read it: "not authorized, challenge"
    # (polkit's source returns that unchanged when it finds no agent).
    said = 'polkit wants authentication for org.kino.trakt.configure, and no polkit agent could ask for it'
    check(said in journal('-u', UNIT), f'the daemon did not log {said!r}')


def step_agent():
    p = in_session('alice', ['/usr/bin/python3', f'{KT}/inside.py', 'agent', P['password'], '--', *configure_cmd('alice')])
    say('kinoctl configure on a terminal:\n' + p.stderr[-1500:])
    check(p.returncode == 0, f'kinoctl configure on a terminal: exit {p.returncode}: {p.stdout} {p.stderr[-1500:]}')
    check('AUTHENTICATING FOR org.kino.trakt.configure' in p.stderr and 'AUTHENTICATION COMPLETE' in p.stderr,
          f'kinoctl\'s pkttyagent did not ask and authenticate: {p.stderr[-1500:]}')
    p = run([KINOCTL, 'status'])
    check(CLIENT_ID in p.stdout and 'disconnected' in p.stdout, f'not configured: {p.stdout!r}')


def step_connect():
    c = subprocess.Popen([KINOCTL, 'connect', '--import'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: 'authorizing' in run([KINOCTL, 'status']).stdout, 30, 'the device code')
        trakt('device/approve', {})
        out, err = c.communicate(timeout=120)
    finally:
        if c.poll() is None:
            c.kill()
    check(c.returncode == 0, f'kinoctl connect --import: exit {c.returncode}: {out} {err}')
    check('connected' in run([KINOCTL, 'status']).stdout, 'not connected')


def step_use():
    p = in_session('alice', [KINOCTL, 'status'])
    check(p.returncode == 0 and 'connected' in p.stdout, f'alice: kinoctl status: {p.returncode} {p.stdout} {p.stderr}')
    p = in_session('alice', [KINOCTL, 'history'])
    check(p.returncode == 0 and 'Synthetic Movie' in p.stdout,
          f'alice: kinoctl history: exit {p.returncode}: {p.stdout!r} {p.stderr!r}')
    trakt('requests/clear', {})
    p = in_session('alice', [KINOCTL, 'watch', 'movie:imdb=tt0372784', '--progress', '5'], input='stop 97\n')
    check(p.returncode == 0 and 'stopped at 97.0%' in p.stdout,
          f'alice: kinoctl watch: exit {p.returncode}: {p.stdout!r} {p.stderr!r}')

    def sent():
        return [r['path'] for r in trakt('requests') if r['path'].startswith('/scrobble/')]
    wait_until(lambda: '/scrobble/stop' in sent(), 30, 'the scrobble to reach Trakt')
    check(sent()[0] == '/scrobble/start', f'scrobbles: {sent()}')
    p = in_session('alice', [KINOCTL, 'history', '1'])
    check(p.returncode == 0 and 'Batman Begins' in p.stdout, f'the watch is not in the history: {p.stdout!r}')
    say(f'alice: status, history, a watch scrobbled ({", ".join(sent())})')


def step_no_session():
    p = without_session('bob', [KINOCTL, 'history'])
    check(p.returncode == 4 and p.stderr.strip() == NOT_ALLOWED,
          f'bob without a session: exit {p.returncode}, {p.stderr.strip()!r}; want 4, {NOT_ALLOWED!r}')
    p = without_session('bob', [KINOCTL, 'status'])
    check(p.returncode == 0, f'bob: kinoctl status (public properties): {p.returncode} {p.stderr}')


def denials_logged():
    return journal('-u', UNIT, '-o', 'cat').count('Denied CreateSessionFor ')


def step_user_manager():
    """A user service (the MPRIS bridge) runs in user@UID.service, outside
    every logind session. polkitd 122 (polkitbackendsessionmonitor-systemd.c)
    takes a process with no session of its own to its uid's "display"
    session (sd_uid_get_display): local if that session has a seat, active
    if any session of the uid is. logind elects the display among the
    user's sessions of class user, text sessions too."""
    uid = pwd.getpwnam('alice').pw_uid

    def allowed(when):
        history, create = user_manager_tries('alice')
        check(history.returncode == 0 and 'Batman Begins' in history.stdout,
              f'alice\'s user manager, {when}: kinoctl history: exit {history.returncode}: '
              f'{history.stdout!r} {history.stderr.strip()!r}')
        check(create.returncode == 0 and create.stdout.startswith('o "/org/kino/Trakt/session/'),
              f'alice\'s user manager, {when}: CreateSessionFor: exit {create.returncode}: '
              f'{create.stdout!r} {create.stderr.strip()!r}')

    def refused(when):
        denied = denials_logged()
        history, create = user_manager_tries('alice')
        check(history.returncode == 4 and history.stderr.strip() == NOT_ALLOWED,
              f'alice\'s user manager, {when}: kinoctl history: exit {history.returncode}, '
              f'{history.stderr.strip()!r}; want 4, {NOT_ALLOWED!r}')
        check(create.returncode != 0 and denials_logged() == denied + 1,
              f'alice\'s user manager, {when}: CreateSessionFor: exit {create.returncode}: '
              f'{create.stdout!r} {create.stderr.strip()!r}; want a refusal')

    # Only a local text session (a console login): it is the display.
    tty = start_session('alice', 'kt-alice-tty', 'tty')
    props = session_props(tty, 'Type', 'Class', 'Active', 'Seat', 'Remote')
    check(props == {'Type': 'tty', 'Class': 'user', 'Active': 'yes', 'Seat': 'seat0', 'Remote': 'no'} and
          display_session('alice') == tty, f'alice\'s text session: {props}, display {display_session("alice")!r}')
    allowed('a local text session only')
    say(f'alice\'s user manager (user@{uid}.service), only a local text session ({tty}, the display, seat0): '
        'history and CreateSessionFor allowed')

    # Only a text session with no seat (an SSH login): the display, not local.
    ssh = start_session('alice', 'kt-alice-ssh', 'tty', seat=None)
    end_session('alice', 'kt-alice-tty.service', tty)
    props = session_props(ssh, 'Type', 'Active', 'Seat')
    check(props == {'Type': 'tty', 'Active': 'yes', 'Seat': ''} and display_session('alice') == ssh,
          f'alice\'s seatless session: {props}, display {display_session("alice")!r}')
    refused('a text session with no seat only')
    say(f'alice\'s user manager, only a text session with no seat ({ssh}, the display): refused')

    # No session at all, the manager kept by linger: no display session.
    run(['loginctl', 'enable-linger', 'alice'])
    end_session('alice', 'kt-alice-ssh.service', ssh)
    check(not user_sessions('alice') and
          run(['loginctl', 'show-user', 'alice', '-P', 'State']).stdout.strip() == 'lingering',
          'alice\'s user manager is not lingering without a session')
    refused('no session (linger)')
    run(['loginctl', 'disable-linger', 'alice'])
    say('alice\'s user manager with no session (linger): refused')


MPRIS_UNIT = 'kino-trakt-mpris.service'
MPRIS_ENTRY = 'kino-trakt-mpris.desktop'
PLAYER = 'ktplayer'
EPISODE = 'The.Expanse.S01E02.mkv'
EXPANSE = {'title': 'The Expanse', 'year': 2015, 'ids': {'trakt': 77199, 'tvdb': 280619, 'imdb': 'tt3230854'},
           'episodes': [{'season': 1, 'number': 2, 'ids': {'trakt': 1376002, 'tvdb': 5300002}}]}


def autostart_units(entry):
    """The units systemd's XDG autostart generator makes of an autostart
    entry with this text, as it runs in a user manager."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(f'{d}/xdg/autostart')
        os.makedirs(f'{d}/out')
        with open(f'{d}/xdg/autostart/{MPRIS_ENTRY}', 'w') as f:
            f.write(entry)
        run(['env', f'XDG_CONFIG_DIRS={d}/xdg', f'XDG_CONFIG_HOME={d}/home', f'XDG_DATA_DIRS={d}/data',
             '/usr/lib/systemd/user-generators/systemd-xdg-autostart-generator', f'{d}/out', f'{d}/out', f'{d}/out'])
        return sorted(f for _, _, files in os.walk(f'{d}/out') for f in files if f.endswith('.service'))


def step_mpris():
    uid = pwd.getpwnam('alice').pw_uid
    desktop = start_session('alice', 'kt-alice-desktop', 'wayland')
    check(display_session('alice') == desktop, 'alice\'s desktop session is not her display session')

    # systemd's XDG autostart generator ran when her manager started: it
    # skipped the autostart entry (the unit is the way here), which it would
    # run without X-systemd-skip (systemd 252 ignores X-GNOME-HiddenUnderSystemd).
    late = f'/run/user/{uid}/systemd/generator.late'   # removed when empty
    made = [f for f in (os.listdir(late) if os.path.isdir(late) else []) if 'kino' in f]
    check(not made, f'XDG autostart made units for the bridge next to its own: {made}')
    entry = open(f'/etc/xdg/autostart/{MPRIS_ENTRY}').read()
    check(autostart_units(entry) == [], 'the generator makes a unit of the autostart entry')
    unskipped = autostart_units(entry.replace('X-systemd-skip=true', ''))
    check(unskipped, 'the generator makes no unit even of the entry without X-systemd-skip: '
                     'the check above proves nothing')

    p = as_user('alice', ['systemctl', '--user', 'enable', '--now', 'kino-trakt-mpris'])
    check(p.returncode == 0, f'systemctl --user enable --now kino-trakt-mpris: exit {p.returncode}: {p.stderr}')

    def user_unit(*names):
        out = as_user('alice', ['systemctl', '--user', 'show', MPRIS_UNIT, '-p', ','.join(names)]).stdout
        return dict(l.split('=', 1) for l in out.splitlines() if '=' in l)

    def bridge_log():
        return journal(f'_SYSTEMD_USER_UNIT={MPRIS_UNIT}', '-o', 'cat')

    wait_until(lambda: 'Watching MPRIS players' in bridge_log(), 30, 'the bridge to watch the players')
    props = user_unit('ActiveState', 'SubState', 'MainPID', 'NRestarts')
    check(props['ActiveState'] == 'active' and props['SubState'] == 'running' and props['NRestarts'] == '0',
          f'the bridge\'s unit: {props}')
    pid = props['MainPID']
    cgroup = open(f'/proc/{pid}/cgroup').read()
    check(f'/user@{uid}.service/' in cgroup and '/session-' not in cgroup, f'the bridge runs elsewhere: {cgroup}')
    owner = as_user('alice', ['busctl', '--user', 'status', '--no-pager', 'org.kino.Trakt.Mpris'])
    check(owner.returncode == 0 and f'PID={pid}' in owner.stdout.splitlines(),
          f'org.kino.Trakt.Mpris on alice\'s session bus: {owner.stdout!r} {owner.stderr!r}; want PID={pid}')
    system_peers = run(['busctl', '--system', 'list', '--no-pager', '--no-legend', '--unique']).stdout
    check(any(l.split()[1:2] == [pid] for l in system_peers.splitlines()),
          f'the bridge (pid {pid}) is not on the system bus')
    created = journal('-u', UNIT, '-o', 'cat').count(' created for ')
    time.sleep(2)
    check(journal('-u', UNIT, '-o', 'cat').count(' created for ') == created, 'a session with no player playing')
    say(f'bridge: pid {pid} in user@{uid}.service, owns org.kino.Trakt.Mpris on alice\'s session bus, '
        f'on the system bus, no session without a player')

    # A player plays the last 90 s of a 30 min episode Trakt knows.
    trakt('catalogue', {'shows': [EXPANSE]})
    trakt('requests/clear', {})
    url = f'file:///home/alice/Videos/{EPISODE}'
    started = time.monotonic()
    p = in_user_manager('alice', ['/usr/bin/python3', f'{KT}/inside.py', 'player', PLAYER, url, '1800', '1710'],
                        unit='kt-player')
    check(p.returncode == 0, f'the stand-in player did not start: {p.stderr}')

    def sent(kind):
        return [r for r in trakt('requests') if r['path'] == f'/scrobble/{kind}']
    wait_until(lambda: sent('start'), 30, 'the bridge\'s scrobble start to reach Trakt')
    measured['MPRIS bridge: player started → scrobble start at Trakt'] = f'{time.monotonic() - started:.1f} s'
    body = sent('start')[0].get('body') or {}
    episode = body.get('episode') or {}
    named = ((body.get('show') or {}).get('title'), episode.get('season'), episode.get('number'))
    check((episode.get('ids') or {}).get('trakt') == 1376002 or named == ('The Expanse', 1, 2),
          f'the scrobble start names something else: {body}')
    check('Stand-in Player: start “The Expanse S01E02”' in bridge_log(),
          f'the bridge did not say what it started:\n{bridge_log()[-2000:]}')
    mine = [l for l in journal('-u', UNIT, '-o', 'cat').splitlines() if ' created for ' in l and 'Stand-in Player' in l]
    check(mine and f'(uid {uid}, Stand-in Player)' in mine[-1],
          f'no session for the player in the daemon\'s journal: {mine}')

    as_user('alice', ['systemctl', '--user', 'stop', 'kt-player.service'])
    wait_until(lambda: sent('stop'), 30, 'the scrobble stop once the player quit')
    progress = sent('stop')[0].get('body', {}).get('progress', 0)
    check(progress >= 95, f'stopped at {progress} %, want the 95 % and more it played to')
    p = in_user_manager('alice', [KINOCTL, 'history', '1'])
    check(p.returncode == 0 and 'The Expanse' in p.stdout,
          f'the watch is not in alice\'s history: {p.stdout!r} {p.stderr!r}')
    say(f'stand-in player ({EPISODE}, 30 min): session "{mine[-1]}"; Trakt got '
        f'{", ".join(r["path"] for r in trakt("requests") if r["path"].startswith("/scrobble/"))} '
        f'(stop at {progress:.1f} %)')

    p = as_user('alice', ['systemctl', '--user', 'disable', '--now', 'kino-trakt-mpris'])
    check(p.returncode == 0, f'systemctl --user disable --now kino-trakt-mpris: {p.stderr}')
    check(user_unit('Result')['Result'] == 'success', f'the bridge\'s unit: {user_unit("Result", "ExecMainStatus")}')
    entries = [json.loads(l) for l in journal(f'_SYSTEMD_USER_UNIT={MPRIS_UNIT}', '-o', 'json').splitlines() if l]
    loud = [(e['PRIORITY'], e['MESSAGE']) for e in entries if int(e.get('PRIORITY', 6)) <= 4]
    check(not loud, f'the bridge logged warnings or errors: {loud}')
    run(['systemctl', 'stop', 'kt-alice-desktop.service'])
    wait_until(lambda: not user_sessions('alice'), 30, 'alice\'s desktop session to end')


SANDBOX_REFUSALS = re.compile(r'Operation not permitted|Permission denied|Read-only file system|seccomp|SECCOMP|'
                              r'audit.*(denied|1326)|Bad system call|status=31/SYS', re.I)


def step_journal():
    entries = [json.loads(l) for l in journal('-u', UNIT, '-o', 'json').splitlines() if l.strip()]
    daemon = [e for e in entries if e.get('_COMM') == 'kino-traktd' or e.get('SYSLOG_IDENTIFIER') == 'kino-traktd']
    check(len(daemon) > 5, f'too few daemon lines in the journal: {len(daemon)}')
    loud = [(e['PRIORITY'], e['MESSAGE']) for e in daemon if int(e.get('PRIORITY', 6)) <= 4]
    check(not loud, f'the daemon logged warnings or errors: {loud}')
    denials = [(e['PRIORITY'], e['MESSAGE']) for e in daemon if str(e.get('MESSAGE', '')).startswith('Denied ')]
    check(denials and all(p == '6' for p, _ in denials), f'refusals not at info: {denials}')
    everything = journal('-o', 'short-monotonic')
    refusals = [l for l in everything.splitlines() if SANDBOX_REFUSALS.search(l) and 'kino' in l.lower()]
    check(not refusals, 'sandbox refusals in the journal:\n' + '\n'.join(refusals))
    props = unit_props('NRestarts', 'Result')
    check(props == {'NRestarts': '0', 'Result': 'success'}, f'the unit: {props}')
    say(f'journal: {len(daemon)} daemon lines, none above info; {len(denials)} refusal(s) at info; no sandbox refusal')


def step_security():
    p = run(['systemd-analyze', 'security', '--no-pager', UNIT])
    m = re.search(r'Overall exposure level for kino-traktd\.service: (\d+\.\d+)', p.stdout)
    check(m, f'no exposure level: {p.stdout[-1500:]}')
    measured['systemd-analyze security (running unit)'] = m.group(1)
    check(float(m.group(1)) <= 2.0, f'exposure {m.group(1)} is above 2.0')


def step_idle(first_invocation):
    run([KINOCTL, 'disconnect'])
    started = time.monotonic()
    wait_until(lambda: unit_props('ActiveState')['ActiveState'] == 'inactive', 90, 'the idle exit')
    measured['idle exit after the disconnect'] = f'{time.monotonic() - started:.0f} s'
    props = unit_props('Result', 'ExecMainStatus')
    check(props == {'Result': 'success', 'ExecMainStatus': '0'}, f'the idle exit: {props}')
    p = in_session('alice', [KINOCTL, 'status'])
    check(p.returncode == 0 and 'disconnected' in p.stdout, f're-activation: {p.returncode} {p.stdout} {p.stderr}')
    props = unit_props('ActiveState', 'InvocationID')
    check(props['ActiveState'] == 'active' and props['InvocationID'] != first_invocation, f'not re-activated: {props}')
    check(unit_props('NRestarts')['NRestarts'] == '0', 'restarted rather than re-activated')


# ---------------------------------------------------------------- the agent helper

def agent_main(password, cmd):
    """Runs cmd on a terminal of its own (a pty), as a person at a terminal
    would, typing password at the first password prompt. kinoctl starts the
    polkit agent (pkttyagent) itself when it sits at a terminal, like
    systemctl; the agent asks on that terminal. What the terminal showed goes
    to stderr; the exit status is cmd's."""
    child, master = pty.fork()
    if child == 0:
        os.execv(cmd[0], cmd)
    out, typed = b'', False
    deadline = time.monotonic() + 120
    status = None
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.05 if b'Password:' in out and not typed else 0.2)
        if r:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b''
            out += data
        # pkttyagent prints the prompt, then turns echo off with TCSAFLUSH,
        # which drops what was typed in between: type once echo is off (a
        # pty master reads its slave's modes).
        if not typed and b'Password:' in out and not termios.tcgetattr(master)[3] & termios.ECHO:
            os.write(master, password.encode() + b'\n')
            typed = True
        pid, st = os.waitpid(child, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(st)
            break
    try:
        while select.select([master], [], [], 0.1)[0]:
            out += os.read(master, 4096)
    except OSError:
        pass
    text = re.sub(r'\x1b\[[0-9;]*m', '', out.decode(errors='replace')).replace('\r', '')
    sys.stderr.write(text.replace(password, '***'))
    if status is None:
        os.kill(child, signal.SIGKILL)
        sys.stderr.write('\n(the command did not finish)\n')
        return 124
    return status


# ---------------------------------------------------------------- the stand-in player

def player_main(name, url, length_s, position_s):
    """An MPRIS player on the session bus, playing url from position_s, its
    Position advancing with the clock, until SIGTERM (it leaves the bus the
    way VLC and Celluloid do: no Stopped first)."""
    import dbus
    import dbus.service
    from dbus.mainloop.glib import DBusGMainLoop
    from gi.repository import GLib

    root_iface, player_iface = 'org.mpris.MediaPlayer2', 'org.mpris.MediaPlayer2.Player'
    started = time.monotonic()

    def position():
        return dbus.Int64(int((position_s + time.monotonic() - started) * 1e6))

    def props(iface):
        if iface == root_iface:
            return {'Identity': dbus.String('Stand-in Player'), 'DesktopEntry': dbus.String('kt-standin-player'),
                    'CanQuit': dbus.Boolean(False), 'CanRaise': dbus.Boolean(False),
                    'HasTrackList': dbus.Boolean(False),
                    'SupportedUriSchemes': dbus.Array(['file'], signature='s'),
                    'SupportedMimeTypes': dbus.Array(['video/x-matroska'], signature='s')}
        if iface == player_iface:
            return {'PlaybackStatus': dbus.String('Playing'), 'Rate': dbus.Double(1.0), 'Position': position(),
                    'Metadata': dbus.Dictionary({'mpris:trackid': dbus.ObjectPath('/org/kt/track/1'),
                                                 'xesam:url': dbus.String(url),
                                                 'xesam:title': dbus.String(os.path.basename(url)),
                                                 'mpris:length': dbus.Int64(int(length_s * 1e6))}, signature='sv'),
                    'CanPlay': dbus.Boolean(True), 'CanPause': dbus.Boolean(True), 'CanSeek': dbus.Boolean(False),
                    'CanControl': dbus.Boolean(True), 'CanGoNext': dbus.Boolean(False),
                    'CanGoPrevious': dbus.Boolean(False)}
        raise dbus.exceptions.DBusException(f'no interface {iface}',
                                            name='org.freedesktop.DBus.Error.UnknownInterface')

    class Player(dbus.service.Object):
        @dbus.service.method('org.freedesktop.DBus.Properties', in_signature='ss', out_signature='v')
        def Get(self, iface, prop):
            got = props(iface)
            if prop not in got:
                raise dbus.exceptions.DBusException(f'no property {prop}',
                                                    name='org.freedesktop.DBus.Error.UnknownProperty')
            return got[prop]

        @dbus.service.method('org.freedesktop.DBus.Properties', in_signature='s', out_signature='a{sv}')
        def GetAll(self, iface):
            return dbus.Dictionary(props(iface), signature='sv')

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    player = Player(bus, '/org/mpris/MediaPlayer2')
    # The name last, once the object answers: the bridge asks at once.
    player.name = dbus.service.BusName(f'org.mpris.MediaPlayer2.{name}', bus, do_not_queue=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()
    return 0


# ---------------------------------------------------------------- main

def diagnostics():
    parts = []
    for cmd in (['systemctl', 'status', '--no-pager', '--full', UNIT], ['loginctl', 'list-sessions'],
                ['journalctl', '--no-pager', '-b', '-o', 'short-monotonic', '-n', '400'],
                ['journalctl', '--no-pager', '-b', '-u', UNIT, '-o', 'short-monotonic']):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            parts.append(f'$ {" ".join(cmd)}\n{p.stdout}{p.stderr}')
        except Exception as e:  # diagnostics must not hide the failure
            parts.append(f'$ {" ".join(cmd)}\n{e}')
    with open(f'{KT}/diagnostics.txt', 'w') as f:
        f.write('\n'.join(parts))


def main():
    global LOG, P
    open(f'{KT}/started', 'w').close()
    LOG = open(f'{KT}/inside.log', 'w')
    P = json.load(open(f'{KT}/params.json'))
    say('booted: ' + run(['systemctl', 'is-system-running'], check_rc=False).stdout.strip() +
        f'; polkitd {run(["dpkg-query", "-W", "-f=${Version}", "polkitd"]).stdout}')
    steps = [('install', step_install), ('activation', step_activation), ('users', step_users),
             ('session', step_session), ('no-agent', step_no_agent), ('agent', step_agent),
             ('connect', step_connect), ('use', step_use), ('no-session', step_no_session),
             ('user-manager', step_user_manager), ('mpris', step_mpris), ('journal', step_journal),
             ('security', step_security), ('idle', None)]
    result = {'ok': False, 'passed': []}
    invocation = None
    try:
        for name, fn in steps:
            t = time.monotonic()
            if name == 'activation':
                invocation = fn()
            elif name == 'idle':
                step_idle(invocation)
            else:
                fn()
            say(f'ok {name} ({time.monotonic() - t:.1f} s)')
            result['passed'].append(name)
        result['ok'] = True
    except Exception as e:
        say(f'FAIL {name}: {e}')
        result['failure'] = f'{name}: {e}'
        diagnostics()
    result['measured'] = measured
    result['seconds'] = round(time.monotonic() - T0, 1)
    with open(f'{KT}/result.json', 'w') as f:
        json.dump(result, f)
    say(f'{len(result["passed"])} of {len(steps)} steps passed in {result["seconds"]} s')
    return 0 if result['ok'] else 1


if __name__ == '__main__':
    if sys.argv[1:2] == ['agent']:
        sep = sys.argv.index('--')
        sys.exit(agent_main(sys.argv[2], sys.argv[sep + 1:]))
    if sys.argv[1:2] == ['player']:
        sys.exit(player_main(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])))
    sys.exit(main())
