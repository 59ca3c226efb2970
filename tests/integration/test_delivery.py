"""How the outbox talks to Trakt: the audit's findings (#11), each as a test.

Bodies Trakt's 2026 request schema accepts (episodes by trakt/tvdb id, else by
show and numbers; pauses within 1-79.99 %), what Trakt's answers mean (a stop
kept as a pause, 420/423/426 refusals, not_found), and a completed watch that
keeps its real time however late it is delivered.
"""
import time
from datetime import datetime, timezone

import dbus

from harness import Rig, check, eq, wait_until
from test_scrobble import (FAST, GUARDIANS, TRON, Session, live, media, posts, scrobbles, trakt_plays,
                           wait_drained)

BB_S1E2_BY_IMDB = media(type='episode', imdb='tt0959622', show_tvdb=81189, show_title='Breaking Bad', season=1,
                        episode=2)
BB_S1E3_WRONG_ID = media(type='episode', trakt=999999, show_tvdb=81189, show_title='Breaking Bad', season=1,
                         episode=3)


def ok_posts(rig, path):
    return [r for r in posts(rig, path) if r.get('status') in (200, 201)]


def episode_plays(rig, trakt_id):
    return [p for p in rig.control('account')['history'] if (p.get('episode') or {}).get('ids', {}).get('trakt') == trakt_id]


def parse_time(s):
    return datetime.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=timezone.utc).timestamp()


def test_pause_progress_within_trakts_rules():
    """79.996 % is not rounded up to 80 (422), 0.5 % is sent as 1 %; what is stored is unchanged."""
    with Rig(config_text=FAST) as rig:
        live(rig)
        s = Session(rig)
        s.Start(GUARDIANS, 0.2)
        s.Pause(0.5)
        wait_until(lambda: len(scrobbles(rig, 'pause')) == 1, what='the first pause')  # else a later event supersedes it
        s.Start(GUARDIANS, 0.5)
        s.Pause(79.996)
        wait_drained(rig)
        pauses = scrobbles(rig, 'pause')
        eq([r['body']['progress'] for r in pauses], [1.0, 79.99], 'progress sent with the pauses')
        eq([r.get('status') for r in pauses], [201, 201], 'Trakt took both pauses')
        check(abs(float(s.prop('Progress')) - 79.996) < 1e-9, 'the stored progress changed')
        eq(str(rig.prop('ScrobbleStatus')) in ('active', 'idle'), True, 'status after the pauses')
        eq(str(rig.prop('LastError')), '', 'LastError after the pauses')


def test_stop_kept_as_pause_goes_to_history():
    """A stop at exactly 80 % is a watch here; Trakt scrobbles only above 80 % and
    answers action "pause": the watch goes to its history with its real time."""
    with Rig(config_text=FAST) as rig:
        live(rig)
        s = Session(rig)
        s.Start(GUARDIANS, 70.0)
        t0 = time.time()
        s.Stop(80.0)
        wait_drained(rig)
        stops = scrobbles(rig, 'stop')
        eq([r.get('status') for r in stops], [201], 'one stop sent')
        adds = ok_posts(rig, '/sync/history')
        eq(len(adds), 1, 'history adds after Trakt kept the stop as a pause')
        check(abs(parse_time(adds[0]['body']['movies'][0]['watched_at']) - t0) < 5, 'watched_at is not when the watch ended')
        looked = [r for r in rig.control('requests') if r['method'] == 'GET' and r['path'].startswith('/sync/history/movies')]
        check(looked and looked[0]['seq'] < adds[0]['seq'], 'Trakt was not looked at before adding the play')
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt')


def test_late_stop_keeps_its_time():
    """Trakt unreachable for a while after a completed stop: with the default
    live window the watch arrives as a history add dated when it happened."""
    with Rig(config_text='[Trakt]\nwrite_interval_ms = 50\nmax_retries = 1\n') as rig:
        live(rig)
        rig.control('fault', {'match': '^/scrobble/', 'status': 503, 'count': -1})
        s = Session(rig)
        s.Start(GUARDIANS, 90.0)
        t0 = time.time()
        s.Stop(97.0)
        time.sleep(8)  # offline longer than the default live window (5 s)
        rig.control('faults/clear', {})
        wait_drained(rig, timeout=60)
        eq([r for r in scrobbles(rig, 'stop') if r.get('status') in (200, 201)], [], 'a late stop went out live')
        adds = ok_posts(rig, '/sync/history')
        eq(len(adds), 1, 'history adds')
        t = parse_time(adds[0]['body']['movies'][0]['watched_at'])
        check(abs(t - t0) < 5, f'watched_at is {t - t0:+.1f} s from when the watch ended')
        eq(len(trakt_plays(rig, 28)), 1, 'plays on Trakt')


def test_account_limit_420_keeps_events():
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.control('fault', {'match': '^/sync/ratings$', 'method': 'POST', 'status': 420, 'count': -1,
                              'headers': {'X-Account-Limit': '10000', 'X-Upgrade-URL': 'https://trakt.tv/vip',
                                          'X-VIP-User': 'false'}})
        rig.call('Rate', GUARDIANS, dbus.Byte(9))
        wait_until(lambda: '10000' in str(rig.prop('LastError')), what='LastError naming the limit')
        err = str(rig.prop('LastError'))
        check('https://trakt.tv/vip' in err and 'ratings' in err, f'LastError: {err}')
        eq(int(rig.prop('PendingEvents')), 1, 'the rating is kept')
        # Other categories go on: a watch is scrobbled meanwhile.
        s = Session(rig)
        s.Start(TRON, 90.0)
        s.Stop(99.0)
        wait_until(lambda: len(trakt_plays(rig, 1)) == 1, what='the watch to reach Trakt')
        n = len(posts(rig, '/sync/ratings'))
        time.sleep(2)
        eq(len(posts(rig, '/sync/ratings')), n, 'the refused category was pushed again at once')
        eq(int(rig.prop('PendingEvents')), 1, 'the rating still waits')
        # Room again (Trakt VIP, say): the rating arrives.
        rig.control('faults/clear', {})
        rig.restart_daemon()
        wait_drained(rig)
        eq(rig.control('account')['ratings'][0]['rating'] if rig.control('account')['ratings'] else None, 9,
           'the rating on Trakt')


def test_locked_account_423_pauses_writes():
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.control('fault', {'match': '^/(scrobble|sync)/', 'method': 'POST', 'status': 423, 'count': -1,
                              'headers': {'X-Account-Locked': 'true', 'X-Account-Deactivated': 'false'}})
        s = Session(rig)
        s.Start(GUARDIANS, 90.0)
        s.Stop(99.0)
        wait_until(lambda: 'locked' in str(rig.prop('LastError')), what='LastError saying the account is locked')
        eq(str(rig.prop('ScrobbleStatus')), 'failed', 'ScrobbleStatus while locked')
        n = len(rig.control('requests'))
        rig.call('Rate', TRON, dbus.Byte(7))
        time.sleep(2)
        eq([r['path'] for r in rig.control('requests')[n:] if r['method'] == 'POST'], [], 'writes while locked')
        check(int(rig.prop('PendingEvents')) >= 2, 'events dropped while locked')
        rig.control('faults/clear', {})
        rig.restart_daemon()
        wait_drained(rig)
        eq(len(trakt_plays(rig, 28)), 1, 'the watch after the lock')
        eq(len(rig.control('account')['ratings']), 1, 'the rating after the lock')


def test_vip_only_426_says_so():
    with Rig(config_text=FAST) as rig:
        live(rig)
        rig.control('fault', {'match': '^/sync/collection$', 'method': 'POST', 'status': 426, 'count': -1,
                              'headers': {'X-Upgrade-URL': 'https://trakt.tv/vip'}})
        item = media(type='movie', trakt=28)
        item['resolution'] = dbus.String('uhd_4k')
        rig.call('UpdateCollection', dbus.Array([item], signature='a{sv}'), dbus.Array([], signature='a{sv}'))
        wait_until(lambda: 'VIP' in str(rig.prop('LastError')), what='LastError naming VIP')
        err = str(rig.prop('LastError'))
        check('collect' in err and 'https://trakt.tv/vip' in err, f'LastError: {err}')
        eq(int(rig.prop('PendingEvents')), 1, 'the collection change is kept')


def test_episode_by_imdb_goes_by_show_and_numbers():
    """Trakt matches episodes by trakt or tvdb id only: one named by imdb goes by its show and numbers."""
    with Rig(config_text=FAST) as rig:
        live(rig)
        when = int(time.time() - 7200) * 10**6
        rig.call('MarkWatched', BB_S1E2_BY_IMDB, dbus.UInt64(when))
        s = Session(rig)
        s.Start(BB_S1E2_BY_IMDB, 90.0)
        s.Stop(99.0)
        wait_drained(rig)
        add = ok_posts(rig, '/sync/history')
        eq(len(add), 1, 'history adds')
        show = add[0]['body'].get('shows', [{}])[0]
        eq((show.get('ids', {}).get('tvdb'), show['seasons'][0]['number'], show['seasons'][0]['episodes'][0]['number']),
           (81189, 1, 2), 'the episode named by its show and numbers')
        stop = [r for r in scrobbles(rig, 'stop') if r.get('status') in (200, 201)]
        eq(len(stop), 1, 'the live stop')
        eq((stop[0]['body'].get('show', {}).get('ids', {}).get('tvdb'), stop[0]['body']['episode'].get('number')),
           (81189, 2), 'the scrobble names the show and numbers')
        eq(len(episode_plays(rig, 73483)), 2, 'plays of S01E02 on Trakt')


def test_episode_not_found_by_id_retried_by_numbers():
    """An id Trakt does not know: once more by show and numbers before giving up."""
    with Rig(config_text=FAST) as rig:
        live(rig)
        s = Session(rig)
        s.Start(BB_S1E3_WRONG_ID, 90.0)
        s.Stop(99.0)
        rig.call('MarkWatched', BB_S1E3_WRONG_ID, dbus.UInt64(int(time.time() - 7200) * 10**6))
        wait_drained(rig)
        stops = scrobbles(rig, 'stop')
        eq([r.get('status') for r in stops], [404, 201], 'the stop by id, then by numbers')
        check('ids' not in stops[1]['body']['episode'], f'the retry still names the id: {stops[1]["body"]}')
        adds = posts(rig, '/sync/history')
        eq(len(adds), 2, 'the history add by id, then by numbers')
        check(adds[0]['body'].get('episodes') and adds[1]['body'].get('shows'), 'the second add is not by numbers')
        eq(len(episode_plays(rig, 73484)), 2, 'plays of S01E03 on Trakt')
        eq(str(rig.prop('LastError')), '', 'LastError')
        eq(int(rig.prop('UnmatchedItems')), 0, 'items recorded as not found')
