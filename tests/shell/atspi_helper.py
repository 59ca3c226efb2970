"""Drives a GTK 4 window through AT-SPI, as a screen reader would: run as the
desktop's user (the accessibility bus is per session). One JSON command per
line on stdin, one JSON answer per line on stdout:

  {"op": "dump", "app": NAME}                       the accessible tree, as text
  {"op": "find", "app": NAME, "role": R, "name": N}  whether it is there; sensitive, checked
  {"op": "click", "app": NAME, "role": R, "name": N} do its first action (a button's click)
  {"op": "text", "app": NAME, "role": R, "name": N}  its text (labels: the name)
  {"op": "set_text", "app": NAME, "role": R, "name": N, "text": T}
  {"op": "focus", "app": NAME, "role": R, "name": N}

`name` matches an accessible's name exactly, or with a trailing "*" its start.
Used by tests/shell/test_shell.py for the settings window.
"""
import json
import sys

import gi

gi.require_version('Atspi', '2.0')
from gi.repository import Atspi  # noqa: E402


def apps(name):
    desk = Atspi.get_desktop(0)
    out = []
    for i in range(desk.get_child_count()):
        a = desk.get_child_at_index(i)
        if a is not None and (not name or a.get_name() == name):
            out.append(a)
    return out


def walk(a, depth=0):
    yield a, depth
    try:
        n = a.get_child_count()
    except Exception:
        return
    for i in range(n):
        c = a.get_child_at_index(i)
        if c is not None:
            yield from walk(c, depth + 1)


def showing(a):
    """GTK 4.8 has no SHOWING state: a widget that is not visible is not in the tree at all."""
    try:
        return a.get_state_set().contains(Atspi.StateType.VISIBLE)
    except Exception:
        return False


def matches(a, role, name):
    try:
        if role and a.get_role_name() != role:
            return False
        n = a.get_name() or ''
    except Exception:
        return False
    if name.endswith('*'):
        return n.startswith(name[:-1])
    return n == name


def find(cmd):
    for app in apps(cmd.get('app')):
        for a, _ in walk(app):
            if matches(a, cmd.get('role'), cmd.get('name', '')) and (showing(a) or cmd.get('hidden')):
                return a
    return None


def run(cmd):
    op = cmd['op']
    if op == 'dump':
        lines = []
        for app in apps(cmd.get('app')):
            for a, d in walk(app):
                try:
                    lines.append('  ' * d + f'{a.get_role_name()} {a.get_name()!r} ' + ','.join(
                        Atspi.StateType(x).value_nick for x in range(40) if a.get_state_set().contains(Atspi.StateType(x))))
                except Exception as e:
                    lines.append('  ' * d + f'? {e}')
        return {'ok': True, 'text': '\n'.join(lines)}
    a = find(cmd)
    if a is None:
        return {'ok': False, 'error': f'no showing {cmd.get("role")} named {cmd.get("name")!r}'}
    if op == 'find':
        st = a.get_state_set()
        return {'ok': True, 'sensitive': st.contains(Atspi.StateType.SENSITIVE),
                'checked': st.contains(Atspi.StateType.CHECKED) or st.contains(Atspi.StateType.PRESSED)}
    if op == 'click':
        act = a.get_action_iface()
        if act is None or act.get_n_actions() < 1:
            return {'ok': False, 'error': 'it has no action'}
        return {'ok': bool(act.do_action(0))}
    if op == 'text':
        t = a.get_text_iface()
        if t is None:
            return {'ok': True, 'text': a.get_name()}
        return {'ok': True, 'text': t.get_text(0, t.get_character_count())}
    if op == 'set_text':
        e = a.get_editable_text_iface()
        if e is None:
            return {'ok': False, 'error': 'not editable through AT-SPI'}
        return {'ok': bool(e.set_text_contents(cmd['text']))}
    if op == 'focus':
        c = a.get_component_iface()
        return {'ok': bool(c and c.grab_focus())}
    return {'ok': False, 'error': f'unknown op {op}'}


def main():
    for line in sys.stdin:
        try:
            out = run(json.loads(line))
        except Exception as e:
            out = {'ok': False, 'error': f'{type(e).__name__}: {e}'}
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
