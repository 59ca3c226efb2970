#!/usr/bin/env bash
# Build kino-trakt and run the demo: the daemon on a private system bus against
# the local Trakt stand-in, driven by kinoctl; then mpv plays a generated file
# and kino-trakt-mpris scrobbles it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build
exec /usr/bin/python3 scripts/demo.py
