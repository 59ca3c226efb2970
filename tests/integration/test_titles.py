"""Media named by title (docs/dbus-api.md, version 2, "Naming media by title"):
players that know only a file name call Start with a title and year, or a
show's title and numbers, and the daemon finds Trakt's ids itself through
Trakt's search, in the background, before anything about them is sent."""
import os
import sqlite3
import time

import dbus

from harness import Rig, SignalCatcher, check, eq, wait_until
from test_connect import configured, connect
from test_scrobble import FAST, Session, live, media, posts, scrobbles, trakt_plays, wait_drained
from test_sessions import create, from_daemon, play, props

CATALOGUE = {
    'movies': [
        {'title': 'Primer', 'year': 2004, 'ids': {'trakt': 7001, 'imdb': 'tt0390384', 'tmdb': 14337, 'slug': 'primer-2004'}},
        {'title': 'Primeval', 'year': 2007, 'ids': {'trakt': 7002, 'slug': 'primeval-2007'}},
        {'title': 'The Avengers', 'year': 2012, 'ids': {'trakt': 14701, 'imdb': 'tt0848228', 'slug': 'the-avengers-2012'}},
        {'title': 'The Avengers', 'year': 1998, 'ids': {'trakt': 4618, 'imdb': 'tt0118661', 'slug': 'the-avengers-1998'}},
        {'title': 'Avengers: Age of Ultron', 'year': 2015, 'ids': {'trakt': 71938, 'slug': 'avengers-age-of-ultron-2015'}},
    ],
    'shows': [
        {'title': 'The Expanse', 'year': 2015, 'ids': {'trakt': 77199, 'tvdb': 280619, 'slug': 'the-expanse'},
         'episodes': [{'season': 1, 'number': n, 'ids': {'trakt': 1900000 + n, 'tvdb': 5000000 + n}} for n in range(1, 5)]},
    ],
}

PRIMER = {'type': 'movie', 'title': 'Primer', 'year': 2004}
UNKNOWN = {'type': 'movie', 'title': 'Nonexistent Film', 'year': 2001}
EXPANSE_S1E2 = {'type': 'episode', 'show_title': 'The Expanse', 'season': 1, 'episode': 2}


def amedia(d):
    """A media dictionary for agent.py (values as [signature, value])."""
    return {k: ['s', v] if isinstance(v, str) else ['u', v] for k, v in d.items()}


def dmedia(d):
    """The same for dbus-python (calls as root on the rig's bus)."""
    return media(**d)


def setup(rig):
    live(rig)
    rig.control('catalogue', CATALOGUE)


def searches(rig):
    return [r for r in rig.control('requests') if r['path'].startswith('/search/')]


def lookups(rig):
    """Every request of a title look-up: searches and episodes by show and numbers."""
    return [r for r in rig.control('requests')
            if r['path'].startswith('/search/') or (r['path'].startswith('/shows/') and '/episodes/' in r['path'])]


def media_of(agent, path):
    return props(agent, path)['Media']


def wait_media(agent, path, key, value, what):
    return wait_until(lambda: media_of(agent, path).get(key) == value, what=what)


def test_movie_by_title_scrobbled_with_ids():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        a = rig.agent()
        s = create(a, 'mpv')
        play(a, s, 'Start', amedia(PRIMER), 10.0)
        wait_media(a, s, 'trakt', 7001, 'Media with the ids Trakt has for "Primer" (2004)')
        m = media_of(a, s)
        eq((m['title'], m['year'], m['imdb'], m['tmdb'], m['slug']), ('Primer', 2004, 'tt0390384', 14337, 'primer-2004'),
           'Media once resolved: Trakt\'s title and ids')
        eq(props(a, s)['Problem'], '', 'Problem')
        # The owner heard it: PropertiesChanged(Media) with the ids, after Start had returned.
        wait_until(lambda: any(x['member'] == 'PropertiesChanged' and x['path'] == s
                               and (x['args'][1].get('Media') or {}).get('trakt') == 7001
                               for x in from_daemon(rig, a.signals())),
                   what='PropertiesChanged(Media) to the owner')
        wait_until(lambda: scrobbles(rig, 'start'), what='the start, sent once resolved')
        play(a, s, 'Stop', 95.0)
        wait_drained(rig)
        sent = scrobbles(rig)
        eq([r['path'] for r in sent], ['/scrobble/start', '/scrobble/stop'], 'what reached Trakt')
        for r in sent:
            eq(r['body']['movie'].get('ids', {}).get('trakt'), 7001, f'{r["path"]} names the movie by its ids')
        eq(len(trakt_plays(rig, 7001)), 1, 'plays of Primer on Trakt')
        q = searches(rig)
        eq(len(q), 1, 'searches')
        eq(q[0]['path'], '/search/movie', 'search path')
        check('query=Primer' in q[0]['query'] and 'years=2003-2005' in q[0]['query'] and 'limit=' in q[0]['query'],
              f'search query: {q[0]["query"]}')
        h = rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))
        eq([(str(x['title']), int(x['trakt'])) for x in h], [('Primer', 7001)], 'local history, under Trakt\'s ids')


def test_episode_by_show_title_and_numbers():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        a = rig.agent()
        s = create(a, 'celluloid')
        play(a, s, 'Start', amedia(EXPANSE_S1E2), 5.0)
        wait_media(a, s, 'trakt', 1900002, 'Media with the episode\'s ids')
        m = media_of(a, s)
        eq((m['type'], m['show_title'], m['show_year'], m['show_trakt'], m['show_tvdb'], m['season'], m['episode'], m['tvdb']),
           ('episode', 'The Expanse', 2015, 77199, 280619, 1, 2, 5000002), 'Media of the episode once resolved')
        wait_until(lambda: scrobbles(rig, 'start'), what='the start, sent once resolved')
        eq(scrobbles(rig, 'start')[0]['body']['episode']['ids']['trakt'], 1900002, 'the start names the episode by its id')
        play(a, s, 'Stop', 92.0)
        wait_drained(rig)
        eq(len(trakt_plays(rig, 1900002)), 1, 'plays of S01E02 on Trakt')
        eq([(r['path'], r['query']) for r in lookups(rig)],
           [('/search/show', 'query=The%20Expanse&limit=10'), ('/shows/77199/seasons/1/episodes/2', '')],
           'the show by its title (no year known), then the episode by the show\'s id and numbers')
        # The next episode of the same show: the show is known, only the episode is asked for.
        play(a, s, 'Start', amedia(dict(EXPANSE_S1E2, episode=3)), 5.0)
        wait_media(a, s, 'trakt', 1900003, 'Media of the next episode')
        eq([r['path'] for r in lookups(rig)][2:], ['/shows/77199/seasons/1/episodes/3'], 'look-ups for the next episode')
        # An episode the show does not have: Problem, nothing sent.
        play(a, s, 'Start', amedia(dict(EXPANSE_S1E2, season=9, episode=99)), 5.0)
        wait_until(lambda: props(a, s)['Problem'], what='Problem for an episode Trakt does not have')
        p = props(a, s)['Problem']
        check('The Expanse' in p and 'S09E99' in p, f'Problem names the show and the episode: {p!r}')
        play(a, s, 'Stop', 50.0)
        wait_drained(rig)
        for r in scrobbles(rig):
            ep = r['body'].get('episode') or {}
            check((ep.get('season'), ep.get('number')) != (9, 99) and ep.get('ids', {}).get('trakt') in (1900002, 1900003),
                  f'an event about S09E99 reached Trakt: {r["body"]}')


def test_unknown_title_stays_local():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        a = rig.agent()
        s = create(a, 'mpv')
        play(a, s, 'Start', amedia(UNKNOWN), 5.0)
        wait_until(lambda: props(a, s)['Problem'], what='Problem for a title Trakt does not know')
        p = props(a, s)['Problem']
        check('Nonexistent Film' in p and '2001' in p and p.endswith('.') and p.count('. ') == 0,
              f'Problem is one sentence naming the title: {p!r}')
        play(a, s, 'Stop', 95.0)
        wait_drained(rig)
        time.sleep(0.5)
        eq(scrobbles(rig), [], 'events about a title Trakt does not know')
        eq(str(rig.prop('LastError')), '', 'LastError (everyone reads it)')
        eq(str(rig.prop('ScrobbleStatus')), 'active', 'ScrobbleStatus (a session is open, nothing failed)')
        h = [(str(x['title']), str(x['origin'])) for x in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))]
        eq(h, [('Nonexistent Film', 'local')], 'the local history keeps the watch')
        eq(len(searches(rig)), 1, 'searches')
        # Within the day it is not searched again: another session knows at once.
        s2 = create(a, 'vlc')
        play(a, s2, 'Start', amedia(UNKNOWN), 5.0)
        check('Nonexistent Film' in props(a, s2)['Problem'], 'Problem right at Start from the cached miss')
        play(a, s2, 'Stop', 96.0)
        wait_drained(rig)
        time.sleep(0.5)
        eq(len(searches(rig)), 1, 'searches within the day')
        # Not by an import either.
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.call('Import')
        sigs.wait_for(lambda x: str(x[0]) == 'import', timeout=60, what='SyncFinished(import)')
        sigs.close()
        for r in rig.control('requests'):
            check(r['path'].startswith('/search/') or ('Nonexistent' not in str(r.get('body')) and 'Nonexistent' not in r['query']),
                  f'the unknown title reached Trakt: {r["method"]} {r["path"]}')
        eq(len(rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))), 2, 'local watches kept')
        # Once the day has passed (the cache says when), it is searched again.
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'), timeout=10)
        with db:
            db.execute('UPDATE title_cache SET expires_at = 0 WHERE media IS NULL')
        db.close()
        s3 = create(a, 'mpv')
        play(a, s3, 'Start', amedia(UNKNOWN), 5.0)
        wait_until(lambda: len(searches(rig)) == 2, what='a new search after the miss expired')


def test_several_results_right_one_chosen():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        a = rig.agent()
        cases = [
            ({'type': 'movie', 'title': 'Avengers', 'year': 1998}, 4618),             # article left out, the older one
            ({'type': 'movie', 'title': 'The Avengers', 'year': 2012}, 14701),
            ({'type': 'movie', 'title': 'the avengers', 'year': 2013}, 14701),        # a year off, other case
            ({'type': 'movie', 'title': 'Avengers - Age of Ultron'}, 71938),          # punctuation, no year
        ]
        for name, trakt in cases:
            s = create(a, 'mpv')
            play(a, s, 'Start', amedia(name), 5.0)
            wait_media(a, s, 'trakt', trakt, f'{name} → {trakt}')
        # Fuzzy results only: not taken, and said so.
        for name, words in (({'type': 'movie', 'title': 'Avengers Assemble', 'year': 2012}, ['Avengers Assemble', 'The Avengers (2012)']),
                            ({'type': 'movie', 'title': 'Primer', 'year': 2010}, ['Primer', '2010'])):
            s = create(a, 'mpv')
            play(a, s, 'Start', amedia(name), 5.0)
            wait_until(lambda: props(a, s)['Problem'], what=f'Problem for {name}')
            p = props(a, s)['Problem']
            check(all(w in p for w in words), f'Problem for {name}: {p!r}')
            check('trakt' not in media_of(a, s), f'a wrong title was taken for {name}: {media_of(a, s)}')
        wait_drained(rig)
        for r in scrobbles(rig):
            check(r['body']['movie']['ids']['trakt'] in (4618, 14701, 71938), f'scrobbled {r["body"]}')


def test_trakt_down_during_resolution():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        rig.control('fault', {'match': '^/search/', 'status': 503, 'count': 1000})
        a = rig.agent()
        s = create(a, 'mpv')
        play(a, s, 'Start', amedia(PRIMER), 10.0)
        play(a, s, 'Stop', 96.0)
        wait_until(lambda: len(searches(rig)) >= 1, what='a search while Trakt is down')
        time.sleep(2)
        eq(scrobbles(rig), [], 'events sent while the title is not resolved')
        check(int(rig.prop('PendingEvents')) >= 1, 'the events wait in the outbox')
        eq(props(a, s)['Problem'], '', 'Problem while Trakt is down (not a title it does not know)')
        check('trakt' not in media_of(a, s), 'Media has ids before any answer')
        rig.control('faults/clear', {})
        wait_until(lambda: len(trakt_plays(rig, 7001)) == 1, timeout=90, what='the watch on Trakt once it is back')
        wait_drained(rig, timeout=60)
        eq(media_of(a, s).get('trakt'), 7001, 'Media once Trakt answered')
        for r in rig.control('requests'):
            if r['method'] == 'POST' and (r['path'].startswith('/scrobble/') or r['path'] == '/sync/history'):
                check('7001' in str(r['body']), f'{r["path"]} without the ids: {r["body"]}')
        eq(len(trakt_plays(rig, 7001)), 1, 'plays of Primer on Trakt')


def test_bus_call_never_waits_for_search():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        rig.control('fault', {'match': '^/search/', 'action': 'stall', 'delay': 8, 'count': 10})
        s = Session(rig)
        t0 = time.monotonic()
        s.Start(dmedia(PRIMER), 5.0, timeout=5)
        first = time.monotonic() - t0
        wait_until(lambda: searches(rig), what='the search, stalled by Trakt')
        # While it hangs: more calls, another title named, properties.
        timings = {}
        for name, call in (('Pause', lambda: s.Pause(20.0, timeout=5)),
                           ('Start', lambda: s.Start(dmedia(UNKNOWN), 20.0, timeout=5)),
                           ('Stop', lambda: s.Stop(96.0, timeout=5)),
                           ('GetAll', lambda: s.obj.GetAll('org.kino.Trakt.Session', dbus_interface='org.freedesktop.DBus.Properties',
                                                           timeout=5))):
            t0 = time.monotonic()
            call()
            timings[name] = time.monotonic() - t0
        timings['first Start'] = first
        sys_err = ', '.join(f'{k} {v * 1000:.1f} ms' for k, v in timings.items())
        print(f'while /search hangs: {sys_err}')
        check(all(v < 0.5 for v in timings.values()), f'a call waited for the search: {sys_err}')
        eq(scrobbles(rig), [], 'events sent before their titles are resolved')


def test_incognito_never_searches():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        a = rig.agent()
        # An incognito session.
        s = create(a, 'mpv', incognito=True)
        play(a, s, 'Start', amedia(PRIMER), 5.0)
        play(a, s, 'Stop', 95.0)
        # The user-wide eye.
        a.ok('SetIncognito', 'b', [True])
        s2 = create(a, 'vlc')
        play(a, s2, 'Start', amedia(UNKNOWN), 5.0)
        play(a, s2, 'Stop', 97.0)
        a.ok('SetIncognito', 'b', [False])
        time.sleep(1)
        eq(lookups(rig), [], 'look-ups of what incognito sessions played')
        eq(props(a, s)['Problem'], '', 'Problem (nothing was looked up)')
        eq(media_of(a, s).get('title'), 'Primer', 'Media stays the name')
        h = {str(x['title']): bool(x['private']) for x in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))}
        eq(h, {'Primer': True, 'Nonexistent Film': True}, 'the private watches, kept here')

        # Turned incognito while the look-up still waits (Trakt said "slow down"):
        # it never leaves.
        rig.control('fault', {'match': '^/scrobble/', 'status': 429, 'retry_after': 4, 'count': 1,
                              'body': {'error': 'rate limited'}})
        s3 = create(a, 'mpv')
        play(a, s3, 'Start', amedia({'type': 'movie', 'trakt': 28, 'title': 'Guardians of the Galaxy', 'year': 2014}), 5.0)
        wait_until(lambda: [r for r in scrobbles(rig) if r.get('status') == 429], what='Trakt\'s 429')
        s4 = create(a, 'mpv')
        play(a, s4, 'Start', amedia(PRIMER), 5.0)
        a.ok('Set', 'ssv', ['org.kino.Trakt.Session', 'Incognito', ['b', True]], interface='org.freedesktop.DBus.Properties',
             path=s4)
        time.sleep(6)
        wait_drained(rig)
        eq(lookups(rig), [], 'look-ups after the session turned incognito')


def test_cache_survives_restart():
    with Rig(config_text=FAST) as rig:
        setup(rig)
        a = rig.agent()
        s = create(a, 'mpv')
        play(a, s, 'Start', amedia(PRIMER), 5.0)
        wait_media(a, s, 'trakt', 7001, 'Primer resolved')
        play(a, s, 'Start', amedia(UNKNOWN), 5.0)
        wait_until(lambda: props(a, s)['Problem'], what='the miss')
        play(a, s, 'Start', amedia(EXPANSE_S1E2), 5.0)
        wait_media(a, s, 'trakt', 1900002, 'the episode resolved')
        n = len(lookups(rig))
        eq(n, 4, 'look-ups before the restart (movie, miss, show, episode)')
        rig.restart_daemon()
        s = create(a, 'mpv')
        play(a, s, 'Start', amedia(PRIMER), 5.0)
        eq(media_of(a, s).get('trakt'), 7001, 'Media right at Start after a restart')
        play(a, s, 'Start', amedia(EXPANSE_S1E2), 5.0)
        eq(media_of(a, s).get('trakt'), 1900002, 'the episode right at Start after a restart')
        play(a, s, 'Start', amedia(UNKNOWN), 5.0)
        check('Nonexistent Film' in props(a, s)['Problem'], 'the miss right at Start after a restart')
        play(a, s, 'Stop', 50.0)
        wait_drained(rig)
        eq(len(lookups(rig)), n, 'look-ups after the restart')


def test_other_methods_by_title():
    """Rate, MarkWatched, UpdateCollection, GetRating and GetResumePoint take names too."""
    with Rig(config_text=FAST) as rig:
        setup(rig)
        # Not looked up yet: the rating waits for the search, then goes with the ids.
        rig.call('Rate', dmedia(PRIMER), dbus.Byte(8))
        wait_until(lambda: posts(rig, '/sync/ratings'), what='the rating sent')
        body = posts(rig, '/sync/ratings')[0]['body']
        eq((body['movies'][0]['ids']['trakt'], body['movies'][0]['rating']), (7001, 8), 'the rating names the movie by its ids')
        eq(int(rig.call('GetRating', dmedia(PRIMER))), 8, 'GetRating by the name')
        eq(int(rig.call('GetRating', dmedia({'type': 'movie', 'imdb': 'tt0390384'}))), 8, 'GetRating by an id')
        # Known already: stored as Trakt's item at once.
        rig.call('MarkWatched', dmedia(EXPANSE_S1E2), dbus.UInt64(0))
        wait_until(lambda: posts(rig, '/sync/history'), what='the watch sent')
        body = posts(rig, '/sync/history')[0]['body']
        eq(body['episodes'][0]['ids']['trakt'], 1900002, 'MarkWatched names the episode by its id')
        coll = dbus.Array([dbus.Dictionary({'type': 'movie', 'title': 'Avengers', 'year': dbus.UInt32(1998),
                                            'resolution': 'hd_1080p'}, signature='sv')], signature='a{sv}')
        rig.call('UpdateCollection', coll, dbus.Array([], signature='a{sv}'))
        wait_until(lambda: posts(rig, '/sync/collection'), what='the collection change sent')
        body = posts(rig, '/sync/collection')[0]['body']
        eq((body['movies'][0]['ids']['trakt'], body['movies'][0]['resolution']), (4618, 'hd_1080p'), 'UpdateCollection by name')
        # A resume point of a session that played a name, found by the name and by the ids.
        s = Session(rig)
        s.Start(dmedia({'type': 'movie', 'title': 'The Avengers', 'year': 2012}), 5.0)
        wait_until(lambda: int(dict(s.prop('Media')).get('trakt', 0)) == 14701, what='The Avengers resolved')
        s.Pause(40.0)
        eq(float(rig.call('GetResumePoint', dmedia({'type': 'movie', 'title': 'The Avengers', 'year': 2012}))[0]), 40.0,
           'GetResumePoint by the name')
        eq(float(rig.call('GetResumePoint', dmedia({'type': 'movie', 'trakt': 14701}))[0]), 40.0, 'GetResumePoint by the id')
        # A title Trakt does not know: kept here, nothing sent.
        rig.call('Rate', dmedia(UNKNOWN), dbus.Byte(3))
        wait_drained(rig)
        time.sleep(0.5)
        eq(len(posts(rig, '/sync/ratings')), 1, 'ratings sent')
        eq(int(rig.call('GetRating', dmedia(UNKNOWN))), 3, 'the local rating of the unknown title')
        eq(str(rig.prop('LastError')), '', 'LastError')


def test_import_never_pushes_names():
    """What was watched or rated by title before the account was connected:
    an import does not push it as a name; it goes once Trakt's ids are known,
    and a title Trakt does not know never goes."""
    with Rig(config_text=FAST) as rig:
        rig.control('config', {'write_interval': 0.01})
        configured(rig, seed=None)
        rig.control('catalogue', CATALOGUE)
        s = Session(rig)
        s.Start(dmedia(PRIMER), 5.0)
        s.Stop(95.0)
        s.Start(dmedia(UNKNOWN), 5.0)
        s.Stop(96.0)
        s.Close()
        rig.call('Rate', dmedia(EXPANSE_S1E2), dbus.Byte(9))
        coll = dbus.Array([dbus.Dictionary({'type': 'movie', 'title': 'Avengers', 'year': dbus.UInt32(1998)}, signature='sv')],
                          signature='a{sv}')
        rig.call('UpdateCollection', coll, dbus.Array([], signature='a{sv}'))
        time.sleep(0.5)
        eq(lookups(rig), [], 'look-ups before the account is connected')
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        connect(rig, import_=True)
        sigs.wait_for(lambda x: str(x[0]) == 'import', timeout=60, what='SyncFinished(import)')
        sigs.close()
        wait_until(lambda: len(trakt_plays(rig, 7001)) == 1, what='the watch of Primer on Trakt')
        wait_drained(rig)
        account = rig.control('account')
        eq([(r['episode']['ids']['trakt'], r['rating']) for r in account['ratings'] if r['type'] == 'episode'], [(1900002, 9)],
           'the rating of S01E02 on Trakt')
        eq([c['movie']['ids']['trakt'] for c in account['collection'] if c['type'] == 'movie'], [4618], 'the collection on Trakt')
        for r in rig.control('requests'):
            if r['method'] != 'POST' or not r['path'].startswith('/sync/'):
                continue
            body = r['body'] or {}
            check('Nonexistent' not in str(body), f'the unknown title reached Trakt: {r["path"]} {body}')
            for m in body.get('movies', []):
                check('ids' in m, f'{r["path"]} names a movie by title only: {m}')
            for sh in body.get('shows', []):
                check('ids' in sh, f'{r["path"]} names a show by title only: {sh}')
        eq(sorted(str(x['title']) for x in rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(10))),
           ['Nonexistent Film', 'Primer'], 'the local history keeps both watches')
