// GNOME Shell 45+ entry point (ES module). The indicator lives in core/,
// shared with the 43–44 entry point.
import * as Main from 'resource:///org/gnome/shell/ui/main.js';
import * as PanelMenu from 'resource:///org/gnome/shell/ui/panelMenu.js';
import * as PopupMenu from 'resource:///org/gnome/shell/ui/popupMenu.js';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

import {Controller} from './core/indicator.js';

export default class KinoTraktExtension extends Extension {
    constructor(metadata) {
        super(metadata);
        this.initTranslations();
    }

    enable() {
        this._controller = new Controller({
            Main, PanelMenu, PopupMenu,
            openPrefs: () => this.openPreferences(),
        });
    }

    disable() {
        this._controller?.destroy();
        this._controller = null;
    }
}
