"""The MPRIS bridge's footprint (issue 12, item 8): wakeups, CPU and memory
of kino-trakt-mpris with no player, with a paused player, with one and with
three mpv playing, and under a storm of hostile metadata; and its memory
after a thousand files played one after another. Real mpv + mpv-mpris, the
real daemon and the stand-in (tests/integration/desktop.py); the bridge runs
with no configuration file (min_minutes 5), so clips are 10 minutes long.

A wakeup is a context switch of any of the bridge's threads (GLib's main
thread and GDBus's worker), read from /proc/PID/task/*/status.

usage: mpris_bench.py [WINDOW_SECONDS] [FILES]   (defaults 60, 1000)   (prints a table, then one JSON line)"""
import json
import os
import shutil
import subprocess
import sys
import time

from benchlib import harness, proc_cpu_seconds, proc_status

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'integration'))
import desktop  # noqa: E402
from test_scrobble import FAST, live  # noqa: E402


def thread_switches(pid):
    out = {}
    for tid in os.listdir(f'/proc/{pid}/task'):
        with open(f'/proc/{pid}/task/{tid}/status') as f:
            st = dict(line.split(':', 1) for line in f if ':' in line)
        out[st['Name'].strip() + '/' + tid] = int(st['voluntary_ctxt_switches']) + \
            int(st['nonvoluntary_ctxt_switches'])
    return out


def pss_kib(pid):
    with open(f'/proc/{pid}/smaps_rollup') as f:
        for line in f:
            if line.startswith('Pss:'):
                return int(line.split()[1])
    return 0


def memory(pid):
    return {'vm_rss_kib': proc_status(pid, 'VmRSS'), 'rss_anon_kib': proc_status(pid, 'RssAnon'),
            'rss_file_kib': proc_status(pid, 'RssFile'), 'pss_kib': pss_kib(pid),
            'vm_hwm_kib': proc_status(pid, 'VmHWM'), 'threads': proc_status(pid, 'Threads')}


def window(pid, seconds):
    s0, c0, t0 = thread_switches(pid), proc_cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    s1, c1, t1 = thread_switches(pid), proc_cpu_seconds(pid), time.monotonic()
    per_thread = {k: s1[k] - s0.get(k, 0) for k in s1}
    total = sum(per_thread.values())
    return {'window_s': round(t1 - t0, 1), 'wakeups': total, 'per_thread': per_thread,
            'wakeups_per_minute': round(total * 60 / (t1 - t0), 1), 'cpu_s': round(c1 - c0, 3),
            'memory': memory(pid)}


def floor(d):
    """The same figures for the smallest GDBus client (bench/gdbus_floor.c), built with the same flags."""
    exe = os.path.join(d.dir, 'gdbus-floor')
    flags = subprocess.run(['pkg-config', '--cflags', '--libs', 'gio-2.0'], capture_output=True, text=True,
                           check=True).stdout.split()
    subprocess.run(['cc', '-O2', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gdbus_floor.c'), '-o', exe,
                    '-Wl,-z,relro', '-Wl,-z,now'] + flags, check=True)
    os.chmod(exe, 0o755)
    p = subprocess.Popen(desktop.as_user(d.uid) + [exe], env=d.env)
    try:
        time.sleep(3)
        return memory(p.pid)
    finally:
        p.terminate()
        p.wait(10)


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    result = {'benchmark': 'mpris'}
    with harness.Rig(config_text=FAST) as rig, desktop.Desktop(rig, config=None) as d:
        live(rig)
        rig.polkit_allow('org.kino.trakt.use')
        pid = d.bridge.pid
        time.sleep(3)
        result['started'] = memory(pid)
        result['gdbus_floor'] = floor(d)
        result['idle'] = window(pid, secs)

        film = d.media('Primer (2004).mkv', seconds=600, args=['-s', '160x120'])
        show = d.media('The.Expanse.S01E02.1080p.mkv', seconds=600)
        other = d.media('Inception (2010).mkv', seconds=600)

        m = d.mpv(film, '--pause')
        time.sleep(3)
        result['paused_player'] = window(pid, secs)
        m.pause(False)
        desktop.wait_until(lambda: any(r['path'] == '/scrobble/start' for r in rig.control('requests')),
                           what='the start')
        time.sleep(2)
        result['one_playing'] = window(pid, secs)

        more = [d.mpv(show), d.mpv(other)]
        desktop.wait_until(lambda: sum(r['path'] == '/scrobble/start' for r in rig.control('requests')) >= 3,
                           what='three starts')
        time.sleep(2)
        result['three_playing'] = window(pid, secs)
        for p in [m] + more:
            p.quit()
        time.sleep(3)
        result['after_players'] = window(pid, min(secs, 20))

        # Many files one after another in one mpv (a playlist of 1 s clips at
        # ten times speed, min_minutes 0): memory must not grow with them.
        d.write_config('[mpris]\nmin_minutes = 0\n')
        d.bridge.send_signal(1)
        clip = d.media('Clip.2001.mkv', seconds=1, args=['-s', '64x48'])
        playlist = os.path.join(d.dir, 'playlist.m3u')
        with open(playlist, 'w') as f:
            for i in range(files):
                link = os.path.join(d.dir, 'media', f'Film.Number.{i}.{1950 + i % 70}.mkv')
                os.link(clip, link)
                f.write(link + '\n')
        os.chmod(playlist, 0o644)
        before = memory(pid)
        t0 = time.monotonic()
        p = d.mpv('--playlist=' + playlist, '--speed=10')  # 0.1 s a file: metadata churn
        p.proc.wait(files * 5 + 120)
        time.sleep(3)
        after = memory(pid)
        result['playlist'] = {'files': files, 'seconds': round(time.monotonic() - t0, 1), 'before': before,
                              'after': after,
                              'starts_at_trakt': sum(r['path'] == '/scrobble/start' for r in rig.control('requests'))}
        # A hostile player: a megabyte of metadata five times a second.
        script = os.path.join(d.dir, 'fake_player.py')
        shutil.copy(os.path.join(desktop.SRC, 'tests', 'integration', 'fake_player.py'), script)
        os.chmod(script, 0o644)
        fake = subprocess.Popen(desktop.as_user(d.uid) + [harness.PYTHON, script, 'hostile', 'hostile'], env=d.env,
                                stdout=subprocess.PIPE, text=True)
        fake.stdout.readline()
        time.sleep(2)
        result['metadata_storm'] = window(pid, min(secs, 30))
        fake.terminate()
        fake.wait(10)
        time.sleep(5)
        result['after_storm'] = memory(pid)

        result['exit_code'] = d.stop_bridge()

    def mib(k):
        return f'{k / 1024:.2f}'
    print(f"{'phase':<16} {'wakeups':>8} {'per min':>8} {'CPU s':>7} {'VmRSS MiB':>10} {'RssAnon MiB':>12} "
          f"{'PSS MiB':>8}")
    for phase in ('idle', 'paused_player', 'one_playing', 'three_playing', 'after_players', 'metadata_storm'):
        r = result[phase]
        mem = r['memory']
        print(f"{phase:<16} {r['wakeups']:>8} {r['wakeups_per_minute']:>8} {r['cpu_s']:>7} "
              f"{mib(mem['vm_rss_kib']):>10} {mib(mem['rss_anon_kib']):>12} {mib(mem['pss_kib']):>8}")
    f = result['gdbus_floor']
    print(f"(a bare GDBus client on the same bus: VmRSS {mib(f['vm_rss_kib'])} MiB, RssAnon {mib(f['rss_anon_kib'])} MiB, "
          f"PSS {mib(f['pss_kib'])} MiB)")
    pl = result['playlist']
    print(f"{pl['files']} files played in a row in {pl['seconds']} s ({pl['starts_at_trakt']} starts at Trakt in all): "
          f"RssAnon {mib(pl['before']['rss_anon_kib'])} → {mib(pl['after']['rss_anon_kib'])} MiB, "
          f"VmRSS {mib(pl['before']['vm_rss_kib'])} → {mib(pl['after']['vm_rss_kib'])} MiB")
    a = result['after_storm']
    print(f"5 s after the storm: VmRSS {mib(a['vm_rss_kib'])} MiB, RssAnon {mib(a['rss_anon_kib'])} MiB, "
          f"peak {mib(a['vm_hwm_kib'])} MiB (GDBus keeps its read buffer at the largest message's size)")
    print(json.dumps(result))


main()
