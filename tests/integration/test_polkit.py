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
    'UnwatchSessions': ('', '', []),  # public: it only ends the caller's own subscription
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

        # Public methods never ask polkit; every other one is checked below.
        public = [m for m in methods if not CALLS[m][0]]
        rig.stop_polkit()
        for m in public:
            r = call(rig, user, m)
            if not r['ok'] and r['error'] == DENIED:
                failures.append(f'public {m} denied with polkitd absent: {r}')
        rig.start_polkit()
        methods = [m for m in methods if CALLS[m][0]]

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
            others = {a for a, _, _ in CALLS.values() if a} - {CALLS[m][0]}
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


# What the real polkitd answers, played by the mock (python-dbusmock's polkitd
# only knows "yes" and "no"): its CheckAuthorization replaced at run time.
# args[3] is the flags argument; 1 = AllowUserInteraction.
POLKIT_CHALLENGE = 'ret = (False, True, {})'                        # no agent could ask
POLKIT_DISMISSED = "ret = (False, False, {'polkit.dismissed': 'true'})"  # the dialog was closed
POLKIT_NO_OWNER = ('raise dbus.exceptions.DBusException("Only trusted callers (e.g. uid 0 or an action owner) can '
                   'use CheckAuthorization() for subjects belonging to other identities", '
                   'name="org.freedesktop.PolicyKit1.Error.NotAuthorized")')
IAR = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'


def polkit_answers(rig, code):
    obj = rig.bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
    obj.AddMethod('org.freedesktop.PolicyKit1.Authority', 'CheckAuthorization', '(sa{sv})sa{ss}us', '(bba{ss})',
                  code, dbus_interface='org.freedesktop.DBus.Mock')


def log_lines(rig, text):
    return [l for l in rig.log_text().splitlines() if text in l]


def test_error_is_a_warning():
    """An error from polkitd (here: the real one's refusal to answer a daemon
    that is not an action owner) is a warning with polkit's message; a
    refusal stays info."""
    with Rig(standin=False) as rig:
        user = nobody_uid()
        r = call(rig, user, 'GetHistory')
        check(not r['ok'] and r['error'] == DENIED, f'plain refusal: {r}')
        denied = log_lines(rig, 'Denied GetHistory')
        check(denied and all(l.startswith('<6>') for l in denied), f'a refusal is not logged at info: {denied}')
        check(not [l for l in rig.log_text().splitlines() if l.startswith(('<4>', '<3>'))],
              f'a refusal logged a warning: {rig.log_text()}')

        polkit_answers(rig, POLKIT_NO_OWNER)
        r = call(rig, user, 'GetHistory')
        check(not r['ok'] and r['error'] == DENIED, f'polkit error: {r}')
        check('not allowed' not in r['message'] and 'journalctl -u kino-traktd' in r['message'],
              f'the caller is told it is not allowed, not that polkit failed: {r["message"]!r}')
        warned = log_lines(rig, 'Only trusted callers')
        check(len(warned) == 1 and warned[0].startswith('<4>'), f'polkit\'s error is not one warning: {warned}')
        check('org.freedesktop.PolicyKit1.Error.NotAuthorized' in warned[0] and 'org.kino.trakt.use' in warned[0],
              f'the warning lacks the error name or the action: {warned[0]!r}')

        # polkitd gone: also an error reply, also a warning.
        rig.stop_polkit()
        r = call(rig, user, 'GetHistory')
        check(not r['ok'] and r['error'] == DENIED, f'polkitd absent: {r}')
        warned = [l for l in rig.log_text().splitlines() if l.startswith('<4>') and 'polkit could not check' in l]
        check(len(warned) == 2, f'polkitd absent is not a warning: {warned}')


def test_challenge_without_agent():
    """polkit says "not authorized, but a challenge is possible": for a caller
    that allowed interaction that means polkitd found no agent to ask; for one
    that did not, that it should allow it. Both are
    InteractiveAuthorizationRequired, each with its own sentence; a dismissed
    dialog is a refusal that says so."""
    with Rig(standin=False) as rig:
        user = nobody_uid()
        polkit_answers(rig, POLKIT_CHALLENGE)
        r = rig.call_as(user, 'GetHistory', 'tu', [0, 10], interactive=True)
        check(not r['ok'] and r['error'] == IAR, f'challenge, interaction allowed: {r}')
        check('no polkit agent could ask' in r['message'], f'message: {r["message"]!r}')
        r = rig.call_as(user, 'GetHistory', 'tu', [0, 10])
        check(not r['ok'] and r['error'] == IAR, f'challenge, interaction not allowed: {r}')
        check('retry allowing interactive authorization' in r['message'], f'message: {r["message"]!r}')
        lines = log_lines(rig, 'polkit wants authentication')
        check(len(lines) == 2 and all(l.startswith('<6>') for l in lines), f'not two info lines: {lines}')

        polkit_answers(rig, POLKIT_DISMISSED)
        r = rig.call_as(user, 'GetHistory', 'tu', [0, 10], interactive=True)
        check(not r['ok'] and r['error'] == DENIED, f'dismissed: {r}')
        check('cancelled' in r['message'], f'message: {r["message"]!r}')


def test_kinoctl_sentences():
    """kinoctl's one line for each polkit outcome: refused, authentication
    needed with no agent, dialog dismissed, polkit failing."""
    with Rig(standin=False) as rig:
        user = nobody_uid()
        outcomes = [
            (None, 'Permission denied: your account is not allowed to do this (polkit action org.kino.trakt.use); '
                   'ask an administrator.'),
            (POLKIT_CHALLENGE, 'Permission denied: this needs authentication and no polkit agent could ask for it; '
                               'run it on a terminal or in a desktop session, or as root.'),
            (POLKIT_DISMISSED, 'Permission denied: the authentication was cancelled (polkit action org.kino.trakt.use).'),
            (POLKIT_NO_OWNER, 'Permission denied: polkit could not check whether your account may do this '
                              '(polkit action org.kino.trakt.use); an administrator finds why in '
                              "'journalctl -u kino-traktd'."),
        ]
        for code, want in outcomes:
            if code:
                polkit_answers(rig, code)
            p = rig.kinoctl('history', uid=user)
            check(p.returncode == 4 and p.stderr.strip() == want and not p.stdout,
                  f'kinoctl history with polkit answering {code!r}: exit {p.returncode}, {p.stderr!r}, want {want!r}')


def test_kinoctl_waits_for_authentication():
    """Typing a password takes longer than a bus call's usual timeout (here
    2 s, with SYSTEMD_BUS_TIMEOUT): kinoctl waits for polkit's verdict on a
    call that may authenticate, instead of giving up on a call that then
    succeeds."""
    import subprocess
    import time
    with Rig(standin=False) as rig:
        rig.polkit_allow('org.kino.trakt.configure')
        rig.polkit_hang(True)  # polkit is asking someone
        user = nobody_uid()
        env = dict(rig.env, SYSTEMD_BUS_TIMEOUT='2')
        p = subprocess.Popen(['setpriv', f'--reuid={user}', f'--regid={user}', '--clear-groups', rig.kinoctl_path(),
                              'sync', 'disable', 'history'], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        obj = rig.bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
        deadline = time.monotonic() + 20
        while not obj.HaveHangingCalls(dbus_interface='org.freedesktop.DBus.Mock'):
            check(time.monotonic() < deadline and p.poll() is None, f'no polkit check came: {p.poll()}')
            time.sleep(0.05)
        time.sleep(4)  # twice the timeout
        rig.polkit_release()
        out, err = p.communicate(timeout=30)
        check(p.returncode == 0 and 'history sync disabled' in out,
              f'kinoctl gave up while polkit was asking: exit {p.returncode}, {out!r} {err!r}')
        check(not bool(rig.prop('SyncEnabled')['history']), 'history is still on')
