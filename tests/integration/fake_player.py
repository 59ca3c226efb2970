"""A misbehaving MPRIS player for the bridge's robustness tests (run as the
desktop's uid on its session bus). usage: fake_player.py NAME MODE

MODE hostile: answers, but with hostile metadata (huge strings, wrong variant
types, a length that is text, a url that is a number) and never answers a
Position request.
MODE mute: owns its name and never answers anything at all.
"""
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

ROOT = 'org.mpris.MediaPlayer2'
PLAYER = 'org.mpris.MediaPlayer2.Player'
PROPS = 'org.freedesktop.DBus.Properties'
HUGE = 'A' * (1024 * 1024)


def hostile_metadata():
    return dbus.Dictionary({
        'mpris:trackid': dbus.ObjectPath('/org/fake/Track/1'),
        'xesam:url': dbus.Int32(42),                        # not a string
        'xesam:title': dbus.String(HUGE),                   # a megabyte
        'mpris:length': dbus.String('forever'),             # not a number
        'xesam:artist': dbus.Array([dbus.String(HUGE)] * 4, signature='s'),
        'xesam:contentCreated': dbus.Array([dbus.Int64(1)], signature='x'),
        'show': dbus.Dictionary({'nested': dbus.String('x')}, signature='sv'),
        'season_number': dbus.Double(float('nan')),
        'episode_sort': dbus.String('9' * 5000),
        'tmdb': dbus.String('movie/99999999999999999999'),
        'imdb': dbus.String('tt' + '1' * 5000),
        HUGE[:70000]: dbus.String('a key of 70 kB'),
    }, signature='sv')


class Player(dbus.service.Object):
    def __init__(self, bus, mode):
        super().__init__(bus, '/org/mpris/MediaPlayer2')
        self.mode = mode
        self.hung = []

    @dbus.service.method(PROPS, in_signature='ss', out_signature='v', async_callbacks=('ok', 'err'))
    def Get(self, iface, prop, ok, err):
        if self.mode == 'mute' or prop == 'Position':
            self.hung.append((ok, err))   # never answered
            return
        ok(self.GetAll_sync(iface).get(prop, dbus.String('')))

    def GetAll_sync(self, iface):
        if iface == ROOT:
            return {'Identity': dbus.String(HUGE), 'DesktopEntry': dbus.Int32(7), 'CanQuit': dbus.String('yes')}
        return {'PlaybackStatus': dbus.String('Playing'), 'Metadata': hostile_metadata(),
                'Rate': dbus.String('fast'), 'Position': dbus.String('here')}

    @dbus.service.method(PROPS, in_signature='s', out_signature='a{sv}', async_callbacks=('ok', 'err'))
    def GetAll(self, iface, ok, err):
        if self.mode == 'mute':
            self.hung.append((ok, err))
            return
        ok(dbus.Dictionary(self.GetAll_sync(iface), signature='sv'))

    @dbus.service.signal(PROPS, signature='sa{sv}as')
    def PropertiesChanged(self, iface, changed, invalidated):
        pass


def main():
    name, mode = sys.argv[1], sys.argv[2]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    player = Player(bus, mode)
    keep = dbus.service.BusName('org.mpris.MediaPlayer2.' + name, bus)  # noqa: F841
    print('ready', flush=True)
    if mode == 'hostile':
        def storm():
            # A signal storm of garbage, too.
            player.PropertiesChanged(PLAYER, dbus.Dictionary({'PlaybackStatus': dbus.Int32(3),
                                                              'Metadata': dbus.String('not a dict'),
                                                              'Rate': dbus.Double(float('inf'))}, signature='sv'),
                                     dbus.Array(['Metadata'], signature='s'))
            player.PropertiesChanged(PLAYER, dbus.Dictionary({'PlaybackStatus': dbus.String('Paused'),
                                                              'Metadata': hostile_metadata()}, signature='sv'), [])
            player.PropertiesChanged(PLAYER, dbus.Dictionary({'PlaybackStatus': dbus.String('Playing')},
                                                             signature='sv'), [])
            return True
        GLib.timeout_add(200, storm)
    GLib.MainLoop().run()


main()
