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
  agent          the same through pkttyagent with alice's password
                 (auth_admin_keep; alice is in the sudo group): done
  connect        root connects to the stand-in and imports
  use            as alice: kinoctl status, history and a scrobbling session
                 (CreateSession; the stand-in receives the scrobbles)
  no-session     bob's `kinoctl history`: refused, "not allowed"
  journal        no warnings or errors from the daemon, no sandbox refusal
                 in the whole journal, the refusal logged at info
  security       systemd-analyze security on the running unit: 2.0 or less
  idle           after a disconnect the daemon exits on its own, and the next
                 call starts it again

Writes /kt/started first, then /kt/inside.log as it goes, /kt/result.json
at the end and, on a failure, /kt/diagnostics.txt (journal and status).

`inside.py agent PASSWORD -- COMMAND...` is the helper that runs COMMAND with
a pkttyagent registered for it on a terminal of its own, typing PASSWORD at
its prompt.
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
import termios
import time
import urllib.request

KT = '/kt'
KINOCTL = '/usr/bin/kinoctl'
UNIT = 'kino-traktd.service'
NOT_ALLOWED = ('Permission denied: your account is not allowed to do this (polkit action org.kino.trakt.use); '
               'ask an administrator.')
NO_AGENT = ('Permission denied: this needs authentication and no polkit agent could ask for it; '
            'run it in a desktop session, or as root.')
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
    say('pkttyagent run:\n' + p.stderr[-1500:])
    check(p.returncode == 0, f'kinoctl configure through pkttyagent: exit {p.returncode}: {p.stdout} {p.stderr[-1500:]}')
    check('AUTHENTICATION COMPLETE' in p.stderr, f'pkttyagent did not authenticate: {p.stderr[-1500:]}')
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
    """Runs cmd with pkttyagent registered for its process, answering the
    password prompt. pkttyagent asks on its controlling terminal: it gets a
    pty of its own. Its output goes to stderr; the exit status is cmd's."""
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(go_w)
        os.read(go_r, 1)  # wait for the agent; exec keeps the pid and start time polkit knows
        os.execv(cmd[0], cmd)
    os.close(go_r)
    note_r, note_w = os.pipe()
    os.set_inheritable(note_w, True)
    agent, master = pty.fork()
    if agent == 0:
        os.execvp('pkttyagent', ['pkttyagent', '--process', str(child), '--notify-fd', str(note_w)])
    os.close(note_w)
    os.read(note_r, 1)  # pkttyagent closes it once registered
    os.write(go_w, b'x')
    os.close(go_w)
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
    time.sleep(0.3)
    try:
        while select.select([master], [], [], 0.1)[0]:
            out += os.read(master, 4096)
    except OSError:
        pass
    os.kill(agent, signal.SIGTERM)
    os.waitpid(agent, 0)
    text = re.sub(r'\x1b\[[0-9;]*m', '', out.decode(errors='replace')).replace('\r', '')
    sys.stderr.write(text.replace(password, '***'))
    if status is None:
        os.kill(child, signal.SIGKILL)
        sys.stderr.write('\n(the command did not finish)\n')
        return 124
    return status


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
             ('journal', step_journal), ('security', step_security), ('idle', None)]
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
    sys.exit(main())
