"""AddList: following someone's Trakt list by its address (issue #5)."""
import json
import os
import random
import sqlite3
import subprocess
import time

import dbus

from harness import CALLER, IFACE, PATH, PYTHON, Rig, check, eq, expect_dbus_error, nobody_uid, wait_until
from test_connect import configured, connect

ERR = 'org.kino.Trakt.Error.'
INVALID = 'org.freedesktop.DBus.Error.InvalidArgs'
DENIED = 'org.freedesktop.DBus.Error.AccessDenied'

MOVIES, SHOWS, EPISODES_PER_SHOW = 600, 3, 3


def movie(i):
    return {'type': 'movie', 'movie': {'ids': {'trakt': 500000 + i}}}


def setup(rig, **seed):
    """Configured and connected (no import), with a catalogue of synthetic titles."""
    configured(rig, seed=dict({'movies': MOVIES, 'shows': SHOWS, 'episodes_per_show': EPISODES_PER_SHOW}, **seed))
    connect(rig, import_=False)
    eq(str(rig.prop('State')), 'connected', 'State')


def make_list(rig, user, slug, items, name=None, **kw):
    return rig.control('lists', dict({'user': user, 'slug': slug, 'name': name or slug.title(), 'items': items}, **kw))['trakt']


def list_requests(rig, user=None):
    return [r for r in rig.control('requests')
            if r['path'].startswith('/users/') and '/lists/' in r['path'] and (user is None or r['path'].startswith(f'/users/{user}/'))]


def lists(rig):
    return [(str(a), str(b), str(c), str(d), int(e)) for a, b, c, d, e in rig.call('GetLists')]


def custom_lists(rig):
    return [l for l in lists(rig) if l[3] == 'custom']


def add(rig, url):
    return str(rig.obj().AddList(url, dbus_interface=IFACE, timeout=60))


def test_add_list_pulls_all_pages():
    with Rig() as rig:
        setup(rig)
        # 600 items in an order of their own (not by id), movies, shows and episodes mixed.
        items = [movie(i) for i in range(MOVIES - 6)]
        items += [{'type': 'show', 'show': {'ids': {'trakt': 700000 + i}}} for i in range(SHOWS)]
        items += [{'type': 'episode', 'episode': {'ids': {'trakt': 10_000_000 + i * 1000}}} for i in range(SHOWS)]
        random.Random(5).shuffle(items)
        make_list(rig, 'sean', 'six-hundred', items, name='Six Hundred Picks')

        # Denied without the polkit action, and nothing went to Trakt for it.
        r = rig.call_as(nobody_uid(), 'AddList', 's', ['https://trakt.tv/users/sean/lists/six-hundred'])
        eq(r.get('error'), DENIED, 'AddList by a user without org.kino.trakt.use')
        eq(list_requests(rig), [], 'requests for a denied AddList')

        t0 = time.time()
        rig.polkit_allow('org.kino.trakt.use')
        r = rig.call_as(nobody_uid(), 'AddList', 's', ['https://trakt.tv/users/sean/lists/six-hundred'])
        t1 = time.time()
        check(r['ok'], f'AddList by an allowed user: {r}')
        list_id = r['result'][0]
        eq(list_id, 'sean/six-hundred', 'list id')

        # One summary and three pages of 250 (docs/trakt-api.md §6), each asked once.
        reqs = [q for q in list_requests(rig) if t0 <= q['time'] <= t1]
        eq([q['path'] for q in reqs if not q['path'].endswith('/items')], ['/users/sean/lists/six-hundred'], 'summary requests')
        pages = [q['query'] for q in reqs if q['path'] == '/users/sean/lists/six-hundred/items']
        eq(pages, ['page=1&limit=250', 'page=2&limit=250', 'page=3&limit=250'], 'item pages')
        check(all(q['status'] == 200 for q in reqs), f'statuses {[q["status"] for q in reqs]}')

        want = []
        for it in items:
            t = it['type']
            want.append((t, it[t]['ids']['trakt']))
        got = rig.call('GetListItems', list_id)
        eq(len(got), 600, 'items stored')
        eq([(str(i['type']), int(i['trakt'])) for i in got], want, "items in Trakt's order")
        eq([int(i['rank']) for i in got], list(range(1, 601)), 'ranks')
        check(all(int(i['listed_at']) > 0 for i in got), 'listed_at of every item')
        check(all(str(i['title']).startswith('Synthetic ') for i in got if str(i['type']) != 'episode'),
              'items carry their titles')
        eps = [i for i in got if str(i['type']) == 'episode']
        check(len(eps) == SHOWS and all(int(e['season']) == 1 and int(e['episode']) == 1 for e in eps), f'episodes {eps}')

        eq(custom_lists(rig), [('sean/six-hundred', 'Six Hundred Picks', 'https://trakt.tv/users/sean/lists/six-hundred', 'custom', 600)],
           'GetLists')
        eq([l[0] for l in lists(rig)], ['watchlist', 'sean/six-hundred'], 'the watchlist stays first')
        # Kept across a restart.
        rig.restart_daemon()
        eq(len(rig.call('GetListItems', list_id)), 600, 'items after a restart')


def test_add_list_url_variants():
    with Rig() as rig:
        setup(rig)
        tid = make_list(rig, 'sean', 'picks', [movie(i) for i in range(3)], name='Picks')
        variants = [
            'https://trakt.tv/users/sean/lists/picks',
            'https://www.trakt.tv/users/sean/lists/picks',
            'http://trakt.tv/users/sean/lists/picks',
            'https://trakt.tv/users/sean/lists/picks/',
            'https://trakt.tv/users/sean/lists/picks?sort=rank,asc',
            'https://trakt.tv/users/sean/lists/picks#comments',
            'http://WWW.Trakt.TV/users/sean/lists/picks/?page=2#top',
            'HTTPS://TRAKT.TV/users/Sean/lists/picks',
            'https://trakt.tv/users/sean/lists/pi%63ks',
            f'https://trakt.tv/users/sean/lists/{tid}',
            '  https://trakt.tv/users/sean/lists/picks\n',
        ]
        for url in variants:
            eq(add(rig, url), 'sean/picks', f'id for {url!r}')
        eq(custom_lists(rig), [('sean/picks', 'Picks', 'https://trakt.tv/users/sean/lists/picks', 'custom', 3)], 'one list')
        asked = {q['path'] for q in list_requests(rig) if not q['path'].endswith('/items')}
        eq(asked, {'/users/sean/lists/picks', '/users/Sean/lists/picks', f'/users/sean/lists/{tid}'}, 'paths asked of Trakt')


def test_add_list_malformed_url():
    with Rig() as rig:
        bad = {
            '': 'empty',
            'sean/picks': 'must start with https://',
            'trakt.tv/users/sean/lists/picks': 'must start with https://',
            'ftp://trakt.tv/users/sean/lists/picks': 'must start with https://',
            'https://example.com/users/sean/lists/picks': 'not on trakt.tv',
            'https://trakt.tv.evil.example/users/sean/lists/picks': 'not on trakt.tv',
            'https://trakt.tv@evil.example/users/sean/lists/picks': 'before the host',
            'https://trakt.tv:8443/users/sean/lists/picks': 'port',
            'https://trakt.tv/users/sean': 'no list',
            'https://trakt.tv/users/sean/lists/': 'no list name',
            'https://trakt.tv/users/sean/watchlist': 'not a custom list',
            'https://trakt.tv/users/sean/lists/picks/items': 'goes on after',
            'https://trakt.tv/users/sean/lists/a%2F..': 'may only contain',
            'https://trakt.tv/users/sean/lists/%zz': 'malformed percent-escape',
            'https://trakt.tv/users/sean/lists/été': 'non-ASCII',
            'https://trakt.tv/users/sean/lists/' + 'x' * 101: 'longer than 100',
            'https://trakt.tv/users/sean/lists/picks?' + 'q' * 5000: 'longer than 2048',
        }
        # Validated first: even before connecting, and before polkit is asked.
        for url, needle in list(bad.items())[:3]:
            msg = expect_dbus_error(INVALID, rig.call, 'AddList', url)
            check(needle in msg, f'{url!r}: {msg!r} lacks {needle!r}')
        setup(rig)
        rig.control('requests/clear', {})
        for url, needle in bad.items():
            msg = expect_dbus_error(INVALID, rig.call, 'AddList', url)
            check(needle in msg, f'{url!r}: {msg!r} lacks {needle!r}')
            check(msg.endswith('.') and '\n' not in msg, f'not one sentence: {msg!r}')
        r = rig.call_as(nobody_uid(), 'AddList', 's', ['https://example.com/users/sean/lists/picks'])
        eq(r.get('error'), INVALID, 'a denied user with a bad address gets InvalidArgs, not AccessDenied')
        eq(list_requests(rig), [], 'requests that reached the stand-in')
        eq(custom_lists(rig), [], 'lists')
        eq(str(rig.prop('State')), 'connected', 'State')


def test_add_list_not_found():
    with Rig() as rig:
        setup(rig)
        make_list(rig, 'sean', 'picks', [movie(1)])
        for url in ('https://trakt.tv/users/sean/lists/nope', 'https://trakt.tv/users/nobody-here/lists/picks',
                    'https://trakt.tv/users/sean/lists/987654321'):
            msg = expect_dbus_error(ERR + 'NotFound', add, rig, url)
            check('Trakt has no list' in msg and 'check the address' in msg, f'message: {msg!r}')
        eq(custom_lists(rig), [], 'lists after not found')
        check(not [q for q in list_requests(rig) if q['path'].endswith('/items')], 'items asked of a list that does not exist')
        eq(add(rig, 'https://trakt.tv/users/sean/lists/picks'), 'sean/picks', 'an existing list still adds')


def test_add_list_private():
    with Rig() as rig:
        setup(rig)
        make_list(rig, 'sean', 'secret', [movie(1), movie(2)], private=True)
        make_list(rig, 'sean', 'mates', [movie(3)], privacy='friends')
        for url in ('https://trakt.tv/users/sean/lists/secret', 'https://trakt.tv/users/sean/lists/mates'):
            msg = expect_dbus_error(ERR + 'NotFound', add, rig, url)
            check('private' in msg and 'make it public or share it' in msg, f'message: {msg!r}')
        # The 401 carried X-Private-User: the token was fine, so it was not refreshed.
        check(not [q for q in rig.control('requests') if q['path'] == '/oauth/token'], 'a private list refreshed the token')
        tokens = rig.control('tokens')
        eq(sum(1 for t in tokens['access'] if t['valid']), 1, 'valid access tokens')

        # Trakt shows a list marked private that is not ours (a leaky answer): still refused, items not read.
        rig.control('fault', {'match': '^/users/bob/lists/leaky$', 'status': 200, 'count': -1,
                              'body': {'name': 'Leaky', 'privacy': 'private', 'ids': {'trakt': 4242, 'slug': 'leaky'},
                                       'user': {'username': 'bob', 'ids': {'slug': 'bob'}}}})
        msg = expect_dbus_error(ERR + 'NotFound', add, rig, 'https://trakt.tv/users/bob/lists/leaky')
        check('private' in msg, f'message: {msg!r}')
        check(not [q for q in list_requests(rig, 'bob') if q['path'].endswith('/items')], 'items of a private list were read')

        # Our own private list is ours to follow.
        make_list(rig, 'kino_tester', 'mine', [movie(4), movie(5)], private=True)
        eq(add(rig, 'https://trakt.tv/users/kino_tester/lists/mine'), 'kino_tester/mine', 'own private list')
        eq(custom_lists(rig), [('kino_tester/mine', 'Mine', 'https://trakt.tv/users/kino_tester/lists/mine', 'custom', 2)], 'lists')


def test_add_list_not_connected():
    with Rig() as rig:
        url = 'https://trakt.tv/users/sean/lists/picks'
        msg = expect_dbus_error(ERR + 'NotConnected', rig.call, 'AddList', url)
        check('connect' in msg, f'message: {msg!r}')
        configured(rig, seed={'movies': 3})
        make_list(rig, 'sean', 'picks', [movie(0)])
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'AddList', url)
        # Authorized but not yet connected (the import choice is pending): still not connected.
        connect(rig, import_=None)
        eq(str(rig.prop('State')), 'authorized', 'State')
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'AddList', url)
        rig.call('FinishConnect', False)
        eq(add(rig, url), 'sean/picks', 'AddList once connected')
        rig.call('Disconnect')
        expect_dbus_error(ERR + 'NotConnected', rig.call, 'AddList', url)
        eq(len(list_requests(rig)), 2, 'requests: only the connected AddList reached Trakt')

        # Disconnected while an AddList waits for Trakt: that call ends with NotConnected at once.
        connect(rig, import_=False)
        rig.control('config', {'delay': 3.0})
        p = subprocess.Popen([PYTHON, CALLER, rig.address, PATH, IFACE, 'AddList', 's', json.dumps([url])],
                             stdout=subprocess.PIPE, text=True, env=rig.env)
        try:
            wait_until(lambda: len(list_requests(rig)) == 3, what='the pending AddList reaching Trakt')
            t = time.monotonic()
            rig.call('Disconnect')
            r = json.loads(p.communicate(timeout=30)[0])
            took = time.monotonic() - t
        finally:
            if p.poll() is None:
                p.kill()
        eq(r.get('error'), ERR + 'NotConnected', f'AddList cut short by Disconnect ({r})')
        check('disconnected' in r['message'], f'message: {r["message"]!r}')
        check(took < 2.5, f'the pending AddList answered {took:.1f} s after Disconnect')
        rig.control('config', {'delay': 0.0})
        eq(custom_lists(rig), [('sean/picks', 'Picks', 'https://trakt.tv/users/sean/lists/picks', 'custom', 1)],
           'followed lists stay after Disconnect')


def test_add_list_twice_same_id():
    with Rig() as rig:
        setup(rig)
        make_list(rig, 'sean', 'picks', [movie(1), movie(2)], name='Picks')
        first = add(rig, 'https://trakt.tv/users/sean/lists/picks')
        eq(first, 'sean/picks', 'id')
        eq([int(i['trakt']) for i in rig.call('GetListItems', first)], [500001, 500002], 'items')
        # Trakt's list changes: renamed (the slug stays, §7), items added, removed and reordered.
        make_list(rig, 'sean', 'picks', [movie(3), movie(1), movie(4)], name='Best Picks')
        again = add(rig, 'https://www.trakt.tv/users/sean/lists/picks/')
        eq(again, first, 'id of the same list added again')
        eq([int(i['trakt']) for i in rig.call('GetListItems', first)], [500003, 500001, 500004], 'items after adding again')
        eq(custom_lists(rig), [('sean/picks', 'Best Picks', 'https://trakt.tv/users/sean/lists/picks', 'custom', 3)], 'lists')
        eq(len([q for q in rig.control('requests') if q['path'] == '/users/sean/lists/picks']), 2, 'summary requests')
        # By its numeric id it is the same list too.
        tid = make_list(rig, 'sean', 'picks', [movie(5)], name='Best Picks')
        eq(add(rig, f'https://trakt.tv/users/sean/lists/{tid}'), first, 'id when added by the numeric id')
        eq([int(i['trakt']) for i in rig.call('GetListItems', first)], [500005], 'items after adding by the numeric id')
        eq(len(custom_lists(rig)), 1, 'still one list')


def test_remove_followed_list():
    with Rig() as rig:
        setup(rig)
        make_list(rig, 'sean', 'picks', [movie(i) for i in range(5)])
        make_list(rig, 'anna', 'noir', [movie(i) for i in range(7)])
        a = add(rig, 'https://trakt.tv/users/sean/lists/picks')
        b = add(rig, 'https://trakt.tv/users/anna/lists/noir')
        eq(sorted(l[0] for l in custom_lists(rig)), ['anna/noir', 'sean/picks'], 'two followed lists')
        rig.call('RemoveList', a)
        eq([l[0] for l in custom_lists(rig)], ['anna/noir'], 'lists after removing one')
        expect_dbus_error(ERR + 'NotFound', rig.call, 'GetListItems', a)
        expect_dbus_error(ERR + 'NotFound', rig.call, 'RemoveList', a)
        eq(len(rig.call('GetListItems', b)), 7, 'the other list keeps its items')
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'))
        eq(db.execute('SELECT COUNT(*) FROM list_items WHERE list_id = ?', (a,)).fetchone()[0], 0, 'stored items of a removed list')
        db.close()
        expect_dbus_error(ERR + 'SystemList', rig.call, 'RemoveList', 'watchlist')
        eq(add(rig, 'https://trakt.tv/users/sean/lists/picks'), a, 'added again after removing')
        eq(len(rig.call('GetListItems', a)), 5, 'items after adding again')


def test_add_list_trakt_down():
    # Fewer retries than the default 5 (1+2+4+8+16 s) keep the test short; the behaviour is the same.
    with Rig(config_text='[Trakt]\nmax_retries=2\n') as rig:
        setup(rig)
        make_list(rig, 'sean', 'picks', [movie(1)])
        rig.control('fault', {'match': '^/users/sean/lists/picks$', 'status': 503, 'count': -1})
        cmd = [PYTHON, CALLER, rig.address, PATH, IFACE, 'AddList', 's', json.dumps(['https://trakt.tv/users/sean/lists/picks'])]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=rig.env)
        try:
            wait_until(lambda: list_requests(rig), what='AddList reaching the stand-in')
            answered_while_waiting = 0
            while p.poll() is None:
                t = time.monotonic()
                rig.call('GetLists')
                str(rig.prop('State'))
                took = time.monotonic() - t
                check(took < 1.0, f'the bus waited {took:.2f} s while AddList retried')
                if p.poll() is None:
                    answered_while_waiting += 1
                time.sleep(0.1)
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
        check(answered_while_waiting >= 5, f'only {answered_while_waiting} calls answered while AddList waited')
        r = json.loads(out)
        eq(r.get('error'), ERR + 'TraktUnavailable', f'AddList while Trakt answers 503 ({r})')
        check('try again' in r['message'], f'message: {r["message"]!r}')
        reqs = list_requests(rig)
        eq(len(reqs), 3, 'summary requests: the first and two retries')
        check(all(q['status'] == 503 for q in reqs), 'statuses')
        eq(custom_lists(rig), [], 'lists after Trakt was down')
        # Trakt is back: the same call works.
        rig.control('faults/clear', {})
        eq(add(rig, 'https://trakt.tv/users/sean/lists/picks'), 'sean/picks', 'AddList once Trakt is back')


def test_add_list_malformed_answer():
    with Rig() as rig:
        setup(rig)
        make_list(rig, 'sean', 'picks', [movie(i) for i in range(300)])
        cases = [
            ({'match': '^/users/sean/lists/picks$', 'action': 'garbage'}, 'summary not JSON'),
            ({'match': '^/users/sean/lists/picks$', 'status': 200, 'body': ['not', 'an', 'object']}, 'summary an array'),
            ({'match': '^/users/sean/lists/picks$', 'status': 200, 'body': {'privacy': 'public'}}, 'summary without a name'),
            ({'match': '^/users/sean/lists/picks/items$', 'status': 200, 'body': {'items': []}}, 'items an object'),
            ({'match': '^/users/sean/lists/picks/items$', 'action': 'html', 'status': 200}, 'items as HTML'),
        ]
        for fault, what in cases:
            rig.control('faults/clear', {})
            rig.control('fault', dict(fault, count=-1))
            msg = expect_dbus_error('org.freedesktop.DBus.Error.Failed', add, rig, 'https://trakt.tv/users/sean/lists/picks')
            check('malformed' in msg and msg.endswith('.'), f'{what}: {msg!r}')
            eq(custom_lists(rig), [], f'lists after {what}')
        # Page 2 of 2 broken when the list is added again: nothing of page 1 replaces what was stored.
        rig.control('faults/clear', {})
        eq(add(rig, 'https://trakt.tv/users/sean/lists/picks'), 'sean/picks', 'AddList with good answers')
        rig.control('lists', {'user': 'sean', 'slug': 'picks', 'name': 'Changed', 'items': [movie(i) for i in range(260)]})
        rig.control('fault', {'match': '^/users/sean/lists/picks/items$', 'query': 'page=2', 'action': 'garbage', 'count': -1})
        msg = expect_dbus_error('org.freedesktop.DBus.Error.Failed', add, rig, 'https://trakt.tv/users/sean/lists/picks')
        check('malformed' in msg, f'page 2: {msg!r}')
        pages = [q['query'] for q in list_requests(rig) if q['path'].endswith('/items')][-2:]
        eq(pages, ['page=1&limit=250', 'page=2&limit=250'], 'pages asked when page 2 is broken')
        eq(custom_lists(rig), [('sean/picks', 'Picks', 'https://trakt.tv/users/sean/lists/picks', 'custom', 300)],
           'a failed refresh keeps what was stored')
        check('malformed' in rig.log_text(), 'the malformed answer is logged')
        eq(str(rig.prop('State')), 'connected', 'the daemon lives on')


def test_kinoctl_lists_add():
    with Rig() as rig:
        setup(rig)
        make_list(rig, 'sean', 'picks', [movie(i) for i in range(4)], name='Picks')
        make_list(rig, 'sean', 'secret', [movie(1)], private=True)
        url = 'https://trakt.tv/users/sean/lists/picks'
        a = rig.kinoctl('lists', 'add', url)
        eq((a.returncode, a.stdout, a.stderr), (0, 'sean/picks\n', ''), 'kinoctl lists add')
        ls = rig.kinoctl('lists')
        check('sean/picks' in ls.stdout and 'Picks' in ls.stdout and '4 items' in ls.stdout and url in ls.stdout,
              f'lists: {ls.stdout!r}')
        show = rig.kinoctl('lists', 'show', 'sean/picks')
        eq(len(show.stdout.strip().splitlines()), 4, f'lists show: {show.stdout!r}')
        check('Synthetic Movie 0' in show.stdout, f'lists show: {show.stdout!r}')
        j = rig.kinoctl('--json', 'lists', 'show', 'sean/picks')
        eq([int(i['trakt']) for i in json.loads(j.stdout)], [500000 + i for i in range(4)], 'lists show --json')

        for args, code, needle in (
                (['lists', 'add', 'https://example.com/users/sean/lists/picks'], 2, 'not on trakt.tv'),
                (['lists', 'add'], 2, 'usage'),
                (['lists', 'add', url, 'extra'], 2, 'usage'),
                (['lists', 'add', 'https://trakt.tv/users/sean/lists/nope'], 1, 'check the address'),
                (['lists', 'add', 'https://trakt.tv/users/sean/lists/secret'], 1, 'private')):
            p = rig.kinoctl(*args)
            eq(p.returncode, code, f'exit status of kinoctl {" ".join(args)} ({p.stderr!r})')
            eq(p.stdout, '', f'stdout of kinoctl {" ".join(args)}')
            eq(len(p.stderr.strip().splitlines()), 1, f'one line: {p.stderr!r}')
            check(needle in p.stderr, f'{args}: {p.stderr!r} lacks {needle!r}')

        d = rig.kinoctl('lists', 'add', url, uid=nobody_uid())
        eq(d.returncode, 4, f'denied ({d.stderr!r})')
        check('Permission denied' in d.stderr, f'denied: {d.stderr!r}')
        rig.polkit_allow('org.kino.trakt.use')
        ok = rig.kinoctl('lists', 'add', url, uid=nobody_uid())
        eq((ok.returncode, ok.stdout), (0, 'sean/picks\n'), f'allowed ({ok.stderr!r})')

        rm = rig.kinoctl('lists', 'remove', 'sean/picks')
        eq(rm.returncode, 0, f'remove ({rm.stderr!r})')
        check('sean/picks' not in rig.kinoctl('lists').stdout, 'list still shown after remove')

        rig.call('Disconnect')
        n = rig.kinoctl('lists', 'add', url)
        eq(n.returncode, 1, f'not connected ({n.stderr!r})')
        check('connect' in n.stderr.lower(), f'not connected: {n.stderr!r}')
        rig.stop_daemon()
        g = rig.kinoctl('lists', 'add', url)
        eq(g.returncode, 3, f'daemon absent ({g.stderr!r})')


def test_sweep_refreshes_followed_lists():
    from harness import SignalCatcher
    with Rig() as rig:
        setup(rig)
        make_list(rig, 'sean', 'picks', [movie(1), movie(2)], name='Picks')
        lid = add(rig, 'https://trakt.tv/users/sean/lists/picks')
        # Changed on Trakt; lists are not in /sync/last_activities, so SyncNow refreshes them.
        make_list(rig, 'sean', 'picks', [movie(3), movie(1), movie(4)], name='Best Picks')
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        wait_until(lambda: str(rig.prop('Syncing')) == '', what='no sync running')
        rig.call('SyncNow')
        sigs.wait_for(lambda a: str(a[0]) == 'incremental', timeout=60, what='the sweep')
        wait_until(lambda: [int(i['trakt']) for i in rig.call('GetListItems', lid)] == [500003, 500001, 500004],
                   what='the followed list to be refreshed after SyncNow')
        eq(custom_lists(rig)[0][1], 'Best Picks', 'name after the refresh')
        sigs.close()
