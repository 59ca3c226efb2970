"""Checks of the system integration files: polkit policy, bus policy, unit
file, install layout, kinoctl's argument handling. usage: check.py NAME"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRC = os.environ['KT_SOURCE_ROOT']
BUILD = os.environ['KT_BUILD_ROOT']

CONTRACT_ACTIONS = {
    'org.kino.trakt.configure': ('no', 'no', 'auth_admin_keep'),
    'org.kino.trakt.connect': ('no', 'no', 'auth_admin_keep'),
    'org.kino.trakt.use': ('no', 'no', 'yes'),
}


def fail(msg):
    print('FAIL:', msg)
    sys.exit(1)


def polkit_policy():
    path = os.path.join(SRC, 'polkit', 'org.kino.trakt.policy')
    dtd = '/usr/share/polkit-1/policyconfig-1.dtd'
    if os.path.exists(dtd) and shutil.which('xmllint'):
        p = subprocess.run(['xmllint', '--noout', '--dtdvalid', dtd, path], capture_output=True, text=True)
        if p.returncode != 0:
            fail(f'the policy does not validate against {dtd}: {p.stderr}')
    else:
        fail('polkit DTD or xmllint missing: install policykit-1 and libxml2-utils')
    root = ET.parse(path).getroot()
    found = {}
    for a in root.findall('action'):
        d = a.find('defaults')
        found[a.get('id')] = tuple(d.find(k).text for k in ('allow_any', 'allow_inactive', 'allow_active'))
        for k in ('description', 'message'):
            if a.find(k) is None or not (a.find(k).text or '').strip():
                fail(f'{a.get("id")} has no {k}')
    if found != CONTRACT_ACTIONS:
        fail(f'actions differ from the contract: {found}')
    # Every action the daemon's authorization table names is declared here.
    table = open(os.path.join(SRC, 'daemon', 'polkit.c')).read()
    used = set(re.findall(r'"(org\.kino\.trakt\.[a-z]+)"', table))
    if not used or not used <= set(found):
        fail(f'daemon uses undeclared actions: {used - set(found)}')


def bus_policy():
    path = os.path.join(SRC, 'dbus', 'org.kino.Trakt.conf')
    root = ET.parse(path).getroot()
    owners = set()
    for pol in root.findall('policy'):
        for allow in pol.findall('allow'):
            if allow.get('own') == 'org.kino.Trakt':
                owners.add(pol.get('user') or pol.get('context'))
        if pol.get('at_console') is not None:
            fail('at_console rules are not allowed')
    if owners != {'kino-trakt', 'root'}:
        fail(f'only kino-trakt and root may own org.kino.Trakt, got {owners}')
    default = [p for p in root.findall('policy') if p.get('context') == 'default']
    if not any(a.get('send_destination') == 'org.kino.Trakt' and a.get('send_interface') == 'org.kino.Trakt'
               for p in default for a in p.findall('allow')):
        fail('the default context cannot call org.kino.Trakt')
    # dbus-daemon itself must accept a bus built with it.
    tmp = tempfile.mkdtemp()
    try:
        conf = os.path.join(tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(f'<busconfig><type>system</type><listen>unix:path={tmp}/s</listen><auth>EXTERNAL</auth>'
                    f'<include>{path}</include></busconfig>')
        p = subprocess.Popen(['dbus-daemon', '--nofork', '--config-file=' + conf, '--print-address'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        p.terminate()
        _, err = p.communicate(timeout=10)
        if not line.startswith('unix:'):
            fail(f'dbus-daemon rejected the policy: {err}')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def unit_for_test():
    text = open(os.path.join(BUILD, 'systemd', 'kino-traktd.service')).read()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, 'kino-traktd.service')
    exec_line = [l for l in text.splitlines() if l.startswith('ExecStart=')][0]
    daemon = os.path.join(BUILD, 'daemon', 'kino-traktd')
    with open(path, 'w') as f:
        f.write(text.replace(exec_line, 'ExecStart=' + daemon))
    return tmp, path


def unit_verify():
    tmp, path = unit_for_test()
    try:
        p = subprocess.run(['systemd-analyze', 'verify', '--man=no', path], capture_output=True, text=True)
        out = (p.stdout + p.stderr).strip()
        # Offline, without systemd as PID 1, verify may only complain about the bus/user setup.
        bad = [l for l in out.splitlines() if l and 'kino-traktd.service' in l
               and not re.search(r'(Failed to .*bus|System has not been booted|user .*kino-trakt)', l)]
        if p.returncode != 0 and bad:
            fail(f'systemd-analyze verify: {out}')
        if bad:
            fail(f'systemd-analyze verify warns: {bad}')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def unit_security():
    tmp, path = unit_for_test()
    try:
        p = subprocess.run(['systemd-analyze', 'security', '--offline=yes', path], capture_output=True, text=True)
        m = re.search(r'Overall exposure level for .*: ([0-9.]+)', p.stdout + p.stderr)
        if not m:
            fail(f'no exposure score: {p.stdout} {p.stderr}')
        score = float(m.group(1))
        print(f'exposure: {score}')
        if score > 2.0:
            fail(f'exposure {score} is above 2.0')
        text = open(path).read()
        for key in ('Type=dbus', 'BusName=org.kino.Trakt', 'User=kino-trakt', 'StateDirectory=kino-trakt',
                    'ProtectSystem=strict', 'NoNewPrivileges=yes', 'SystemCallFilter=@system-service',
                    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6', 'CapabilityBoundingSet=\n'):
            if key not in text + '\n':
                fail(f'the unit lacks {key!r}')
        if 'DynamicUser=' in text:
            fail('DynamicUser cannot own a bus name by policy')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def install_layout():
    dest = tempfile.mkdtemp()
    try:
        p = subprocess.run(['meson', 'install', '-C', BUILD, '--destdir', dest, '--no-rebuild', '--quiet'],
                           capture_output=True, text=True)
        if p.returncode != 0:
            fail(f'meson install failed: {p.stdout} {p.stderr}')
        files = set()
        for root, _, names in os.walk(dest):
            for n in names:
                files.add(os.path.relpath(os.path.join(root, n), dest))
        prefix = subprocess.run(['meson', 'introspect', BUILD, '--buildoptions'], capture_output=True, text=True).stdout
        import json
        opts = {o['name']: o['value'] for o in json.loads(prefix)}
        pre = opts['prefix'].lstrip('/')
        want = [
            f'{pre}/{opts["libexecdir"]}/kino-traktd',
            f'{pre}/{opts["bindir"]}/kinoctl',
            f'{pre}/{opts["datadir"]}/dbus-1/system.d/org.kino.Trakt.conf',
            f'{pre}/{opts["datadir"]}/dbus-1/system-services/org.kino.Trakt.service',
            f'{pre}/{opts["datadir"]}/dbus-1/interfaces/org.kino.Trakt.xml',
            f'{pre}/{opts["datadir"]}/polkit-1/actions/org.kino.trakt.policy',
            f'{pre}/{opts["mandir"]}/man1/kinoctl.1',
            f'{pre}/{opts["mandir"]}/man8/kino-traktd.8',
            f'{pre}/{opts["mandir"]}/man5/trakt.conf.5',
        ]
        for w in want:
            if os.path.normpath(w) not in files:
                fail(f'{w} is not installed; installed: {sorted(files)}')
        if not any(f.endswith('systemd/system/kino-traktd.service') for f in files):
            fail('the unit is not installed')
        if not any(f.endswith('sysusers.d/kino-trakt.conf') for f in files):
            fail('the sysusers file is not installed')
        if not any(f.endswith('completions/kinoctl') for f in files):
            fail('the bash completion is not installed')
        svc = [f for f in files if f.endswith('system-services/org.kino.Trakt.service')][0]
        text = open(os.path.join(dest, svc)).read()
        if 'SystemdService=kino-traktd.service' not in text or 'User=kino-trakt' not in text:
            fail(f'activation file incomplete: {text}')
        if f'Exec=/{pre}/{opts["libexecdir"]}/kino-traktd'.replace('//', '/') not in text:
            fail(f'activation Exec= does not point at the installed daemon: {text}')
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def kinoctl_usage():
    k = os.path.join(BUILD, 'clients', 'kinoctl', 'kinoctl')
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS='unix:path=/nonexistent/kt-no-bus')
    for args, code in ((['bogus'], 2), ([], 2), (['sync', 'enable', 'nonsense'], 2), (['sync', 'maybe', 'history'], 2),
                       (['status'], 3), (['--help'], 0), (['--version'], 0)):
        p = subprocess.run([k] + args, capture_output=True, text=True, env=env, timeout=30)
        if p.returncode != code:
            fail(f'kinoctl {args}: exit {p.returncode}, expected {code} ({p.stderr!r})')
        if code not in (0,) and args and len(p.stderr.strip().splitlines()) != 1:
            fail(f'kinoctl {args}: not one line: {p.stderr!r}')


CHECKS = {f.__name__.replace('_', '-'): f for f in (polkit_policy, bus_policy, unit_verify, unit_security,
                                                     install_layout, kinoctl_usage)}

if __name__ == '__main__':
    CHECKS[sys.argv[1]]()
    print('PASS')
