// The settings window: kino's "Settings → Integrations → Trakt" page, in GTK 4
// and libadwaita (1.2 on GNOME 43). Loaded only by the prefs entry points,
// never inside the shell.
//
// Everything here follows the daemon's properties and signals; buttons call
// its methods with interactive authorization, so polkit asks through the
// desktop's own agent, and a refusal shows the daemon's own sentence next to
// the button that caused it.
import Adw from 'gi://Adw';
import GLib from 'gi://GLib';
import Gtk from 'gi://Gtk?version=4.0';

import {TraktClient, errorSentence} from './client.js';
import {_, ngettext} from './i18n.js';
import {format, formatDay, headline} from './status.js';

const CATEGORIES = [
    ['scrobble', () => _('Scrobble while watching'), () => _('Tell Trakt what plays now')],
    ['history', () => _('Watch history'), () => _('Send finished films and episodes to your history')],
    ['ratings', () => _('Ratings'), () => _('Keep ratings the same here and on Trakt')],
    ['watchlist', () => _('Watchlist'), () => _('Show the Trakt watchlist as a list')],
    ['collection', () => _('Collection'), () => _('Tell Trakt which titles you have files for')],
    ['resume', () => _('Resume points'), () => _('Continue where you stopped on another device')],
    ['recommendations', () => _('Recommendations'), () => _('Fetch what Trakt suggests for you')],
];

function errorLabel() {
    const l = new Gtk.Label({wrap: true, xalign: 0, visible: false, margin_top: 6, selectable: true});
    l.add_css_class('error');
    return l;
}

function setError(label, text) {
    label.label = text || '';
    label.visible = Boolean(text);
}

function button(label, {style = null, onClick}) {
    const b = new Gtk.Button({label, valign: Gtk.Align.CENTER});
    if (style)
        b.add_css_class(style);
    b.connect('clicked', onClick);
    return b;
}

function actionRow(title, subtitle = '') {
    return new Adw.ActionRow({title, subtitle});
}

/* The page and everything on it; lives as long as the window. */
class TraktPage {
    constructor(window, page) {
        this._window = window;
        this._page = page;
        this._code = null;
        this._busy = false;
        this._startedService = false;
        this._lists = [];
        this._listRows = [];
        this._toggles = new Map();

        this._buildStatus();
        this._buildCredentials();
        this._buildConnect();
        this._buildCode();
        this._buildPreview();
        this._buildAccount();
        this._buildToggles();
        this._buildLists();
        this._buildDisconnect();

        this._client = new TraktClient({onChange: (what, ...args) => this._onChange(what, ...args)});
        this._client.start();
        this._sync();
    }

    destroy() {
        this._client?.destroy();
        this._client = null;
    }

    _group(title, description = '') {
        const g = new Adw.PreferencesGroup({title, description});
        this._page.add(g);
        return g;
    }

    /* ---- building ---- */

    _buildStatus() {
        const g = this._statusGroup = this._group('');
        this._statusRow = actionRow(_('Trakt'));
        this._statusRow.add_css_class('kino-trakt-status');
        this._startButton = button(_('Start the service'), {onClick: () => this._startService()});
        this._statusRow.add_suffix(this._startButton);
        g.add(this._statusRow);
        /* "Trakt disconnected: click to reconnect" */
        this._expiredRow = new Adw.ActionRow({title: _('Trakt disconnected: click to reconnect'),
            subtitle: _('The login expired; what you watch waits here until you reconnect.'), activatable: true});
        this._expiredRow.add_css_class('error');
        this._expiredRow.add_suffix(button(_('Reconnect'), {style: 'suggested-action',
            onClick: () => this._connect()}));
        this._expiredRow.connect('activated', () => this._connect());
        g.add(this._expiredRow);
        this._statusError = errorLabel();
        g.add(this._statusError);
    }

    _buildCredentials() {
        const g = this._credsGroup = this._group(_('Trakt application'),
            _('Create an API application at trakt.tv/oauth/applications with the redirect URI urn:ietf:wg:oauth:2.0:oob, then paste its client id and secret here.'));
        this._idRow = new Adw.EntryRow({title: _('Client ID')});
        this._secretRow = new Adw.PasswordEntryRow({title: _('Client secret')});
        g.add(this._idRow);
        g.add(this._secretRow);
        this._saveButton = button(_('Save'), {style: 'suggested-action', onClick: () => this._configure()});
        this._saveButton.halign = Gtk.Align.END;
        this._saveButton.margin_top = 12;
        const update = () => {
            this._saveButton.sensitive = !this._busy && this._idRow.text.trim() !== '' &&
                this._secretRow.text !== '';
        };
        this._idRow.connect('changed', update);
        this._secretRow.connect('changed', update);
        this._updateSave = update;
        g.add(this._saveButton);
        this._credsError = errorLabel();
        g.add(this._credsError);
    }

    _buildConnect() {
        const g = this._connectGroup = this._group(_('Your Trakt account'),
            _('Connect with a short code that you enter on Trakt’s website.'));
        const row = actionRow(_('Connect to Trakt'));
        this._connectButton = button(_('Connect'), {style: 'suggested-action', onClick: () => this._connect()});
        row.add_suffix(this._connectButton);
        g.add(row);
        this._connectError = errorLabel();
        g.add(this._connectError);
    }

    _buildCode() {
        const g = this._codeGroup = this._group(_('Enter the code on Trakt'));
        const box = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL, spacing: 12, margin_top: 12,
            margin_bottom: 12});
        this._codeHint = new Gtk.Label({wrap: true, justify: Gtk.Justification.CENTER});
        this._codeLabel = new Gtk.Label({selectable: true});
        const buttons = new Gtk.Box({spacing: 12, halign: Gtk.Align.CENTER});
        this._openButton = button(_('Open Trakt in the browser'), {style: 'suggested-action',
            onClick: () => this._openUrl()});
        buttons.append(this._openButton);
        buttons.append(button(_('Cancel'), {onClick: () => this._act('CancelConnect', null, this._codeError)}));
        box.append(this._codeHint);
        box.append(this._codeLabel);
        box.append(buttons);
        g.add(box);
        this._codeError = errorLabel();
        g.add(this._codeError);
    }

    _buildPreview() {
        const g = this._previewGroup = this._group(_('Trakt approved this computer'),
            _('Bring what your Trakt account already has, or start from now on.'));
        this._previewRows = {};
        for (const [key, title] of [['watched_movies', _('Watched movies')],
            ['watched_episodes', _('Watched episodes')], ['ratings', _('Ratings')],
            ['watchlist', _('On the watchlist')]]) {
            const row = actionRow(title);
            const count = new Gtk.Label({valign: Gtk.Align.CENTER});
            count.add_css_class('numeric');
            row.add_suffix(count);
            this._previewRows[key] = count;
            g.add(row);
        }
        const buttons = new Gtk.Box({spacing: 12, halign: Gtk.Align.END, margin_top: 12});
        buttons.append(button(_('Cancel'), {onClick: () => this._act('CancelConnect', null, this._previewError)}));
        buttons.append(button(_('Connect without importing'),
            {onClick: () => this._act('FinishConnect', new GLib.Variant('(b)', [false]), this._previewError)}));
        buttons.append(button(_('Import and connect'), {style: 'suggested-action',
            onClick: () => this._act('FinishConnect', new GLib.Variant('(b)', [true]), this._previewError)}));
        g.add(buttons);
        this._previewError = errorLabel();
        g.add(this._previewError);
    }

    _buildAccount() {
        const g = this._accountGroup = this._group(_('Account'));
        this._accountRow = actionRow('');
        this._syncNowButton = button(_('Sync now'), {onClick: () => this._act('SyncNow', null, this._accountError)});
        this._accountRow.add_suffix(this._syncNowButton);
        g.add(this._accountRow);
        this._importRow = actionRow(_('Import everything again'),
            _('Reads the whole account from Trakt and sends what only this computer has.'));
        this._importButton = button(_('Import'), {onClick: () => this._act('Import', null, this._accountError)});
        this._importRow.add_suffix(this._importButton);
        g.add(this._importRow);
        this._progress = new Gtk.ProgressBar({show_text: true, margin_top: 6, visible: false});
        g.add(this._progress);
        this._accountError = errorLabel();
        g.add(this._accountError);
    }

    _buildToggles() {
        const g = this._togglesGroup = this._group(_('What to sync'), _('All on by default.'));
        for (const [key, title, subtitle] of CATEGORIES) {
            const row = actionRow(title(), subtitle());
            const sw = new Gtk.Switch({valign: Gtk.Align.CENTER});
            row.add_suffix(sw);
            row.activatable_widget = sw;
            const id = sw.connect('notify::active', () => this._toggle(key, sw.active));
            this._toggles.set(key, {sw, id});
            g.add(row);
        }
        this._togglesError = errorLabel();
        g.add(this._togglesError);
    }

    _buildLists() {
        const g = this._listsGroup = this._group(_('Lists'),
            _('Your Trakt watchlist and the lists you follow.'));
        this._addListRow = new Adw.EntryRow({title: _('Follow a list by its trakt.tv address')});
        this._addListRow.connect('entry-activated', () => this._addList());
        this._followButton = button(_('Follow'), {onClick: () => this._addList()});
        this._addListRow.add_suffix(this._followButton);
        g.add(this._addListRow);
        this._listsError = errorLabel();
        g.add(this._listsError);
    }

    _buildDisconnect() {
        const g = this._disconnectGroup = this._group('');
        const row = actionRow(_('Disconnect from Trakt'),
            _('Your history, ratings and collection stay on this computer.'));
        row.add_suffix(button(_('Disconnect…'), {style: 'destructive-action', onClick: () => this._confirmDisconnect()}));
        g.add(row);
        this._disconnectError = errorLabel();
        g.add(this._disconnectError);
    }

    /* ---- following the daemon ---- */

    _onChange(what, ...args) {
        if (what === 'presence' && this._client.presence === 'stopped' && !this._startedService) {
            /* Opening the settings is a person asking for them: start the service once. */
            this._startedService = true;
            this._startService();
        }
        if (what === 'connect-finished') {
            const [ok, err] = args;
            if (!ok)
                setError(this._client.props.State === 'expired' ? this._statusError : this._connectError, err);
            this._code = null;
        }
        if (what === 'presence' && this._client.presence === 'running')
            this._loadLists();
        if (what === 'sync-finished') {
            const [, ok, err] = args;
            setError(this._accountError, ok ? '' : err);
            this._loadLists();
        }
        this._sync();
    }

    _sync() {
        const c = this._client;
        const snap = c.snapshot();
        const p = snap.props;
        const running = snap.presence === 'running';
        const state = running ? p.State : null;
        const linked = state === 'connected' || state === 'expired';
        if (state !== this._lastState) {
            /* An error belongs to the state it happened in. */
            if (state === 'connected')
                [this._accountError, this._statusError, this._connectError].forEach(l => setError(l, ''));
            this._lastState = state;
        }

        /* Linked, the account group says who and since when; the status row
         * then only carries the daemon's last error, if any. */
        if (linked) {
            this._statusRow.title = p.LastError || '';
            this._statusRow.subtitle = '';
        } else {
            this._statusRow.title = state === 'unconfigured'
                ? _('Not set up yet: paste the client id and secret of your Trakt API application below.')
                : headline(snap);
            this._statusRow.subtitle = running && p.LastError ? p.LastError : '';
        }
        this._statusRow.visible = !linked || Boolean(p.LastError);
        this._statusGroup.visible = this._statusRow.visible || this._expiredRow.visible ||
            this._statusError.visible;
        this._startButton.visible = snap.presence === 'stopped';
        this._expiredRow.visible = state === 'expired';

        this._credsGroup.visible = state === 'unconfigured' || state === 'disconnected';
        if (this._credsGroup.visible && !this._idRow.text && p.ClientId)
            this._idRow.text = p.ClientId;
        this._secretRow.title = p.ClientId ? _('Client secret (stored; enter it again to change it)')
            : _('Client secret');
        this._updateSave();

        this._connectGroup.visible = state === 'disconnected';
        this._connectButton.sensitive = !this._busy;

        this._codeGroup.visible = state === 'authorizing' || (state === 'expired' && Boolean(this._code));
        if (this._code) {
            this._codeHint.label = format(_('Go to %s and enter this code:'),
                this._code.url.replace(/^https?:\/\//, ''));
            this._codeLabel.set_markup(
                `<span font_family="monospace" size="30720" weight="bold" letter_spacing="6144">${
                    GLib.markup_escape_text(this._code.code, -1)}</span>`);
            this._openButton.visible = true;
        } else {
            this._codeHint.label = _('A code was shown where the connection started; enter it on Trakt, or cancel and connect again here.');
            this._codeLabel.label = '';
            this._openButton.visible = false;
        }

        this._previewGroup.visible = state === 'authorized';
        const preview = p.Preview || {};
        for (const [k, label] of Object.entries(this._previewRows))
            label.label = String(preview[k] ?? 0);

        this._accountGroup.visible = linked;
        const user = p.Username || _('your account');
        const since = formatDay(p.ConnectedAt);
        this._accountRow.title = format(_('Connected as %s'), user);
        this._accountRow.subtitle = [since ? format(_('since %s'), since) : '',
            Number(p.LastSync) > 0 ? format(_('last synced %s'), formatDay(p.LastSync)) : '']
            .filter(x => x).join(' · ');
        const syncing = Boolean(p.Syncing);
        this._syncNowButton.sensitive = state === 'connected' && !syncing && !this._busy;
        this._importButton.sensitive = state === 'connected' && !syncing && !this._busy;
        this._progress.visible = syncing;
        if (syncing) {
            const [done, total] = Array.isArray(p.SyncProgress) ? p.SyncProgress : [0, 0];
            this._progress.fraction = total > 0 ? Math.min(1, done / total) : 0;
            this._progress.text = total > 0
                ? format(p.Syncing === 'import' ? _('Importing: %d of %d') : _('Syncing: %d of %d'), done, total)
                : p.Syncing === 'import' ? _('Importing…') : _('Syncing…');
        }

        this._togglesGroup.visible = linked;
        const enabled = p.SyncEnabled || {};
        for (const [key, {sw, id}] of this._toggles) {
            sw.block_signal_handler(id);
            sw.active = enabled[key] ?? true;
            sw.unblock_signal_handler(id);
            sw.sensitive = !this._busy;
        }

        this._listsGroup.visible = linked;
        this._disconnectGroup.visible = linked;
    }

    /* ---- a person's actions ---- */

    async _act(method, params, errorWidget) {
        this._busy = true;
        setError(errorWidget, '');
        this._sync();
        try {
            return await this._client.call(method, params);
        } catch (e) {
            if (this._client)
                setError(errorWidget, errorSentence(e));
            return null;
        } finally {
            this._busy = false;
            if (this._client)
                this._sync();
        }
    }

    async _startService() {
        try {
            await this._client.startService();
        } catch (e) {
            if (this._client) {
                setError(this._statusError, errorSentence(e));
                this._sync();
            }
        }
    }

    async _configure() {
        const id = this._idRow.text.trim();
        const secret = this._secretRow.text;
        const r = await this._act('Configure', new GLib.Variant('(ss)', [id, secret]), this._credsError);
        if (r !== null && this._client) {
            /* The secret is never shown again, not even the one just typed. */
            this._secretRow.text = '';
            this._sync();
        }
    }

    async _connect() {
        setError(this._connectError, '');
        const errorWidget = this._client.props.State === 'expired' ? this._statusError : this._connectError;
        const r = await this._act('Connect', null, errorWidget);
        if (r && this._client) {
            const [code, url] = r;
            this._code = {code, url};
            this._sync();
        }
    }

    _openUrl() {
        if (!this._code)
            return;
        try {
            Gtk.show_uri(this._window, this._code.url, 0);
        } catch (e) {
            setError(this._codeError, format(_('No browser could open the page; go to %s yourself.'), this._code.url));
        }
    }

    async _toggle(key, on) {
        const r = await this._act('SetSyncEnabled', new GLib.Variant('(sb)', [key, on]), this._togglesError);
        if (r === null && this._client)
            this._sync(); /* refused: back to what the daemon says */
    }

    async _loadLists() {
        const c = this._client;
        if (!c || c.presence !== 'running' || !['connected', 'expired'].includes(c.props.State)) {
            this._showLists([]);
            return;
        }
        try {
            const [lists] = await c.call('GetLists');
            if (this._client)
                this._showLists(lists);
        } catch (e) {
            if (this._client)
                setError(this._listsError, errorSentence(e));
        }
    }

    _showLists(lists) {
        for (const row of this._listRows)
            this._listsGroup.remove(row);
        this._listRows = [];
        for (const [id, name, url, kind, count] of lists) {
            const items = format(ngettext('%d item', '%d items', count), count);
            const row = actionRow(name || id,
                kind === 'watchlist' ? format(_('System list · %s'), items) : `${items} · ${url}`);
            if (kind === 'watchlist') {
                const tag = new Gtk.Label({label: _('System list'), valign: Gtk.Align.CENTER});
                tag.add_css_class('dim-label');
                row.add_suffix(tag);
            } else {
                const remove = new Gtk.Button({label: _('Remove'), valign: Gtk.Align.CENTER,
                    tooltip_text: format(_('Stop following %s'), name || id)});
                remove.connect('clicked', async () => {
                    if (await this._act('RemoveList', new GLib.Variant('(s)', [id]), this._listsError) !== null)
                        this._loadLists();
                });
                row.add_suffix(remove);
            }
            this._listsGroup.add(row);
            this._listRows.push(row);
        }
    }

    async _addList() {
        const url = this._addListRow.text.trim();
        if (!url)
            return;
        const r = await this._act('AddList', new GLib.Variant('(s)', [url]), this._listsError);
        if (r !== null && this._client) {
            this._addListRow.text = '';
            this._loadLists();
        }
    }

    _confirmDisconnect() {
        const d = new Adw.MessageDialog({
            transient_for: this._window,
            modal: true,
            heading: _('Disconnect from Trakt?'),
            body: _('Kino stops sending to Trakt and forgets the login. Your history, ratings and collection stay on this computer; the watchlist list goes away.'),
        });
        d.add_response('cancel', _('Cancel'));
        d.add_response('disconnect', _('Disconnect'));
        d.set_response_appearance('disconnect', Adw.ResponseAppearance.DESTRUCTIVE);
        d.set_default_response('cancel');
        d.set_close_response('cancel');
        d.connect('response', (_d, response) => {
            if (response === 'disconnect')
                this._act('Disconnect', null, this._disconnectError);
        });
        d.present();
    }
}

/*
 * Fill a preferences window. page: an Adw.PreferencesPage already added to the
 * window (the 43–44 entry point must add one before its dynamic import
 * resolves), or null to make one.
 */
export function fillPreferencesWindow(window, page = null) {
    if (!page) {
        page = new Adw.PreferencesPage({title: _('Trakt'), icon_name: 'emblem-synchronizing-symbolic'});
        window.add(page);
    }
    window.set_default_size(640, 780);
    const traktPage = new TraktPage(window, page);
    window.connect('close-request', () => {
        traktPage.destroy();
        return false;
    });
    return traktPage;
}
