"""Checks of the system integration files: polkit policy, bus policy, the
activation file, the unit and its sandbox, sysusers, the install layout, the
man pages, the bash completion, kinoctl's own argument handling (no daemon
needed), the comments' citations of docs/trakt-api.md and the daemon's include
graph. Each check is one meson test; run one by hand with

    KT_SOURCE_ROOT=. KT_BUILD_ROOT=build /usr/bin/python3 tests/system/check.py NAME

A check prints what it looked at and ends with PASS, or prints FAIL: why and
exits 1. Nothing here is skipped: a missing tool is a failure naming the
Debian package to install.

Longer than 800 lines for a reason: the checks are independent functions of a
few dozen lines each, run by name from one meson test apiece; one file keeps
one runner and one set of helpers (sources, the policy, the unit)."""
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

SRC = os.path.abspath(os.environ['KT_SOURCE_ROOT'])
BUILD = os.path.abspath(os.environ['KT_BUILD_ROOT'])
KINOCTL = os.path.join(BUILD, 'clients', 'kinoctl', 'kinoctl')

BUS_NAME = 'org.kino.Trakt'
SERVICE_USER = 'kino-trakt'
UNIT = 'kino-traktd.service'
# The MPRIS bridge's autostart entry: XDG autostart is read from $XDG_CONFIG_DIRS
# only (/etc/xdg), so it is the one file installed under etc.
AUTOSTART = '/xdg/autostart/kino-trakt-mpris.desktop'

CONTRACT_ACTIONS = {
    'org.kino.trakt.configure': ('no', 'no', 'auth_admin_keep'),
    'org.kino.trakt.connect': ('no', 'no', 'auth_admin_keep'),
    'org.kino.trakt.use': ('no', 'no', 'yes'),
}
CATEGORIES = ['scrobble', 'history', 'ratings', 'watchlist', 'collection', 'resume', 'recommendations']
# kinoctl's MEDIA syntax as kinoctl(1) and --help show it.
MEDIA_EXAMPLES = ('movie:imdb=tt0372784', 'episode:show_tvdb=81189,season=1,episode=1', 'movie:"Inception" 2010')


def fail(msg):
    print('FAIL:', msg)
    sys.exit(1)


def need(tool, package):
    path = shutil.which(tool)
    if not path:
        fail(f'{tool} is missing: apt-get install {package}')
    return path


def run(args, **kw):
    kw.setdefault('capture_output', True)
    kw.setdefault('text', True)
    kw.setdefault('timeout', 60)
    return subprocess.run(args, **kw)


def read(*parts):
    with open(os.path.join(*parts)) as f:
        return f.read()


def ini_values(text, key):
    """Values of key= in a systemd/D-Bus style ini text (all sections)."""
    return [l.split('=', 1)[1].strip() for l in text.splitlines() if l.startswith(key + '=')]


def kinoctl_verbs():
    """The names in kinoctl.c's command table; each verb is declared in
    kinoctl-verbs.h (its code lives in a kinoctl-AREA.c)."""
    verbs = re.findall(r'\{\s*"([a-z-]+)",\s*verb_[a-z_]+,', read(SRC, 'clients', 'kinoctl', 'kinoctl.c'))
    if len(verbs) < 3:
        fail(f'could not read the command table of kinoctl.c: {verbs}')
    declared = re.findall(r'^int verb_([a-z_]+)\(int argc, char \*\*argv\);', read(SRC, 'clients', 'kinoctl', 'kinoctl-verbs.h'), re.M)
    if sorted(v.replace('-', '_') for v in verbs) != sorted(declared):
        fail(f'kinoctl.c\'s table {verbs} and kinoctl-verbs.h {declared} differ')
    return verbs


def nobody():
    try:
        p = pwd.getpwnam('nobody')
        return p.pw_uid, p.pw_gid
    except KeyError:
        return 65534, 65534


def test_user(name):
    """(uid, gid) of a system account for tests, created when missing: a fresh
    machine has no ordinary user, and dbus-daemon refuses a uid it cannot look up."""
    try:
        p = pwd.getpwnam(name)
        return p.pw_uid, p.pw_gid
    except KeyError:
        pass
    p = run(['useradd', '--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin',
             '--comment', 'kino-trakt tests', name])
    if p.returncode not in (0, 9):  # 9: another test created it meanwhile
        fail(f'could not create the test account {name}: {p.stderr.strip()}')
    p = pwd.getpwnam(name)
    return p.pw_uid, p.pw_gid


def as_user(uid, gid):
    return ['setpriv', f'--reuid={uid}', f'--regid={gid}', '--clear-groups']


def require_root():
    if os.geteuid() != 0:
        fail('this check switches to other users and must run as root (CI does)')
    need('setpriv', 'util-linux')


# ---------------------------------------------------------------- polkit

def polkit_policy():
    path = os.path.join(SRC, 'polkit', 'org.kino.trakt.policy')
    dtd = '/usr/share/polkit-1/policyconfig-1.dtd'
    need('xmllint', 'libxml2-utils')
    if not os.path.exists(dtd):
        fail(f'{dtd} is missing: apt-get install polkitd')
    p = run(['xmllint', '--noout', '--dtdvalid', dtd, path])
    if p.returncode != 0 or p.stderr.strip():
        fail(f'the policy does not validate against {dtd}: {p.stderr}')
    print(f'valid against {dtd}')

    root = ET.parse(path).getroot()
    found = {}
    for a in root.findall('action'):
        aid = a.get('id')
        if aid in found:
            fail(f'{aid} is declared twice')
        d = a.find('defaults')
        if d is None:
            fail(f'{aid} has no <defaults>')
        found[aid] = tuple((d.find(k).text or '').strip() if d.find(k) is not None else None
                           for k in ('allow_any', 'allow_inactive', 'allow_active'))
        for k in ('description', 'message'):
            el = a.find(k)
            text = (el.text or '').strip() if el is not None else ''
            if len(text) < 10:
                fail(f'{aid} has no real <{k}>: {text!r}')
        msg = a.find('message').text.strip()
        if not msg.endswith('.'):
            fail(f'{aid}: the message should be a sentence: {msg!r}')
        # The daemon runs as SERVICE_USER and asks about other users: polkitd
        # answers that only for root or an owner of the action (polkit(8)).
        owners = [(n.text or '').split() for n in a.findall('annotate')
                  if n.get('key') == 'org.freedesktop.policykit.owner']
        if owners != [[f'unix-user:{SERVICE_USER}']]:
            fail(f'{aid}: want one org.freedesktop.policykit.owner annotation "unix-user:{SERVICE_USER}" '
                 f'(else polkitd refuses to answer kino-traktd about its callers), got {owners}')
    if found != CONTRACT_ACTIONS:
        fail(f'actions differ from the contract:\n  got  {found}\n  want {CONTRACT_ACTIONS}')
    print('actions and defaults:', found)

    # Every action the daemon's authorization table names is declared, and
    # every declared action is used.
    # (daemon/polkit-table.c holds the table, its .h names the actions.)
    table = read(SRC, 'daemon', 'polkit-table.c')
    names = re.findall(r'#define\s+(\w+)\s+"(org\.kino\.trakt\.[a-z]+)"', read(SRC, 'daemon', 'polkit-table.h'))
    used = set(re.findall(r'"(org\.kino\.trakt\.[a-z]+)"', table))
    used |= {action for macro, action in names if re.search(r'\b' + macro + r'\b', table)}
    if used != set(found):
        fail(f'daemon/polkit-table.[ch] use {sorted(used)}, the policy declares {sorted(found)}')


# ---------------------------------------------------------------- bus policy

# The defaults of Debian's /usr/share/dbus-1/system.conf: deny by default,
# replies and signals allowed, the driver callable.
SYSTEM_BUS_CONF = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
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
  </policy>
  {extra}
</busconfig>
'''


class PrivateBus:
    """A dbus-daemon of its own with a system-like policy plus extra config."""

    def __init__(self, extra):
        need('dbus-daemon', 'dbus')
        self.tmp = tempfile.mkdtemp(prefix='kt-bus-')
        os.chmod(self.tmp, 0o755)  # other users must reach the socket
        sock = os.path.join(self.tmp, 'bus')
        conf = os.path.join(self.tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(SYSTEM_BUS_CONF.format(sock=sock, extra=extra))
        self.proc = subprocess.Popen(['dbus-daemon', '--nofork', '--nopidfile', '--config-file=' + conf,
                                      '--print-address'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith('unix:'):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=10)
            shutil.rmtree(self.tmp, ignore_errors=True)
            fail(f'dbus-daemon rejected the configuration: {err}')
        self.address = line
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=line)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, user, dest, path, method, *args, timeout_ms=3000):
        """dbus-send as (uid, gid) or as ourselves (user None)."""
        cmd = (as_user(*user) if user else []) + [
            'dbus-send', f'--bus={self.address}', '--print-reply', f'--reply-timeout={timeout_ms}',
            f'--dest={dest}', path, method, *args]
        return run(cmd)


# Owns a name and answers every method call with an empty reply, so a call
# that gets through the bus policy succeeds and one that does not gets
# AccessDenied from the bus.
STUB_OWNER = r'''
import sys, dbus, dbus.lowlevel, dbus.mainloop.glib
from gi.repository import GLib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])
def answer(conn, msg):
    if msg.get_type() == dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL:
        conn.send_message(dbus.lowlevel.MethodReturnMessage(msg))
        return dbus.lowlevel.HANDLER_RESULT_HANDLED
    return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
bus.add_message_filter(answer)
r = bus.request_name(sys.argv[2], dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
print('owned' if r == dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER else f'not owned: {r}', flush=True)
GLib.MainLoop().run()
'''


def start_stub_owner(bus, name, user=None):
    cmd = (as_user(*user) if user else []) + ['/usr/bin/python3', '-c', STUB_OWNER, bus.address, name]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    if line != 'owned':
        p.kill()
        _, err = p.communicate(timeout=10)
        fail(f'the stub could not own {name}: {line} {err}')
    return p


def bus_policy():
    """The file's shape, and dbus-daemon accepts it."""
    path = os.path.join(SRC, 'dbus', 'org.kino.Trakt.conf')
    if '/etc/' in path:
        fail('the policy must not live in /etc')
    root = ET.parse(path).getroot()
    owners = set()
    for pol in root.findall('policy'):
        if pol.get('at_console') is not None:
            fail('at_console rules are not allowed')
        for allow in pol.findall('allow'):
            if allow.get('own') == BUS_NAME or allow.get('own_prefix'):
                owners.add(pol.get('user') or pol.get('group') or pol.get('context'))
            if allow.get('send_destination') == BUS_NAME and pol.get('context') == 'default' \
                    and not allow.get('send_interface'):
                fail('the default context may not send everything to org.kino.Trakt: list the interfaces')
    if owners != {SERVICE_USER, 'root'}:
        fail(f'only {SERVICE_USER} and root may own {BUS_NAME}, got {owners}')
    default = [p for p in root.findall('policy') if p.get('context') == 'default']
    allowed = {a.get('send_interface') for p in default for a in p.findall('allow')
               if a.get('send_destination') == BUS_NAME}
    want = {'org.kino.Trakt', 'org.kino.Trakt.Session', 'org.freedesktop.DBus.Properties',
            'org.freedesktop.DBus.Introspectable', 'org.freedesktop.DBus.Peer'}
    if not want <= allowed:
        fail(f'the default context cannot call {sorted(want - allowed)}')
    print('owners:', sorted(owners), '; callable interfaces:', sorted(allowed))
    with PrivateBus(f'<include>{path}</include>'):
        pass
    print('dbus-daemon accepts it')


def bus_policy_behaviour():
    """On a bus with system defaults and our policy: root owns the name, an
    ordinary user cannot; an ordinary user can call the listed interfaces and
    nothing else."""
    require_root()
    need('dbus-send', 'dbus')
    path = os.path.join(SRC, 'dbus', 'org.kino.Trakt.conf')
    user = nobody()
    with PrivateBus(f'<include>{path}</include>') as bus:
        p = bus.send(user, 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.RequestName',
                     f'string:{BUS_NAME}', 'uint32:4')
        if 'AccessDenied' not in p.stderr:
            fail(f'uid {user[0]} could ask for {BUS_NAME}: {p.stdout} {p.stderr}')
        print(f'uid {user[0]} may not own {BUS_NAME}')

        owner = start_stub_owner(bus, BUS_NAME)  # as root
        try:
            print(f'root owns {BUS_NAME}')
            try:
                ku = pwd.getpwnam(SERVICE_USER)
                p = bus.send((ku.pw_uid, ku.pw_gid), 'org.freedesktop.DBus', '/org/freedesktop/DBus',
                             'org.freedesktop.DBus.RequestName', f'string:{BUS_NAME}', 'uint32:4')
                if p.returncode != 0 or 'uint32 3' not in p.stdout:  # allowed, but root has it: EXISTS
                    fail(f'{SERVICE_USER} may not ask for {BUS_NAME}: {p.stdout} {p.stderr}')
                print(f'{SERVICE_USER} may own {BUS_NAME}')
            except KeyError:
                print(f'(no user {SERVICE_USER} on this machine: its ownership is checked in the file only)')

            allowed = [('/org/kino/Trakt', 'org.kino.Trakt.GetHistory'),
                       ('/org/kino/Trakt/session/1', 'org.kino.Trakt.Session.Close'),
                       ('/org/kino/Trakt', 'org.freedesktop.DBus.Properties.GetAll'),
                       ('/org/kino/Trakt', 'org.freedesktop.DBus.Introspectable.Introspect'),
                       ('/org/kino/Trakt', 'org.freedesktop.DBus.Peer.Ping'),
                       ('/org/kino/Trakt', 'org.freedesktop.DBus.ObjectManager.GetManagedObjects')]
            for obj, method in allowed:
                p = bus.send(user, BUS_NAME, obj, method)
                if p.returncode != 0:
                    fail(f'uid {user[0]} cannot call {method}: {p.stderr.strip()}')
                print(f'uid {user[0]} may call {method}')
            for obj, method in [('/org/kino/Trakt', 'org.example.Other.Do'),
                                ('/org/kino/Trakt', 'org.freedesktop.DBus.Debug.Stats.GetStats')]:
                p = bus.send(user, BUS_NAME, obj, method)
                if 'AccessDenied' not in p.stderr:
                    fail(f'uid {user[0]} could call {method}: {p.stdout} {p.stderr}')
                print(f'uid {user[0]} may not call {method}')
        finally:
            owner.kill()
            owner.wait()


# Listens on the bus as whoever runs it: prints its unique name, optionally
# asks for every signal (and to eavesdrop), then prints each signal it gets
# from others for a few seconds, one line each: "member destination args".
SIGNAL_LISTENER = r'''
import sys
from gi.repository import Gio, GLib
conn = Gio.DBusConnection.new_for_address_sync(sys.argv[1], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
                                               Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
def on(conn, msg, incoming):
    if incoming and msg.get_message_type() == Gio.DBusMessageType.SIGNAL and msg.get_sender() != 'org.freedesktop.DBus':
        print(msg.get_member(), msg.get_destination(), msg.get_body(), flush=True)
    return msg
conn.add_filter(on)
for rule in sys.argv[2:]:
    try:
        conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch',
                       GLib.Variant('(s)', (rule,)), None, 0, 5000, None)
    except GLib.Error as e:
        print('refused', rule, flush=True)
print(conn.get_unique_name(), flush=True)
GLib.timeout_add(3000, GLib.MainLoop.quit, loop := GLib.MainLoop())
loop.run()
'''


def bus_unicast_signals():
    """The daemon's signals about sessions are unicast: on a bus with system
    defaults and our policy, one sent by the service's user (kino-trakt, or an
    ordinary user where it does not exist) reaches its addressee, and another
    user listening to every signal (even asking to eavesdrop) gets nothing."""
    require_root()
    need('dbus-send', 'dbus')
    path = os.path.join(SRC, 'dbus', 'org.kino.Trakt.conf')
    try:
        sender = (pwd.getpwnam(SERVICE_USER).pw_uid, pwd.getpwnam(SERVICE_USER).pw_gid)
        who = SERVICE_USER
    except KeyError:
        d = pwd.getpwnam('daemon')
        sender, who = (d.pw_uid, d.pw_gid), 'daemon (no kino-trakt user here)'
    b = pwd.getpwnam('bin')
    with PrivateBus(f'<include>{path}</include>') as bus:
        def listen(user, *rules):
            p = subprocess.Popen(as_user(*user) + ['/usr/bin/python3', '-c', SIGNAL_LISTENER, bus.address, *rules],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            lines = []
            while True:
                line = p.stdout.readline().strip()
                if line.startswith(':'):
                    return p, line, lines
                if not line:
                    fail(f'the listener did not start: {p.stderr.read()}')
                lines.append(line)
        addressee, name, _ = listen(nobody())
        other, _, refused = listen((b.pw_uid, b.pw_gid), "type='signal'", "eavesdrop=true,type='signal'")
        for member, arg in (('org.kino.Trakt.SessionChanged', 'objpath:/org/kino/Trakt/session/1'),
                            ('org.kino.Trakt.IncognitoChanged', 'boolean:true')):
            p = run(as_user(*sender) + ['dbus-send', f'--bus={bus.address}', '--type=signal', f'--dest={name}',
                                        '/org/kino/Trakt', member, arg])
            if p.returncode != 0:
                fail(f'{who} could not send {member} to {name}: {p.stderr}')
        got = addressee.communicate(timeout=20)[0]
        heard = other.communicate(timeout=20)[0]
        for member in ('SessionChanged', 'IncognitoChanged'):
            if f'{member} {name}' not in got:
                fail(f'{member} from {who} did not reach its addressee: {got!r}')
        print(f'{who} → uid {nobody()[0]}: both signals arrived')
        if 'SessionChanged' in heard or 'IncognitoChanged' in heard:
            fail(f'another user received a signal addressed to someone else: {heard!r}')
        print(f'uid {b.pw_uid} listening to every signal heard none of them ({"; ".join(refused) or "eavesdrop allowed"})')


# What kino-traktd.service relies on for PrivateUsers=yes: a process in a user
# namespace that maps only root and its own uid 1:1 is still that uid for the
# bus (name ownership by user policy works), and the bus reports other
# callers' uids as host numbers (so "uid 0 is root" and polkit stay right).
USERNS_RUN = r'''
import ctypes, os, sys
uid, gid = int(sys.argv[1]), int(sys.argv[2])
libc = ctypes.CDLL(None, use_errno=True)
r1, w1 = os.pipe(); r2, w2 = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        print('unshare failed:', os.strerror(ctypes.get_errno()), flush=True); os._exit(90)
    os.write(w1, b'x'); os.read(r2, 1)
    os.setgroups([]); os.setresgid(gid, gid, gid); os.setresuid(uid, uid, uid)
    os.execvp(sys.argv[3], sys.argv[3:])
os.read(r1, 1)
with open(f'/proc/{pid}/uid_map', 'w') as f: f.write(f'0 0 1\n{uid} {uid} 1\n')
with open(f'/proc/{pid}/gid_map', 'w') as f: f.write(f'0 0 1\n{gid} {gid} 1\n')
os.write(w2, b'x')
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
'''


def bus_private_users():
    require_root()
    need('busctl', 'systemd')
    user = nobody()
    outside = test_user('kt-test-outside')
    name = 'org.kino.TraktUsernsTest'
    extra = f'<policy user="{pwd.getpwuid(user[0]).pw_name}"><allow own="{name}"/></policy>'
    with PrivateBus(extra) as bus:
        # A caller outside the namespace, with an ordinary uid.
        caller = subprocess.Popen(as_user(*outside) + [
            '/usr/bin/python3', '-c',
            f'import dbus,time; b=dbus.bus.BusConnection("{bus.address}"); print(b.get_unique_name(), flush=True); time.sleep(30)'],
            stdout=subprocess.PIPE, text=True)
        try:
            unique = caller.stdout.readline().strip()
            if not unique.startswith(':'):
                fail('the outside caller did not connect')
            script = (f'busctl --address={bus.address} call org.freedesktop.DBus /org/freedesktop/DBus '
                      f'org.freedesktop.DBus RequestName su {name} 4 && '
                      f'busctl --address={bus.address} call org.freedesktop.DBus /org/freedesktop/DBus '
                      f'org.freedesktop.DBus GetConnectionUnixUser s {unique}')
            p = run(['/usr/bin/python3', '-c', USERNS_RUN, str(user[0]), str(user[1]), 'sh', '-c', script])
            if p.returncode == 90:
                fail(f'cannot create a user namespace here: {p.stdout} {p.stderr}')
            lines = p.stdout.split('\n')
            if p.returncode != 0 or lines[0].strip() != 'u 1':
                fail(f'uid {user[0]} in an identity-mapped user namespace could not own {name}: {p.stdout} {p.stderr}')
            print(f'uid {user[0]} inside a PrivateUsers-like namespace owns {name} by user policy')
            if lines[1].strip() != f'u {outside[0]}':
                fail(f'the bus reported the outside caller as {lines[1]!r}, not uid {outside[0]}')
            print(f'callers are reported with their host uid ({outside[0]})')
        finally:
            caller.kill()
            caller.wait()


# ---------------------------------------------------------------- activation, names

def activation_file():
    """The activation file, the unit, the sysusers file and the bus policy name
    the same bus name, user and unit."""
    svc = read(BUILD, 'dbus', 'org.kino.Trakt.service')
    unit = read(BUILD, 'systemd', UNIT)
    if '[D-BUS Service]' not in svc.splitlines():
        fail('the activation file has no [D-BUS Service] section')
    for name, text in (('activation file', svc), ('unit', unit)):
        if re.search(r'@[a-z_]+@', text):
            fail(f'{name}: a @variable@ was left unsubstituted')
    want = {'Name': BUS_NAME, 'User': SERVICE_USER, 'SystemdService': UNIT}
    for k, v in want.items():
        if ini_values(svc, k) != [v]:
            fail(f'activation file: {k}= is {ini_values(svc, k)}, want {v}')
    opts = {o['name']: o['value'] for o in json.loads(run(['meson', 'introspect', BUILD, '--buildoptions']).stdout)}
    libexec = os.path.join(opts['prefix'], opts['libexecdir'])
    daemon = os.path.join(libexec, 'kino-traktd')
    if ini_values(svc, 'Exec') != [daemon]:
        fail(f'activation Exec= is {ini_values(svc, "Exec")}, want {daemon}')
    if ini_values(unit, 'ExecStart') != [daemon]:
        fail(f'unit ExecStart= is {ini_values(unit, "ExecStart")}, want {daemon}')
    for k, v in {'BusName': BUS_NAME, 'User': SERVICE_USER, 'Group': SERVICE_USER, 'Type': 'dbus'}.items():
        if ini_values(unit, k) != [v]:
            fail(f'unit: {k}= is {ini_values(unit, k)}, want {v}')
    sysusers = [l.split() for l in read(SRC, 'systemd', 'kino-trakt.sysusers').splitlines()
                if l.strip() and not l.startswith('#')]
    if not any(f[0] == 'u' and f[1] == SERVICE_USER for f in sysusers):
        fail(f'the sysusers file does not create {SERVICE_USER}: {sysusers}')
    policy_users = {p.get('user') for p in ET.parse(os.path.join(SRC, 'dbus', 'org.kino.Trakt.conf')).getroot()
                    .findall('policy') if p.get('user')}
    if SERVICE_USER not in policy_users:
        fail(f'the bus policy does not name {SERVICE_USER}')
    print(f'{BUS_NAME}, {SERVICE_USER}, {UNIT} and {daemon} agree across the activation file, unit, '
          'sysusers and bus policy')


def sysusers():
    need('systemd-sysusers', 'systemd')
    root = tempfile.mkdtemp(prefix='kt-sysusers-')
    try:
        os.makedirs(os.path.join(root, 'etc'))
        p = run(['systemd-sysusers', f'--root={root}', os.path.join(SRC, 'systemd', 'kino-trakt.sysusers')])
        if p.returncode != 0:
            fail(f'systemd-sysusers: {p.stderr}')
        passwd = read(root, 'etc', 'passwd')
        entry = [l.split(':') for l in passwd.splitlines() if l.startswith(SERVICE_USER + ':')]
        if not entry:
            fail(f'no {SERVICE_USER} in the resulting passwd: {passwd!r}')
        e = entry[0]
        if not (0 < int(e[2]) < 1000):
            fail(f'{SERVICE_USER} is not a system user: uid {e[2]}')
        if not e[6].endswith('nologin'):
            fail(f'{SERVICE_USER} has a login shell: {e[6]}')
        if not any(l.startswith(SERVICE_USER + ':') for l in read(root, 'etc', 'group').splitlines()):
            fail(f'no {SERVICE_USER} group')
        print('systemd-sysusers creates:', ':'.join(e))
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- the unit

def unit_for_test(text=None, extra=''):
    """A copy of the generated unit whose ExecStart= is the built daemon, so
    offline checks find the binary."""
    text = text or read(BUILD, 'systemd', UNIT)
    tmp = tempfile.mkdtemp(prefix='kt-unit-')
    path = os.path.join(tmp, UNIT)
    daemon = os.path.join(BUILD, 'daemon', 'kino-traktd')
    text = re.sub(r'^ExecStart=.*$', 'ExecStart=' + daemon, text, flags=re.M) + extra
    with open(path, 'w') as f:
        f.write(text)
    return tmp, path


def verify_problems(path):
    p = run(['systemd-analyze', 'verify', '--man=no', path])
    out = [l for l in (p.stdout + p.stderr).splitlines() if l.strip()]
    return p.returncode, out


def unit_verify():
    need('systemd-analyze', 'systemd')
    tmp, path = unit_for_test()
    try:
        rc, out = verify_problems(path)
        if rc != 0 or out:
            fail(f'systemd-analyze verify (exit {rc}):\n' + '\n'.join(out))
        print('systemd-analyze verify: clean')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # The same check flags a broken copy (so a clean result means something).
    tmp, path = unit_for_test(extra='ProtectSystem=bogus\nNoSuchSetting=1\n')
    try:
        rc, out = verify_problems(path)
        if rc == 0 and not out:
            fail('systemd-analyze verify did not notice a broken unit; the check is blind here')
        print(f'a deliberately broken copy is flagged ({len(out)} line(s))')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def exposure(path):
    p = run(['systemd-analyze', 'security', '--offline=yes', '--no-pager', path])
    m = re.search(r'Overall exposure level for \S+: ([0-9.]+)', p.stdout + p.stderr)
    if not m:
        fail(f'no exposure score in systemd-analyze security output: {p.stdout} {p.stderr}')
    return float(m.group(1)), [l for l in p.stdout.splitlines() if l.startswith('✗')]


def unit_security():
    need('systemd-analyze', 'systemd')
    text = read(BUILD, 'systemd', UNIT)
    for key in ('Type=dbus', 'BusName=org.kino.Trakt', f'User={SERVICE_USER}', f'StateDirectory={SERVICE_USER}',
                'StateDirectoryMode=0700', 'UMask=0077', 'ProtectSystem=strict', 'ProtectHome=yes',
                'NoNewPrivileges=yes', 'PrivateUsers=yes', 'SystemCallFilter=@system-service',
                'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6', 'CapabilityBoundingSet=',
                'SystemCallArchitectures=native', 'MemoryDenyWriteExecute=yes'):
        if key not in text.splitlines():
            fail(f'the unit lacks the line {key!r}')
    if any(v not in ('', 'no', 'false', '0') for v in ini_values(text, 'DynamicUser')):
        fail('DynamicUser= cannot be granted a bus name by the policy: use the static user')
    tmp, path = unit_for_test()
    try:
        score, open_items = exposure(path)
        print(f'exposure: {score}')
        for l in open_items:
            print('  ', re.sub(r'\s{2,}', '  ', l))
        if score > 2.0:
            fail(f'exposure {score} is above 2.0')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # An unhardened unit scores high with the same parser.
    tmp, path = unit_for_test(text='[Service]\nExecStart=/bin/true\n')
    try:
        bare, _ = exposure(path)
        if bare <= 2.0:
            fail(f'an unhardened unit scored {bare}: the score is not being read right')
        print(f'(an unhardened unit scores {bare})')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- install

def installed_files(dest):
    files = set()
    for root, _, names in os.walk(dest):
        for n in names:
            files.add('/' + os.path.relpath(os.path.join(root, n), dest))
    return files


# What a live install runs (systemd/post-install.sh). In the install checks
# each is a stand-in first on PATH that only records its command line.
LIVE_INSTALL_TOOLS = ('systemd-sysusers', 'systemctl', 'busctl', 'dbus-send')


def recording_tools(tmp):
    """A PATH with recording stand-ins for LIVE_INSTALL_TOOLS, and the file
    they record to."""
    bindir, calls = os.path.join(tmp, 'fake-bin'), os.path.join(tmp, 'calls')
    os.makedirs(bindir)
    for tool in LIVE_INSTALL_TOOLS:
        path = os.path.join(bindir, tool)
        with open(path, 'w') as f:
            f.write(f'#!/bin/sh\necho "{tool} $*" >> {calls}\n')
        os.chmod(path, 0o755)
    open(calls, 'w').close()
    os.chmod(tmp, 0o755)
    os.chmod(calls, 0o666)
    return bindir + ':' + os.environ['PATH'], calls


def install_destdir():
    """meson install --destdir from this build: every file arrives, the
    generated files point at the installed daemon, nothing goes to /etc, and
    nothing happens outside the install tree: no user created, systemd and
    the bus left alone (a packager's install has no side effects), with
    --destdir and with DESTDIR= alike, even as root with a bus to reload."""
    opts = {o['name']: o['value'] for o in json.loads(run(['meson', 'introspect', BUILD, '--buildoptions']).stdout)}
    pre, data, man = opts['prefix'], os.path.join(opts['prefix'], opts['datadir']), \
        os.path.join(opts['prefix'], opts['mandir'])
    daemon = os.path.join(pre, opts['libexecdir'], 'kino-traktd')
    dest = tempfile.mkdtemp(prefix='kt-install-')
    tools = tempfile.mkdtemp(prefix='kt-tools-')
    try:
        path, calls = recording_tools(tools)
        env = dict(os.environ, PATH=path, DBUS_SYSTEM_BUS_ADDRESS='unix:path=/nonexistent/kt-bus')
        passwd = read('/etc/passwd')
        p = run(['meson', 'install', '-C', BUILD, '--destdir', dest, '--no-rebuild', '--quiet'], timeout=300, env=env)
        if p.returncode != 0:
            fail(f'meson install failed: {p.stdout} {p.stderr}')
        p = run(['meson', 'install', '-C', BUILD, '--no-rebuild'], timeout=300,
                env=dict(env, DESTDIR=dest))
        if p.returncode != 0:
            fail(f'DESTDIR=… meson install failed: {p.stdout} {p.stderr}')
        if 'post-install.sh' not in p.stdout:
            fail(f'meson does not know the install script (systemd/post-install.sh): {p.stdout}')
        if read(calls).strip():
            fail(f'a DESTDIR install ran commands on this system:\n{read(calls)}')
        if read('/etc/passwd') != passwd:
            fail('a DESTDIR install changed /etc/passwd')
        print('no side effects: none of', ', '.join(LIVE_INSTALL_TOOLS), 'ran; /etc/passwd unchanged')
        files = installed_files(dest)
        want = [daemon, os.path.join(pre, opts['bindir'], 'kinoctl'),
                f'{data}/dbus-1/system.d/org.kino.Trakt.conf',
                f'{data}/dbus-1/system-services/org.kino.Trakt.service',
                f'{data}/dbus-1/interfaces/org.kino.Trakt.xml',
                f'{data}/polkit-1/actions/org.kino.trakt.policy',
                f'{man}/man1/kinoctl.1', f'{man}/man8/kino-traktd.8', f'{man}/man5/trakt.conf.5',
                os.path.join(pre, opts['bindir'], 'kino-trakt-mpris'), f'{man}/man1/kino-trakt-mpris.1']
        for w in want:
            if os.path.normpath(w) not in files:
                fail(f'{w} is not installed; installed: {sorted(files)}')
        for suffix in ('/systemd/system/' + UNIT, '/sysusers.d/kino-trakt.conf', '/completions/kinoctl',
                       '/systemd/user/kino-trakt-mpris.service', AUTOSTART):
            if not any(f.endswith(suffix) for f in files):
                fail(f'nothing installed as …{suffix}; installed: {sorted(files)}')
        etc = [f for f in files if (f.startswith('/etc/') or '/etc/' in f) and not f.endswith('/etc' + AUTOSTART)]
        if etc:
            fail(f'files installed under etc (the administrator\'s): {etc}')
        if not os.access(dest + daemon, os.X_OK) or not os.access(dest + os.path.join(pre, opts['bindir'], 'kinoctl'), os.X_OK):
            fail('the installed programs are not executable')
        svc = read(dest + f'{data}/dbus-1/system-services/org.kino.Trakt.service')
        if ini_values(svc, 'Exec') != [daemon]:
            fail(f'the installed activation file runs {ini_values(svc, "Exec")}, not {daemon}')
        unit = read(dest + [f for f in files if f.endswith('/systemd/system/' + UNIT)][0])
        if ini_values(unit, 'ExecStart') != [daemon]:
            fail(f'the installed unit runs {ini_values(unit, "ExecStart")}, not {daemon}')
        check_installed_extension(dest, f'{data}/gnome-shell/extensions/{EXT_UUID}', files)
        for f in sorted(files):
            print('  ', f)
    finally:
        shutil.rmtree(dest, ignore_errors=True)
        shutil.rmtree(tools, ignore_errors=True)


def install_live_steps():
    """The install script (systemd/post-install.sh) as meson runs it for an
    install straight into the system (no DESTDIR), as root: it creates the
    service user, then makes the bus re-read its policy (after the user
    exists; dbus-daemon re-read it by itself when the file landed), and
    reloads systemd where systemd runs. The tools are recording stand-ins
    (tests/container runs the real thing). As another user nothing runs and
    the script says what to do."""
    require_root()
    tmp = tempfile.mkdtemp(prefix='kt-live-')
    try:
        path, calls = recording_tools(tmp)
        sysusers = '/usr/lib/sysusers.d/kino-trakt.conf'
        env = dict(os.environ, PATH=path, DBUS_SYSTEM_BUS_ADDRESS='unix:path=/nonexistent/kt-bus',
                   MESON_INSTALL_PREFIX='/usr', MESON_INSTALL_DESTDIR_PREFIX='/usr')
        env.pop('DESTDIR', None)
        env.pop('MESON_INSTALL_QUIET', None)
        # The script on stdin: the source tree may be closed to other users.
        script = read(SRC, 'systemd', 'post-install.sh')
        p = run(['sh', '-s', sysusers], input=script, env=env)
        got = read(calls).splitlines()
        print('as root the script ran:', *got, sep='\n   ')
        if p.returncode != 0:
            fail(f'the script failed: {p.stdout} {p.stderr}')
        user = [i for i, c in enumerate(got) if c == f'systemd-sysusers {sysusers}']
        bus = [i for i, c in enumerate(got) if c.endswith('ReloadConfig')]
        if len(user) != 1:
            fail(f'the user is not created from {sysusers}: {got}')
        if len(bus) != 1 or bus[0] < user[0]:
            fail(f'the bus is not made to re-read its policy after the user is created: {got}')
        if os.path.isdir('/run/systemd/system') != ('systemctl daemon-reload' in got):
            fail(f'systemd is reloaded where it does not run, or not where it does: {got}')

        open(calls, 'w').close()
        p = run(as_user(*nobody()) + ['sh', '-s', sysusers], input=script, env=env)
        if p.returncode != 0 or read(calls).strip() or f'systemd-sysusers {sysusers}' not in p.stdout:
            fail(f'as another user: exit {p.returncode}, ran {read(calls)!r}, said {p.stdout!r} {p.stderr!r}')
        print('as another user:', p.stdout.strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


EXT_UUID = 'kino-trakt@kino.org'
EXT_FILES = ['metadata.json', 'extension.js', 'prefs.js', 'stylesheet.css', 'core/client.js', 'core/i18n.js',
             'core/indicator.js', 'core/prefs.js', 'core/status.js']
# Each flavour's entry point: what the shell versions in its metadata load.
EXT_FLAVOURS = {
    ('43', '44'): ('function enable()', 'function fillPreferencesWindow('),
    ('45', '46', '47', '48', '49'): ('export default class', 'export default class'),
}


def check_extension_tree(where, read_file, names):
    """One extension tree (installed or zipped): every file, the uuid, and entry points
    that fit the shell versions its metadata names."""
    missing = [n for n in EXT_FILES if n not in names]
    if missing:
        fail(f'{where}: the extension lacks {missing}; it has {sorted(names)}')
    md = json.loads(read_file('metadata.json'))
    if md.get('uuid') != EXT_UUID or not md.get('name') or not md.get('description'):
        fail(f'{where}: metadata.json {md}')
    if md.get('gettext-domain') != 'kino-trakt':
        fail(f'{where}: metadata.json has no gettext-domain kino-trakt: {md}')
    versions = tuple(md.get('shell-version', []))
    if versions not in EXT_FLAVOURS:
        fail(f'{where}: shell-version {versions} is neither flavour {list(EXT_FLAVOURS)}')
    ext_mark, prefs_mark = EXT_FLAVOURS[versions]
    if ext_mark not in read_file('extension.js') or prefs_mark not in read_file('prefs.js'):
        fail(f'{where}: the entry points do not fit shell-version {versions}')
    return versions


def check_installed_extension(dest, ext_dir, files):
    ext_dir = os.path.normpath(ext_dir)
    names = {f[len(ext_dir) + 1:] for f in files if f.startswith(ext_dir + '/')}
    versions = check_extension_tree('installed', lambda n: read(dest + ext_dir + '/' + n), names)
    flavour = json.loads(run(['meson', 'introspect', BUILD, '--buildoptions']).stdout)
    want = next(o['value'] for o in flavour if o['name'] == 'gnome_shell_flavour')
    shell = shutil.which('gnome-shell')
    if want == 'auto' and shell:
        major = run([shell, '--version']).stdout.split()[-1].split('.')[0]
        want = '43' if major in ('40', '41', '42', '43', '44') else '45'
    if want != 'auto' and versions[0] != want:
        fail(f'installed the flavour for {versions}, but this machine\'s gnome-shell wants {want}')
    print(f'the extension is installed for GNOME {", ".join(versions)}')


def shell_extension_zips():
    """The two zips gnome-extensions pack made: one per flavour, each complete, each
    installable with `gnome-extensions install`."""
    import zipfile
    folder = os.path.join(BUILD, 'clients', 'gnome-shell')
    zips = sorted(f for f in os.listdir(folder) if f.endswith('.zip')) if os.path.isdir(folder) else []
    want = [f'{EXT_UUID}.gnome-43-44.shell-extension.zip', f'{EXT_UUID}.gnome-45.shell-extension.zip']
    if zips != want:
        fail(f'the zips in {folder}: {zips}, want {want} (is gnome-extensions installed? apt-get install gnome-shell)')
    seen = set()
    for z in zips:
        with zipfile.ZipFile(os.path.join(folder, z)) as f:
            names = {n for n in f.namelist() if not n.endswith('/')}
            seen.add(check_extension_tree(z, lambda n: f.read(n).decode(), names))
        home = tempfile.mkdtemp(prefix='kt-ext-home-')
        try:
            p = run(['gnome-extensions', 'install', '--force', os.path.join(folder, z)],
                    env=dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(home, 'data')))
            if p.returncode != 0:
                fail(f'gnome-extensions install {z}: {p.stdout}{p.stderr}')
            got = installed_files(os.path.join(home, 'data', 'gnome-shell', 'extensions', EXT_UUID))
            if {n.lstrip('/') for n in got} != names:
                fail(f'gnome-extensions install {z} gave {sorted(got)}')
        finally:
            shutil.rmtree(home, ignore_errors=True)
        print(f'{z}: {len(names)} files')
    if seen != set(EXT_FLAVOURS):
        fail(f'the zips cover {seen}, not both flavours')


def install_distro_layout():
    """Configured as a distribution does (--prefix=/usr), the install plan puts
    every file where a Debian package has it."""
    tmp = tempfile.mkdtemp(prefix='kt-layout-')
    try:
        build = os.path.join(tmp, 'build')
        p = run(['meson', 'setup', build, SRC, '--prefix=/usr'], timeout=300)
        if p.returncode != 0:
            fail(f'meson setup --prefix=/usr failed: {p.stdout[-3000:]} {p.stderr[-3000:]}')
        plan = json.loads(run(['meson', 'introspect', build, '--installed']).stdout)
        got = set(plan.values())
        want = {
            '/usr/libexec/kino-traktd',
            '/usr/bin/kinoctl',
            '/usr/share/dbus-1/system.d/org.kino.Trakt.conf',
            '/usr/share/dbus-1/system-services/org.kino.Trakt.service',
            '/usr/share/dbus-1/interfaces/org.kino.Trakt.xml',
            '/usr/share/polkit-1/actions/org.kino.trakt.policy',
            '/usr/lib/sysusers.d/kino-trakt.conf',
            '/usr/share/man/man1/kinoctl.1',
            '/usr/share/man/man8/kino-traktd.8',
            '/usr/share/man/man5/trakt.conf.5',
            '/usr/share/bash-completion/completions/kinoctl',
            '/usr/bin/kino-trakt-mpris',
            '/usr/share/man/man1/kino-trakt-mpris.1',
            '/etc' + AUTOSTART,
        } | {f'/usr/share/gnome-shell/extensions/{EXT_UUID}/{n}' for n in EXT_FILES}
        missing = want - got
        if missing:
            fail(f'not installed where a package has them: {sorted(missing)}\n  plan: {sorted(got)}')
        units = {f for f in got if f.endswith('/' + UNIT)}
        if units not in ({'/lib/systemd/system/' + UNIT}, {'/usr/lib/systemd/system/' + UNIT}):
            fail(f'the unit goes to {units}, not systemd\'s system unit folder')
        bridge_units = {f for f in got if f.endswith('/kino-trakt-mpris.service')}
        if bridge_units not in ({'/lib/systemd/user/kino-trakt-mpris.service'},
                                {'/usr/lib/systemd/user/kino-trakt-mpris.service'}):
            fail(f'the bridge\'s unit goes to {bridge_units}, not systemd\'s user unit folder')
        stray = [f for f in got if (f.startswith('/etc/') and f != '/etc' + AUTOSTART) or f.startswith('/usr/local/')
                 or f.startswith('/var/')]
        if stray:
            fail(f'files outside the packaged places: {stray}')
        for f in sorted(got):
            print('  ', f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- kinoctl without a daemon

def expect(args, code, env, contains=None, one_line=True):
    p = run([KINOCTL] + args, env=env, timeout=30)
    if p.returncode != code:
        fail(f'kinoctl {" ".join(args)}: exit {p.returncode}, want {code} (stderr {p.stderr!r})')
    if code != 0 and one_line and len(p.stderr.strip().splitlines()) != 1:
        fail(f'kinoctl {" ".join(args)}: want one line on stderr, got {p.stderr!r}')
    if code != 0 and p.stdout.strip():
        fail(f'kinoctl {" ".join(args)}: printed to stdout on failure: {p.stdout!r}')
    if contains and contains not in p.stderr + p.stdout:
        fail(f'kinoctl {" ".join(args)}: output lacks {contains!r}: {p.stdout!r} {p.stderr!r}')
    print(f'kinoctl {" ".join(args)} → {code}')
    return p


def kinoctl_usage():
    """Bad arguments are exit 2 with one line whether or not a daemon runs;
    no bus at all is exit 3."""
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS='unix:path=/nonexistent/kt-no-bus')
    env.pop('DBUS_SESSION_BUS_ADDRESS', None)
    version = json.loads(run(['meson', 'introspect', BUILD, '--projectinfo']).stdout)['version']
    expect(['--version'], 0, env, contains=version)
    h = expect(['--help'], 0, env)
    for v in kinoctl_verbs():
        if v not in h.stdout:
            fail(f'--help does not mention {v}')
    for media in MEDIA_EXAMPLES:
        if media not in h.stdout:
            fail(f'--help lacks the MEDIA example {media}')
    if ' '.join(CATEGORIES) not in h.stdout:
        fail(f'--help does not list the categories {CATEGORIES}')
    for args in (['bogus'], ['--bogus'], ['-x'], ['sync'], ['sync', 'enable'], ['sync', 'enable', 'nonsense'],
                 ['sync', 'maybe', 'history'], ['sync', 'enable', 'history', 'extra'], ['sync', 'now', 'x'], ['status', 'extra'],
                 ['configure', 'extra'], ['configure', '--client-id'], ['configure', '--nope'],
                 ['configure', '--client-id', ''], ['configure', '--client-secret-file', '/nonexistent/secret'],
                 ['connect', '--maybe'], ['connect', 'now'], ['import', 'x'], ['disconnect', 'x'],
                 ['history', 'abc'], ['history', '0'], ['history', '-1'], ['history', '1', '2'], ['lists', 'show'],
                 ['lists', 'frobnicate', 'x'], ['lists', 'add'], ['lists', 'add', 'https://example.com/users/a/lists/b'],
                 ['lists', 'add', 'a', 'b'], ['watchlist', 'x'], ['recommendations'], ['recommendations', 'person']):
        expect(args, 2, env)
    p = expect(['sync', 'enable', 'nonsense'], 2, env)
    for c in CATEGORIES:
        if c not in p.stderr:
            fail(f'the unknown-category message does not list {c}: {p.stderr!r}')
    for args in (['status'], [], ['--json', 'status'], ['sync', 'enable', 'history'], ['history'],
                 ['configure', '--client-id', 'x'], ['lists', 'add', 'https://trakt.tv/users/a/lists/b']):
        expect(args, 3, env, contains='kino-traktd is not running')


def kinoctl_no_daemon():
    """A working system bus on which nothing owns org.kino.Trakt: exit 3 and
    the contract's sentence."""
    with PrivateBus(f'<include>{os.path.join(SRC, "dbus", "org.kino.Trakt.conf")}</include>') as bus:
        env = dict(bus.env)
        for args in (['status'], ['sync', 'disable', 'ratings'], ['configure', '--client-id', 'x'], ['history', '3']):
            p = expect(args, 3, env, contains='kino-traktd is not running (no org.kino.Trakt on the system bus).',
                       one_line=True)
            if p.stderr.strip() != 'kino-traktd is not running (no org.kino.Trakt on the system bus).':
                fail(f'kinoctl {args}: {p.stderr!r}')


# ---------------------------------------------------------------- man pages, completion

def man_pages():
    need('groff', 'groff-base')
    pages = ['kinoctl.1', 'kino-traktd.8', 'trakt.conf.5']
    text = {}
    for page in pages:
        path = os.path.join(SRC, 'man', page)
        p = run(['groff', '-man', '-Tutf8', '-ww', '-z', path], env=dict(os.environ, LC_ALL='C.UTF-8'))
        if p.returncode != 0 or p.stderr.strip():
            fail(f'{page} does not format cleanly: {p.stderr}')
        p = run(['groff', '-man', '-Tutf8', '-P-cbou', path], env=dict(os.environ, LC_ALL='C.UTF-8'))
        text[page] = p.stdout
        print(f'{page}: formats without warnings')

    k = text['kinoctl.1']
    commands = k[k.index('\nCOMMANDS\n'):k.index('\nMEDIA\n')]
    for v in kinoctl_verbs():
        if not re.search(rf'^\s{{7}}{re.escape(v)}\b', commands, re.M):
            fail(f'kinoctl(1) does not document the command {v}')
    exits = k[k.index('EXIT STATUS'):]
    for code in '01234':
        if not re.search(rf'^\s+{code}\s*$|^\s+{code}\s{{2,}}', exits, re.M):
            fail(f'kinoctl(1) does not document exit status {code}')
    for media in MEDIA_EXAMPLES:
        if media not in k:
            fail(f'kinoctl(1) MEDIA lacks the example {media}')
    print('kinoctl(1) documents every command, the exit codes and MEDIA')

    d = text['kino-traktd.8']
    main_c = read(SRC, 'daemon', 'main.c')
    for opt in re.findall(r'\{ "([a-z-]+)", (?:no|required)_argument', main_c):
        if '--' + opt not in d:
            fail(f'kino-traktd(8) does not document --{opt}')
    for env in ('DBUS_SYSTEM_BUS_ADDRESS', 'STATE_DIRECTORY', 'KINO_TRAKT_API_URL', 'KINO_TRAKT_AUTH_URL',
                'SIGTERM', 'IDLE EXIT'):
        if env not in d:
            fail(f'kino-traktd(8) does not mention {env}')
    print('kino-traktd(8) documents every option of daemon/main.c')

    t = text['trakt.conf.5']
    config_c = read(SRC, 'daemon', 'config.c')
    keys = set(re.findall(r'\{ "([a-z_]+)", offsetof\(Config', config_c)) | {'api_url', 'auth_url'}
    for key in keys:
        if not re.search(rf'^\s{{7}}(?:[a-z_]+, )?{key}\b', t, re.M):
            fail(f'trakt.conf(5) does not document the key {key}')
    for m in re.finditer(r'\{ "([a-z_]+)", offsetof\(Config, (\w+)\), (\d+), ([^,]+),', config_c):
        key, lo = m.group(1), m.group(3)
        section = t[t.index(key):]
        if lo not in section[:600]:
            fail(f'trakt.conf(5): the range of {key} (from {lo}) is not stated')
    print('trakt.conf(5) documents every key of daemon/config.c:', ', '.join(sorted(keys)))


COMPLETION_DRIVER = r'''
set -u
if [ -r /usr/share/bash-completion/bash_completion ]; then
    . /usr/share/bash-completion/bash_completion
else
    # The two helpers of bash-completion that the script uses.
    _init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${COMP_WORDS[COMP_CWORD]};
                         prev=${COMP_WORDS[COMP_CWORD-1]}; }
    _filedir() { COMPREPLY=(FILES); }
fi
. "$1"
shift
complete_line() {
    COMP_WORDS=($1); COMP_CWORD=${#COMP_WORDS[@]}
    [ "${1: -1}" = " " ] && COMP_WORDS+=("") || COMP_CWORD=$((COMP_CWORD - 1))
    COMPREPLY=()
    _kinoctl
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
for line in "$@"; do
    printf '%s|%s\n' "$line" "$(complete_line "$line")"
done
'''


def completion():
    path = os.path.join(SRC, 'completion', 'kinoctl')
    p = run(['bash', '-n', path])
    if p.returncode != 0:
        fail(f'bash -n: {p.stderr}')
    verbs = kinoctl_verbs()
    cases = {
        'kinoctl ': sorted(verbs),
        'kinoctl sy': ['sync'],
        'kinoctl sync ': ['disable', 'enable', 'now'],
        'kinoctl sync now ': [],
        'kinoctl sync enable ': sorted(CATEGORIES),
        'kinoctl --session sync disable re': ['recommendations', 'resume'],
        'kinoctl sync disable ratings ': [],
        'kinoctl configure --client-': ['--client-id', '--client-secret-file'],
        'kinoctl configure --client-secret-file ': None,  # files: just no crash
        'kinoctl connect --': ['--import', '--json', '--no-import', '--session'],
        'kinoctl recommendations ': ['movie', 'show'],
        'kinoctl lists ': ['add', 'remove', 'show'],
        'kinoctl incognito ': ['off', 'on', 'status'],
        'kinoctl incognito on ': [],
        'kinoctl --ver': ['--version'],
        'kinoctl status --j': ['--json'],
    }
    p = run(['bash', '-c', COMPLETION_DRIVER, 'driver', path] + list(cases))
    if p.returncode != 0:
        fail(f'the completion failed: {p.stderr}')
    got = dict(l.split('|', 1) for l in p.stdout.splitlines())
    for line, want in cases.items():
        words = got.get(line, '<missing>').split()
        if want is not None and words != want:
            fail(f'completing {line!r}: got {words}, want {want}')
        print(f'{line!r} → {words}')
    if p.stderr.strip():
        fail(f'the completion wrote errors: {p.stderr}')


# ---- comments that cite docs/trakt-api.md ----

SECTION = '\u00a7'  # the section sign, spelled so that this file cites nothing itself
CITED_DOC = 'trakt-api.md'
CITING_ROOTS = ('daemon', 'common', 'clients', 'tests')
# A document named in a comment, or a section number after the section sign.
DOC_OR_SECTION = re.compile(r'(?<![\w./-])((?:[\w.-]+/)*[\w.-]+\.md)\b|' + SECTION + r'\s*(\d+(?:\.\d+)*)')


def doc_sections(path):
    """The section numbers of a Markdown file: "## 5. Sync" is 5, "### 5.2 History" is 5.2."""
    return set(re.findall(r'^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s', read(path), re.M))


def line_of(text, offset):
    return text.count('\n', 0, offset) + 1


def c_comments(text):
    """(line, text) of every // and /* */ comment, string and character literals skipped."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch in '"\'':
            i += 1
            while i < n and text[i] not in (ch, '\n'):
                i += 2 if text[i] == '\\' else 1
            i += 1
        elif text.startswith('//', i) or text.startswith('/*', i):
            end = text.find('\n', i) if text[i + 1] == '/' else text.find('*/', i + 2)
            end = n if end < 0 else end + (2 if text[i + 1] == '*' else 0)
            out.append((line_of(text, i), text[i:end]))
            i = end
        else:
            i += 1
    return out


def hash_comments(text):
    """(line, text) of every # comment outside quotes (meson, shell; Python when it does not tokenize)."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        quote = None
        for k, ch in enumerate(line):
            if quote:
                quote = None if ch == quote else quote
            elif ch in '"\'':
                quote = ch
            elif ch == '#':
                out.append((number, line[k:]))
                break
    return out


def python_comments(text):
    """(line, text) of every comment and every string that stands alone as a statement (docstrings)."""
    import io
    import tokenize
    out, starts_line = [], True
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT or (tok.type == tokenize.STRING and starts_line):
                out.append((tok.start[0], tok.string))
            if tok.type not in (tokenize.COMMENT, tokenize.NL):
                starts_line = tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    except (tokenize.TokenError, SyntaxError):
        return hash_comments(text)
    return out


def comments_of(path, text):
    ext = os.path.splitext(path)[1]
    if ext in ('.c', '.h', '.js'):
        return c_comments(text)
    if ext == '.py':
        return python_comments(text)
    if ext in ('.build', '.sh'):
        return hash_comments(text)
    if ext == '.md':
        return list(enumerate(text.splitlines(), 1))
    return []


def bad_citations(path, text, sections, docs_path):
    """Problems with the citations of CITED_DOC in the comments of one file, and how many
    citations it has. A section number belongs to the document last named before it in
    the same comment; with none named, to CITED_DOC (the tree's convention)."""
    problems, count = [], 0
    for start, comment in comments_of(path, text):
        doc = CITED_DOC
        for m in DOC_OR_SECTION.finditer(comment):
            line = start + comment.count('\n', 0, m.start())
            if m.group(1):
                doc = m.group(1)
                if os.path.basename(doc) == CITED_DOC and doc not in (CITED_DOC, 'docs/' + CITED_DOC) and \
                        os.path.normpath(os.path.join(os.path.dirname(path), doc)) != docs_path:
                    problems.append(f'{path}:{line}: names {doc}, which is not docs/{CITED_DOC} of this tree')
            elif os.path.basename(doc) == CITED_DOC:
                count += 1
                if m.group(2) not in sections:
                    problems.append(f'{path}:{line}: cites {SECTION}{m.group(2)} of docs/{CITED_DOC}, which has no such section')
    return problems, count


def docs_citations():
    docs_path = os.path.join(SRC, 'docs', CITED_DOC)
    if not os.path.isfile(docs_path):
        fail(f'docs/{CITED_DOC} is missing')
    sections = doc_sections(docs_path)
    if len(sections) < 5:
        fail(f'could not read the section headings of docs/{CITED_DOC}: {sorted(sections)}')

    # The reader itself must tell a missing section from a present one, see
    # through string literals, and leave other documents' sections alone.
    s, known = SECTION, sorted(sections)[0]
    samples = {
        'x.c': (f'/* docs/{CITED_DOC} {s}{known} and {s}99.1 */\nconst char *t = "{s}98";\n'
                f'// dbus-api.md {s}97\n/* ../shared/{CITED_DOC} */\n', [1, 4]),
        'x.py': (f'"""Docstring, {s}96."""\nx = "{s}95"  # {CITED_DOC} {s}{known}\n', [1]),
        'meson.build': (f"x = '{s}94'  # {s}{known}, {s}93\n", [1]),
    }
    for name, (text, want) in samples.items():
        got, _ = bad_citations(os.path.join(SRC, 'daemon', name), text, sections, docs_path)
        if [int(p.split(':')[1]) for p in got] != want:
            fail(f'the citation reader is wrong on a sample {name}: {got}, want problems on lines {want}')

    problems, total, files = [], 0, 0
    for root in CITING_ROOTS:
        for folder, dirs, names in os.walk(os.path.join(SRC, root)):
            dirs[:] = [d for d in dirs if not d.startswith('.') and d not in ('node_modules', '__pycache__')]
            for name in sorted(names):
                path = os.path.join(folder, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                if SECTION not in text and CITED_DOC not in text:
                    continue
                p, n = bad_citations(path, text, sections, docs_path)
                problems += [q.replace(SRC + os.sep, '') for q in p]
                total += n
                files += n > 0
    print(f'{total} citations of docs/{CITED_DOC} in {files} files; its sections: {" ".join(sorted(sections, key=lambda x: [int(v) for v in x.split(".")]))}')
    if problems:
        fail('comments cite what docs/' + CITED_DOC + ' does not have:\n  ' + '\n  '.join(problems))
    if total < 20:
        fail(f'only {total} citations found: the comment reader misses them')
# ---------------------------------------------------------------- the daemon's include graph

def daemon_include_graph():
    """Data flows one way (issue #14): the bus layer (daemon/*-bus.[ch]) calls
    the modules, the modules call the Trakt client and HTTP, never back up. A
    module is a daemon/NAME.c with its NAME.h; an #include "X.h" of another
    daemon module is an edge. It fails on any cycle among modules, and on any
    module outside the bus layer (and main.c, which wires everything) that
    includes a bus header or main. Headers from common/ and the build are
    leaves and do not count. NAME-private.h is NAME's own internal header
    (db-private.h: what the db-*.c modules share), part of module NAME; so is
    a NAME-PART.c without a header of its own (sync-pull.c, sync-push.c: the
    sync's pulls and pushes, sharing sync-private.h with sync.c)."""
    daemon = os.path.join(SRC, 'daemon')
    files = sorted(f for f in os.listdir(daemon) if f.endswith(('.c', '.h')))
    privates = sorted((f[:-len('-private.h')] for f in files if f.endswith('-private.h')), key=len, reverse=True)

    def module_of(name):
        stem = os.path.basename(name).rsplit('.', 1)[0]
        if stem.endswith('-private'):
            return stem[:-len('-private')]
        if name.endswith('.c') and stem + '.h' not in files:
            for owner in privates:
                if stem.startswith(owner + '-'):
                    return owner
        return stem

    modules = {module_of(f) for f in files}
    edges = {m: set() for m in modules}
    problems = []
    for f in files:
        module = module_of(f)
        for n, line in enumerate(read(daemon, f).splitlines(), 1):
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            target = module_of(m.group(1))
            if target not in modules or target == module:
                continue
            edges[module].add(target)
            if module != 'main' and not module.endswith('-bus') and (target.endswith('-bus') or target == 'main'):
                problems.append(f'daemon/{f}:{n} includes "{m.group(1)}": a module below the bus layer reaches up into it')

    # A header is its own module's contract: what daemon/NAME.h declares,
    # daemon/NAME.c defines. Otherwise a module calls another through a header
    # that names neither (context.h once declared what main.c defined), and the
    # edge hides from the graph above.
    for f in files:
        stem = module_of(f)
        if not f.endswith('.h'):
            continue
        text = re.sub(r'//.*', '', re.sub(r'/\*.*?\*/', '', read(daemon, f), flags=re.S))
        src = '\n'.join(read(daemon, g) for g in files if g.endswith('.c') and module_of(g) == stem)
        for name in re.findall(r'^(?!typedef|static|extern|#|\s|\})[^;{}#]*?\b(\w+)\s*\([^;{}]*\)\s*(?:__attribute__\s*\(\(.*?\)\)\s*)?;',
                               text, re.M):
            if name.isupper():
                continue  # a macro that declares something
            if not re.search(r'^[^\s#].*\b' + name + r'\s*\([^;{]*\)\s*\{', src, re.M):
                owners = [g for g in files if g.endswith('.c') and
                          re.search(r'^[^\s#].*\b' + name + r'\s*\([^;{]*\)\s*\{', read(daemon, g), re.M)]
                problems.append(f'daemon/{f} declares {name}() but daemon/{stem}.c does not define it'
                                + (f' ({", ".join(owners)} does)' if owners else ''))

    # Tarjan's strongly connected components: a component of more than one
    # module (or a module including itself) is a cycle.
    index, low, stack, on_stack, sccs = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            sccs.append(sorted(scc))

    for v in sorted(modules):
        if v not in index:
            strong(v)

    def one_cycle(scc):
        """A shortest way round from the component's first module back to it."""
        start, inside = scc[0], set(scc)
        paths, seen = [[start]], {start}
        while paths:
            path = paths.pop(0)
            for w in sorted(edges[path[-1]] & inside):
                if w == start:
                    return path + [start]
                if w not in seen:
                    seen.add(w)
                    paths.append(path + [w])
        return scc

    cycles = [s for s in sccs if len(s) > 1]
    for scc in cycles:
        problems.append(f'include cycle among {len(scc)} modules ({", ".join(scc)}), e.g. ' + ' → '.join(one_cycle(scc)))

    # Print the layers, bottom first: each module after everything it includes.
    if not cycles:
        level = {}

        def depth(v):
            if v not in level:
                level[v] = 1 + max((depth(w) for w in edges[v]), default=-1)
            return level[v]

        for v in modules:
            depth(v)
        for d in range(max(level.values()) + 1):
            print(f'layer {d}:', ' '.join(sorted(v for v in modules if level[v] == d)))
    print(f'{len(modules)} modules, {sum(len(e) for e in edges.values())} includes between them')
    if problems:
        fail('\n  '.join([f'{len(problems)} problem(s) in the daemon\'s include graph:'] + problems))


CHECKS = {f.__name__.replace('_', '-'): f for f in (
    polkit_policy, bus_policy, bus_policy_behaviour, bus_unicast_signals, bus_private_users, activation_file, sysusers,
    unit_verify, unit_security, install_destdir, install_live_steps, install_distro_layout, kinoctl_usage, kinoctl_no_daemon,
    man_pages, completion, shell_extension_zips, docs_citations, daemon_include_graph)}

if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        print('usage: check.py ' + '|'.join(CHECKS))
        sys.exit(2)
    CHECKS[sys.argv[1]]()
    print('PASS')
