// What the indicator shows, as plain functions of a snapshot of the daemon:
// the dot's colour, the words a screen reader says, the eye, and the menu's
// model. No St, no Gtk, no D-Bus here: the unit tests run these under gjs.
//
// A snapshot (see client.js) is
//   { presence: 'unknown' | 'absent' | 'stopped' | 'running',
//     props: { State, Username, ConnectedAt, ScrobbleStatus, PendingEvents, LastError,
//              Preview, Syncing, SyncProgress, ... }   (org.kino.Trakt's properties)
//     eye: bool                                         (the user-wide eye, GetIncognito)
//     sessionsSupported: bool                           (the daemon has ListSessions)
//     sessions: [{ path, Application, PlaybackState, Media, Progress, Incognito,
//                  EffectiveIncognito, LastActive, Problem }] }
import GLib from 'gi://GLib';

import {_, ngettext} from './i18n.js';

export const Dot = Object.freeze({
    GREY: 'grey',
    GREEN: 'green',
    AMBER: 'amber',
    RED: 'red',
});

/* printf-like, one pass: %s and %d take the next argument, %% is a percent sign. */
export function format(template, ...args) {
    let i = 0;
    return template.replace(/%([sd%])/g, (_m, c) => (c === '%' ? '%' : String(args[i++])));
}

function eventsWaiting(n) {
    return format(ngettext('%d event waiting', '%d events waiting', n), n);
}

/* A session that plays or paused, newest first; the one playing now leads. */
export function activeSessions(snap) {
    const rank = s => (s.PlaybackState === 'playing' ? 0 : 1);
    return (snap.sessions || [])
        .filter(s => s.PlaybackState === 'playing' || s.PlaybackState === 'paused')
        .sort((a, b) => rank(a) - rank(b) || Number(b.LastActive || 0) - Number(a.LastActive || 0));
}

function sessionIncognito(s) {
    return Boolean(s.EffectiveIncognito ?? s.Incognito);
}

/* The eye: the user-wide eye is on, or a session of this user playing now is incognito. */
export function eyeOn(snap) {
    if (snap.presence !== 'running')
        return false;
    return Boolean(snap.eye) ||
        (snap.sessions || []).some(s => s.PlaybackState === 'playing' && sessionIncognito(s));
}

/* The dot's colour and the words for it, without the eye. */
function dotAndWords(snap) {
    const p = snap.props || {};
    switch (snap.presence) {
    case 'absent':
        return [Dot.GREY, _('Trakt: not installed')];
    case 'unknown':
    case 'stopped':
        return [Dot.GREY, _('Trakt: not running')];
    }
    const pending = Number(p.PendingEvents || 0);
    switch (p.State) {
    case 'unconfigured':
        return [Dot.GREY, _('Trakt: not set up')];
    case 'authorizing':
    case 'authorized':
        return [Dot.GREY, _('Trakt: connecting')];
    case 'expired':
        return [Dot.RED, pending > 0
            /* Translators: %s is e.g. "3 events waiting" */
            ? format(_('Trakt: disconnected, reconnect to send %s'), eventsWaiting(pending))
            : _('Trakt: disconnected, reconnect')];
    case 'connected':
        break;
    default: /* disconnected, or a state this version does not know */
        return [Dot.GREY, _('Trakt: not connected')];
    }
    switch (p.ScrobbleStatus) {
    case 'failed':
        return [Dot.RED, _('Trakt: last scrobble failed')];
    case 'rate-limited':
        return [Dot.AMBER, pending > 0
            /* Translators: %s is e.g. "3 events waiting" */
            ? format(_('Trakt: rate-limited, %s'), eventsWaiting(pending))
            : _('Trakt: rate-limited')];
    case 'active':
        return [Dot.GREEN, _('Trakt: scrobbling')];
    default:
        return [Dot.GREEN, _('Trakt: connected')];
    }
}

/* { dot, words, eye }: words is the indicator's accessible name. */
export function indicatorState(snap) {
    const [dot, words] = dotAndWords(snap);
    const eye = eyeOn(snap);
    /* Translators: appended to the indicator's words while incognito */
    return {dot, eye, words: eye ? `${words}${_(', incognito')}` : words};
}

/* "Inception (2010)", "Breaking Bad S01E02", or whatever id there is. */
export function mediaTitle(media) {
    const m = media || {};
    const pad = n => String(n).padStart(2, '0');
    if (m.type === 'episode' || m.show_title || m.season !== undefined) {
        const show = m.show_title || m.title || _('Unknown show');
        if (m.season !== undefined && m.episode !== undefined)
            return `${show} S${pad(m.season)}E${pad(m.episode)}`;
        return show;
    }
    if (m.title)
        return m.year ? `${m.title} (${m.year})` : m.title;
    /* Named by ids only (the daemon gives titles for what it resolved). */
    const kind = {movie: _('Movie'), show: _('Show'), episode: _('Episode')}[m.type] || _('Something');
    for (const k of ['imdb', 'slug', 'trakt', 'tmdb', 'tvdb']) {
        if (m[k] !== undefined && m[k] !== '')
            return `${kind} ${k}:${m[k]}`;
    }
    return kind;
}

function percent(p) {
    /* Translators: a progress, e.g. "42 %"; %d is the number */
    return format(_('%d %%'), Math.round(Number(p) || 0));
}

/* One menu line: "Inception (2010) · mpv · 42 %" (paused: "paused at 42 %"). */
export function sessionLine(s) {
    const parts = [mediaTitle(s.Media)];
    if (s.Application)
        parts.push(s.Application);
    parts.push(s.PlaybackState === 'paused'
        /* Translators: %s is a progress such as "42 %" */
        ? format(_('paused at %s'), percent(s.Progress))
        : percent(s.Progress));
    if (sessionIncognito(s))
        parts.push(_('incognito'));
    return parts.join(' · ');
}

export function formatDay(usec) {
    const us = Number(usec || 0);
    if (us <= 0)
        return '';
    const d = GLib.DateTime.new_from_unix_local(Math.floor(us / 1e6));
    /* Translators: a date, in GLib.DateTime.format() notation */
    return d ? d.format(_('%e %B %Y')).trim() : '';
}

/* The first line of the menu: the account and since when, or what is wrong. */
export function headline(snap) {
    const p = snap.props || {};
    switch (snap.presence) {
    case 'absent':
        return _('Kino’s Trakt service is not installed on this computer.');
    case 'unknown':
    case 'stopped':
        return _('Kino’s Trakt service is not running.');
    }
    switch (p.State) {
    case 'unconfigured':
        return _('Trakt is not set up yet: open Settings to add the application’s client id.');
    case 'disconnected':
        return _('Not connected to Trakt.');
    case 'authorizing':
        return _('Waiting for the code to be entered on Trakt.');
    case 'authorized':
        return p.Username
            ? format(_('Trakt approved %s: choose how to connect.'), p.Username)
            : _('Trakt approved this computer: choose how to connect.');
    case 'expired':
        return _('Trakt disconnected: the login expired.');
    case 'connected': {
        const since = formatDay(p.ConnectedAt);
        const user = p.Username || _('your account');
        return since
            /* Translators: first %s is the Trakt user name, second a date */
            ? format(_('Connected as %s since %s'), user, since)
            : format(_('Connected as %s'), user);
    }
    }
    return _('Not connected to Trakt.');
}

export function previewLine(preview) {
    const v = preview || {};
    const n = k => Number(v[k] || 0);
    /* Translators: the counts Trakt has for the account before importing */
    return format(_('On Trakt: %d watched movies, %d watched episodes, %d ratings, %d on the watchlist'),
        n('watched_movies'), n('watched_episodes'), n('ratings'), n('watchlist'));
}

/*
 * The menu as data: [{ id, label?, visible, sensitive?, ... }] in display order.
 * flow is the menu's own reconnect flow: { code, url, busy, error } (any may be unset).
 */
export function menuModel(snap, flow = {}) {
    const p = snap.props || {};
    const running = snap.presence === 'running';
    const state = running ? p.State : undefined;
    const connectedish = state === 'connected' || state === 'expired';
    const sessions = running ? activeSessions(snap) : [];
    const f = flow || {};
    const items = [];
    const add = (id, visible, extra = {}) => items.push({id, visible: Boolean(visible), ...extra});

    add('headline', true, {label: headline(snap)});
    add('sessions', sessions.length > 0, {lines: sessions.map(sessionLine),
        problems: sessions.map(s => s.Problem || '').filter(x => x)});
    add('nothing-playing', running && connectedish && snap.sessionsSupported && sessions.length === 0,
        {label: _('Nothing playing')});
    /* The user-wide eye came with version 2 of the daemon, with the sessions. */
    add('incognito', running && state !== 'unconfigured' && snap.sessionsSupported,
        {label: _('Incognito'), on: Boolean(snap.eye),
        sensitive: !f.busy});
    add('sync-now', running && state === 'connected', {label: _('Sync now'),
        sensitive: !p.Syncing && !f.busy});
    add('syncing', running && Boolean(p.Syncing), {label: syncingLine(p)});
    add('error', Boolean(f.error) || (running && Boolean(p.LastError)), {label: f.error || p.LastError || ''});
    add('reconnect', state === 'expired' && !f.code, {label: _('Trakt disconnected: reconnect'),
        sensitive: !f.busy});
    add('code', Boolean(f.code) && (state === 'authorizing' || state === 'expired'),
        {code: f.code || '', url: f.url || '',
            label: format(_('Enter this code at %s'), (f.url || '').replace(/^https?:\/\//, ''))});
    add('choose', state === 'authorized' && Boolean(f.code), {label: previewLine(p.Preview), sensitive: !f.busy});
    add('start', snap.presence === 'stopped', {label: _('Start the Trakt service')});
    add('settings', true, {label: _('Settings…')});
    return items;
}

export function syncingLine(p) {
    const [done, total] = Array.isArray(p.SyncProgress) ? p.SyncProgress : [0, 0];
    const what = p.Syncing === 'import' ? _('Importing from Trakt') : _('Syncing with Trakt');
    return total > 0 ? `${what} (${done}/${total})` : `${what}…`;
}
