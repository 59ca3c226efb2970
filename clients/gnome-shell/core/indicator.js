// The top-bar indicator: the dot, the eye, and the menu.
//
// The shell's own modules (PanelMenu, PopupMenu) come from the entry point:
// on GNOME 43–44 they are legacy scripts that an ES module must not import
// (that would load a second, empty copy), on 45+ they are ES modules. Each
// GObject class is registered once per shell process and reused across
// disable/enable (the module stays cached).
import Clutter from 'gi://Clutter';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Pango from 'gi://Pango';
import St from 'gi://St';

import {TraktClient, errorSentence} from './client.js';
import {_} from './i18n.js';
import {indicatorState, menuModel} from './status.js';

const DOTS = ['grey', 'green', 'amber', 'red'];

let classes = null;

function registerClasses({PanelMenu, PopupMenu}) {
    if (classes)
        return classes;

    /* A menu item that acts without closing the menu (the reconnect flow
     * shows its code in the same menu). */
    const StayOpenItem = GObject.registerClass({
        GTypeName: 'KinoTraktStayOpenItem',
        Signals: {'chosen': {}},
    }, class StayOpenItem extends PopupMenu.PopupMenuItem {
        activate(_event) {
            this.emit('chosen');
        }
    });

    const Indicator = GObject.registerClass({
        GTypeName: 'KinoTraktIndicator',
    }, class Indicator extends PanelMenu.Button {
        _init(params) {
            super._init(0.5, _('Trakt'), false);
            this._openPrefs = params.openPrefs;
            this._flow = {};
            this._signals = [];

            this._disc = new St.Widget({
                style_class: 'kino-trakt-dot kino-trakt-grey',
                layout_manager: new Clutter.BinLayout(),
                y_align: Clutter.ActorAlign.CENTER,
                x_align: Clutter.ActorAlign.CENTER,
            });
            this._eye = new St.Icon({
                icon_name: 'view-conceal-symbolic',
                style_class: 'kino-trakt-eye',
                x_align: Clutter.ActorAlign.CENTER,
                y_align: Clutter.ActorAlign.CENTER,
                visible: false,
            });
            this._disc.add_child(this._eye);
            const box = new St.BoxLayout({style_class: 'panel-status-indicators-box kino-trakt-box'});
            box.add_child(this._disc);
            this.add_child(box);

            this._buildMenu(PopupMenu);

            this._client = new TraktClient({
                bus: params.bus,
                onChange: (what, ...args) => this._onClientChange(what, ...args),
            });
            this._connect(this.menu, 'open-state-changed', (_m, open) => {
                /* Opening the menu is a person looking: ask the bus once
                 * whether the service got installed meanwhile. */
                if (open && this._client.presence !== 'running')
                    this._client.checkInstalled();
            });
            this._sync();
            this._client.start();
        }

        _connect(obj, signal, fn) {
            this._signals.push([obj, obj.connect(signal, fn)]);
        }

        _buildMenu() {
            const items = this._items = {};
            const text = (id, styleClass = '') => {
                const item = new PopupMenu.PopupMenuItem('', {activate: false, hover: false, can_focus: false,
                    style_class: `kino-trakt-text ${styleClass}`});
                item.label.clutter_text.line_wrap = true;
                items[id] = item;
                this.menu.addMenuItem(item);
                return item;
            };
            const action = (id, label, fn, Kind = PopupMenu.PopupMenuItem) => {
                const item = new Kind(label);
                this._connect(item, Kind === StayOpenItem ? 'chosen' : 'activate', () => fn());
                items[id] = item;
                this.menu.addMenuItem(item);
                return item;
            };

            text('headline', 'kino-trakt-headline');
            this._sessionSection = new PopupMenu.PopupMenuSection();
            items.sessions = this._sessionSection;
            this.menu.addMenuItem(this._sessionSection);
            text('nothing-playing', 'kino-trakt-dim');

            this.menu.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
            const eye = new PopupMenu.PopupSwitchMenuItem(_('Incognito'), false);
            this._connect(eye, 'toggled', (_i, on) => this._setIncognito(on));
            items.incognito = eye;
            this.menu.addMenuItem(eye);
            action('sync-now', _('Sync now'), () => this._run('SyncNow'));
            text('syncing', 'kino-trakt-dim');
            text('error', 'kino-trakt-error');

            action('reconnect', _('Trakt disconnected: reconnect'), () => this._reconnect(), StayOpenItem);
            const code = new PopupMenu.PopupBaseMenuItem({activate: false, hover: false, can_focus: false,
                style_class: 'kino-trakt-code-item'});
            const codeBox = new St.BoxLayout({vertical: true, x_expand: true});
            this._codeHint = new St.Label({style_class: 'kino-trakt-code-hint'});
            this._codeLabel = new St.Label({style_class: 'kino-trakt-code', x_align: Clutter.ActorAlign.CENTER});
            this._codeHint.clutter_text.line_wrap = true;
            this._codeLabel.clutter_text.ellipsize = Pango.EllipsizeMode.NONE;
            codeBox.add_child(this._codeHint);
            codeBox.add_child(this._codeLabel);
            code.add_child(codeBox);
            items.code = code;
            this.menu.addMenuItem(code);
            action('open-url', _('Open the Trakt page in the browser'), () => this._openUrl());
            action('cancel-connect', _('Cancel'), () => this._cancelConnect(), StayOpenItem);
            text('choose', 'kino-trakt-dim');
            action('import-connect', _('Import and connect'), () => this._finish(true));
            action('connect-only', _('Connect without importing'), () => this._finish(false));

            action('start', _('Start the Trakt service'), () => this._startService(), StayOpenItem);
            this.menu.addMenuItem(new PopupMenu.PopupSeparatorMenuItem());
            action('settings', _('Settings…'), () => this._openPrefs());
        }

        /* ---- state → widgets ---- */

        _onClientChange(what, ...args) {
            if (what === 'connect-finished') {
                const [ok, err] = args;
                if (!ok && this._flow.code)
                    this._flow = {error: err};
            }
            const state = this._client.props.State;
            if (this._flow.code && state !== 'authorizing' && state !== 'authorized' && state !== 'expired')
                this._flow = {};
            if (state === 'connected' && this._flow.error && what === 'props')
                this._flow = {...this._flow, error: null};
            this._sync();
        }

        get kinoState() {
            const snap = this._client.snapshot();
            const shown = indicatorState(snap);
            const menu = {};
            for (const m of menuModel(snap, this._flow)) {
                if (m.visible)
                    menu[m.id] = m.lines ?? m.code ?? m.label ?? true;
                if (m.visible && m.problems?.length)
                    menu['session-problems'] = m.problems;
            }
            return {...shown, presence: snap.presence, state: snap.props.State ?? null,
                accessibleName: this.accessible_name, eyeVisible: this._eye.visible,
                incognitoSwitch: this._items.incognito.state, menu};
        }

        _sync() {
            const snap = this._client.snapshot();
            const shown = indicatorState(snap);
            for (const d of DOTS)
                this._disc.remove_style_class_name(`kino-trakt-${d}`);
            this._disc.add_style_class_name(`kino-trakt-${shown.dot}`);
            if (shown.eye)
                this._disc.add_style_class_name('kino-trakt-incognito');
            else
                this._disc.remove_style_class_name('kino-trakt-incognito');
            this._eye.visible = shown.eye;
            this.accessible_name = shown.words;

            for (const m of menuModel(snap, this._flow)) {
                const item = this._items[m.id];
                if (!item)
                    continue;
                item.visible = m.visible;
                if (m.id === 'sessions') {
                    this._fillSessions(m.visible ? m.lines : [], m.problems || []);
                } else if (m.id === 'incognito') {
                    if (item.state !== m.on)
                        item.setToggleState(m.on);
                    item.setSensitive(m.sensitive);
                } else if (m.id === 'code') {
                    this._codeHint.text = m.label;
                    this._codeLabel.text = m.code;
                    this._items['open-url'].visible = m.visible && Boolean(m.url);
                    this._items['cancel-connect'].visible = m.visible;
                } else if (m.id === 'choose') {
                    item.label.text = m.label;
                    this._items['import-connect'].visible = m.visible;
                    this._items['connect-only'].visible = m.visible;
                    this._items['import-connect'].setSensitive(m.sensitive);
                    this._items['connect-only'].setSensitive(m.sensitive);
                } else if (m.label !== undefined && item.label) {
                    item.label.text = m.label;
                    if (m.sensitive !== undefined)
                        item.setSensitive(m.sensitive);
                }
            }
        }

        _fillSessions(lines, problems) {
            const now = this._sessionLines || [];
            const all = [...lines, ...problems.map(p => `⚠ ${p}`)];
            if (now.length === all.length && now.every((l, i) => l === all[i]))
                return;
            this._sessionLines = all;
            this._sessionSection.removeAll();
            lines.forEach((line, i) => {
                const item = new PopupMenu.PopupMenuItem(line, {activate: false, hover: false, can_focus: false,
                    style_class: `kino-trakt-text kino-trakt-session${i === 0 ? ' kino-trakt-now' : ''}`});
                item.label.clutter_text.line_wrap = true;
                this._sessionSection.addMenuItem(item);
            });
            for (const p of problems) {
                const item = new PopupMenu.PopupMenuItem(p, {activate: false, hover: false, can_focus: false,
                    style_class: 'kino-trakt-text kino-trakt-error'});
                item.label.clutter_text.line_wrap = true;
                this._sessionSection.addMenuItem(item);
            }
        }

        /* ---- a person's actions ---- */

        async _run(method, params = null) {
            this._flow = {...this._flow, busy: true, error: null};
            this._sync();
            try {
                return await this._client.call(method, params);
            } catch (e) {
                if (!e.matches?.(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED))
                    this._flow = {...this._flow, error: errorSentence(e)};
                return null;
            } finally {
                this._flow = {...this._flow, busy: false};
                if (this._client)
                    this._sync();
            }
        }

        async _setIncognito(on) {
            if (on === this._client.eye)
                return;
            const r = await this._run('SetIncognito', new GLib.Variant('(b)', [on]));
            if (r === null && this._client)
                this._sync(); /* refused: the switch goes back to what the daemon says */
        }

        async _reconnect() {
            const r = await this._run('Connect');
            if (r) {
                const [code, url] = r;
                this._flow = {code, url};
                this._sync();
            }
        }

        async _cancelConnect() {
            await this._run('CancelConnect');
            this._flow = {error: this._flow.error};
            this._sync();
        }

        async _finish(doImport) {
            const r = await this._run('FinishConnect', new GLib.Variant('(b)', [doImport]));
            if (r !== null) {
                this._flow = {};
                this._sync();
            }
        }

        _openUrl() {
            const url = this._flow.url;
            if (!url)
                return;
            try {
                Gio.AppInfo.launch_default_for_uri(url, null);
            } catch (e) {
                this._flow = {...this._flow,
                    error: _('No browser could open the page; go to %s yourself.').replace('%s', url)};
                this._sync();
            }
        }

        async _startService() {
            this._flow = {busy: true};
            this._sync();
            try {
                await this._client.startService();
                this._flow = {};
            } catch (e) {
                this._flow = {error: errorSentence(e)};
            }
            if (this._client)
                this._sync();
        }

        _onDestroy() {
            for (const [obj, id] of this._signals)
                obj.disconnect(id);
            this._signals = [];
            this._client.destroy();
            this._client = null;
            super._onDestroy();
        }
    });

    classes = {Indicator, StayOpenItem};
    return classes;
}

/*
 * One enabled extension: the indicator in the top bar as
 * Main.panel.statusArea['kino-trakt']. shell = { Main, PanelMenu, PopupMenu,
 * openPrefs }. destroy() leaves nothing behind: the indicator's actors, its
 * signal handlers, the bus watch and every subscription go with it.
 */
export class Controller {
    constructor(shell) {
        const {Indicator} = registerClasses(shell);
        this._indicator = new Indicator({openPrefs: shell.openPrefs, bus: shell.bus ?? null});
        shell.Main.panel.addToStatusArea('kino-trakt', this._indicator);
    }

    destroy() {
        this._indicator?.destroy();
        this._indicator = null;
    }
}
