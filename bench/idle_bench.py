"""Idle benchmark (issue 5 (c)): a connected daemon left alone with its
default 5-minute sweep. Every wakeup is found by sampling the daemon's
context switches (/proc/PID/status) twice a second, and each is matched to
the sweep whose requests reached the stand-in within 2 s of it. The aim is
no wakeup between sweeps.

usage: idle_bench.py [SECONDS [SWEEP_INTERVAL]]
  (default 3600 s with the daemon's default interval; prints a table, then one JSON line)"""
import json
import sys
import time

from benchlib import harness, connect_and_import, proc_cpu_seconds, switches


def main():
    window = float(sys.argv[1]) if len(sys.argv) > 1 else 3600
    args = ['--sync-interval', sys.argv[2]] if len(sys.argv) > 2 else []  # default: a sweep every 5 minutes
    with harness.Rig(daemon_args=args) as rig:
        rig.control('config', {'interval': 1})
        rig.control('seed', {'movies': 200, 'shows': 5, 'episodes_per_show': 5, 'history': 500, 'ratings': 50,
                             'watchlist': 10, 'collection': 20, 'playback': 5, 'recommendations': 10})
        connect_and_import(rig, timeout=600)
        # The test's own bus connection stays quiet from here: nothing but the
        # daemon's timer can wake it.
        time.sleep(10)
        pid = rig.daemon.pid
        t0 = time.time()
        cpu0 = proc_cpu_seconds(pid)
        last, wakes = switches(pid), []
        while time.time() - t0 < window:
            time.sleep(0.5)
            n = switches(pid)
            if n != last:
                wakes.append((time.time(), n - last))
                last = n
        cpu1 = proc_cpu_seconds(pid)
        reqs = [r for r in rig.control('requests') if r['time'] >= t0 - 1 and not r['path'].startswith('/oauth/')]
    sweeps = sorted({round(r['time']) for r in reqs if r['path'] == '/sync/last_activities'})
    between = [(t, n) for t, n in wakes if not any(abs(t - r['time']) <= 2 for r in reqs)]
    result = {'benchmark': 'idle', 'window_s': round(window), 'sweep_interval_s': int(sys.argv[2]) if args else 300,
              'sweeps': len(sweeps), 'requests': len(reqs),
              'wakeups_total': sum(n for _, n in wakes), 'wakeup_moments': len(wakes),
              'wakeups_between_sweeps': sum(n for _, n in between),
              'daemon_cpu_s': round(cpu1 - cpu0, 2)}
    print(f"{'idle window':<28}{result['window_s']:>8} s")
    print(f"{'sweeps (last_activities)':<28}{result['sweeps']:>8}")
    print(f"{'requests to Trakt':<28}{result['requests']:>8}")
    print(f"{'context switches, all':<28}{result['wakeups_total']:>8}  ({result['wakeup_moments']} moments)")
    print(f"{'  between sweeps':<28}{result['wakeups_between_sweeps']:>8}")
    print(f"{'daemon CPU':<28}{result['daemon_cpu_s']:>8} s")
    print(json.dumps(result))


main()
