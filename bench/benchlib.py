"""What the benchmarks share: the test harness, /proc readers and connecting
a daemon to the stand-in."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'integration'))
import harness  # noqa: E402,F401  (re-exported)


def proc_times(pid):
    """(user, system) CPU seconds of the process."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    tick = os.sysconf('SC_CLK_TCK')
    return int(fields[11]) / tick, int(fields[12]) / tick


def proc_cpu_seconds(pid):
    return sum(proc_times(pid))


def proc_status(pid, key):
    """A number from /proc/PID/status (kB for the memory lines)."""
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return 0


def switches(pid):
    """Context switches so far: each is a wakeup of the (single-threaded) daemon."""
    return proc_status(pid, 'voluntary_ctxt_switches') + proc_status(pid, 'nonvoluntary_ctxt_switches')


def authorize(rig):
    """Configure, Connect and approve the device code; FinishConnect is the caller's."""
    rig.call('Configure', 'test-client-id', 'test-client-secret')
    sigs = harness.SignalCatcher(rig, interface='org.kino.Trakt', member='ConnectFinished')
    rig.call('Connect')
    rig.control('device/approve', {})
    sigs.wait_for(lambda s: True, timeout=60)
    sigs.close()


def connect_and_import(rig, timeout=1800):
    """authorize(), then FinishConnect(true) and wait for the import to end."""
    authorize(rig)
    done = harness.SignalCatcher(rig, interface='org.kino.Trakt', member='SyncFinished')
    rig.call('FinishConnect', True)
    kind, ok, err = done.wait_for(lambda s: s[0] == 'import', timeout=timeout, what='the import')
    done.close()
    if not ok:
        raise SystemExit(f'the import failed: {err}')
