"""The GNOME Shell extension in a real headless gnome-shell, next to the real
daemon on a private system bus. Each test starts one shell and walks many
states; screenshots of each go to KT_SHELL_OUT (BUILD/shell-screenshots)."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

import dbus

from harness import BUS_NAME, PYTHON, Rig, TestFailure, check, eq, wait_until
from shellrig import (UUID, Shell, classify, dot_colour, make_activatable, stop_activated,
                      other_uid, system_bus_extra)
from test_connect import SEED, configured, connect

FAST = '[Trakt]\nwrite_interval_ms = 50\nmax_retries = 1\n'
MENU = "Main.panel.statusArea['kino-trakt'].menu.actor"
GUARDIANS = 'movie:"Guardians of the Galaxy" 2014'  # named by title: the daemon resolves it (version 2)


def log(msg):
    print(msg, flush=True)


def new_rig(**kw):
    return Rig(daemon=False, config_text=FAST, bus_config_extra=system_bus_extra, **kw)


def shot_dot(sh, label, want):
    """A screenshot of the indicator alone; its most saturated pixel has the dot's colour."""
    png = sh.screenshot(label)
    # The same moment with some of the top bar around it, for people to look at.
    x, y, w, h = sh.rect("Main.panel.statusArea['kino-trakt']")
    left = max(0, x - 160)
    sh.screenshot(f'bar-{label}', rect=[left, 0, int(sh.monitor.split('x')[0]) - left, h])
    rgb = dot_colour(png)
    eq(classify(rgb), want, f'the dot in the screenshot {label} ({rgb})')
    log(f'  {label}: {want} {rgb}')


def state_is(sh, words, dot, eye=False, timeout=30):
    s = sh.wait_words(words, timeout=timeout)
    eq(s['dot'], dot, f'the dot while "{words}"')
    eq(s['eyeVisible'], eye, f'the eye while "{words}"')
    return s


def asked_polkit_interactively(rig, unique_name, action):
    """Whether the daemon asked polkit about action for that caller with
    AllowUserInteraction (the mock polkitd logs each CheckAuthorization)."""
    with open(os.path.join(rig.tmp, 'polkitd.log')) as f:
        return any(f"'{unique_name}'" in line and f'"{action}" {{}} 1 ' in line
                   for line in f if 'CheckAuthorization' in line)


def wait_drained(rig):
    wait_until(lambda: int(rig.prop('PendingEvents')) == 0, timeout=60, what='the outbox to drain')


def user_kinoctl(rig, sh):
    """kinoctl where the shell's user may run it (the checkout may be root's alone)."""
    path = os.path.join(rig.tmp, 'kinoctl')
    if not os.path.exists(path):
        shutil.copy(rig.kinoctl_path(), path)
        os.chmod(path, 0o755)
    return path


class Watch:
    """`kinoctl watch MEDIA` as a local user: a player session driven line by line."""

    def __init__(self, rig, sh, media, *args, uid=None):
        cmd = [user_kinoctl(rig, sh), 'watch', media] + list(args)
        self.out = open(os.path.join(rig.tmp, f'watch-{time.monotonic_ns()}.log'), 'w+')
        if uid is None:
            self.p = sh.user_popen(cmd, stdin=subprocess.PIPE, stdout=self.out, stderr=subprocess.STDOUT, text=True)
        else:
            self.p = subprocess.Popen(['setpriv', f'--reuid={uid}', f'--regid={uid}', '--clear-groups'] + cmd,
                                      env=rig.env, stdin=subprocess.PIPE, stdout=self.out, stderr=subprocess.STDOUT,
                                      text=True)
        wait_until(lambda: self.p.poll() is not None or 'playing at' in self.text(), what='kinoctl watch to start')
        if self.p.poll() is not None:
            raise TestFailure(f'kinoctl watch ended: {self.text()}')

    def text(self):
        self.out.flush()
        with open(self.out.name) as f:
            return f.read()

    def send(self, line):
        n = self.text().count('\n')
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        wait_until(lambda: self.text().count('\n') > n or self.p.poll() is not None, what=f'kinoctl watch: {line}')

    def quit(self):
        if self.p.poll() is None:
            self.p.stdin.write('quit\n')
            self.p.stdin.close()
            self.p.wait(30)


def check_shell_log(sh):
    """Nothing from the extension went wrong in the shell's log."""
    bad = [line for line in sh.log_text().splitlines()
           if re.search(r'JS ERROR|JS WARNING|Gjs-CRITICAL|Gjs-WARNING|kino-trakt|KinoTrakt', line)]
    check(not bad, 'the shell logged trouble:\n' + '\n'.join(bad[:40]))
    ext = sh.eval(f"(() => {{ const e = Main.extensionManager.lookup('{UUID}'); "
                  "return e ? [e.state, e.error ? String(e.error) : ''] : null; })()")
    check(ext is not None and ext[1] == '', f'the extension reports an error: {ext}')


def test_indicator_states():
    with new_rig() as rig, Shell(rig, 'states') as sh:
        rig.polkit_allow('org.kino.trakt.use', 'org.kino.trakt.connect')

        log('not installed: no daemon, nothing activatable')
        state_is(sh, 'Trakt: not installed', 'grey')
        shot_dot(sh, 'not-installed', 'grey')
        sh.menu(True)
        eq(sh.indicator()['menu'].get('headline'), 'Kino’s Trakt service is not installed on this computer.',
           'the menu says it is not installed')
        sh.screenshot('menu-not-installed', MENU)
        sh.menu(False)

        log('installed and stopped: opening the menu looks again, and starts nothing')
        make_activatable(rig)
        sh.menu(True)
        s = state_is(sh, 'Trakt: not running', 'grey')
        eq(s['menu'].get('start'), 'Start the Trakt service', 'the menu offers to start it')
        shot_dot(sh, 'not-running', 'grey')
        sh.screenshot('menu-not-running', MENU)
        sh.menu(False)
        time.sleep(1)
        check(not rig.bus.name_has_owner(BUS_NAME), 'the extension started the daemon without being asked')

        log('the daemon starts: not set up, not connected, connected')
        rig.start_daemon()
        state_is(sh, 'Trakt: not set up', 'grey')
        shot_dot(sh, 'unconfigured', 'grey')
        rig.call('Configure', 'test-client-id', 'test-client-secret')
        state_is(sh, 'Trakt: not connected', 'grey')
        shot_dot(sh, 'not-connected', 'grey')
        rig.control('config', {'write_interval': 0.01})
        configured(rig)
        connect(rig, import_=False)
        s = state_is(sh, 'Trakt: connected', 'green')
        check(s['menu'].get('headline', '').startswith('Connected as kino_tester since '),
              f'the account line: {s["menu"]}')
        shot_dot(sh, 'connected', 'green')
        log('Sync now from the menu')
        before = len([r for r in rig.control('requests') if r['path'] == '/sync/last_activities'])
        sh.menu(True)
        sh.menu_item('sync-now', 'activate(null)')
        wait_until(lambda: len([r for r in rig.control('requests') if r['path'] == '/sync/last_activities']) > before,
                   what='the sweep Sync now asked for')
        sh.menu(False)

        log('a player session of the shell\'s user: the menu\'s line; another user\'s is not shown')
        watch = Watch(rig, sh, GUARDIANS, '--progress', '12')
        s = state_is(sh, 'Trakt: scrobbling', 'green')
        shot_dot(sh, 'scrobbling', 'green')
        s = sh.wait_indicator(lambda s: s['menu'].get('sessions'), 'the session line')
        eq(s['menu']['sessions'][0].split(' · ')[0], 'Guardians of the Galaxy (2014)', 'the title playing now')
        check('12 %' in s['menu']['sessions'][0], f'the progress: {s["menu"]["sessions"]}')
        watch.send('pause 33')
        s = sh.wait_indicator(lambda s: 'paused at 33 %' in ' '.join(s['menu'].get('sessions', [])),
                              'the session line to follow the pause')
        watch.send('play 34')
        other = Watch(rig, sh, 'movie:trakt=1', uid=other_uid())
        time.sleep(1)
        s = sh.indicator()
        eq(len(s['menu'].get('sessions', [])), 1, f'another user\'s session shows in the menu: {s["menu"]}')
        other.quit()
        sh.menu(True)
        sh.screenshot('menu-playing', MENU)
        sh.menu(False)

        log('rate-limited: Trakt answers 429 and the events wait')
        rig.control('fault', {'match': '^/scrobble/', 'status': 429, 'retry_after': 2, 'count': -1,
                              'body': {'error': 'rate limited'}})
        watch.send('pause 40')
        watch.send('play 41')
        s = sh.wait_indicator(lambda s: s['dot'] == 'amber', 'the amber dot')
        check(re.fullmatch(r'Trakt: rate-limited, \d+ events? waiting', s['accessibleName']),
              f'the words while rate-limited: {s["accessibleName"]!r}')
        n = int(re.search(r'\d+', s['accessibleName']).group())
        check(n >= 1, 'no events waiting while rate-limited')
        shot_dot(sh, 'rate-limited', 'amber')
        rig.control('faults/clear', {})
        state_is(sh, 'Trakt: scrobbling', 'green', timeout=60)
        wait_drained(rig)

        log('failed: Trakt refuses an event')
        rig.control('fault', {'match': '^/scrobble/pause', 'status': 404, 'count': -1, 'body': {'error': 'not found'}})
        watch.send('pause 45')
        s = state_is(sh, 'Trakt: last scrobble failed', 'red')
        last_error = str(rig.prop('LastError'))
        check(last_error, 'the daemon has no LastError while failed')
        eq(s['menu'].get('error'), last_error, 'the menu shows the daemon\'s sentence')
        shot_dot(sh, 'failed', 'red')
        sh.menu(True)
        sh.screenshot('menu-failed', MENU)
        sh.menu(False)
        rig.control('faults/clear', {})
        watch.send('play 46')
        state_is(sh, 'Trakt: scrobbling', 'green')

        log('the eye: the menu\'s switch, another connection of the user, a player\'s incognito session')
        sh.menu(True)
        sh.menu_item('incognito', 'toggle()')
        s = state_is(sh, 'Trakt: scrobbling, incognito', 'green', eye=True)
        eq(s['incognitoSwitch'], True, 'the switch')
        shot_dot(sh, 'incognito', 'green')
        sh.screenshot('menu-incognito', MENU)
        r = sh.user_run(['gdbus', 'call', '--system', '-d', BUS_NAME, '-o', '/org/kino/Trakt',
                         '-m', 'org.kino.Trakt.GetIncognito'])
        eq(r.stdout.strip(), '(true,)', f'the user\'s eye in the daemon ({r.stderr})')
        check(asked_polkit_interactively(rig, sh.eval('Gio.DBus.system.get_unique_name()'), 'org.kino.trakt.use'),
              'the shell\'s SetIncognito did not let polkit ask the person (ALLOW_INTERACTIVE_AUTHORIZATION)')
        sh.menu_item('incognito', 'toggle()')
        state_is(sh, 'Trakt: scrobbling', 'green')
        sh.menu(False)
        holder = sh.user_popen([PYTHON, '-c', HOLD_EYE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
        eq(holder.stdout.readline().strip(), 'on', 'SetIncognito from another connection')
        state_is(sh, 'Trakt: scrobbling, incognito', 'green', eye=True)
        holder.stdin.close()
        holder.wait(10)
        # The eye's last holder left the bus: it goes off by itself.
        state_is(sh, 'Trakt: scrobbling', 'green')
        watch.quit()
        private = Watch(rig, sh, 'movie:trakt=1', '--incognito')
        s = state_is(sh, 'Trakt: scrobbling, incognito', 'green', eye=True)
        check(any(l.endswith(' · incognito') for l in s['menu'].get('sessions', [])),
              f'the incognito session line: {s["menu"]}')
        shot_dot(sh, 'incognito-session', 'green')
        private.send('pause 20')
        state_is(sh, 'Trakt: scrobbling', 'green')
        private.quit()
        watch = Watch(rig, sh, GUARDIANS, '--progress', '50')

        log('expired: the login is refused; reconnect from the menu')
        rig.control('tokens/invalidate-refresh', {})
        rig.control('tokens/expire', {})
        watch.send('pause 55')
        s = sh.wait_indicator(lambda s: s['state'] == 'expired' and s['dot'] == 'red', 'the red dot of expiry')
        check(re.fullmatch(r'Trakt: disconnected, reconnect( to send \d+ events? waiting)?', s['accessibleName']),
              f'the words when expired: {s["accessibleName"]!r}')
        eq(s['menu'].get('reconnect'), 'Trakt disconnected: reconnect', 'the reconnect item')
        shot_dot(sh, 'expired', 'red')
        sh.menu(True)
        sh.screenshot('menu-expired', MENU)
        sh.menu_item('reconnect', 'activate(null)')
        s = sh.wait_indicator(lambda s: s['menu'].get('code'), 'the device code in the menu')
        code = s['menu']['code']
        pending = [d['user_code'] for d in rig.control('devices') if d['state'] == 'pending']
        eq(pending, [code], 'the code shown is Trakt\'s')
        eq(sh.eval("Main.panel.statusArea['kino-trakt'].menu.isOpen"), True, 'the menu stays open for the code')
        sh.screenshot('menu-reconnect-code', MENU)
        url = sh.eval("Main.panel.statusArea['kino-trakt']._flow.url")
        check(url.startswith(rig.trakt_url), f'the verification URL {url!r} is not Trakt\'s answer')
        sh.menu_item('open-url', 'activate(null)')
        wait_until(lambda: sh.opened_urls() == [url], what=f'the browser to be asked for {url}')
        sh.menu(True)
        rig.control('device/approve', {'user_code': code})
        s = sh.wait_indicator(lambda s: s['menu'].get('choose'), 'the import choice in the menu')
        check(s['menu']['choose'].startswith('On Trakt: '), f'the preview line: {s["menu"]["choose"]!r}')
        sh.screenshot('menu-reconnect-choose', MENU)
        sh.menu_item('connect-only', 'activate(null)')
        state_is(sh, 'Trakt: scrobbling', 'green', timeout=60)
        watch.quit()
        state_is(sh, 'Trakt: connected', 'green', timeout=60)

        log('the daemon stops, and comes back when a person asks')
        rig.stop_daemon()
        state_is(sh, 'Trakt: not running', 'grey')
        shot_dot(sh, 'stopped', 'grey')
        sh.menu(True)
        sh.menu_item('start', 'activate(null)')
        state_is(sh, 'Trakt: connected', 'green')
        sh.menu(False)
        stop_activated(rig)
        state_is(sh, 'Trakt: not running', 'grey')
        rig.start_daemon()
        state_is(sh, 'Trakt: connected', 'green')
        check_shell_log(sh)


def extension_state(sh):
    return sh.eval(f"(() => {{ const e = Main.extensionManager.lookup('{UUID}'); return e ? e.state : null; }})()")


def set_enabled(sh, on):
    r = sh.user_run(['gnome-extensions', 'enable' if on else 'disable', UUID])
    eq(r.returncode, 0, f'gnome-extensions {"enable" if on else "disable"}: {r.stderr}')
    if on:
        wait_until(lambda: sh.indicator() is not None, what='the indicator to come back')
    else:
        wait_until(lambda: extension_state(sh) == 2 and sh.indicator() is None, what='the extension to be disabled')


def indicator_actors(sh):
    """Actors of our classes anywhere on the stage (none may survive a disable)."""
    return sh.eval("(() => { let n = 0; const walk = a => { const t = a.constructor.$gtype ? "
                   "a.constructor.$gtype.name : ''; if (t.startsWith('KinoTrakt')) n++; "
                   "for (const c of a.get_children()) walk(c); }; walk(global.stage); return n; })()")


def cycles(sh, n, words, open_menu=False):
    """disable/enable n times: each disable leaves no actor and no match rule behind,
    each enable shows the same state again."""
    for i in range(n):
        before = sh.match_rules()
        set_enabled(sh, False)
        off = sh.match_rules()
        eq(indicator_actors(sh), 0, f'actors left after disable #{i + 1}')
        set_enabled(sh, True)
        state = sh.wait_words(words)
        if open_menu:
            sh.menu(True)
            sh.menu(False)
        on = sh.match_rules()
        check(on > off, f'the enabled extension holds no match rule on the system bus ({on} vs {off})')
        eq(on, before, f'match rules after enable #{i + 1} (before the disable: {before})')
        set_enabled(sh, False)
        eq(sh.match_rules(), off, f'match rules left on the system bus after disable #{i + 1}')
        set_enabled(sh, True)
        sh.wait_words(words)
    log(f'  {n} cycles with "{words}": {off} match rules disabled, {on} enabled; {state["dot"]} dot')


def test_lifecycle():
    # The extension as `meson install` puts it, found system-wide by the shell.
    with new_rig() as rig, Shell(rig, 'lifecycle', source='installed') as sh:
        rig.polkit_allow('org.kino.trakt.use')
        log('not installed')
        state_is(sh, 'Trakt: not installed', 'grey')
        cycles(sh, 3, 'Trakt: not installed', open_menu=True)

        log('installed, not running: enabling, disabling and opening the menu start nothing')
        make_activatable(rig)
        sh.menu(True)
        state_is(sh, 'Trakt: not running', 'grey')
        sh.menu(False)
        cycles(sh, 3, 'Trakt: not running', open_menu=True)
        # disable() arriving before the legacy enable()'s import resolves
        sh.eval(f"(() => {{ const s = Main.extensionManager.lookup('{UUID}').stateObj; "
                "s.disable(); s.enable(); s.disable(); return true; })()")
        time.sleep(1)
        eq(sh.indicator(), None, 'an indicator after enable() and an immediate disable()')
        eq(indicator_actors(sh), 0, 'actors after enable() and an immediate disable()')
        sh.eval(f"(() => {{ Main.extensionManager.lookup('{UUID}').stateObj.enable(); return true; }})()")
        sh.wait_words('Trakt: not running')
        time.sleep(1)
        check(not rig.bus.name_has_owner(BUS_NAME), 'the extension started the daemon')
        with open(os.path.join(rig.tmp, 'dbus-daemon.log')) as f:
            check('org.kino.Trakt' not in f.read(), 'the bus activated org.kino.Trakt')

        log('running and connected, a session playing')
        rig.start_daemon()
        rig.control('config', {'write_interval': 0.01})
        configured(rig)
        connect(rig, import_=False)
        watch = Watch(rig, sh, 'movie:trakt=28', '--progress', '5')
        cycles(sh, 5, 'Trakt: scrobbling', open_menu=True)
        # Each disable ended the shell's subscription to session signals; the
        # shell stays on the bus, so only UnwatchSessions can tell the daemon.
        set_enabled(sh, False)
        wait_until(lambda: 'stopped watching sessions.' in rig.log_text(), what='UnwatchSessions from a disabled extension')
        set_enabled(sh, True)
        sh.wait_words('Trakt: scrobbling')
        watch.quit()
        state_is(sh, 'Trakt: connected', 'green', timeout=60)

        log('the daemon restarts while the extension is off')
        set_enabled(sh, False)
        rig.restart_daemon()
        set_enabled(sh, True)
        state_is(sh, 'Trakt: connected', 'green')
        check_shell_log(sh)


def crop_empty_bottom(png, margin=24):
    """The window is tall enough for the longest page; cut the empty part below
    the content, so the screenshot shows what a person would look at."""
    import gi
    gi.require_version('GdkPixbuf', '2.0')
    from gi.repository import GdkPixbuf
    p = GdkPixbuf.Pixbuf.new_from_file(png)
    px, n, rs, w, h = p.get_pixels(), p.get_n_channels(), p.get_rowstride(), p.get_width(), p.get_height()
    bg = px[(h - 8) * rs + (w // 2) * n:(h - 8) * rs + (w // 2) * n + 3]
    row = h - 8
    while row > 0 and all(px[row * rs + x * n:row * rs + x * n + 3] == bg for x in range(8, w - 8, 2)):
        row -= 1
    if row + margin < h:
        p.new_subpixbuf(0, 0, w, row + margin).savev(png, 'png', [], [])


class Prefs:
    """The extension's settings window, opened as a person would (the menu's
    "Settings…": the shell asks the Extensions app to show it), read and
    clicked through AT-SPI as a screen reader would."""
    APP = 'org.gnome.Shell.Extensions'

    def __init__(self, rig, sh):
        self.rig, self.sh = rig, sh
        helper = os.path.join(rig.tmp, 'atspi_helper.py')
        shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'atspi_helper.py'), helper)
        os.chmod(helper, 0o644)
        # The menu's "Settings…", as a person would.
        sh.menu(True)
        sh.menu_item('settings', 'activate(null)')
        self.helper = sh.user_popen([PYTHON, helper], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        wait_until(lambda: self.window_rect() is not None, what='the settings window')
        # Tall enough for the whole page in one screenshot.
        def resized():
            sh.eval(f"(() => {{ {self.WINDOW}.move_resize_frame(false, 180, 40, 720, 1380); return true; }})()")
            time.sleep(0.3)
            return self.window_rect()[3] >= 1300
        wait_until(resized, what='the settings window to grow', interval=0.2)

    WINDOW = ("global.get_window_actors().map(a => a.meta_window)"
              ".find(w => w.get_title() === 'Kino Trakt')")

    def window_rect(self):
        return self.sh.eval(f"(() => {{ const w = {self.WINDOW}; if (!w) return null; const r = w.get_frame_rect(); "
                            "return [r.x, r.y, r.width, r.height]; })()")

    def cmd(self, **c):
        c.setdefault('app', self.APP)
        self.helper.stdin.write(json.dumps(c) + '\n')
        self.helper.stdin.flush()
        return json.loads(self.helper.stdout.readline())

    def find(self, role, name):
        r = self.cmd(op='find', role=role, name=name)
        return r if r['ok'] else None

    def wait(self, role, name, timeout=30, sensitive=None):
        try:
            return wait_until(lambda: (lambda r: r and (sensitive is None or r['sensitive'] == sensitive) and r)(
                self.find(role, name)), timeout=timeout, what=f'{role} {name!r} in the settings', interval=0.2)
        except TestFailure:
            raise TestFailure(f'no {role} {name!r} in the settings window; it shows:\n{self.dump()}')

    def gone(self, role, name, timeout=30):
        wait_until(lambda: self.find(role, name) is None, timeout=timeout, what=f'{role} {name!r} to go away',
                   interval=0.2)

    def click(self, role, name):
        self.wait(role, name, sensitive=True)
        r = self.cmd(op='click', role=role, name=name)
        check(r['ok'], f'clicking {role} {name!r}: {r}')

    def set_text(self, name, text):
        self.wait('text', name)
        r = self.cmd(op='set_text', role='text', name=name, text=text)
        check(r['ok'], f'typing into {name!r}: {r}')

    def text(self, role, name):
        r = self.cmd(op='text', role=role, name=name)
        check(r['ok'], f'reading {role} {name!r}: {r}')
        return r['text']

    def dump(self):
        return self.cmd(op='dump')['text']

    def shot(self, label):
        time.sleep(0.5)
        png = self.sh.screenshot(f'prefs-{label}', rect=self.window_rect())
        crop_empty_bottom(png)
        return png

    def close(self):
        if self.helper.poll() is None:
            self.helper.stdin.close()
            self.helper.wait(10)


def test_prefs():
    with new_rig() as rig, Shell(rig, 'settings', monitor='1280x1440') as sh:
        make_activatable(rig)
        rig.control('config', {'write_interval': 0.01})
        rig.control('config', {'interval': 1})
        rig.control('seed', SEED)
        log('opening the settings starts the service (a person asked for them)')
        ui = Prefs(rig, sh)
        try:
            wait_until(lambda: rig.bus.name_has_owner(BUS_NAME), what='the settings window to start the daemon')
            ui.wait('label', 'Not set up yet:*')
            ui.wait('text', 'Client ID')
            ui.shot('unconfigured')

            log('a refusal shows the daemon\'s sentence')
            ui.set_text('Client ID', 'test-client-id')
            ui.set_text('Client secret', 'test-client-secret')
            ui.click('push button', 'Save')
            refusal = ui.wait('label', 'Permission denied:*')
            check(refusal, 'no refusal shown')
            eq(str(rig.prop('State')), 'unconfigured', 'State after a refused Configure')
            with open(os.path.join(rig.tmp, 'polkitd.log')) as f:
                check(any('"org.kino.trakt.configure" {} 1 ' in line for line in f),
                      'Configure from the settings did not let polkit ask the person')

            log('configure, then connect with the code')
            rig.polkit_allow('org.kino.trakt.configure', 'org.kino.trakt.connect', 'org.kino.trakt.use')
            ui.click('push button', 'Save')
            ui.wait('push button', 'Connect')
            eq(str(rig.prop('ClientId')), 'test-client-id', 'the client id the daemon has')
            eq(ui.text('text', 'Client secret*'), '', 'the secret field after saving')
            ui.gone('label', 'Permission denied:*')
            ui.shot('disconnected')
            ui.click('push button', 'Connect')
            code = wait_until(lambda: [d['user_code'] for d in rig.control('devices') if d['state'] == 'pending'],
                              what='a device code')[0]
            ui.wait('label', code)
            ui.wait('label', 'Go to 127.0.0.1:*')
            ui.wait('push button', 'Open Trakt in the browser')
            ui.shot('code')
            ui.click('push button', 'Open Trakt in the browser')
            wait_until(lambda: len(sh.opened_urls()) == 1 and sh.opened_urls()[0].startswith(rig.trakt_url),
                       what='the browser to be asked for Trakt\'s page')

            log('approved on Trakt: the preview and the two choices')
            rig.control('device/approve', {'user_code': code})
            ui.wait('push button', 'Import and connect')
            ui.wait('push button', 'Connect without importing')
            for n in ('5', '6', '4', '3'):
                ui.wait('label', n)
            ui.shot('preview')

            log('import and connect: the progress bar follows SyncProgress')
            rig.control('config', {'delay': 0.4})
            ui.click('push button', 'Import and connect')
            ui.wait('progress bar', '*', timeout=30)
            ui.shot('importing')
            rig.control('config', {'delay': 0.0})
            ui.gone('progress bar', '*', timeout=120)
            eq(str(rig.prop('State')), 'connected', 'State')
            ui.wait('label', 'Connected as kino_tester')
            ui.wait('label', 'Watchlist*')
            ui.shot('connected')
            check(ui.find('list item', 'Connected as kino_tester since*') is None,
                  'the status row repeats the account row')
            rig.control('config', {'delay': 0.3})
            ui.click('push button', 'Import')
            ui.wait('progress bar', '*')
            rig.control('config', {'delay': 0.0})
            ui.gone('progress bar', '*', timeout=120)
            ui.wait('push button', 'Import', sensitive=True)

            log('a toggle: the daemon follows the switch, and the switch follows the daemon')
            eq(ui.find('check box', 'Ratings')['checked'], True, 'the ratings switch')
            ui.click('check box', 'Ratings')
            wait_until(lambda: not bool(rig.prop('SyncEnabled')['ratings']), what='SyncEnabled ratings off')
            wait_until(lambda: ui.find('check box', 'Ratings')['checked'] is False, what='the switch off')
            rig.call('SetSyncEnabled', 'ratings', True)
            wait_until(lambda: ui.find('check box', 'Ratings')['checked'] is True, what='the switch back on')

            log('lists: the watchlist is a system list; a bad address gets the daemon\'s sentence')
            ui.wait('list item', 'Trakt watchlist')
            ui.wait('label', 'System list')
            eq(ui.find('push button', 'Remove'), None, 'a Remove button without a followed list')
            bad = 'https://example.org/users/sean/lists/nothing'
            try:
                rig.call('AddList', bad)
                raise TestFailure('AddList took a foreign address')
            except dbus.exceptions.DBusException as e:
                sentence = e.get_dbus_message()
            ui.set_text('Follow a list by its trakt.tv address', bad)
            ui.click('push button', 'Follow')
            ui.wait('label', sentence)
            rig.control('lists', {'user': 'sean', 'slug': 'star-wars', 'name': 'Star Wars in Machete Order',
                                  'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}}]})
            ui.set_text('Follow a list by its trakt.tv address', 'https://trakt.tv/users/sean/lists/star-wars')
            ui.click('push button', 'Follow')
            ui.wait('list item', 'Star Wars in Machete Order')
            ui.gone('label', sentence)
            ui.shot('lists')
            ui.click('push button', 'Remove')
            ui.gone('list item', 'Star Wars in Machete Order')
            eq([str(l[0]) for l in rig.call('GetLists')], ['watchlist'], 'lists after removing')

            log('expired: the banner, and reconnecting from it')
            rig.control('tokens/invalidate-refresh', {})
            rig.control('tokens/expire', {})
            rig.call('SyncNow')
            ui.wait('list item', 'Trakt disconnected: click to reconnect')
            ui.shot('expired')
            ui.click('push button', 'Reconnect')
            code = wait_until(lambda: [d['user_code'] for d in rig.control('devices') if d['state'] == 'pending'],
                              what='a new device code')[0]
            ui.wait('label', code)
            rig.control('device/approve', {'user_code': code})
            ui.click('push button', 'Connect without importing')
            wait_until(lambda: str(rig.prop('State')) == 'connected', what='connected again')
            ui.gone('list item', 'Trakt disconnected: click to reconnect')

            log('disconnect asks first')
            ui.click('push button', 'Disconnect…')
            # Adw.MessageDialog names its buttons twice ("Disconnect Disconnect") in libadwaita 1.2.
            ui.wait('push button', 'Disconnect Disconnect')
            time.sleep(0.5)
            ui.shot('disconnect')
            ui.click('push button', 'Cancel Cancel')
            ui.gone('push button', 'Disconnect Disconnect')
            eq(str(rig.prop('State')), 'connected', 'State after cancelling the question')
            ui.click('push button', 'Disconnect…')
            ui.click('push button', 'Disconnect Disconnect')
            wait_until(lambda: str(rig.prop('State')) == 'disconnected', what='disconnected')
            ui.wait('push button', 'Connect')
        finally:
            ui.close()


HOLD_EYE = '''
import dbus, os, sys
bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
bus.get_object('org.kino.Trakt', '/org/kino/Trakt', introspect=False).SetIncognito(
    True, dbus_interface='org.kino.Trakt')
print('on', flush=True)
sys.stdin.read()
'''


if __name__ == '__main__':
    sys.exit('run through run.py')
