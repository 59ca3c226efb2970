"""The polkit matrix: every method of org.kino.Trakt × {root, a user polkit
allows, a user polkit denies, polkitd absent} gives the contract's answer.
The method list comes from the running daemon, so a new method without a row
here fails the test instead of going unchecked."""
import re

from harness import Rig, check, nobody_uid

IFACE = 'org.kino.Trakt'
DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
MEDIA = {'type': 'movie', 'imdb': 'tt0372784'}

# method: (polkit action, signature, arguments that pass validation)
CALLS = {
    'Configure': ('org.kino.trakt.configure', 'ss', ['test-client-id', 'test-client-secret']),
    'SetSyncEnabled': ('org.kino.trakt.configure', 'sb', ['resume', True]),
    'Connect': ('org.kino.trakt.connect', '', []),
    'FinishConnect': ('org.kino.trakt.connect', 'b', [False]),
    'CancelConnect': ('org.kino.trakt.connect', '', []),
    'Disconnect': ('org.kino.trakt.connect', '', []),
    'Import': ('org.kino.trakt.connect', '', []),
    'SyncNow': ('org.kino.trakt.use', '', []),
    'CreateSession': ('org.kino.trakt.use', '', []),
    'Rate': ('org.kino.trakt.use', 'a{sv}y', [MEDIA, 7]),
    'GetRating': ('org.kino.trakt.use', 'a{sv}', [MEDIA]),
    'MarkWatched': ('org.kino.trakt.use', 'a{sv}t', [MEDIA, 0]),
    'GetHistory': ('org.kino.trakt.use', 'tu', [0, 10]),
    'GetResumePoint': ('org.kino.trakt.use', 'a{sv}', [MEDIA]),
    'UpdateCollection': ('org.kino.trakt.use', 'aa{sv}aa{sv}', [[MEDIA], []]),
    'GetLists': ('org.kino.trakt.use', '', []),
    'GetListItems': ('org.kino.trakt.use', 's', ['watchlist']),
    'AddList': ('org.kino.trakt.use', 's', ['https://trakt.tv/users/sean/lists/star-wars-in-machete-order']),
    'RemoveList': ('org.kino.trakt.use', 's', ['no-such-list']),
    'GetRecommendations': ('org.kino.trakt.use', 's', ['movie']),
    'CreateSessionFor': ('org.kino.trakt.use', 'a{sv}', [{'application': 'mpv'}]),
    'ListSessions': ('org.kino.trakt.use', '', []),
    'SetIncognito': ('org.kino.trakt.use', 'b', [True]),
    'GetIncognito': ('org.kino.trakt.use', '', []),
    'WatchSessions': ('org.kino.trakt.use', '', []),
}


def exported_methods(rig):
    xml = rig.bus.get_object('org.kino.Trakt', '/org/kino/Trakt').Introspect(
        dbus_interface='org.freedesktop.DBus.Introspectable')
    body = xml[xml.index(f'<interface name="{IFACE}">'):]
    body = body[:body.index('</interface>')]
    return re.findall(r'<method name="([A-Za-z]+)"', body)


def call(rig, uid, method):
    _, sig, args = CALLS[method]
    return rig.call_as(uid, method, sig, args)


def test_matrix():
    with Rig() as rig:
        rig.control('config', {'interval': 1})
        methods = exported_methods(rig)
        missing = [m for m in methods if m not in CALLS]
        check(not missing, f'methods without a row in the polkit matrix: {missing}')
        methods = [m for m in CALLS if m in methods]
        check(len(methods) >= 18, f'too few methods exported: {methods}')
        rig.call('Configure', 'test-client-id', 'test-client-secret')
        user = nobody_uid()
        failures = []

        # Denied: polkit says no to everything.
        rig.polkit_allow()
        for m in methods:
            r = call(rig, user, m)
            if r['ok'] or r['error'] != DENIED:
                failures.append(f'{m} denied by polkit: {r}')
            elif not r.get('message'):
                failures.append(f'{m}: AccessDenied without a sentence')

        # Allowed: polkit grants exactly the method's action; any answer but AccessDenied.
        for m in methods:
            rig.polkit_allow(CALLS[m][0])
            r = call(rig, user, m)
            if not r['ok'] and r['error'] == DENIED:
                failures.append(f'{m} with {CALLS[m][0]} granted: {r}')
        # ... and granting another action is not enough.
        for m in methods:
            others = {a for a, _, _ in CALLS.values()} - {CALLS[m][0]}
            rig.polkit_allow(*sorted(others))
            r = call(rig, user, m)
            if r['ok'] or r['error'] != DENIED:
                failures.append(f'{m} allowed with only other actions granted: {r}')

        # Root is always allowed, even with polkit saying no.
        rig.polkit_allow()
        for m in methods:
            r = call(rig, 0, m)
            if not r['ok'] and r['error'] == DENIED:
                failures.append(f'{m} as root: {r}')

        # polkitd absent: never "allowed" for a user; root needs no polkit.
        rig.stop_polkit()
        for m in methods:
            r = call(rig, user, m)
            if r['ok'] or r['error'] != DENIED:
                failures.append(f'{m} with polkitd absent: {r}')
            r = call(rig, 0, m)
            if not r['ok'] and r['error'] == DENIED:
                failures.append(f'{m} as root with polkitd absent: {r}')
        check(not failures, 'polkit matrix:\n  ' + '\n  '.join(failures))
