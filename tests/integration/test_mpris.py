"""The MPRIS bridge (kino-trakt-mpris) with real mpv + mpv-mpris players on a
private session bus, the real daemon on its private system bus and the Trakt
stand-in. The desktop (session bus, bridge, players) runs as a non-root uid;
see desktop.py."""
import os
import shutil
import signal
import subprocess
import time

import dbus

from desktop import SHORT_CLIPS, Desktop, as_user
from harness import BUS_NAME, PYTHON, SLOW, Rig, TestFailure, check, eq, wait_until
from test_scrobble import FAST, live, scrobbles, trakt_plays, wait_drained

USE = 'org.kino.trakt.use'
SESSION = 'org.kino.Trakt.Session'
PROPS = 'org.freedesktop.DBus.Properties'
INCEPTION = 16662  # the stand-in's default catalogue: Inception (2010)
HERE = os.path.dirname(os.path.abspath(__file__))

EXPANSE = {'title': 'The Expanse', 'year': 2015, 'ids': {'trakt': 77199, 'tvdb': 280619, 'imdb': 'tt3230854'},
           'episodes': [{'season': 1, 'number': n, 'ids': {'trakt': 1376000 + n, 'tvdb': 5300000 + n}}
                        for n in range(1, 11)]}


def ready(rig):
    """A connected account, the desktop user allowed to scrobble, The Expanse known to Trakt."""
    live(rig)
    rig.polkit_allow(USE)
    rig.control('catalogue', {'shows': [EXPANSE]})


def wait_scrobble(rig, action, n=1, timeout=30):
    wait_until(lambda: len(scrobbles(rig, action)) >= n, timeout=timeout,
               what=f'{n} /scrobble/{action} request(s) at Trakt')
    return scrobbles(rig, action)[n - 1]['body']


def item_of(body):
    """What a scrobble named: ('movie', title, year) or ('episode', show, season, number), by the
    ids the daemon resolved or by the names it passed on."""
    if 'movie' in body:
        m = body['movie']
        return ('movie', m.get('title'), m.get('year'), (m.get('ids') or {}).get('trakt'))
    ep, show = body.get('episode', {}), body.get('show', {})
    return ('episode', show.get('title'), ep.get('season'), ep.get('number'))


def check_inception(body, what):
    kind, title, year, trakt = item_of(body)
    check(kind == 'movie' and (trakt == INCEPTION or (title == 'Inception' and year == 2010)),
          f'{what} named {item_of(body)}, not Inception (2010)')


def near(value, want, tolerance, what):
    check(abs(value - want) <= tolerance, f'{what}: {value:.1f}, expected {want:.1f} ± {tolerance}')


def sessions_of(rig):
    """The daemon's sessions as root sees them (ListSessions: all), with their properties."""
    out = []
    for path in rig.call('ListSessions'):
        o = rig.bus.get_object(BUS_NAME, path, introspect=False)
        out.append({str(k): v for k, v in o.GetAll(SESSION, dbus_interface=PROPS).items()})
    return out


def local_watches(rig, title):
    rows = rig.call('GetHistory', dbus.UInt64(0), dbus.UInt32(100))
    return [r for r in rows if str(r.get('title', '')) == title or int(r.get('trakt', 0)) == INCEPTION]


def quit_at(player, seconds):
    player.wait_position(seconds)
    player.quit()


# ---- what it scrobbles ----

def test_movie_by_file_name():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        body = wait_scrobble(rig, 'start')
        check_inception(body, 'the start')
        check(0 <= body['progress'] < 20, f'start progress {body["progress"]}')
        # One daemon session, named after the player, playing.
        s = wait_until(lambda: [x for x in sessions_of(rig) if str(x['PlaybackState']) == 'playing'],
                       what='a playing session')
        eq(len(s), 1, 'sessions')
        eq(str(s[0]['Application']), 'mpv', 'the session application')
        eq(int(s[0]['Uid']), d.uid, 'the session owner')
        quit_at(m, 9)
        body = wait_scrobble(rig, 'stop')
        check_inception(body, 'the stop')
        near(body['progress'], 30, 6, 'stop progress after quitting at 9 s of 30')
        wait_until(lambda: not sessions_of(rig), what='the session closed')


def test_episode_by_file_name():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('The.Expanse.S01E02.1080p.mkv'))
        body = wait_scrobble(rig, 'start')
        kind, show, season, number = item_of(body)
        check(kind == 'episode' and season == 1 and number == 2, f'the start named {item_of(body)}')
        check(show == 'The Expanse' or (body.get('episode', {}).get('ids') or {}).get('trakt') == 1376002,
              f'the show: {body}')
        quit_at(m, 6)
        body = wait_scrobble(rig, 'stop')
        near(body['progress'], 20, 6, 'stop progress')


def test_pause_and_resume():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        m.wait_position(6)
        m.pause(True)
        at = m.position()
        body = wait_scrobble(rig, 'pause')
        near(body['progress'], 100 * at / 30, 2, 'pause progress')
        time.sleep(3)  # paused: nothing more is sent
        eq(len(scrobbles(rig, 'start')), 1, 'starts while paused')
        m.pause(False)
        body = wait_scrobble(rig, 'start', 2)
        # Decided after the ~1 s debounce, at the progress then.
        check(100 * at / 30 - 1 <= body['progress'] <= 100 * (at + 3) / 30,
              f'progress on resume {body["progress"]:.1f}, paused at {100 * at / 30:.1f}')
        quit_at(m, 12)
        body = wait_scrobble(rig, 'stop')
        near(body['progress'], 40, 6, 'stop progress')


def test_seek():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        m.seek(18)
        time.sleep(1.5)
        m.pause(True)
        at = m.position()
        check(at >= 18, f'mpv did not seek: {at}')
        body = wait_scrobble(rig, 'pause')
        near(body['progress'], 100 * at / 30, 2, 'pause progress after a seek')
        m.pause(False)
        wait_scrobble(rig, 'start', 2)
        m.seek(3)  # and back: the next stop says where it really is
        quit_at(m, 6)
        body = wait_scrobble(rig, 'stop')
        near(body['progress'], 20, 6, 'stop progress after seeking back')


def test_quit_at_95_percent():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        m.seek(26)
        quit_at(m, 28.5)
        body = wait_scrobble(rig, 'stop')
        check(body['progress'] >= 90, f'stop progress {body["progress"]}')
        wait_drained(rig)
        time.sleep(2)  # anything more would show now
        eq(len(trakt_plays(rig, INCEPTION)), 1, 'plays of Inception on Trakt')
        eq(len(scrobbles(rig, 'stop')), 1, 'stops sent')
        eq(len(local_watches(rig, 'Inception')), 1, 'completed watches in the local history')


def test_quit_at_30_percent():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        quit_at(m, 9)
        body = wait_scrobble(rig, 'stop')
        near(body['progress'], 30, 6, 'stop progress')
        wait_drained(rig)
        # Trakt keeps a stop below 80 % as a pause: a resume point, no play.
        playback = rig.control('account')['playback']
        check(any(p.get('movie', {}).get('ids', {}).get('trakt') == INCEPTION for p in playback),
              f'no resume point for Inception: {playback}')
        eq(len(trakt_plays(rig, INCEPTION)), 0, 'plays on Trakt')
        eq(len(local_watches(rig, 'Inception')), 0, 'completed watches in the local history')


def test_keep_open_paused_at_the_end():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv', seconds=12), '--keep-open=yes')
        wait_scrobble(rig, 'start')
        # mpv stays, Paused on the last frame: that is the end, not a pause.
        body = wait_scrobble(rig, 'stop', timeout=40)
        check(body['progress'] >= 95, f'stop progress at the end {body["progress"]}')
        eq(len(scrobbles(rig, 'pause')), 0, 'pauses sent')
        # Ended and closed while mpv still shows the last frame (a pause would stay open).
        wait_until(lambda: not sessions_of(rig), what='the session ended and closed')
        check(m.proc.poll() is None, 'mpv quit at the end despite --keep-open')
        m.quit()
        wait_drained(rig)
        eq(len(trakt_plays(rig, INCEPTION)), 1, 'plays on Trakt')


def test_mpv_stopped_while_playing():
    """mpv --idle=yes: Stop, then OpenUri; mpv-mpris says Stopped while the file plays."""
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        path = d.media('Inception (2010).mkv')
        m = d.mpv(path, '--idle=yes')
        wait_scrobble(rig, 'start')

        def player(*args):
            out = subprocess.run(as_user(d.uid) + ['dbus-send', '--session', '--print-reply',
                                                   '--dest=org.mpris.MediaPlayer2.mpv', '/org/mpris/MediaPlayer2',
                                                   *args], env=d.env, capture_output=True, text=True, timeout=30)
            check(out.returncode == 0, f'dbus-send {args}: {out.stderr}')
            return out.stdout
        player('org.mpris.MediaPlayer2.Player.Stop')
        wait_scrobble(rig, 'stop')
        player('org.mpris.MediaPlayer2.Player.OpenUri', 'string:file://' + path)
        # The trap itself, as measured: Stopped, and Position advancing.
        wait_until(lambda: m.position() >= 3, what='mpv playing again')
        status = player('org.freedesktop.DBus.Properties.Get', 'string:org.mpris.MediaPlayer2.Player',
                        'string:PlaybackStatus')
        check('"Stopped"' in status, f'mpv-mpris no longer shows the trap (PlaybackStatus {status!r}); '
                                     'the test must find another way to exercise it')
        body = wait_scrobble(rig, 'start', 2)
        check(body['progress'] < 20, f'the new watch starts near its beginning: {body["progress"]}')
        quit_at(m, 9)
        body = wait_scrobble(rig, 'stop', 2)
        near(body['progress'], 30, 6, 'stop progress of a watch mpv called Stopped throughout')


def test_two_players_at_once():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        a = d.mpv(d.media('Inception (2010).mkv'))
        b = d.mpv(d.media('The.Expanse.S01E02.1080p.mkv'))
        wait_scrobble(rig, 'start', 2)
        kinds = sorted(item_of(s['body'])[0] for s in scrobbles(rig, 'start'))
        eq(kinds, ['episode', 'movie'], 'what the two starts named')
        wait_until(lambda: len(sessions_of(rig)) == 2, what='two sessions')
        # The second mpv's bus name is org.mpris.MediaPlayer2.mpv.instance<PID>: both are mpv.
        eq(sorted(str(s['Application']) for s in sessions_of(rig)), ['mpv', 'mpv'], 'applications')
        quit_at(a, 6)
        body = wait_scrobble(rig, 'stop')
        eq(item_of(body)[0], 'movie', 'the first stop')
        b.pause(True)
        body = wait_scrobble(rig, 'pause')
        eq(item_of(body)[0], 'episode', 'the pause')
        eq(len(sessions_of(rig)), 1, 'sessions left')


# ---- what it leaves alone ----

def test_music_file_ignored():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        # A movie's name, but only sound: music, not a watch.
        m = d.mpv(d.media('Inception (2010).flac', audio_only=True))
        d.wait_log('an audio file')
        m.wait_position(4)
        time.sleep(2)
        eq(scrobbles(rig), [], 'scrobbles for an audio file')
        m.quit()
        # The same bridge does scrobble a video.
        d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')


def test_short_clip_ignored():
    with Rig(config_text=FAST) as rig, Desktop(rig, config='[mpris]\nmin_minutes = 1\n') as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        d.wait_log('shorter than min_minutes')
        m.wait_position(4)
        time.sleep(2)
        eq(scrobbles(rig), [], 'scrobbles for a 30 s clip with min_minutes = 1')


def test_denied_player_ignored():
    with Rig(config_text=FAST) as rig, Desktop(rig, config=SHORT_CLIPS + 'ignore = VLC media player; MPV\n') as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        d.wait_log('not followed, as the configuration says')
        m.wait_position(4)
        time.sleep(2)
        eq(scrobbles(rig), [], 'scrobbles from a denied player')
        # Allowed again on SIGHUP: the same mpv is followed from then on.
        d.write_config(SHORT_CLIPS)
        d.bridge.send_signal(signal.SIGHUP)
        body = wait_scrobble(rig, 'start')
        check_inception(body, 'the start after SIGHUP')


def test_only_list():
    with Rig(config_text=FAST) as rig, Desktop(rig, config=SHORT_CLIPS + 'only = vlc\n') as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        d.wait_log('not followed, as the configuration says')
        m.wait_position(3)
        time.sleep(2)
        eq(scrobbles(rig), [], 'scrobbles from a player not in only=')


# ---- robust ----

def test_daemon_restarted_mid_play():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        m.wait_position(5)
        # The daemon goes and comes back while mpv plays: the session is re-created.
        rig.restart_daemon()
        body = wait_scrobble(rig, 'start', 2)
        # At the progress of now (mpv was at 5 s), not where it began.
        check(body['progress'] >= 100 * 4.5 / 30, f're-created start at {body["progress"]}')
        wait_until(lambda: len(sessions_of(rig)) == 1, what='the session re-created')
        # The daemon is away when the film ends: the stop waits for it, with the real progress.
        rig.stop_daemon()
        m.seek(26)
        quit_at(m, 28.5)
        time.sleep(1.5)
        rig.start_daemon()
        body = wait_scrobble(rig, 'stop')
        check(body['progress'] >= 90, f'stop progress sent after the daemon came back: {body["progress"]}')
        wait_drained(rig)
        time.sleep(1)
        eq(len(trakt_plays(rig, INCEPTION)), 1, 'plays on Trakt')
        wait_until(lambda: not sessions_of(rig), what='the session closed')


def test_daemon_absent_at_start():
    with Rig(config_text=FAST) as rig:
        ready(rig)
        rig.stop_daemon()
        with Desktop(rig) as d:
            m = d.mpv(d.media('Inception (2010).mkv'))
            d.wait_log('start “Inception (2010)”')
            m.wait_position(4)
            rig.start_daemon()
            body = wait_scrobble(rig, 'start')
            # Started when the daemon came, at the progress then (not 0, not when mpv began).
            check(body['progress'] >= 100 * 3.5 / 30, f'start progress {body["progress"]}')


def test_session_bus_gone():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        m.wait_position(6)
        d.bus_proc.terminate()
        d.bridge.wait(20 * SLOW)
        eq(d.bridge.returncode, 0, 'exit status when the session bus goes')
        # What was playing ended with the desktop: a stop at its progress.
        body = wait_scrobble(rig, 'stop')
        near(body['progress'], 22, 8, 'stop progress')
        check('The session bus is gone' in d.bridge_log(), 'the log says why it exited')


def test_sigterm_pauses_what_plays():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        m.wait_position(6)
        d.stop_bridge()
        body = wait_scrobble(rig, 'pause')
        near(body['progress'], 100 * m.position() / 30, 6, 'pause progress when the bridge stops')
        wait_until(lambda: not sessions_of(rig), what='the session closed')


def thread_switches(pid):
    """Context switches so far of each thread of pid, by thread id."""
    out = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/status') as f:
                out[tid] = sum(int(line.split()[1]) for line in f
                               if line.startswith(('voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')))
        except FileNotFoundError:
            pass  # a thread that just ended
    return out


def wakeups(pid, seconds):
    """Wakeups of pid's threads over the next `seconds` (a thread that ends meanwhile, such as
    GLib's thread-pool worker retiring, counts for what it did before)."""
    s0 = thread_switches(pid)
    time.sleep(seconds)
    s1 = thread_switches(pid)
    return sum(n - s0.get(t, 0) for t, n in s1.items())


def test_no_wakeups_while_nothing_plays():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        pid = d.bridge.pid
        m = d.mpv(d.media('Inception (2010).mkv', seconds=120))
        wait_scrobble(rig, 'start')
        # Playing: Position is polled (every 5 s), so the measurement sees wakeups.
        playing = wakeups(pid, 11)
        check(playing >= 4, f'{playing} wakeups in 11 s of playing: the measurement is blind')
        m.pause(True)
        wait_scrobble(rig, 'pause')
        time.sleep(2)
        paused = wakeups(pid, 12)
        check(paused <= 1, f'{paused} wakeups in 12 s with nothing playing (polling a paused player?)')
        m.quit()
        wait_scrobble(rig, 'stop')
        time.sleep(7)  # the poll timer's last tick, then nothing
        idle = wakeups(pid, 12)
        check(idle <= 1, f'{idle} wakeups in 12 s with no player at all')


def test_hostile_and_mute_players():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        script = os.path.join(d.dir, 'fake_player.py')
        shutil.copy(os.path.join(HERE, 'fake_player.py'), script)
        os.chmod(script, 0o644)
        fakes = []
        for name, mode in (('hostile', 'hostile'), ('mute', 'mute')):
            p = subprocess.Popen(as_user(d.uid) + [PYTHON, script, name, mode], env=d.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            fakes.append(p)
            eq(p.stdout.readline().strip(), 'ready', f'fake player {name}')
        try:
            d.wait_log('Following hostile')  # followed (its 1 MiB Identity ignored), its garbage ignored
            # A real player next to them is followed as usual and not held up.
            m = d.mpv(d.media('Inception (2010).mkv'))
            t0 = time.monotonic()
            wait_scrobble(rig, 'start')
            check(time.monotonic() - t0 < 10 * SLOW, 'the start was held up by the misbehaving players')
            quit_at(m, 6)
            wait_scrobble(rig, 'stop')
            time.sleep(2)
            eq(len(scrobbles(rig)), 2, 'only mpv scrobbled')
            check(d.bridge.poll() is None, 'the bridge died')
        finally:
            for p in fakes:
                p.terminate()
                p.wait(10)


def test_one_copy_per_session():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        first = d.bridge
        second = d.start_bridge(wait=False)
        second.wait(20 * SLOW)
        eq(second.returncode, 0, 'a second copy exits quietly')
        check('already runs' in d.bridge_log(second), 'the second copy says why')
        # --replace (the user unit's way) takes over from the first.
        third = d.start_bridge('--replace')
        first.wait(20 * SLOW)
        eq(first.returncode, 0, 'the replaced copy exits cleanly')
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        check(third.poll() is None, 'the new copy runs')
        m.quit()


def test_bad_config_file():
    with Rig(config_text=FAST) as rig, Desktop(rig, bridge=False) as d:
        d.write_config('[mpris]\nmin_minutes = 5\nignore = vlc\nmin_minute = 2\n')
        p = d.start_bridge(wait=False)
        p.wait(20 * SLOW)
        eq(p.returncode, 78, 'exit status for a bad configuration file')
        log = d.bridge_log(p)
        check(f'{d.config_path}:4:' in log and "'min_minute'" in log, f'the error names file, line and key: {log}')
        # --config FILE is read instead; a bad value is named the same way.
        other = os.path.join(d.dir, 'other.conf')
        with open(other, 'w') as f:
            f.write('[mpris]\n\nmin_minutes = soon\n')
        os.chmod(other, 0o644)
        p = d.start_bridge('--config', other, wait=False)
        p.wait(20 * SLOW)
        eq(p.returncode, 78, 'exit status for a bad --config file')
        check(f'{other}:3:' in d.bridge_log(p) and "'min_minutes'" in d.bridge_log(p), d.bridge_log(p))


def test_bad_config_on_sighup_keeps_the_old():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        d.write_config('[mpris]\nignore = mpv\n[players]\n')
        d.bridge.send_signal(signal.SIGHUP)
        d.wait_log(f'{d.config_path}:3: unknown group [players]')
        check(d.bridge.poll() is None, 'a bad file on SIGHUP stopped the bridge')
        m = d.mpv(d.media('Inception (2010).mkv'))
        wait_scrobble(rig, 'start')
        m.quit()


def test_incognito_by_the_user_wide_eye():
    with Rig(config_text=FAST) as rig, Desktop(rig) as d:
        ready(rig)
        # The user turns the eye on from another program (the shell extension), which stays.
        script = os.path.join(d.dir, 'eye.py')
        with open(script, 'w') as f:
            f.write('import sys, dbus\n'
                    'from gi.repository import GLib\n'
                    'from dbus.mainloop.glib import DBusGMainLoop\n'
                    'DBusGMainLoop(set_as_default=True)\n'
                    'bus = dbus.bus.BusConnection(sys.argv[1])\n'
                    "o = bus.get_object('org.kino.Trakt', '/org/kino/Trakt', introspect=False)\n"
                    "o.SetIncognito(True, dbus_interface='org.kino.Trakt')\n"
                    "print('on', flush=True)\n"
                    'GLib.MainLoop().run()\n')
        os.chmod(script, 0o644)
        eye = subprocess.Popen(as_user(d.uid) + [PYTHON, script, rig.address], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        try:
            eq(eye.stdout.readline().strip(), 'on', 'SetIncognito as the desktop user')
            m = d.mpv(d.media('Inception (2010).mkv'))
            s = wait_until(lambda: [x for x in sessions_of(rig) if str(x['PlaybackState']) == 'playing'],
                           what='a playing session')
            check(bool(s[0]['EffectiveIncognito']), 'the session is not incognito under the eye')
            m.seek(26)
            quit_at(m, 28.5)
            # The watch is kept here, and nothing about it reaches Trakt.
            wait_until(lambda: local_watches(rig, 'Inception'), what='the watch in the local history')
            wait_until(lambda: not sessions_of(rig), what='the session closed')
            time.sleep(2)
            eq(scrobbles(rig), [], 'scrobbles under the eye')
            eq([r for r in rig.control('requests') if r['path'].startswith('/sync/history') and r['method'] == 'POST'],
               [], 'history pushes')
        finally:
            eye.terminate()
            eye.wait(10)


def test_identify():
    lines = ['The.Expanse.S01E02.1080p.mkv', 'Primer (2004).mkv', '/media/tv/The Expanse/Season 01/02 - CQB.mkv',
             'file:///films/Blade%20Runner%202049%20(2017).mkv', '', 'holiday']
    out = subprocess.run([os.environ.get('KT_MPRIS'), '--identify'], input='\n'.join(lines) + '\n',
                         capture_output=True, text=True, timeout=30)
    eq(out.returncode, 0, f'exit status ({out.stderr})')
    import json
    got = [json.loads(x) for x in out.stdout.splitlines()]
    eq(len(got), len(lines), 'one line out per line in')
    eq(got[0], {'type': 'episode', 'title': 'The Expanse', 'season': 1, 'episode': 2}, lines[0])
    eq(got[1], {'type': 'movie', 'title': 'Primer', 'year': 2004}, lines[1])
    eq(got[2], {'type': 'episode', 'title': 'The Expanse', 'season': 1, 'episode': 2}, lines[2])
    eq(got[3], {'type': 'movie', 'title': 'Blade Runner 2049', 'year': 2017}, 'a file:// url, decoded')
    eq(got[4], {}, 'an empty line')
    for g in got:
        check(set(g) <= {'type', 'title', 'year', 'season', 'episode'}, f'unexpected keys: {g}')
