"""The integration rig: the real kino-traktd on a private system-like bus.

Each test gets its own rig: a dbus-daemon with a system-bus policy that
includes our dbus/org.kino.Trakt.conf, python-dbusmock's polkitd (deny by
default), the Trakt stand-in on a loopback port, a temp state folder and the
daemon itself. Callers that must pass polkit run as another uid (nobody)
through caller.py. Nothing of our own code is mocked.

Environment (set by tests/integration/meson.build):
  KT_DAEMON   path of the built kino-traktd
  KT_KINOCTL  path of the built kinoctl
  KT_SOURCE_ROOT  the source tree

Opt-in, for running the suite under a tool such as valgrind (scripts/valgrind.sh);
when they are unset nothing changes:
  KT_DAEMON_WRAPPER   a command prefix (split like a shell line) put before
                      every kino-traktd the rig starts
  KT_KINOCTL_WRAPPER  the same for kinoctl (rig.kinoctl() and rig.kinoctl_path())
  KT_SLOW             a factor (default 1) for the rig's waits: wait_until,
                      SignalCatcher.wait_for, the 60 s after SIGTERM and the
                      60 s limits of rig.kinoctl() and rig.call_as()
"""

import atexit
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import dbus

SRC = os.environ.get('KT_SOURCE_ROOT', os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DAEMON = os.environ.get('KT_DAEMON', os.path.join(SRC, 'build', 'daemon', 'kino-traktd'))
KINOCTL = os.environ.get('KT_KINOCTL', os.path.join(SRC, 'build', 'clients', 'kinoctl', 'kinoctl'))
STANDIN = os.path.join(SRC, 'tests', 'standin', 'trakt-standin.py')
CALLER = os.path.join(SRC, 'tests', 'integration', 'caller.py')
AGENT = os.path.join(SRC, 'tests', 'integration', 'agent.py')   # a persistent client (tests of sessions between users)
PYTHON = '/usr/bin/python3'
DAEMON_WRAPPER = shlex.split(os.environ.get('KT_DAEMON_WRAPPER', ''))
KINOCTL_WRAPPER = shlex.split(os.environ.get('KT_KINOCTL_WRAPPER', ''))
SLOW = float(os.environ.get('KT_SLOW') or 1)

BUS_NAME = 'org.kino.Trakt'
PATH = '/org/kino/Trakt'
IFACE = 'org.kino.Trakt'
PROPS = 'org.freedesktop.DBus.Properties'
READY_LINE = ' ready on the '   # kino-traktd's log line once it owns BUS_NAME

SKIP = 77

# ---- what another uid runs ----
# The checkout may sit under a folder only root can enter (/root/…, mode 0700),
# where a caller running as nobody cannot read caller.py or execute kinoctl.
# Everything a test runs as another uid goes through for_any_uid(): a copy in a
# world-readable folder of this process, removed at exit.
_shared_dir = None
_shared = {}


def for_any_uid(path):
    """A copy of the file at path that any uid can read (and run, if path is executable)."""
    global _shared_dir
    path = os.path.abspath(path)
    if path in _shared:
        return _shared[path]
    if _shared_dir is None:
        _shared_dir = tempfile.mkdtemp(prefix='kt-shared-')
        os.chmod(_shared_dir, 0o755)
        atexit.register(shutil.rmtree, _shared_dir, True)
    # One folder per file: same names never collide. Not mkdtemp's "tmp"
    # prefix: "tmp" + "v…" spells "mpv", which tests look for in what another
    # user may see (the bus names the caller's command line in its refusals).
    sub = tempfile.mkdtemp(prefix='u-', dir=_shared_dir)
    os.chmod(sub, 0o755)
    copy = os.path.join(sub, os.path.basename(path))
    shutil.copy2(path, copy)
    os.chmod(copy, 0o755 if os.access(path, os.X_OK) else 0o644)
    _shared[path] = copy
    return copy


def caller_script():
    """caller.py, readable by any uid."""
    return for_any_uid(CALLER)


def test_user(name):
    """(uid, gid) of a system account made for tests (created when missing).

    A fresh machine has no ordinary users, and dbus-daemon refuses a
    connection from a uid it cannot look up (it needs the uid's groups), so a
    bare number with setpriv is not enough for a second caller next to nobody."""
    try:
        p = pwd.getpwnam(name)
        return p.pw_uid, p.pw_gid
    except KeyError:
        pass
    if os.geteuid() != 0:
        raise Skip(f'creating the test account {name} needs root')
    out = subprocess.run(['useradd', '--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin',
                          '--comment', 'kino-trakt tests', name], capture_output=True, text=True)
    if out.returncode not in (0, 9):  # 9: created meanwhile by a parallel test
        raise TestFailure(f'could not create the test account {name}: {out.stderr.strip()}')
    p = pwd.getpwnam(name)
    return p.pw_uid, p.pw_gid


class Skip(Exception):
    pass


class TestFailure(AssertionError):
    pass


def wait_until(pred, timeout=20.0, what='condition', interval=0.02):
    """Poll pred() until true. Generous timeouts: a slow machine must not fail a test."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TestFailure(f'timed out waiting for {what}')
        time.sleep(interval)


BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <!-- what polkit's own policy file grants on a real system -->
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
  <include>{our_conf}</include>
{extra}
</busconfig>
'''


class Rig:
    def __init__(self, polkit=True, standin=True, daemon=True, daemon_args=None, config_text=None,
                 env=None, idle_timeout=0, bus_config_extra=''):
        self.want_polkit = polkit
        # More <policy>/<servicedir> for the bus (the shell tests): text, or a
        # function of the rig's temp folder that returns it.
        self.bus_config_extra = bus_config_extra
        self.want_standin = standin
        self.want_daemon = daemon
        self.daemon_args = list(daemon_args or [])
        self.config_text = config_text
        self.extra_env = dict(env or {})
        self.idle_timeout = idle_timeout
        self.procs = []
        self.daemon = None
        self.daemon_log = None
        self.port = None
        self._bus = None

    # ---- setup ----
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        ok = exc_type is None
        try:
            self.stop(check=ok)
        except BaseException:
            self.dump_logs()
            raise
        if not ok and exc_type is not Skip:
            self.dump_logs()
        return False

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix='kt-test-')
        os.chmod(self.tmp, 0o755)  # the bus socket must be reachable for another uid
        self.state_dir = os.path.join(self.tmp, 'state')
        self.socket = os.path.join(self.tmp, 'system_bus_socket')
        self.address = 'unix:path=' + self.socket
        conf = os.path.join(self.tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(BUS_CONFIG.format(socket=self.socket, our_conf=os.path.join(SRC, 'dbus', 'org.kino.Trakt.conf'),
                                      extra=self.bus_config_extra(self.tmp) if callable(self.bus_config_extra)
                                      else self.bus_config_extra))
        self.bus_log = open(os.path.join(self.tmp, 'dbus-daemon.log'), 'w+')
        # dbus-daemon prints its address once it accepts connections; the socket
        # file alone can exist a moment earlier (bind before listen).
        p = subprocess.Popen(['dbus-daemon', '--nofork', '--nopidfile', '--print-address=1', '--config-file=' + conf],
                             stdout=subprocess.PIPE, stderr=self.bus_log, text=True)
        self.procs.append(p)
        import select
        ready, _, _ = select.select([p.stdout], [], [], 30)
        line = p.stdout.readline() if ready else ''
        if not line.startswith('unix:'):
            raise TestFailure(f'dbus-daemon did not start: {line!r}')

        self.env = dict(os.environ)
        self.env['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        self.env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        self.env.pop('STATE_DIRECTORY', None)

        if self.want_polkit:
            self.start_polkit()
        if self.want_standin:
            self.start_standin()
        if self.want_daemon:
            self.start_daemon()

    def start_polkit(self):
        self.polkit_log = open(os.path.join(self.tmp, 'polkitd.log'), 'w+')
        p = subprocess.Popen([PYTHON, '-m', 'dbusmock', '--template', 'polkitd'],
                             env=self.env, stdout=self.polkit_log, stderr=subprocess.STDOUT)
        self.polkit_proc = p
        self.procs.append(p)
        wait_until(lambda: self.bus.name_has_owner('org.freedesktop.PolicyKit1'), what='mock polkitd')

    def stop_polkit(self):
        p = self.polkit_proc
        p.terminate()
        p.wait(10)
        wait_until(lambda: not self.bus.name_has_owner('org.freedesktop.PolicyKit1'), what='polkitd gone')

    def polkit_allow(self, *actions):
        obj = self.bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
        obj.SetAllowed(dbus.Array(actions, signature='s'), dbus_interface='org.freedesktop.DBus.Mock')

    def polkit_hang(self, hang):
        obj = self.bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
        obj.SimulateHang(hang, dbus_interface='org.freedesktop.DBus.Mock')

    def polkit_release(self):
        obj = self.bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
        obj.ReleaseHangingCalls(dbus_interface='org.freedesktop.DBus.Mock')

    def start_standin(self):
        port_file = os.path.join(self.tmp, 'standin.port')
        self.standin_log = open(os.path.join(self.tmp, 'standin.log'), 'w+')
        p = subprocess.Popen([PYTHON, STANDIN, '--port', '0', '--port-file', port_file, '--quiet'],
                             stdout=self.standin_log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        def ready():
            if p.poll() is not None:
                self.standin_log.seek(0)
                raise TestFailure(f'the stand-in exited ({p.returncode}) before it listened: {self.standin_log.read()[-2000:]}')
            return os.path.exists(port_file) and open(port_file).read().strip()
        wait_until(ready, what='stand-in port')
        self.port = int(open(port_file).read().strip())
        self.trakt_url = f'http://127.0.0.1:{self.port}'

    def control(self, path, body=None, method=None):
        """Call the stand-in's control API."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.trakt_url + '/_control/' + path.lstrip('/'), data=data,
                                     method=method or ('POST' if data is not None else 'GET'),
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def daemon_cmdline(self):
        args = [DAEMON, '--state-dir', self.state_dir, '--idle-timeout', str(self.idle_timeout), '-v']
        if self.config_text is not None:
            cfg = os.path.join(self.tmp, 'trakt.conf')
            with open(cfg, 'w') as f:
                f.write(self.config_text)
            args += ['--config', cfg]
        else:
            args += ['--config', os.path.join(self.tmp, 'no-such-trakt.conf')]
        return DAEMON_WRAPPER + args + self.daemon_args

    def daemon_env(self):
        env = dict(self.env)
        if self.port:
            env['KINO_TRAKT_API_URL'] = self.trakt_url
            env['KINO_TRAKT_AUTH_URL'] = self.trakt_url
        env.update(self.extra_env)
        return env

    def start_daemon(self, wait=True):
        if self.daemon_log is None:
            self.daemon_log = open(os.path.join(self.tmp, 'daemon.log'), 'w+')
        ready_lines = self.log_text().count(READY_LINE)
        self.daemon = subprocess.Popen(self.daemon_cmdline(), env=self.daemon_env(),
                                       stdout=self.daemon_log, stderr=subprocess.STDOUT)
        if wait:
            wait_until(lambda: self.daemon.poll() is not None or self.bus.name_has_owner(BUS_NAME),
                       what='kino-traktd to own ' + BUS_NAME)
            # The daemon logs its "ready" line (with the Trakt address) just after it
            # owns the name; tests read that line, so wait for it too.
            wait_until(lambda: self.daemon.poll() is not None or self.log_text().count(READY_LINE) > ready_lines,
                       what='kino-traktd to log that it is ready')
            if self.daemon.poll() is not None:
                raise TestFailure(f'kino-traktd exited with {self.daemon.returncode} at start')
        return self.daemon

    def stop_daemon(self, check=True, sig=signal.SIGTERM):
        d, self.daemon = self.daemon, None
        if d is None:
            return None
        if d.poll() is None:
            d.send_signal(sig)
            try:
                d.wait(60 * SLOW)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait()
                if check:
                    raise TestFailure(f'kino-traktd did not exit within {60 * SLOW:g} s of SIGTERM')
        if check and sig == signal.SIGTERM and d.returncode != 0:
            raise TestFailure(f'kino-traktd exited with status {d.returncode} after SIGTERM (sanitizer report or crash?)')
        return d.returncode

    def restart_daemon(self):
        self.stop_daemon()
        self.start_daemon()

    def stop(self, check=True):
        err = None
        try:
            self.stop_daemon(check=check)
        except TestFailure as e:
            err = e
        if self._bus is not None:
            try:
                self._bus.close()
            except Exception:
                pass
            self._bus = None
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if err:
            raise err
        if not os.environ.get('KT_KEEP_TMP') and getattr(self, 'tmp', None):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def log_text(self):
        if not self.daemon_log:
            return ''
        self.daemon_log.flush()
        with open(self.daemon_log.name, errors='replace') as f:
            return f.read()

    def dump_logs(self):
        for name in ('daemon.log', 'standin.log', 'polkitd.log', 'dbus-daemon.log'):
            path = os.path.join(getattr(self, 'tmp', ''), name)
            if os.path.exists(path):
                with open(path, errors='replace') as f:
                    text = f.read()
                sys.stderr.write(f'----- {name} -----\n{text[-20000:]}\n')

    # ---- bus access as root ----
    @property
    def bus(self):
        if self._bus is None:
            self._bus = dbus.bus.BusConnection(self.address)
        return self._bus

    def obj(self):
        return self.bus.get_object(BUS_NAME, PATH, introspect=False)

    def call(self, method, *args, signature=None, interface=IFACE):
        m = self.obj().get_dbus_method(method, interface)
        return m(*args, signature=signature) if signature is not None else m(*args)

    def prop(self, name):
        return self.obj().Get(IFACE, name, dbus_interface=PROPS)

    def props(self):
        return self.obj().GetAll(IFACE, dbus_interface=PROPS)

    # ---- callers that are not root ----
    def call_as(self, uid, method, signature='', args=(), interface=IFACE, path=PATH, interactive=False):
        """Call a method from another uid; returns dict(ok, result | error, message)."""
        if os.geteuid() != 0:
            raise Skip('calls as another uid need root')
        cmd = ['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups', PYTHON, caller_script(),
               self.address, path, interface, method, signature, json.dumps(list(args))]
        if interactive:
            cmd.append('--interactive')
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60 * SLOW)
        if out.returncode != 0:
            raise TestFailure(f'caller failed: {out.stderr}')
        return json.loads(out.stdout)

    def agent(self, uid=None):
        """A persistent client on the rig's bus as uid (None: root), started the way
        call_as starts caller.py. Close it (or let the rig stop) to leave the bus."""
        cmd = [PYTHON, for_any_uid(AGENT), self.address]
        if uid is not None:
            if os.geteuid() != 0:
                raise Skip('calls as another uid need root')
            cmd = ['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups'] + cmd
        a = Agent(cmd, self.env)
        self.procs.append(a.proc)
        return a

    def kinoctl_path(self):
        """One executable path for kinoctl that any uid can run; with
        KT_KINOCTL_WRAPPER a script in the rig's folder."""
        if not KINOCTL_WRAPPER:
            return for_any_uid(KINOCTL)
        path = os.path.join(self.tmp, 'kinoctl-wrapped')
        if not os.path.exists(path):
            with open(path, 'w') as f:
                f.write('#!/bin/sh\nexec ' + shlex.join(KINOCTL_WRAPPER + [for_any_uid(KINOCTL)]) + ' "$@"\n')
            os.chmod(path, 0o755)
        return path

    def kinoctl(self, *args, uid=None, input=None, env=None):
        cmd = KINOCTL_WRAPPER + [KINOCTL] + list(args)
        if uid is not None:
            if os.geteuid() != 0:
                raise Skip('calls as another uid need root')
            cmd = ['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups'] + KINOCTL_WRAPPER + \
                [for_any_uid(KINOCTL)] + list(args)
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60 * SLOW, input=input, env=e)


class Agent:
    """The test's side of agent.py: one JSON command per line, one answer per line."""

    def __init__(self, cmd, env):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.name = self._read()['result']

    def _read(self):
        import select
        ready, _, _ = select.select([self.proc.stdout], [], [], 60 * SLOW)
        line = self.proc.stdout.readline() if ready else ''
        if not line:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ''
            raise TestFailure(f'agent did not answer: {err}')
        return json.loads(line)

    def send(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + '\n')
        self.proc.stdin.flush()
        return self._read()

    def call(self, method, signature='', args=(), interface=IFACE, path=PATH):
        """dict(ok, result | error, message); a v value is [SIGNATURE, VALUE]."""
        return self.send(op='call', path=path, interface=interface, method=method, signature=signature, args=list(args))

    def ok(self, method, signature='', args=(), interface=IFACE, path=PATH):
        r = self.call(method, signature, args, interface, path)
        if not r['ok']:
            raise TestFailure(f'{method} on {path}: {r["error"]}: {r["message"]}')
        return r['result']

    def match(self, rule):
        """AddMatch on the bus driver; returns dict(ok, error, message) (the bus may refuse)."""
        return self.send(op='match', rule=rule)

    def signals(self):
        return self.send(op='signals')['result']

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({'op': 'quit'}) + '\n')
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def nobody_uid():
    try:
        return pwd.getpwnam('nobody').pw_uid
    except KeyError:
        return 65534


def expect_dbus_error(name, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except dbus.exceptions.DBusException as e:
        if e.get_dbus_name() != name:
            raise TestFailure(f'expected {name}, got {e.get_dbus_name()}: {e.get_dbus_message()}')
        msg = e.get_dbus_message() or ''
        if not msg.strip():
            raise TestFailure(f'{name} came without a message')
        return msg
    raise TestFailure(f'expected {name}, but the call succeeded')


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def eq(a, b, what=''):
    if a != b:
        raise TestFailure(f'{what}: expected {b!r}, got {a!r}')


class SignalCatcher:
    """Collects signals from the daemon with a GLib main loop."""

    def __init__(self, rig, interface=PROPS, member='PropertiesChanged', path=PATH):
        from dbus.mainloop.glib import DBusGMainLoop
        from gi.repository import GLib
        self.GLib = GLib
        DBusGMainLoop(set_as_default=True)
        self.bus = dbus.bus.BusConnection(rig.address)
        self.items = []
        self.bus.add_signal_receiver(self._on, signal_name=member, dbus_interface=interface, path=path,
                                     bus_name=BUS_NAME)

    def _on(self, *args):
        self.items.append(args)

    def pump(self, timeout=0.2):
        ctx = self.GLib.MainContext.default()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while ctx.pending():
                ctx.iteration(False)
            time.sleep(0.01)

    def wait_for(self, pred, timeout=20.0, what='signal'):
        ctx = self.GLib.MainContext.default()
        deadline = time.monotonic() + timeout * SLOW
        while True:
            while ctx.pending():
                ctx.iteration(False)
            for it in self.items:
                if pred(it):
                    return it
            if time.monotonic() > deadline:
                raise TestFailure(f'timed out waiting for {what}; got {self.items!r}')
            time.sleep(0.01)

    def close(self):
        self.bus.close()
