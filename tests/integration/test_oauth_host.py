"""Where OAuth goes (#11.8): Trakt's 2026 contract sends every OAuth request to
auth.trakt.tv; when that host does not serve OAuth the API host is tried, and
what worked is remembered. A refresh that only ever gets 404s or web pages
ends in a clear state instead of retrying forever."""
import http.server
import threading
import time

from harness import Rig, SignalCatcher, check, eq, wait_until
from test_connect import configured, connect, history_requests, wait_sync


class NotOAuth:
    """A host that answers everything with a 404 web page (a parked domain, a
    proxy without the route), counting what it gets."""

    def __init__(self):
        hits = self.hits = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                hits.append(self.path)
                self.rfile.read(int(self.headers.get('Content-Length') or 0))
                body = b'<html><body>Not Found</body></html>'
                self.send_response(404)
                self.send_header('Content-Type', 'text/html')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}'
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_oauth_falls_back_to_the_api_host_and_remembers():
    wrong = NotOAuth()
    try:
        with Rig(daemon=False) as rig:
            rig.extra_env['KINO_TRAKT_AUTH_URL'] = wrong.url
            rig.start_daemon()
            configured(rig, seed=None)
            connect(rig, import_=False)
            eq(str(rig.prop('State')), 'connected', 'State through the API host')
            check('/oauth/device/code' in wrong.hits, f'the auth host was not tried first: {wrong.hits}')
            check(history_requests(rig, '/oauth/device/code'), 'the API host did not get the device code request')
            seen = len(wrong.hits)
            # Remembered: after a restart a refresh goes straight to the API host.
            rig.restart_daemon()
            rig.control('tokens/expire', {})
            sigs = SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
            rig.call('SyncNow')
            _, ok, err = wait_sync(rig, sigs, kind='incremental')
            check(ok, f'sweep after the refresh: {err}')
            eq(len(history_requests(rig, '/oauth/token')), 1, 'refreshes at the API host')
            eq(wrong.hits[seen:], [], 'the host that does not serve OAuth was asked again')
    finally:
        wrong.close()


def test_refresh_answered_with_a_web_page_ends_expired():
    with Rig() as rig:
        configured(rig, seed=None)
        connect(rig, import_=False)
        rig.control('fault', {'match': '^/oauth/token', 'status': 404, 'count': -1,
                              'body': '<html><body>Not Found</body></html>'})
        rig.control('tokens/expire', {})
        rig.call('SyncNow')
        wait_until(lambda: str(rig.prop('State')) == 'expired', what='State expired')
        err = str(rig.prop('LastError'))
        check('auth_url' in err, f'LastError does not say where to look: {err}')
        n = len(history_requests(rig, '/oauth/token'))
        time.sleep(3)
        eq(len(history_requests(rig, '/oauth/token')), n, 'refreshes after the login expired')
