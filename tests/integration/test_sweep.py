"""Incremental sweeps (issue 5): GET /sync/last_activities, then only what
changed, cursors stored once a category's pull succeeded; SyncNow; the
periodic timer; kinoctl sync now."""
import calendar
import time

import dbus

from harness import Rig, SignalCatcher, check, eq, expect_dbus_error, nobody_uid, wait_until
from test_connect import PICKS, configured, connect, imported, wait_sync

ERR = 'org.kino.Trakt.Error.'
# No retries: an injected 500 fails the request at once.
NO_RETRY = '[Trakt]\nmax_retries = 0\n'


def sweep(rig, sigs):
    """SyncNow and its SyncFinished("incremental", ok, error)."""
    sigs.items.clear()
    rig.call('SyncNow')
    kind, ok, err = wait_sync(rig, sigs, kind='incremental')
    return bool(ok), str(err)


def api_requests(rig):
    """Requests to Trakt's API (the token endpoints left out) as (method, path, query)."""
    return [(r['method'], r['path'], r['query']) for r in rig.control('requests') if not r['path'].startswith('/oauth/')]


def history_gets(rig):
    return [q for m, p, q in api_requests(rig) if m == 'GET' and p == '/sync/history']


def history(rig):
    return rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))


def media(type_, trakt):
    return dbus.Dictionary({'type': type_, 'trakt': dbus.UInt32(trakt)}, signature='sv')


def iso(ts):
    return time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime(ts))


def drained(rig):
    wait_until(lambda: int(rig.prop('PendingEvents')) == 0, timeout=60, what='the outbox to drain')


def test_unchanged_sweep_is_one_request():
    with Rig() as rig:
        sigs = imported(rig)
        last = int(rig.prop('LastSync'))
        props = SignalCatcher(rig)
        for round_ in range(2):
            rig.control('requests/clear', {})
            ok, err = sweep(rig, sigs)
            check(ok and err == '', f'sweep {round_}: ({ok}, {err!r})')
            eq(api_requests(rig), [('GET', '/sync/last_activities', '')], f'requests of unchanged sweep {round_}')
        props.wait_for(lambda a: a[1].get('Syncing') == 'incremental', what='Syncing = incremental during the sweep')
        eq(str(rig.prop('Syncing')), '', 'Syncing after the sweep')
        eq(tuple(int(x) for x in rig.prop('SyncProgress')), (0, 0), 'SyncProgress after the sweep')
        check(int(rig.prop('LastSync')) > last, 'LastSync not moved by a successful sweep')
        eq(str(rig.prop('LastError')), '', 'LastError')
        props.close()


def test_remote_plays_land_with_origin_trakt():
    with Rig() as rig:
        sigs = imported(rig)
        before = len(history(rig))
        now = time.time()
        added = rig.control('history/add', {'items': [
            {'type': 'movie', 'movie': {'ids': {'trakt': 28}}, 'watched_at': iso(now - 600)},
            {'type': 'episode', 'episode': {'ids': {'trakt': 73482}}, 'watched_at': iso(now - 300)}]})['ids']
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        hist = history(rig)
        eq(len(hist), before + 2, 'local plays after the sweep')
        new = [h for h in hist if int(h.get('trakt', 0)) in (28, 73482)]
        eq(sorted(int(h['trakt']) for h in new), [28, 73482], 'the new plays')
        check(all(str(h['origin']) == 'trakt' for h in new), f'origin of plays from elsewhere: {new}')
        eq(int(new[0]['watched_at']) // 1_000_000, int(now - 300), 'watched_at kept from Trakt')
        gets = history_gets(rig)
        check(gets and all('start_at=' in q or 'limit=1' in q.split('&') for q in gets),
              f'history read beyond the new plays: {gets}')
        check(any('start_at=' in q for q in gets), f'no start_at in {gets}')
        check(int(added[0]) > 0, 'stand-in ids')
        # And now in step: one request again, nothing doubled.
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'second sweep failed: {err}')
        eq(api_requests(rig), [('GET', '/sync/last_activities', '')], 'requests of the next sweep')
        eq(len(history(rig)), before + 2, 'local plays after the next sweep')


def test_no_import_brings_only_what_changes():
    """Connected without importing: the first sweep notes where Trakt stands;
    later ones bring only what changed since."""
    with Rig() as rig:
        configured(rig)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=False)
        ok, err = sweep(rig, sigs)
        check(ok, f'baseline sweep failed: {err}')
        eq(len(history(rig)), 0, 'plays after the baseline sweep')
        acc = rig.control('account')
        old = acc['ratings'][0]
        eq(int(rig.call('GetRating', media(old['type'], old[old['type']]['ids']['trakt']))), 0, 'an old rating came in')
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}}}]})
        rig.control('ratings/set', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 2}}, 'rating': 7}]})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        hist = history(rig)
        eq([(int(h['trakt']), str(h['origin'])) for h in hist], [(16662, 'trakt')], 'plays: only the new one')
        eq(int(rig.call('GetRating', media('movie', 2))), 7, 'the new rating')
        eq(int(rig.call('GetRating', media(old['type'], old[old['type']]['ids']['trakt']))), 0, 'an old rating came in')
        check(not full_reads(rig), 'the whole history was read')


def test_remote_removal_removes_only_trakt_origin():
    with Rig() as rig:
        sigs = imported(rig)
        # A play made here, sent to Trakt by the outbox, then linked by a sweep.
        rig.call('MarkWatched', media('movie', 28), dbus.UInt64(int(time.time() - 3600) * 1_000_000))
        drained(rig)
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        hist = history(rig)
        local = [h for h in hist if str(h['origin']) == 'local']
        eq(len(local), 1, 'local plays')
        acc = rig.control('account')['history']
        mine = [h['id'] for h in acc if h['movie' if h['type'] == 'movie' else 'episode']['ids']['trakt'] == 28]
        eq(len(mine), 1, 'the local play on Trakt')
        oldest = min(acc, key=lambda h: h['watched_at'])
        # Removed on Trakt: the local play (it stays here) and a play that came from Trakt (it goes).
        rig.control('history/remove', {'ids': [mine[0], oldest['id']]})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        after = history(rig)
        eq(len(after), len(hist) - 1, 'local plays after the removal')
        eq([str(h['origin']) for h in after if str(h['origin']) == 'local'], ['local'], 'the local play stays')
        removed_at = calendar.timegm(time.strptime(oldest['watched_at'][:19], '%Y-%m-%dT%H:%M:%S'))
        check([h for h in hist if int(h['watched_at']) // 1_000_000 == removed_at], 'the removed play was not here')
        eq([h for h in after if int(h['watched_at']) // 1_000_000 == removed_at], [], 'the play removed on Trakt is still here')
        # The removed play was older than the window: the counts showed it, so the whole history was read once.
        check(full_reads(rig), 'a removal before the window went unnoticed')
        # A new play removed again: found in the window, no whole read.
        new = rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}}}]})['ids']
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(len(history(rig)), len(after) + 1, 'plays after the new one came')
        rig.control('history/remove', {'ids': new})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(len(history(rig)), len(after), 'plays after the new one was removed on Trakt')
        gets = history_gets(rig)
        check(gets and all('start_at=' in q or 'limit=1' in q.split('&') for q in gets),
              f'the whole history was read for a removal inside the window: {gets}')
        # Nothing went back to Trakt.
        eq(len(rig.control('account')['history']), len(acc) - 2, 'plays on Trakt')


def full_reads(rig):
    """History reads that were neither a window (start_at) nor the count (limit=1)."""
    return [q for q in history_gets(rig) if 'start_at=' not in q and 'limit=1' not in q.split('&')]


def test_late_plays_read_the_day_before():
    """A play that reaches Trakt late keeps its older date: the counts show it,
    the day before the newest known play is read, and only a play older than
    that costs a whole read."""
    with Rig() as rig:
        sigs = imported(rig)
        now = time.time()
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}, 'watched_at': iso(now - 60)}]})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        before = len(history(rig))
        # Another device back online: watched three hours ago, on Trakt only now.
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}}, 'watched_at': iso(now - 3 * 3600)}]})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        hist = history(rig)
        eq(len(hist), before + 1, 'plays after the late one came')
        late = [h for h in hist if int(h['watched_at']) // 1_000_000 == int(now - 3 * 3600)]
        eq([(int(h['trakt']), str(h['origin'])) for h in late], [(1, 'trakt')], 'the late play')
        gets = history_gets(rig)
        check(any('start_at=' in q and 'end_at=' in q for q in gets), f'the day before was not read: {gets}')
        eq(full_reads(rig), [], 'whole history reads for a late play inside the day')
        # Three days late: outside the margin, so the whole history is read once.
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 2}}, 'watched_at': iso(now - 3 * 86400)}]})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(len(history(rig)), before + 2, 'plays after the very late one came')
        check(full_reads(rig), 'a play three days late went unnoticed')
        # In step again: one request, nothing doubled.
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(api_requests(rig), [('GET', '/sync/last_activities', '')], 'requests of the next sweep')
        eq(len(history(rig)), before + 2, 'plays after the next sweep')


def test_play_dated_ahead_keeps_the_window():
    """A device whose clock runs two days ahead sends a play from the future:
    it lands, and later plays are still read from the window, not by re-reading
    everything."""
    with Rig() as rig:
        sigs = imported(rig)
        now = time.time()
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}, 'watched_at': iso(now + 2 * 86400)}]})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        before = len(history(rig))
        time.sleep(1.1)  # iso() keeps whole seconds: the next play is dated after that sweep
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}}, 'watched_at': iso(time.time())}]})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(len(history(rig)), before + 1, 'plays after the next one came')
        gets = history_gets(rig)
        eq(full_reads(rig), [], 'whole history reads after a play dated ahead')
        check(not [q for q in gets if 'end_at=' in q], f'the day before was read: {gets}')


def test_thousand_new_plays_cost_the_floor():
    """1,000 plays from another device: last activities, ceil(1000/250) pages of
    new plays and the count, nothing more (issue 5's floor plus the count)."""
    with Rig() as rig:
        sigs = imported(rig)
        before = len(history(rig))
        now = time.time()
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}, 'watched_at': iso(now - 3000 + i)}
                                              for i in range(1000)]})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(len(history(rig)), before + 1000, 'plays after the sweep')
        reqs = api_requests(rig)
        gets = history_gets(rig)
        eq(len([q for q in gets if 'start_at=' in q]), 4, f'pages of new plays in {gets}')
        eq(len(reqs), 1 + 4 + 1, f'requests of the sweep: {reqs}')
        # The sweep after it is one request again.
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(api_requests(rig), [('GET', '/sync/last_activities', '')], 'requests of the next sweep')


def test_ratings_newest_wins():
    with Rig() as rig:
        sigs = imported(rig)
        acc = rig.control('account')
        seeded = acc['ratings'][0]
        a = media(seeded['type'], seeded[seeded['type']]['ids']['trakt'])
        eq(int(rig.call('GetRating', a)), seeded['rating'], 'imported rating')
        # Rated here (now), sent to Trakt by the outbox.
        rig.call('Rate', media('movie', 28), dbus.Byte(4))
        drained(rig)
        now = time.time()
        new_a = seeded['rating'] % 10 + 1
        rig.control('ratings/set', {'items': [
            # Another device: an older rating of what was rated here a moment ago ...
            dict(type='movie', movie={'ids': {'trakt': 28}}, rating=9, rated_at=iso(now - 86400)),
            # ... a newer one of an imported rating, and a rating of something new.
            dict(a_item(seeded), rating=new_a, rated_at=iso(now + 5)),
            dict(type='movie', movie={'ids': {'trakt': 16662}}, rating=8, rated_at=iso(now))]})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(int(rig.call('GetRating', media('movie', 28))), 4, 'the newer local rating kept')
        eq(int(rig.call('GetRating', a)), new_a, 'the newer Trakt rating taken')
        eq(int(rig.call('GetRating', media('movie', 16662))), 8, 'a new rating from Trakt')
        check(any(p == '/sync/ratings/all' for m, p, q in api_requests(rig)), 'ratings not pulled')


def a_item(wrapper):
    t = wrapper['type']
    item = {'type': t, t: {'ids': {'trakt': wrapper[t]['ids']['trakt']}}}
    if t == 'episode':
        item['show'] = {'ids': {'trakt': wrapper['show']['ids']['trakt']}}
    return item


def test_watchlist_removal_follows():
    with Rig() as rig:
        sigs = imported(rig)
        acc = rig.control('account')
        items = rig.call('GetListItems', 'watchlist')
        eq(len(items), 3, 'watchlist after the import')
        gone = acc['watchlist'][0]
        rig.control('watchlist/remove', {'items': [a_item(gone)]})
        rig.control('watchlist/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}}}]})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        want = {w[w['type']]['ids']['trakt'] for w in rig.control('account')['watchlist']}
        got = {int(i['trakt']) for i in rig.call('GetListItems', 'watchlist')}
        eq(got, want, 'the watchlist list follows Trakt')
        check(gone[gone['type']]['ids']['trakt'] not in got and 16662 in got, f'watchlist {got}')
        eq(len(got), 3, 'watchlist items')
        # Disconnect removes the list; reconnecting (no import) fills it again with the next sweep.
        rig.call('Disconnect')
        eq(list(rig.call('GetLists')), [], 'lists after Disconnect')
        connect(rig, import_=False)
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep after reconnecting failed: {err}')
        eq({int(i['trakt']) for i in rig.call('GetListItems', 'watchlist')}, want, 'the watchlist after reconnecting')


def test_toggles_respected_in_sweep():
    with Rig() as rig:
        sigs = imported(rig)
        rig.call('SetSyncEnabled', 'ratings', False)
        rig.control('ratings/set', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}}, 'rating': 6}]})
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}}}]})
        before = len(history(rig))
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        paths = [p for m, p, q in api_requests(rig)]
        check('/sync/ratings/all' not in paths, f'ratings pulled with the toggle off: {paths}')
        check('/sync/history' in paths, f'history not pulled: {paths}')
        eq(int(rig.call('GetRating', media('movie', 16662))), 0, 'rating taken with the toggle off')
        eq(len(history(rig)), before + 1, 'the new play')
        # Turned on again: the change made meanwhile comes, and only that.
        rig.call('SetSyncEnabled', 'ratings', True)
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        paths = [p for m, p, q in api_requests(rig)]
        check('/sync/ratings/all' in paths, f'ratings not pulled once on: {paths}')
        check('/sync/history' not in paths, f'history pulled again: {paths}')
        eq(int(rig.call('GetRating', media('movie', 16662))), 6, 'rating once the toggle is on')


def test_sweep_failure_keeps_cursors():
    with Rig(config_text=NO_RETRY) as rig:
        sigs = imported(rig)
        last = int(rig.prop('LastSync'))
        rig.control('ratings/set', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}}, 'rating': 3}]})
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}}}]})
        before = len(history(rig))
        rig.control('fault', {'match': '^/sync/ratings/all$', 'status': 500, 'count': -1})
        ok, err = sweep(rig, sigs)
        check(not ok and err, f'sweep with Trakt failing reported ({ok}, {err!r})')
        eq(str(rig.prop('LastError')), err, 'LastError carries the failure')
        eq(int(rig.prop('LastSync')), last, 'LastSync moved by a failed sweep')
        eq(str(rig.prop('State')), 'connected', 'State')
        eq(int(rig.call('GetRating', media('movie', 16662))), 0, 'rating')
        eq(len(history(rig)), before + 1, 'history (pulled before ratings failed)')
        check(rig.daemon.poll() is None, 'the daemon died')
        # Trakt is back: the next sweep pulls what failed, not what succeeded.
        rig.control('faults/clear', {})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep after the fault cleared: {err}')
        paths = [p for m, p, q in api_requests(rig)]
        check('/sync/ratings/all' in paths and '/sync/history' not in paths, f'requests after the failure: {paths}')
        eq(int(rig.call('GetRating', media('movie', 16662))), 3, 'rating after the retry')
        eq(str(rig.prop('LastError')), '', 'LastError cleared')
        check(int(rig.prop('LastSync')) > last, 'LastSync')
        # A malformed last_activities, a cut-off answer, a 502: same story.
        for fault in ({'action': 'garbage'}, {'action': 'truncate'}, {'status': 502}):
            rig.control('fault', dict(fault, match='^/sync/last_activities$', count=1))
            ok, err = sweep(rig, sigs)
            check(not ok and err and str(rig.prop('LastError')) == err, f'{fault}: ({ok}, {err!r})')
            ok, err = sweep(rig, sigs)
            check(ok, f'sweep after {fault}: {err}')
        eq(str(rig.prop('LastError')), '', 'LastError')


def test_syncnow_busy_and_not_connected():
    with Rig() as rig:
        configured(rig)
        msg = expect_dbus_error(ERR + 'NotConnected', rig.call, 'SyncNow')
        check('connect' in msg.lower(), f'message: {msg}')
        connect(rig, import_=None)
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'SyncNow')  # authorized, not yet connected
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.control('config', {'delay': 0.3})  # a slow Trakt keeps each sync running a while
        rig.call('FinishConnect', True)
        eq(str(rig.prop('Syncing')), 'import', 'Syncing')
        expect_dbus_error(ERR + 'Busy', rig.call, 'SyncNow')
        wait_sync(rig, sigs)
        # Joining: a second SyncNow while one runs starts nothing new.
        sigs.items.clear()
        rig.control('requests/clear', {})
        rig.control('config', {'delay': 4.0})  # the sweep's one request takes a while
        rig.call('SyncNow')
        eq(str(rig.prop('Syncing')), 'incremental', 'Syncing')
        rig.call('SyncNow')
        r = rig.call_as(nobody_uid(), 'SyncNow')
        eq(r.get('error'), 'org.freedesktop.DBus.Error.AccessDenied', 'SyncNow by a denied user')
        rig.polkit_allow('org.kino.trakt.use')
        r = rig.call_as(nobody_uid(), 'SyncNow')
        check(r['ok'], f'SyncNow by a user with org.kino.trakt.use: {r}')
        # Import during the sweep follows it; a second one is Busy.
        rig.call('Import')
        expect_dbus_error(ERR + 'Busy', rig.call, 'Import')
        rig.call('SyncNow')  # still joins the sweep that runs
        rig.control('config', {'delay': 0})
        wait_sync(rig, sigs, kind='import')
        kinds = [(str(k), bool(ok)) for k, ok, e in sigs.items]
        eq(kinds, [('incremental', True), ('import', True)], 'SyncFinished signals')
        eq(len([1 for m, p, q in api_requests(rig) if p == '/sync/last_activities']), 2,
           'last_activities requests (one sweep, one import)')
        rig.call('Disconnect')
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'SyncNow')


def test_disconnect_ends_running_sweep():
    with Rig() as rig:
        sigs = imported(rig)
        rig.control('config', {'delay': 1.0})
        rig.call('SyncNow')
        rig.call('Disconnect')
        kind, ok, err = wait_sync(rig, sigs, kind='incremental')
        check(not ok and 'isconnect' in str(err), f'SyncFinished after Disconnect: ({ok}, {err!r})')
        eq(str(rig.prop('Syncing')), '', 'Syncing')


def test_periodic_sweep():
    with Rig(daemon_args=['--sync-interval', '2']) as rig:
        sigs = imported(rig)
        rig.control('requests/clear', {})
        # Nobody calls SyncNow: the timer does.
        sigs.wait_for(lambda a: len([s for s in sigs.items if str(s[0]) == 'incremental' and s[1]]) >= 2, timeout=30,
                      what='two sweeps by themselves')
        check(all(p == '/sync/last_activities' for m, p, q in api_requests(rig)),
              f'sweeps with nothing changed asked more: {api_requests(rig)}')
        # A change is found by the next periodic sweep.
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 2}}}]})
        wait_until(lambda: any(int(h.get('trakt', 0)) == 2 for h in history(rig)), timeout=30,
                   what='the new play to arrive by itself')
        # Disconnected, the timer is off: no request in 3 intervals.
        rig.call('Disconnect')
        wait_until(lambda: str(rig.prop('Syncing')) == '', what='the sweep to stop')
        rig.control('requests/clear', {})
        time.sleep(6)
        eq([p for m, p, q in api_requests(rig) if p.startswith('/sync/')], [], 'requests while disconnected')


def test_periodic_sweep_stops_when_expired():
    with Rig(daemon_args=['--sync-interval', '2']) as rig:
        sigs = imported(rig)
        rig.control('tokens/expire', {})
        rig.control('tokens/invalidate-refresh', {})
        wait_until(lambda: str(rig.prop('State')) == 'expired', timeout=30, what='State expired after a sweep')
        wait_until(lambda: str(rig.prop('Syncing')) == '', what='the sweep to end')
        rig.control('requests/clear', {})
        time.sleep(6)
        eq(rig.control('requests'), [], 'requests while expired')
        sigs.close()


def test_first_sweep_after_start():
    """A few seconds after start-up (connected) a sweep runs by itself."""
    with Rig() as rig:
        sigs = imported(rig)
        rig.restart_daemon()
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.control('requests/clear', {})
        kind, ok, err = wait_sync(rig, sigs, kind='incremental')
        check(ok, f'start-up sweep: {err}')
        eq(api_requests(rig), [('GET', '/sync/last_activities', '')], 'requests of the start-up sweep')


def wakeups(pid):
    with open(f'/proc/{pid}/task/{pid}/status') as f:
        for line in f:
            if line.startswith('voluntary_ctxt_switches:'):
                return int(line.split()[1])
    return 0


def test_idle_between_sweeps():
    """Connected and idle, the daemon sleeps: no timer ticks between sweeps
    (the idle-exit countdown included)."""
    with Rig(idle_timeout=3) as rig:
        sigs = imported(rig)
        drained(rig)
        time.sleep(1.5)  # let the last replies and PropertiesChanged settle
        pid = rig.daemon.pid
        w0 = wakeups(pid)
        time.sleep(7)  # more than two idle-timeout periods
        w1 = wakeups(pid)
        check(w1 - w0 <= 1, f'the idle daemon woke up {w1 - w0} times in 7 s')
        check(rig.daemon.poll() is None, 'the connected daemon exited for idleness')
        sigs.close()


def test_kinoctl_sync_now():
    with Rig(config_text=NO_RETRY) as rig:
        configured(rig, seed=None)
        p = rig.kinoctl('sync', 'now')
        eq(p.returncode, 1, f'kinoctl sync now when not connected: {p.stderr}')
        check('connect' in p.stderr.lower() and len(p.stderr.strip().splitlines()) == 1, f'stderr: {p.stderr!r}')
        p = rig.kinoctl('sync', 'now', 'please')
        eq(p.returncode, 2, 'extra argument')
        sigs = imported(rig, seed=None)
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}}]})
        p = rig.kinoctl('sync', 'now')
        eq(p.returncode, 0, f'kinoctl sync now: {p.stdout} {p.stderr}')
        check(p.stdout.strip(), 'kinoctl sync now printed nothing')
        eq([int(h['trakt']) for h in history(rig)], [28], 'the play kinoctl sync now brought')
        rig.control('fault', {'match': '^/sync/last_activities$', 'status': 503, 'count': 1})
        p = rig.kinoctl('sync', 'now')
        eq(p.returncode, 1, f'kinoctl sync now with Trakt failing: {p.stdout}')
        check(p.stderr.strip() == str(rig.prop('LastError')), f'stderr {p.stderr!r} vs LastError {rig.prop("LastError")!r}')
        # As a user: needs org.kino.trakt.use.
        p = rig.kinoctl('sync', 'now', uid=nobody_uid())
        eq(p.returncode, 4, f'denied: {p.stderr}')
        rig.polkit_allow('org.kino.trakt.use')
        p = rig.kinoctl('sync', 'now', uid=nobody_uid())
        eq(p.returncode, 0, f'allowed: {p.stderr}')
        sigs.close()


def test_ratings_removed_on_trakt_leave():
    with Rig() as rig:
        sigs = imported(rig)
        acc = rig.control('account')
        gone, kept = acc['ratings'][0], acc['ratings'][1]
        g, k = media(gone['type'], gone[gone['type']]['ids']['trakt']), media(kept['type'], kept[kept['type']]['ids']['trakt'])
        eq(int(rig.call('GetRating', g)), gone['rating'], 'imported rating')
        # Rated here and delivered: on Trakt now.
        rig.call('Rate', media('movie', 28), dbus.Byte(6))
        drained(rig)
        # Rated here while Trakt refuses writes: not on Trakt yet, must survive the sweep.
        rig.control('fault', {'match': '^/sync/ratings$', 'method': 'POST', 'status': 503, 'count': -1})
        rig.call('Rate', media('movie', 16662), dbus.Byte(3))
        # Another device removes two ratings on Trakt.
        rig.control('ratings/set', {'items': [dict(a_item(gone), rating=0),
                                              dict(type='movie', movie={'ids': {'trakt': 28}}, rating=0)]})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(int(rig.call('GetRating', g)), 0, 'a rating removed on Trakt is removed here')
        eq(int(rig.call('GetRating', media('movie', 28))), 0, 'a delivered rating removed on Trakt')
        eq(int(rig.call('GetRating', k)), kept['rating'], 'a rating Trakt still has')
        eq(int(rig.call('GetRating', media('movie', 16662))), 3, 'a rating not yet on Trakt stays')
        rig.control('faults/clear', {})
        drained(rig)
        check(any(r.get('movie', {}).get('ids', {}).get('trakt') == 16662 and r['rating'] == 3
                  for r in rig.control('account')['ratings']), 'the waiting rating did not reach Trakt')


def test_rating_clears_recommendations():
    with Rig() as rig:
        sigs = imported(rig)
        before = rig.call('GetRecommendations', 'movie')
        check(len(before) > 0, 'no recommendations after the import')
        rig.call('Rate', media('movie', 28), dbus.Byte(10))
        eq(len(rig.call('GetRecommendations', 'movie')), 0, 'recommendations right after rating')
        drained(rig)
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        check(any(p == '/recommendations/movies' for m, p, q in api_requests(rig)), 'recommendations not pulled again')
        wait_until(lambda: len(rig.call('GetRecommendations', 'movie')) > 0, what='recommendations back after the sweep')


def test_watched_leaves_recommendations():
    """A recommended film watched here leaves GetRecommendations at once; the
    play alone does not make the next sweep ask Trakt for its picks again."""
    with Rig() as rig:
        sigs = imported(rig, picks=PICKS)
        recs = rig.call('GetRecommendations', 'movie')
        eq([int(r['trakt']) for r in recs], PICKS, 'recommendations after the import')
        watched = recs[0]
        rig.call('MarkWatched', watched, dbus.UInt64(0))
        after = rig.call('GetRecommendations', 'movie')
        eq(len(after), len(recs) - 1, 'recommendations after watching one')
        check(all(dict(r) != dict(watched) for r in after), f'the watched film is still recommended: {dict(watched)}')
        drained(rig)
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        paths = [p for m, p, q in api_requests(rig)]
        check('/sync/history' in paths, f'the sweep did not read the new play: {paths}')
        check(not [p for p in paths if p.startswith('/recommendations/')], f'recommendations asked again for a play: {paths}')
        eq(len(rig.call('GetRecommendations', 'movie')), len(recs) - 1, 'recommendations after the sweep')


def test_lookups_by_a_players_ids():
    """What came from Trakt is keyed by Trakt's id; a player names it by imdb,
    tmdb or the show's tvdb id and episode number, and still finds it."""
    with Rig() as rig:
        imported(rig)
        acc = rig.control('account')
        film = [r for r in acc['ratings'] if r['type'] == 'movie'][0]
        ep = [r for r in acc['ratings'] if r['type'] == 'episode'][0]
        ids = film['movie']['ids']
        for key in ('imdb', 'tmdb', 'trakt'):
            m = dbus.Dictionary({'type': 'movie', key: ids[key] if key == 'imdb' else dbus.UInt32(ids[key])}, signature='sv')
            eq(int(rig.call('GetRating', m)), film['rating'], f'GetRating by {key}')
        by_show = dbus.Dictionary({'type': 'episode', 'show_tvdb': dbus.UInt32(ep['show']['ids']['tvdb']),
                                   'season': dbus.UInt32(ep['episode']['season']),
                                   'episode': dbus.UInt32(ep['episode']['number'])}, signature='sv')
        eq(int(rig.call('GetRating', by_show)), ep['rating'], 'GetRating of an episode by show_tvdb, season and episode')
        play = acc['playback'][0]
        kind = play['type']
        pids = play[kind]['ids']
        if kind == 'movie':
            pm = dbus.Dictionary({'type': 'movie', 'imdb': pids['imdb']}, signature='sv')
        else:
            pm = dbus.Dictionary({'type': 'episode', 'show_tvdb': dbus.UInt32(play['show']['ids']['tvdb']),
                                  'season': dbus.UInt32(play['episode']['season']),
                                  'episode': dbus.UInt32(play['episode']['number'])}, signature='sv')
        eq(float(rig.call('GetResumePoint', pm)[0]), float(play['progress']), f'GetResumePoint of a {kind} by a player\'s ids')
        # Removing by the player's id removes what came from Trakt too.
        rig.call('Rate', dbus.Dictionary({'type': 'movie', 'imdb': ids['imdb']}, signature='sv'), dbus.Byte(0))
        eq(int(rig.call('GetRating', media('movie', ids['trakt']))), 0, 'rating after removing it by imdb')
        drained(rig)
        check(not [r for r in rig.control('account')['ratings'] if r['type'] == 'movie' and r['movie']['ids']['trakt'] == ids['trakt']],
              'the rating is still on Trakt')


def test_resume_point_newest_wins():
    """A pause here and one from Trakt for the same film, stored under
    different ids: GetResumePoint answers the newest, whichever that is."""
    from test_scrobble import FAST, Session, live
    with Rig(config_text=FAST) as rig:
        live(rig)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        inception_tmdb = dbus.Dictionary({'type': 'movie', 'tmdb': dbus.UInt32(27205)}, signature='sv')
        both = dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(16662), 'tmdb': dbus.UInt32(27205)}, signature='sv')
        s = Session(rig)
        s.Start(inception_tmdb, dbus.Double(10.0))
        s.Pause(dbus.Double(30.0))
        drained(rig)
        now = time.time()
        # Another device paused it a day ago at 60 %: older, so ours stands.
        rig.control('playback/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}}, 'progress': 60.0,
                                                'paused_at': iso(now - 86400)}]})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        eq(float(rig.call('GetResumePoint', both)[0]), 30.0, 'resume point when the pause here is newer')
        # Then paused elsewhere after ours, at 70 %: Trakt's is newer now.
        rig.control('playback/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}}, 'progress': 70.0,
                                                'paused_at': iso(now + 60)}]})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        for m in (both, inception_tmdb, media('movie', 16662)):
            progress, paused_at = rig.call('GetResumePoint', m)
            eq((float(progress), int(paused_at) // 1_000_000), (70.0, int(now + 60)), f'resume point for {dict(m)}')


def test_every_toggle_holds_and_releases_its_pull():
    import os
    import sqlite3
    cats = {'collection': '/sync/collection/movies', 'resume': '/sync/playback', 'watchlist': '/sync/watchlist',
            'history': '/sync/history', 'ratings': '/sync/ratings/all'}
    with Rig() as rig:
        sigs = imported(rig)
        for cat in cats:
            rig.call('SetSyncEnabled', cat, False)
        # Another device changes every category.
        rig.control('collection/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}},
                                                  'metadata': {'resolution': 'uhd_4k', 'hdr': 'dolby_vision'}}]})
        rig.control('playback/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}}, 'progress': 42.0}]})
        rig.control('watchlist/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 2}}}]})
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 16662}}}]})
        rig.control('ratings/set', {'items': [dict(type='movie', movie={'ids': {'trakt': 1}}, rating=7)]})
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        pulled = {p for m, p, q in api_requests(rig)}
        for cat, path in cats.items():
            check(path not in pulled, f'{cat} was pulled while its toggle was off: {sorted(pulled)}')
        eq(float(rig.call('GetResumePoint', media('movie', 1))[0]), 0.0, 'resume point pulled while off')

        for cat in cats:
            rig.call('SetSyncEnabled', cat, True)
        rig.control('requests/clear', {})
        ok, err = sweep(rig, sigs)
        check(ok, f'sweep failed: {err}')
        pulled = {p for m, p, q in api_requests(rig)}
        for cat, path in cats.items():
            check(path in pulled, f'{cat} was not pulled once its toggle was back on: {sorted(pulled)}')
        eq(float(rig.call('GetResumePoint', media('movie', 1))[0]), 42.0, 'resume point from Trakt')
        eq(int(rig.call('GetRating', media('movie', 1))), 7, 'rating from Trakt')
        check(any(int(i.get('trakt', 0)) == 2 for i in rig.call('GetListItems', 'watchlist')), 'watchlist addition')
        check(any(int(h.get('trakt', 0)) == 16662 and str(h['origin']) == 'trakt'
                  for h in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(100))), 'play from Trakt')
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'))
        row = db.execute("SELECT resolution, hdr, origin FROM collection WHERE media_key = 'movie:trakt=16662'").fetchone()
        db.close()
        eq(row, ('uhd_4k', 'dolby_vision', 'trakt'), 'collected item with its metadata')
