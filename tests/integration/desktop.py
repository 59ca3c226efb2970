"""A user's desktop for the MPRIS bridge's tests: a private session bus, the
bridge (kino-trakt-mpris) and real mpv players with mpv-mpris, all running as
one non-root uid (as on a desktop), next to a harness.Rig that holds the
system side (the real daemon on its private system bus, polkitd, the Trakt
stand-in). Test media are made with ffmpeg in the desktop's own folder.

Environment (set by tests/integration/meson.build): KT_MPRIS, the built
kino-trakt-mpris. The binary is copied into the desktop's folder, because the
checkout may sit under a folder only root can enter.
"""

import json
import os
import pwd
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

from harness import SLOW, PYTHON, Skip, TestFailure, wait_until

SRC = os.environ.get('KT_SOURCE_ROOT', os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MPRIS = os.environ.get('KT_MPRIS', os.path.join(SRC, 'build', 'clients', 'mpris', 'kino-trakt-mpris'))
MPV_MPRIS = '/usr/lib/mpv-mpris/mpris.so'
READY = 'Watching MPRIS players'
# Tests use clips of tens of seconds; the default minimum is 5 minutes.
SHORT_CLIPS = '[mpris]\nmin_minutes = 0.1\n'


def desktop_uid():
    """The desktop user: nobody (a fresh machine has no uid 1000)."""
    try:
        return pwd.getpwnam('nobody').pw_uid
    except KeyError:
        return 65534


def as_user(uid):
    return ['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups']


class Mpv:
    """One mpv with mpv-mpris, driven through its JSON IPC socket."""

    def __init__(self, desktop, path, *args):
        self.desktop = desktop
        n = len(desktop.players)
        self.socket_path = os.path.join(desktop.dir, f'mpv{n}.sock')
        self.log = open(os.path.join(desktop.dir, f'mpv{n}.log'), 'w+')
        cmd = as_user(desktop.uid) + ['mpv', '--no-config', '--vo=null', '--ao=null', '--script=' + MPV_MPRIS,
                                      '--input-ipc-server=' + self.socket_path, '--idle=no', *args, path]
        self.proc = subprocess.Popen(cmd, env=desktop.env, stdout=self.log, stderr=subprocess.STDOUT)
        desktop.players.append(self)
        wait_until(lambda: self.proc.poll() is not None or os.path.exists(self.socket_path), what='mpv IPC socket')
        if self.proc.poll() is not None:
            raise TestFailure(f'mpv exited at start with {self.proc.returncode}')
        self.sock = None
        self.request = 0

    def command(self, *cmd):
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(self.socket_path)
            self.buf = b''
        self.request += 1
        rid = self.request
        self.sock.sendall(json.dumps({'command': list(cmd), 'request_id': rid}).encode() + b'\n')
        deadline = time.monotonic() + 10 * SLOW
        while True:
            while b'\n' in self.buf:
                line, self.buf = self.buf.split(b'\n', 1)
                msg = json.loads(line)
                if msg.get('request_id') == rid:
                    if msg.get('error') != 'success':
                        raise TestFailure(f'mpv {cmd}: {msg}')
                    return msg.get('data')
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f'mpv did not answer {cmd}')
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise TestFailure(f'mpv closed its IPC socket during {cmd}')
                self.buf += chunk

    def position(self):
        try:
            return float(self.command('get_property', 'time-pos') or 0)
        except TestFailure as e:
            if 'property unavailable' in str(e):  # the file is not loaded yet
                return 0.0
            raise

    def wait_position(self, seconds, timeout=60):
        wait_until(lambda: self.position() >= seconds, timeout=timeout, what=f'mpv at {seconds} s', interval=0.05)

    def pause(self, on=True):
        self.command('set_property', 'pause', on)

    def seek(self, seconds):
        """Seek and wait until mpv is there (the command returns before the seek is done)."""
        self.command('seek', seconds, 'absolute+exact')
        wait_until(lambda: abs(self.position() - seconds) < 1.5, what=f'mpv to seek to {seconds} s', interval=0.05)

    def quit(self):
        """What a person closing the window does: mpv says Stopped, then leaves the bus."""
        try:
            self.command('quit')
        except (TestFailure, OSError):
            pass
        self.proc.wait(20 * SLOW)

    def stop(self):
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Desktop:
    def __init__(self, rig, config=SHORT_CLIPS, uid=None, bridge=True, bridge_args=()):
        self.rig = rig
        self.uid = desktop_uid() if uid is None else uid
        self.config_text = config
        self.want_bridge = bridge
        self.bridge_args = list(bridge_args)
        self.players = []
        self.bridges = []
        self.bridge = None
        self.bus_proc = None

    def __enter__(self):
        if os.geteuid() != 0:
            raise Skip('the desktop runs as another uid: needs root')
        for tool in ('mpv', 'ffmpeg', 'setpriv', 'dbus-daemon'):
            if not shutil.which(tool):
                raise TestFailure(f'{tool} is missing (scripts/deps.sh installs it)')
        if not os.path.exists(MPV_MPRIS):
            raise TestFailure(f'{MPV_MPRIS} is missing (Debian package mpv-mpris)')
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
        self.dir = os.path.join(self.rig.tmp, f'desktop-{self.uid}')
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        os.chown(self.dir, self.uid, self.uid)
        self.exe = os.path.join(self.dir, 'kino-trakt-mpris')
        shutil.copy(MPRIS, self.exe)
        os.chmod(self.exe, 0o755)
        self.config_home = os.path.join(self.dir, 'config')
        os.makedirs(os.path.join(self.config_home, 'kino-trakt'), exist_ok=True)
        self.config_path = os.path.join(self.config_home, 'kino-trakt', 'mpris.conf')
        self.write_config(self.config_text)
        for d in (self.config_home, os.path.dirname(self.config_path)):
            os.chown(d, self.uid, self.uid)

        # The user's session bus (dbus-daemon's own session policy: this uid only).
        self.bus_socket = os.path.join(self.dir, 'session_bus_socket')
        self.bus_log = open(os.path.join(self.dir, 'session-bus.log'), 'w+')
        self.bus_proc = subprocess.Popen(as_user(self.uid) + ['dbus-daemon', '--session', '--nofork', '--nopidfile',
                                                              '--print-address=1', '--address=unix:path=' + self.bus_socket],
                                         stdout=subprocess.PIPE, stderr=self.bus_log, text=True, env={
                                             'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'HOME': self.dir})
        ready, _, _ = select.select([self.bus_proc.stdout], [], [], 30)
        line = self.bus_proc.stdout.readline() if ready else ''
        if not line.startswith('unix:'):
            raise TestFailure(f'the session bus did not start: {line!r}')
        self.address = line.strip()

        self.env = {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'HOME': self.dir,
            'XDG_CONFIG_HOME': self.config_home,
            'XDG_RUNTIME_DIR': self.dir,
            'DBUS_SESSION_BUS_ADDRESS': self.address,
            'DBUS_SYSTEM_BUS_ADDRESS': self.rig.address,
            'LANG': 'C.UTF-8',
        }
        for k in ('ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS'):
            if k in os.environ:
                self.env[k] = os.environ[k]
        # The bridge's own asserts stay loud in tests.
        self.bridge_env = dict(self.env, G_DEBUG='fatal-criticals')
        if self.want_bridge:
            self.start_bridge(*self.bridge_args)

    def write_config(self, text):
        """The bridge's configuration file; None: no file at all (the defaults)."""
        if text is None:
            if os.path.exists(self.config_path):
                os.unlink(self.config_path)
            return
        with open(self.config_path, 'w') as f:
            f.write(text)
        os.chmod(self.config_path, 0o644)

    def start_bridge(self, *args, wait=True):
        n = len(self.bridges)
        log = open(os.path.join(self.dir, f'bridge{n}.log'), 'w+')
        # KT_MPRIS_WRAPPER (scripts/valgrind.sh): a command put before the bridge.
        wrapper = shlex.split(os.environ.get('KT_MPRIS_WRAPPER', ''))
        env = dict(self.bridge_env, KT_TEST_ID=os.environ.get('KT_TEST_ID', 'mpris')) if wrapper else self.bridge_env
        p = subprocess.Popen(as_user(self.uid) + wrapper + [self.exe, '-v', *args], env=env,
                             stdout=log, stderr=subprocess.STDOUT)
        p.log = log
        self.bridges.append(p)
        self.bridge = p
        if wait:
            wait_until(lambda: p.poll() is not None or READY in self.bridge_log(p),
                       what='the bridge to watch the session bus')
            if p.poll() is not None:
                raise TestFailure(f'kino-trakt-mpris exited with {p.returncode} at start:\n{self.bridge_log(p)}')
        return p

    def bridge_log(self, p=None):
        p = p or self.bridge
        p.log.flush()
        with open(p.log.name, errors='replace') as f:
            return f.read()

    def wait_log(self, text, timeout=20, p=None):
        wait_until(lambda: text in self.bridge_log(p), timeout=timeout, what=f'the bridge to log {text!r}')

    def stop_bridge(self, p=None, check=True, sig=signal.SIGTERM):
        p = p or self.bridge
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(30 * SLOW)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                if check:
                    raise TestFailure('kino-trakt-mpris did not exit within 30 s of SIGTERM')
        if check and p.returncode != 0:
            raise TestFailure(f'kino-trakt-mpris exited with {p.returncode} (a sanitizer report or a crash?)')
        return p.returncode

    def media(self, name, seconds=30, audio_only=False, args=()):
        """A test file made with ffmpeg (a keyframe every 2 s, as in real releases)."""
        path = os.path.join(self.dir, 'media', name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if audio_only:
            cmd = ['ffmpeg', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', f'sine=duration={seconds}',
                   *args, path]
        else:
            cmd = ['ffmpeg', '-nostdin', '-loglevel', 'error', '-y',
                   '-f', 'lavfi', '-i', f'testsrc=duration={seconds}:size=320x240:rate=10',
                   '-f', 'lavfi', '-i', f'sine=duration={seconds}', '-shortest', '-g', '20', *args, path]
        subprocess.run(cmd, check=True, timeout=120)
        d = os.path.join(self.dir, 'media')
        for root, dirs, files in os.walk(d):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        return path

    def mpv(self, path, *args):
        return Mpv(self, path, *args)

    def stop(self, check=True):
        for m in self.players:
            m.stop()
        err = None
        for p in self.bridges:
            if p.poll() is not None:
                continue  # it ended during the test, which judged its exit status
            try:
                self.stop_bridge(p, check=check)
            except TestFailure as e:
                err = err or e
        if self.bus_proc and self.bus_proc.poll() is None:
            self.bus_proc.terminate()
            try:
                self.bus_proc.wait(10)
            except subprocess.TimeoutExpired:
                self.bus_proc.kill()
                self.bus_proc.wait()
        if err:
            raise err

    def dump_logs(self):
        d = getattr(self, 'dir', None)
        if not d or not os.path.isdir(d):
            return
        for name in sorted(os.listdir(d)):
            if name.endswith('.log'):
                with open(os.path.join(d, name), errors='replace') as f:
                    text = f.read()
                sys.stderr.write(f'----- {name} -----\n{text[-20000:]}\n')
