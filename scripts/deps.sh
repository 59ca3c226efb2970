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
