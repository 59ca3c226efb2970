#!/usr/bin/env bash
# Install what kino-trakt needs to build, test and run its demo on Debian 12.
# Runs apt-get only when something is missing.
set -euo pipefail

PACKAGES=(
  build-essential meson ninja-build pkg-config git
  libsystemd-dev libcurl4-openssl-dev libjson-c-dev libglib2.0-dev libsqlite3-dev
  dbus systemd util-linux
  python3 python3-dbus python3-dbusmock python3-gi
  libxml2-utils sqlite3 polkitd groff-base strace
  systemd-container debootstrap
  # the GNOME Shell extension: packing, its gjs unit tests, and the real headless
  # shell its integration tests start (large: several hundred packages, once)
  gnome-shell gnome-shell-extension-prefs gjs gettext gir1.2-adw-1 gir1.2-gtk-4.0
  gir1.2-atspi-2.0 at-spi2-core gir1.2-gdkpixbuf-2.0
  mpv mpv-mpris ffmpeg
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Missing packages (${missing[*]}) and not root: run as root." >&2; exit 1; }
  SUDO=sudo
fi
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
