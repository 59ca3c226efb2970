"""Foundation: the daemon on the bus, its properties, Configure, SetSyncEnabled,
authorization, persistence, idle exit, configuration errors."""
import os
import re
import signal
import stat
import subprocess
import time
import xml.etree.ElementTree as ET

import dbus

from harness import (BUS_NAME, DAEMON, IFACE, SRC, Rig, SignalCatcher, check, eq, expect_dbus_error,
                     caller_script, nobody_uid, wait_until)

CATEGORIES = ['scrobble', 'history', 'ratings', 'watchlist', 'collection', 'resume', 'recommendations']
ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
SECRET = 'secret-0123456789abcdef-secret'


def interface_shape(xml_text, name):
    """Members of one interface as comparable tuples (documentation ignored)."""
    root = ET.fromstring(xml_text)
    for iface in root.iter('interface'):
        if iface.get('name') != name:
            continue
        shape = []
        for el in iface:
            if el.tag == 'method':
                shape.append(('method', el.get('name'),
                              tuple((a.get('name'), a.get('type'), a.get('direction', 'in')) for a in el.findall('arg')),
                              tuple(sorted((a.get('name'), a.get('value')) for a in el.findall('annotation')))))
            elif el.tag == 'signal':
                shape.append(('signal', el.get('name'),
                              tuple((a.get('name'), a.get('type')) for a in el.findall('arg')),
                              tuple(sorted((a.get('name'), a.get('value')) for a in el.findall('annotation')))))
            elif el.tag == 'property':
                shape.append(('property', el.get('name'), el.get('type'), el.get('access'),
                              tuple(sorted((a.get('name'), a.get('value')) for a in el.findall('annotation')))))
        return sorted(shape)
    return None


def test_introspection_matches_xml():
    with Rig(standin=False) as rig:
        live = rig.bus.get_object(BUS_NAME, '/org/kino/Trakt').Introspect(
            dbus_interface='org.freedesktop.DBus.Introspectable')
        with open(os.path.join(SRC, 'dbus', 'org.kino.Trakt.xml')) as f:
            documented = f.read()
        a = interface_shape(live, IFACE)
        b = interface_shape(documented, IFACE)
        check(a is not None, 'the daemon does not export org.kino.Trakt')
        check(b is not None, 'dbus/org.kino.Trakt.xml does not describe org.kino.Trakt')
        if a != b:
            only_live = [x for x in a if x not in b]
            only_doc = [x for x in b if x not in a]
            raise AssertionError(f'introspection differs from dbus/org.kino.Trakt.xml:\n'
                                 f'  exported but not documented: {only_live}\n'
                                 f'  documented but not exported: {only_doc}')


def test_properties_unconfigured():
    with Rig(standin=False) as rig:
        p = rig.props()
        eq(str(p['State']), 'unconfigured', 'State')
        eq(str(p['ClientId']), '', 'ClientId')
        eq(str(p['Username']), '', 'Username')
        eq(int(p['ConnectedAt']), 0, 'ConnectedAt')
        eq(str(p['ScrobbleStatus']), 'idle', 'ScrobbleStatus')
        eq(int(p['PendingEvents']), 0, 'PendingEvents')
        eq(float(p['WatchedThreshold']), 80.0, 'WatchedThreshold')
        eq({str(k): bool(v) for k, v in p['SyncEnabled'].items()}, {c: True for c in CATEGORIES}, 'SyncEnabled')
        eq(str(p['Syncing']), '', 'Syncing')
        eq(tuple(int(x) for x in p['SyncProgress']), (0, 0), 'SyncProgress')
        eq(int(p['LastSync']), 0, 'LastSync')
        eq(str(p['LastError']), '', 'LastError')
        eq(dict(p['Preview']), {}, 'Preview')
        # Readable by everyone, not only root.
        r = rig.call_as(nobody_uid(), 'Get', 'ss', [IFACE, 'State'], interface='org.freedesktop.DBus.Properties')
        check(r['ok'], f'nobody cannot read State: {r}')
        eq(r['result'][0], 'unconfigured', 'State read by nobody')


def test_configure_as_root():
    with Rig(standin=False) as rig:
        sigs = SignalCatcher(rig)
        rig.call('Configure', 'my-client-id', SECRET)
        eq(str(rig.prop('State')), 'disconnected', 'State after Configure')
        eq(str(rig.prop('ClientId')), 'my-client-id', 'ClientId')
        sigs.wait_for(lambda s: s[0] == IFACE and 'State' in s[1] and s[1]['State'] == 'disconnected',
                      what='PropertiesChanged(State=disconnected)')
        sigs.wait_for(lambda s: s[0] == IFACE and ('ClientId' in s[1] or 'ClientId' in s[2]),
                      what='PropertiesChanged(ClientId)')
        sigs.close()
        # The secret is not readable over D-Bus ...
        for k, v in rig.props().items():
            check(SECRET not in str(v), f'property {k} exposes the client secret')
        # ... the database holding it is private ...
        db = os.path.join(rig.state_dir, 'state.db')
        eq(stat.S_IMODE(os.stat(db).st_mode), 0o600, 'state.db mode')
        eq(stat.S_IMODE(os.stat(rig.state_dir).st_mode) & 0o077, 0, 'state folder permissions for others')
        # ... and survives a restart.
        rig.restart_daemon()
        eq(str(rig.prop('State')), 'disconnected', 'State after restart')
        eq(str(rig.prop('ClientId')), 'my-client-id', 'ClientId after restart')
        check(SECRET not in rig.log_text(), 'the client secret appears in the log')


def test_configure_bad_input():
    with Rig(standin=False) as rig:
        for cid, sec in [('', SECRET), ('id', ''), ('has space', SECRET), ('x' * 1025, SECRET),
                         ('id', 'tab\there'), ('id', 's' * 5000)]:
            msg = expect_dbus_error(INVALID_ARGS, rig.call, 'Configure', cid, sec)
            check(len(msg) < 300 and msg.endswith('.'), f'error message is not one sentence: {msg!r}')
        expect_dbus_error(INVALID_ARGS, rig.call, 'Configure', 'only-one', signature='s')
        eq(str(rig.prop('State')), 'unconfigured', 'State after rejected Configure')
        eq(str(rig.prop('ClientId')), '', 'ClientId after rejected Configure')


def test_configure_polkit_allowed():
    with Rig(standin=False) as rig:
        rig.polkit_allow('org.kino.trakt.configure')
        r = rig.call_as(nobody_uid(), 'Configure', 'ss', ['nobody-id', SECRET])
        check(r['ok'], f'allowed non-root Configure failed: {r}')
        eq(str(rig.prop('ClientId')), 'nobody-id', 'ClientId')


def test_configure_polkit_denied():
    with Rig(standin=False) as rig:
        rig.polkit_allow('org.kino.trakt.use')  # not the right action
        r = rig.call_as(nobody_uid(), 'Configure', 'ss', ['nobody-id', SECRET])
        eq(r.get('error'), ACCESS_DENIED, 'denied Configure')
        check(r['message'].endswith('.'), 'AccessDenied message is a sentence')
        eq(str(rig.prop('ClientId')), '', 'nothing stored after denial')
        eq(str(rig.prop('State')), 'unconfigured', 'State after denial')


def test_configure_polkit_absent():
    with Rig(standin=False, polkit=False) as rig:
        r = rig.call_as(nobody_uid(), 'Configure', 'ss', ['nobody-id', SECRET])
        eq(r.get('error'), ACCESS_DENIED, 'Configure without polkitd')
        eq(str(rig.prop('ClientId')), '', 'nothing stored')
        # Root needs no polkitd at all.
        rig.call('Configure', 'root-id', SECRET)
        eq(str(rig.prop('ClientId')), 'root-id', 'root Configure without polkitd')


def test_configure_validates_before_authorizing():
    with Rig(standin=False) as rig:
        # A denied caller with bad arguments learns about the arguments, and polkit is not asked.
        r = rig.call_as(nobody_uid(), 'Configure', 'ss', ['', SECRET])
        eq(r.get('error'), INVALID_ARGS, 'bad arguments checked first')


def test_set_sync_enabled_matrix():
    with Rig(standin=False) as rig:
        sigs = SignalCatcher(rig)
        rig.call('SetSyncEnabled', 'ratings', False)
        sigs.wait_for(lambda s: s[0] == IFACE and 'SyncEnabled' in s[1] and not s[1]['SyncEnabled']['ratings'],
                      what='PropertiesChanged(SyncEnabled)')
        sigs.close()
        nobody = nobody_uid()
        r = rig.call_as(nobody, 'SetSyncEnabled', 'sb', ['history', False])
        eq(r.get('error'), ACCESS_DENIED, 'SetSyncEnabled by a denied user')
        rig.polkit_allow('org.kino.trakt.configure')
        r = rig.call_as(nobody, 'SetSyncEnabled', 'sb', ['watchlist', False])
        check(r['ok'], f'SetSyncEnabled by an allowed user: {r}')
        en = {str(k): bool(v) for k, v in rig.prop('SyncEnabled').items()}
        expected = {c: True for c in CATEGORIES}
        expected.update(ratings=False, watchlist=False)
        eq(en, expected, 'SyncEnabled')
        rig.restart_daemon()
        en = {str(k): bool(v) for k, v in rig.prop('SyncEnabled').items()}
        eq(en, expected, 'SyncEnabled after restart')
        rig.call('SetSyncEnabled', 'ratings', True)
        eq(bool(rig.prop('SyncEnabled')['ratings']), True, 'ratings back on')


def test_set_sync_enabled_polkit_absent():
    with Rig(standin=False, polkit=False) as rig:
        r = rig.call_as(nobody_uid(), 'SetSyncEnabled', 'sb', ['history', False])
        eq(r.get('error'), ACCESS_DENIED, 'SetSyncEnabled without polkitd')
        eq(bool(rig.prop('SyncEnabled')['history']), True, 'history untouched')


def test_set_sync_enabled_bad_category():
    with Rig(standin=False) as rig:
        for cat in ['', 'Ratings', 'everything', 'x' * 2000]:
            msg = expect_dbus_error(INVALID_ARGS, rig.call, 'SetSyncEnabled', cat, False)
            check('scrobble' in msg, f'the error does not list the categories: {msg!r}')
        en = {str(k): bool(v) for k, v in rig.prop('SyncEnabled').items()}
        eq(en, {c: True for c in CATEGORIES}, 'nothing changed')


def test_bus_not_blocked_by_polkit():
    """While polkit has not answered, the daemon keeps serving everyone."""
    with Rig(standin=False) as rig:
        rig.polkit_allow('org.kino.trakt.configure')
        rig.polkit_hang(True)
        cmd = ['setpriv', f'--reuid={nobody_uid()}', f'--regid={nobody_uid()}', '--clear-groups', '/usr/bin/python3',
               caller_script(), rig.address, '/org/kino/Trakt', IFACE,
               'Configure', 'ss', '["slow-id", "%s"]' % SECRET]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        obj = rig.bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
        wait_until(lambda: obj.HaveHangingCalls(dbus_interface='org.freedesktop.DBus.Mock'), what='a pending polkit check')
        # The daemon answers other calls meanwhile, and has changed nothing yet.
        eq(str(rig.prop('ClientId')), '', 'ClientId while authorization is pending')
        rig.call('SetSyncEnabled', 'resume', False)
        rig.polkit_release()
        out, _ = p.communicate(timeout=60)
        check('"ok": true' in out, f'the pending call did not complete: {out}')
        eq(str(rig.prop('ClientId')), 'slow-id', 'ClientId after the verdict')


def test_state_directory_env():
    with Rig(standin=False, daemon=False) as rig:
        sd = os.path.join(rig.tmp, 'from-systemd')
        rig.extra_env['STATE_DIRECTORY'] = sd
        rig.start_daemon()
        rig.call('Configure', 'env-id', SECRET)
        check(os.path.exists(os.path.join(sd, 'state.db')), 'STATE_DIRECTORY not used')
        check(not os.path.exists(os.path.join(rig.state_dir, 'state.db')), '--state-dir used despite STATE_DIRECTORY')


def test_idle_exit():
    with Rig(standin=False, idle_timeout=1) as rig:
        d = rig.daemon
        d.wait(60)
        eq(d.returncode, 0, 'exit status after idling')
        check(not rig.bus.name_has_owner(BUS_NAME), 'name still owned after idle exit')
        check('Idle for 1 s, exiting.' in rig.log_text(), 'no idle-exit log line')
        rig.daemon = None


def test_no_idle_exit_while_busy():
    """A pending authorization keeps the daemon alive past its idle timeout."""
    with Rig(standin=False, idle_timeout=1) as rig:
        rig.polkit_hang(True)
        cmd = ['setpriv', f'--reuid={nobody_uid()}', f'--regid={nobody_uid()}', '--clear-groups', '/usr/bin/python3',
               caller_script(), rig.address, '/org/kino/Trakt', IFACE,
               'SetSyncEnabled', 'sb', '["history", false]']
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        obj = rig.bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
        wait_until(lambda: obj.HaveHangingCalls(dbus_interface='org.freedesktop.DBus.Mock'), what='a pending polkit check')
        time.sleep(2.5)  # longer than the idle timeout: the daemon must still be there
        check(rig.daemon.poll() is None, 'the daemon exited with an authorization pending')
        rig.polkit_release()
        out, _ = p.communicate(timeout=60)
        check('AccessDenied' in out, f'unexpected verdict: {out}')
        rig.daemon.wait(60)
        rig.daemon = None


def test_bad_config_file():
    cases = [
        ('[Trakt]\napi_url = https://example.invalid\nget_budget = lots\n', ':3', 'get_budget'),
        ('[Trakt]\n\napi_ur = https://x\n', ':3', 'api_ur'),
        ('[Trakt]\nconnect_timeout = -4\n', ':2', 'connect_timeout'),
        ('[Trakt]\napi_url = ftp://nope\n', ':2', 'api_url'),
    ]
    for text, line, key in cases:
        with Rig(standin=False, daemon=False, config_text=text) as rig:
            p = subprocess.run(rig.daemon_cmdline(), env=rig.daemon_env(), capture_output=True, text=True,
                               timeout=60)
            check(p.returncode != 0, f'daemon accepted a bad config: {text!r}')
            err = p.stderr
            check(os.path.join(rig.tmp, 'trakt.conf') + line in err, f'error does not name file{line}: {err!r}')
            check(key in err, f'error does not name the key {key}: {err!r}')
            check(not rig.bus.name_has_owner(BUS_NAME), 'name owned despite bad config')


def test_config_file_and_env_override():
    text = '[Trakt]\napi_url = http://127.0.0.1:9/from-file\n'
    with Rig(standin=False, config_text=text) as rig:
        check('Trakt http://127.0.0.1:9/from-file' in rig.log_text(), 'api_url from the file not used')
    with Rig(standin=False, config_text=text, env={'KINO_TRAKT_API_URL': 'http://127.0.0.1:9/from-env'}) as rig:
        check('Trakt http://127.0.0.1:9/from-env' in rig.log_text(), 'KINO_TRAKT_API_URL does not override the file')


def test_name_taken():
    with Rig(standin=False) as rig:
        p = subprocess.run([DAEMON, '--state-dir', os.path.join(rig.tmp, 'second'), '--idle-timeout', '0'],
                           env=rig.daemon_env(), capture_output=True, text=True, timeout=60)
        check(p.returncode != 0, 'a second daemon started although the name is owned')
        check('org.kino.Trakt' in p.stderr, f'no clear message: {p.stderr!r}')


def test_sigint_clean_exit():
    with Rig(standin=False) as rig:
        rc = rig.stop_daemon(sig=signal.SIGINT)
        eq(rc, 0, 'exit status after SIGINT')


def test_exits_when_the_bus_goes():
    """dbus-daemon gone (stopped, a test rig torn down): nobody can reach the
    daemon any more; it exits cleanly instead of lingering."""
    with Rig(standin=False) as rig:
        d = rig.daemon
        bus = rig.procs[0]
        bus.terminate()
        bus.wait(10)
        try:
            d.wait(20)
        except subprocess.TimeoutExpired:
            raise AssertionError('kino-traktd still runs 20 s after its bus went away')
        rig.daemon = None
        eq(d.returncode, 0, 'exit status after the bus went away')
        rig._bus = None


def test_state_db_migrates_v1_fixture():
    """A version-1 state database (checked in as SQL) upgrades on start and keeps its data."""
    import sqlite3
    with Rig(standin=False, daemon=False) as rig:
        os.makedirs(rig.state_dir, mode=0o700)
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'))
        with open(os.path.join(SRC, 'tests', 'fixtures', 'state-v1.sql')) as f:
            db.executescript(f.read())
        eq(db.execute('PRAGMA user_version').fetchone()[0], 1, 'fixture version')
        db.close()
        rig.start_daemon()
        check(str(rig.prop('ClientId')) != '', 'client id from the v1 database lost')
        eq(str(rig.prop('State')), 'disconnected', 'State from the v1 database')
        en = {str(k): bool(v) for k, v in rig.prop('SyncEnabled').items()}
        check(False in en.values(), 'the disabled toggle of the v1 database was lost')
        rig.stop_daemon()
        db = sqlite3.connect(os.path.join(rig.state_dir, 'state.db'))
        check(db.execute('PRAGMA user_version').fetchone()[0] >= 2, 'schema not upgraded')
        eq(db.execute('PRAGMA journal_mode').fetchone()[0], 'wal', 'journal mode')
        db.close()
