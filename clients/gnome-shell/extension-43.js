// GNOME Shell 43–44 entry point (legacy script). The indicator lives in
// ES modules under core/, shared with the 45+ entry point; this file loads
// them with a dynamic import() and hands them the shell's own modules.
/* exported init enable disable */
const ExtensionUtils = imports.misc.extensionUtils;
const Main = imports.ui.main;
const PanelMenu = imports.ui.panelMenu;
const PopupMenu = imports.ui.popupMenu;

const Me = ExtensionUtils.getCurrentExtension();

let controller = null;
/* enable() resolves a tick later; a disable() in between must win. */
let generation = 0;

function init() {
    ExtensionUtils.initTranslations();
}

function enable() {
    const gen = ++generation;
    import(`${Me.dir.get_uri()}/core/indicator.js`).then(core => {
        if (gen !== generation)
            return;
        controller = new core.Controller({
            Main, PanelMenu, PopupMenu,
            openPrefs: () => ExtensionUtils.openPrefs(),
        });
    }).catch(e => logError(e, 'kino-trakt'));
}

function disable() {
    generation++;
    if (controller) {
        controller.destroy();
        controller = null;
    }
}
