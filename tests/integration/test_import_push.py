"""The import's uploads of local plays, ratings and collection (#11.1, #11.2, #11.4).

Trakt does not de-duplicate history: an add whose answer was lost is looked
for on Trakt before it is sent again, never resent blindly (not by the HTTP
engine, not by libcurl on a reused connection, not by the next import).
"""
import signal
import time

import dbus

from harness import Rig, SignalCatcher, check, eq, wait_until
from test_connect import configured, connect, wait_sync
from test_scrobble import media

PLAYS = [media(type='movie', trakt=28), media(type='movie', trakt=1), media(type='movie', trakt=2)]
T0 = 1_700_000_000


def local_plays(rig, items=PLAYS):
    """Plays recorded before connecting: they are the import's to upload."""
    for i, m in enumerate(items):
        rig.call('MarkWatched', m, dbus.UInt64((T0 + 3600 * i) * 10**6))


def history_posts(rig):
    return [r for r in rig.control('requests') if r['path'] == '/sync/history' and r['method'] == 'POST']


def lookups(rig):
    return [r for r in rig.control('requests') if r['path'] == '/sync/history' and r['method'] == 'GET'
            and 'end_at=' in r['query']]


def trakt_movie_plays(rig):
    return sorted((h['movie']['ids']['trakt'], h['watched_at']) for h in rig.control('account')['history'] if 'movie' in h)


def run_import(rig):
    sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
    connect(rig, import_=True)
    r = wait_sync(rig, sigs)
    sigs.close()
    return r


def expect_three_plays(rig):
    plays = trakt_movie_plays(rig)
    eq([p[0] for p in plays], [1, 2, 28], f'plays on Trakt ({plays})')


def test_lost_answer_after_trakt_applied_is_not_resent():
    """Trakt adds the batch, a proxy answers 502: looked up, found, not sent again."""
    with Rig() as rig:
        configured(rig, seed=None)
        local_plays(rig)
        rig.control('fault', {'match': '^/sync/history$', 'method': 'POST', 'after': True, 'status': 502, 'count': 1})
        _, ok, err = run_import(rig)
        check(ok, f'import failed: {err}')
        expect_three_plays(rig)
        eq(len(history_posts(rig)), 1, 'history uploads')
        check(lookups(rig), 'the plays were not looked for after the lost answer')


def test_reset_after_trakt_applied_is_not_resent():
    with Rig() as rig:
        configured(rig, seed=None)
        local_plays(rig)
        rig.control('fault', {'match': '^/sync/history$', 'method': 'POST', 'after': True, 'action': 'reset', 'count': 1})
        _, ok, err = run_import(rig)
        check(ok, f'import failed: {err}')
        expect_three_plays(rig)
        eq(len(history_posts(rig)), 1, 'history uploads')


def test_lost_answer_before_trakt_applied_is_sent_again():
    """503 before anything was applied: looked up, not there, sent once more."""
    with Rig() as rig:
        configured(rig, seed=None)
        local_plays(rig)
        rig.control('fault', {'match': '^/sync/history$', 'method': 'POST', 'status': 503, 'count': 1})
        _, ok, err = run_import(rig)
        check(ok, f'import failed: {err}')
        expect_three_plays(rig)
        eq(len(history_posts(rig)), 2, 'history uploads')
        posts = history_posts(rig)
        check(lookups(rig) and lookups(rig)[0]['seq'] < posts[1]['seq'], 'sent again without looking first')


def test_short_count_is_not_success():
    """An answer that confirms fewer plays than were sent is looked into, not taken."""
    with Rig() as rig:
        configured(rig, seed=None)
        local_plays(rig)
        rig.control('fault', {'match': '^/sync/history$', 'method': 'POST', 'after': True, 'status': 201, 'count': 1,
                              'body': {'added': {'movies': 1, 'episodes': 0}, 'not_found': {'movies': []}}})
        _, ok, err = run_import(rig)
        check(ok, f'import failed: {err}')
        expect_three_plays(rig)
        eq(len(history_posts(rig)), 1, 'history uploads')
        check(lookups(rig), 'a short count was taken as success')


def test_killed_while_unconfirmed_next_import_does_not_double():
    with Rig() as rig:
        configured(rig, seed=None)
        local_plays(rig)
        rig.control('fault', {'match': '^/sync/history$', 'method': 'POST', 'after': True, 'action': 'stall',
                              'delay': 30, 'count': 1})
        connect(rig, import_=True)
        wait_until(lambda: len(trakt_movie_plays(rig)) == 3, what='Trakt to apply the upload')
        rig.stop_daemon(sig=signal.SIGKILL, check=False)
        rig.control('faults/clear', {})
        rig.start_daemon()  # the interrupted import resumes by itself
        wait_until(lambda: str(rig.prop('Syncing')) == '' and int(rig.prop('LastSync')) > 0, timeout=60,
                   what='the resumed import to finish')
        eq(str(rig.prop('LastError')), '', 'LastError after the resumed import')
        expect_three_plays(rig)
        eq(len(history_posts(rig)), 1, 'history uploads')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(0))), 3, 'local plays')


def test_account_limit_420_import_goes_on():
    """Ratings refused for the account's limit: plays and collection still go up,
    the import says which part was refused, and the ratings wait for the next import."""
    with Rig() as rig:
        configured(rig, seed=None)
        local_plays(rig)
        rig.call('Rate', PLAYS[0], dbus.Byte(8))
        coll = media(type='movie', trakt=2)
        rig.call('UpdateCollection', dbus.Array([coll], signature='a{sv}'), dbus.Array([], signature='a{sv}'))
        rig.control('fault', {'match': '^/sync/ratings$', 'method': 'POST', 'status': 420, 'count': 1,
                              'headers': {'X-Account-Limit': '10000', 'X-Upgrade-URL': 'https://trakt.tv/vip'}})
        _, ok, err = run_import(rig)
        check(not ok and '420' in str(err) and 'ratings' in str(err), f'SyncFinished({ok}, {err!r})')
        expect_three_plays(rig)
        eq([c['movie']['ids']['trakt'] for c in rig.control('account')['collection']], [2], 'collection on Trakt')
        eq(rig.control('account')['ratings'], [], 'ratings on Trakt')
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.call('Import')
        _, ok, err = wait_sync(rig, sigs)
        check(ok, f'second import: {err}')
        eq([(r['movie']['ids']['trakt'], r['rating']) for r in rig.control('account')['ratings']], [(28, 8)], 'ratings on Trakt')
        expect_three_plays(rig)


def test_episode_not_found_by_id_import_retries_by_numbers():
    with Rig() as rig:
        configured(rig, seed=None)
        ep = media(type='episode', trakt=999999, show_tvdb=81189, show_title='Breaking Bad', season=1, episode=4)
        rig.call('MarkWatched', ep, dbus.UInt64(T0 * 10**6))
        _, ok, err = run_import(rig)
        check(ok, f'import failed: {err}')
        posts = history_posts(rig)
        eq(len(posts), 2, 'uploads: by id, then by show and numbers')
        check(posts[1]['body'].get('shows'), f'the second upload is not by numbers: {posts[1]["body"]}')
        plays = [h for h in rig.control('account')['history'] if 'episode' in h]
        eq([(h['episode']['season'], h['episode']['number']) for h in plays], [(1, 4)], 'episode plays on Trakt')
        eq(int(rig.prop('UnmatchedItems')), 0, 'recorded as not found')
