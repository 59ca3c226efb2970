"""Import benchmark (issues 3 and 11): a stand-in account of ROWS history plays
(default 50,000), 2,000 ratings, 250 watchlist items, 1,000 collected items and
100 resume points, imported with FinishConnect(true).

History rows are shaped like Trakt's real ones (an episode and its show, every
id, titles of real length: about 380 bytes of JSON each); --synthetic gives the
older, smaller rows (a third of them films with fewer ids).

Reports the wall time, the daemon's own CPU time, its peak RSS and private
memory, and the HTTP requests against the floor ceil(rows/250) per paged
category. Beside them, measured in the same run:
  - reference: a plain Python client fetching the same pages (every GET the
    daemon made, in order, over one kept-alive connection) from the same
    stand-in: what the stand-in and loopback cost, i.e. the wall-time floor;
  - floor: bench/import-floor parsing those bodies with json-c and inserting
    the rows the import stored, with the daemon's schema and pragmas: the
    CPU-time floor.

usage: import_bench.py [--synthetic] [HISTORY_ROWS ...]   (a table, then JSON)"""
import http.client
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

from benchlib import harness, authorize, proc_cpu_seconds, proc_status, proc_times

FLOOR = os.environ.get('KT_IMPORT_FLOOR', os.path.join(harness.SRC, 'build', 'bench', 'import-floor'))


def reference_fetch(rig, gets, token, out_dir):
    """Fetch the same GETs as a plain client; save the bodies for the floor."""
    conn = http.client.HTTPConnection('127.0.0.1', rig.port)
    headers = {'Content-Type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'test-client-id',
               'User-Agent': 'kino-trakt-bench/1', 'Authorization': 'Bearer ' + token}
    size = 0
    t0 = time.monotonic()
    for i, target in enumerate(gets):
        conn.request('GET', target, headers=headers)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f'reference client: {target} answered {r.status}')
        size += len(body)
        with open(os.path.join(out_dir, f'{i:05d}.json'), 'wb') as f:
            f.write(body)
    wall = time.monotonic() - t0
    conn.close()
    return wall, size


def run(history, real):
    ratings, watchlist, collection, playback = 2000, 250, 1000, 100
    with harness.Rig() as rig:
        rig.control('config', {'interval': 1})
        t0 = time.monotonic()
        rig.control('seed', {'movies': 3000, 'shows': 100, 'episodes_per_show': 20, 'history': history,
                             'ratings': ratings, 'watchlist': watchlist, 'collection': collection,
                             'playback': playback, 'recommendations': 50, 'real_shape': real})
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
        db = sqlite3.connect(f'file:{os.path.join(rig.state_dir, "state.db")}?mode=ro', uri=True)
        rows = db.execute('SELECT COUNT(*) FROM history').fetchone()[0]
        db.close()

        # The reference client and the floor, on the same pages.
        gets = [r['path'] + ('?' + r['query'] if r['query'] else '') for r in reqs if r['method'] == 'GET']
        token = max((t for t in rig.control('tokens')['access'] if t['valid']), key=lambda t: t['expires'])['token']
        rig.control('config', {'rate_limit': True})  # a fresh GET budget for the reference client
        with tempfile.TemporaryDirectory(prefix='kt-floor-') as tmp:
            bodies = os.path.join(tmp, 'bodies')
            os.mkdir(bodies)
            ref_wall, ref_bytes = reference_fetch(rig, gets, token, bodies)
            out = subprocess.run([FLOOR, bodies, os.path.join(rig.state_dir, 'state.db'), os.path.join(tmp, 'scratch.db')],
                                 check=True, capture_output=True, text=True).stdout
            fl = json.loads(out.strip().splitlines()[-1])
        return {
            'history_rows': history, 'shape': 'real' if real else 'synthetic', 'ok': bool(ok), 'error': str(err),
            'stand_in_seed_s': round(seed_s, 2),
            'wall_s': round(wall, 2), 'daemon_cpu_s': round(cpu, 3), 'daemon_user_s': round(user1 - user0, 3),
            'daemon_sys_s': round(sys1 - sys0, 3), 'peak_rss_kib': hwm, 'rss_anon_kib': rss_anon,
            'requests_total': len(reqs), 'requests_by_path': by_path, 'floor_paged': floor,
            'at_floor': all(by_path.get(p, 0) == n for p, n in floor.items()),
            'local_history_rows': rows, 'rows_per_cpu_s': round(rows / cpu) if cpu else None,
            'collected_episode_items': collected_shows,
            'reference_wall_s': round(ref_wall, 3), 'bytes_fetched': ref_bytes, 'gets': len(gets),
            'floor_cpu_s': fl['cpu_s'], 'floor_parse_cpu_s': fl['parse_cpu_s'], 'floor_insert_cpu_s': fl['insert_cpu_s'],
            'floor_insert_wall_s': fl['insert_wall_s'], 'floor_rows': fl['rows'],
        }


def main():
    args = sys.argv[1:]
    real = '--synthetic' not in args
    sizes = [int(a) for a in args if not a.startswith('--')] or [50000]
    results = [run(n, real) for n in sizes]
    print(f"history rows: {'real-shaped' if real else 'synthetic'}")
    print(f"{'history':>8} {'MB':>6} {'wall s':>7} {'ref. s':>7} {'cpu s':>6} {'user s':>6} {'sys s':>6} {'floor s':>7}"
          f" {'peak RSS MiB':>12} {'RssAnon MiB':>11} {'requests':>8} {'at floor':>8} {'CPU ms/1k rows':>14}")
    for r in results:
        per_k = r['daemon_cpu_s'] * 1e6 / r['history_rows']
        r['cpu_ms_per_1k_rows'] = round(per_k, 1)
        print(f"{r['history_rows']:>8} {r['bytes_fetched'] / 1e6:>6.1f} {r['wall_s']:>7} {r['reference_wall_s']:>7} {r['daemon_cpu_s']:>6}"
              f" {r['daemon_user_s']:>6} {r['daemon_sys_s']:>6} {r['floor_cpu_s']:>7} {r['peak_rss_kib'] / 1024:>12.1f}"
              f" {r['rss_anon_kib'] / 1024:>11.1f} {r['requests_total']:>8} {str(r['at_floor']):>8} {per_k:>14.1f}")
    print("ref. = a plain client fetching the same pages; floor = json-c parsing them + sqlite inserting the same rows"
          " (parse + insert CPU)")
    # Growth: CPU per row at the largest size over the smallest (1.0 = linear).
    if len(results) > 1 and results[0]['daemon_cpu_s']:
        a, b = results[0], results[-1]
        ratio = (b['daemon_cpu_s'] / b['history_rows']) / (a['daemon_cpu_s'] / a['history_rows'])
        print(f"CPU per row at {b['history_rows']} over {a['history_rows']}: {ratio:.2f} (1.00 = linear growth)")
    print(json.dumps(results, indent=1))


main()
