"""A real, headless GNOME Shell (Debian 12: 43.9) with the extension enabled,
for the extension's integration tests.

The system side is the integration harness's rig (tests/integration/harness.py):
a private system-like dbus-daemon with our bus policy, python-dbusmock's
polkitd, the Trakt stand-in and the real kino-traktd. This adds to that bus
python-dbusmock's logind and upower (without logind gnome-shell 43 hangs
after start-up: it owns org.gnome.Shell but answers nothing) and a folder of
system services, so a test can make org.kino.Trakt bus-activatable (or not:
"not installed").

The session side is new: a private session dbus-daemon, HOME and
XDG_RUNTIME_DIR, the extension unpacked from the built 43–44 zip into
~/.local/share/gnome-shell/extensions/ and enabled through gsettings before
the shell starts, and `gnome-shell --headless --wayland --no-x11
--virtual-monitor 1024x768 --unsafe-mode` (the hidden --unsafe-mode lets
org.gnome.Shell.Eval and org.gnome.Shell.Screenshot answer a test).

As root (CI) the shell runs as a non-root uid, as on a desktop, so its calls
to the daemon go through polkit; the session bus lets root in too, so the
test reads the shell from outside.

Environment (tests/shell/meson.build):
  KT_SHELL_ZIP   the built 43–44 zip
  KT_SHELL_OUT   where screenshots and the shell's log are kept (the build folder)
  KT_SHELL_START_TIMEOUT  seconds to wait for the shell (default 90)
"""
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'integration'))

import dbus  # noqa: E402

import harness  # noqa: E402
from harness import PYTHON, TestFailure, wait_until  # noqa: E402

UUID = 'kino-trakt@kino.org'
ZIP = os.environ.get('KT_SHELL_ZIP', '')
OUT = os.environ.get('KT_SHELL_OUT', os.path.join(os.getcwd(), 'shell-screenshots'))
START_TIMEOUT = float(os.environ.get('KT_SHELL_START_TIMEOUT') or 90)
def other_uid():
    """A second local user, for the privacy checks: Debian's `daemon` account (dbus-daemon
    refuses uids without a passwd entry, and a fresh machine has no user accounts)."""
    try:
        return pwd.getpwnam('daemon').pw_uid
    except KeyError:
        raise TestFailure('the system account daemon is missing (Debian base-passwd provides it)')


def system_bus_extra(tmp):
    """What the shell needs on the harness's bus, and a folder of activatable services."""
    services = os.path.join(tmp, 'system-services')
    os.makedirs(services, exist_ok=True)
    return f'''
  <policy user="root">
    <allow own="org.freedesktop.login1"/>
    <allow own="org.freedesktop.UPower"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>
  <policy context="default">
    <allow send_destination="org.freedesktop.login1"/>
    <allow send_destination="org.freedesktop.UPower"/>
  </policy>
  <servicedir>{services}</servicedir>
'''


SESSION_BUS_CONFIG = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <standard_session_servicedirs/>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <allow user="{uid}"/>
    <allow user="root"/>
  </policy>
</busconfig>
'''


def shell_ids():
    """The shell's uid and gid: nobody when the tests run as root."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    try:
        pw = pwd.getpwnam('nobody')
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return 65534, 65534


def as_user(uid, gid):
    if os.geteuid() != 0 or uid == 0:
        return []
    return ['setpriv', f'--reuid={uid}', f'--regid={gid}', '--clear-groups']


def chown_tree(path, uid, gid):
    if os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for n in files:
            os.chown(os.path.join(root, n), uid, gid)


class Shell:
    """One gnome-shell with the extension, next to a harness.Rig."""

    def __init__(self, rig, name, monitor='1024x768', source='zip'):
        """source: 'zip' installs the built 43–44 zip for the user with `gnome-extensions
        install`; 'installed' runs `meson install --destdir` of this build and lets the
        shell find the extension system-wide (XDG_DATA_DIRS), as after a real install."""
        self.rig = rig
        self.monitor = monitor
        self.source = source
        self.name = name  # the test's name, for screenshot file names
        self.uid, self.gid = shell_ids()
        self.procs = []
        self._bus = None
        self.proc = None

    # ---- start / stop ----
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            self.dump_log()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            # A daemon the bus started is no child of the rig: stop it while the bus is
            # still there (kino-traktd does not exit when its bus goes away).
            stop_activated(self.rig, check=exc_type is None)
        finally:
            self.stop()
            self.keep_log()
        if exc_type is not None and exc_type is not harness.Skip:
            self.dump_log()
        return False

    def start(self):
        if self.source == 'zip' and (not ZIP or not os.path.exists(ZIP)):
            raise TestFailure(f'the extension zip is missing ({ZIP!r}): build with gnome-extensions (apt-get install gnome-shell)')
        for tool in ('gnome-shell', 'gsettings', 'dbus-daemon'):
            if not shutil.which(tool):
                raise TestFailure(f'{tool} is missing: apt-get install gnome-shell')
        os.makedirs(OUT, exist_ok=True)
        self.dir = os.path.join(self.rig.tmp, 'shell')
        self.home = os.path.join(self.dir, 'home')
        self.run = os.path.join(self.dir, 'run')
        self.shots = os.path.join(self.dir, 'shots')
        for d in (self.home, self.run, self.shots):
            os.makedirs(d)
        os.chmod(self.run, 0o700)
        self.install_fake_browser()
        chown_tree(self.dir, self.uid, self.gid)

        env = {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'HOME': self.home,
            'USER': pwd.getpwuid(self.uid).pw_name if self.uid in [p.pw_uid for p in pwd.getpwall()] else 'kino',
            'XDG_RUNTIME_DIR': self.run,
            'DBUS_SYSTEM_BUS_ADDRESS': self.rig.address,
            'XDG_CURRENT_DESKTOP': 'GNOME',
            'XDG_SESSION_TYPE': 'wayland',
            'GSETTINGS_BACKEND': 'dconf',
            'LANG': 'C.UTF-8',
            'NO_AT_BRIDGE': '1',  # GTK 3's bridge; GTK 4's own AT-SPI stays on
        }
        if self.source == 'installed':
            env['XDG_DATA_DIRS'] = self.install_system_wide() + ':/usr/local/share:/usr/share'
        for k in ('ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS'):
            if k in os.environ:
                env[k] = os.environ[k]
        self.socket = os.path.join(self.run, 'bus')
        conf = os.path.join(self.dir, 'session.conf')
        with open(conf, 'w') as f:
            f.write(SESSION_BUS_CONFIG.format(socket=self.socket, uid=self.uid))
        self.session_log = open(os.path.join(self.dir, 'session-bus.log'), 'w+')
        p = subprocess.Popen(as_user(self.uid, self.gid) + ['dbus-daemon', '--nofork', '--nopidfile',
                                                            '--print-address=1', '--config-file=' + conf],
                             env=env, stdout=subprocess.PIPE, stderr=self.session_log, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        if not line.startswith('unix:'):
            raise TestFailure(f'the session dbus-daemon did not start: {line!r}')
        env['DBUS_SESSION_BUS_ADDRESS'] = line.strip()
        self.env = env
        self.address = line.strip()

        self.start_mocks()
        if self.source == 'zip':
            # As a person would: the zip must be readable by them (the build may be root's alone).
            zip_copy = os.path.join(self.dir, os.path.basename(ZIP))
            shutil.copy(ZIP, zip_copy)
            os.chmod(zip_copy, 0o644)
            r = self.user_run(['gnome-extensions', 'install', '--force', zip_copy])
            if r.returncode != 0:
                raise TestFailure(f'gnome-extensions install: {r.stdout}{r.stderr}')

        list_ = f"['{UUID}']"
        for args in (['org.gnome.shell', 'enabled-extensions', list_],
                     ['org.gnome.shell', 'disable-user-extensions', 'false'],
                     ['org.gnome.shell', 'welcome-dialog-last-shown-version', '999'],
                     ['org.gnome.desktop.interface', 'enable-animations', 'false'],
                     ['org.gnome.desktop.interface', 'clock-show-date', 'false']):
            r = self.user_run(['gsettings', 'set'] + args)
            if r.returncode != 0 and args[1] in ('enabled-extensions', 'disable-user-extensions'):
                raise TestFailure(f'gsettings {args}: {r.stderr}')

        self.log_path = os.path.join(self.dir, 'gnome-shell.log')
        self.log = open(self.log_path, 'w+')
        self.proc = subprocess.Popen(as_user(self.uid, self.gid) + [
            'gnome-shell', '--headless', '--wayland', '--no-x11', '--virtual-monitor', self.monitor, '--unsafe-mode'],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        t0 = time.monotonic()
        deadline = t0 + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise TestFailure(f'gnome-shell exited with {self.proc.returncode} at start')
            try:
                if self.eval('Main.layoutManager._startingUp === false', timeout=5) is True:
                    break
            except Exception:
                pass
            if time.monotonic() > deadline:
                raise TestFailure(f'gnome-shell did not finish starting within {START_TIMEOUT:g} s')
            time.sleep(0.3)
        print(f'gnome-shell {self.eval("Config.PACKAGE_VERSION")} ready in {time.monotonic() - t0:.1f} s '
              f'as uid {self.uid}', flush=True)
        self.eval('Main.overview.hide(); true')
        wait_until(lambda: self.eval('Main.overview.visible') is False, what='the overview to close')
        # Notifications (screen lock disabled, privileged user) are not ours.
        self.eval('(() => { try { Main.messageTray._bannerBin.hide(); } catch (e) {} return true; })()')

    def install_fake_browser(self):
        """The user's default web browser: a script that notes each address it is
        asked to open (self.opened_urls()), so "open the page" buttons can be checked."""
        apps = os.path.join(self.home, '.local', 'share', 'applications')
        os.makedirs(apps)
        os.makedirs(os.path.join(self.home, '.config'))
        self.urls_file = os.path.join(self.home, 'opened-urls')
        script = os.path.join(self.home, 'fake-browser')
        with open(script, 'w') as f:
            f.write(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {shlex.quote(self.urls_file)}\n')
        os.chmod(script, 0o755)
        with open(os.path.join(apps, 'kino-test-browser.desktop'), 'w') as f:
            f.write('[Desktop Entry]\nType=Application\nName=Test browser\n'
                    f'Exec={script} %u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\nNoDisplay=true\n')
        with open(os.path.join(self.home, '.config', 'mimeapps.list'), 'w') as f:
            f.write('[Default Applications]\nx-scheme-handler/http=kino-test-browser.desktop\n'
                    'x-scheme-handler/https=kino-test-browser.desktop\n')

    def opened_urls(self):
        if not os.path.exists(self.urls_file):
            return []
        with open(self.urls_file) as f:
            return f.read().split()

    def install_system_wide(self):
        """meson install --destdir of this build; returns the share folder the shell reads."""
        build = os.environ.get('KT_BUILD_ROOT', '')
        if not build:
            raise TestFailure('KT_BUILD_ROOT is not set (run through meson test)')
        dest = os.path.join(self.dir, 'install')
        p = subprocess.run(['meson', 'install', '-C', build, '--destdir', dest, '--no-rebuild', '--quiet'],
                           capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise TestFailure(f'meson install failed: {p.stdout}{p.stderr}')
        found = [root for root, dirs, _ in os.walk(dest) if root.endswith(os.path.join('gnome-shell', 'extensions'))
                 and UUID in dirs]
        if len(found) != 1:
            raise TestFailure(f'meson install put no {UUID} under share/gnome-shell/extensions')
        for root, dirs, files in os.walk(dest):
            os.chmod(root, 0o755)
            for n in files:
                os.chmod(os.path.join(root, n), 0o644 if not os.access(os.path.join(root, n), os.X_OK) else 0o755)
        return os.path.dirname(os.path.dirname(found[0]))

    def start_mocks(self):
        """logind and upower on the harness's bus, answering before the shell starts."""
        for template in ('logind', 'upower'):
            log = open(os.path.join(self.rig.tmp, f'{template}.log'), 'w+')
            p = subprocess.Popen([PYTHON, '-m', 'dbusmock', '--system', '--template', template],
                                 env=self.rig.env, stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(p)
        for name in ('org.freedesktop.login1', 'org.freedesktop.UPower'):
            wait_until(lambda: self.rig.bus.name_has_owner(name), what=f'mock {name}')

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # gnome-shell sometimes dies by SIGSEGV on SIGTERM in its teardown: not ours.
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
        self.procs = []

    def keep_log(self):
        if getattr(self, 'log_path', None) and os.path.exists(self.log_path):
            shutil.copy(self.log_path, os.path.join(OUT, f'{self.name}-gnome-shell.log'))

    def dump_log(self):
        if getattr(self, 'log_path', None) and os.path.exists(self.log_path):
            with open(self.log_path, errors='replace') as f:
                sys.stderr.write(f'----- gnome-shell.log -----\n{f.read()[-15000:]}\n')

    def log_text(self):
        self.log.flush()
        with open(self.log_path, errors='replace') as f:
            return f.read()

    # ---- talking to the shell ----
    @property
    def bus(self):
        if self._bus is None:
            self._bus = dbus.bus.BusConnection(self.address)
        return self._bus

    def eval(self, js, timeout=20):
        """org.gnome.Shell.Eval; returns the value (JSON-decoded)."""
        shell = self.bus.get_object('org.gnome.Shell', '/org/gnome/Shell', introspect=False)
        ok, out = shell.Eval(js, dbus_interface='org.gnome.Shell', timeout=timeout)
        if not ok:
            raise TestFailure(f'Eval failed: {out} (for {js[:200]})')
        return json.loads(out) if out else None

    def user_run(self, cmd, input=None, timeout=60):
        """A command as the shell's user, in its session."""
        return subprocess.run(as_user(self.uid, self.gid) + cmd, env=self.env, capture_output=True, text=True,
                              input=input, timeout=timeout)

    def user_popen(self, cmd, **kw):
        return subprocess.Popen(as_user(self.uid, self.gid) + cmd, env=self.env, **kw)

    # ---- the indicator ----
    def indicator(self):
        """The indicator's own view of itself (kinoState), or None when absent."""
        return self.eval("(() => { const i = Main.panel.statusArea['kino-trakt']; "
                         "return i ? i.kinoState : null; })()")

    def wait_indicator(self, pred, what, timeout=30):
        last = {}

        def probe():
            last['v'] = self.indicator()
            return last['v'] is not None and pred(last['v'])
        try:
            wait_until(probe, timeout=timeout, what=what, interval=0.2)
        except TestFailure:
            raise TestFailure(f'timed out waiting for {what}; the indicator says {last.get("v")!r}')
        return last['v']

    def wait_words(self, words, timeout=30):
        return self.wait_indicator(lambda s: s['accessibleName'] == words, f'the words {words!r}', timeout)

    def rect(self, js_actor):
        return self.eval(f"(() => {{ const a = {js_actor}; const [x, y] = a.get_transformed_position(); "
                         "const [w, h] = a.get_transformed_size(); return [x, y, w, h].map(Math.round); })()")

    def screenshot(self, label, js_actor="Main.panel.statusArea['kino-trakt']", rect=None):
        """A PNG of an actor's rectangle (the indicator by default), kept in OUT."""
        x, y, w, h = rect or self.rect(js_actor)
        name = f'{self.name}-{label}.png'
        path = os.path.join(self.shots, name)
        shot = self.bus.get_object('org.gnome.Shell.Screenshot', '/org/gnome/Shell/Screenshot', introspect=False)
        time.sleep(0.3)  # let the stage paint the last change
        ok, used = shot.ScreenshotArea(x, y, w, h, False, path, dbus_interface='org.gnome.Shell.Screenshot')
        if not ok:
            raise TestFailure(f'screenshot {label} failed')
        dest = os.path.join(OUT, name)
        shutil.copy(str(used), dest)
        return dest

    def menu(self, open_):
        self.eval(f"Main.panel.statusArea['kino-trakt'].menu.{'open' if open_ else 'close'}(false); true")
        time.sleep(0.3)

    def menu_item(self, item_id, call):
        """Call something on one of the indicator's menu items, e.g. 'activate(null)'."""
        return self.eval(f"(() => {{ const i = Main.panel.statusArea['kino-trakt']._items[{json.dumps(item_id)}]; "
                         f"i.{call}; return true; }})()")

    def match_rules(self):
        """How many match rules the shell's connection holds on the system bus."""
        unique = self.eval('Gio.DBus.system.get_unique_name()')
        stats = self.rig.bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus', introspect=False)
        s = stats.GetConnectionStats(unique, dbus_interface='org.freedesktop.DBus.Debug.Stats')
        return int(s['MatchRules'])


# ---- pixels ----

def dot_colour(png):
    """The most saturated pixel of a PNG as (r, g, b): the dot, whatever surrounds it."""
    import gi
    gi.require_version('GdkPixbuf', '2.0')
    from gi.repository import GdkPixbuf
    p = GdkPixbuf.Pixbuf.new_from_file(png)
    px, n, rs = p.get_pixels(), p.get_n_channels(), p.get_rowstride()
    best, best_s = (0, 0, 0), -1
    for y in range(p.get_height()):
        for x in range(p.get_width()):
            i = y * rs + x * n
            r, g, b = px[i], px[i + 1], px[i + 2]
            s = max(r, g, b) - min(r, g, b)
            if s > best_s or (s == best_s and max(r, g, b) > max(best)):
                best, best_s = (r, g, b), s
    return best


def classify(rgb):
    r, g, b = rgb
    if r > 150 and g > 150 and b < 110:
        return 'amber'
    if g > r + 60 and g > b + 40:
        return 'green'
    if r > g + 100 and r > b + 100:
        return 'red'
    if abs(r - g) < 30 and abs(g - b) < 30 and abs(r - b) < 30 and r > 100:
        return 'grey'
    return f'other{rgb}'


# ---- the daemon as a bus-activatable service ----

def make_activatable(rig):
    """Install org.kino.Trakt into the bus's service folder: the activated
    daemon runs with the rig's own command line (state folder, stand-in)."""
    services = os.path.join(rig.tmp, 'system-services')
    script = os.path.join(rig.tmp, 'activate-kino-traktd.sh')
    log = os.path.join(rig.tmp, 'daemon-activated.log')
    env = rig.daemon_env()
    keep = {k: env[k] for k in ('DBUS_SYSTEM_BUS_ADDRESS', 'KINO_TRAKT_API_URL', 'KINO_TRAKT_AUTH_URL',
                                'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'PATH') if k in env}
    with open(script, 'w') as f:
        f.write('#!/bin/sh\n# started by the test bus when someone asks for org.kino.Trakt\n'
                f'exec env {" ".join(f"{k}={shlex.quote(v)}" for k, v in keep.items())} '
                f'{shlex.join(rig.daemon_cmdline())} >>{shlex.quote(log)} 2>&1\n')
    os.chmod(script, 0o755)
    tmpfile = os.path.join(services, '.org.kino.Trakt.service.tmp')
    with open(tmpfile, 'w') as f:
        f.write(f'[D-BUS Service]\nName=org.kino.Trakt\nExec={script}\nUser=root\n')
    os.rename(tmpfile, os.path.join(services, 'org.kino.Trakt.service'))
    rig.activated_log = log
    return log


def owner_pid(rig, name='org.kino.Trakt'):
    dbus_obj = rig.bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus', introspect=False)
    return int(dbus_obj.GetConnectionUnixProcessID(name, dbus_interface='org.freedesktop.DBus'))


def stop_activated(rig, check=True):
    """SIGTERM to a daemon the bus started (not the rig's own); its log must show no
    sanitizer report."""
    log = getattr(rig, 'activated_log', None)
    try:
        if log is None or not rig.bus.name_has_owner('org.kino.Trakt'):
            return
        pid = owner_pid(rig)
    except dbus.exceptions.DBusException:
        return
    if rig.daemon is not None and rig.daemon.pid == pid:
        return
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not os.path.exists(f'/proc/{pid}'), timeout=60, what='the activated daemon to exit')
    text = open(log, errors='replace').read() if os.path.exists(log) else ''
    for bad in ('ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:'):
        if bad in text and check:
            raise TestFailure(f'the activated daemon reported {bad}:\n{text[-5000:]}')
