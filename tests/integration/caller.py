"""Call one D-Bus method as whatever uid runs this script (the harness runs
it under setpriv as nobody) and print the outcome as JSON.

usage: caller.py ADDRESS PATH INTERFACE METHOD SIGNATURE JSON_ARGS [--interactive]
"""
import json
import sys

import dbus


def plain(v):
    if isinstance(v, (dbus.Dictionary, dict)):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Double,)):
        return float(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16, dbus.UInt32, dbus.UInt64)):
        return int(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    return v


def main():
    address, path, interface, method, signature, args = sys.argv[1:7]
    interactive = '--interactive' in sys.argv[7:]
    bus = dbus.bus.BusConnection(address)
    msg = dbus.lowlevel.MethodCallMessage('org.kino.Trakt', path, interface, method)
    if signature:
        msg.append(*json.loads(args), signature=signature)
    if interactive:
        msg.set_allow_interactive_authorization(True)
    try:
        reply = bus.send_message_with_reply_and_block(msg, 60)
        print(json.dumps({'ok': True, 'result': plain(reply.get_args_list())}))
    except dbus.exceptions.DBusException as e:
        print(json.dumps({'ok': False, 'error': e.get_dbus_name(), 'message': e.get_dbus_message()}))


main()
