#!/usr/bin/env bash
# Copy the README's screenshots of the GNOME Shell extension from the last
# run of the shell tests (BUILD/shell-screenshots, written by
# `meson test -C BUILD --suite shell`) into docs/screenshots/.
#   usage: scripts/shell-screenshots.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-build}/shell-screenshots
dest=docs/screenshots
shots=(
  states-bar-connected states-bar-rate-limited states-bar-failed states-bar-expired
  states-bar-incognito states-bar-not-connected states-bar-stopped states-bar-not-installed
  states-menu-playing states-menu-incognito states-menu-failed states-menu-expired
  states-menu-reconnect-code states-menu-reconnect-choose states-menu-not-running states-menu-not-installed
  settings-prefs-unconfigured settings-prefs-code settings-prefs-preview settings-prefs-importing
  settings-prefs-connected settings-prefs-lists settings-prefs-expired settings-prefs-disconnect
)
mkdir -p "$dest"
for s in "${shots[@]}"; do
  [ -f "$src/$s.png" ] || { echo "missing $src/$s.png: run the shell tests first" >&2; exit 1; }
  cp "$src/$s.png" "$dest/$s.png"
done
echo "copied ${#shots[@]} screenshots to $dest"
