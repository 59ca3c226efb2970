// The extension's entry points and core, parsed by gjs's own parser and
// checked for the shape each shell expects. Only GNOME 43 runs here (Debian
// 12), so this is what stands between the 45+ entry points and a syntax or
// shape mistake nobody would see until a 45+ user tried them.
//   gjs -m test-entry-points.js SOURCE_DIR      (meson: shell-unit-entry-points)
import GLib from 'gi://GLib';
import System from 'system';

const dir = System.programArgs[0];
let failures = 0;
let checks = 0;

function check(cond, what) {
    checks++;
    if (!cond) {
        failures++;
        printerr(`FAIL ${what}`);
    }
}

function read(name) {
    const [, bytes] = GLib.file_get_contents(`${dir}/${name}`);
    return new TextDecoder().decode(bytes);
}

function parse(name, target) {
    try {
        return Reflect.parse(read(name), {target, source: name});
    } catch (e) {
        check(false, `${name} does not parse as a ${target}: ${e.message}`);
        return {body: []};
    }
}

const imports_ = ast => ast.body.filter(n => n.type === 'ImportDeclaration')
    .map(n => (n.moduleRequest ?? n).source.value);
const functions = ast => ast.body.filter(n => n.type === 'FunctionDeclaration').map(n => n.id.name);

function defaultClass(ast) {
    const d = ast.body.find(n => n.type === 'ExportDeclaration' && n.isDefault);
    return d && d.declaration && d.declaration.type === 'ClassStatement' ? d.declaration : null;
}

function methods(cls) {
    return (cls?.body ?? []).filter(m => m.type === 'ClassMethod').map(m => m.name.name);
}

/* ---- GNOME 45+: ES modules the shell imports and instantiates ---- */
const ext45 = parse('extension-45.js', 'module');
const extClass = defaultClass(ext45);
check(extClass, 'extension-45.js: export default class');
check(extClass?.superClass?.name === 'Extension', 'extension-45.js: the default class extends Extension');
check(['enable', 'disable'].every(m => methods(extClass).includes(m)), 'extension-45.js: enable() and disable()');
check(imports_(ext45).includes('resource:///org/gnome/shell/extensions/extension.js'),
    'extension-45.js imports the Extension base class from the shell');
check(imports_(ext45).includes('./core/indicator.js'), 'extension-45.js imports the shared core');

const prefs45 = parse('prefs-45.js', 'module');
const prefsClass = defaultClass(prefs45);
check(prefsClass?.superClass?.name === 'ExtensionPreferences', 'prefs-45.js: the default class extends ExtensionPreferences');
check(methods(prefsClass).includes('fillPreferencesWindow'), 'prefs-45.js: fillPreferencesWindow()');
check(imports_(prefs45).includes('resource:///org/gnome/Shell/Extensions/js/extensions/prefs.js'),
    'prefs-45.js imports ExtensionPreferences from the Extensions app');
check(imports_(prefs45).includes('./core/prefs.js'), 'prefs-45.js imports the shared settings page');

/* ---- GNOME 43–44: legacy scripts ---- */
const ext43 = parse('extension-43.js', 'script');
check(['init', 'enable', 'disable'].every(f => functions(ext43).includes(f)),
    'extension-43.js: init(), enable() and disable()');
check(/import\(`\$\{Me\.dir\.get_uri\(\)\}\/core\/indicator\.js`\)/.test(read('extension-43.js')),
    'extension-43.js loads the core with a dynamic import() from its own folder');
const prefs43 = parse('prefs-43.js', 'script');
check(['init', 'fillPreferencesWindow'].every(f => functions(prefs43).includes(f)),
    'prefs-43.js: init() and fillPreferencesWindow()');

/* ---- the core: ES modules of gi:// and each other only ---- */
const shellSide = ['core/client.js', 'core/i18n.js', 'core/indicator.js', 'core/status.js'];
for (const name of [...shellSide, 'core/prefs.js']) {
    const ast = parse(name, 'module');
    for (const src of imports_(ast)) {
        /* On 43–44 the shell's own files are legacy scripts: importing one as a
         * module makes a second, empty copy. They come from the entry point. */
        check(!src.startsWith('resource:///org/gnome/shell/'), `${name} imports the shell's ${src}`);
        check(src.startsWith('gi://') || src.startsWith('./') || src === 'gettext',
            `${name} imports ${src}: only gi://, gettext and the core`);
        if (shellSide.includes(name))
            check(!/^gi:\/\/(Gtk|Gdk|Adw)\b/.test(src), `${name} (loaded in the shell) imports ${src}`);
    }
}
check(imports_(parse('core/prefs.js', 'module')).includes('gi://Gtk?version=4.0'), 'core/prefs.js asks for GTK 4');

/* Never in the way: nothing in the shell's code runs on a timer. */
for (const name of shellSide) {
    const src = read(name);
    for (const t of ['timeout_add', 'idle_add', 'setInterval', 'setTimeout'])
        check(!src.includes(t), `${name} uses ${t}: the extension follows signals, it does not poll`);
}

print(`${checks - failures} of ${checks} checks passed`);
System.exit(failures ? 1 : 0);
