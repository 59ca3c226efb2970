// Unit tests of the extension's core model (clients/gnome-shell/core/status.js)
// under gjs: the daemon's state → the dot's colour, the words, the eye, and the
// menu's model. Run: gjs -m test-status.js CORE_DIR  (meson: shell-unit-status)
import System from 'system';

const coreDir = System.programArgs[0];
if (!coreDir) {
    printerr('usage: gjs -m test-status.js CORE_DIR');
    System.exit(2);
}
const S = await import(`file://${coreDir}/status.js`);

let failures = 0;
let checks = 0;

function eq(got, want, what) {
    checks++;
    const g = JSON.stringify(got), w = JSON.stringify(want);
    if (g !== w) {
        failures++;
        printerr(`FAIL ${what}:\n  got  ${g}\n  want ${w}`);
    }
}

function snap({presence = 'running', eye = false, sessions = [], v2 = true, ...props} = {}) {
    return {presence, eye, sessionsSupported: v2, sessions, props};
}

const connected = (extra = {}) => snap({State: 'connected', Username: 'sean', ConnectedAt: 0,
    ScrobbleStatus: 'idle', PendingEvents: 0, LastError: '', ...extra});

const movie = {type: 'movie', title: 'Inception', year: 2010, tmdb: 27205};
const episode = {type: 'episode', show_title: 'Breaking Bad', season: 1, episode: 2};
const session = (extra = {}) => ({path: '/org/kino/Trakt/session/1', Application: 'mpv', PlaybackState: 'playing',
    Media: movie, Progress: 42.4, Incognito: false, EffectiveIncognito: false, LastActive: 10, Problem: '', ...extra});

function shown(s) {
    const r = S.indicatorState(s);
    return [r.dot, r.words, r.eye];
}

/* ---- the dot and its words ---- */
eq(shown(snap({presence: 'absent'})), ['grey', 'Trakt: not installed', false], 'not installed');
eq(shown(snap({presence: 'stopped'})), ['grey', 'Trakt: not running', false], 'stopped');
eq(shown(snap({presence: 'unknown'})), ['grey', 'Trakt: not running', false], 'not known yet');
eq(shown(snap({State: 'unconfigured', ScrobbleStatus: 'idle'})), ['grey', 'Trakt: not set up', false], 'unconfigured');
eq(shown(snap({State: 'disconnected', ScrobbleStatus: 'active', PendingEvents: 3})),
    ['grey', 'Trakt: not connected', false], 'disconnected, even with local sessions');
eq(shown(snap({State: 'authorizing'})), ['grey', 'Trakt: connecting', false], 'authorizing');
eq(shown(snap({State: 'authorized'})), ['grey', 'Trakt: connecting', false], 'authorized');
eq(shown(snap({State: 'some-future-state'})), ['grey', 'Trakt: not connected', false], 'an unknown state');
eq(shown(connected()), ['green', 'Trakt: connected', false], 'connected, idle');
eq(shown(connected({ScrobbleStatus: 'active'})), ['green', 'Trakt: scrobbling', false], 'active');
eq(shown(connected({ScrobbleStatus: 'rate-limited', PendingEvents: 3})),
    ['amber', 'Trakt: rate-limited, 3 events waiting', false], 'rate-limited, 3 waiting');
eq(shown(connected({ScrobbleStatus: 'rate-limited', PendingEvents: 1})),
    ['amber', 'Trakt: rate-limited, 1 event waiting', false], 'rate-limited, 1 waiting (singular)');
eq(shown(connected({ScrobbleStatus: 'rate-limited', PendingEvents: 0})),
    ['amber', 'Trakt: rate-limited', false], 'rate-limited, nothing waiting');
eq(shown(connected({ScrobbleStatus: 'failed', PendingEvents: 2})), ['red', 'Trakt: last scrobble failed', false],
    'failed');
eq(shown(snap({State: 'expired', ScrobbleStatus: 'failed', PendingEvents: 2})),
    ['red', 'Trakt: disconnected, reconnect to send 2 events waiting', false], 'expired with events');
eq(shown(snap({State: 'expired', ScrobbleStatus: 'idle', PendingEvents: 0})),
    ['red', 'Trakt: disconnected, reconnect', false], 'expired, nothing waiting');

/* ---- the eye ---- */
eq(shown(connected({}) && snap({State: 'connected', ScrobbleStatus: 'idle', eye: true})),
    ['green', 'Trakt: connected, incognito', true], 'the user-wide eye');
eq(shown(snap({State: 'connected', ScrobbleStatus: 'active',
    sessions: [session({EffectiveIncognito: true})]})),
['green', 'Trakt: scrobbling, incognito', true], 'an incognito session playing now');
eq(shown(snap({State: 'connected', ScrobbleStatus: 'active',
    sessions: [session({PlaybackState: 'paused', EffectiveIncognito: true})]})),
['green', 'Trakt: scrobbling', false], 'an incognito session that is paused: no eye');
eq(shown(snap({State: 'connected', ScrobbleStatus: 'active',
    sessions: [session({Incognito: true, EffectiveIncognito: undefined})]})),
['green', 'Trakt: scrobbling, incognito', true], 'a session\'s own flag when EffectiveIncognito is unknown');
eq(shown(snap({presence: 'stopped', eye: true})), ['grey', 'Trakt: not running', false],
    'no eye while the daemon is away');
eq(shown(snap({State: 'connected', ScrobbleStatus: 'rate-limited', PendingEvents: 2, eye: true})),
    ['amber', 'Trakt: rate-limited, 2 events waiting, incognito', true], 'amber with the eye');

/* ---- titles and session lines ---- */
eq(S.mediaTitle(movie), 'Inception (2010)', 'movie title');
eq(S.mediaTitle({type: 'movie', title: 'Heat'}), 'Heat', 'movie without year');
eq(S.mediaTitle(episode), 'Breaking Bad S01E02', 'episode title');
eq(S.mediaTitle({type: 'movie', imdb: 'tt0372784'}), 'Movie imdb:tt0372784', 'ids only');
eq(S.mediaTitle({type: 'movie', trakt: 28}), 'Movie trakt:28', 'a numeric id');
eq(S.mediaTitle({}), 'Something', 'nothing at all');
eq(S.sessionLine(session()), 'Inception (2010) · mpv · 42 %', 'playing line');
eq(S.sessionLine(session({PlaybackState: 'paused', Application: '', Media: episode, Progress: 80})),
    'Breaking Bad S01E02 · paused at 80 %', 'paused line without a player name');
eq(S.sessionLine(session({EffectiveIncognito: true})), 'Inception (2010) · mpv · 42 % · incognito',
    'incognito line');
eq(S.activeSessions(snap({sessions: [
    session({path: 'a', PlaybackState: 'paused', LastActive: 50}),
    session({path: 'b', PlaybackState: 'stopped', LastActive: 60}),
    session({path: 'c', PlaybackState: 'playing', LastActive: 5}),
    session({path: 'd', PlaybackState: 'playing', LastActive: 20}),
]})).map(s => s.path), ['d', 'c', 'a'], 'playing first, newest first, stopped left out');

/* ---- the menu ---- */
function visible(s, flow) {
    return S.menuModel(s, flow).filter(m => m.visible).map(m => m.id);
}
function item(s, id, flow) {
    return S.menuModel(s, flow).find(m => m.id === id);
}
eq(visible(snap({presence: 'absent'})), ['headline', 'settings'], 'menu: not installed');
eq(item(snap({presence: 'absent'}), 'headline').label, 'Kino’s Trakt service is not installed on this computer.',
    'menu: the not-installed sentence');
eq(visible(snap({presence: 'stopped'})), ['headline', 'start', 'settings'], 'menu: stopped offers Start');
eq(visible(snap({State: 'unconfigured'})), ['headline', 'settings'], 'menu: unconfigured');
eq(visible(snap({State: 'disconnected'})), ['headline', 'incognito', 'settings'], 'menu: disconnected');
eq(visible(connected()), ['headline', 'nothing-playing', 'incognito', 'sync-now', 'settings'], 'menu: connected');
eq(visible(connected({v2: false})), ['headline', 'sync-now', 'settings'],
    'menu: connected to a version 1 daemon (no sessions to list, no user-wide eye)');
eq(item(connected({ConnectedAt: 1764892800 * 1e6}), 'headline').label, 'Connected as sean since 5 December 2025',
    'menu: the account and since when');
const playing = snap({State: 'connected', ScrobbleStatus: 'active', Username: 'sean',
    sessions: [session(), session({path: 'x', Media: episode, PlaybackState: 'paused', Progress: 10,
        Problem: 'Trakt does not know “Lost Tapes”; nothing about it was sent.'})]});
eq(visible(playing), ['headline', 'sessions', 'incognito', 'sync-now', 'settings'], 'menu: playing');
eq(item(playing, 'sessions').lines, ['Inception (2010) · mpv · 42 %', 'Breaking Bad S01E02 · mpv · paused at 10 %'],
    'menu: session lines');
eq(item(playing, 'sessions').problems, ['Trakt does not know “Lost Tapes”; nothing about it was sent.'],
    'menu: a session\'s problem');
eq(item(connected({eye: true}) && snap({State: 'connected', eye: true}), 'incognito').on, true,
    'menu: the switch follows the user-wide eye');
eq(visible(connected({LastError: 'Trakt does not know movie 1; check the ids.'})),
    ['headline', 'nothing-playing', 'incognito', 'sync-now', 'error', 'settings'], 'menu: the last error');
eq(item(connected({LastError: 'Trakt does not know movie 1; check the ids.'}), 'error').label,
    'Trakt does not know movie 1; check the ids.', 'menu: the daemon\'s sentence as it is');
const syncing = connected({Syncing: 'import', SyncProgress: [3, 7]});
eq(item(syncing, 'syncing').label, 'Importing from Trakt (3/7)', 'menu: import progress');
eq(item(syncing, 'sync-now').sensitive, false, 'menu: no Sync now while syncing');
const expired = snap({State: 'expired', ScrobbleStatus: 'failed', PendingEvents: 1, LastError: 'Trakt disconnected.'});
eq(visible(expired), ['headline', 'nothing-playing', 'incognito', 'error', 'reconnect', 'settings'],
    'menu: expired offers the reconnect');
eq(item(expired, 'reconnect').label, 'Trakt disconnected: reconnect', 'menu: the reconnect words');
const flow = {code: 'ABCD1234', url: 'https://trakt.tv/activate'};
eq(visible(snap({State: 'authorizing'}), flow), ['headline', 'incognito', 'code', 'settings'],
    'menu: the code while authorizing');
eq(item(snap({State: 'authorizing'}), 'code', flow).label, 'Enter this code at trakt.tv/activate',
    'menu: where to enter the code');
eq(visible(expired, flow).includes('reconnect'), false, 'menu: no second reconnect while a code is shown');
eq(visible(snap({State: 'authorized', Preview: {watched_movies: 5}}), flow),
    ['headline', 'incognito', 'choose', 'settings'], 'menu: the import choice after approval');
eq(item(snap({State: 'authorized', Preview: {watched_movies: 5, watched_episodes: 6, ratings: 4, watchlist: 3}}),
    'choose', flow).label, 'On Trakt: 5 watched movies, 6 watched episodes, 4 ratings, 3 on the watchlist',
'menu: the preview counts');
eq(visible(snap({State: 'authorized'})), ['headline', 'incognito', 'settings'],
    'menu: no choice for a connection started elsewhere');
eq(item(expired, 'error', {error: 'Not authorized to connect.'}).label, 'Not authorized to connect.',
    'menu: an action\'s refusal wins over LastError');

/* ---- format ---- */
eq(S.format('%s and %d%%', 'a', 5), 'a and 5%', 'format');
eq(S.format('%s', '%s'), '%s', 'format does not re-expand');

print(`${checks - failures} of ${checks} checks passed`);
System.exit(failures ? 1 : 0);
