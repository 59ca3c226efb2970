#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run by "meson install" once every file is in place (systemd/meson.build).
# usage: post-install.sh SYSUSERS_FILE
#
# Installing straight into the running system (no DESTDIR, as root), finish
# what the installed files need, in this order:
#   1. create the kino-trakt system user (systemd-sysusers);
#   2. make systemd read the new unit (systemctl daemon-reload);
#   3. make the system bus re-read its policy (ReloadConfig).
# Step 3 is the one that matters most: dbus-daemon re-reads its policy by
# itself the moment org.kino.Trakt.conf lands, before the user exists, logs
# 'Unknown username "kino-trakt"' and drops the rule that lets the service
# own org.kino.Trakt; until the next reload every activation fails.
#
# A packager's install (DESTDIR, or --destdir) and an install by another user
# touch nothing outside the install tree: the package's own scripts do these
# steps on the target system.
set -u

sysusers_file=$1

say() {
        [ -n "${MESON_INSTALL_QUIET:-}" ] || echo "kino-trakt: $*"
}

if [ -n "${DESTDIR:-}" ] || [ "${MESON_INSTALL_DESTDIR_PREFIX:-}" != "${MESON_INSTALL_PREFIX:-}" ]; then
        say "installed into a DESTDIR: the package's scripts create the user kino-trakt" \
            "($sysusers_file) and reload systemd and the system bus"
        exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
        say "not installed as root; as root, run: systemd-sysusers $sysusers_file;" \
            "systemctl daemon-reload; systemctl reload dbus"
        exit 0
fi

status=0
if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers "$sysusers_file" || status=1
else
        echo "kino-trakt: systemd-sysusers is missing: create the system user kino-trakt yourself" >&2
        status=1
fi

# systemd as init (sd_booted(3)'s test); elsewhere there is nothing to reload.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        systemctl daemon-reload || status=1
fi

# Any system bus (dbus-daemon or dbus-broker) takes ReloadConfig from root;
# with no bus running there is nothing to reload.
reload_bus() {
        if command -v busctl >/dev/null 2>&1; then
                busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
        elif command -v dbus-send >/dev/null 2>&1; then
                dbus-send --system --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                        org.freedesktop.DBus.ReloadConfig >/dev/null
        else
                return 1
        fi
}
if [ -S /run/dbus/system_bus_socket ] || [ -n "${DBUS_SYSTEM_BUS_ADDRESS:-}" ]; then
        if reload_bus; then
                say "the system bus re-read its policy"
        else
                echo "kino-trakt: could not make the system bus re-read its policy: run 'systemctl reload dbus'" >&2
                status=1
        fi
fi

# The files are installed either way; a failed step fails the install so that
# meson shows this script's output (meson 1.0 shows it only then).
if [ $status -ne 0 ]; then
        echo "kino-trakt: the files are installed, but the steps above need doing by hand" >&2
        exit 1
fi
exit 0
