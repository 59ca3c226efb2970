"""Checks of the MPRIS bridge's integration files: its systemd user unit, its
XDG autostart entry (and that systemd's own autostart generator really skips
it, so a systemd session never runs a second copy) and its man page. One meson
test each; by hand:

    KT_SOURCE_ROOT=. KT_BUILD_ROOT=build /usr/bin/python3 tests/system/check_mpris.py NAME
"""
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.abspath(os.environ['KT_SOURCE_ROOT'])
BUILD = os.path.abspath(os.environ['KT_BUILD_ROOT'])
BRIDGE = os.path.join(BUILD, 'clients', 'mpris', 'kino-trakt-mpris')
UNIT = 'kino-trakt-mpris.service'
DESKTOP = 'kino-trakt-mpris.desktop'
GENERATOR = '/usr/lib/systemd/user-generators/systemd-xdg-autostart-generator'


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def need(tool, package):
    if not (shutil.which(tool) or os.access(tool, os.X_OK)):
        fail(f'{tool} is missing (Debian package {package})')


def read(*parts):
    with open(os.path.join(*parts), encoding='utf-8') as f:
        return f.read()


def ini(text):
    p = configparser.ConfigParser(interpolation=None, strict=True)
    p.optionxform = str
    p.read_string(text)
    return p


def user_unit():
    need('systemd-analyze', 'systemd')
    text = read(BUILD, 'clients', 'mpris', UNIT)
    u = ini(text)
    want = {('Unit', 'PartOf'): 'graphical-session.target', ('Unit', 'After'): 'graphical-session.target',
            ('Install', 'WantedBy'): 'graphical-session.target', ('Service', 'RestartPreventExitStatus'): '78',
            ('Service', 'Restart'): 'on-failure', ('Service', 'NoNewPrivileges'): 'yes'}
    for (sec, key), val in want.items():
        if u.get(sec, key, fallback=None) != val:
            fail(f'[{sec}] {key}={val} missing from the user unit')
    exec_start = u.get('Service', 'ExecStart').split()
    if not exec_start[0].endswith('/kino-trakt-mpris') or not exec_start[0].startswith('/') or \
            '--replace' not in exec_start:
        fail(f'ExecStart= must be the installed bridge with --replace: {exec_start}')
    if u.has_option('Service', 'User') or u.has_option('Service', 'DynamicUser'):
        fail('a user unit runs as its user: no User= or DynamicUser=')
    print('user unit: part of graphical-session.target, --replace, no restart on a bad config')

    tmp = tempfile.mkdtemp(prefix='kt-user-unit-')
    try:
        def verify(body):
            path = os.path.join(tmp, UNIT)
            with open(path, 'w') as f:
                f.write(body)
            env = dict(os.environ, XDG_RUNTIME_DIR=tmp, HOME=tmp)
            p = subprocess.run(['systemd-analyze', '--user', 'verify', '--man=no', path], capture_output=True,
                               text=True, env=env, timeout=120)
            return p.returncode, [l for l in (p.stdout + p.stderr).splitlines() if l.strip()]
        local = re.sub(r'^ExecStart=\S+', 'ExecStart=' + BRIDGE, text, flags=re.M)
        rc, out = verify(local)
        if rc != 0 or out:
            fail(f'systemd-analyze --user verify (exit {rc}):\n' + '\n'.join(out))
        print('systemd-analyze --user verify: clean')
        rc, out = verify(local + '\n[Service]\nNoSuchSetting=1\nRestart=sometimes\n')
        if rc == 0 and not out:
            fail('systemd-analyze --user verify did not notice a broken unit; the check is blind here')
        print(f'a deliberately broken copy is flagged ({len(out)} line(s))')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def generated_units(entry_text, name):
    """Run systemd's XDG autostart generator over one entry; the units it made."""
    tmp = tempfile.mkdtemp(prefix='kt-autostart-')
    try:
        os.makedirs(os.path.join(tmp, 'xdg', 'autostart'))
        out = os.path.join(tmp, 'out')
        os.makedirs(out)
        with open(os.path.join(tmp, 'xdg', 'autostart', name), 'w') as f:
            f.write(entry_text)
        env = dict(os.environ, XDG_CONFIG_DIRS=os.path.join(tmp, 'xdg'), XDG_CONFIG_HOME=os.path.join(tmp, 'home'),
                   SYSTEMD_LOG_LEVEL='debug')
        p = subprocess.run([GENERATOR, out, out, out], capture_output=True, text=True, env=env, timeout=60)
        if p.returncode != 0:
            fail(f'{GENERATOR} failed: {p.stderr}')
        return [f for f in os.listdir(out) if f.endswith('.service')], p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def autostart():
    need(GENERATOR, 'systemd')
    text = read(BUILD, 'clients', 'mpris', DESKTOP)
    d = ini(text)['Desktop Entry']
    for key, val in (('Type', 'Application'), ('NoDisplay', 'true'), ('Terminal', 'false'),
                     ('X-GNOME-HiddenUnderSystemd', 'true'), ('X-systemd-skip', 'true')):
        if d.get(key) != val:
            fail(f'{DESKTOP}: {key}={val} missing')
    exe = d.get('Exec', '')
    if not exe.startswith('/') or not exe.endswith('/kino-trakt-mpris') or d.get('TryExec') != exe:
        fail(f'{DESKTOP}: Exec= and TryExec= must be the installed bridge, no arguments: {exe!r}')
    print(f'{DESKTOP}: Exec={exe}, hidden under systemd')
    if shutil.which('desktop-file-validate'):
        p = subprocess.run(['desktop-file-validate', os.path.join(BUILD, 'clients', 'mpris', DESKTOP)],
                           capture_output=True, text=True)
        errors = [l for l in (p.stdout + p.stderr).splitlines() if 'error' in l]
        if errors:
            fail('desktop-file-validate: ' + '\n'.join(errors))
        print('desktop-file-validate: no errors')

    # Where systemd runs the session, its generator turns autostart entries
    # into units: ours must be skipped (the user unit is the way there), or a
    # systemd session would start the bridge twice.
    made, log = generated_units(text.replace(exe, '/bin/true'), DESKTOP)
    if made:
        fail(f'systemd-xdg-autostart-generator made {made} from our entry; it must skip it:\n{log}')
    print('systemd-xdg-autostart-generator skips the entry')
    # The same generator does make a unit for the entry without its skip keys
    # (so "skipped" above means something). Note: systemd 252 ignores
    # X-GNOME-HiddenUnderSystemd here; X-systemd-skip is what it honours.
    plain = re.sub(r'^X-(GNOME-HiddenUnderSystemd|systemd-skip)=.*\n', '', text.replace(exe, '/bin/true'), flags=re.M)
    made, log = generated_units(plain, DESKTOP)
    if not made:
        fail(f'the generator made no unit for the entry without its skip keys; the check is blind:\n{log}')
    print(f'(without its skip keys the generator makes {made})')


def man_page():
    need('groff', 'groff-base')
    path = os.path.join(SRC, 'man', 'kino-trakt-mpris.1')
    env = dict(os.environ, LC_ALL='C.UTF-8')
    p = subprocess.run(['groff', '-man', '-Tutf8', '-ww', '-z', path], capture_output=True, text=True, env=env)
    if p.returncode != 0 or p.stderr.strip():
        fail(f'kino-trakt-mpris.1 does not format cleanly: {p.stderr}')
    text = subprocess.run(['groff', '-man', '-Tutf8', '-P-cbou', path], capture_output=True, text=True,
                          env=env).stdout
    main_c = read(SRC, 'clients', 'mpris', 'main.c')
    options = re.findall(r'\{ "([a-z-]+)", ', main_c)
    if len(options) < 4:
        fail(f'found only {options} in main.c: the check reads it wrong')
    for opt in options:
        if '--' + opt not in text:
            fail(f'kino-trakt-mpris(1) does not document --{opt}')
    config_c = read(SRC, 'clients', 'mpris', 'mpris-config.c')
    keys = re.findall(r'strcmp\(k, "([a-z_]+)"\) == 0', config_c)
    if sorted(keys) != ['ignore', 'min_minutes', 'only']:
        fail(f'the config keys read from mpris-config.c are {keys}')
    for key in keys:
        if not re.search(rf'^\s{{7}}{key}\b', text, re.M):
            fail(f'kino-trakt-mpris(1) does not document the key {key}')
    exits = text[text.index('EXIT STATUS'):]
    for code in ('0', '1', '2', '78'):
        if not re.search(rf'^\s+{code}\s', exits, re.M):
            fail(f'kino-trakt-mpris(1) does not document exit status {code}')
    for word in ('DBUS_SESSION_BUS_ADDRESS', 'DBUS_SYSTEM_BUS_ADDRESS', 'XDG_CONFIG_HOME', 'SIGHUP',
                 'systemctl --user enable --now kino-trakt-mpris'):
        if word not in ' '.join(text.split()):
            fail(f'kino-trakt-mpris(1) does not mention {word}')
    # The page's --identify example is what the program prints.
    example = text[text.index('EXAMPLES'):]
    lines = re.findall(r'^\s+(\{.*\})$', example, re.M)
    p = subprocess.run([BRIDGE, '--identify'], input='The.Expanse.S01E02.1080p.mkv\nPrimer (2004).mkv\n',
                       capture_output=True, text=True, timeout=30)
    if p.stdout.splitlines() != lines:
        fail(f'the EXAMPLES output {lines} is not what --identify prints: {p.stdout.splitlines()}')
    print(f'kino-trakt-mpris(1) documents --{", --".join(options)}, the keys, the exit codes; its example holds')


CHECKS = {'mpris-' + f.__name__.replace('_', '-'): f for f in (user_unit, autostart, man_page)}

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        print('usage: check_mpris.py ' + '|'.join(CHECKS))
        sys.exit(2)
    CHECKS[sys.argv[1]]()
    print('PASS')
