"""Scrobble latency benchmark (issues 4 and 11).

While the stand-in answers every request after 2 seconds, measure over the bus
how long Session.Start and Session.Stop take (median, p99), next to the floor
measured in the same run: a bare bus round trip (org.freedesktop.DBus.GetId)
plus one durable sqlite commit (WAL, synchronous=FULL, on the same file
system as the daemon's state). Then 1,000 sessions each start and finish a
film, and the state database is checked: every accepted event is there.

First, with the stand-in answering at once: the time from Session.Stop
returning to the stop's request arriving at the stand-in (its request log's
arrival time, on the same realtime clock), each Stop a second and more after
the previous write so Trakt's one-write-per-second spacing is not what is
measured. Beside it, the floor: a plain client's POST of the same kind on a
new connection, from the call to its arrival.

usage: scrobble_bench.py [SAMPLES] [SESSIONS] [STOP_SAMPLES]   (a table, then one JSON line)"""
import http.client
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


def wait_request(rig, path, after_seq, timeout=10):
    """The first request to path logged after after_seq."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in rig.control('requests'):
            if r['seq'] > after_seq and r['path'] == path:
                return r
        time.sleep(0.01)
    raise SystemExit(f'no request to {path} reached the stand-in')


def last_seq(rig):
    reqs = rig.control('requests')
    return reqs[-1]['seq'] if reqs else 0


def stop_to_arrival(rig, samples):
    """Seconds from Session.Stop returning to the stop arriving at the stand-in."""
    trakt = rig.obj()
    out = []
    for i in range(samples):
        path = trakt.CreateSession(dbus_interface='org.kino.Trakt')
        s = rig.bus.get_object('org.kino.Trakt', path, introspect=False)
        seq = last_seq(rig)
        s.get_dbus_method('Start', SESSION)(movie(900000 + i), 10.0)
        wait_request(rig, '/scrobble/start', seq)
        time.sleep(1.2)  # past the one-write-per-second spacing
        seq = last_seq(rig)
        s.get_dbus_method('Stop', SESSION)(96.0)
        t0 = time.time()
        out.append(wait_request(rig, '/scrobble/stop', seq)['time'] - t0)
        s.get_dbus_method('Close', SESSION)()
    return out


def plain_post_to_arrival(rig, samples):
    """The floor: a plain client's POST /scrobble/stop on a new connection."""
    token = max((t for t in rig.control('tokens')['access'] if t['valid']), key=lambda t: t['expires'])['token']
    headers = {'Content-Type': 'application/json', 'trakt-api-version': '2', 'trakt-api-key': 'test-client-id',
               'User-Agent': 'kino-trakt-bench/1', 'Authorization': 'Bearer ' + token}
    body = json.dumps({'movie': {'ids': {'tmdb': 500000}}, 'progress': 96.0})
    out = []
    for _ in range(samples):
        time.sleep(1.1)  # the stand-in takes one write per second
        seq = last_seq(rig)
        conn = http.client.HTTPConnection('127.0.0.1', rig.port)
        t0 = time.time()
        conn.request('POST', '/scrobble/stop', body=body, headers=headers)
        conn.getresponse().read()
        conn.close()
        out.append(wait_request(rig, '/scrobble/stop', seq)['time'] - t0)
    return out


def outbox_counts(rig):
    """Scrobble events in the outbox, and local plays."""
    db = sqlite3.connect(f'file:{os.path.join(rig.state_dir, "state.db")}?mode=ro', uri=True)
    rows = db.execute("SELECT COUNT(*) FROM outbox WHERE kind IN ('start','pause','stop')").fetchone()[0]
    plays = db.execute("SELECT COUNT(*) FROM history WHERE origin = 'local'").fetchone()[0]
    db.close()
    return rows, plays


def main():
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    stop_samples = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    with harness.Rig() as rig:
        rig.control('config', {'interval': 1})
        authorize(rig)
        rig.call('FinishConnect', False)
        plain = plain_post_to_arrival(rig, stop_samples)
        time.sleep(1.1)  # the last plain write must not make the daemon's first one wait
        to_arrival = stop_to_arrival(rig, stop_samples)
        base_rows, base_plays = outbox_counts(rig)  # what the latency phase left, not counted below
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

        accepted_events = 2 * samples + 2 * sessions  # every Start, and every Stop (pause or completed watch)
        rows, plays = outbox_counts(rig)
        rows, plays = rows - base_rows, plays - base_plays
        db = sqlite3.connect(f'file:{os.path.join(rig.state_dir, "state.db")}?mode=ro', uri=True)
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
        'stop_samples': stop_samples, 'stop_to_arrival': ms(to_arrival), 'plain_post_to_arrival': ms(plain),
    }
    print(f"{'call':<28}{'median ms':>12}{'p99 ms':>10}")
    for name, key in (('GetId (bus round trip)', 'bus_round_trip'), ('sqlite durable commit', 'durable_commit'),
                      ('Session.Start', 'start'), ('Session.Stop', 'stop')):
        print(f"{name:<28}{result[key]['median_ms']:>12.3f}{result[key]['p99_ms']:>10.3f}")
    print(f"{'Stop returned -> at Trakt':<28}{result['stop_to_arrival']['median_ms']:>12.3f}{result['stop_to_arrival']['p99_ms']:>10.3f}"
          f"   (floor: a plain client's POST {result['plain_post_to_arrival']['median_ms']:.3f} ms median;"
          f" {stop_samples} samples, the stand-in answering at once)")
    print(f"floor (round trip + commit): {result['floor_median_ms']:.3f} ms;  Start/floor {result['start_median_vs_floor']}x,"
          f" Stop/floor {result['stop_median_vs_floor']}x")
    print(f"{sessions} sessions (create, start, stop ≥ 80 %, close) in {wall:.2f} s = {result['session_calls_per_s']} calls/s;"
          f" events accepted {accepted_events}, in the outbox {rows}, lost {accepted_events - rows};"
          f" local plays {plays}; still to deliver {pending} (1 write/s, Trakt answering in 2 s)")
    print(json.dumps(result))


main()
