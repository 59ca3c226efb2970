#!/usr/bin/python3
"""Build one zip of the GNOME Shell extension with `gnome-extensions pack`.

    pack.py --out ZIP --metadata FILE --extension FILE --prefs FILE
            --stylesheet FILE --podir DIR CORE_FILE...

The two flavours (GNOME 43–44 legacy entry points, 45+ ES-module entry points)
share every file but extension.js, prefs.js and metadata.json; this stages one
flavour in a temporary folder under the names the shell looks for, packs it
(translations compiled from --podir into locale/) and moves the zip to --out.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--metadata', required=True)
    ap.add_argument('--extension', required=True)
    ap.add_argument('--prefs', required=True)
    ap.add_argument('--stylesheet', required=True)
    ap.add_argument('--podir', required=True)
    ap.add_argument('--gnome-extensions', default='gnome-extensions')
    ap.add_argument('core', nargs='+')
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix='kino-trakt-pack-') as tmp:
        src = os.path.join(tmp, 'src')
        os.makedirs(os.path.join(src, 'core'))
        shutil.copy(a.metadata, os.path.join(src, 'metadata.json'))
        shutil.copy(a.extension, os.path.join(src, 'extension.js'))
        shutil.copy(a.prefs, os.path.join(src, 'prefs.js'))
        shutil.copy(a.stylesheet, os.path.join(src, 'stylesheet.css'))
        for f in a.core:
            shutil.copy(f, os.path.join(src, 'core', os.path.basename(f)))
        out = os.path.join(tmp, 'out')
        os.makedirs(out)
        cmd = [a.gnome_extensions, 'pack', src, '--force', '--out-dir', out,
               '--extra-source', os.path.join(src, 'core')]
        if any(f.endswith('.po') for f in os.listdir(a.podir)):
            cmd += ['--podir', os.path.abspath(a.podir)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        zips = [f for f in os.listdir(out) if f.endswith('.zip')]
        if p.returncode != 0 or len(zips) != 1:
            sys.exit(f'gnome-extensions pack failed ({p.returncode}): {p.stdout}{p.stderr}')
        shutil.move(os.path.join(out, zips[0]), a.out)


if __name__ == '__main__':
    main()
