"""Stopping the daemon in every state while Trakt calls are in flight.

Each test stalls one request at the stand-in (it never answers in time), makes
the daemon send it, and stops the daemon with SIGTERM (or lets it exit for
idleness). The daemon must exit 0: under AddressSanitizer a use after free or
a leak on the way out turns into a non-zero status, and MALLOC_PERTURB_ (set
by meson) makes the plain build trip over freed memory too.
"""
import dbus

from harness import Rig, SignalCatcher, check, eq, wait_until
from test_connect import configured, connect

FAST = '[Trakt]\nwrite_interval_ms = 50\nmax_retries = 1\n'
GUARDIANS = dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(28)}, signature='sv')


def stall(rig, path, method=None, delay=30):
    f = {'match': path, 'action': 'stall', 'delay': delay, 'count': -1}
    if method:
        f['method'] = method
    rig.control('fault', f)


def arrived(rig, path, method=None):
    """Wait until the daemon's request for path reached the stand-in."""
    def seen():
        return [r for r in rig.control('requests')
                if r['path'].startswith(path) and (method is None or r['method'] == method)]
    wait_until(seen, what=f'{method or ""} {path} to reach Trakt')


def stop_cleanly(rig):
    rig.stop_daemon(check=True)  # raises on a non-zero status (crash, sanitizer report)


def test_sigterm_while_connecting():
    with Rig(config_text=FAST) as rig:
        configured(rig, seed=None)
        stall(rig, '^/oauth/device/token')
        rig.call('Connect')
        arrived(rig, '/oauth/device/token')
        stop_cleanly(rig)


def test_sigterm_while_authorized():
    """Approved; the requests that fill the preview hang."""
    with Rig(config_text=FAST) as rig:
        configured(rig, seed=None)
        stall(rig, '^/users/')
        code, _, _ = rig.call('Connect')
        rig.control('device/approve', {'user_code': str(code)})
        arrived(rig, '/users/')
        stop_cleanly(rig)


def test_sigterm_while_importing():
    with Rig(config_text=FAST) as rig:
        configured(rig)
        stall(rig, '^/sync/ratings', method='GET')
        connect(rig, import_=True)
        arrived(rig, '/sync/ratings', 'GET')
        eq(str(rig.prop('Syncing')), 'import', 'Syncing while the page hangs')
        stop_cleanly(rig)


def test_sigterm_while_sweeping():
    with Rig(config_text=FAST) as rig:
        configured(rig)
        connect(rig, import_=False)
        stall(rig, '^/sync/last_activities')
        rig.call('SyncNow')
        arrived(rig, '/sync/last_activities')
        stop_cleanly(rig)


def test_sigterm_while_delivering():
    with Rig(config_text=FAST) as rig:
        rig.control('config', {'write_interval': 0.01})
        configured(rig, seed=None)
        connect(rig, import_=False)
        stall(rig, '^/sync/ratings$', method='POST')
        rig.call('Rate', GUARDIANS, dbus.Byte(8))
        arrived(rig, '/sync/ratings', 'POST')
        stop_cleanly(rig)


def test_sigterm_after_disconnect_with_push_in_flight():
    """The audit's crash: a rating's push in flight, Disconnect, then SIGTERM."""
    with Rig(config_text=FAST) as rig:
        rig.control('config', {'write_interval': 0.01})
        configured(rig, seed=None)
        connect(rig, import_=False)
        stall(rig, '^/sync/ratings$', method='POST')
        rig.call('Rate', GUARDIANS, dbus.Byte(8))
        arrived(rig, '/sync/ratings', 'POST')
        rig.call('Disconnect')
        eq(str(rig.prop('State')), 'disconnected', 'State after Disconnect')
        # The rating stays queued for the next connection.
        check(int(rig.prop('PendingEvents')) >= 1, 'the rating was dropped by Disconnect')
        stop_cleanly(rig)


def test_sigterm_while_expired():
    """Expired with events queued, the refresh still hanging."""
    with Rig(config_text=FAST) as rig:
        rig.control('config', {'write_interval': 0.01})
        configured(rig, seed=None)
        connect(rig, import_=False)
        rig.control('tokens/invalidate-refresh', {})
        rig.control('tokens/expire', {})
        rig.call('Rate', GUARDIANS, dbus.Byte(7))
        wait_until(lambda: str(rig.prop('State')) == 'expired', what='State expired')
        stall(rig, '^/oauth/token')
        rig.call('Rate', GUARDIANS, dbus.Byte(9))
        stop_cleanly(rig)


def test_idle_exit_with_revoke_in_flight():
    """Disconnect while Trakt never answers the revoke: the idle exit still ends cleanly."""
    with Rig(config_text=FAST, idle_timeout=1) as rig:
        configured(rig, seed=None)
        connect(rig, import_=False)
        stall(rig, '^/oauth/revoke', delay=6)
        sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        rig.call('Disconnect')
        sigs.close()
        arrived(rig, '/oauth/revoke')
        d = rig.daemon
        d.wait(60)
        rig.daemon = None
        eq(d.returncode, 0, 'exit status of the idle exit')
