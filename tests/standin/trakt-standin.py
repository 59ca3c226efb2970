#!/usr/bin/python3
"""A stateful stand-in for Trakt's API v2, faithful to its documented
behaviour (docs/trakt-api.md in this tree, cited as §N), for tests, the
demo and benchmarks. Standard library only; loopback only.

    trakt-standin.py [--host 127.0.0.1] [--port 0] [--port-file FILE] [--seed-fixtures] [--quiet]

Trakt's search is served as its 2026 contract has it: GET /search/{type}
?query=&years=&page=&limit= (a list of {type, score, movie | show | episode
+ show}, 50 per page by default as measured in 2026, special characters as
syntax unless escaped), GET /search/{id_type}/{id}?type= (score null), and an
episode by its show and numbers, GET /shows/{id}/seasons/{s}/episodes/{e}.

Besides Trakt's endpoints it serves a control API under /_control/ (see
README.md next to this file) to approve device codes, inject faults, seed
data and read the request log.

One file, longer than 800 lines, for a reason: the tests, the demo, the
benchmarks and the container test start it by path with nothing but the
standard library, and its endpoints share one account state and one fault
table. Its sections: item resolution, pagination, the request handler
(faults, the governor's limits), Trakt's endpoints, search, the control API.
"""
import argparse
import datetime
import json
import os
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'trakt-real')

# §5.6 allowed collection metadata values.
METADATA = {
    'media_type': {'digital', 'bluray', 'hddvd', 'dvd', 'vcd', 'vhs', 'betamax', 'laserdisc'},
    'resolution': {'uhd_4k', 'hd_1080p', 'hd_1080i', 'hd_720p', 'sd_480p', 'sd_480i', 'sd_576p', 'sd_576i'},
    'hdr': {'dolby_vision', 'hdr10', 'hdr10_plus', 'hlg'},
    'audio': {'dolby_digital', 'dolby_digital_plus', 'dolby_digital_plus_atmos', 'dolby_truehd', 'dolby_atmos',
              'dolby_prologic', 'dts', 'dts_ma', 'dts_hr', 'dts_x', 'auro_3d', 'mp3', 'mp2', 'aac', 'lpcm', 'ogg',
              'ogg_opus', 'wma', 'flac'},
    'audio_channels': {'1.0', '2.0', '2.1', '3.0', '3.1', '4.0', '4.1', '5.0', '5.1', '5.1.2', '5.1.4', '6.1', '7.1',
                       '7.1.2', '7.1.4', '9.1', '10.1'},
}

CLOUDFLARE_BLOCK = ('<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>'
                    '<body><h1>Sorry, you have been blocked</h1><p>You are unable to access trakt.tv</p></body></html>')

ACTIVITY_KEYS = {
    'movies': ['watched_at', 'collected_at', 'rated_at', 'watchlisted_at', 'favorited_at', 'commented_at', 'paused_at',
               'hidden_at'],
    'episodes': ['watched_at', 'collected_at', 'rated_at', 'watchlisted_at', 'commented_at', 'paused_at'],
    'shows': ['rated_at', 'watchlisted_at', 'favorited_at', 'commented_at', 'hidden_at', 'dropped_at'],
    'seasons': ['rated_at', 'watchlisted_at', 'commented_at', 'hidden_at'],
    'comments': ['liked_at', 'reacted_at', 'blocked_at'],
    'lists': ['liked_at', 'reacted_at', 'updated_at', 'commented_at'],
    'watchlist': ['updated_at'], 'favorites': ['updated_at'], 'collaborations': ['updated_at'],
    'saved_filters': ['updated_at'], 'notes': ['updated_at'],
    'account': ['settings_at', 'followed_at', 'following_at', 'pending_at', 'requested_at'],
}


def iso(ts):
    """§1 Dates: UTC, milliseconds, Z."""
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return d.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (d.microsecond // 1000)


def parse_iso(s):
    if not isinstance(s, str):
        raise ValueError('not a date')
    m = re.fullmatch(r'(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?)?(Z|[+-]\d\d:\d\d)?', s)
    if not m:
        raise ValueError('bad date ' + s)
    y, mo, d, h, mi, sec, frac, tz = m.groups()
    dt = datetime.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0),
                           int((frac or '0')[:6].ljust(6, '0')), datetime.timezone.utc)
    ts = dt.timestamp()
    if tz and tz != 'Z':
        sign = 1 if tz[0] == '+' else -1
        ts -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
    return ts


class ApiError(Exception):
    def __init__(self, status, body=None, headers=None):
        self.status, self.body, self.headers = status, body, headers or {}


class Catalogue:
    """Movies, shows and episodes Trakt knows, with id lookup (§4.1 matching order)."""

    def __init__(self):
        self.movies = {}   # trakt id -> movie dict
        self.shows = {}    # trakt id -> show dict (with 'episodes': {(s, n): episode})
        self.episodes = {}  # episode trakt id -> (show id, (s, n))
        self.next_id = 1000000

    def new_id(self):
        self.next_id += 1
        return self.next_id

    def add_movie(self, title, year, ids, runtime=120):
        tid = ids.get('trakt') or self.new_id()
        m = self.movies.get(tid)
        if m is None:
            m = {'title': title, 'year': year, 'runtime': runtime,
                 'ids': {'trakt': tid, 'slug': ids.get('slug') or f'movie-{tid}', 'imdb': ids.get('imdb'),
                         'tmdb': ids.get('tmdb')}}
            self.movies[tid] = m
        return m

    def add_show(self, title, year, ids):
        tid = ids.get('trakt') or self.new_id()
        s = self.shows.get(tid)
        if s is None:
            s = {'title': title, 'year': year,
                 'ids': {'trakt': tid, 'slug': ids.get('slug') or f'show-{tid}', 'imdb': ids.get('imdb'),
                         'tmdb': ids.get('tmdb'), 'tvdb': ids.get('tvdb')},
                 'episodes': {}}
            self.shows[tid] = s
        return s

    def add_episode(self, show, season, number, ids=None, title=None):
        ids = ids or {}
        e = show['episodes'].get((season, number))
        if e is None:
            tid = ids.get('trakt') or self.new_id()
            e = {'season': season, 'number': number, 'title': title or f'Episode {number}', 'runtime': 45,
                 'ids': {'trakt': tid, 'tvdb': ids.get('tvdb'), 'imdb': ids.get('imdb'), 'tmdb': ids.get('tmdb')}}
            show['episodes'][(season, number)] = e
            self.episodes[tid] = (show['ids']['trakt'], (season, number))
        return e

    @staticmethod
    def _match(items, ref):
        ids = (ref or {}).get('ids') or {}
        for key in ('trakt', 'imdb', 'tmdb', 'tvdb', 'slug'):
            v = ids.get(key)
            if v in (None, ''):
                continue
            for it in items:
                if it['ids'].get(key) is not None and str(it['ids'].get(key)) == str(v):
                    return it
        title = (ref or {}).get('title')
        if title:
            year = (ref or {}).get('year')
            cands = [it for it in items if it['title'].lower() == str(title).lower()
                     and (year is None or it.get('year') == year)]
            if cands:
                return max(cands, key=lambda it: it.get('year') or 0)  # "most current"
        return None

    def find_movie(self, ref):
        return self._match(self.movies.values(), ref)

    def find_show(self, ref):
        return self._match(self.shows.values(), ref)

    def find_episode(self, ep_ref, show_ref=None):
        """An episode by its own trakt or tvdb id, or by its show plus season/number
        (§4.1). Trakt's 2026 request schema (idsRequestSchema) matches an episode by
        nothing else: imdb and tmdb ids of an episode are ignored, and an id that
        names no episode is not found, whatever else the body says."""
        ids = (ep_ref or {}).get('ids') or {}
        given = False
        for key in ('trakt', 'tvdb'):
            v = ids.get(key)
            if v in (None, ''):
                continue
            given = True
            for show in self.shows.values():
                for e in show['episodes'].values():
                    if e['ids'].get(key) is not None and str(e['ids'][key]) == str(v):
                        return show, e
        if given:
            return None
        if show_ref is not None:
            show = self.find_show(show_ref)
            if show:
                try:
                    key = (int(ep_ref.get('season')), int(ep_ref.get('number')))
                except (TypeError, ValueError):
                    return None
                e = show['episodes'].get(key)
                if e:
                    return show, e
        return None


def movie_json(m):
    return {'title': m['title'], 'year': m['year'], 'ids': dict(m['ids'])}


def show_json(s):
    return {'title': s['title'], 'year': s['year'], 'ids': dict(s['ids'])}


def episode_json(e):
    return {'season': e['season'], 'number': e['number'], 'title': e['title'], 'ids': dict(e['ids'])}


class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.port = 0
        self.apps = {'test-client-id': 'test-client-secret'}
        self.deleted_apps = set()
        self.cfg = {'interval': 5, 'device_expires_in': 600, 'access_ttl': 7 * 86400, 'write_interval': 1.0,
                    'get_budget': 500, 'get_period': 300, 'lockout': None, 'rate_limit': True, 'delay': 0.0,
                    'username': 'kino_tester', 'name': 'Kino Tester', 'dedupe_window': 3600,
                    'paging': 'headers'}
        self.devices = {}      # device_code -> dict
        self.access = {}       # token -> {'refresh': r, 'expires': ts, 'valid': bool}
        self.refresh = {}      # token -> {'valid': bool}
        self.faults = []
        self.requests = []
        self.seq = 0
        # Answers to GETs are cached until anything else is asked (gen counts
        # those requests): a 50,000-play history is sorted once, not per page,
        # and each play is serialised once (see history_text).
        self.gen = 0
        self.sorted_cache = {}
        self.row_text = {}
        self.authed_user = None  # the OAuth user of the request being answered (set under the lock)
        self.rl = {'writes': [], 'gets': [], 'blocked_until': 0.0}
        self.cat = Catalogue()
        self.reset_account()

    def reset_account(self):
        self.history = []        # {'id', 'watched_at', 'action', 'type', 'movie'|('show','episode')}
        self.next_history_id = 1000
        self.ratings = {}        # ('movie', id) -> {'rating', 'rated_at'}
        self.watchlist = []      # {'id', 'rank', 'listed_at', 'type', 'ref'}
        self.next_list_item = 1
        self.collection = {}     # ('movie', id) | ('episode', id) -> {'collected_at', 'metadata'}
        self.playback = {}       # ('movie', id) | ('episode', id) -> {'id', 'progress', 'paused_at'}
        self.next_playback = 1
        self.recommendations = {'movie': [], 'show': []}
        self.lists = {}          # (user, slug) -> {'name', 'ids', 'privacy', 'items': [...]}
        self.last_scrobble = {}  # key -> ts of last stop >= 80
        self.activities = {}
        self.touch('all')

    # -- activities (§5.1) --
    def touch(self, *keys):
        now = time.time()
        for k in keys:
            self.activities[k] = now
        self.activities['all'] = now

    def activities_json(self):
        base = self.activities.get('all', 0)
        out = {'all': iso(base)}
        for group, fields in ACTIVITY_KEYS.items():
            out[group] = {f: iso(self.activities.get(f'{group}.{f}', 0)) for f in fields}
        return out


S = State()


# ---------- item resolution ----------

def resolve_item(kind, obj, show_obj=None):
    """kind in movies/shows/episodes/seasons: returns (type, key, entity) or None."""
    c = S.cat
    if kind == 'movies':
        m = c.find_movie(obj)
        return ('movie', ('movie', m['ids']['trakt']), m) if m else None
    if kind == 'shows':
        s = c.find_show(obj)
        return ('show', ('show', s['ids']['trakt']), s) if s else None
    if kind == 'episodes':
        r = c.find_episode(obj, show_obj)
        if r:
            show, e = r
            return ('episode', ('episode', e['ids']['trakt']), (show, e))
        return None
    return None


def entity_json(key):
    """The Trakt wrapper fields for a stored key."""
    t, tid = key
    if t == 'movie':
        return {'type': 'movie', 'movie': movie_json(S.cat.movies[tid])}
    if t == 'show':
        return {'type': 'show', 'show': show_json(S.cat.shows[tid])}
    show_id, sn = S.cat.episodes[tid]
    show = S.cat.shows[show_id]
    return {'type': 'episode', 'episode': episode_json(show['episodes'][sn]), 'show': show_json(show)}


def expand_sync_body(body):
    """Yield (kind, key, item_json, extra) for a /sync/* body; not-found refs are collected."""
    found, not_found = [], {'movies': [], 'shows': [], 'seasons': [], 'episodes': []}
    if not isinstance(body, dict):
        raise ApiError(400, {'error': 'body must be an object'})
    for m in body.get('movies') or []:
        r = resolve_item('movies', m) if isinstance(m, dict) else None
        if r:
            found.append(('movie', r[1], m))
        else:
            not_found['movies'].append(m)
    for s in body.get('shows') or []:
        r = resolve_item('shows', s) if isinstance(s, dict) else None
        if not r:
            not_found['shows'].append(s)
            continue
        show = r[2]
        seasons = s.get('seasons')
        if seasons is None:
            found.append(('show', r[1], s))
            continue
        for se in seasons:
            eps = se.get('episodes')
            for (sn, en), e in sorted(show['episodes'].items()):
                if sn != se.get('number'):
                    continue
                if eps is None:
                    found.append(('episode', ('episode', e['ids']['trakt']), dict(se)))
                else:
                    for ep in eps:
                        if ep.get('number') == en:
                            item = dict(ep)
                            found.append(('episode', ('episode', e['ids']['trakt']), item))
    for e in body.get('episodes') or []:
        r = resolve_item('episodes', e, e.get('show') if isinstance(e, dict) else None) if isinstance(e, dict) else None
        if r:
            found.append(('episode', r[1], e))
        else:
            not_found['episodes'].append(e)
    for se in body.get('seasons') or []:
        not_found['seasons'].append(se)
    return found, not_found


# ---------- pagination (§6) ----------

def paginate(items, q, default_limit=10, optional=False):
    if optional and 'page' not in q and 'limit' not in q:
        return items, {}
    # Fault injection: a server that ignores paging (everything, no headers),
    # or one that pages without saying how many pages there are.
    if S.cfg['paging'] == 'ignored':
        return items, {}
    try:
        page = max(1, int(q.get('page', ['1'])[0]))
        limit = int(q.get('limit', [str(default_limit)])[0])
    except ValueError:
        raise ApiError(400, {'error': 'page and limit must be numbers'})
    limit = max(1, min(limit, 250))  # §6: larger values are clamped, not rejected
    count = len(items)
    pages = max(1, (count + limit - 1) // limit)
    out = items[(page - 1) * limit: page * limit]
    if S.cfg['paging'] == 'unlabelled':
        return out, {}
    return out, {'X-Pagination-Page': str(page), 'X-Pagination-Limit': str(limit),
                 'X-Pagination-Page-Count': str(pages), 'X-Pagination-Item-Count': str(count)}


# ---------- the handler ----------

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'trakt-standin'
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write('standin: ' + fmt % args + '\n')

    def do_GET(self):
        self.handle_any('GET')

    def do_POST(self):
        self.handle_any('POST')

    def do_PUT(self):
        self.handle_any('PUT')

    def do_DELETE(self):
        self.handle_any('DELETE')

    # -- output --
    def send(self, status, body=b'', ctype='application/json', headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        if body or status not in (204,):
            self.send_header('Content-Type', ctype + ('; charset=utf-8' if 'json' in ctype or 'html' in ctype else ''))
        self.send_header('Content-Length', str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)
        self.last_status = status

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip('/') or '/'
        q = urllib.parse.parse_qs(url.query)
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        self.last_status = 0
        if path.startswith('/_control'):
            try:
                self.control(method, path[len('/_control'):], raw)
            except Exception as e:  # never kill the server
                self.send(500, {'error': repr(e)})
            return
        with S.lock:
            S.seq += 1
            entry = {'seq': S.seq, 'method': method, 'path': path, 'query': url.query,
                     'headers': {k.lower(): v for k, v in self.headers.items()}, 'time': time.time()}
            try:
                entry['body'] = json.loads(raw) if raw else None
            except ValueError:
                entry['body'] = raw.decode(errors='replace')
            S.requests.append(entry)
            delay = S.cfg['delay']
        if delay:
            time.sleep(delay)
        try:
            fault = self.take_fault(method, path, url.query)
            if fault is not None and fault.get('after'):
                # "after": Trakt did the work, then the answer was lost (a crash
                # window between "sent" and "marked sent" on the client side).
                try:
                    self.api(method, path, q, raw, entry)
                except ApiError:
                    pass
            if fault is not None and self.do_fault(fault):
                return
            status, body, headers = self.api(method, path, q, raw, entry)
            self.send(status, body if body is not None else b'', headers=headers)
        except ApiError as e:
            ctype = 'application/json'
            body = e.body
            if isinstance(body, str) and body.lstrip().startswith('<'):
                ctype = 'text/html'
            self.send(e.status, body if body is not None else b'', ctype=ctype, headers=e.headers)
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as e:
            self.send(500, {'error': 'stand-in internal error: ' + repr(e)})
        finally:
            entry['status'] = self.last_status

    # -- faults --
    def apply_fault(self, method, path):
        fault = self.take_fault(method, path)
        return fault is not None and self.do_fault(fault)

    def take_fault(self, method, path, query=''):
        with S.lock:
            fault = None
            for f in S.faults:
                if f.get('method') and f['method'] != method:
                    continue
                if not re.search(f.get('match', '.*'), path):
                    continue
                if f.get('query') and not re.search(f['query'], query):
                    continue
                fault = f
                if f.get('count', 1) > 0:
                    f['count'] = f.get('count', 1) - 1
                    if f['count'] == 0:
                        S.faults.remove(f)
                break
        return fault

    def do_fault(self, fault):
        action = fault.get('action', 'status')
        if fault.get('delay') and action != 'stall':
            time.sleep(fault['delay'])
        headers = dict(fault.get('headers') or {})
        if fault.get('retry_after') is not None:
            headers['Retry-After'] = str(fault['retry_after'])
        if action == 'reset':
            self.last_status = -1
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
            except OSError:
                pass
            self.close_connection = True
            self.connection.close()
            return True
        if action == 'truncate':
            body = b'[{"id": 1, "watched_at": "2014-'
            self.send_response(fault.get('status', 200))
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.last_status = fault.get('status', 200)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if action == 'garbage':
            self.send(fault.get('status', 200), fault.get('body', '{"this is": not json'), headers=headers)
            return True
        if action == 'html':
            self.send(fault.get('status', 403), fault.get('body', CLOUDFLARE_BLOCK), ctype='text/html', headers=headers)
            return True
        if action == 'huge':
            size = int(fault.get('size', 50 * 1024 * 1024))
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(size))
            self.end_headers()
            chunk = b' ' * 65536
            sent = 0
            try:
                self.wfile.write(b'[')
                sent = 1
                while sent < size - 1:
                    n = min(len(chunk), size - 1 - sent)
                    self.wfile.write(chunk[:n])
                    sent += n
                self.wfile.write(b']')
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.last_status = 200
            self.close_connection = True
            return True
        if action == 'stall':
            self.send_response(fault.get('status', 200))
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', '2')
            self.end_headers()
            self.wfile.flush()
            time.sleep(fault.get('delay', 30))
            try:
                self.wfile.write(b'[]')
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.last_status = fault.get('status', 200)
            return True
        body = fault.get('body')
        ctype = fault.get('content_type') or ('text/html' if isinstance(body, str) and body.startswith('<') else 'application/json')
        self.send(int(fault.get('status', 500)), body if body is not None else {'error': 'injected fault'},
                  ctype=ctype, headers=headers)
        return True

    # -- Trakt --
    def api(self, method, path, q, raw, entry):
        h = {k.lower(): v for k, v in self.headers.items()}
        # §1: Cloudflare blocks requests without a User-Agent before the API sees them.
        if not h.get('user-agent'):
            raise ApiError(403, CLOUDFLARE_BLOCK)
        if raw and not h.get('content-type', '').startswith('application/json'):
            raise ApiError(412, {'error': 'Content-Type must be application/json'})
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            raise ApiError(400, {'error': 'body is not JSON'})

        if path.startswith('/oauth/'):
            return self.oauth(method, path, body)
        if path == '/activate':
            return 200, '<html><body>Enter your code</body></html>', {'Content-Type': 'text/html'}

        key = h.get('trakt-api-key')
        if h.get('trakt-api-version') != '2':
            raise ApiError(400, {'error': 'trakt-api-version: 2 is required'})
        with S.lock:
            if key in S.deleted_apps:
                raise ApiError(403, {'error': 'invalid_client', 'error_description': 'The application was deleted.'})
            if key not in S.apps:
                raise ApiError(403, {'error': 'invalid_api_key', 'error_description': 'Invalid API key or unapproved app'})
            authed = self.check_auth(h)
            rl_headers = self.rate_limit(method, authed)
        route = ROUTES_FOR(method, path)
        if route is None:
            raise ApiError(404 if method == 'GET' else 405, {'error': 'not found'})
        fn, params, needs_auth = route
        if needs_auth and not authed:
            raise ApiError(401, {'error': 'invalid_token', 'error_description': 'The access token is missing, invalid or expired.'},
                           {'WWW-Authenticate': 'Bearer realm="trakt", error="invalid_token"'})
        with S.lock:
            # Who is asking, for the routes whose answer depends on it (a private list shows to its owner).
            S.authed_user = S.cfg['username'] if authed else None
            try:
                status, out, headers = fn(q=q, body=body, **params)
            finally:
                if method != 'GET':
                    S.gen += 1  # it may have changed what the GETs answer
        headers = dict(headers or {})
        headers.update(rl_headers)
        return status, out, headers

    def check_auth(self, h):
        auth = h.get('authorization', '')
        if not auth.startswith('Bearer '):
            return False
        tok = S.access.get(auth[7:].strip())
        return bool(tok and tok['valid'] and tok['expires'] > time.time())

    def rate_limit(self, method, authed):
        """§3.1: writes 1/s, GETs budget per period; once tripped, everything is blocked (2026)."""
        now = time.time()
        rl = S.rl
        if not S.cfg['rate_limit']:
            return {}
        write = method != 'GET'
        name = 'AUTHED_API_POST_LIMIT' if write else ('AUTHED_API_GET_LIMIT' if authed else 'UNAUTHED_API_GET_LIMIT')
        if now < rl['blocked_until']:
            ra = max(1, int(rl['blocked_until'] - now + 0.999))
            raise ApiError(429, {'error': 'rate limited'}, {'Retry-After': str(ra), 'X-Ratelimit': json.dumps(
                {'name': name, 'period': 300, 'limit': S.cfg['get_budget'], 'remaining': 0, 'until': iso(rl['blocked_until'])})})
        if write:
            period, limit = S.cfg['write_interval'], 1
            window = [t for t in rl['writes'] if now - t < period]
            rl['writes'] = window
        else:
            period, limit = S.cfg['get_period'], S.cfg['get_budget']
            window = [t for t in rl['gets'] if now - t < period]
            rl['gets'] = window
        if len(window) >= limit:
            until = window[0] + period
            ra = max(1, int(until - now + 0.999))
            lock = S.cfg['lockout']
            if lock is not None:
                rl['blocked_until'] = now + lock
                ra = max(1, int(lock + 0.999))
            raise ApiError(429, {'error': 'rate limited'}, {'Retry-After': str(ra), 'X-Ratelimit': json.dumps(
                {'name': name, 'period': int(period) if period >= 1 else 1, 'limit': limit, 'remaining': 0,
                 'until': iso(now + ra)})})
        window.append(now)
        return {'X-Ratelimit': json.dumps({'name': name, 'period': int(period) if period >= 1 else 1, 'limit': limit,
                                           'remaining': limit - len(window), 'until': iso(now + period)})}

    # -- OAuth (§2) --
    def oauth(self, method, path, body):
        if method != 'POST':
            raise ApiError(405, {'error': 'method not allowed'})
        body = body if isinstance(body, dict) else {}
        with S.lock:
            cid = body.get('client_id')
            if cid in S.deleted_apps or (cid is not None and cid not in S.apps and path != '/oauth/revoke'):
                raise ApiError(401, {'error': 'invalid_client', 'error_description': 'Client authentication failed.'})
            if path == '/oauth/device/code':
                if cid not in S.apps:
                    raise ApiError(401, {'error': 'invalid_client'})
                code = secrets.token_hex(32)
                user_code = secrets.token_hex(4).upper()
                S.devices[code] = {'user_code': user_code, 'created': time.time(), 'expires': time.time() + S.cfg['device_expires_in'],
                                   'state': 'pending', 'last_poll': 0.0, 'interval': S.cfg['interval'], 'client_id': cid}
                return 200, {'device_code': code, 'user_code': user_code,
                             'verification_url': f'http://127.0.0.1:{S.port}/activate',
                             'expires_in': S.cfg['device_expires_in'], 'interval': S.cfg['interval']}, {}
            if path == '/oauth/device/token':
                if S.apps.get(cid) != body.get('client_secret'):
                    raise ApiError(401, {'error': 'invalid_client'})
                d = S.devices.get(body.get('code'))
                if d is None:
                    raise ApiError(404, b'')
                now = time.time()
                if d['state'] == 'used':
                    raise ApiError(409, b'')
                if now > d['expires'] or d['state'] == 'expired':
                    raise ApiError(410, b'')
                if d['state'] == 'denied':
                    raise ApiError(418, b'')
                if d['last_poll'] and now - d['last_poll'] < d['interval'] - 0.2:
                    d['last_poll'] = now
                    raise ApiError(429, b'')
                d['last_poll'] = now
                if d['state'] == 'pending':
                    raise ApiError(400, b'')
                d['state'] = 'used'
                return 200, self.issue_tokens(), {}
            if path == '/oauth/token':
                if S.apps.get(cid) != body.get('client_secret'):
                    raise ApiError(401, {'error': 'invalid_client'})
                if not body.get('redirect_uri'):
                    raise ApiError(400, {'error': 'invalid_request', 'error_description': 'redirect_uri is required'})
                if body.get('grant_type') != 'refresh_token':
                    raise ApiError(400, {'error': 'unsupported_grant_type'})
                rt = S.refresh.get(body.get('refresh_token'))
                if not rt or not rt['valid']:
                    raise ApiError(400, {'error': 'invalid_grant', 'error_description':
                                         'The provided authorization grant is invalid, expired, revoked, does not match '
                                         'the redirection URI used in the authorization request, or was issued to another client.'})
                # §2.4: refresh tokens are single-use and rotate; the old access token dies too.
                rt['valid'] = False
                for a in S.access.values():
                    if a['refresh'] == body.get('refresh_token'):
                        a['valid'] = False
                return 200, self.issue_tokens(), {}
            if path == '/oauth/revoke':
                tok = S.access.get(body.get('token'))
                if tok:
                    tok['valid'] = False
                    if tok['refresh'] in S.refresh:
                        S.refresh[tok['refresh']]['valid'] = False
                return 200, b'', {}
        raise ApiError(404, {'error': 'not found'})

    @staticmethod
    def issue_tokens():
        now = int(time.time())
        a, r = secrets.token_hex(32), secrets.token_hex(32)
        S.access[a] = {'refresh': r, 'expires': now + S.cfg['access_ttl'], 'valid': True}
        S.refresh[r] = {'valid': True}
        return {'access_token': a, 'token_type': 'bearer', 'expires_in': S.cfg['access_ttl'], 'refresh_token': r,
                'scope': 'public', 'created_at': now}

    # -- control API --
    def control(self, method, path, raw):
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self.send(400, {'error': 'control bodies are JSON'})
        fn = CONTROL.get((method, path.rstrip('/')))
        if fn is None:
            return self.send(404, {'error': 'unknown control endpoint ' + path})
        with S.lock:
            try:
                out = fn(body or {})
            finally:
                if method != 'GET':
                    S.gen += 1
        self.send(200, out if out is not None else {'ok': True})


# ---------- Trakt endpoints ----------

def media_wrapper(key):
    return entity_json(key)


def sorted_history(q, type_filter=None, item_id=None):
    key = (S.gen, type_filter, item_id, tuple(q.get('start_at', ())), tuple(q.get('end_at', ())))
    items = S.sorted_cache.get(key)
    if items is None:
        if S.sorted_cache and next(iter(S.sorted_cache))[0] != S.gen:
            S.sorted_cache.clear()
        items = S.sorted_cache[key] = _sorted_history(q, type_filter, item_id)
    return items


def _sorted_history(q, type_filter=None, item_id=None):
    items = S.history
    if type_filter in ('movies', 'episodes'):
        items = [h for h in items if h['key'][0] == type_filter[:-1]]
    elif type_filter == 'shows':
        items = [h for h in items if h['key'][0] == 'episode']
        if item_id:
            items = [h for h in items if str(S.cat.episodes[h['key'][1]][0]) == str(item_id)]
            item_id = None
    if item_id:
        items = [h for h in items if str(h['key'][1]) == str(item_id)]
    if 'start_at' in q:
        start = parse_iso(q['start_at'][0])
        items = [h for h in items if h['watched_at'] >= start]
    if 'end_at' in q:
        end = parse_iso(q['end_at'][0])
        items = [h for h in items if h['watched_at'] <= end]
    return sorted(items, key=lambda h: (h['watched_at'], h['id']), reverse=True)


def history_json(h):
    out = {'id': h['id'], 'watched_at': iso(h['watched_at']), 'action': h['action']}
    out.update(media_wrapper(h['key']))
    return out


def history_text(h):
    """history_json(h) as json.dumps writes it, made once per play: neither a
    play nor the catalogue entries it names are ever changed in place. The
    cache holds the play itself, so its id() is not reused while cached."""
    hit = S.row_text.get(id(h))
    if hit is None or hit[0] is not h:
        hit = S.row_text[id(h)] = (h, json.dumps(history_json(h)).encode())
    return hit[1]


def get_history(q, body, type_filter=None, item_id=None):
    items, headers = paginate(sorted_history(q, type_filter, item_id), q, default_limit=10)
    # The same bytes as json.dumps(list): '[' + ', '.join(rows) + ']'.
    return 200, b'[' + b', '.join(history_text(h) for h in items) + b']', headers


def add_play(key, watched_at, action='watch'):
    S.next_history_id += 1
    h = {'id': S.next_history_id, 'watched_at': watched_at, 'action': action, 'key': key}
    S.history.append(h)
    # §5.5: watched items leave the watchlist.
    kept = [w for w in S.watchlist if w['key'] != key and not (
        key[0] == 'episode' and w['key'] == ('show', S.cat.episodes[key[1]][0]))]
    S.touch(f'{key[0]}s.watched_at' if key[0] != 'show' else 'episodes.watched_at')
    if len(kept) != len(S.watchlist):
        S.watchlist = kept
        S.touch('watchlist.updated_at')
    return h


def post_history(q, body):
    found, not_found = expand_sync_body(body)
    added = {'movies': 0, 'episodes': 0}
    for t, key, item in found:
        wa = item.get('watched_at') if isinstance(item, dict) else None
        if wa in (None, 'unknown'):
            ts = time.time()
        elif wa == 'released':
            ts = time.time() - 86400
        else:
            try:
                ts = parse_iso(wa)
            except ValueError:
                raise ApiError(400, {'error': 'watched_at is not a date'})
        if t == 'show':
            show = S.cat.shows[key[1]]
            for e in show['episodes'].values():
                add_play(('episode', e['ids']['trakt']), ts)
                added['episodes'] += 1
            continue
        add_play(key, ts)  # §5.2: no de-duplication
        added['movies' if t == 'movie' else 'episodes'] += 1
    return 201, {'added': added, 'updated': {'movies': 0, 'episodes': 0}, 'not_found': not_found}, {}


def post_history_remove(q, body):
    found, not_found = expand_sync_body(body)
    deleted = {'movies': 0, 'episodes': 0}
    ids = (body or {}).get('ids') or []
    nf_ids = []
    for hid in ids:
        before = len(S.history)
        S.history = [h for h in S.history if h['id'] != hid]
        if len(S.history) == before:
            nf_ids.append(hid)
        else:
            deleted['movies']  # counted below per type is not known any more
    keys = {key for _, key, _ in found}
    for h in list(S.history):
        if h['key'] in keys:
            S.history.remove(h)
            deleted['movies' if h['key'][0] == 'movie' else 'episodes'] += 1
    deleted['movies'] += 0
    if ids:
        deleted.setdefault('ids', len(ids) - len(nf_ids))
    not_found['ids'] = nf_ids
    S.touch('movies.watched_at', 'episodes.watched_at')
    return 200, {'deleted': deleted, 'not_found': not_found}, {}


def get_watched(q, body, kind):
    out = []
    if kind == 'movies':
        plays = {}
        for h in S.history:
            if h['key'][0] == 'movie':
                p = plays.setdefault(h['key'], [0, 0])
                p[0] += 1
                p[1] = max(p[1], h['watched_at'])
        for key, (n, last) in plays.items():
            out.append({'plays': n, 'last_watched_at': iso(last), 'last_updated_at': iso(last),
                        'movie': movie_json(S.cat.movies[key[1]])})
    else:
        shows = {}
        for h in S.history:
            if h['key'][0] != 'episode':
                continue
            show_id, (sn, en) = S.cat.episodes[h['key'][1]]
            ep = shows.setdefault(show_id, {}).setdefault((sn, en), [0, 0])
            ep[0] += 1
            ep[1] = max(ep[1], h['watched_at'])
        for show_id, eps in shows.items():
            last = max(v[1] for v in eps.values())
            item = {'plays': sum(v[0] for v in eps.values()), 'last_watched_at': iso(last), 'last_updated_at': iso(last),
                    'reset_at': None, 'show': show_json(S.cat.shows[show_id])}
            if 'noseasons' not in (q.get('extended') or [''])[0]:
                seasons = {}
                for (sn, en), (n, t) in sorted(eps.items()):
                    seasons.setdefault(sn, []).append({'number': en, 'plays': n, 'last_watched_at': iso(t)})
                item['seasons'] = [{'number': sn, 'episodes': e} for sn, e in sorted(seasons.items())]
            out.append(item)
    return 200, out, {}


TYPE_OF = {'movies': 'movie', 'shows': 'show', 'episodes': 'episode', 'seasons': 'season'}


def get_ratings(q, body, kind='all', rating=None):
    items = []
    wanted = {int(x) for x in rating.split(',')} if rating else None
    for key, r in S.ratings.items():
        if kind != 'all' and key[0] != TYPE_OF.get(kind):
            continue
        if wanted and r['rating'] not in wanted:
            continue
        it = {'rated_at': iso(r['rated_at']), 'rating': r['rating']}
        it.update(media_wrapper(key))
        items.append(it)
    items.sort(key=lambda x: x['rated_at'], reverse=True)
    page, headers = paginate(items, q, default_limit=10, optional=True)  # §5.4 pagination optional
    return 200, page, headers


def post_ratings(q, body):
    found, not_found = expand_sync_body(body)
    added = {'movies': 0, 'shows': 0, 'seasons': 0, 'episodes': 0}
    for t, key, item in found:
        r = item.get('rating') if isinstance(item, dict) else None
        if not isinstance(r, int) or not 1 <= r <= 10:
            not_found[t + 's'].append(item)
            continue
        try:
            at = parse_iso(item['rated_at']) if item.get('rated_at') else time.time()
        except ValueError:
            raise ApiError(400, {'error': 'rated_at is not a date'})
        S.ratings[key] = {'rating': r, 'rated_at': at}
        added[t + 's'] += 1
        S.touch(f'{t}s.rated_at')
    return 201, {'added': added, 'not_found': not_found}, {}


def post_ratings_remove(q, body):
    found, not_found = expand_sync_body(body)
    deleted = {'movies': 0, 'shows': 0, 'seasons': 0, 'episodes': 0}
    for t, key, _ in found:
        if S.ratings.pop(key, None):
            deleted[t + 's'] += 1
            S.touch(f'{t}s.rated_at')
    return 200, {'deleted': deleted, 'not_found': not_found}, {}


def list_item_json(w):
    it = {'rank': w['rank'], 'id': w['id'], 'listed_at': iso(w['listed_at']), 'notes': w.get('notes')}
    it.update(media_wrapper(w['key']))
    return it


def get_watchlist(q, body, kind=None, sort=None):
    items = S.watchlist
    if kind:
        types = {TYPE_OF.get(k) for k in kind.split(',')}
        items = [w for w in items if w['key'][0] in types]
    items = sorted(items, key=lambda w: w['rank'])
    page, headers = paginate(items, q, default_limit=10)  # 2026: paginated (§6)
    headers.update({'X-Sort-By': 'rank', 'X-Sort-How': 'asc'})
    return 200, [list_item_json(w) for w in page], headers


def add_watchlist_key(key, notes=None):
    if any(w['key'] == key for w in S.watchlist):
        return False
    S.next_list_item += 1
    S.watchlist.append({'id': S.next_list_item, 'rank': len(S.watchlist) + 1, 'listed_at': time.time(), 'key': key,
                        'notes': notes})
    S.touch(f'{key[0]}s.watchlisted_at', 'watchlist.updated_at')
    return True


def post_watchlist(q, body):
    found, not_found = expand_sync_body(body)
    added = {'movies': 0, 'shows': 0, 'seasons': 0, 'episodes': 0}
    existing = dict(added)
    for t, key, item in found:
        (added if add_watchlist_key(key, item.get('notes') if isinstance(item, dict) else None) else existing)[t + 's'] += 1
    return 201, {'added': added, 'existing': existing, 'not_found': not_found,
                 'list': {'item_count': len(S.watchlist), 'updated_at': iso(time.time())}}, {}


def post_watchlist_remove(q, body):
    found, not_found = expand_sync_body(body)
    deleted = {'movies': 0, 'shows': 0, 'seasons': 0, 'episodes': 0}
    keys = {key for _, key, _ in found}
    for w in list(S.watchlist):
        if w['key'] in keys:
            S.watchlist.remove(w)
            deleted[w['key'][0] + 's'] += 1
    for i, w in enumerate(S.watchlist):
        w['rank'] = i + 1
    S.touch('watchlist.updated_at', 'movies.watchlisted_at')
    return 200, {'deleted': deleted, 'not_found': not_found,
                 'list': {'item_count': len(S.watchlist), 'updated_at': iso(time.time())}}, {}


def get_collection(q, body, kind):
    meta = 'metadata' in (q.get('extended') or [''])[0]
    out = []
    if kind == 'movies':
        for key, c in S.collection.items():
            if key[0] != 'movie':
                continue
            it = {'collected_at': iso(c['collected_at']), 'updated_at': iso(c['collected_at']),
                  'movie': movie_json(S.cat.movies[key[1]])}
            if meta:
                it['metadata'] = c['metadata']
            out.append(it)
    else:
        shows = {}
        for key, c in S.collection.items():
            if key[0] != 'episode':
                continue
            show_id, (sn, en) = S.cat.episodes[key[1]]
            shows.setdefault(show_id, []).append((sn, en, c))
        for show_id, eps in shows.items():
            seasons = {}
            for sn, en, c in sorted(eps, key=lambda x: (x[0], x[1])):
                e = {'number': en, 'collected_at': iso(c['collected_at'])}
                if meta:
                    e['metadata'] = c['metadata']
                seasons.setdefault(sn, []).append(e)
            last = max(c['collected_at'] for _, _, c in eps)
            out.append({'last_collected_at': iso(last), 'last_updated_at': iso(last),
                        'show': show_json(S.cat.shows[show_id]),
                        'seasons': [{'number': sn, 'episodes': e} for sn, e in sorted(seasons.items())]})
    page, headers = paginate(out, q, default_limit=10, optional=True)
    return 200, page, headers


def post_collection(q, body):
    found, not_found = expand_sync_body(body)
    added = {'movies': 0, 'episodes': 0}
    updated = dict(added)
    existing = dict(added)
    for t, key, item in found:
        item = item if isinstance(item, dict) else {}
        metadata = {}
        for k, allowed in METADATA.items():
            v = item.get(k)
            if v is None:
                metadata[k] = None
                continue
            if str(v) not in allowed:
                raise ApiError(422, {'message': f'{k} must be one of {", ".join(sorted(allowed))}'})
            metadata[k] = str(v)
        metadata['3d'] = bool(item.get('3d', False))
        try:
            at = parse_iso(item['collected_at']) if item.get('collected_at') not in (None, 'released') else time.time()
        except ValueError:
            raise ApiError(400, {'error': 'collected_at is not a date'})
        keys = [key]
        if t == 'show':
            keys = [('episode', e['ids']['trakt']) for e in S.cat.shows[key[1]]['episodes'].values()]
        for k in keys:
            bucket = 'movies' if k[0] == 'movie' else 'episodes'
            old = S.collection.get(k)
            S.collection[k] = {'collected_at': at, 'metadata': metadata}
            if old is None:
                added[bucket] += 1
            elif old['metadata'] != metadata or old['collected_at'] != at:
                updated[bucket] += 1
            else:
                existing[bucket] += 1
            S.touch(f'{k[0]}s.collected_at')
    return 201, {'added': added, 'updated': updated, 'existing': existing, 'not_found': not_found}, {}


def post_collection_remove(q, body):
    found, not_found = expand_sync_body(body)
    deleted = {'movies': 0, 'episodes': 0}
    for t, key, _ in found:
        if S.collection.pop(key, None):
            deleted['movies' if t == 'movie' else 'episodes'] += 1
            S.touch(f'{t}s.collected_at')
    return 200, {'deleted': deleted, 'not_found': not_found}, {}


def get_playback(q, body, kind=None):
    items = []
    for key, p in S.playback.items():
        if kind and key[0] != TYPE_OF.get(kind):
            continue
        it = {'progress': p['progress'], 'paused_at': iso(p['paused_at']), 'id': p['id']}
        it.update(media_wrapper(key))
        items.append(it)
    items.sort(key=lambda x: x['paused_at'], reverse=True)
    page, headers = paginate(items, q, default_limit=10, optional=True)
    return 200, page, headers


def delete_playback(q, body, pid):
    for key, p in list(S.playback.items()):
        if str(p['id']) == pid:
            del S.playback[key]
            S.touch(f'{key[0]}s.paused_at')
            return 204, None, {}
    raise ApiError(404, {'error': 'playback not found'})


def get_last_activities(q, body):
    return 200, S.activities_json(), {}


def get_settings(q, body):
    u = S.cfg['username']
    return 200, {
        'user': {'username': u, 'private': False, 'name': S.cfg['name'], 'vip': False, 'vip_ep': False,
                 'ids': {'slug': u, 'uuid': '00000000-0000-4000-8000-000000000000', 'trakt': 42},
                 'joined_at': '2020-01-01T00:00:00.000Z', 'location': '', 'about': '', 'gender': None, 'age': None,
                 'images': {'avatar': {'full': ''}}},
        'account': {'timezone': 'UTC', 'date_format': 'dmy', 'time_24hr': True, 'cover_image': None},
        'connections': {}, 'sharing_text': {'watching': '', 'watched': '', 'rated': ''},
        'permissions': {'commenting': True, 'liking': True, 'following': True},
        'limits': {'list': {'count': 5, 'item_count': 250}, 'watchlist': {'item_count': 250}},
    }, {}


def get_stats(q, body, user):
    if user not in ('me', S.cfg['username']):
        raise ApiError(404, {'error': 'user not found'})
    movies = {h['key'] for h in S.history if h['key'][0] == 'movie'}
    eps = {h['key'] for h in S.history if h['key'][0] == 'episode'}
    dist = {str(i): 0 for i in range(1, 11)}
    for r in S.ratings.values():
        dist[str(r['rating'])] += 1
    def rated(t):
        return sum(1 for k in S.ratings if k[0] == t)
    return 200, {
        'movies': {'plays': sum(1 for h in S.history if h['key'][0] == 'movie'), 'watched': len(movies), 'minutes': 0,
                   'collected': sum(1 for k in S.collection if k[0] == 'movie'), 'ratings': rated('movie'), 'comments': 0},
        'shows': {'watched': len({S.cat.episodes[k[1]][0] for k in eps}), 'collected': 0, 'ratings': rated('show'), 'comments': 0},
        'seasons': {'ratings': rated('season'), 'comments': 0},
        'episodes': {'plays': sum(1 for h in S.history if h['key'][0] == 'episode'), 'watched': len(eps), 'minutes': 0,
                     'collected': sum(1 for k in S.collection if k[0] == 'episode'), 'ratings': rated('episode'), 'comments': 0},
        'network': {'friends': 0, 'followers': 0, 'following': 0},
        'ratings': {'total': len(S.ratings), 'distribution': dist},
    }, {}


def get_recommendations(q, body, kind):
    t = 'movie' if kind == 'movies' else 'show'
    try:
        limit = min(100, max(1, int(q.get('limit', ['10'])[0])))
    except ValueError:
        raise ApiError(400, {'error': 'limit must be a number'})
    items = S.recommendations[t]
    if (q.get('ignore_collected') or ['false'])[0] == 'true':
        items = [k for k in items if k not in S.collection]
    if (q.get('ignore_watchlisted') or ['false'])[0] == 'true':
        wl = {w['key'] for w in S.watchlist}
        items = [k for k in items if k not in wl]
    out = [movie_json(S.cat.movies[k[1]]) if t == 'movie' else show_json(S.cat.shows[k[1]]) for k in items[:limit]]
    return 200, out, {'X-Pagination-Page': '1', 'X-Pagination-Limit': str(limit)}


def list_owner(user):
    """§7: `me` names the OAuth user; user slugs are case-insensitive."""
    if user == 'me':
        if S.authed_user is None:
            raise ApiError(401, {'error': 'invalid_token', 'error_description': 'OAuth is required for me.'})
        return S.authed_user.lower()
    return user.lower()


def find_list(user, list_id):
    """§7: list_id is the slug or the numeric Trakt id."""
    owner = list_owner(user)
    for (u, slug), lst in S.lists.items():
        if u.lower() == owner and (slug == list_id or str(lst['ids']['trakt']) == list_id):
            return u, lst
    raise ApiError(404, {'error': 'list not found'})


def check_list_access(owner, lst):
    """Public and link-shared lists show to everyone; private (and friends-only:
    no friendships here) lists only to their owner. Anyone else gets what Trakt
    answers for a private user's data: 401 with X-Private-User: true (§3.2, §7)."""
    if lst['privacy'] in ('public', 'link'):
        return
    if S.authed_user is not None and S.authed_user.lower() == owner.lower():
        return
    raise ApiError(401, {'error': 'private'}, {'X-Private-User': 'true'})


def get_list(q, body, user, list_id):
    owner, lst = find_list(user, list_id)
    check_list_access(owner, lst)
    return 200, {'name': lst['name'], 'description': '', 'privacy': lst['privacy'], 'type': 'personal',
                 'display_numbers': True, 'allow_comments': True, 'sort_by': 'rank', 'sort_how': 'asc',
                 'created_at': iso(lst['updated_at']), 'updated_at': iso(lst['updated_at']),
                 'item_count': len(lst['items']), 'comment_count': 0, 'likes': 0, 'ids': dict(lst['ids']),
                 'user': {'username': owner, 'private': False, 'name': owner, 'vip': False, 'vip_ep': False,
                          'ids': {'slug': owner.lower()}}}, {}


def get_list_items(q, body, user, list_id, kind=None):
    owner, lst = find_list(user, list_id)
    check_list_access(owner, lst)
    items = lst['items']
    if kind:
        types = set(kind.split(','))
        items = [w for w in items if w['key'][0] in types]
    page, headers = paginate(items, q, default_limit=100)
    return 200, [list_item_json(w) for w in page], headers


def scrobble(q, body, action):
    """§4: 2026 rules. start removes the resume point; pause ≥80 or <1 → 422; stop <1 → 422;
    stop 1–80 is a pause; stop above 80 scrobbles (409 within the window)."""
    if not isinstance(body, dict):
        raise ApiError(400, {'error': 'body required'})
    for k in ('app_version', 'app_date'):
        if k in body and body[k] is None:
            raise ApiError(400, {'error': f'{k} must not be null'})
    progress = body.get('progress')
    if not isinstance(progress, (int, float)) or not 0 <= progress <= 100:
        raise ApiError(400 if progress is None else 422, {'message': 'progress is required (0-100)'})
    if isinstance(body.get('movie'), dict):
        r = resolve_item('movies', body['movie'])
    elif isinstance(body.get('episode'), dict):
        r = resolve_item('episodes', body['episode'], body.get('show'))
    else:
        raise ApiError(400, {'error': 'movie or episode required'})
    if not r:
        raise ApiError(404, {'error': 'item not found'})
    key = r[1]
    now = time.time()
    wrapper = media_wrapper(key)
    wrapper.pop('type', None)
    base = {'progress': progress, 'sharing': {'twitter': False, 'mastodon': False, 'tumblr': False}}
    if action == 'start':
        S.playback.pop(key, None)
        S.touch(f'{key[0]}s.paused_at')
        return 201, dict(base, id=0, action='start', **wrapper), {}
    if action == 'pause':
        if progress < 1:
            raise ApiError(422, {'message': f'Progress is {progress}%. It must be at least 1%.'})
        if progress >= 80:
            raise ApiError(422, {'message': f'Progress is {progress}%. Use stop to scrobble.'})
        save_playback(key, progress, now)
        return 201, dict(base, id=0, action='pause', **wrapper), {}
    # stop
    if progress < 1:
        raise ApiError(422, {'message': 'Progress is below 1%; the scrobble was ignored.'})
    if progress <= 80:  # "above 80%" scrobbles (§4.2): 80.0 itself is kept as a pause
        save_playback(key, progress, now)
        return 201, dict(base, id=0, action='pause', **wrapper), {}
    last = S.last_scrobble.get(key)
    if last and now - last < S.cfg['dedupe_window']:
        raise ApiError(409, {'watched_at': iso(last), 'expires_at': iso(last + S.cfg['dedupe_window'])})
    S.last_scrobble[key] = now
    S.playback.pop(key, None)
    h = add_play(key, now, action='scrobble')
    return 201, dict(base, id=h['id'], action='scrobble', **wrapper), {}


def save_playback(key, progress, at):
    p = S.playback.get(key)
    if p is None:
        S.next_playback += 1
        p = S.playback[key] = {'id': S.next_playback}
    p.update(progress=float(progress), paused_at=at)
    S.touch(f'{key[0]}s.paused_at')


# ---------- search (trakt/trakt-api contracts/search; docs/trakt-api.md §8.1) ----------

# Characters Trakt's search engine reads as syntax unless preceded by a backslash.
SEARCH_SPECIAL = set('+-&|!(){}[]^"~*?:/')
SEARCH_TYPES = ('movie', 'show', 'episode', 'person', 'list')


def search_words(text):
    return re.findall(r'[0-9a-z]+', re.sub(r"['’.]", '', (text or '').lower()))


def parse_search_query(raw):
    """The words of a query. A backslash makes the next character literal; an
    unescaped ':' or '/' turns the query into a field or regular-expression
    query, which finds none of our titles (None); other unescaped operators
    are not words."""
    out, i, plain = [], 0, True
    while i < len(raw):
        ch = raw[i]
        if ch == '\\' and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
            continue
        if ch in SEARCH_SPECIAL:
            if ch in ':/':
                plain = False
            out.append(' ')
        else:
            out.append(ch)
        i += 1
    return search_words(''.join(out)) if plain else None


def search_score(words, title):
    """A relevance in the spirit of Trakt's: the exact title far ahead, then
    titles sharing words (as prefixes: 'primer' finds 'Primeval' too)."""
    tw = search_words(title)
    if not words or not tw:
        return 0.0
    if tw == words:
        return 1000.0 + len(words)
    hits = sum(1 for w in words if any(t.startswith(w[:5]) for t in tw))
    return round(50.0 * hits / max(len(tw), len(words)), 4) if hits else 0.0


def parse_years(q):
    v = (q.get('years') or [''])[0]
    if not v:
        return None
    m = re.fullmatch(r'(\d{4})(?:-(\d{4}))?', v)
    if not m:
        raise ApiError(400, {'error': 'years is a 4 digit year or a range like 2016-2018'})
    lo = int(m.group(1))
    return lo, int(m.group(2) or lo)


def search_text(q, body, types):
    wanted = types.split(',')
    if any(t not in SEARCH_TYPES for t in wanted):
        raise ApiError(404, {'error': 'not found'})
    words = parse_search_query((q.get('query') or [''])[0])
    years = parse_years(q)
    found = []
    if words:
        def year_ok(y):
            return years is None or (y is not None and years[0] <= y <= years[1])
        if 'movie' in wanted:
            for m in S.cat.movies.values():
                sc = search_score(words, m['title'])
                if sc and year_ok(m.get('year')):
                    found.append((sc, {'type': 'movie', 'score': sc, 'movie': movie_json(m)}))
        if 'show' in wanted:
            for sh in S.cat.shows.values():
                sc = search_score(words, sh['title'])
                if sc and year_ok(sh.get('year')):
                    found.append((int(sc), {'type': 'show', 'score': int(sc), 'show': show_json(sh)}))
        if 'episode' in wanted:
            for sh in S.cat.shows.values():
                for e in sh['episodes'].values():
                    sc = max(search_score(words, e['title']), search_score(words, sh['title']))
                    if sc and year_ok(sh.get('year')):
                        found.append((sc, {'type': 'episode', 'score': sc, 'episode': episode_json(e),
                                           'show': show_json(sh)}))
    found.sort(key=lambda x: -x[0])  # stable: equal scores keep catalogue order
    # Measured in 2026 (trakt/trakt-api#924, #925): 50 per page by default on search, at most 250.
    items, headers = paginate([r for _, r in found], q, default_limit=50)
    return 200, items, headers


def search_id(q, body, id_type, id):
    """GET /search/{id_type}/{id}: every item with that id; score is null. The
    type filter narrows the results, except for imdb ids (their form says the type)."""
    want = (q.get('type') or [''])[0]
    if want and want not in ('movie', 'show', 'episode', 'person'):
        raise ApiError(400, {'error': 'type is movie, show, episode or person'})
    if id_type == 'imdb':
        want = ''
    out = []

    def same(ids):
        return ids.get(id_type) is not None and str(ids.get(id_type)) == str(id)
    if want in ('', 'movie'):
        out += [{'type': 'movie', 'score': None, 'movie': movie_json(m)} for m in S.cat.movies.values() if same(m['ids'])]
    if want in ('', 'show'):
        out += [{'type': 'show', 'score': None, 'show': show_json(sh)} for sh in S.cat.shows.values() if same(sh['ids'])]
    if want in ('', 'episode'):
        for sh in S.cat.shows.values():
            out += [{'type': 'episode', 'score': None, 'episode': episode_json(e), 'show': show_json(sh)}
                    for e in sh['episodes'].values() if same(e['ids'])]
    return 200, out, {}


def find_show_by_id(id):
    """A show by the {id} of /shows/{id}: its trakt id, slug or imdb id."""
    for sh in S.cat.shows.values():
        if str(sh['ids']['trakt']) == id or sh['ids'].get('slug') == id or sh['ids'].get('imdb') == id:
            return sh
    return None


def get_episode(q, body, id, season, episode):
    sh = find_show_by_id(id)
    e = sh and sh['episodes'].get((int(season), int(episode)))
    if not e:
        raise ApiError(404, b'')
    return 200, dict(episode_json(e), runtime=e.get('runtime')), {}


ROUTES = [
    ('GET', r'/sync/last_activities', get_last_activities, True),
    ('GET', r'/sync/history', get_history, True),
    ('GET', r'/sync/history/(?P<type_filter>movies|shows|seasons|episodes)', get_history, True),
    ('GET', r'/sync/history/(?P<type_filter>movies|shows|seasons|episodes)/(?P<item_id>\d+)', get_history, True),
    ('POST', r'/sync/history', post_history, True),
    ('POST', r'/sync/history/remove', post_history_remove, True),
    ('GET', r'/sync/watched/(?P<kind>movies|shows)', get_watched, True),
    ('GET', r'/sync/ratings', get_ratings, True),
    ('GET', r'/sync/ratings/(?P<kind>movies|shows|seasons|episodes|all)', get_ratings, True),
    ('GET', r'/sync/ratings/(?P<kind>movies|shows|seasons|episodes|all)/(?P<rating>[0-9,]+)', get_ratings, True),
    ('POST', r'/sync/ratings', post_ratings, True),
    ('POST', r'/sync/ratings/remove', post_ratings_remove, True),
    ('GET', r'/sync/watchlist', get_watchlist, True),
    ('GET', r'/sync/watchlist/(?P<kind>[a-z,]+)', get_watchlist, True),
    ('GET', r'/sync/watchlist/(?P<kind>[a-z,]+)/(?P<sort>rank|added|released|title)(?:/(?:asc|desc))?', get_watchlist, True),
    ('POST', r'/sync/watchlist', post_watchlist, True),
    ('POST', r'/sync/watchlist/remove', post_watchlist_remove, True),
    ('GET', r'/sync/collection/(?P<kind>movies|shows)', get_collection, True),
    ('POST', r'/sync/collection', post_collection, True),
    ('POST', r'/sync/collection/remove', post_collection_remove, True),
    ('GET', r'/sync/playback', get_playback, True),
    ('GET', r'/sync/playback/(?P<kind>movies|episodes)', get_playback, True),
    ('DELETE', r'/sync/playback/(?P<pid>\d+)', delete_playback, True),
    ('GET', r'/users/settings', get_settings, True),
    ('GET', r'/users/(?P<user>[^/]+)/stats', get_stats, False),
    ('GET', r'/users/(?P<user>[^/]+)/lists/(?P<list_id>[^/]+)', get_list, False),
    ('GET', r'/users/(?P<user>[^/]+)/lists/(?P<list_id>[^/]+)/items', get_list_items, False),
    ('GET', r'/users/(?P<user>[^/]+)/lists/(?P<list_id>[^/]+)/items/(?P<kind>[a-z,]+)', get_list_items, False),
    ('GET', r'/recommendations/(?P<kind>movies|shows)', get_recommendations, True),
    ('POST', r'/scrobble/(?P<action>start|pause|stop)', scrobble, True),
    ('GET', r'/search/(?P<id_type>trakt|imdb|tmdb|tvdb)/(?P<id>[^/]+)', search_id, False),
    ('GET', r'/search/(?P<types>[a-z,]+)', search_text, False),
    ('GET', r'/shows/(?P<id>[^/]+)/seasons/(?P<season>\d+)/episodes/(?P<episode>\d+)', get_episode, False),
]
_COMPILED = [(m, re.compile(p + '$'), fn, auth) for m, p, fn, auth in ROUTES]


def ROUTES_FOR(method, path):
    for m, rx, fn, auth in _COMPILED:
        if m == method:
            mt = rx.match(path)
            if mt:
                return fn, {k: v for k, v in mt.groupdict().items() if v is not None}, auth
    return None


# ---------- control API ----------

def c_health(b):
    return {'ok': True, 'port': S.port}


def c_requests(b):
    return S.requests


def c_requests_clear(b):
    S.requests = []


def pick_device(b, state='pending'):
    code = b.get('user_code')
    cands = [d for d in S.devices.values() if (code is None or d['user_code'] == code) and d['state'] == state]
    if not cands:
        raise KeyError('no pending device code')
    return max(cands, key=lambda d: d['created'])


def c_device(action):
    def fn(b):
        d = pick_device(b)
        d['state'] = {'approve': 'approved', 'deny': 'denied', 'expire': 'expired'}[action]
        return {'user_code': d['user_code'], 'state': d['state']}
    return fn


def c_devices(b):
    return [{'user_code': d['user_code'], 'state': d['state'], 'interval': d['interval']} for d in S.devices.values()]


def c_config(b):
    for k, v in b.items():
        if k not in S.cfg:
            raise KeyError('unknown config key ' + k)
        S.cfg[k] = v
    if 'rate_limit' in b or 'get_budget' in b or 'write_interval' in b:
        S.rl = {'writes': [], 'gets': [], 'blocked_until': 0.0}
    return dict(S.cfg)


def c_tokens(b):
    return {'access': [{'token': t, 'valid': a['valid'], 'expires': a['expires']} for t, a in S.access.items()],
            'refresh': [{'token': t, 'valid': r['valid']} for t, r in S.refresh.items()]}


def c_tokens_expire(b):
    for a in S.access.values():
        a['expires'] = time.time() - 1


def c_tokens_invalidate_refresh(b):
    for r in S.refresh.values():
        r['valid'] = False


def c_apps(b):
    S.apps[b['client_id']] = b['client_secret']
    S.deleted_apps.discard(b['client_id'])


def c_apps_delete(b):
    S.apps.pop(b['client_id'], None)
    S.deleted_apps.add(b['client_id'])


def c_fault(b):
    """One injected fault: match (regex on the path), query (regex on the
    query string, e.g. "page=2"), method, count (-1 = until cleared), action status|reset|truncate|garbage|html|huge|stall,
    status, body, content_type, headers, retry_after, delay; after=true
    runs the real handler first (Trakt did the work) and then answers with
    the fault, as when an answer is lost on the way back."""
    f = dict(b)
    f.setdefault('count', 1)
    S.faults.append(f)
    return {'faults': len(S.faults)}


def c_faults_clear(b):
    S.faults = []


def c_account(b):
    return {
        'history': [dict(history_json(h), key=list(h['key'])) for h in sorted(S.history, key=lambda h: h['id'])],
        'ratings': [dict(media_wrapper(k), rating=r['rating'], rated_at=iso(r['rated_at'])) for k, r in S.ratings.items()],
        'watchlist': [list_item_json(w) for w in S.watchlist],
        'collection': [dict(media_wrapper(k), collected_at=iso(c['collected_at']), metadata=c['metadata'])
                       for k, c in S.collection.items()],
        'playback': [dict(media_wrapper(k), id=p['id'], progress=p['progress'], paused_at=iso(p['paused_at']))
                     for k, p in S.playback.items()],
        'lists': [{'user': u, 'slug': s, 'name': l['name'], 'items': len(l['items'])} for (u, s), l in S.lists.items()],
        'last_activities': S.activities_json(),
        'rate_limit_blocked_until': S.rl['blocked_until'],
    }


def c_account_reset(b):
    S.reset_account()


def ref_to_key(ref):
    t = ref.get('type') or ('episode' if 'episode' in ref else 'show' if 'show' in ref and 'movie' not in ref else 'movie')
    if t == 'movie':
        r = resolve_item('movies', ref.get('movie', ref))
    elif t == 'show':
        r = resolve_item('shows', ref.get('show', ref))
    else:
        r = resolve_item('episodes', ref.get('episode', ref), ref.get('show'))
    if not r:
        raise KeyError('unknown item ' + json.dumps(ref))
    return r[1]


def c_history_add(b):
    out = []
    for ref in b.get('items', []):
        ts = parse_iso(ref['watched_at']) if ref.get('watched_at') else time.time()
        out.append(add_play(ref_to_key(ref), ts, action=ref.get('action', 'watch'))['id'])
    return {'ids': out}


def c_history_remove(b):
    ids = set(b.get('ids', []))
    S.history = [h for h in S.history if h['id'] not in ids]
    S.touch('movies.watched_at', 'episodes.watched_at')


def c_ratings_set(b):
    for ref in b.get('items', []):
        key = ref_to_key(ref)
        if ref.get('rating'):
            S.ratings[key] = {'rating': ref['rating'], 'rated_at': parse_iso(ref['rated_at']) if ref.get('rated_at') else time.time()}
        else:
            S.ratings.pop(key, None)
        S.touch(f'{key[0]}s.rated_at')


def c_watchlist_add(b):
    for ref in b.get('items', []):
        add_watchlist_key(ref_to_key(ref))


def c_watchlist_remove(b):
    keys = {ref_to_key(r) for r in b.get('items', [])}
    S.watchlist = [w for w in S.watchlist if w['key'] not in keys]
    S.touch('watchlist.updated_at', 'movies.watchlisted_at')


def c_playback_add(b):
    for ref in b.get('items', []):
        save_playback(ref_to_key(ref), ref.get('progress', 50.0),
                      parse_iso(ref['paused_at']) if ref.get('paused_at') else time.time())


def c_collection_add(b):
    for ref in b.get('items', []):
        key = ref_to_key(ref)
        S.collection[key] = {'collected_at': time.time(), 'metadata': ref.get('metadata') or {}}
        S.touch(f'{key[0]}s.collected_at')


def c_recommendations(b):
    for t in ('movie', 'show'):
        if t + 's' in b:
            S.recommendations[t] = [ref_to_key(dict(r, type=t)) for r in b[t + 's']]


def c_lists(b):
    items = []
    for i, ref in enumerate(b.get('items', [])):
        S.next_list_item += 1
        items.append({'id': S.next_list_item, 'rank': i + 1, 'listed_at': time.time(), 'key': ref_to_key(ref)})
    tid = S.cat.new_id()
    privacy = b.get('privacy') or ('private' if b.get('private') else 'public')
    if privacy not in ('public', 'private', 'friends', 'link'):
        raise KeyError('privacy is public, private, friends or link')
    S.lists[(b['user'], b['slug'])] = {'name': b.get('name', b['slug']), 'privacy': privacy,
                                       'ids': {'trakt': tid, 'slug': b['slug']}, 'items': items, 'updated_at': time.time()}
    return {'trakt': tid}


def c_catalogue_add(b):
    out = {'movies': [], 'shows': []}
    for m in b.get('movies', []):
        out['movies'].append(S.cat.add_movie(m['title'], m.get('year'), m.get('ids', {}), m.get('runtime', 120))['ids'])
    for s in b.get('shows', []):
        show = S.cat.add_show(s['title'], s.get('year'), s.get('ids', {}))
        for e in s.get('episodes', []):
            S.cat.add_episode(show, e['season'], e['number'], e.get('ids'), e.get('title'))
        out['shows'].append(show['ids'])
    return out


TITLE_WORDS = ('the', 'night', 'of', 'a', 'long', 'road', 'home', 'winter', 'city', 'last', 'house', 'river',
               'secret', 'good', 'fire', 'and', 'blood', 'kings', 'island', 'little', 'brothers', 'dead', 'new')


def real_title(rnd, words):
    return ' '.join(rnd.choice(TITLE_WORDS) for _ in range(words)).title()


def c_seed(b):
    """Deterministic synthetic account: fast enough for 100k history rows.
    real_shape: shows and episodes carry every id and titles of real length,
    so a history row is as large as Trakt's (about 390 bytes)."""
    rnd = random.Random(b.get('seed', 42))
    real = bool(b.get('real_shape'))
    c = S.cat
    movies = [c.add_movie(f'Synthetic Movie {i}', 1950 + i % 75,
                          {'trakt': 500000 + i, 'imdb': f'tt9{500000 + i:07d}', 'tmdb': 800000 + i,
                           'slug': f'synthetic-movie-{i}'}) for i in range(b.get('movies', 0))]
    per = b.get('episodes_per_show', 10)
    eps = []
    for i in range(b.get('shows', 0)):
        title = real_title(rnd, 3) if real else f'Synthetic Show {i}'
        show = c.add_show(title, 1990 + i % 35,
                          {'trakt': 700000 + i, 'tvdb': 900000 + i, 'imdb': f'tt8{700000 + i:07d}', 'tmdb': 600000 + i,
                           'slug': title.lower().replace(' ', '-') + f'-{i}' if real else f'synthetic-show-{i}'})
        for n in range(per):
            ids = {'trakt': 10_000_000 + i * 1000 + n, 'tvdb': 20_000_000 + i * 1000 + n}
            if real:
                ids.update(imdb=f'tt3{i * 1000 + n:07d}', tmdb=3_000_000 + i * 1000 + n)
            eps.append(c.add_episode(show, 1 + n // 10, 1 + n % 10, ids, real_title(rnd, 4) if real else None))
    keys = [('movie', m['ids']['trakt']) for m in movies] + [('episode', e['ids']['trakt']) for e in eps]
    if not keys:
        return {'movies': 0, 'episodes': 0}
    base = b.get('start', time.time() - 86400 * 365 * 5)
    n = b.get('history', 0)
    played = keys
    if real:
        # Trakt's history ids have ten digits; a TV watcher's plays are episodes.
        S.next_history_id = max(S.next_history_id, 8_000_000_000)
        played = [k for k in keys if k[0] == 'episode'] or keys
    for i in range(n):
        S.next_history_id += 1
        S.history.append({'id': S.next_history_id, 'watched_at': base + i * 60 + rnd.random(), 'action': 'watch',
                          'key': played[i % len(played)]})
        history_text(S.history[-1])  # pages ready before they are asked for
    for key in rnd.sample(keys, min(len(keys), b.get('ratings', 0))):
        S.ratings[key] = {'rating': rnd.randint(1, 10), 'rated_at': base + rnd.random() * 1e7}
    for key in rnd.sample(keys, min(len(keys), b.get('watchlist', 0))):
        add_watchlist_key(key)
    for key in rnd.sample(keys, min(len(keys), b.get('collection', 0))):
        S.collection[key] = {'collected_at': base, 'metadata': {'media_type': 'digital', 'resolution': 'hd_1080p',
                                                                'hdr': None, 'audio': 'aac', 'audio_channels': '2.0', '3d': False}}
    for key in rnd.sample(keys, min(len(keys), b.get('playback', 0))):
        save_playback(key, round(rnd.uniform(5, 75), 2), base + rnd.random() * 1e7)
    recs = b.get('recommendations', 0)
    S.recommendations['movie'] = [('movie', m['ids']['trakt']) for m in movies[:recs]]
    S.touch('movies.watched_at', 'episodes.watched_at', 'movies.rated_at', 'watchlist.updated_at',
            'movies.collected_at', 'movies.paused_at')
    return {'movies': len(movies), 'episodes': len(eps), 'history': n}


def harvest(obj, found):
    """Collect every movie/show/episode object a fixture names into the catalogue."""
    if isinstance(obj, list):
        for x in obj:
            harvest(x, found)
        return
    if not isinstance(obj, dict):
        return
    movie, show, ep = obj.get('movie'), obj.get('show'), obj.get('episode')
    if isinstance(movie, dict) and isinstance(movie.get('ids'), dict) and movie['ids'].get('trakt'):
        S.cat.add_movie(movie.get('title'), movie.get('year'), movie['ids'], movie.get('runtime') or 120)
    if isinstance(show, dict) and isinstance(show.get('ids'), dict) and show['ids'].get('trakt'):
        s = S.cat.add_show(show.get('title'), show.get('year'), show['ids'])
        if isinstance(ep, dict) and isinstance(ep.get('season'), int) and isinstance(ep.get('number'), int):
            S.cat.add_episode(s, ep['season'], ep['number'], ep.get('ids') or {}, ep.get('title'))
        for se in obj.get('seasons') or []:
            for e in (se.get('episodes') or []) if isinstance(se, dict) else []:
                if isinstance(e, dict) and isinstance(se.get('number'), int) and isinstance(e.get('number'), int):
                    S.cat.add_episode(s, se['number'], e['number'], e.get('ids') or {}, e.get('title'))
    for v in obj.values():
        if isinstance(v, (list, dict)):
            harvest(v, found)


def load_fixture(rel):
    try:
        with open(os.path.join(FIXTURES, rel)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def c_seed_fixtures(b):
    """Put the real-shaped fixture data into the catalogue and the account."""
    n = 0
    for root, _, names in os.walk(FIXTURES):
        for name in names:
            if name.endswith('.json'):
                data = load_fixture(os.path.relpath(os.path.join(root, name), FIXTURES))
                if data is not None:
                    harvest(data, None)
                    n += 1
    # Account data from the sync fixtures.
    for h in load_fixture('trakt.py/sync/history.json') or []:
        try:
            key = ref_to_key(h)
        except KeyError:
            continue
        S.next_history_id = max(S.next_history_id, h.get('id', 0))
        S.history.append({'id': h.get('id') or S.next_history_id + 1, 'watched_at': parse_iso(h['watched_at']),
                          'action': h.get('action', 'watch'), 'key': key})
    for r in load_fixture('trakt.py/sync/ratings.json') or []:
        try:
            S.ratings[ref_to_key(r)] = {'rating': r['rating'], 'rated_at': parse_iso(r['rated_at'])}
        except (KeyError, ValueError):
            pass
    for w in load_fixture('TraktKit/Sync/test_get_watchlist.json') or []:
        try:
            add_watchlist_key(ref_to_key(w))
        except KeyError:
            pass
    for p in load_fixture('TraktKit/Sync/test_get_playback_progress.json') or []:
        try:
            save_playback(ref_to_key(p), p['progress'], parse_iso(p['paused_at']))
        except (KeyError, ValueError):
            pass
    S.touch('movies.watched_at', 'episodes.watched_at', 'movies.rated_at', 'watchlist.updated_at', 'movies.paused_at')
    return {'files': n, 'movies': len(S.cat.movies), 'shows': len(S.cat.shows), 'history': len(S.history)}


CONTROL = {
    ('GET', '/health'): c_health,
    ('GET', '/requests'): c_requests,
    ('POST', '/requests/clear'): c_requests_clear,
    ('POST', '/device/approve'): c_device('approve'),
    ('POST', '/device/deny'): c_device('deny'),
    ('POST', '/device/expire'): c_device('expire'),
    ('GET', '/devices'): c_devices,
    ('POST', '/config'): c_config,
    ('GET', '/tokens'): c_tokens,
    ('POST', '/tokens/expire'): c_tokens_expire,
    ('POST', '/tokens/invalidate-refresh'): c_tokens_invalidate_refresh,
    ('POST', '/apps'): c_apps,
    ('POST', '/apps/delete'): c_apps_delete,
    ('POST', '/fault'): c_fault,
    ('POST', '/faults/clear'): c_faults_clear,
    ('GET', '/account'): c_account,
    ('POST', '/account/reset'): c_account_reset,
    ('POST', '/history/add'): c_history_add,
    ('POST', '/history/remove'): c_history_remove,
    ('POST', '/ratings/set'): c_ratings_set,
    ('POST', '/watchlist/add'): c_watchlist_add,
    ('POST', '/watchlist/remove'): c_watchlist_remove,
    ('POST', '/playback/add'): c_playback_add,
    ('POST', '/collection/add'): c_collection_add,
    ('POST', '/recommendations'): c_recommendations,
    ('POST', '/lists'): c_lists,
    ('POST', '/catalogue'): c_catalogue_add,
    ('POST', '/seed'): c_seed,
    ('POST', '/seed-fixtures'): c_seed_fixtures,
}


def default_catalogue():
    """Items the docs' examples use (§4.1), so tests can name them by any id."""
    c = S.cat
    c.add_movie('Guardians of the Galaxy', 2014, {'trakt': 28, 'slug': 'guardians-of-the-galaxy-2014',
                                                  'imdb': 'tt2015381', 'tmdb': 118340}, 121)
    c.add_movie('TRON: Legacy', 2010, {'trakt': 1, 'slug': 'tron-legacy-2010', 'imdb': 'tt1104001', 'tmdb': 20526}, 125)
    c.add_movie('Inception', 2010, {'trakt': 16662, 'slug': 'inception-2010', 'imdb': 'tt1375666', 'tmdb': 27205}, 148)
    c.add_movie('Batman Begins', 2005, {'trakt': 2, 'slug': 'batman-begins-2005', 'imdb': 'tt0372784', 'tmdb': 272}, 140)
    bb = c.add_show('Breaking Bad', 2008, {'trakt': 1388, 'slug': 'breaking-bad', 'imdb': 'tt0903747', 'tmdb': 1396,
                                           'tvdb': 81189})
    for s in (1, 2):
        for n in range(1, 8):
            # Trakt's answers carry an episode's imdb id too; its requests do not match by it.
            c.add_episode(bb, s, n, {'trakt': 73481 + (s - 1) * 7 + n, 'tvdb': 349231 + (s - 1) * 7 + n,
                                     'imdb': f'tt{959620 + (s - 1) * 7 + n:07d}'})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--port-file')
    ap.add_argument('--seed-fixtures', action='store_true')
    ap.add_argument('--quiet', action='store_true')
    a = ap.parse_args()
    if a.host not in ('127.0.0.1', 'localhost', '::1'):
        sys.exit('the stand-in listens on loopback only')
    Handler.quiet = a.quiet
    default_catalogue()
    if a.seed_fixtures:
        c_seed_fixtures({})
    srv = ThreadingHTTPServer((a.host, a.port), Handler)
    srv.daemon_threads = True
    S.port = srv.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown, daemon=True).start())
    if a.port_file:
        tmp = a.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write(f'{S.port}\n')
        os.rename(tmp, a.port_file)
    print(f'listening on http://{a.host}:{S.port}', flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    srv.server_close()


if __name__ == '__main__':
    main()
