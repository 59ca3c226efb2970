#!/usr/bin/python3
"""The container test: kino-trakt installed the README's way on a booted
Debian 12 (systemd, dbus, logind, the real polkitd) in systemd-nspawn, and
checked the way a household uses it (tests/container/inside.py lists what).

    tests/container/run.py [--keep]       as root; exit 0 pass, 1 fail, 77 skipped

The root file system is made once with debootstrap from the Debian mirror apt
already uses and cached in /var/cache/kino-trakt-ci/ (KT_CONTAINER_CACHE),
outside the clone; it is made again when missing or when
tests/container/packages.txt changes. Each run boots it read-only under an
overlay (writes go to a temporary folder), copies this source tree in, and
runs the README's "Installing for real" commands inside as a user with sudo.
The Trakt stand-in runs here on loopback; the container shares this
machine's network, and /etc/kino/trakt.conf inside points at it.

Skipped (exit 77, with the reason) only where a container cannot boot: not
root, or systemd-nspawn fails before the container's systemd runs anything.
A missing tool is a failure naming the Debian package. --keep leaves the
run's folder (the overlay's upper layer and the logs) for a look.

Environment: KT_CONTAINER_CACHE (the cache folder), KT_DEBIAN_MIRROR (instead
of apt's), KT_CONTAINER_TIMEOUT (seconds for the boot and the checks, 900).
"""
import fcntl
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.environ.get('KT_SOURCE_ROOT') or os.path.join(HERE, '..', '..'))
CACHE = os.environ.get('KT_CONTAINER_CACHE', '/var/cache/kino-trakt-ci')
SUITE = 'bookworm'
DEFAULT_MIRROR = 'http://deb.debian.org/debian'
# Bump when the way the root is made changes (the package list is hashed too).
RECIPE = 1
TIMEOUT = int(os.environ.get('KT_CONTAINER_TIMEOUT') or 900)
SKIP = 77
HOSTNAME = 'kt-ci'

T0 = time.monotonic()


def log(msg):
    print(f'[{time.monotonic() - T0:6.1f}s] {msg}', flush=True)


class Skip(Exception):
    pass


class Fail(Exception):
    pass


def need(tool, package):
    path = shutil.which(tool)
    if not path:
        raise Fail(f'{tool} is missing: apt-get install {package}')
    return path


# ---------------------------------------------------------------- the cached root

def packages():
    with open(os.path.join(HERE, 'packages.txt')) as f:
        return [l.split('#')[0].strip() for l in f if l.split('#')[0].strip()]


def apt_mirror():
    """The Debian archive apt already uses for SUITE (one-line or deb822
    sources), so the root comes from where this machine's packages come from."""
    if os.environ.get('KT_DEBIAN_MIRROR'):
        return os.environ['KT_DEBIAN_MIRROR']
    files = ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*'))
    for path in files:
        try:
            text = open(path).read()
        except OSError:
            continue
        if path.endswith('.sources'):
            for stanza in re.split(r'\n\s*\n', text):
                fields = dict(re.findall(r'^(\w[\w-]*):\s*(.*)$', stanza, re.M))
                suites = fields.get('Suites', '').split()
                if fields.get('Types', 'deb').split()[0] == 'deb' and SUITE in suites \
                        and 'main' in fields.get('Components', '').split():
                    for uri in fields.get('URIs', '').split():
                        if 'security' not in uri:
                            return uri.rstrip('/')
        else:
            for line in text.splitlines():
                m = re.match(r'^\s*deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$', line)
                if m and m.group(2) == SUITE and 'main' in m.group(3).split() and 'security' not in m.group(1):
                    return m.group(1).rstrip('/')
    return DEFAULT_MIRROR


def hold(root):
    """A shared lock on a root for as long as this run uses it: a run with
    another package list does not delete it meanwhile."""
    f = open(root + '.lock', 'a')
    fcntl.flock(f, fcntl.LOCK_SH)
    return f


def remove_unused_roots(keep):
    for ready in glob.glob(os.path.join(CACHE, f'{SUITE}-*.ready')):
        old = ready[:-len('.ready')]
        if old == keep:
            continue
        with open(old + '.lock', 'a') as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # in use by another run
            os.unlink(ready)
            shutil.rmtree(old, ignore_errors=True)
            os.unlink(old + '.lock')


def ensure_root():
    """The cached root for this package list, made when missing; returns it
    and a lock that keeps it while this run lasts."""
    need('debootstrap', 'debootstrap')
    pkgs = packages()
    key = hashlib.sha256(json.dumps({'suite': SUITE, 'recipe': RECIPE, 'packages': pkgs}).encode()).hexdigest()[:16]
    root = os.path.join(CACHE, f'{SUITE}-{key}')
    ready = root + '.ready'
    os.makedirs(CACHE, mode=0o755, exist_ok=True)
    with open(os.path.join(CACHE, 'lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be making it
        if os.path.exists(ready) and os.path.isdir(root):
            log(f'cached root {root}')
            return root, hold(root)
        mirror = apt_mirror()
        tmp = root + '.tmp'
        shutil.rmtree(tmp, ignore_errors=True)
        log(f'making the root {root} with debootstrap from {mirror} (first run only; minutes)')
        started = time.monotonic()
        blog = os.path.join(CACHE, 'debootstrap.log')
        with open(blog, 'w') as out:
            p = subprocess.run(['debootstrap', '--variant=minbase', '--components=main',
                                '--include=' + ','.join(pkgs), SUITE, tmp, mirror],
                               stdout=out, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            tail = open(blog, errors='replace').read()[-3000:]
            shutil.rmtree(tmp, ignore_errors=True)
            raise Fail(f'debootstrap failed (exit {p.returncode}); {blog} ends:\n{tail}')
        for deb in glob.glob(os.path.join(tmp, 'var/cache/apt/archives/*.deb')):
            os.unlink(deb)
        # Timers that would start apt or cleanups in the middle of a run.
        for timer in ('apt-daily.timer', 'apt-daily-upgrade.timer', 'fstrim.timer', 'e2scrub_all.timer'):
            subprocess.run(['systemctl', f'--root={tmp}', 'mask', '--quiet', timer], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        os.rename(tmp, root)
        took = time.monotonic() - started
        with open(ready, 'w') as f:
            json.dump({'mirror': mirror, 'packages': pkgs, 'seconds': round(took)}, f)
            f.write('\n')
        log(f'root made in {took:.0f} s')
        remove_unused_roots(root)
        return root, hold(root)


# ---------------------------------------------------------------- one run

def readme_install_block():
    """The first sh block of the README's "Installing for real" section."""
    text = open(os.path.join(SRC, 'README.md')).read()
    m = re.search(r'^## Installing for real\n(.*?)(?=^## )', text, re.M | re.S)
    if not m:
        raise Fail('README.md has no "## Installing for real" section')
    block = re.search(r'^```sh\n(.*?)^```', m.group(1), re.M | re.S)
    if not block:
        raise Fail('README.md\'s "Installing for real" has no ```sh block')
    return block.group(1)


def copy_source(dest):
    """This source tree without builds, git and caches."""
    def ignore(folder, names):
        top = os.path.abspath(folder) == SRC
        return [n for n in names if n in ('.git', '__pycache__') or n.endswith('.pyc')
                or (top and (n.startswith('build') or n.startswith('.')))]
    shutil.copytree(SRC, dest, ignore=ignore, symlinks=True)


def mount_overlay(lower, tmp):
    upper, work, merged = (os.path.join(tmp, d) for d in ('upper', 'work', 'root'))
    for d in (upper, work, merged):
        os.makedirs(d)
    p = subprocess.run(['mount', '-t', 'overlay', 'kt-container', '-o',
                        f'lowerdir={lower},upperdir={upper},workdir={work}', merged],
                       capture_output=True, text=True)
    if p.returncode == 0:
        return merged, True
    # No overlayfs here: a copy of the root (slower, same result).
    log(f'overlayfs unavailable ({p.stderr.strip()}); copying the root')
    os.rmdir(merged)
    subprocess.run(['cp', '-a', '--reflink=auto', lower, merged], check=True)
    return merged, False


class Standin:
    def __init__(self, tmp):
        port_file = os.path.join(tmp, 'standin.port')
        self.log = open(os.path.join(tmp, 'standin.log'), 'w')
        self.proc = subprocess.Popen(['/usr/bin/python3', os.path.join(SRC, 'tests', 'standin', 'trakt-standin.py'),
                                      '--host', '127.0.0.1', '--port', '0', '--port-file', port_file, '--quiet'],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise Fail('the Trakt stand-in did not start')
            time.sleep(0.05)
        self.port = int(open(port_file).read().strip())
        self.url = f'http://127.0.0.1:{self.port}'

    def control(self, path, body):
        req = urllib.request.Request(f'{self.url}/_control/{path}', data=json.dumps(body).encode(), method='POST',
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


TEST_UNIT = '''[Unit]
Description=kino-trakt container test (tests/container/inside.py)
After=dbus.service systemd-logind.service systemd-user-sessions.service
Wants=dbus.service systemd-logind.service
# The container ends with the checks, and hands their exit status to nspawn.
SuccessAction=exit
FailureAction=exit

[Service]
Type=exec
ExecStart=/usr/bin/python3 /kt/inside.py
StandardOutput=journal+console
StandardError=journal+console
RuntimeMaxSec={timeout}
'''


def stage(merged, standin, password):
    kt = os.path.join(merged, 'kt')
    os.makedirs(kt)
    shutil.copy(os.path.join(HERE, 'inside.py'), kt)
    with open(os.path.join(kt, 'install.sh'), 'w') as f:
        f.write(readme_install_block())
    with open(os.path.join(kt, 'params.json'), 'w') as f:
        json.dump({'trakt': standin.url, 'password': password, 'source': '/opt/kino-trakt'}, f)
    copy_source(os.path.join(merged, 'opt', 'kino-trakt'))
    # debootstrap copied this machine's host name; give the container its own,
    # known to /etc/hosts (sudo looks it up).
    with open(os.path.join(merged, 'etc', 'hostname'), 'w') as f:
        f.write(HOSTNAME + '\n')
    with open(os.path.join(merged, 'etc', 'hosts'), 'a') as f:
        f.write(f'127.0.1.1\t{HOSTNAME}\n')
    units = os.path.join(merged, 'etc', 'systemd', 'system')
    with open(os.path.join(units, 'kt-test.service'), 'w') as f:
        f.write(TEST_UNIT.format(timeout=TIMEOUT))
    wants = os.path.join(units, 'multi-user.target.wants')
    os.makedirs(wants, exist_ok=True)
    os.symlink('/etc/systemd/system/kt-test.service', os.path.join(wants, 'kt-test.service'))


def boot(merged, tmp):
    """Boots the container; returns nspawn's exit status and its output."""
    need('systemd-nspawn', 'systemd-container')
    console = os.path.join(tmp, 'console.log')
    name = f'kt-ci-{os.getpid()}'
    cmd = ['systemd-nspawn', '--quiet', '--boot', '--register=no', '--keep-unit', f'--machine={name}',
           f'--directory={merged}', '--console=read-only', '--link-journal=no']
    log('booting: ' + ' '.join(cmd))
    with open(console, 'w') as out:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            rc = p.wait(TIMEOUT + 60)
        except BaseException as e:  # the time is up, or this run was interrupted
            if isinstance(e, subprocess.TimeoutExpired):
                log(f'the container did not end within {TIMEOUT + 60} s: powering it off')
            p.send_signal(signal.SIGTERM)  # nspawn asks the container's systemd to power off
            try:
                rc = p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
            if not isinstance(e, subprocess.TimeoutExpired):
                raise
    return rc, open(console, errors='replace').read()


def main():
    keep = '--keep' in sys.argv[1:]
    if os.geteuid() != 0:
        raise Skip('booting a container needs root')
    need('systemd-nspawn', 'systemd-container')
    need('mount', 'mount')
    root, held = ensure_root()

    tmp = tempfile.mkdtemp(prefix='kt-container.', dir='/var/tmp')
    merged, overlay = None, False
    standin = None
    try:
        merged, overlay = mount_overlay(root, tmp)
        standin = Standin(tmp)
        standin.control('config', {'interval': 1})
        standin.control('seed', {'movies': 3, 'history': 5})
        stage(merged, standin, secrets.token_urlsafe(12))
        rc, console = boot(merged, tmp)
        kt = os.path.join(merged, 'kt')
        started = os.path.exists(os.path.join(kt, 'started'))
        if os.path.exists(os.path.join(kt, 'inside.log')):
            sys.stdout.write(open(os.path.join(kt, 'inside.log'), errors='replace').read())
        if not started:
            print('----- nspawn and the container\'s console -----')
            print(console[-6000:])
            raise Skip(f'the container did not boot here (systemd-nspawn exit {rc}; its output is above)')
        result = {}
        if os.path.exists(os.path.join(kt, 'result.json')):
            result = json.load(open(os.path.join(kt, 'result.json')))
        if not result.get('ok'):
            diag = os.path.join(kt, 'diagnostics.txt')
            if os.path.exists(diag):
                print('----- diagnostics from inside the container -----')
                print(open(diag, errors='replace').read()[-30000:])
            raise Fail(result.get('failure') or f'the checks did not finish (nspawn exit {rc}); '
                       f'console:\n{console[-4000:]}')
        if rc != 0:
            raise Fail(f'the checks passed but the container exited with {rc}')
        for name, value in result.get('measured', {}).items():
            log(f'{name}: {value}')
    finally:
        if standin:
            standin.stop()
        if merged and overlay:
            if subprocess.run(['umount', merged], capture_output=True).returncode != 0:
                subprocess.run(['umount', '--lazy', merged], capture_output=True)
        if keep:
            log(f'kept {tmp}')
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        held.close()


if __name__ == '__main__':
    if sys.argv[1:2] == ['--make-root']:
        ensure_root()
        sys.exit(0)
    try:
        main()
    except Skip as e:
        log(f'SKIPPED: {e}')
        sys.exit(SKIP)
    except Fail as e:
        log(f'FAIL: {e}')
        sys.exit(1)
    log('PASS')
    sys.exit(0)
