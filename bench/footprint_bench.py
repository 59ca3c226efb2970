"""Footprint benchmark (issue 6): start-up time from exec to the bus name
being owned, private memory (RssAnon) and VmRSS when idle, and wakeups while
idle (context switches of the connected daemon over a quiet window, scaled
to an hour; the sweep timer is the only planned wakeup).

usage: footprint_bench.py [STARTS] [IDLE_SECONDS] [IMPORT_ROWS]   (prints a table, then one JSON line)"""
import json
import statistics
import sys
import time

from benchlib import harness, connect_and_import, proc_status as status, switches


def main():
    starts = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    idle_s = float(sys.argv[2]) if len(sys.argv) > 2 else 60
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    with harness.Rig(daemon=False) as rig:
        times = []
        for _ in range(starts):
            t = time.perf_counter()
            rig.start_daemon(wait=False)
            while not rig.bus.name_has_owner('org.kino.Trakt'):
                if rig.daemon.poll() is not None:
                    raise SystemExit('the daemon exited at start')
                time.sleep(0.0005)
            times.append(time.perf_counter() - t)
            rig.stop_daemon()
            harness.wait_until(lambda: not rig.bus.name_has_owner('org.kino.Trakt'), what='name released')
        rig.start_daemon()
        pid = rig.daemon.pid
        fresh = {'rss_anon_kib': status(pid, 'RssAnon'), 'vm_rss_kib': status(pid, 'VmRSS')}

        rig.control('config', {'interval': 1})
        rig.control('seed', {'movies': 2000, 'shows': 50, 'episodes_per_show': 20, 'history': rows, 'ratings': rows // 25,
                             'watchlist': 100, 'collection': 200, 'playback': 50, 'recommendations': 20})
        connect_and_import(rig)
        time.sleep(5)  # let the first sweep after connecting run and settle
        s0, t0 = switches(pid), time.monotonic()
        time.sleep(idle_s)
        s1, t1 = switches(pid), time.monotonic()
        idle = {'rss_anon_kib': status(pid, 'RssAnon'), 'vm_rss_kib': status(pid, 'VmRSS'),
                'context_switches': s1 - s0, 'window_s': round(t1 - t0, 1),
                'wakeups_per_hour': round((s1 - s0) * 3600 / (t1 - t0))}
    result = {'benchmark': 'footprint', 'startup_ms': {'median': round(statistics.median(times) * 1000, 2),
                                                       'max': round(max(times) * 1000, 2), 'runs': starts},
              'fresh': fresh, 'import_rows': rows, 'idle_connected': idle}
    print(f"start-up (exec → org.kino.Trakt owned): median {result['startup_ms']['median']} ms, "
          f"max {result['startup_ms']['max']} ms over {starts} starts")
    print(f"fresh daemon: RssAnon {fresh['rss_anon_kib'] / 1024:.2f} MiB, VmRSS {fresh['vm_rss_kib'] / 1024:.1f} MiB")
    print(f"connected and idle after a {rows}-play import: RssAnon {idle['rss_anon_kib'] / 1024:.2f} MiB, "
          f"VmRSS {idle['vm_rss_kib'] / 1024:.1f} MiB, {idle['context_switches']} wakeups in {idle['window_s']} s "
          f"(≈ {idle['wakeups_per_hour']} per hour)")
    print(json.dumps(result))


main()
