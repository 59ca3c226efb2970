"""Import benchmark (issue 3): a stand-in account of 50,000 history rows, 2,000
ratings, 250 watchlist items, 1,000 collected items and 100 resume points
(sizes can be given as ROWS on the command line). Reports wall time, the
daemon's own CPU time, its peak RSS and private memory, and the HTTP requests
against the floor ceil(rows/250) per paged category.

usage: import_bench.py [HISTORY_ROWS ...]   (writes JSON lines to stdout's end)"""
import json
import math
import sys
import time

from benchlib import harness, authorize, proc_cpu_seconds, proc_status, proc_times


def run(history):
    ratings, watchlist, collection, playback = 2000, 250, 1000, 100
    with harness.Rig() as rig:
        rig.control('config', {'interval': 1})
        t0 = time.monotonic()
        rig.control('seed', {'movies': 3000, 'shows': 100, 'episodes_per_show': 20, 'history': history,
                             'ratings': ratings, 'watchlist': watchlist, 'collection': collection,
                             'playback': playback, 'recommendations': 50})
        seed_s = time.monotonic() - t0
        authorize(rig)
        rig.control('requests/clear', {})
        pid = rig.daemon.pid
        cpu0 = proc_cpu_seconds(pid)
        user0, sys0 = proc_times(pid)
        done = harness.SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        t0 = time.monotonic()
        rig.call('FinishConnect', True)
        kind, ok, err = done.wait_for(lambda s: True, timeout=1800)
        wall = time.monotonic() - t0
        cpu = proc_cpu_seconds(pid) - cpu0
        user1, sys1 = proc_times(pid)
        hwm = proc_status(pid, 'VmHWM')
        rss_anon = proc_status(pid, 'RssAnon')
        reqs = rig.control('requests')
        by_path = {}
        for r in reqs:
            by_path[r['path']] = by_path.get(r['path'], 0) + 1
        collected_shows = sum(1 for c in rig.control('account')['collection'] if c['type'] == 'episode')
        floor = {
            '/sync/history': math.ceil(history / 250),
            '/sync/ratings/all': math.ceil(ratings / 250),
            '/sync/watchlist': math.ceil(watchlist / 250),
            '/sync/playback': math.ceil(playback / 250),
        }
        rows = len(rig.call('GetHistory', harness.dbus.UInt64(0), harness.dbus.UInt32(0)))
        return {
            'history_rows': history, 'ok': bool(ok), 'error': str(err), 'stand_in_seed_s': round(seed_s, 2),
            'wall_s': round(wall, 2), 'daemon_cpu_s': round(cpu, 3), 'daemon_user_s': round(user1 - user0, 3),
            'daemon_sys_s': round(sys1 - sys0, 3), 'peak_rss_kib': hwm, 'rss_anon_kib': rss_anon,
            'requests_total': len(reqs), 'requests_by_path': by_path, 'floor_paged': floor,
            'at_floor': all(by_path.get(p, 0) == n for p, n in floor.items()),
            'local_history_rows': rows, 'rows_per_cpu_s': round(rows / cpu) if cpu else None,
            'collected_episode_items': collected_shows,
        }


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [50000]
    results = [run(n) for n in sizes]
    print(f"{'history':>8} {'wall s':>7} {'cpu s':>6} {'user s':>6} {'sys s':>6} {'peak RSS MiB':>12} {'RssAnon MiB':>11} {'requests':>8} {'at floor':>8}"
          f" {'CPU ms/1k rows':>14} {'rows/CPU s':>10}")
    for r in results:
        per_k = r['daemon_cpu_s'] * 1e6 / r['history_rows']
        r['cpu_ms_per_1k_rows'] = round(per_k, 1)
        print(f"{r['history_rows']:>8} {r['wall_s']:>7} {r['daemon_cpu_s']:>6} {r['daemon_user_s']:>6} {r['daemon_sys_s']:>6} {r['peak_rss_kib'] / 1024:>12.1f} "
              f"{r['rss_anon_kib'] / 1024:>11.1f} {r['requests_total']:>8} {str(r['at_floor']):>8} {per_k:>14.1f} {r['rows_per_cpu_s'] or 0:>10}")
    # Growth: CPU per row at the largest size over the smallest (1.0 = linear).
    if len(results) > 1 and results[0]['daemon_cpu_s']:
        a, b = results[0], results[-1]
        ratio = (b['daemon_cpu_s'] / b['history_rows']) / (a['daemon_cpu_s'] / a['history_rows'])
        print(f"CPU per row at {b['history_rows']} over {a['history_rows']}: {ratio:.2f} (1.00 = linear growth)")
    print(json.dumps(results, indent=1))


main()
