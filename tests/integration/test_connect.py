"""Connect, import, tokens, disconnect: device-code OAuth against the stand-in."""
import math
import time

import dbus

from harness import Rig, SignalCatcher, check, eq, expect_dbus_error, nobody_uid, wait_until

ERR = 'org.kino.Trakt.Error.'
SEED = {'movies': 5, 'shows': 2, 'episodes_per_show': 3, 'history': 20, 'ratings': 4, 'watchlist': 3,
        'collection': 2, 'playback': 2, 'recommendations': 3}


def configured(rig, seed=SEED):
    rig.control('config', {'interval': 1})
    if seed:
        rig.control('seed', seed)
    rig.call('Configure', 'test-client-id', 'test-client-secret')


def authorize(rig, sigs, approve='approve'):
    code, url, expires = rig.call('Connect')
    check(len(code) >= 6, f'user code {code!r}')
    check(url.startswith(rig.trakt_url), f'verification_url not from Trakt: {url}')
    check(int(expires) > 0, 'expires_in')
    eq(str(rig.prop('State')), 'authorizing', 'State after Connect')
    rig.control('device/' + approve, {'user_code': str(code)})
    return sigs.wait_for(lambda s: True, timeout=30, what='ConnectFinished')


def connect(rig, import_=False):
    sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='ConnectFinished')
    ok, err = authorize(rig, sigs)
    sigs.close()
    check(bool(ok), f'ConnectFinished failed: {err}')
    if import_ is not None:
        rig.call('FinishConnect', import_)


def wait_sync(rig, sigs, kind='import'):
    # Only the kind asked for: an incremental sweep may end in between.
    return sigs.wait_for(lambda s: str(s[0]) == kind, timeout=60, what=f'SyncFinished({kind})')


def history_requests(rig, path):
    return [r for r in rig.control('requests') if r['path'] == path]


def test_approve_preview_and_finish_without_import():
    with Rig() as rig:
        configured(rig)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='ConnectFinished')
        ok, err = authorize(rig, sigs)
        check(bool(ok) and str(err) == '', f'ConnectFinished({ok}, {err})')
        eq(str(rig.prop('State')), 'authorized', 'State after approval')
        eq(str(rig.prop('Username')), 'kino_tester', 'Username')
        preview = {str(k): int(v) for k, v in rig.prop('Preview').items()}
        eq(preview, {'watched_movies': 5, 'watched_episodes': 6, 'ratings': 4, 'watchlist': 3}, 'Preview')
        expect_dbus_error(ERR + 'AlreadyConnected', rig.call, 'Connect')
        rig.call('FinishConnect', False)
        eq(str(rig.prop('State')), 'connected', 'State')
        check(int(rig.prop('ConnectedAt')) > 0, 'ConnectedAt')
        eq(list(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))), [], 'history after connecting without import')
        check(not history_requests(rig, '/sync/history'), 'connect without importing pulled history')
        eq(dict(rig.prop('Preview')), {}, 'Preview after the choice')
        # Survives a restart, and the token never shows in the log.
        rig.restart_daemon()
        eq(str(rig.prop('State')), 'connected', 'State after restart')
        eq(str(rig.prop('Username')), 'kino_tester', 'Username after restart')
        tokens = rig.control('tokens')
        for t in tokens['access'] + tokens['refresh']:
            check(t['token'] not in rig.log_text(), 'a token appears in the log')


def test_deny_expire_cancel():
    with Rig() as rig:
        configured(rig, seed=None)
        for action, word in (('deny', 'denied'), ('expire', 'expired')):
            sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='ConnectFinished')
            ok, err = authorize(rig, sigs, approve=action)
            sigs.close()
            check(not ok and word in str(err), f'{action}: ConnectFinished({ok}, {err})')
            eq(str(rig.prop('State')), 'disconnected', f'State after {action}')
            check(word in str(rig.prop('LastError')), f'LastError after {action}')
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='ConnectFinished')
        rig.call('Connect')
        expect_dbus_error(ERR + 'AuthorizationPending', rig.call, 'FinishConnect', True)
        expect_dbus_error(ERR + 'AuthorizationPending', rig.call, 'Connect')
        rig.call('CancelConnect')
        ok, err = sigs.wait_for(lambda s: True, what='ConnectFinished after cancel')
        check(not ok, 'cancel reported success')
        eq(str(rig.prop('State')), 'disconnected', 'State after cancel')
        polls = len(history_requests(rig, '/oauth/device/token'))
        import time
        time.sleep(2.5)
        eq(len(history_requests(rig, '/oauth/device/token')), polls, 'polling went on after cancel')
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'CancelConnect')


def test_connect_errors():
    with Rig() as rig:
        expect_dbus_error(ERR + 'NotConfigured', rig.call, 'Connect')
        expect_dbus_error(ERR + 'AuthorizationPending', rig.call, 'FinishConnect', False)
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'Disconnect')
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'Import')
        # An app Trakt deleted is a configuration problem, said as such.
        rig.call('Configure', 'gone-client', 'gone-secret')
        rig.control('apps/delete', {'client_id': 'gone-client'})
        msg = expect_dbus_error(ERR + 'NotConfigured', rig.call, 'Connect')
        check('trakt.tv/oauth/applications' in msg, f'no fix named: {msg}')
        eq(str(rig.prop('State')), 'disconnected', 'State after a refused app')
        # Trakt down: a clear error, not a hang.
        rig.call('Configure', 'test-client-id', 'test-client-secret')
        rig.control('fault', {'match': '^/oauth/device/code$', 'status': 503, 'count': 1})
        expect_dbus_error(ERR + 'TraktUnavailable', rig.call, 'Connect')


def test_polkit_for_connect():
    with Rig() as rig:
        configured(rig, seed=None)
        r = rig.call_as(nobody_uid(), 'Connect')
        eq(r.get('error'), 'org.freedesktop.DBus.Error.AccessDenied', 'Connect by a denied user')
        rig.polkit_allow('org.kino.trakt.connect')
        r = rig.call_as(nobody_uid(), 'Connect')
        check(r['ok'], f'Connect by an allowed user: {r}')
        r = rig.call_as(nobody_uid(), 'CancelConnect')
        check(r['ok'], f'CancelConnect by an allowed user: {r}')


def test_import_pulls_and_is_idempotent():
    with Rig() as rig:
        configured(rig, seed=dict(SEED, history=600))
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=True)
        kind, ok, err = wait_sync(rig, sigs)
        check(str(kind) == 'import' and ok, f'SyncFinished({kind}, {ok}, {err})')
        hist = rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))
        eq(len(hist), 600, 'history rows after import')
        check(all(str(h['origin']) == 'trakt' for h in hist), 'origin of imported plays')
        check(hist[0]['watched_at'] >= hist[-1]['watched_at'], 'newest first')
        check(int(rig.prop('LastSync')) > 0, 'LastSync')
        eq(str(rig.prop('Syncing')), '', 'Syncing after the import')
        # Requests equal the floor: ceil(600/250) history pages.
        eq(len(history_requests(rig, '/sync/history')), math.ceil(600 / 250), 'history page requests')
        # Limited view.
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(7))), 7, 'limit')
        newest = int(hist[0]['watched_at'])
        eq(len(rig.call('GetHistory', dbus.UInt64(newest), dbus.UInt32(0))), 1, 'since')
        # Again: nothing new.
        sigs.items.clear()
        rig.call('Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'second import failed: {err}')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))), 600, 'history rows after a second import')
        # Nothing was pushed back: these plays came from Trakt.
        eq(len(rig.control('account')['history']), 600, 'plays on Trakt after two imports')


def test_import_busy_and_toggles():
    with Rig() as rig:
        configured(rig)
        rig.call('SetSyncEnabled', 'history', False)
        rig.call('SetSyncEnabled', 'recommendations', False)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=None)
        rig.control('config', {'delay': 0.3})  # a slow Trakt keeps the import running
        rig.call('FinishConnect', True)
        eq(str(rig.prop('Syncing')), 'import', 'Syncing while importing')
        expect_dbus_error(ERR + 'Busy', rig.call, 'Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'import failed: {err}')
        paths = {r['path'] for r in rig.control('requests')}
        check('/sync/history' not in paths, 'history pulled with its toggle off')
        check('/recommendations/movies' not in paths, 'recommendations pulled with the toggle off')
        check('/sync/ratings/all' in paths and '/sync/watchlist' in paths, f'enabled categories not pulled: {paths}')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))), 0, 'history rows')


def test_token_refresh_on_401_rotates():
    with Rig() as rig:
        configured(rig)
        connect(rig, import_=False)
        before = [t['token'] for t in rig.control('tokens')['refresh'] if t['valid']]
        rig.control('tokens/expire', {})
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.call('Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'import after expiry failed: {err}')
        refreshes = history_requests(rig, '/oauth/token')
        eq(len(refreshes), 1, 'refresh requests (single-flight)')
        eq(refreshes[0]['body']['grant_type'], 'refresh_token', 'grant type')
        eq(refreshes[0]['body']['refresh_token'], before[0], 'the stored refresh token was used')
        after = [t['token'] for t in rig.control('tokens')['refresh'] if t['valid']]
        check(after and after != before, 'the refresh token did not rotate')
        eq(str(rig.prop('State')), 'connected', 'State')
        # The rotated pair was stored: after a restart it still works.
        rig.restart_daemon()
        sigs.items.clear()
        rig.call('Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'import after restart failed: {err}')
        eq(len(history_requests(rig, '/oauth/token')), 1, 'no further refresh needed')


def test_invalid_grant_expires_then_reconnect():
    with Rig() as rig:
        configured(rig)
        connect(rig, import_=True)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        wait_sync(rig, sigs)
        rows = len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0)))
        rig.control('tokens/expire', {})
        rig.control('tokens/invalidate-refresh', {})
        sigs.items.clear()
        rig.call('Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(not ok, 'import succeeded without a token')
        eq(str(rig.prop('State')), 'expired', 'State after invalid_grant')
        check('reconnect' in str(rig.prop('LastError')).lower(), f'LastError: {rig.prop("LastError")}')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))), rows, 'local history kept')
        rig.restart_daemon()
        eq(str(rig.prop('State')), 'expired', 'expired survives a restart')
        connect(rig, import_=False)
        eq(str(rig.prop('State')), 'connected', 'State after reconnecting')
        eq(str(rig.prop('LastError')), '', 'LastError cleared')


def test_refresh_refused_app_is_a_configuration_problem():
    """docs/trakt-api.md §9.11: a 403 or invalid_client while refreshing means the app
    itself is refused; the connection expires with a sentence about the client
    id instead of retrying the same refresh forever."""
    for fault in ({'status': 403, 'action': 'html'},
                  {'status': 401, 'body': {'error': 'invalid_client', 'error_description': 'Client authentication failed'}}):
        with Rig() as rig:
            configured(rig, seed=None)
            connect(rig, import_=False)
            rig.control('tokens/expire', {})
            rig.control('fault', dict(fault, match='^/oauth/token$', count=-1))
            sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
            rig.call('Import')
            kind, ok, err = wait_sync(rig, sigs)
            check(not ok, f'{fault}: import succeeded while the app is refused')
            eq(str(rig.prop('State')), 'expired', f'{fault}: State')
            msg = str(rig.prop('LastError'))
            check('client id' in msg and 'kinoctl configure' in msg, f'{fault}: LastError does not say what to check: {msg}')
            refreshes = [r for r in rig.control('requests') if r['path'] == '/oauth/token']
            time.sleep(1)
            eq(len([r for r in rig.control('requests') if r['path'] == '/oauth/token']), len(refreshes),
               f'{fault}: the refused refresh is tried again')


def test_disconnect_keeps_local_data():
    with Rig() as rig:
        configured(rig)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=True)
        wait_sync(rig, sigs)
        rows = len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0)))
        check(rows > 0, 'nothing imported')
        token = [t['token'] for t in rig.control('tokens')['access'] if t['valid']][0]
        rig.call('Disconnect')
        eq(str(rig.prop('State')), 'disconnected', 'State')
        eq(str(rig.prop('Username')), '', 'Username')
        eq(int(rig.prop('ConnectedAt')), 0, 'ConnectedAt')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))), rows, 'history kept')
        wait_until(lambda: history_requests(rig, '/oauth/revoke'), what='the revoke request')
        eq(history_requests(rig, '/oauth/revoke')[0]['body']['token'], token, 'revoked token')
        wait_until(lambda: not [t for t in rig.control('tokens')['access'] if t['token'] == token and t['valid']],
                   what='the token to be revoked')


def test_disconnect_offline_still_disconnects():
    with Rig() as rig:
        configured(rig, seed=None)
        connect(rig, import_=False)
        rig.control('fault', {'match': '^/oauth/revoke$', 'action': 'reset', 'count': -1})
        rig.call('Disconnect')
        eq(str(rig.prop('State')), 'disconnected', 'State')
        wait_until(lambda: 'revoke' in str(rig.prop('LastError')), timeout=90, what='LastError about the revocation')


def test_import_pushes_local_never_private():
    """Local data Trakt lacks goes up once; a private (incognito) watch never does;
    a play both sides have is linked, not duplicated."""
    import os
    import sqlite3
    import time as _t
    with Rig() as rig:
        configured(rig, seed=None)
        shared_ts = 1600000000.0
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}},
                                                'watched_at': '2020-09-13T12:26:40.000Z'}]})
        rig.stop_daemon()
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'))
        us = lambda ts: int(ts * 1_000_000)  # noqa: E731
        movie28 = '{"type":"movie","movie":{"title":"Guardians of the Galaxy","year":2014,"ids":{"trakt":28}}}'
        incep = '{"type":"movie","movie":{"title":"Inception","year":2010,"ids":{"trakt":16662}}}'
        tron = '{"type":"movie","movie":{"title":"TRON: Legacy","year":2010,"ids":{"imdb":"tt1104001"}}}'
        rows = [('movie:trakt=28', movie28, us(1500000000), 0),     # local only: pushed
                ('movie:trakt=16662', incep, us(1500000100), 1),    # private: never pushed
                ('movie:imdb=tt1104001', tron, us(shared_ts + 30), 0)]  # Trakt has it (by another id, 30 s apart): linked
        ghost = '{"type":"movie","movie":{"title":"No Such Film","year":1901,"ids":{"imdb":"tt0000001"}}}'
        rows.append(('movie:imdb=tt0000001', ghost, us(1500000200), 0))  # Trakt does not know it
        db.executemany("INSERT INTO history(media_key, media, watched_at, origin, private, pushed) VALUES (?, ?, ?, 'local', ?, 0)", rows)
        db.execute("INSERT INTO ratings(media_key, media, rating, rated_at, pushed) VALUES ('movie:trakt=28', ?, 9, ?, 0)",
                   (movie28, us(_t.time())))
        db.execute("INSERT INTO collection(media_key, media, collected_at, resolution, audio_channels, origin, pushed)"
                   " VALUES ('movie:trakt=16662', ?, ?, 'uhd_4k', '5.1', 'local', 0)", (incep, us(1500000000)))
        db.commit()
        db.close()
        rig.start_daemon()
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=True)
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'import failed: {err}')
        for _ in range(2):
            acc = rig.control('account')
            plays = sorted((h['movie']['ids']['trakt'], h['watched_at']) for h in acc['history'])
            eq(plays, [(1, '2020-09-13T12:26:40.000Z'), (28, '2017-07-14T02:40:00.000Z')], 'plays on Trakt')
            eq([(r['movie']['ids']['trakt'], r['rating']) for r in acc['ratings']], [(28, 9)], 'ratings on Trakt')
            eq([(c['movie']['ids']['trakt'], c['metadata']['resolution'], c['metadata']['audio_channels'])
                for c in acc['collection']], [(16662, 'uhd_4k', '5.1')], 'collection on Trakt')
            hist = rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))
            eq(len(hist), 4, 'local history rows (the shared play is one row)')
            eq(int(rig.prop('UnmatchedItems')), 1, 'unmatched items recorded')
            sent = [r for r in rig.control('requests') if r['path'] == '/sync/history' and r['method'] == 'POST']
            eq(len(sent), 1, 'history uploads (the unknown item is not retried)')
            check(any(bool(h['private']) for h in hist), 'the private play is still local')
            sigs.items.clear()
            rig.call('Import')  # a second import changes nothing on either side
            kind, ok, err = wait_sync(rig, sigs)
            check(ok, f'second import failed: {err}')


def test_import_killed_resumes_without_duplicates():
    import signal as _signal
    with Rig() as rig:
        configured(rig, seed=dict(SEED, history=900))
        connect(rig, import_=None)
        rig.control('config', {'delay': 0.4})  # slow pages, so the kill lands mid-import
        rig.call('FinishConnect', True)
        wait_until(lambda: len(history_requests(rig, '/sync/history')) >= 2, what='the import to be under way')
        rig.stop_daemon(sig=_signal.SIGKILL, check=False)
        rig.control('config', {'delay': 0})
        sigs_bus_ready = rig.start_daemon()
        check(sigs_bus_ready is not None, 'restart')
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        # The interrupted import starts again by itself and completes.
        wait_until(lambda: str(rig.prop('Syncing')) == '' and int(rig.prop('LastSync')) > 0, timeout=90,
                   what='the resumed import to finish')
        sigs.close()
        hist = rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))
        eq(len(hist), 900, 'history rows after the resumed import')
        eq(len(rig.control('account')['history']), 900, 'plays on Trakt (nothing pushed twice)')
        check('An import was interrupted' in rig.log_text(), 'no resume logged')


def test_import_without_pagination_headers():
    """A server that pages without X-Pagination-Page-Count, or ignores paging
    altogether: a full page asks for the next, a repeated page ends it, and
    nothing is lost or doubled."""
    for paging, plays, pages in (('unlabelled', 600, 3), ('unlabelled', 500, 3), ('ignored', 600, 1), ('ignored', 250, 2)):
        with Rig() as rig:
            configured(rig, seed=dict(SEED, history=plays))
            rig.control('config', {'paging': paging})
            sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
            connect(rig, import_=True)
            kind, ok, err = wait_sync(rig, sigs)
            check(bool(ok), f'{paging}/{plays}: import failed: {err}')
            eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))), plays, f'{paging}/{plays}: plays imported')
            eq(len([r for r in history_requests(rig, '/sync/history') if r['method'] == 'GET']), pages,
               f'{paging}/{plays}: history pages asked for')


def test_import_malformed_answers_fail_cleanly():
    with Rig() as rig:
        configured(rig)
        connect(rig, import_=False)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        for fault in ({'action': 'garbage'}, {'action': 'html', 'status': 200}, {'action': 'truncate'},
                      {'action': 'huge', 'size': 70 * 1024 * 1024}):
            rig.control('fault', dict(fault, match='^/sync/ratings/all$', count=-1))
            sigs.items.clear()
            rig.call('Import')
            kind, ok, err = wait_sync(rig, sigs)
            check(not ok and str(err), f'{fault}: import reported success')
            check(str(rig.prop('LastError')) == str(err), 'LastError carries the failure')
            eq(str(rig.prop('State')), 'connected', 'a bad answer does not disconnect')
            rig.control('faults/clear', {})
        sigs.items.clear()
        rig.call('Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'import after the faults cleared: {err}')
        eq(str(rig.prop('LastError')), '', 'LastError cleared')


def test_unreadable_page_is_a_failure():
    """A history page of well-formed JSON whose rows are not Trakt items (a
    format change, not Trakt): the import and the sweep fail saying so, they
    never end as "nothing new"."""
    rows = [{'when': '2026-01-01', 'what': {'name': f'row {i}'}, 'kind': 'unknown'} for i in range(250)]
    with Rig() as rig:
        configured(rig)
        connect(rig, import_=False)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.control('fault', {'match': '^/sync/history$', 'method': 'GET', 'status': 200, 'body': rows, 'count': -1})
        rig.call('Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(not ok and 'cannot read' in str(err), f'SyncFinished(import, {ok}, {err!r})')
        eq(str(rig.prop('LastError')), str(err), 'LastError')
        # A sweep that finds history changed reads the same unreadable page.
        rig.control('faults/clear', {})
        rig.control('history/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 1}},
                                                'watched_at': '2026-01-02T00:00:00.000Z'}]})
        rig.control('fault', {'match': '^/sync/history$', 'method': 'GET', 'status': 200, 'body': rows, 'count': -1})
        sigs.items.clear()
        rig.call('SyncNow')
        kind, ok, err = wait_sync(rig, sigs, kind='incremental')
        check(not ok and 'cannot read' in str(err), f'SyncFinished(incremental, {ok}, {err!r})')


def test_cloudflare_403_is_a_configuration_problem():
    with Rig() as rig:
        configured(rig, seed=None)
        rig.control('fault', {'match': '^/oauth/device/code$', 'action': 'html', 'status': 403})
        msg = expect_dbus_error(ERR + 'NotConfigured', rig.call, 'Connect')
        check('403' in msg, f'message does not name the 403: {msg}')
        eq(str(rig.prop('State')), 'disconnected', 'State')


def test_token_refreshed_before_expiry():
    """A 30 s token is refreshed ahead of its end (a fraction of the lifetime),
    with no 401 needed, and the daemon stays connected."""
    with Rig() as rig:
        configured(rig, seed=None)
        rig.control('config', {'access_ttl': 30})
        connect(rig, import_=False)
        first = [t['token'] for t in rig.control('tokens')['refresh'] if t['valid']]
        wait_until(lambda: history_requests(rig, '/oauth/token'), timeout=60, what='a refresh before expiry')
        wait_until(lambda: [t['token'] for t in rig.control('tokens')['refresh'] if t['valid']] != first,
                   what='the rotated token')
        eq(str(rig.prop('State')), 'connected', 'State')
        check(not [r for r in rig.control('requests') if r.get('status') == 401], 'a 401 was needed')


def test_push_honours_toggles():
    """With a category off, its local data stays local; turned on, the next import sends it."""
    import os
    import sqlite3
    with Rig() as rig:
        configured(rig, seed=None)
        rig.stop_daemon()
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'))
        movie = '{"type":"movie","movie":{"title":"Inception","year":2010,"ids":{"trakt":16662}}}'
        db.execute("INSERT INTO ratings(media_key, media, rating, rated_at, pushed) VALUES ('movie:trakt=16662', ?, 7, 1500000000000000, 0)", (movie,))
        db.execute("INSERT INTO history(media_key, media, watched_at, origin, private, pushed) VALUES ('movie:trakt=16662', ?, 1500000000000000, 'local', 0, 0)", (movie,))
        db.commit()
        db.close()
        rig.start_daemon()
        rig.call('SetSyncEnabled', 'ratings', False)
        rig.call('SetSyncEnabled', 'history', False)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=True)
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'import failed: {err}')
        acc = rig.control('account')
        eq((acc['ratings'], acc['history']), ([], []), 'sent with the toggles off')
        rig.call('SetSyncEnabled', 'ratings', True)
        rig.call('SetSyncEnabled', 'history', True)
        sigs.items.clear()
        rig.call('Import')
        kind, ok, err = wait_sync(rig, sigs)
        check(ok, f'import failed: {err}')
        acc = rig.control('account')
        eq([(r['movie']['ids']['trakt'], r['rating']) for r in acc['ratings']], [(16662, 7)], 'rating sent once on')
        eq([h['movie']['ids']['trakt'] for h in acc['history']], [16662], 'play sent once on')


# Picks that are neither collected nor watchlisted (those Trakt leaves out when asked to).
PICKS = [28, 1, 16662]


def imported(rig, seed=SEED, picks=None):
    """Configured (with Trakt recommending the films picks, if given),
    connected with an import; returns a SyncFinished catcher (cleared)."""
    configured(rig, seed=seed)
    if picks:
        rig.control('recommendations', {'movies': [{'ids': {'trakt': t}} for t in picks]})
    sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
    connect(rig, import_=True)
    kind, ok, err = wait_sync(rig, sigs)
    check(bool(ok), f'import failed: {err}')
    sigs.items.clear()
    return sigs


def test_library_reads_after_import():
    """What the import pulled is readable: lists, ratings, resume points, recommendations."""
    with Rig() as rig:
        imported(rig, picks=PICKS)
        acc = rig.control('account')
        lists = [tuple(str(x) if i < 4 else int(x) for i, x in enumerate(l)) for l in rig.call('GetLists')]
        eq([(l[0], l[3], l[4]) for l in lists], [('watchlist', 'watchlist', 3)], 'lists')
        items = rig.call('GetListItems', 'watchlist')
        eq(len(items), 3, 'watchlist items')
        want = {w[w['type']]['ids']['trakt'] for w in acc['watchlist']}
        eq({int(i['trakt']) for i in items}, want, 'watchlist item ids')
        check(all(int(i['listed_at']) > 0 and int(i['rank']) > 0 for i in items), 'listed_at and rank')
        expect_dbus_error(ERR + 'SystemList', rig.call, 'RemoveList', 'watchlist')
        expect_dbus_error(ERR + 'NotFound', rig.call, 'RemoveList', 'no-such-list')
        expect_dbus_error(ERR + 'NotFound', rig.call, 'GetListItems', 'no-such-list')

        rated = acc['ratings'][0]
        media = {'type': rated['type'], 'trakt': dbus.UInt32(rated[rated['type']]['ids']['trakt'])}
        eq(int(rig.call('GetRating', dbus.Dictionary(media, signature='sv'))), rated['rating'], 'rating')
        eq(int(rig.call('GetRating', dbus.Dictionary({'type': 'movie', 'imdb': 'tt0000002'}, signature='sv'))), 0, 'unrated')
        msg = expect_dbus_error('org.freedesktop.DBus.Error.InvalidArgs', rig.call, 'GetRating',
                                dbus.Dictionary({'type': 'movie', 'colour': 'red'}, signature='sv'))
        check("'colour'" in msg, f'the bad key is not named: {msg}')

        pb = acc['playback'][0]
        media = {'type': pb['type'], 'trakt': dbus.UInt32(pb[pb['type']]['ids']['trakt'])}
        progress, paused_at = rig.call('GetResumePoint', dbus.Dictionary(media, signature='sv'))
        check(abs(float(progress) - pb['progress']) < 0.01 and int(paused_at) > 0, f'resume point {progress}, {paused_at}')
        eq(tuple(rig.call('GetResumePoint', dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(999999)}, signature='sv'))),
           (0.0, 0), 'no resume point')

        recs = rig.call('GetRecommendations', 'movie')
        eq([int(r['trakt']) for r in recs], PICKS, 'movie recommendations in Trakt\'s order')
        rq = [r for r in rig.control('requests') if r['path'] == '/recommendations/movies'][0]
        check('ignore_collected=true' in rq['query'] and 'ignore_watchlisted=true' in rq['query'] and 'limit=100' in rq['query'],
              f'recommendations query: {rq["query"]}')
        check(all(str(r['type']) == 'movie' and int(r['trakt']) > 0 for r in recs), 'recommendation entries')
        expect_dbus_error('org.freedesktop.DBus.Error.InvalidArgs', rig.call, 'GetRecommendations', 'person')
        rig.call('SetSyncEnabled', 'recommendations', False)
        eq(len(rig.call('GetRecommendations', 'movie')), 0, 'recommendations with the toggle off')

        # A non-root user with the "use" action reads too; without it, not.
        r = rig.call_as(nobody_uid(), 'GetLists')
        eq(r.get('error'), 'org.freedesktop.DBus.Error.AccessDenied', 'GetLists denied')
        rig.polkit_allow('org.kino.trakt.use')
        r = rig.call_as(nobody_uid(), 'GetLists')
        check(r['ok'] and len(r['result'][0]) == 1, f'GetLists allowed: {r}')

        # Disconnect removes the watchlist list; ratings stay.
        rig.call('Disconnect')
        eq(list(rig.call('GetLists')), [], 'lists after disconnect')
        media = {'type': rated['type'], 'trakt': dbus.UInt32(rated[rated['type']]['ids']['trakt'])}
        eq(int(rig.call('GetRating', dbus.Dictionary(media, signature='sv'))), rated['rating'], 'rating after disconnect')
