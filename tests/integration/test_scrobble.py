"""Live scrobbling: sessions, Trakt's 2026 rules, incognito, and the durable outbox."""
import signal
import subprocess
import sys
import time

import dbus

from harness import (BUS_NAME, PYTHON, Rig, SignalCatcher, check, eq, expect_dbus_error, nobody_uid,
                     wait_until)
from test_connect import configured, connect

SESSION = 'org.kino.Trakt.Session'
PROPS = 'org.freedesktop.DBus.Properties'
ERR = 'org.kino.Trakt.Error.'
INVALID = 'org.freedesktop.DBus.Error.InvalidArgs'
DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
FAST = '[Trakt]\nwrite_interval_ms = 50\nmax_retries = 1\n'


def media(**kw):
    out = {}
    for k, v in kw.items():
        out[k] = dbus.String(v) if isinstance(v, str) else dbus.UInt32(v)
    return dbus.Dictionary(out, signature='sv')


GUARDIANS = media(type='movie', trakt=28, title='Guardians of the Galaxy', year=2014)
TRON = media(type='movie', trakt=1, title='TRON: Legacy', year=2010)
INCEPTION = media(type='movie', tmdb=27205, title='Inception', year=2010)
BB_S1E1 = media(type='episode', show_tvdb=81189, show_title='Breaking Bad', season=1, episode=1)


class Session:
    def __init__(self, rig, bus=None):
        self.rig = rig
        self.bus = bus or rig.bus
        self.path = str(self.bus.get_object(BUS_NAME, '/org/kino/Trakt', introspect=False)
                        .CreateSession(dbus_interface='org.kino.Trakt'))
        self.obj = self.bus.get_object(BUS_NAME, self.path, introspect=False)

    def __getattr__(self, name):
        return self.obj.get_dbus_method(name, SESSION)

    def prop(self, name):
        return self.obj.Get(SESSION, name, dbus_interface=PROPS)

    def set_incognito(self, on):
        self.obj.Set(SESSION, 'Incognito', dbus.Boolean(on, variant_level=1), dbus_interface=PROPS)


def live(rig, seed=None):
    """A connected account (no import). The daemon keeps Trakt's one write per
    second unless the config says otherwise (FAST: 50 ms), so the stand-in is
    told to allow that pace; the rate-limit tests set it back."""
    rig.control('config', {'write_interval': 0.01})
    configured(rig, seed=seed)
    connect(rig, import_=False)


def quick(rig, method, *args):
    """A call that must answer within 5 s whatever Trakt does."""
    return rig.obj().get_dbus_method(method, 'org.kino.Trakt')(*args, timeout=5)


def scrobbles(rig, action=None):
    out = [r for r in rig.control('requests') if r['path'].startswith('/scrobble/') and r['method'] == 'POST']
    return [r for r in out if action is None or r['path'] == '/scrobble/' + action]


def posts(rig, path):
    return [r for r in rig.control('requests') if r['path'] == path and r['method'] == 'POST']


def wait_drained(rig, timeout=30):
    wait_until(lambda: int(rig.prop('PendingEvents')) == 0, timeout=timeout, what='the outbox to drain')


def trakt_plays(rig, trakt_id=None):
    h = rig.control('account')['history']
    if trakt_id is None:
        return h
    return [p for p in h if (p.get('movie') or p.get('episode') or {}).get('ids', {}).get('trakt') == trakt_id]


def test_session_lifecycle_and_ownership():
    with Rig(config_text=FAST) as rig:
        live(rig)
        s = Session(rig)
        check(s.path.startswith('/org/kino/Trakt/session/'), f'session path {s.path}')
        eq(str(s.prop('PlaybackState')), 'stopped', 'PlaybackState at start')
        eq(bool(s.prop('Incognito')), False, 'Incognito at start')
        eq(dict(s.prop('Media')), {}, 'Media before Start')
        eq(str(rig.prop('ScrobbleStatus')), 'active', 'ScrobbleStatus with a session open')
        s2 = Session(rig)
        check(s2.path != s.path, 'two sessions share a path')

        # Another program (another uid, another bus name) may not drive it or flip incognito.
        r = rig.call_as(nobody_uid(), 'Pause', 'd', [10.0], interface=SESSION, path=s.path)
        check(not r['ok'] and r['error'] == DENIED, f'foreign Pause: {r}')
        r = rig.call_as(nobody_uid(), 'Set', 'ssv', [SESSION, 'Incognito', True], interface=PROPS, path=s.path)
        check(not r['ok'] and r['error'] == DENIED, f'foreign Set Incognito: {r}')
        # Nor read it: another uid learns nothing about a session (test_sessions has the details).
        r = rig.call_as(nobody_uid(), 'Get', 'ss', [SESSION, 'PlaybackState'], interface=PROPS, path=s.path)
        check(not r['ok'] and r['error'] == DENIED, f'foreign Get: {r}')

        s.Start(GUARDIANS, 12.5)
        eq(str(s.prop('PlaybackState')), 'playing', 'PlaybackState after Start')
        eq(float(s.prop('Progress')), 12.5, 'Progress')
        m = {str(k): v for k, v in s.prop('Media').items()}
        eq(str(m.get('type')), 'movie', 'Media type')
        eq(int(m.get('trakt', 0)), 28, 'Media trakt id')
        s.Close()
        expect_dbus_error('org.freedesktop.DBus.Error.UnknownObject', s.prop, 'PlaybackState')
        # Closing while playing queued a pause at the last progress.
        wait_until(lambda: scrobbles(rig, 'pause'), what='the pause sent for a session closed while playing')
        eq(scrobbles(rig, 'pause')[-1]['body']['progress'], 12.5, 'pause progress on close')
        s2.Close()
        wait_drained(rig)
        wait_until(lambda: str(rig.prop('ScrobbleStatus')) == 'idle', what='ScrobbleStatus idle')


def test_bad_input():
    with Rig(config_text=FAST) as rig:
        live(rig)
        s = Session(rig)
        msg = expect_dbus_error(INVALID, s.Start, media(type='movie', trakt=28, colour='blue'), 10.0)
        check('colour' in msg, f'the bad key is not named: {msg}')
        expect_dbus_error(INVALID, s.Start, media(type='movie'), 10.0)
        expect_dbus_error(INVALID, s.Start, GUARDIANS, 101.0)
        expect_dbus_error(INVALID, s.Start, GUARDIANS, -1.0)
        expect_dbus_error(INVALID, s.Start, GUARDIANS, float('nan'))
        expect_dbus_error(INVALID, s.Pause, 10.0)  # nothing playing yet
        eq(str(s.prop('PlaybackState')), 'stopped', 'bad calls changed the state')
        eq(int(rig.prop('PendingEvents')), 0, 'bad calls queued events')
        expect_dbus_error(INVALID, rig.call, 'Rate', GUARDIANS, dbus.Byte(11))
        expect_dbus_error(INVALID, rig.call, 'MarkWatched', GUARDIANS, dbus.UInt64(int(time.time() + 7 * 86400) * 10**6))
        msg = expect_dbus_error(INVALID, rig.call, 'UpdateCollection',
                                dbus.Array([dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(28),
                                                             'resolution': 'hd_2000p'}, signature='sv')],
                                           signature='a{sv}'),
                                dbus.Array([], signature='a{sv}'))
        check('resolution' in msg and 'uhd_4k' in msg, f'metadata error does not name key and allowed values: {msg}')
        eq(scrobbles(rig), [], 'bad input reached Trakt')


def test_rules_2026():
    with Rig(config_text=FAST) as rig:
        live(rig)
        s = Session(rig)
        s.Start(GUARDIANS, 5.0)
        s.Pause(40.0)
        wait_drained(rig)
        eq([r['path'] for r in scrobbles(rig)], ['/scrobble/start', '/scrobble/pause'], 'start then pause')
        eq(scrobbles(rig, 'pause')[0]['body']['progress'], 40.0, 'pause progress')
        check('type' not in scrobbles(rig, 'start')[0]['body'], 'scrobble body carries our "type" key')
        check(scrobbles(rig, 'start')[0]['body']['movie']['ids']['trakt'] == 28, 'start body names the movie')
        r, pt = rig.call('GetResumePoint', GUARDIANS)
        eq(float(r), 40.0, 'local resume point after a pause')

        # A pause at >= 80 % would be a 422: it goes as a stop and completes the watch.
        s.Start(GUARDIANS, 40.0)
        s.Pause(85.0)
        wait_drained(rig)
        eq(scrobbles(rig)[-1]['path'], '/scrobble/stop', 'pause at 85 % sent as')
        eq(scrobbles(rig)[-1]['status'], 201, 'stop status')
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt after the completed watch')
        hist = rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))
        eq(len(hist), 1, 'local history rows')
        eq(str(hist[0]['origin']), 'local', 'origin')
        eq(bool(hist[0]['private']), False, 'private')
        # The same playback does not count twice.
        n = len(scrobbles(rig))
        s.Stop(97.0)
        time.sleep(0.5)
        eq(len(scrobbles(rig)), n, 'a stop after the completed pause was sent again')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 1, 'local history rows after the second stop')
        eq(str(s.prop('PlaybackState')), 'stopped', 'PlaybackState after Stop')
        eq(float(rig.call('GetResumePoint', GUARDIANS)[0]), 0.0, 'resume point left after the watch completed')

        # Stop below 1 %: not sent at all. Stop between 1 and 80: a stop, which
        # Trakt keeps as a pause (§4.2), and a resume point here.
        # (Each step drained first: events queued behind a later one would coalesce.)
        s.Start(TRON, 0.0)
        wait_drained(rig)
        s.Stop(0.5)
        s.Start(BB_S1E1, 10.0)
        wait_drained(rig)
        s.Stop(30.0)
        wait_drained(rig)
        tail = [(r['path'], r['body'].get('progress')) for r in scrobbles(rig)[n:]]
        eq(tail, [('/scrobble/start', 0.0), ('/scrobble/start', 10.0), ('/scrobble/stop', 30.0)],
           'start, (no stop below 1 %), start, stop')
        eq(float(rig.call('GetResumePoint', BB_S1E1)[0]), 30.0, 'resume point after a stop at 30 %')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 1, 'local plays after a stop at 30 %')
        check(not trakt_plays(rig, 73482) and not [p for p in trakt_plays(rig) if 'episode' in p],
              'a stop at 30 % became a play on Trakt')
        ep = scrobbles(rig)[-1]['body']
        eq(ep['show']['ids']['tvdb'], 81189, 'episode named by its show')
        eq((ep['episode']['season'], ep['episode']['number']), (1, 1), 'episode numbers')
        check('movie' not in ep and 'type' not in ep, f'episode body: {ep}')

        # An episode named by its own ids (docs/trakt-api.md §4.1: {"episode":{"ids":{…}}}).
        n = len(scrobbles(rig))
        s.Start(media(type='episode', trakt=73482, tvdb=349232), 20.0)
        wait_drained(rig)
        s.Stop(90.0)
        wait_drained(rig)
        tail = scrobbles(rig)[n:]
        eq([r['path'] for r in tail], ['/scrobble/start', '/scrobble/stop'], 'episode by ids')
        eq(tail[0]['body']['episode']['ids'], {'trakt': 73482, 'tvdb': 349232}, 'episode ids in the body')
        eq(tail[1]['status'], 201, 'the episode stop')
        check(any(h.get('episode', {}).get('ids', {}).get('trakt') == 73482 for h in rig.control('account')['history']),
              'the episode play is not on Trakt')
        eq(str(rig.prop('ScrobbleStatus')), 'active', 'status after successful deliveries')
        eq(str(rig.prop('LastError')), '', 'LastError')


def test_methods_return_before_the_network():
    with Rig(config_text=FAST) as rig:
        live(rig)
        # Trakt holds every scrobble for 20 s; the calls must not wait for it.
        rig.control('fault', {'match': '^/scrobble/', 'action': 'stall', 'delay': 20, 'count': -1})
        s = Session(rig)
        s.Start(GUARDIANS, 10.0, timeout=5)
        s.Pause(20.0, timeout=5)
        s.Stop(95.0, timeout=5)
        check(int(rig.prop('PendingEvents')) >= 2, 'events are not waiting in the outbox')
        hist = quick(rig, 'GetHistory', dbus.UInt64(0), dbus.UInt32(10))
        eq(len(hist), 1, 'the completed watch is in local history before Trakt answered')
        quick(rig, 'Rate', TRON, dbus.Byte(8))
        eq(int(quick(rig, 'GetRating', TRON)), 8, 'rating stored at once')
        rig.control('faults/clear', {})


def test_conflict_409_is_success():
    with Rig(config_text=FAST) as rig:
        live(rig)
        for _ in range(2):  # two tabs finish the same film within Trakt's window
            s = Session(rig)
            s.Start(GUARDIANS, 90.0)
            s.Stop(99.0)
            s.Close()
        wait_drained(rig)
        stops = scrobbles(rig, 'stop')
        eq([r['status'] for r in stops], [201, 409], 'stop answers')
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt')
        eq(str(rig.prop('LastError')), '', 'a 409 left an error')
        check(str(rig.prop('ScrobbleStatus')) in ('idle', 'active'), f'status after 409: {rig.prop("ScrobbleStatus")}')
        # Not retried: exactly two stops reached Trakt.
        time.sleep(1)
        eq(len(scrobbles(rig, 'stop')), 2, 'stops sent')


def test_rate_limited_429_then_green():
    with Rig(config_text=FAST) as rig:
        live(rig)
        sigs = SignalCatcher(rig)
        rig.control('fault', {'match': '^/scrobble/start', 'status': 429, 'retry_after': 3, 'count': 1,
                              'body': {'error': 'rate limited'}})
        s = Session(rig)
        s.Start(GUARDIANS, 10.0)
        s.Pause(20.0)
        sigs.wait_for(lambda a: a[1].get('ScrobbleStatus') == 'rate-limited', what='ScrobbleStatus rate-limited')
        check(int(rig.prop('PendingEvents')) >= 1, 'PendingEvents while rate-limited')
        sigs.wait_for(lambda a: a[1].get('ScrobbleStatus') == 'active' and
                      any(b[1].get('ScrobbleStatus') == 'rate-limited' for b in sigs.items), timeout=30,
                      what='ScrobbleStatus back to active')
        wait_drained(rig)
        paths = [(r['path'], r['status']) for r in scrobbles(rig)]
        check(paths[0] == ('/scrobble/start', 429), f'first answer: {paths}')
        check(paths[-1] == ('/scrobble/pause', 201), f'the pause was not delivered after the block: {paths}')
        sigs.close()


def test_transient_failures_keep_order():
    # A wide live window: this is about order; a stop that comes too late is
    # late-watch-goes-to-history-with-its-time.
    with Rig(config_text=FAST + 'live_window = 300\n') as rig:
        live(rig)
        rig.control('fault', {'match': '^/scrobble/', 'status': 503, 'count': 3})
        s = Session(rig)
        s.Start(GUARDIANS, 10.0)
        s.Stop(95.0)
        s.Start(TRON, 5.0)
        s.Stop(50.0)
        wait_drained(rig, timeout=60)
        ok = [(r['path'], r['body']['movie']['ids']['trakt']) for r in scrobbles(rig) if r.get('status') in (200, 201)]
        # The first start is superseded by its stop while it waits; what is sent keeps the order.
        eq([p for p in ok if p[1] == 28][-1], ('/scrobble/stop', 28), 'Guardians ends with its stop')
        eq(ok[-1], ('/scrobble/stop', 1), 'TRON last (its stop at 50 %)')
        guardians = [i for i, p in enumerate(ok) if p[1] == 28]
        tron = [i for i, p in enumerate(ok) if p[1] == 1]
        check(guardians and tron and max(guardians) < min(tron), f'out of order: {ok}')
        eq(len(trakt_plays(rig, 28)), 1, 'one play')
        eq(len(trakt_plays(rig, 1)), 0, 'plays of TRON (stopped at 50 %)')
        eq(str(rig.prop('LastError')), '', 'transient failures left an error')


def test_incognito():
    with Rig(config_text=FAST) as rig:
        live(rig)
        private = Session(rig)
        normal = Session(rig)
        private.set_incognito(True)
        eq(bool(private.prop('Incognito')), True, 'Incognito')
        private.Start(INCEPTION, 0.0)
        normal.Start(GUARDIANS, 0.0)
        private.Pause(50.0)
        private.Start(INCEPTION, 50.0)
        private.Stop(96.0)
        normal.Stop(96.0)
        rig.call('Rate', INCEPTION, dbus.Byte(9))  # ratings still sync
        wait_drained(rig)
        for r in scrobbles(rig):
            check('tmdb' not in str(r['body']) or r['body']['movie']['ids'].get('trakt') == 28,
                  f'an incognito event left the machine: {r}')
        eq(len(scrobbles(rig, 'stop')), 1, 'stops sent (only the normal session)')
        hist = {int(h.get('trakt', 0)) or int(h.get('tmdb', 0)): bool(h['private'])
                for h in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))}
        eq(hist, {27205: True, 28: False}, 'local history with the private flag')
        check(posts(rig, '/sync/ratings'), 'the rating made during incognito was not pushed')
        # A later import never pushes the private watch.
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.call('Import')
        sigs.wait_for(lambda a: True, timeout=60, what='SyncFinished')
        for r in posts(rig, '/sync/history'):
            check('27205' not in str(r['body']), f'the import pushed the private watch: {r["body"]}')
        eq([p for p in trakt_plays(rig) if 'Inception' in str(p)], [], 'Inception reached Trakt')
        # Incognito resets with the session.
        private.Close()
        eq(bool(Session(rig).prop('Incognito')), False, 'a new session starts incognito')


def test_owner_leaving_sends_pause():
    with Rig(config_text=FAST) as rig:
        live(rig)
        script = f'''
import dbus, sys
bus = dbus.bus.BusConnection({rig.address!r})
o = bus.get_object('org.kino.Trakt', '/org/kino/Trakt', introspect=False)
p = o.CreateSession(dbus_interface='org.kino.Trakt')
s = bus.get_object('org.kino.Trakt', p, introspect=False)
s.Start(dbus.Dictionary({{'type': 'movie', 'trakt': dbus.UInt32(1)}}, signature='sv'), 33.0,
        dbus_interface='org.kino.Trakt.Session')
print(p)
'''
        out = subprocess.run([PYTHON, '-c', script], capture_output=True, text=True, timeout=30)
        check(out.returncode == 0, f'player script failed: {out.stderr}')
        path = out.stdout.strip()
        wait_until(lambda: scrobbles(rig, 'pause'), what='a pause after the player left the bus')
        eq(scrobbles(rig, 'pause')[-1]['body']['progress'], 33.0, 'pause progress')
        expect_dbus_error('org.freedesktop.DBus.Error.UnknownObject',
                          rig.bus.get_object(BUS_NAME, path, introspect=False).Get, SESSION, 'PlaybackState',
                          dbus_interface=PROPS)
        # In incognito nothing is sent when the player leaves.
        n = len(scrobbles(rig))
        script2 = script.replace("print(p)", "s.Set('org.kino.Trakt.Session', 'Incognito', dbus.Boolean(True, variant_level=1), "
                                             "dbus_interface='org.freedesktop.DBus.Properties')\nprint(p)")
        script2 = script2.replace("s.Start(", "s.Set('org.kino.Trakt.Session', 'Incognito', dbus.Boolean(True, variant_level=1), "
                                             "dbus_interface='org.freedesktop.DBus.Properties')\ns.Start(", 1)
        out = subprocess.run([PYTHON, '-c', script2], capture_output=True, text=True, timeout=30)
        check(out.returncode == 0, f'player script failed: {out.stderr}')
        wait_until(lambda: str(rig.prop('ScrobbleStatus')) == 'idle',
                   what='the incognito session to go')
        time.sleep(0.5)
        eq(len(scrobbles(rig)), n, 'an incognito session sent something when its player left')


def test_kill9_after_trakt_recorded_no_duplicate():
    with Rig(config_text=FAST) as rig:
        live(rig)
        # Trakt records the stop, but the answer never arrives; the daemon dies meanwhile.
        rig.control('fault', {'match': '^/scrobble/stop', 'after': True, 'action': 'stall', 'delay': 30, 'count': 1})
        s = Session(rig)
        s.Start(GUARDIANS, 90.0)
        s.Stop(98.0)
        wait_until(lambda: len(trakt_plays(rig, 28)) == 1, what='Trakt to record the stop')
        rig.stop_daemon(sig=signal.SIGKILL, check=False)
        rig.start_daemon()
        wait_drained(rig, timeout=60)
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt after the replay')
        # The unconfirmed stop survived the crash and was sent again; Trakt said 409.
        eq([r.get('status') for r in scrobbles(rig, 'stop')][-1], 409, 'the replayed stop')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 1, 'local plays')


def test_late_watch_goes_to_history_with_its_time():
    cfg = FAST + 'live_window = 2\n'
    with Rig(config_text=cfg) as rig:
        live(rig)
        rig.control('fault', {'match': '^/scrobble/', 'status': 503, 'count': -1})
        s = Session(rig)
        s.Start(GUARDIANS, 90.0)
        t0 = time.time()
        s.Stop(99.0)
        time.sleep(3)  # past the live window while Trakt is down
        rig.control('faults/clear', {})
        wait_drained(rig, timeout=90)
        adds = [r for r in posts(rig, '/sync/history') if r.get('status') in (200, 201)]
        eq(len(adds), 1, 'history adds')
        wa = adds[0]['body']['movies'][0]['watched_at']
        from datetime import datetime
        t = datetime.strptime(wa, '%Y-%m-%dT%H:%M:%S.%fZ').timestamp() - time.timezone
        check(abs(t - t0) < 2, f'watched_at {wa} is not when the watch happened ({t0})')
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt')
        eq([r['status'] for r in scrobbles(rig, 'stop') if r.get('status') in (200, 201)], [], 'a late stop went live')


def test_history_add_lost_answer_checks_before_readding():
    cfg = FAST + 'live_window = 1\n'
    with Rig(config_text=cfg) as rig:
        live(rig)
        # MarkWatched goes to /sync/history; Trakt stores it but the answer is lost.
        rig.control('fault', {'match': '^/sync/history$', 'method': 'POST', 'after': True, 'action': 'reset',
                              'count': 1})
        when = int(time.time() - 3600) * 10**6
        rig.call('MarkWatched', GUARDIANS, dbus.UInt64(when))
        rig.call('MarkWatched', GUARDIANS, dbus.UInt64(when + 10 * 10**6))  # the same play: not added twice
        wait_drained(rig, timeout=60)
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt')
        gets = [r for r in rig.control('requests') if r['method'] == 'GET' and r['path'].startswith('/sync/history/movies')]
        check(gets and 'start_at=' in gets[0]['query'], f'no look-up before re-adding: {gets}')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 1, 'local plays')


def test_expired_keeps_queue_until_reconnected():
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.control('tokens/invalidate-refresh', {})
        rig.control('tokens/expire', {})
        s = Session(rig)
        s.Start(GUARDIANS, 90.0)
        s.Stop(99.0)
        wait_until(lambda: str(rig.prop('State')) == 'expired', what='State expired')
        wait_until(lambda: str(rig.prop('ScrobbleStatus')) == 'failed', what='ScrobbleStatus failed')
        check(int(rig.prop('PendingEvents')) >= 1, 'the events were dropped when the token expired')
        check('reconnect' in str(rig.prop('LastError')).lower(), f'LastError: {rig.prop("LastError")}')
        eq(len(trakt_plays(rig, 28)), 0, 'plays before reconnecting')
        rig.restart_daemon()
        eq(str(rig.prop('ScrobbleStatus')), 'failed', 'status after a restart while expired')
        check(int(rig.prop('PendingEvents')) >= 1, 'PendingEvents after restart')
        connect(rig, import_=False)
        wait_drained(rig, timeout=60)
        eq(len(trakt_plays(rig, 28)), 1, 'plays after reconnecting')
        wait_until(lambda: str(rig.prop('ScrobbleStatus')) in ('idle', 'active'), what='status back to normal')


def test_scrobble_toggle_off_uses_history():
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.call('SetSyncEnabled', 'scrobble', False)
        rig.call('SetSyncEnabled', 'history', False)
        s = Session(rig)
        s.Start(GUARDIANS, 10.0)
        s.Pause(50.0)
        s.Start(GUARDIANS, 50.0)
        s.Stop(95.0)
        time.sleep(1)
        eq(scrobbles(rig), [], 'scrobbles with the toggle off')
        eq(posts(rig, '/sync/history'), [], 'history push with history off')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 1, 'the watch is in local history')
        eq(int(rig.prop('PendingEvents')), 1, 'the watch waits for the history toggle')
        rig.call('SetSyncEnabled', 'history', True)
        wait_drained(rig)
        eq(len(posts(rig, '/sync/history')), 1, 'history pushes once history is on')
        eq(scrobbles(rig), [], 'scrobbles after turning history on')
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt')


def test_restart_keeps_pending_count():
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.control('fault', {'match': '^/(scrobble|sync)/', 'method': 'POST', 'status': 502, 'count': -1})
        s = Session(rig)
        s.Start(GUARDIANS, 90.0)
        s.Stop(95.0)
        rig.call('Rate', TRON, dbus.Byte(7))
        rig.call('MarkWatched', TRON, dbus.UInt64(0))
        wait_until(lambda: int(rig.prop('PendingEvents')) == 3, what='three pending events (start superseded)')
        rig.stop_daemon(sig=signal.SIGKILL, check=False)
        rig.start_daemon()
        eq(int(rig.prop('PendingEvents')), 3, 'PendingEvents after kill -9 and restart')
        rig.control('faults/clear', {})
        wait_drained(rig, timeout=90)
        eq(len(trakt_plays(rig, 28)), 1, 'Guardians plays')
        eq(len(trakt_plays(rig, 1)), 1, 'TRON plays')
        ratings = rig.control('account')['ratings']
        check(any(r['rating'] == 7 for r in ratings), f'rating not delivered: {ratings}')


def test_rate_mark_watched_collection():
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.call('Rate', GUARDIANS, dbus.Byte(9))
        eq(int(rig.call('GetRating', GUARDIANS)), 9, 'GetRating')
        wait_drained(rig)
        body = posts(rig, '/sync/ratings')[-1]['body']
        eq((body['movies'][0]['ids']['trakt'], body['movies'][0]['rating']), (28, 9), 'rating pushed')
        rig.call('Rate', GUARDIANS, dbus.Byte(0))
        eq(int(rig.call('GetRating', GUARDIANS)), 0, 'GetRating after removal')
        wait_drained(rig)
        check(posts(rig, '/sync/ratings/remove'), 'the removal was not pushed')
        check(not any(r.get('movie', {}).get('ids', {}).get('trakt') == 28 for r in rig.control('account')['ratings']),
              'Trakt still has the rating')

        rig.call('MarkWatched', TRON, dbus.UInt64(0))
        rig.call('MarkWatched', TRON, dbus.UInt64(0))  # the same play twice within a minute
        wait_drained(rig)
        eq(len(trakt_plays(rig, 1)), 1, 'MarkWatched plays on Trakt')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 1, 'local plays')

        items = [dbus.Dictionary({'type': 'movie', 'tmdb': dbus.UInt32(90000 + i), 'title': f'Film {i}',
                                  'year': dbus.UInt32(2000), 'resolution': 'hd_1080p', 'audio': 'dts',
                                  'audio_channels': '5.1', '3d': dbus.Boolean(i == 0)}, signature='sv')
                 for i in range(250)]
        items.append(dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(28), 'media_type': 'bluray',
                                      'resolution': 'uhd_4k', 'hdr': 'dolby_vision'}, signature='sv'))
        rig.call('UpdateCollection', dbus.Array(items, signature='a{sv}'), dbus.Array([], signature='a{sv}'))
        wait_drained(rig)
        pushes = posts(rig, '/sync/collection')
        eq([len(p['body'].get('movies', [])) for p in pushes], [100, 100, 51], 'collection batches')
        g = [m for m in pushes[-1]['body']['movies'] if m.get('ids', {}).get('trakt') == 28][0]
        eq((g['media_type'], g['resolution'], g['hdr']), ('bluray', 'uhd_4k', 'dolby_vision'), 'metadata pushed')
        eq(pushes[0]['body']['movies'][0].get('3d'), True, '3d pushed')
        rig.call('UpdateCollection', dbus.Array([], signature='a{sv}'),
                 dbus.Array([dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(28)}, signature='sv')],
                            signature='a{sv}'))
        wait_drained(rig)
        check(posts(rig, '/sync/collection/remove'), 'removal not pushed')
        # Collection changes sync while an incognito session is open.
        s = Session(rig)
        s.set_incognito(True)
        n = len(posts(rig, '/sync/collection'))
        rig.call('UpdateCollection', dbus.Array(items[:1], signature='a{sv}'), dbus.Array([], signature='a{sv}'))
        wait_drained(rig)
        eq(len(posts(rig, '/sync/collection')), n + 1, 'collection push during incognito')


def test_not_connected_records_locally():
    with Rig(config_text=FAST) as rig:
        configured(rig, seed=None)
        s = Session(rig)
        s.Start(GUARDIANS, 10.0)
        s.Stop(95.0)
        rig.call('Rate', TRON, dbus.Byte(6))
        eq(int(rig.prop('PendingEvents')), 0, 'events queued without an account')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 1, 'local history without an account')
        eq(int(rig.call('GetRating', TRON)), 6, 'local rating without an account')
        eq(scrobbles(rig), [], 'requests without an account')
        # Connecting with an import sends what was recorded meanwhile.
        connect(rig, import_=None)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.call('FinishConnect', True)
        sigs.wait_for(lambda a: True, timeout=60, what='SyncFinished')
        eq(len(trakt_plays(rig, 28)), 1, 'the local watch pushed by the import')


def test_kinoctl_watch_monitor_rate():
    with Rig(config_text=FAST) as rig:
        live(rig)
        mon = subprocess.Popen([rig.kinoctl_path(), 'monitor'], env=rig.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: rig.bus.list_names() and True, what='bus')
            time.sleep(0.5)  # monitor subscribes before the first event
            p = rig.kinoctl('watch', 'movie:trakt=28', '--progress', '5',
                            input='pause 40\nplay 40\nprogress 50\nstop 96\nquit\n')
            eq(p.returncode, 0, f'kinoctl watch ({p.stderr!r})')
            lines = p.stdout.strip().splitlines()
            check(any(l.startswith('paused at 40.0%') for l in lines), f'watch output: {p.stdout!r}')
            check(any(l.startswith('stopped at 96.0%') for l in lines), f'watch output: {p.stdout!r}')
            check('Session closed.' in p.stdout, f'watch output: {p.stdout!r}')
            wait_drained(rig)
            sent = [r['path'] for r in scrobbles(rig)]
            # Commands typed faster than Trakt's one write a second coalesce: what waits
            # behind a later event of the session is not sent. The stop always is.
            check(sent[0] == '/scrobble/start' and sent[-1] == '/scrobble/stop' and sent.count('/scrobble/stop') == 1,
                  f'what kinoctl watch sent: {sent}')
            eq(len(trakt_plays(rig, 28)), 1, 'plays')

            p = rig.kinoctl('watch', 'movie:trakt=1', '--incognito', input='stop 99\n')
            eq(p.returncode, 0, f'kinoctl watch --incognito ({p.stderr!r})')
            check('incognito' in p.stdout, f'incognito not announced: {p.stdout!r}')
            eq(len(trakt_plays(rig, 1)), 0, 'an incognito watch reached Trakt')

            p = rig.kinoctl('rate', 'movie:"Inception" 2010', '8')
            eq(p.returncode, 0, f'kinoctl rate ({p.stderr!r})')
            eq(int(rig.call('GetRating', media(type='movie', title='Inception', year=2010))), 8, 'rating via kinoctl')
            eq(rig.kinoctl('rate', 'movie:trakt=28', '11').returncode, 2, 'rate 11')
            eq(rig.kinoctl('rate', 'film:trakt=28', '5').returncode, 2, 'bad media type')
            eq(rig.kinoctl('rate', 'movie:colour=blue', '5').returncode, 2, 'unknown key (the daemon says InvalidArgs)')
            p = rig.kinoctl('watched', 'episode:show_tvdb=81189,season=1,episode=2', '2026-01-02T20:00:00Z')
            eq(p.returncode, 0, f'kinoctl watched ({p.stderr!r})')
            hist = rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))
            check(any(int(h['watched_at']) == 1767384000 * 10**6 for h in hist), f'watched_at not kept: {hist}')
            eq(rig.kinoctl('watched', 'movie:trakt=28', 'yesterday').returncode, 2, 'bad WHEN')
            rig.kinoctl('watch', 'movie:trakt=16662', input='pause 33\nquit\n')
            p = rig.kinoctl('resume', 'movie:trakt=16662')
            check(p.returncode == 0 and '33.0%' in p.stdout, f'kinoctl resume: {p.stdout!r} {p.stderr!r}')
            p = rig.kinoctl('status')
            check('Scrobbling' in p.stdout, f'status: {p.stdout!r}')
        finally:
            mon.terminate()
            out, err = mon.communicate(timeout=10)
        check('Session opened: /org/kino/Trakt/session/' in out, f'monitor did not show the session: {out!r}')
        check('PendingEvents' in out, f'monitor did not show pending events: {out!r}')
        check('ScrobbleStatus: active' in out, f'monitor did not show the dot: {out!r}')


if __name__ == '__main__':
    sys.exit('run through run.py')
