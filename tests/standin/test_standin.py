"""The stand-in's own tests: it must behave as docs/trakt-api.md documents, or every
test built on it proves nothing. usage: test_standin.py [TestClass]"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
HDRS = {'Content-Type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'test-client-id',
        'User-Agent': 'kino-trakt-tests/1'}


class Server:
    def __init__(self):
        self.tmp = tempfile.mkdtemp()
        pf = os.path.join(self.tmp, 'port')
        self.p = subprocess.Popen(['/usr/bin/python3', os.path.join(HERE, 'trakt-standin.py'), '--port-file', pf, '--quiet'],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            if os.path.exists(pf):
                break
            time.sleep(0.01)
        with open(pf) as f:
            self.url = 'http://127.0.0.1:' + f.read().strip()

    def stop(self):
        self.p.terminate()
        self.p.wait(10)

    def req(self, method, path, body=None, headers=None, raw=None):
        h = dict(HDRS)
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        r = urllib.request.Request(self.url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                b = resp.read()
                return resp.status, dict(resp.headers), b
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, method, path, body=None, **kw):
        s, h, b = self.req(method, path, body, **kw)
        return s, h, (json.loads(b) if b else None)

    def control(self, path, body=None):
        data = json.dumps(body if body is not None else {}).encode() if body is not None or path != 'account' else None
        method = 'POST' if data is not None else 'GET'
        r = urllib.request.Request(self.url + '/_control/' + path, data=data, method=method,
                                   headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(r, timeout=30) as resp:
            b = resp.read()
            return json.loads(b) if b else None

    def login(self):
        s, _, d = self.json('POST', '/oauth/device/code', {'client_id': 'test-client-id'})
        assert s == 200, s
        self.control('config', {'interval': 0})
        self.control('device/approve', {})
        s, _, t = self.json('POST', '/oauth/device/token', {'code': d['device_code'], 'client_id': 'test-client-id',
                                                            'client_secret': 'test-client-secret'})
        assert s == 200, s
        self.token = t
        return {'Authorization': 'Bearer ' + t['access_token']}


class Base(unittest.TestCase):
    def setUp(self):
        self.s = Server()
        self.s.control('config', {'rate_limit': False})

    def tearDown(self):
        self.s.stop()


class HeaderTests(Base):
    def test_no_user_agent_is_cloudflare_html(self):
        s, h, b = self.s.req('GET', '/users/sean/lists/x', headers={'User-Agent': ''})
        self.assertEqual(s, 403)
        self.assertIn('text/html', h['Content-Type'])
        self.assertIn(b'blocked', b)

    def test_wrong_content_type_412(self):
        s, _, _ = self.s.req('POST', '/sync/history', raw=b'{}', headers={'Content-Type': 'text/plain'})
        self.assertEqual(s, 412)

    def test_bad_key_403_and_401_without_token(self):
        self.assertEqual(self.s.req('GET', '/sync/last_activities', headers={'trakt-api-key': 'nope'})[0], 403)
        s, h, _ = self.s.req('GET', '/sync/last_activities')
        self.assertEqual(s, 401)
        self.assertIn('invalid_token', h['WWW-Authenticate'])


class OAuthTests(Base):
    def body(self, code):
        return {'code': code, 'client_id': 'test-client-id', 'client_secret': 'test-client-secret'}

    def test_device_flow_statuses(self):
        self.s.control('config', {'interval': 1})
        s, _, d = self.s.json('POST', '/oauth/device/code', {'client_id': 'test-client-id'})
        self.assertEqual(s, 200)
        for k in ('device_code', 'user_code', 'verification_url', 'expires_in', 'interval'):
            self.assertIn(k, d)
        self.assertEqual(self.s.req('POST', '/oauth/device/token', self.body(d['device_code']))[0], 400)
        self.assertEqual(self.s.req('POST', '/oauth/device/token', self.body(d['device_code']))[0], 429)  # too fast
        time.sleep(1.1)
        self.s.control('device/approve', {'user_code': d['user_code']})
        s, _, t = self.s.json('POST', '/oauth/device/token', self.body(d['device_code']))
        self.assertEqual(s, 200)
        self.assertEqual(t['token_type'], 'bearer')
        self.assertEqual(self.s.req('POST', '/oauth/device/token', self.body(d['device_code']))[0], 409)
        self.assertEqual(self.s.req('POST', '/oauth/device/token', self.body('unknown'))[0], 404)

    def test_deny_and_expire(self):
        self.s.control('config', {'interval': 0})
        _, _, d1 = self.s.json('POST', '/oauth/device/code', {'client_id': 'test-client-id'})
        self.s.control('device/deny', {'user_code': d1['user_code']})
        self.assertEqual(self.s.req('POST', '/oauth/device/token', self.body(d1['device_code']))[0], 418)
        _, _, d2 = self.s.json('POST', '/oauth/device/code', {'client_id': 'test-client-id'})
        self.s.control('device/expire', {'user_code': d2['user_code']})
        self.assertEqual(self.s.req('POST', '/oauth/device/token', self.body(d2['device_code']))[0], 410)

    def test_refresh_rotates_single_use(self):
        auth = self.s.login()
        old = self.s.token
        body = {'refresh_token': old['refresh_token'], 'client_id': 'test-client-id', 'client_secret': 'test-client-secret',
                'redirect_uri': 'urn:ietf:wg:oauth:2.0:oob', 'grant_type': 'refresh_token'}
        s, _, new = self.s.json('POST', '/oauth/token', body)
        self.assertEqual(s, 200)
        self.assertNotEqual(new['refresh_token'], old['refresh_token'])
        s, _, err = self.s.json('POST', '/oauth/token', body)  # the old refresh token is spent
        self.assertEqual(s, 400)
        self.assertEqual(err['error'], 'invalid_grant')
        self.assertEqual(self.s.req('GET', '/sync/last_activities', headers=auth)[0], 401)
        self.assertEqual(self.s.req('GET', '/sync/last_activities',
                                    headers={'Authorization': 'Bearer ' + new['access_token']})[0], 200)

    def test_revoke_and_expiry(self):
        auth = self.s.login()
        self.assertEqual(self.s.req('GET', '/users/settings', headers=auth)[0], 200)
        self.s.control('tokens/expire', {})
        self.assertEqual(self.s.req('GET', '/users/settings', headers=auth)[0], 401)
        auth = self.s.login()
        s, _, b = self.s.req('POST', '/oauth/revoke', {'token': self.s.token['access_token'], 'client_id': 'test-client-id',
                                                       'client_secret': 'test-client-secret'})
        self.assertEqual((s, b), (200, b''))
        self.assertEqual(self.s.req('GET', '/users/settings', headers=auth)[0], 401)


class SyncTests(Base):
    def test_pagination_and_clamp(self):
        auth = self.s.login()
        self.s.control('seed', {'movies': 50, 'history': 600})
        s, h, items = self.s.json('GET', '/sync/history?limit=1000&page=1', headers=auth)
        self.assertEqual(s, 200)
        self.assertEqual(h['X-Pagination-Limit'], '250')
        self.assertEqual(h['X-Pagination-Page-Count'], '3')
        self.assertEqual(h['X-Pagination-Item-Count'], '600')
        self.assertEqual(len(items), 250)
        _, _, last = self.s.json('GET', '/sync/history?limit=250&page=3', headers=auth)
        self.assertEqual(len(last), 100)
        self.assertGreater(items[0]['watched_at'], items[-1]['watched_at'])  # newest first

    def test_history_no_dedupe_and_watchlist_auto_remove(self):
        auth = self.s.login()
        self.s.control('watchlist/add', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}}]})
        body = {'movies': [{'ids': {'imdb': 'tt2015381'}, 'watched_at': '2020-01-01T10:00:00.000Z'},
                           {'ids': {'imdb': 'tt0000000'}}]}
        s, _, r = self.s.json('POST', '/sync/history', body, headers=auth)
        self.assertEqual(s, 201)
        self.assertEqual(r['added']['movies'], 1)
        self.assertEqual(len(r['not_found']['movies']), 1)
        self.s.json('POST', '/sync/history', body, headers=auth)
        acc = self.s.control('account')
        self.assertEqual(len(acc['history']), 2)
        self.assertEqual(acc['watchlist'], [])

    def test_history_pages_follow_changes(self):
        """History pages are cached between writes: a write or a control call shows at once."""
        auth = self.s.login()
        self.s.control('seed', {'movies': 5, 'history': 300, 'real_shape': True})

        def page():
            s, h, raw = self.s.req('GET', '/sync/history?page=1&limit=250', headers=auth)
            self.assertEqual(s, 200)
            self.assertEqual(raw, json.dumps(json.loads(raw)).encode())  # byte for byte as json.dumps writes it
            return h['X-Pagination-Item-Count'], json.loads(raw)

        count, before = page()
        self.assertEqual((count, len(before)), ('300', 250))
        self.assertEqual(page()[1], before)
        s, _, _ = self.s.json('POST', '/sync/history', {'movies': [{'ids': {'trakt': 28}}]}, headers=auth)
        self.assertEqual(s, 201)
        count, after = page()
        self.assertEqual((count, after[0]['movie']['ids']['trakt'], after[1:]), ('301', 28, before[:249]))
        self.s.control('history/remove', {'ids': [after[0]['id']]})
        self.assertEqual(page(), ('300', before))

    def test_ratings_and_collection_validation(self):
        auth = self.s.login()
        s, _, r = self.s.json('POST', '/sync/ratings', {'movies': [{'ids': {'trakt': 28}, 'rating': 11},
                                                                   {'ids': {'trakt': 1}, 'rating': 8}]}, headers=auth)
        self.assertEqual(s, 201)
        self.assertEqual(r['added']['movies'], 1)
        self.assertEqual(len(r['not_found']['movies']), 1)
        s, _, _ = self.s.json('POST', '/sync/collection', {'movies': [{'ids': {'trakt': 1}, 'resolution': '4k'}]}, headers=auth)
        self.assertEqual(s, 422)
        s, _, r = self.s.json('POST', '/sync/collection', {'movies': [{'ids': {'trakt': 1}, 'resolution': 'uhd_4k',
                                                                       'audio_channels': '7.1'}]}, headers=auth)
        self.assertEqual((s, r['added']['movies']), (201, 1))
        _, _, col = self.s.json('GET', '/sync/collection/movies?extended=metadata', headers=auth)
        self.assertEqual(col[0]['metadata']['resolution'], 'uhd_4k')

    def test_last_activities_change(self):
        auth = self.s.login()
        _, _, a1 = self.s.json('GET', '/sync/last_activities', headers=auth)
        time.sleep(0.01)
        self.s.control('ratings/set', {'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}, 'rating': 9}]})
        _, _, a2 = self.s.json('GET', '/sync/last_activities', headers=auth)
        self.assertNotEqual(a1['movies']['rated_at'], a2['movies']['rated_at'])
        self.assertEqual(a1['episodes']['watched_at'], a2['episodes']['watched_at'])

    def test_stats_follow_the_account(self):
        auth = self.s.login()
        self.s.control('seed', {'movies': 5, 'shows': 2, 'episodes_per_show': 3, 'history': 20, 'ratings': 4, 'watchlist': 3})
        _, _, st = self.s.json('GET', '/users/me/stats', headers=auth)
        self.assertEqual(st['movies']['watched'], 5)
        self.assertEqual(st['episodes']['watched'], 6)
        self.assertEqual(st['ratings']['total'], 4)
        _, h, _ = self.s.json('GET', '/sync/watchlist?page=1&limit=1', headers=auth)
        self.assertEqual(h['X-Pagination-Item-Count'], '3')


class ScrobbleTests(Base):
    def test_2026_rules(self):
        auth = self.s.login()
        movie = {'movie': {'ids': {'trakt': 28}}}
        self.assertEqual(self.s.req('POST', '/scrobble/pause', dict(movie, progress=85), headers=auth)[0], 422)
        self.assertEqual(self.s.req('POST', '/scrobble/stop', dict(movie, progress=0.5), headers=auth)[0], 422)
        s, _, r = self.s.json('POST', '/scrobble/stop', dict(movie, progress=50), headers=auth)
        self.assertEqual((s, r['action']), (201, 'pause'))
        self.assertEqual(len(self.s.control('account')['playback']), 1)
        s, _, r = self.s.json('POST', '/scrobble/stop', dict(movie, progress=95), headers=auth)
        self.assertEqual((s, r['action']), (201, 'scrobble'))
        self.assertGreater(r['id'], 0)
        self.assertEqual(self.s.req('POST', '/scrobble/stop', dict(movie, progress=95), headers=auth)[0], 409)
        self.assertEqual(self.s.req('POST', '/scrobble/start', dict(movie, progress=1, app_version=None), headers=auth)[0], 400)
        ep = {'show': {'ids': {'tvdb': 81189}}, 'episode': {'season': 1, 'number': 2}, 'progress': 10}
        s, _, r = self.s.json('POST', '/scrobble/start', ep, headers=auth)
        self.assertEqual((s, r['action'], r['episode']['number']), (201, 'start', 2))
        acc = self.s.control('account')
        self.assertEqual(len(acc['history']), 1)
        self.assertEqual(acc['history'][0]['action'], 'scrobble')


class RateLimitTests(Base):
    def test_429_retry_after_and_lockout(self):
        auth = self.s.login()
        self.s.control('config', {'rate_limit': True, 'get_budget': 3, 'get_period': 60, 'lockout': 2})
        for _ in range(3):
            self.assertEqual(self.s.req('GET', '/sync/last_activities', headers=auth)[0], 200)
        s, h, _ = self.s.req('GET', '/sync/last_activities', headers=auth)
        self.assertEqual(s, 429)
        self.assertEqual(h['Retry-After'], '2')
        self.assertIn('AUTHED_API_GET_LIMIT', h['X-Ratelimit'])
        # 2026: everything is blocked, writes included.
        self.assertEqual(self.s.req('POST', '/sync/history', {'movies': []}, headers=auth)[0], 429)

    def test_writes_one_per_second(self):
        auth = self.s.login()
        self.s.control('config', {'rate_limit': True})
        self.assertEqual(self.s.req('POST', '/sync/history', {'movies': []}, headers=auth)[0], 201)
        self.assertEqual(self.s.req('POST', '/sync/history', {'movies': []}, headers=auth)[0], 429)
        time.sleep(1.05)
        self.assertEqual(self.s.req('POST', '/sync/history', {'movies': []}, headers=auth)[0], 201)


class FaultTests(Base):
    def test_fault_kinds(self):
        auth = self.s.login()
        self.s.control('fault', {'match': '^/sync/last_activities$', 'status': 503, 'retry_after': 7})
        s, h, _ = self.s.req('GET', '/sync/last_activities', headers=auth)
        self.assertEqual((s, h.get('Retry-After')), (503, '7'))
        self.assertEqual(self.s.req('GET', '/sync/last_activities', headers=auth)[0], 200)  # count 1
        self.s.control('fault', {'match': 'last_activities', 'action': 'garbage'})
        s, _, b = self.s.req('GET', '/sync/last_activities', headers=auth)
        self.assertEqual(s, 200)
        with self.assertRaises(ValueError):
            json.loads(b)
        self.s.control('fault', {'match': 'last_activities', 'action': 'html', 'status': 502})
        s, h, b = self.s.req('GET', '/sync/last_activities', headers=auth)
        self.assertEqual(s, 502)
        self.assertIn('text/html', h['Content-Type'])
        self.s.control('fault', {'match': 'last_activities', 'action': 'huge', 'size': 100000})
        s, _, b = self.s.req('GET', '/sync/last_activities', headers=auth)
        self.assertEqual(len(b), 100000)
        for action in ('reset', 'truncate'):
            self.s.control('fault', {'match': 'last_activities', 'action': action})
            with self.assertRaises(Exception):
                self.s.req('GET', '/sync/last_activities', headers=auth)
        log = self.s.control('requests', None) if False else json.loads(
            urllib.request.urlopen(self.s.url + '/_control/requests').read())
        self.assertGreaterEqual(len(log), 7)
        self.assertEqual(log[-1]['headers']['trakt-api-version'], '2')


class FixtureTests(Base):
    def test_seed_fixtures_and_lists(self):
        r = self.s.control('seed-fixtures', {})
        self.assertGreater(r['files'], 100)
        self.assertGreater(r['movies'], 10)
        self.assertGreater(r['history'], 0)
        self.s.control('lists', {'user': 'sean', 'slug': 'picks', 'items': [{'type': 'movie', 'movie': {'ids': {'trakt': 28}}}]})
        self.s.control('lists', {'user': 'sean', 'slug': 'secret', 'private': True, 'items': []})
        s, h, items = self.s.json('GET', '/users/sean/lists/picks/items')
        self.assertEqual((s, len(items), h['X-Pagination-Item-Count']), (200, 1, '1'))
        s, h, _ = self.s.req('GET', '/users/sean/lists/secret')
        self.assertEqual((s, h.get('X-Private-User')), (401, 'true'))
        self.assertEqual(self.s.req('GET', '/users/sean/lists/none')[0], 404)


class ListTests(Base):
    """§7 users/lists: summary, paginated items (§6), 404, private lists."""

    def setUp(self):
        super().setUp()
        self.s.control('seed', {'movies': 300})
        self.items = [{'type': 'movie', 'movie': {'ids': {'trakt': 500000 + i}}} for i in range(300)]

    def test_summary_and_pages(self):
        tid = self.s.control('lists', {'user': 'sean', 'slug': 'big', 'name': 'Big one', 'items': self.items})['trakt']
        s, _, l = self.s.json('GET', '/users/sean/lists/big')
        self.assertEqual(s, 200)
        self.assertEqual((l['name'], l['privacy'], l['item_count'], l['ids'], l['user']['ids']['slug']),
                         ('Big one', 'public', 300, {'trakt': tid, 'slug': 'big'}, 'sean'))
        # the numeric id and a differently cased user name find it too
        self.assertEqual(self.s.json('GET', f'/users/Sean/lists/{tid}')[2]['ids']['slug'], 'big')
        seen = []
        for page in (1, 2):
            s, h, items = self.s.json('GET', f'/users/sean/lists/big/items?page={page}&limit=250')
            self.assertEqual(s, 200)
            self.assertEqual((h['X-Pagination-Page'], h['X-Pagination-Limit'], h['X-Pagination-Page-Count'],
                              h['X-Pagination-Item-Count']), (str(page), '250', '2', '300'))
            seen += items
        self.assertEqual([i['rank'] for i in seen], list(range(1, 301)))
        self.assertEqual([i['movie']['ids']['trakt'] for i in seen], [500000 + i for i in range(300)])
        self.assertTrue(all(i['type'] == 'movie' and i['listed_at'].endswith('Z') and i['id'] for i in seen))
        # the 2026 default page size is 100, the maximum 250 (§6)
        _, h, items = self.s.json('GET', '/users/sean/lists/big/items')
        self.assertEqual((len(items), h['X-Pagination-Page-Count']), (100, '3'))
        _, h, items = self.s.json('GET', '/users/sean/lists/big/items?page=1&limit=1000')
        self.assertEqual((len(items), h['X-Pagination-Limit']), (250, '250'))

    def test_not_found(self):
        self.s.control('lists', {'user': 'sean', 'slug': 'picks', 'items': []})
        for path in ('/users/sean/lists/none', '/users/sean/lists/none/items', '/users/bob/lists/picks', '/users/sean/lists/99999999'):
            self.assertEqual(self.s.req('GET', path)[0], 404, path)

    def test_private_only_to_its_owner(self):
        auth = self.s.login()  # the OAuth user is kino_tester
        self.s.control('lists', {'user': 'sean', 'slug': 'secret', 'private': True, 'items': self.items[:2]})
        self.s.control('lists', {'user': 'sean', 'slug': 'mates', 'privacy': 'friends', 'items': []})
        self.s.control('lists', {'user': 'sean', 'slug': 'shared', 'privacy': 'link', 'items': self.items[:1]})
        self.s.control('lists', {'user': 'kino_tester', 'slug': 'mine', 'private': True, 'items': self.items[:3]})
        for path in ('/users/sean/lists/secret', '/users/sean/lists/secret/items', '/users/sean/lists/mates'):
            for headers in (None, auth):
                s, h, _ = self.s.req('GET', path, headers=headers)
                self.assertEqual((s, h.get('X-Private-User')), (401, 'true'), path)
        self.assertEqual(self.s.json('GET', '/users/sean/lists/shared')[2]['privacy'], 'link')
        # the owner sees their own private list, also as "me"; nobody else does
        self.assertEqual(self.s.req('GET', '/users/kino_tester/lists/mine')[0], 401)
        s, _, l = self.s.json('GET', '/users/kino_tester/lists/mine', headers=auth)
        self.assertEqual((s, l['privacy']), (200, 'private'))
        s, _, items = self.s.json('GET', '/users/me/lists/mine/items?page=1&limit=250', headers=auth)
        self.assertEqual((s, len(items)), (200, 3))
        self.assertEqual(self.s.req('GET', '/users/me/lists/mine')[0], 401)


class SearchTests(Base):
    """Trakt's search (contracts/search) and an episode by its show and numbers:
    public (an API key, no token), paginated, faults like everything else."""

    def setUp(self):
        super().setUp()
        q = urllib.parse.quote
        self.q = q
        self.s.control('catalogue', {'movies': [
            {'title': 'The Avengers', 'year': 2012, 'ids': {'trakt': 14701, 'imdb': 'tt0848228', 'tmdb': 24428}},
            {'title': 'Avengers: Age of Ultron', 'year': 2015, 'ids': {'trakt': 71938}},
            {'title': 'The Avengers', 'year': 1998, 'ids': {'trakt': 4618}},
            {'title': 'Mission: Impossible', 'year': 1996, 'ids': {'trakt': 954}},
        ] + [{'title': f'Avengers Copy {i}', 'year': 2000 + i % 20, 'ids': {'trakt': 90000 + i}} for i in range(60)]})

    def test_text_search_shape_and_order(self):
        s, h, r = self.s.json('GET', '/search/movie?query=' + self.q('The Avengers'))
        self.assertEqual(s, 200)
        self.assertEqual(sorted(r[0]), ['movie', 'score', 'type'])
        self.assertEqual((r[0]['type'], r[0]['movie']['title']), ('movie', 'The Avengers'))
        self.assertEqual(sorted(r[0]['movie']), ['ids', 'title', 'year'])
        scores = [x['score'] for x in r]
        self.assertEqual(scores, sorted(scores, reverse=True))
        # fuzzy: other titles follow the exact ones
        titles = [x['movie']['title'] for x in self.s.json('GET', '/search/movie?limit=250&query=' + self.q('The Avengers'))[2]]
        self.assertIn('Avengers: Age of Ultron', titles)
        self.assertLess(titles.index('The Avengers'), titles.index('Avengers: Age of Ultron'))
        # 50 per page by default (measured, trakt/trakt-api#925), at most 250
        self.assertEqual((len(r), h['X-Pagination-Limit'], h['X-Pagination-Page-Count']), (50, '50', '2'))
        s, h, r = self.s.json('GET', '/search/movie?query=avengers&limit=1000')
        self.assertEqual((len(r), h['X-Pagination-Limit']), (int(h['X-Pagination-Item-Count']), '250'))
        s, h, r = self.s.json('GET', '/search/movie?query=avengers&page=2&limit=10')
        self.assertEqual((len(r), h['X-Pagination-Page']), (10, '2'))

    def test_years_types_and_syntax(self):
        _, _, r = self.s.json('GET', '/search/movie?query=' + self.q('The Avengers') + '&years=1998')
        self.assertEqual([(x['movie']['title'], x['movie']['year']) for x in r], [('The Avengers', 1998)])
        _, _, r = self.s.json('GET', '/search/movie?query=' + self.q('The Avengers') + '&years=1997-2012&limit=250')
        self.assertEqual(sorted(x['movie']['year'] for x in r if x['movie']['title'] == 'The Avengers'), [1998, 2012])
        self.assertEqual(self.s.req('GET', '/search/movie?query=x&years=recent')[0], 400)
        # shows, episodes (with their show), several types at once
        _, _, r = self.s.json('GET', '/search/show?query=' + self.q('Breaking Bad'))
        self.assertEqual((r[0]['type'], r[0]['show']['ids']['tvdb'], type(r[0]['score'])), ('show', 81189, int))
        _, _, r = self.s.json('GET', '/search/episode?query=' + self.q('Breaking Bad') + '&limit=3')
        self.assertEqual((r[0]['type'], r[0]['show']['title'], len(r)), ('episode', 'Breaking Bad', 3))
        self.assertIn('season', r[0]['episode'])
        _, _, r = self.s.json('GET', '/search/movie,show?query=' + self.q('Breaking Bad') + '&limit=250')
        self.assertEqual({x['type'] for x in r}, {'show'})
        self.assertEqual(self.s.json('GET', '/search/person?query=Nobody')[2], [])
        self.assertEqual(self.s.req('GET', '/search/planet?query=x')[0], 404)
        self.assertEqual(self.s.json('GET', '/search/movie?query=' + self.q('Nothing Like It'))[2], [])
        # special characters: escaped they are text; a bare ':' makes a field query
        self.assertEqual(self.s.json('GET', '/search/movie?query=' + self.q('Mission: Impossible'))[2], [])
        _, _, r = self.s.json('GET', '/search/movie?query=' + self.q('Mission\\: Impossible'))
        self.assertEqual((r[0]['movie']['title'], r[0]['movie']['year']), ('Mission: Impossible', 1996))

    def test_id_lookup(self):
        s, _, r = self.s.json('GET', '/search/imdb/tt0848228')
        self.assertEqual((s, len(r), r[0]['type'], r[0]['score'], r[0]['movie']['ids']['trakt']), (200, 1, 'movie', None, 14701))
        _, _, r = self.s.json('GET', '/search/tvdb/349232?type=episode')
        self.assertEqual((r[0]['type'], r[0]['episode']['season'], r[0]['episode']['number'], r[0]['show']['title']),
                         ('episode', 1, 1, 'Breaking Bad'))
        self.assertEqual(self.s.json('GET', '/search/tvdb/349232?type=movie')[2], [])
        self.assertEqual(self.s.json('GET', '/search/tmdb/999999999')[2], [])
        self.assertEqual(self.s.req('GET', '/search/trakt/1?type=planet')[0], 400)

    def test_episode_by_show_and_numbers(self):
        s, _, e = self.s.json('GET', '/shows/1388/seasons/1/episodes/2')
        self.assertEqual((s, e['season'], e['number'], e['ids']['trakt']), (200, 1, 2, 73483))
        self.assertNotIn('show', e)
        self.assertEqual(self.s.json('GET', '/shows/breaking-bad/seasons/2/episodes/1')[2]['ids']['tvdb'], 349239)
        self.assertEqual(self.s.req('GET', '/shows/1388/seasons/9/episodes/1')[0], 404)
        self.assertEqual(self.s.req('GET', '/shows/424242/seasons/1/episodes/1')[0], 404)

    def test_public_and_faults(self):
        # no token needed, the API key is
        self.assertEqual(self.s.req('GET', '/search/movie?query=x', headers={'trakt-api-key': 'nope'})[0], 403)
        self.s.control('fault', {'match': '^/search/', 'status': 503, 'count': 2})
        self.assertEqual(self.s.req('GET', '/search/movie?query=avengers')[0], 503)
        self.assertEqual(self.s.req('GET', '/search/imdb/tt0848228')[0], 503)
        self.assertEqual(self.s.req('GET', '/search/movie?query=avengers')[0], 200)
        self.s.control('fault', {'match': '/episodes/', 'action': 'garbage'})
        s, _, b = self.s.req('GET', '/shows/1388/seasons/1/episodes/1')
        with self.assertRaises(ValueError):
            json.loads(b)
        self.s.control('fault', {'match': '^/search/movie$', 'query': 'Avengers', 'status': 500})
        self.assertEqual(self.s.req('GET', '/search/movie?query=Other')[0], 200)
        self.assertEqual(self.s.req('GET', '/search/movie?query=Avengers')[0], 500)
        log = json.loads(urllib.request.urlopen(self.s.url + '/_control/requests').read())
        self.assertEqual(log[-1]['query'], 'query=Avengers')


if __name__ == '__main__':
    argv = [sys.argv[0]] + sys.argv[1:]
    unittest.main(argv=argv, verbosity=1)
