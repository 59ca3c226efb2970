"""Sweep benchmark (issues 5 and 6): after an import of ROWS plays, the
requests and daemon CPU of (a) a sweep when nothing changed on Trakt and
(b) a sweep after 1,000 new plays from another device, against the floors
1 and 1 + ceil(1000/250) (+1: the count that tells whether plays were
removed); plus call latency of Rate, GetHistory(0, 100) and property reads.

usage: sweep_bench.py [ROWS] [NEW_PLAYS]   (prints a table, then one JSON line)"""
import json
import math
import statistics
import sys
import time

import dbus

from benchlib import harness, connect_and_import, proc_cpu_seconds as cpu


def sweep(rig, sigs):
    rig.control('requests/clear', {})
    pid = rig.daemon.pid
    c0, t0 = cpu(pid), time.monotonic()
    sigs.items.clear()
    rig.call('SyncNow')
    kind, ok, err = sigs.wait_for(lambda a: str(a[0]) == 'incremental', timeout=300, what='the sweep')
    wall = time.monotonic() - t0
    if not ok:
        raise SystemExit(f'sweep failed: {err}')
    reqs = [f"{r['method']} {r['path']}" for r in rig.control('requests')]
    return {'requests': len(reqs), 'paths': reqs[:12], 'daemon_cpu_s': round(cpu(pid) - c0, 3), 'wall_s': round(wall, 2)}


def lat(fn, n=200):
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t)
    xs.sort()
    return {'median_ms': round(statistics.median(xs) * 1000, 3), 'p99_ms': round(xs[int(0.99 * (len(xs) - 1))] * 1000, 3)}


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    new = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with harness.Rig(config_text='[Trakt]\nsync_interval = 86400\n') as rig:
        rig.control('config', {'interval': 1})
        rig.control('seed', {'movies': 3000, 'shows': 50, 'episodes_per_show': 20, 'history': rows,
                             'ratings': 500, 'watchlist': 50, 'collection': 100, 'playback': 20, 'recommendations': 20})
        connect_and_import(rig)
        sigs = harness.SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
        time.sleep(7)  # the sweep shortly after connecting
        unchanged = sweep(rig, sigs)
        now = time.time()
        # Films not on the watchlist: a watched one would leave it, and that
        # change (with the recommendations it refreshes) is another category's.
        listed = {w['movie']['ids']['trakt'] for w in rig.control('account')['watchlist'] if w.get('type') == 'movie'}
        films = [500000 + i for i in range(3000) if 500000 + i not in listed]
        items = [{'type': 'movie', 'movie': {'ids': {'trakt': films[i % len(films)]}},
                  'watched_at': time.strftime('%Y-%m-%dT%H:%M:%S.000Z', time.gmtime(now - 60 - i))} for i in range(new)]
        rig.control('history/add', {'items': items})
        changed = sweep(rig, sigs)
        sigs.close()

        m = dbus.Dictionary({'type': 'movie', 'trakt': dbus.UInt32(500001)}, signature='sv')
        obj = rig.obj()
        rig.control('config', {'delay': 2.0})
        calls = {
            'Rate': lat(lambda: obj.Rate(m, dbus.Byte(7), dbus_interface='org.kino.Trakt')),
            'GetHistory(0,100)': lat(lambda: obj.GetHistory(dbus.UInt64(0), dbus.UInt32(100), dbus_interface='org.kino.Trakt')),
            'Get(ScrobbleStatus)': lat(lambda: obj.Get('org.kino.Trakt', 'ScrobbleStatus',
                                                       dbus_interface='org.freedesktop.DBus.Properties')),
            'GetAll': lat(lambda: obj.GetAll('org.kino.Trakt', dbus_interface='org.freedesktop.DBus.Properties')),
        }
        rig.control('config', {'delay': 0})
    floor_b = 1 + math.ceil(new / 250) + 1
    result = {'benchmark': 'sweep', 'import_rows': rows, 'new_plays': new, 'unchanged': unchanged, 'after_new_plays': changed,
              'floor_unchanged': 1, 'floor_after_new_plays': floor_b, 'calls_with_trakt_2s_slow': calls}
    print(f"{'sweep':<28}{'requests':>9}{'floor':>7}{'CPU s':>8}")
    print(f"{'nothing changed':<28}{unchanged['requests']:>9}{1:>7}{unchanged['daemon_cpu_s']:>8}")
    print(f"{f'{new} new plays':<28}{changed['requests']:>9}{floor_b:>7}{changed['daemon_cpu_s']:>8}")
    print(f"{'call (Trakt answering in 2 s)':<28}{'median ms':>10}{'p99 ms':>9}")
    for k, v in calls.items():
        print(f"{k:<28}{v['median_ms']:>10.3f}{v['p99_ms']:>9.3f}")
    print(json.dumps(result))


main()
