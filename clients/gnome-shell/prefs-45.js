// GNOME Shell 45+ settings entry point (ES module). The page is core/prefs.js,
// shared with the 43–44 entry point.
import {ExtensionPreferences} from 'resource:///org/gnome/Shell/Extensions/js/extensions/prefs.js';

import {fillPreferencesWindow} from './core/prefs.js';

export default class KinoTraktPreferences extends ExtensionPreferences {
    constructor(metadata) {
        super(metadata);
        this.initTranslations();
    }

    fillPreferencesWindow(window) {
        fillPreferencesWindow(window);
    }
}
