// The extension's gettext domain. The entry points bind it to the extension's
// locale/ folder (ExtensionUtils.initTranslations on 43–44,
// Extension.initTranslations on 45+); the core only looks strings up.
import Gettext from 'gettext';

export const DOMAIN = 'kino-trakt';

const domain = Gettext.domain(DOMAIN);

export const _ = domain.gettext;
export const ngettext = domain.ngettext;
