// GNOME Shell 43–44 settings entry point (legacy script, run by the
// Extensions app). The page itself is the ES module core/prefs.js, shared
// with the 45+ entry point. fillPreferencesWindow() must leave a page in the
// window before it returns, so an empty one goes in now and is filled once
// the dynamic import resolves.
/* exported init fillPreferencesWindow */
const {Adw} = imports.gi;
const ExtensionUtils = imports.misc.extensionUtils;

const Me = ExtensionUtils.getCurrentExtension();

function init() {
    ExtensionUtils.initTranslations();
}

function fillPreferencesWindow(window) {
    const page = new Adw.PreferencesPage({
        title: 'Trakt',
        icon_name: 'emblem-synchronizing-symbolic',
    });
    window.add(page);
    import(`${Me.dir.get_uri()}/core/prefs.js`)
        .then(core => core.fillPreferencesWindow(window, page))
        .catch(e => logError(e, 'kino-trakt prefs'));
}
