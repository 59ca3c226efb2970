"""Version 2 sessions: CreateSessionFor, ListSessions, the user-wide eye
(SetIncognito / GetIncognito), WatchSessions, the new session properties, and
privacy between local users, with two non-root uids.

dbus-daemon refuses connections from a uid without a passwd entry, and a fresh
machine has no user accounts, so the two users are Debian's base-passwd system
accounts `daemon` and `bin` (and `sys` as a third party): non-root, present on
every Debian install. Their long-lived clients are agent.py processes
(harness.Rig.agent), started under setpriv like caller.py."""
import os
import pwd
import subprocess
import time
import xml.etree.ElementTree as ET

import dbus

from harness import BUS_NAME, SRC, Rig, TestFailure, check, eq, wait_until
from test_connect import configured, connect

IFACE = 'org.kino.Trakt'
SESSION = 'org.kino.Trakt.Session'
PROPS = 'org.freedesktop.DBus.Properties'
INTROSPECT = 'org.freedesktop.DBus.Introspectable'
DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
INVALID = 'org.freedesktop.DBus.Error.InvalidArgs'
USE = 'org.kino.trakt.use'
FAST = '[Trakt]\nwrite_interval_ms = 50\nmax_retries = 1\n'
SESSION_PREFIX = '/org/kino/Trakt/session/'


def uid_of(name):
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        raise TestFailure(f'the system account {name!r} is missing (Debian base-passwd provides it)')


def users():
    """Two users and a third party, none of them root."""
    return uid_of('daemon'), uid_of('bin'), uid_of('sys')


def media(**kw):
    """A media dictionary for agent.py: values as [signature, value]."""
    return {k: ['s', v] if isinstance(v, str) else ['u', v] for k, v in kw.items()}


GUARDIANS = media(type='movie', trakt=28, title='Guardians of the Galaxy', year=2014)
TRON = media(type='movie', trakt=1, title='TRON: Legacy', year=2010)
INCEPTION = media(type='movie', tmdb=27205, title='Inception', year=2010)


def create(agent, application=None, incognito=None):
    opts = {}
    if application is not None:
        opts['application'] = ['s', application]
    if incognito is not None:
        opts['incognito'] = ['b', incognito]
    return agent.ok('CreateSessionFor', 'a{sv}', [opts])[0]


def props(agent, path):
    return agent.ok('GetAll', 's', [SESSION], interface=PROPS, path=path)[0]


def play(agent, path, method, *args):
    if method == 'Start':
        return agent.ok('Start', 'a{sv}d', list(args), interface=SESSION, path=path)
    return agent.ok(method, 'd' if args else '', list(args), interface=SESSION, path=path)


def from_daemon(rig, signals):
    owner = rig.bus.get_name_owner(BUS_NAME)
    return [s for s in signals if s['sender'] == owner]


def members(signals, member, path=None):
    return [s for s in signals if s['member'] == member and (path is None or s['args'][0] == path)]


def scrobbles(rig):
    return [r for r in rig.control('requests') if r['path'].startswith('/scrobble/') and r['method'] == 'POST']


def live(rig):
    rig.control('config', {'write_interval': 0.01})
    configured(rig)
    connect(rig, import_=False)


def wait_drained(rig, timeout=30):
    wait_until(lambda: int(rig.prop('PendingEvents')) == 0, timeout=timeout, what='the outbox to drain')


# ---- the members ----

def test_create_session_for():
    a_uid, _, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        a = rig.agent(a_uid)
        path = create(a, application='mpv', incognito=True)
        check(path.startswith(SESSION_PREFIX), f'session path {path}')
        p = props(a, path)
        eq(p['Application'], 'mpv', 'Application')
        eq(p['Uid'], a_uid, 'Uid')
        eq(p['Incognito'], True, 'Incognito from the option')
        eq(p['EffectiveIncognito'], True, 'EffectiveIncognito')
        eq(p['LastActive'], 0, 'LastActive before any event')
        eq(p['Problem'], '', 'Problem')
        eq(p['PlaybackState'], 'stopped', 'PlaybackState')

        # Without options, and with CreateSession: no application, not incognito.
        for plain in (create(a), a.ok('CreateSession')[0]):
            p = props(a, plain)
            eq((p['Application'], p['Incognito'], p['EffectiveIncognito'], p['Uid']), ('', False, False, a_uid),
               f'a plain session {plain}')
        # LastActive follows Start / Pause / Stop.
        before = int(time.time() * 1e6)
        play(a, plain, 'Start', GUARDIANS, 10.0)
        t1 = props(a, plain)['LastActive']
        check(before <= t1 <= int(time.time() * 1e6), f'LastActive after Start: {t1}')
        time.sleep(0.01)
        play(a, plain, 'Pause', 20.0)
        check(props(a, plain)['LastActive'] > t1, 'LastActive after Pause')

        # 256 bytes is the limit; one line, no control characters.
        create(a, application='x' * 256)
        bad = [
            ({'colour': ['s', 'blue']}, 'colour'),
            ({'application': ['u', 7]}, 'application'),
            ({'incognito': ['s', 'yes']}, 'incognito'),
            ({'application': ['s', 'x' * 257]}, '256'),
            ({'application': ['s', 'mpv\nrm -rf']}, 'control'),
        ]
        for opts, word in bad:
            r = a.call('CreateSessionFor', 'a{sv}', [opts])
            check(not r['ok'] and r['error'] == INVALID, f'{opts}: {r}')
            check(word in r['message'] and r['message'].endswith('.'), f'{opts}: not one clear sentence: {r["message"]}')
        # Validated before polkit is asked: a denied user with bad options hears what is wrong.
        rig.polkit_allow()
        r = a.call('CreateSessionFor', 'a{sv}', [{'colour': ['s', 'blue']}])
        eq(r.get('error'), INVALID, 'bad options from a denied user')
        r = a.call('CreateSessionFor', 'a{sv}', [{'application': ['s', 'mpv']}])
        eq(r.get('error'), DENIED, 'good options from a denied user')


def test_list_sessions():
    a_uid, b_uid, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        a, b = rig.agent(a_uid), rig.agent(b_uid)
        a1 = create(a, 'mpv')
        b1 = create(b, 'vlc')
        a2 = create(a, 'celluloid')
        root = rig.agent()
        r1 = create(root, 'kodi')
        eq(a.ok('ListSessions')[0], [a2, a1], "A's sessions, newest first")
        eq(b.ok('ListSessions')[0], [b1], "B's sessions")
        eq(root.ok('ListSessions')[0], [r1, a2, b1, a1], 'root sees every session, newest first')
        # Another connection of A's uid lists A's sessions too.
        a_other = rig.agent(a_uid)
        eq(a_other.ok('ListSessions')[0], [a2, a1], "A's sessions from A's other connection")
        play(a, a1, 'Close')
        eq(a.ok('ListSessions')[0], [a2], 'after Close')
        a.close()  # the owner leaves: its sessions go
        wait_until(lambda: root.ok('ListSessions')[0] == [r1, b1], what="A's sessions to end with its connection")
        eq(a_other.ok('ListSessions')[0], [], "A's list once its player left")
        rig.polkit_allow()
        eq(b.call('ListSessions').get('error'), DENIED, 'ListSessions denied by polkit')


# ---- privacy between local users ----

def denial(r, path):
    """An answer with the path taken out, to compare two paths' answers."""
    return (r['ok'], r.get('error'), (r.get('message') or '').replace(path, '<path>'))


def test_other_users_see_nothing():
    a_uid, b_uid, c_uid = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        a, b, c = rig.agent(a_uid), rig.agent(b_uid), rig.agent(c_uid)
        path = create(a, 'mpv')
        play(a, path, 'Start', INCEPTION, 12.0)
        create(b, 'vlc')
        nowhere = SESSION_PREFIX + '4242'
        probes = [
            ('Get', PROPS, 'ss', [SESSION, 'Media']),
            ('GetAll', PROPS, 's', [SESSION]),
            ('GetAll', PROPS, 's', ['']),
            ('Set', PROPS, 'ssv', [SESSION, 'Incognito', ['b', True]]),
            ('Introspect', INTROSPECT, '', []),
            ('Pause', SESSION, 'd', [50.0]),
            ('Close', SESSION, '', []),
            ('NoSuchMethod', SESSION, '', []),
            ('Get', PROPS, 'ss', [SESSION, 'NoSuchProperty']),
            ('GetAll', PROPS, 's', ['org.example.None']),
            ('Do', 'org.example.None', '', []),
            ('GetManagedObjects', 'org.freedesktop.DBus.ObjectManager', '', []),
        ]
        for other in (b, c):
            for method, iface, sig, args in probes:
                theirs = other.call(method, sig, args, interface=iface, path=path)
                none = other.call(method, sig, args, interface=iface, path=nowhere)
                check(not theirs['ok'], f'{method} on A\'s session as another uid succeeded: {theirs}')
                eq(denial(theirs, path), denial(none, nowhere), f'{method}: A\'s session answers unlike no session')
                check('Inception' not in str(theirs) and 'mpv' not in str(theirs), f'{method} leaks: {theirs}')
            r = other.call('Get', 'ss', [SESSION, 'Media'], interface=PROPS, path=path)
            eq((r.get('error'), r.get('message')), (DENIED, f'There is no playback session of yours at {path}.'),
               'the contract: everyone else gets AccessDenied')
            # Listings name none of A's sessions.
            xml = other.ok('Introspect', interface=INTROSPECT, path='/org/kino/Trakt/session')[0]
            nodes = {n.get('name') for n in ET.fromstring(xml).findall('node')}
            check(path.rsplit('/', 1)[1] not in nodes, f'introspection shows A\'s session to another uid: {nodes}')
            managed = other.ok('GetManagedObjects', interface='org.freedesktop.DBus.ObjectManager', path='/org/kino/Trakt')[0]
            check(path not in managed and 'Inception' not in str(managed), f'GetManagedObjects shows A\'s session: {managed}')
            check(path not in other.ok('ListSessions')[0], 'ListSessions shows A\'s session')
            # The household's status carries no title.
            check('Inception' not in str(other.ok('GetAll', 's', [IFACE], interface=PROPS)), 'a public property names the title')
        # The daemon is still on the bus and answering after all that.
        check(rig.daemon.poll() is None and rig.bus.name_has_owner(BUS_NAME), 'the daemon left the bus')

        # The owner's uid and root see it: its owner, another connection of A, root.
        a_other, root = rig.agent(a_uid), rig.agent()
        for who, ag in (('A', a), ('A elsewhere', a_other), ('root', root)):
            p = props(ag, path)
            eq(p['Media'].get('title'), 'Inception', f'Media read by {who}')
            xml = ag.ok('Introspect', interface=INTROSPECT, path='/org/kino/Trakt/session')[0]
            check(f'<node name="{path.rsplit("/", 1)[1]}"/>' in xml, f'{who} does not see the session node')
        # Incognito is writable by the owner's uid and root; methods stay the owner's.
        a_other.ok('Set', 'ssv', [SESSION, 'Incognito', ['b', True]], interface=PROPS, path=path)
        eq(props(a, path)['Incognito'], True, 'Incognito set by A elsewhere')
        root.ok('Set', 'ssv', [SESSION, 'Incognito', ['b', False]], interface=PROPS, path=path)
        eq(props(a, path)['Incognito'], False, 'Incognito set by root')
        for ag in (a_other, root):
            r = ag.call('Pause', 'd', [50.0], interface=SESSION, path=path)
            eq(r.get('error'), DENIED, 'Pause from a connection that did not create the session')
        # Root is told plainly when a session does not exist.
        eq(root.call('GetAll', 's', [SESSION], interface=PROPS, path=nowhere).get('error'),
           'org.freedesktop.DBus.Error.UnknownObject', 'root on a path without a session')


def test_no_session_signal_reaches_others():
    a_uid, b_uid, c_uid = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        owner, a_watch = rig.agent(a_uid), rig.agent(a_uid)
        b, c = rig.agent(b_uid), rig.agent(c_uid)
        # B tries to eavesdrop (the bus refuses it, or it must bring nothing) and
        # listens to every broadcast; C, a third party, listens to every broadcast.
        eaves = b.match("eavesdrop=true,type='signal'")
        check(eaves['ok'] or eaves['error'] == DENIED, f'eavesdrop match: {eaves}')
        for ag in (b, c):
            check(ag.match("type='signal'")['ok'], 'a broad match rule')
        a_watch.ok('WatchSessions')

        path = create(owner, 'mpv')
        play(owner, path, 'Start', INCEPTION, 12.0)
        owner.ok('Set', 'ssv', [SESSION, 'Incognito', ['b', True]], interface=PROPS, path=path)
        play(owner, path, 'Pause', 40.0)
        a_watch.ok('SetIncognito', 'b', [True])
        a_watch.ok('SetIncognito', 'b', [False])
        play(owner, path, 'Stop', 96.0)
        play(owner, path, 'Close')
        wait_until(lambda: members(from_daemon(rig, a_watch.signals()), 'SessionRemoved', path),
                   what='SessionRemoved at the watcher')

        for who, ag in (('B', b), ('C', c)):
            got = from_daemon(rig, ag.signals())
            # The broad match works: the household's status dot reached them.
            check(any(s['path'] == '/org/kino/Trakt' and s['member'] == 'PropertiesChanged' for s in got),
                  f'{who} heard no broadcast at all (the test would prove nothing): {got}')
            leaks = [s for s in got if s['path'].startswith(SESSION_PREFIX) or
                     s['member'] in ('SessionChanged', 'SessionRemoved', 'IncognitoChanged', 'InterfacesAdded',
                                     'InterfacesRemoved') or
                     path in str(s['args']) or 'Inception' in str(s['args']) or 'mpv' in str(s['args'])]
            eq(leaks, [], f'signals about A\'s session that reached {who}')

        # The owner got its session's PropertiesChanged, addressed to it alone.
        mine = [s for s in from_daemon(rig, owner.signals()) if s['path'] == path]
        check(mine and all(s['member'] == 'PropertiesChanged' and s['destination'] == owner.name for s in mine),
              f'the owner\'s PropertiesChanged: {mine}')
        check(any(s['args'][1].get('PlaybackState') == 'playing' and s['args'][1].get('Media', {}).get('title') ==
                  'Inception' for s in mine), f'PropertiesChanged carries the values: {mine}')
        check(any(s['args'][1].get('EffectiveIncognito') is True for s in mine), 'EffectiveIncognito changes are sent')
        # A's watcher (not the owner) gets no PropertiesChanged of the session, only SessionChanged.
        eq([s for s in from_daemon(rig, a_watch.signals()) if s['path'] == path], [],
           'PropertiesChanged of the session sent to a connection that does not own it')


def test_watch_sessions():
    a_uid, b_uid, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        a, b = rig.agent(a_uid), rig.agent(b_uid)
        wa, wb, wr = rig.agent(a_uid), rig.agent(b_uid), rig.agent()
        for w in (wa, wb, wr):
            w.ok('WatchSessions')
        wa.ok('WatchSessions')  # twice: still one subscription
        sa = create(a, 'mpv')
        sb = create(b, 'vlc')
        play(a, sa, 'Start', GUARDIANS, 10.0)
        a.ok('SetIncognito', 'b', [True])
        play(a, sa, 'Close')
        wait_until(lambda: members(from_daemon(rig, wr.signals()), 'SessionRemoved', sa), what='SessionRemoved at root')
        wait_until(lambda: members(from_daemon(rig, wa.signals()), 'SessionRemoved', sa), what='SessionRemoved at A')

        ga, gb, gr = (from_daemon(rig, w.signals()) for w in (wa, wb, wr))
        for who, got, w in (('A', ga, wa), ('B', gb, wb), ('root', gr, wr)):
            ours = [s for s in got if s['member'] in ('SessionChanged', 'SessionRemoved', 'IncognitoChanged')]
            check(all(s['destination'] == w.name for s in ours), f'{who}: a watcher signal not addressed to it: {ours}')
        # A: its session's life, once per event, and its eye; nothing of B's.
        eq(len(members(ga, 'SessionChanged', sa)), 3,
           "A's SessionChanged for its session (created, started, EffectiveIncognito by the eye)")
        eq(len(members(ga, 'SessionRemoved', sa)), 1, "A's SessionRemoved")
        eq([s['args'] for s in members(ga, 'IncognitoChanged')], [[True]], "A's IncognitoChanged")
        eq(members(ga, 'SessionChanged', sb) + members(ga, 'SessionRemoved', sb), [], "B's session told to A")
        # B: only its own.
        eq(len(members(gb, 'SessionChanged', sb)), 1, "B's SessionChanged (created)")
        eq(members(gb, 'SessionChanged', sa) + members(gb, 'SessionRemoved', sa) + members(gb, 'IncognitoChanged'), [],
           "A's session or eye told to B")
        # Root: every session, but its own eye only.
        check(members(gr, 'SessionChanged', sa) and members(gr, 'SessionChanged', sb), 'root misses a session')
        eq(members(gr, 'IncognitoChanged'), [], "A's eye told to root")
        # A connection of A that did not ask to watch hears nothing of the kind.
        eq([s for s in from_daemon(rig, a.signals()) if s['member'] in ('SessionChanged', 'SessionRemoved')], [],
           'session signals sent to a connection that does not watch')
        # UnwatchSessions ends a subscription (a disabled shell extension stays on the bus).
        wb.ok('UnwatchSessions')
        wb.ok('UnwatchSessions')  # twice: nothing to end
        n = len(from_daemon(rig, wb.signals()))
        play(b, sb, 'Start', GUARDIANS, 5.0)
        play(b, sb, 'Close')
        wait_until(lambda: members(from_daemon(rig, wr.signals()), 'SessionRemoved', sb), what='SessionRemoved of B at root')
        eq([s['member'] for s in from_daemon(rig, wb.signals())[n:]
            if s['member'] in ('SessionChanged', 'SessionRemoved', 'IncognitoChanged')], [], 'signals after UnwatchSessions')
        # A watcher that leaves is simply forgotten.
        wa.close()
        create(a, 'mpv')
        check(rig.daemon.poll() is None and len(wr.ok('ListSessions')[0]) == 1, 'the daemon after a watcher left')
        rig.polkit_allow()
        eq(b.call('WatchSessions').get('error'), DENIED, 'WatchSessions denied by polkit')


def test_watch_sessions_survive_restart():
    a_uid, _, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        player, watcher, gone = rig.agent(a_uid), rig.agent(a_uid), rig.agent(a_uid)
        watcher.ok('WatchSessions')
        gone.ok('WatchSessions')
        rig.stop_daemon()
        gone.close()  # leaves while the daemon is away
        rig.start_daemon()
        path = create(player, 'mpv')
        wait_until(lambda: members(from_daemon(rig, watcher.signals()), 'SessionChanged', path),
                   what='SessionChanged from the restarted daemon without asking again')
        player.ok('SetIncognito', 'b', [True])
        wait_until(lambda: members(from_daemon(rig, watcher.signals()), 'IncognitoChanged'),
                   what='IncognitoChanged from the restarted daemon')
        check('still watches the sessions' in rig.log_text(), "the daemon's log does not say whom it kept")
        check(rig.log_text().count('still watches the sessions') == 1, 'a watcher that left was kept')


def test_incognito_holders():
    a_uid, b_uid, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        watcher, b = rig.agent(a_uid), rig.agent(b_uid)
        watcher.ok('WatchSessions')
        root = rig.agent()
        eye = lambda ag: ag.ok('GetIncognito')[0]  # noqa: E731

        # A holder turns it on for its uid only; it goes off when the holder leaves.
        h1 = rig.agent(a_uid)
        h1.ok('SetIncognito', 'b', [True])
        h1.ok('SetIncognito', 'b', [True])  # twice: still one holder
        eq((eye(watcher), eye(b), eye(root)), (True, False, False), 'the eye of A, B and root')
        h1.close()
        wait_until(lambda: not eye(watcher), what='the eye to turn off with its only holder')
        changes = lambda: [s['args'][0] for s in members(from_daemon(rig, watcher.signals()), 'IncognitoChanged')]  # noqa: E731
        wait_until(lambda: changes() == [True, False], what='IncognitoChanged on, off')

        # false from another connection of the uid turns it off whoever set it.
        h2 = rig.agent(a_uid)
        h2.ok('SetIncognito', 'b', [True])
        watcher.ok('SetIncognito', 'b', [False])
        eq(eye(h2), False, 'off by another connection of the uid')
        # B cannot turn A's off (its own call acts on its own eye).
        h2.ok('SetIncognito', 'b', [True])
        b.ok('SetIncognito', 'b', [False])
        eq(eye(h2), True, "B's SetIncognito(false) touched A's eye")

        # Two holders: on until the last one leaves.
        h3 = rig.agent(a_uid)
        h3.ok('SetIncognito', 'b', [True])
        h2.close()
        time.sleep(0.3)
        eq(eye(watcher), True, 'off although a holder is still there')
        h3.close()
        wait_until(lambda: not eye(watcher), what='the eye to turn off with its last holder')
        wait_until(lambda: changes() == [True, False, True, False, True, False],
                   what='IncognitoChanged for each change, none for a repeated on')

        # Root has an eye of its own, like any uid.
        root.ok('SetIncognito', 'b', [True])
        eq((eye(root), eye(watcher)), (True, False), 'root\'s eye is its own')
        rig.polkit_allow()
        eq(b.call('SetIncognito', 'b', [True]).get('error'), DENIED, 'SetIncognito denied by polkit')
        eq(b.call('GetIncognito').get('error'), DENIED, 'GetIncognito denied by polkit')


def test_incognito_survives_restart():
    a_uid, _, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        holder, other = rig.agent(a_uid), rig.agent(a_uid)
        holder.ok('SetIncognito', 'b', [True])
        rig.restart_daemon()
        eq(other.ok('GetIncognito')[0], True, 'the eye after a restart while its holder stays')
        s = create(other, 'mpv')
        eq(props(other, s)['EffectiveIncognito'], True, 'a session after the restart')
        # The restarted daemon still tracks the holder.
        other.ok('WatchSessions')
        holder.close()
        wait_until(lambda: not other.ok('GetIncognito')[0], what='the eye to turn off when the holder leaves')
        wait_until(lambda: props(other, s)['EffectiveIncognito'] is False, what='EffectiveIncognito to follow')
        # The holder leaves while the daemon is away: off when it comes back.
        holder = rig.agent(a_uid)
        holder.ok('SetIncognito', 'b', [True])
        rig.stop_daemon()
        holder.close()
        rig.start_daemon()
        eq(other.ok('GetIncognito')[0], False, 'the eye after its holder left while the daemon was away')


# ---- the eye and what leaves the machine ----

def test_incognito_silences_live_sessions():
    a_uid, b_uid, _ = users()
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.polkit_allow(USE)
        a, a_eye, b = rig.agent(a_uid), rig.agent(a_uid), rig.agent(b_uid)
        s = create(a, 'mpv')
        play(a, s, 'Start', INCEPTION, 10.0)
        wait_until(lambda: len(scrobbles(rig)) == 1, what='the start before the eye')
        eq(props(a, s)['EffectiveIncognito'], False, 'EffectiveIncognito before')

        a_eye.ok('SetIncognito', 'b', [True])
        p = props(a, s)
        eq((p['Incognito'], p['EffectiveIncognito']), (False, True), 'Incognito, EffectiveIncognito with the eye on')
        wait_until(lambda: any(x['args'][1].get('EffectiveIncognito') is True
                               for x in from_daemon(rig, a.signals()) if x['path'] == s),
                   what="PropertiesChanged(EffectiveIncognito) to the owner")
        play(a, s, 'Pause', 40.0)
        play(a, s, 'Start', INCEPTION, 40.0)
        play(a, s, 'Stop', 96.0)
        # A session created while it is on is incognito from the start.
        s2 = create(a, 'vlc')
        eq(props(a, s2)['EffectiveIncognito'], True, 'a new session of the uid')
        play(a, s2, 'Start', TRON, 5.0)
        play(a, s2, 'Stop', 97.0)
        # Another user is not affected.
        sb = create(b, 'celluloid')
        eq(props(b, sb)['EffectiveIncognito'], False, "B's session")
        play(b, sb, 'Start', GUARDIANS, 5.0)
        play(b, sb, 'Stop', 98.0)
        wait_drained(rig)
        time.sleep(0.5)
        sent = [(r['path'], (r['body'].get('movie') or {}).get('title')) for r in scrobbles(rig)]
        eq([x for x in sent if x[1] != 'Guardians of the Galaxy'], [('/scrobble/start', 'Inception')],
           'what reached Trakt of A (only the start before the eye)')
        eq(sent[-1], ('/scrobble/stop', 'Guardians of the Galaxy'), "B's watch reached Trakt")
        hist = {h['title']: bool(h['private']) for h in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))}
        eq(hist, {'Inception': True, 'TRON: Legacy': True, 'Guardians of the Galaxy': False}, 'local history, private flags')

        # Off again: the sessions scrobble.
        a_eye.ok('SetIncognito', 'b', [False])
        eq(props(a, s)['EffectiveIncognito'], False, 'EffectiveIncognito after the eye went off')
        play(a, s, 'Start', TRON, 5.0)
        wait_until(lambda: any((r['body'].get('movie') or {}).get('title') == 'TRON: Legacy' for r in scrobbles(rig)),
                   what='a start once the eye is off')
        play(a, s, 'Stop', 50.0)
        wait_drained(rig)

        # A later import never pushes what the eye hid.
        from harness import SignalCatcher
        sigs = SignalCatcher(rig, interface=IFACE, member='SyncFinished')
        rig.call('Import')
        sigs.wait_for(lambda x: True, timeout=60, what='SyncFinished')
        sigs.close()
        for r in rig.control('requests'):
            if r['path'].startswith('/sync/history') and r['method'] == 'POST':
                check('27205' not in str(r['body']) and 'Inception' not in str(r['body']),
                      f'the import pushed a watch the eye hid: {r["body"]}')
        plays = [p for p in rig.control('account')['history'] if 'Inception' in str(p) or 'TRON' in str(p)]
        eq(plays, [], 'watches the eye hid on Trakt')  # TRON's later play stopped at 50 %: a pause


def withheld_then_hidden(hide):
    """Events wait in the outbox (Trakt rate-limits); then the session is
    hidden by hide(rig, agents, path). What the current playback had waiting
    is withdrawn; the earlier title still goes."""
    a_uid, _, _ = users()
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.polkit_allow(USE)
        a, a_other = rig.agent(a_uid), rig.agent(a_uid)
        # Trakt says "slow down" to the first event: everything after it waits a few seconds.
        rig.control('fault', {'match': '^/scrobble/', 'status': 429, 'retry_after': 5, 'count': 1,
                              'body': {'error': 'rate limited'}})
        s = create(a, 'mpv')
        play(a, s, 'Start', TRON, 5.0)
        play(a, s, 'Stop', 97.0)          # an earlier title, completed: it was meant to be known
        play(a, s, 'Start', INCEPTION, 10.0)
        play(a, s, 'Pause', 50.0)
        play(a, s, 'Start', INCEPTION, 50.0)
        play(a, s, 'Stop', 96.0)          # completed, waiting behind the 503s
        pending = int(rig.prop('PendingEvents'))
        check(pending >= 3, f'events waiting before the eye: {pending}')
        hide(rig, a, a_other, s)
        wait_until(lambda: int(rig.prop('PendingEvents')) < pending, what='the withdrawn events to leave the count')
        hist = {h['title']: bool(h['private']) for h in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))}
        eq(hist, {'Inception': True, 'TRON: Legacy': False}, 'the hidden watch is private, the earlier one is not')
        wait_drained(rig, timeout=60)
        time.sleep(0.5)
        for r in rig.control('requests'):
            check('27205' not in str(r.get('body')) and 'Inception' not in str(r.get('body')),
                  f'a withdrawn event reached Trakt: {r["path"]} {r.get("body")}')
        tron = [p for p in rig.control('account')['history'] if (p.get('movie') or {}).get('ids', {}).get('trakt') == 1]
        eq(len(tron), 1, 'the earlier title reached Trakt once')
        from harness import SignalCatcher
        sigs = SignalCatcher(rig, interface=IFACE, member='SyncFinished')
        rig.call('Import')
        sigs.wait_for(lambda x: True, timeout=60, what='SyncFinished')
        sigs.close()
        check(not any('27205' in str(r.get('body')) for r in rig.control('requests')), 'the import pushed the hidden watch')


def test_incognito_withdraws_waiting_events():
    withheld_then_hidden(lambda rig, a, other, s: other.ok('SetIncognito', 'b', [True]))


def test_own_incognito_withdraws_waiting_events():
    withheld_then_hidden(lambda rig, a, other, s: other.ok('Set', 'ssv', [SESSION, 'Incognito', ['b', True]],
                                                           interface=PROPS, path=s))


def test_last_error_names_no_title():
    """LastError is the household's status: everyone reads it, it names no title."""
    a_uid, b_uid, _ = users()
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.polkit_allow(USE)
        a, b = rig.agent(a_uid), rig.agent(b_uid)
        s = create(a, 'mpv')
        play(a, s, 'Start', media(type='movie', tmdb=987654321, title='A Very Private Film', year=2001), 10.0)
        err = wait_until(lambda: str(rig.prop('LastError')), what='LastError after Trakt answered 404')
        check('a movie' in err and err.endswith('.'), f'LastError does not say what kind of thing failed: {err!r}')
        for who, text in (('root', err), ('another user', str(b.ok('GetAll', 's', [IFACE], interface=PROPS)))):
            check('Private Film' not in text and '987654321' not in text, f'LastError read by {who} names the title: {text}')
        check('A Very Private Film' in rig.log_text(), "the daemon's log (root's) keeps the title")


# ---- the interface file and kinoctl ----

def test_session_introspection_matches_xml():
    from test_foundation import interface_shape
    with Rig(standin=False) as rig:
        root = rig.agent()
        path = create(root, 'mpv')
        live_xml = root.ok('Introspect', interface=INTROSPECT, path=path)[0]
        with open(os.path.join(SRC, 'dbus', 'org.kino.Trakt.xml')) as f:
            documented = f.read()
        a, b = interface_shape(live_xml, SESSION), interface_shape(documented, SESSION)
        check(a is not None and b is not None, 'org.kino.Trakt.Session missing from the daemon or the file')
        if a != b:
            raise TestFailure(f'org.kino.Trakt.Session differs from dbus/org.kino.Trakt.xml:\n'
                              f'  exported but not documented: {[x for x in a if x not in b]}\n'
                              f'  documented but not exported: {[x for x in b if x not in a]}')


class Lines:
    """A process's stdout read as it comes, to wait for one line before acting."""

    def __init__(self, proc):
        self.fd, self.raw = proc.stdout.fileno(), b''
        os.set_blocking(self.fd, False)

    def read(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            self.raw += chunk
        return self.raw.decode(errors='replace')

    def wait_for(self, text):
        wait_until(lambda: text in self.read(), what=f'{text!r} from kinoctl')


def test_kinoctl_monitor_and_incognito():
    a_uid, b_uid, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        player = rig.agent(a_uid)
        early = create(player, 'Celluloid')
        mon_root = subprocess.Popen([rig.kinoctl_path(), 'monitor'], env=rig.env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        mon_b = subprocess.Popen(['setpriv', f'--reuid={b_uid}', f'--regid={b_uid}', '--clear-groups',
                                  rig.kinoctl_path(), 'monitor'], env=rig.env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        holder = None
        root_lines, b_lines = Lines(mon_root), Lines(mon_b)
        try:
            # Each step waits for the monitor: it reads a session's properties when
            # told it changed, so a state that lasts no time at all may be skipped.
            root_lines.wait_for('Monitoring org.kino.Trakt')
            b_lines.wait_for('Monitoring org.kino.Trakt')
            path = create(player, 'mpv')
            root_lines.wait_for(f'Session opened: {path}')
            play(player, path, 'Start', GUARDIANS, 12.5)
            root_lines.wait_for('playing Guardians')
            play(player, path, 'Close')
            root_lines.wait_for(f'Session closed: {path}')

            p = rig.kinoctl('incognito', 'status', uid=a_uid)
            eq((p.returncode, p.stdout.strip()), (0, 'Incognito for all your sessions: off'), 'incognito status')
            holder = subprocess.Popen(['setpriv', f'--reuid={a_uid}', f'--regid={a_uid}', '--clear-groups',
                                       rig.kinoctl_path(), 'incognito', 'on'], env=rig.env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            wait_until(lambda: player.ok('GetIncognito')[0], what='kinoctl incognito on')
            eq(props(player, early)['EffectiveIncognito'], True, 'EffectiveIncognito under kinoctl incognito on')
            p = rig.kinoctl('incognito', 'status', uid=a_uid)
            eq(p.stdout.strip(), 'Incognito for all your sessions: on', 'incognito status while held')
            # The daemon restarts: the monitors follow it, the holder keeps the eye.
            rig.restart_daemon()
            eq(player.ok('GetIncognito')[0], True, 'the eye after a restart under kinoctl incognito on')
            root_lines.wait_for('kino-traktd started.')
            late = create(player, 'VLC media player')
            eq(props(player, late)['EffectiveIncognito'], True, 'a session after the restart')
            root_lines.wait_for('(VLC media player')
            p = rig.kinoctl('incognito', 'off', uid=a_uid)
            eq(p.returncode, 0, f'kinoctl incognito off: {p.stderr}')
            out, err = holder.communicate(timeout=20)
            eq(holder.returncode, 0, f'kinoctl incognito on after off elsewhere: {err}')
            check('turned off' in out, f'the holder does not say why it ended: {out!r}')
            eq(player.ok('GetIncognito')[0], False, 'the eye after kinoctl incognito off')
            eq(rig.kinoctl('incognito', 'maybe').returncode, 2, 'kinoctl incognito maybe')
            eq(rig.kinoctl('incognito').returncode, 2, 'kinoctl incognito without a word')
            time.sleep(0.5)
        finally:
            for m in (mon_root, mon_b) + ((holder,) if holder else ()):
                if m.poll() is None:
                    m.terminate()
            mon_root.wait(10)
            root_out = root_lines.read()
            mon_b.wait(10)
            b_out = b_lines.read()
        n = path.rsplit('/', 1)[1]
        check(f'Session open: {early} (Celluloid · uid {a_uid}' in root_out, f'root monitor, sessions at start: {root_out!r}')
        check(f'Session opened: {path} (mpv · uid {a_uid}' in root_out, f'root monitor, a new session: {root_out!r}')
        check(f'Session {path} (mpv · uid {a_uid} · playing Guardians of the Galaxy (2014) at 12.5%' in root_out,
              f'root monitor, what it plays: {root_out!r}')
        check(f'Session closed: {path} (mpv)' in root_out, f'root monitor, the end: {root_out!r}')
        check('kino-traktd stopped; its sessions ended.' in root_out and 'kino-traktd started.' in root_out,
              f'root monitor across the restart: {root_out!r}')
        check(f'Session opened: {late} (VLC media player · uid {a_uid} · nothing played yet · incognito)'
              in root_out, f'root monitor, a session after the restart: {root_out!r}')
        check(f'/session/{n}' not in b_out and 'Guardians' not in b_out and 'Celluloid' not in b_out,
              f'another user\'s monitor shows A\'s sessions: {b_out!r}')
        check('ScrobbleStatus' in b_out, f'another user\'s monitor: {b_out!r}')


def test_resume_points_private_per_user():
    """A pause in incognito is the resume point of the user who paused and of
    nobody else (not another user, not root's GetResumePoint); a pause in a
    session that is not incognito is the household's. A private watch that
    ends clears the watcher's own resume point, never the household's."""
    a_uid, b_uid, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        a, b = rig.agent(a_uid), rig.agent(b_uid)

        def resume(agent, what):
            return tuple(float(v) for v in agent.ok('GetResumePoint', 'a{sv}', [what]))

        hidden = create(a, 'mpv', incognito=True)
        play(a, hidden, 'Start', INCEPTION, 5.0)
        play(a, hidden, 'Pause', 40.0)
        eq(resume(a, INCEPTION)[0], 40.0, "A's own resume point after an incognito pause")
        eq(resume(b, INCEPTION), (0.0, 0.0), "B's GetResumePoint of A's incognito pause")
        root = rig.call('GetResumePoint', dbus.Dictionary({'type': 'movie', 'tmdb': dbus.UInt32(27205), 'title': 'Inception',
                                                           'year': dbus.UInt32(2010)}, signature='sv'))
        eq((float(root[0]), int(root[1])), (0.0, 0), "root's GetResumePoint of A's incognito pause")

        # The user-wide eye hides a pause the same way.
        a.ok('SetIncognito', 'b', [True])
        seen = create(a, 'vlc')
        play(a, seen, 'Start', TRON, 5.0)
        play(a, seen, 'Pause', 25.0)
        a.ok('SetIncognito', 'b', [False])
        eq(resume(a, TRON)[0], 25.0, "A's resume point after a pause under the eye")
        eq(resume(b, TRON), (0.0, 0.0), "B's GetResumePoint of A's pause under the eye")

        # B's public pause of the same film: everyone's; A sees the newer of the two.
        shown = create(b, 'vlc')
        play(b, shown, 'Start', INCEPTION, 5.0)
        play(b, shown, 'Pause', 60.0)
        eq(resume(b, INCEPTION)[0], 60.0, "B's own public pause")
        eq(resume(a, INCEPTION)[0], 60.0, 'A sees the newer, public pause')
        play(a, hidden, 'Start', INCEPTION, 40.0)
        play(a, hidden, 'Pause', 45.0)
        eq(resume(a, INCEPTION)[0], 45.0, "A's newer private pause")
        eq(resume(b, INCEPTION)[0], 60.0, 'B still sees only the public pause')

        # A finishes the film in incognito: A's private point goes, the household's stays.
        play(a, hidden, 'Start', INCEPTION, 45.0)
        play(a, hidden, 'Stop', 96.0)
        eq(resume(a, INCEPTION)[0], 60.0, "A's resume point after the private watch ended")
        eq(resume(b, INCEPTION)[0], 60.0, "B's resume point after A's private watch ended")
        # Nothing of it in the household's table.
        import sqlite3
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'), timeout=10)
        rows = db.execute('SELECT progress FROM resume_points ORDER BY progress').fetchall()
        db.close()
        eq([r[0] for r in rows], [60.0], 'the household resume points')


def test_history_private_plays_per_user():
    """GetHistory lists a private (incognito) play only for the user whose
    session recorded it and for root; public plays and plays recorded without
    a uid (older rows, imports) are listed for everyone."""
    import sqlite3
    a_uid, b_uid, _ = users()
    with Rig(standin=False) as rig:
        rig.polkit_allow(USE)
        a, b = rig.agent(a_uid), rig.agent(b_uid)
        hidden = create(a, 'mpv', incognito=True)
        play(a, hidden, 'Start', INCEPTION, 5.0)
        play(a, hidden, 'Stop', 96.0)
        seen = create(a, 'mpv')
        play(a, seen, 'Start', TRON, 5.0)
        play(a, seen, 'Stop', 97.0)
        # B's own incognito play, for the other direction.
        b_hidden = create(b, 'vlc', incognito=True)
        play(b, b_hidden, 'Start', GUARDIANS, 5.0)
        play(b, b_hidden, 'Stop', 98.0)
        # A private play from before uids were recorded (schema 3): no uid, listed for all.
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'), timeout=10)
        with db:
            db.execute("INSERT INTO history(media_key, media, watched_at, origin, private, pushed)"
                       " VALUES ('movie:trakt=2', '{\"type\":\"movie\",\"movie\":{\"title\":\"Batman Begins\",\"year\":2005,"
                       "\"ids\":{\"trakt\":2}}}', 1000000, 'local', 1, 0)")
        db.close()

        def titles(agent):
            return sorted(h['title'] for h in agent.ok('GetHistory', 'tu', [0, 0])[0])

        eq(titles(a), ['Batman Begins', 'Inception', 'TRON: Legacy'], "A's history")
        eq(titles(b), ['Batman Begins', 'Guardians of the Galaxy', 'TRON: Legacy'], "B's history")
        root = sorted(str(h['title']) for h in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0)))
        eq(root, ['Batman Begins', 'Guardians of the Galaxy', 'Inception', 'TRON: Legacy'], "root's history")
        # The limit counts what the caller may see: B's newest row is not A's hidden play.
        eq([h['title'] for h in b.ok('GetHistory', 'tu', [0, 1])[0]], ['Guardians of the Galaxy'], "B's newest play")
