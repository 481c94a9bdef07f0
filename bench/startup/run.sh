#!/usr/bin/env bash
# Startup and size benchmark for the packaged daemon: start-to-ready time of the published binary
# (median of RUNS, cold and warm) and the .deb's size. See bench/startup/README.md.
#
#   bash bench/startup/run.sh              # publishes + packages first if artifacts/ has no build
#
# Environment:
#   RUNS=5             runs per series
#   RECONCILER_BIN=…   the binary to time (default artifacts/publish/linux-x64/reconciler, the one
#                      packaging/build-deb.sh publishes and packages)
#   DEB=…              the package to weigh (default artifacts/reconciler_<version>_amd64.deb)
#   REBUILD=1          run packaging/build-deb.sh even if both exist
#   PORT=9465          the daemon's listener during the runs
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

VERSION="$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -n1)"
BIN="${RECONCILER_BIN:-artifacts/publish/linux-x64/reconciler}"
DEB="${DEB:-artifacts/reconciler_${VERSION//-/\~}_amd64.deb}"
if [ "${REBUILD:-0}" = 1 ] || { [ -z "${RECONCILER_BIN:-}" ] && { [ ! -x "$BIN" ] || [ ! -f "$DEB" ]; }; }; then
    bash packaging/build-deb.sh
fi
docker info >/dev/null 2>&1 || { echo "bench/startup: no Docker engine answers (tests/setup/engine.sh starts one)" >&2; exit 1; }

echo "== size"
if [ -f "$DEB" ]; then
    size=$(stat -c %s "$DEB")
    installed_kb=$(dpkg-deb -f "$DEB" Installed-Size)
    awk -v d="$DEB" -v s="$size" -v i="$installed_kb" \
        'BEGIN { printf "package    %s: %.1f MB (limit 80 MB), installed %.0f MB\n", d, s / 1048576, i / 1024 }'
fi
printf 'publish    %s: %s in %s files\n' "$(dirname "$BIN")" "$(du -sh "$(dirname "$BIN")" | cut -f1)" "$(find "$(dirname "$BIN")" -type f | wc -l)"

echo "== start to ready (exec -> READY=1 and -> first /readyz 200)"
python3 bench/startup/startup.py "$BIN" --runs "${RUNS:-5}" --port "${PORT:-9465}"
