"""Scrobble latency benchmark (issue 4).

While the stand-in answers every request after 2 seconds, measure over the bus
how long Session.Start and Session.Stop take (median, p99), next to the floor
measured in the same run: a bare bus round trip (org.freedesktop.DBus.GetId)
plus one durable sqlite commit (WAL, synchronous=FULL, on the same file
system as the daemon's state). Then 1,000 sessions each start and finish a
film, and the state database is checked: every accepted event is there.

usage: scrobble_bench.py [SAMPLES] [SESSIONS]   (prints a table, then one JSON line)"""
import json
import os
import sqlite3
import statistics
import sys
import time

import dbus

from benchlib import harness, authorize

SESSION = 'org.kino.Trakt.Session'


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ms(xs):
    return {'median_ms': round(statistics.median(xs) * 1000, 3), 'p99_ms': round(pct(xs, 99) * 1000, 3)}


def movie(i):
    return dbus.Dictionary({'type': 'movie', 'tmdb': dbus.UInt32(500000 + i), 'title': f'Bench {i}',
                            'year': dbus.UInt32(2020)}, signature='sv')


def floor(rig, samples):
    dbus_obj = rig.bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
    getid = dbus_obj.get_dbus_method('GetId', 'org.freedesktop.DBus')
    rt = []
    for _ in range(samples):
        t = time.perf_counter()
        getid()
        rt.append(time.perf_counter() - t)
    db = sqlite3.connect(os.path.join(rig.tmp, 'floor.db'), isolation_level=None)
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('PRAGMA synchronous=FULL')
    db.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)')
    commits = []
    for i in range(samples):
        t = time.perf_counter()
        db.execute('BEGIN IMMEDIATE')
        db.execute('INSERT INTO t(payload) VALUES (?)', ('{"media":{"type":"movie"},"progress":10}',))
        db.execute('COMMIT')
        commits.append(time.perf_counter() - t)
    db.close()
    return rt, commits


def main():
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with harness.Rig() as rig:
        rig.control('config', {'interval': 1})
        authorize(rig)
        rig.call('FinishConnect', False)
        rig.control('config', {'delay': 2.0})  # Trakt is slow: every answer takes 2 s

        rt, commits = floor(rig, samples)
        trakt = rig.obj()
        starts, stops = [], []
        for i in range(samples):
            path = trakt.CreateSession(dbus_interface='org.kino.Trakt')
            s = rig.bus.get_object('org.kino.Trakt', path, introspect=False)
            start = s.get_dbus_method('Start', SESSION)
            stop = s.get_dbus_method('Stop', SESSION)
            t = time.perf_counter()
            start(movie(i), 10.0)
            starts.append(time.perf_counter() - t)
            t = time.perf_counter()
            stop(50.0)  # a pause at 50 %: one more outbox row
            stops.append(time.perf_counter() - t)
            s.get_dbus_method('Close', SESSION)()

        # Throughput: many sessions, each a completed watch.
        t0 = time.perf_counter()
        for i in range(sessions):
            path = trakt.CreateSession(dbus_interface='org.kino.Trakt')
            s = rig.bus.get_object('org.kino.Trakt', path, introspect=False)
            s.get_dbus_method('Start', SESSION)(movie(samples + i), 85.0)
            s.get_dbus_method('Stop', SESSION)(96.0)
            s.get_dbus_method('Close', SESSION)()
        wall = time.perf_counter() - t0

        db = sqlite3.connect(f'file:{os.path.join(rig.state_dir, "state.db")}?mode=ro', uri=True)
        accepted_events = 2 * samples + 2 * sessions  # every Start, and every Stop (pause or completed watch)
        rows = db.execute("SELECT COUNT(*) FROM outbox WHERE kind IN ('start','pause','stop')").fetchone()[0]
        plays = db.execute("SELECT COUNT(*) FROM history WHERE origin = 'local'").fetchone()[0]
        pending = db.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
        db.close()
        pid = rig.daemon.pid
        with open(f'/proc/{pid}/status') as f:
            rss_anon = [int(line.split()[1]) for line in f if line.startswith('RssAnon:')][0]
        rig.control('config', {'delay': 0})

    floor_med = statistics.median(rt) + statistics.median(commits)
    result = {
        'benchmark': 'scrobble', 'samples': samples, 'trakt_delay_s': 2.0,
        'bus_round_trip': ms(rt), 'durable_commit': ms(commits), 'floor_median_ms': round(floor_med * 1000, 3),
        'start': ms(starts), 'stop': ms(stops),
        'start_median_vs_floor': round(statistics.median(starts) / floor_med, 2),
        'stop_median_vs_floor': round(statistics.median(stops) / floor_med, 2),
        'sessions': sessions, 'sessions_wall_s': round(wall, 2), 'session_calls_per_s': round(4 * sessions / wall, 1),
        'events_accepted': accepted_events, 'events_in_outbox': rows, 'events_lost': accepted_events - rows,
        'local_plays': plays, 'pending_after': pending, 'rss_anon_kib': rss_anon,
    }
    print(f"{'call':<28}{'median ms':>12}{'p99 ms':>10}")
    for name, key in (('GetId (bus round trip)', 'bus_round_trip'), ('sqlite durable commit', 'durable_commit'),
                      ('Session.Start', 'start'), ('Session.Stop', 'stop')):
        print(f"{name:<28}{result[key]['median_ms']:>12.3f}{result[key]['p99_ms']:>10.3f}")
    print(f"floor (round trip + commit): {result['floor_median_ms']:.3f} ms;  Start/floor {result['start_median_vs_floor']}x,"
          f" Stop/floor {result['stop_median_vs_floor']}x")
    print(f"{sessions} sessions (create, start, stop ≥ 80 %, close) in {wall:.2f} s = {result['session_calls_per_s']} calls/s;"
          f" events accepted {accepted_events}, in the outbox {rows}, lost {accepted_events - rows};"
          f" local plays {plays}; still to deliver {pending} (1 write/s, Trakt answering in 2 s)")
    print(json.dumps(result))


main()
