"""The service's sandbox holds what the daemon really does (issue #6).

systemd/kino-traktd.service.in allows @system-service minus @privileged and
@resources, and answers anything else with EPERM. A call outside that set
would fail silently in production and nowhere else, so this runs the daemon
under strace through connect, import, a followed list, scrobbling, rating,
the collection, a sweep, a disconnect and SIGTERM, and checks every system
call it made against the filter as systemd itself expands it."""
import os
import re
import shutil
import signal
import subprocess

import dbus

from harness import BUS_NAME, DAEMON, SRC, Rig, SignalCatcher, check, eq, wait_until
from test_connect import configured, connect, wait_sync
from test_scrobble import GUARDIANS, TRON, Session

UNIT = os.path.join(SRC, 'systemd', 'kino-traktd.service.in')


def unit_filter():
    """The unit's SystemCallFilter= lines as (allow-list groups, deny-list groups)."""
    allow, deny = [], []
    for line in open(UNIT):
        m = re.match(r'\s*SystemCallFilter=(.*)', line)
        if not m:
            continue
        value = m.group(1).strip()
        (deny if value.startswith('~') else allow).extend(value.lstrip('~').split())
    return allow, deny


def filter_groups():
    """systemd-analyze's groups: name -> set of syscalls (nested groups expanded)."""
    out = subprocess.run(['systemd-analyze', 'syscall-filter'], capture_output=True, text=True, check=True).stdout
    raw, name = {}, None
    for line in out.splitlines():
        if not line.strip():
            name = None
        elif not line.startswith((' ', '\t')):
            name = line.strip() if line.strip().startswith('@') else None
            if name:
                raw[name] = []
        elif name and not line.strip().startswith('#'):
            raw[name].append(line.strip())

    def expand(group, seen=()):
        calls = set()
        for entry in raw.get(group, []):
            if entry.startswith('@'):
                if entry not in seen:
                    calls |= expand(entry, seen + (group,))
            else:
                calls.add(entry)
        return calls

    return {g: expand(g) for g in raw}


def allowed_calls():
    groups = filter_groups()
    allow, deny = unit_filter()
    check(allow and deny, f'no SystemCallFilter= in {UNIT}')
    ok = set()
    for g in allow:
        check(g in groups, f'unknown group {g} in the unit')
        ok |= groups[g]
    for g in deny:
        ok -= groups[g] if g.startswith('@') else {g}
    return ok


def traced_calls(path):
    calls = {}
    for line in open(path, errors='replace'):
        m = re.match(r'\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]', line)
        if m:
            calls[m.group(1)] = calls.get(m.group(1), 0) + 1
    return calls


def sanitized_build():
    with open(DAEMON, 'rb') as f:
        data = f.read()
    return b'__asan_init' in data or b'__ubsan_handle' in data


def test_syscalls_within_filter():
    # scripts/deps.sh installs strace; the sanitized build does not register this test.
    check(shutil.which('strace') and shutil.which('systemd-analyze'), 'strace or systemd-analyze is missing')
    check(not sanitized_build(), 'a sanitized daemon: its runtime makes calls of its own; judge the plain build')
    allowed = allowed_calls()
    rig = Rig(config_text='[Trakt]\nwrite_interval_ms = 50\nmax_retries = 1\n')
    plain = rig.daemon_cmdline
    rig.daemon_cmdline = lambda: ['strace', '-f', '-qq', '-o', os.path.join(rig.tmp, 'strace.txt')] + plain()
    with rig:
        rig.control('config', {'write_interval': 0.01})
        configured(rig, seed={'history': 600, 'ratings': 20, 'watchlist': 5, 'collection': 5, 'playback': 2,
                              'recommendations': 3})
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=True)
        kind, ok, err = wait_sync(rig, sigs)
        check(bool(ok), f'import failed: {err}')
        rig.control('lists', {'user': 'sean', 'slug': 'picks', 'name': 'Picks',
                              'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}}]})
        rig.obj().AddList('https://trakt.tv/users/sean/lists/picks', dbus_interface='org.kino.Trakt', timeout=120)
        s = Session(rig)
        s.Start(GUARDIANS, dbus.Double(10.0))
        s.Pause(dbus.Double(40.0))
        s.Stop(dbus.Double(95.0))
        rig.call('Rate', TRON, dbus.Byte(8))
        rig.call('MarkWatched', TRON, dbus.UInt64(0))
        rig.call('UpdateCollection', dbus.Array([dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(1),
                                                                  'resolution': 'uhd_4k'}, signature='sv')],
                                                signature='a{sv}'), dbus.Array([], signature='a{sv}'))
        wait_until(lambda: int(rig.prop('PendingEvents')) == 0, timeout=120, what='the outbox to drain')
        sigs.items.clear()
        rig.call('SyncNow')
        kind, ok, err = wait_sync(rig, sigs, kind="incremental")
        check(bool(ok), f'sweep failed: {err}')
        rig.obj().Disconnect(dbus_interface='org.kino.Trakt', timeout=60)
        # SIGTERM to the daemon itself (strace would only detach).
        pid = int(rig.bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
                  .GetConnectionUnixProcessID(BUS_NAME, dbus_interface='org.freedesktop.DBus'))
        os.kill(pid, signal.SIGTERM)
        rig.daemon.wait(60)
        eq(rig.daemon.returncode, 0, 'exit status after SIGTERM')
        rig.daemon = None
        calls = traced_calls(os.path.join(rig.tmp, 'strace.txt'))
        check(len(calls) > 20, f'too few system calls traced: {sorted(calls)}')
        for needed in ('sendmsg', 'recvmsg', 'epoll_wait', 'connect', 'pwrite64', 'fdatasync'):
            check(needed in calls or needed.replace('fdatasync', 'fsync') in calls,
                  f'{needed} not traced: the workload did not reach the bus, the network and sqlite')
        # sqlite gives a new -wal/-shm file its database's owner, but only when
        # euid is 0 (os_unix.c robustFchown), and ignores the result. The
        # service runs as kino-trakt, where the call is never made.
        if os.geteuid() == 0:
            allowed |= {'fchown'}
        outside = sorted(c for c in calls if c not in allowed)
        print(f'{len(calls)} distinct system calls, {sum(calls.values())} in all; allowed by the unit: {len(allowed)}')
        print('used:', ' '.join(sorted(calls)))
        eq(outside, [], 'system calls the unit\'s SystemCallFilter= would answer with EPERM')
