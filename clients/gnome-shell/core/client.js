// org.kino.Trakt on the system bus, for the shell and for the settings window.
//
// Never in the way: the client watches the name without starting the
// service (bus_watch_name without AUTO_START, every read with NO_AUTO_START),
// learns everything from signals (PropertiesChanged, and with version 2
// WatchSessions' SessionChanged / SessionRemoved / IncognitoChanged) and never
// polls. Only call() — a person's action — may start the service.
//
// Subscriptions are made on the connection directly rather than through
// Gio.DBusProxy: a proxy drops its match rules only when the garbage collector
// finalizes it, while destroy() here removes every one at once.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';

export const BUS_NAME = 'org.kino.Trakt';
export const PATH = '/org/kino/Trakt';
export const IFACE = 'org.kino.Trakt';
export const SESSION_IFACE = 'org.kino.Trakt.Session';
const PROPS_IFACE = 'org.freedesktop.DBus.Properties';
const NO_AUTO_START = Gio.DBusCallFlags.NO_AUTO_START;
const UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod';

/* The message a person reads: the daemon's sentence without GDBus's prefix. */
export function errorSentence(e) {
    if (!e)
        return '';
    return String(e.message || e).replace(/^GDBus\.Error:[\w.-]+: /, '');
}

function remoteErrorName(e) {
    return e instanceof GLib.Error ? Gio.DBusError.get_remote_error(e) : null;
}

function unpack(v) {
    return v instanceof GLib.Variant ? v.recursiveUnpack() : v;
}

export class TraktClient {
    /*
     * onChange(what, ...args) is called with what = 'presence' | 'props' |
     * 'sessions' | 'eye' | 'connect-finished' (success, error) |
     * 'sync-finished' (kind, success, error).
     */
    constructor({bus = null, onChange = () => {}} = {}) {
        this._bus = bus;
        this._onChange = onChange;
        this._cancellable = new Gio.Cancellable();
        this._subscriptions = [];
        this._watchId = 0;
        this._owner = null;
        this._generation = 0;
        this.presence = 'unknown';
        this.props = {};
        this.eye = false;
        this.sessionsSupported = false;
        this.sessions = new Map();
    }

    snapshot() {
        return {
            presence: this.presence,
            props: this.props,
            eye: this.eye,
            sessionsSupported: this.sessionsSupported,
            sessions: [...this.sessions.values()],
        };
    }

    start() {
        if (!this._bus) {
            try {
                this._bus = Gio.DBus.system;
            } catch (e) {
                this._setPresence('absent');
                return;
            }
        }
        const sub = (iface, member, path, cb) => {
            this._subscriptions.push(this._bus.signal_subscribe(BUS_NAME, iface, member, path, null,
                Gio.DBusSignalFlags.NONE, (_c, sender, p, _i, _m, params) => {
                    /* Unicast signals reach us whatever the match rule says:
                     * believe only the current owner of the name. */
                    if (sender !== this._owner)
                        return;
                    cb(params.recursiveUnpack(), p);
                }));
        };
        sub(PROPS_IFACE, 'PropertiesChanged', PATH, args => this._onPropertiesChanged(...args));
        sub(IFACE, 'ConnectFinished', PATH, ([ok, err]) => this._emit('connect-finished', ok, err));
        sub(IFACE, 'SyncFinished', PATH, ([kind, ok, err]) => this._emit('sync-finished', kind, ok, err));
        sub(IFACE, 'SessionChanged', PATH, ([path]) => this._loadSession(path, this._generation));
        sub(IFACE, 'SessionRemoved', PATH, ([path]) => {
            if (this.sessions.delete(path))
                this._emit('sessions');
        });
        sub(IFACE, 'IncognitoChanged', PATH, ([on]) => this._setEye(on));

        this._watchId = Gio.bus_watch_name_on_connection(this._bus, BUS_NAME,
            Gio.BusNameWatcherFlags.NONE,
            (_c, _name, owner) => this._appeared(owner),
            () => this._vanished());
    }

    destroy() {
        // The shell stays on the bus: tell the daemon to stop sending this
        // connection its session signals (fire and forget, never activating).
        if (this._owner && this.sessionsSupported) {
            this._bus.call(BUS_NAME, PATH, IFACE, 'UnwatchSessions', null, null, NO_AUTO_START, -1,
                null, null);
        }
        this._cancellable.cancel();
        if (this._watchId) {
            Gio.bus_unwatch_name(this._watchId);
            this._watchId = 0;
        }
        for (const id of this._subscriptions)
            this._bus.signal_unsubscribe(id);
        this._subscriptions = [];
        this._onChange = () => {};
        this._owner = null;
    }

    /* Promise of the reply's values (unpacked), rejected with the GLib.Error. */
    _call(dest, path, iface, method, params, {flags = NO_AUTO_START, timeout = -1, replyType = null} = {}) {
        return new Promise((resolve, reject) => {
            this._bus.call(dest, path, iface, method, params, replyType, flags, timeout,
                this._cancellable, (conn, res) => {
                    try {
                        resolve(conn.call_finish(res).recursiveUnpack());
                    } catch (e) {
                        reject(e);
                    }
                });
        });
    }

    _emit(what, ...args) {
        try {
            this._onChange(what, ...args);
        } catch (e) {
            logError(e, 'kino-trakt');
        }
    }

    _setPresence(p) {
        if (this.presence === p)
            return;
        this.presence = p;
        this._emit('presence');
    }

    _setEye(on) {
        if (this.eye === Boolean(on))
            return;
        this.eye = Boolean(on);
        this._emit('eye');
    }

    async _appeared(owner) {
        const gen = ++this._generation;
        this._owner = owner;
        this.props = {};
        this.sessions.clear();
        try {
            const [all] = await this._call(BUS_NAME, PATH, PROPS_IFACE, 'GetAll', new GLib.Variant('(s)', [IFACE]));
            if (gen !== this._generation)
                return;
            this.props = all;
        } catch (e) {
            if (gen === this._generation && !this._cancellable.is_cancelled())
                log(`kino-trakt: reading org.kino.Trakt's properties failed: ${errorSentence(e)}`);
            return;
        }
        this.presence = 'running';
        this._emit('presence');
        this._loadVersion2(gen).catch(e => logError(e, 'kino-trakt'));
    }

    /* Version 2: the user-wide eye and this user's sessions. A version 1
     * daemon answers UnknownMethod: then there is neither. */
    async _loadVersion2(gen) {
        try {
            const [on] = await this._call(BUS_NAME, PATH, IFACE, 'GetIncognito', null);
            if (gen !== this._generation)
                return;
            this._setEye(on);
        } catch (e) {
            if (remoteErrorName(e) !== UNKNOWN_METHOD && !this._cancellable.is_cancelled())
                log(`kino-trakt: GetIncognito: ${errorSentence(e)}`);
        }
        try {
            await this._call(BUS_NAME, PATH, IFACE, 'WatchSessions', null);
            const [paths] = await this._call(BUS_NAME, PATH, IFACE, 'ListSessions', null);
            if (gen !== this._generation)
                return;
            this.sessionsSupported = true;
            await Promise.all(paths.map(path => this._loadSession(path, gen, false)));
            if (gen === this._generation)
                this._emit('sessions');
        } catch (e) {
            if (gen !== this._generation || this._cancellable.is_cancelled())
                return;
            this.sessionsSupported = false;
            if (remoteErrorName(e) !== UNKNOWN_METHOD)
                log(`kino-trakt: listing sessions failed: ${errorSentence(e)}`);
            this._emit('sessions');
        }
    }

    async _loadSession(path, gen, emit = true) {
        try {
            const [all] = await this._call(BUS_NAME, path, PROPS_IFACE, 'GetAll',
                new GLib.Variant('(s)', [SESSION_IFACE]));
            if (gen !== this._generation)
                return;
            this.sessions.set(path, {path, ...all});
        } catch (e) {
            /* Gone in between, or not ours to read. */
            if (gen !== this._generation || this._cancellable.is_cancelled())
                return;
            this.sessions.delete(path);
        }
        if (emit)
            this._emit('sessions');
    }

    _vanished() {
        this._generation++;
        this._owner = null;
        this.props = {};
        this.eye = false;
        this.sessions.clear();
        this.sessionsSupported = false;
        /* Not on the bus: installed but stopped (it idles out, or was
         * stopped), or not installed at all. */
        this.checkInstalled();
    }

    /* Is the service installed (bus-activatable)? One question to the bus,
     * asked when the name vanishes and when a person opens the menu. */
    async checkInstalled() {
        if (this._owner)
            return;
        const gen = this._generation;
        let names = [];
        try {
            [names] = await this._call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                'ListActivatableNames', null);
        } catch (e) {
            if (this._cancellable.is_cancelled())
                return;
        }
        if (gen !== this._generation || this._owner)
            return;
        this._setPresence(names.includes(BUS_NAME) ? 'stopped' : 'absent');
    }

    _onPropertiesChanged(iface, changed, invalidated) {
        if (iface !== IFACE || this.presence !== 'running')
            return;
        Object.assign(this.props, changed);
        const gen = this._generation;
        for (const name of invalidated) {
            this._call(BUS_NAME, PATH, PROPS_IFACE, 'Get', new GLib.Variant('(ss)', [IFACE, name]))
                .then(([v]) => {
                    if (gen === this._generation) {
                        this.props[name] = unpack(v);
                        this._emit('props');
                    }
                })
                .catch(() => {});
        }
        this._emit('props');
    }

    /*
     * A person's action: a method of org.kino.Trakt. It may start the service
     * (that is what the person asked for) and lets polkit ask for a password
     * through the desktop's own agent. Resolves to the unpacked reply values.
     */
    call(method, params = null, {timeout = -1} = {}) {
        return this._call(BUS_NAME, PATH, IFACE, method, params, {
            flags: Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION,
            timeout,
        });
    }

    /* Start the service without asking it anything (the menu's "Start"). */
    startService() {
        return this._call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
            'StartServiceByName', new GLib.Variant('(su)', [BUS_NAME, 0]), {flags: Gio.DBusCallFlags.NONE});
    }
}
