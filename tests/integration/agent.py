"""A persistent D-Bus client for the tests: one connection that stays on the
bus across many calls, as whatever uid runs it (the harness starts it under
setpriv, like caller.py), and that records every signal it receives.

usage: agent.py ADDRESS

It reads one JSON command per line on stdin and answers one JSON line on
stdout:
  {"op": "name"}                         -> {"ok": true, "result": ":1.42"}
  {"op": "call", "path": P, "interface": I, "method": M, "signature": S, "args": [...],
   "destination": D (default org.kino.Trakt)}
                                         -> {"ok": true, "result": [...]} or
                                            {"ok": false, "error": NAME, "message": TEXT}
  {"op": "match", "rule": RULE}          -> AddMatch on the bus driver
  {"op": "signals"}                      -> {"ok": true, "result": [{sender, destination, path,
                                            interface, member, args}, ...]} (all so far)
  {"op": "quit"}                         -> leaves the bus and exits
A value of D-Bus type v is written as [SIGNATURE, VALUE], e.g. ["s", "mpv"].
"""
import json
import os
import sys
import threading

from gi.repository import Gio, GLib


def split_types(sig):
    """Split a signature into its complete types."""
    out, i = [], 0
    while i < len(sig):
        j = i
        while sig[j] == 'a':
            j += 1
        if sig[j] in '({':
            depth, k = 0, j
            while True:
                if sig[k] in '({':
                    depth += 1
                elif sig[k] in ')}':
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            j = k
        out.append(sig[i:j + 1])
        i = j + 1
    return out


def convert(sig, value):
    if sig == 'v':
        inner, v = value
        return GLib.Variant(inner, convert(inner, v))
    if sig.startswith('a{'):
        k, v = split_types(sig[2:-1])
        return {convert(k, a): convert(v, b) for a, b in (value.items() if isinstance(value, dict) else value)}
    if sig.startswith('a'):
        return [convert(sig[1:], x) for x in value]
    if sig.startswith('('):
        return tuple(convert(t, x) for t, x in zip(split_types(sig[1:-1]), value))
    return value


class Agent:
    def __init__(self, address):
        self.conn = Gio.DBusConnection.new_for_address_sync(
            address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        self.lock = threading.Lock()
        self.signals = []
        self.conn.add_filter(self.on_message)
        self.buf = b''

    def on_message(self, conn, message, incoming):
        if incoming and message.get_message_type() == Gio.DBusMessageType.SIGNAL:
            body = message.get_body()
            with self.lock:
                self.signals.append({'sender': message.get_sender(), 'destination': message.get_destination(),
                                     'path': message.get_path(), 'interface': message.get_interface(),
                                     'member': message.get_member(),
                                     'args': body.unpack() if body is not None else []})
        return message

    def run(self, cmd):
        op = cmd['op']
        if op == 'name':
            return {'ok': True, 'result': self.conn.get_unique_name()}
        if op == 'signals':
            with self.lock:
                return {'ok': True, 'result': list(self.signals)}
        if op == 'match':
            cmd = {'destination': 'org.freedesktop.DBus', 'path': '/org/freedesktop/DBus',
                   'interface': 'org.freedesktop.DBus', 'method': 'AddMatch', 'signature': 's', 'args': [cmd['rule']]}
        sig = cmd.get('signature', '')
        params = GLib.Variant('(' + sig + ')', convert('(' + sig + ')', cmd.get('args', []))) if sig else None
        try:
            reply = self.conn.call_sync(cmd.get('destination', 'org.kino.Trakt'), cmd['path'], cmd['interface'],
                                        cmd['method'], params, None, Gio.DBusCallFlags.NONE, 60000, None)
            return {'ok': True, 'result': list(reply.unpack()) if reply is not None else []}
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e) or str(e)
            message = e.message
            prefix = f'GDBus.Error:{name}: '
            if message.startswith(prefix):
                message = message[len(prefix):]
            return {'ok': False, 'error': name, 'message': message}

    def on_stdin(self, fd, condition):
        data = os.read(fd, 65536)
        if not data:
            self.loop.quit()
            return False
        self.buf += data
        while b'\n' in self.buf:
            line, self.buf = self.buf.split(b'\n', 1)
            cmd = json.loads(line)
            if cmd['op'] == 'quit':
                self.conn.close_sync(None)
                self.loop.quit()
                return False
            out = self.run(cmd)
            sys.stdout.write(json.dumps(out, default=str) + '\n')
            sys.stdout.flush()
        return True

    def main(self):
        self.loop = GLib.MainLoop()
        GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, sys.stdin.fileno(), GLib.IOCondition.IN | GLib.IOCondition.HUP,
                              self.on_stdin)
        sys.stdout.write(json.dumps({'ok': True, 'result': self.conn.get_unique_name()}) + '\n')
        sys.stdout.flush()
        self.loop.run()


if __name__ == '__main__':
    Agent(sys.argv[1]).main()
