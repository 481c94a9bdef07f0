#!/usr/bin/env bash
# Daemon benchmark: git push → container running (poll 1 s, webhook) beside `docker compose up -d`,
# and the daemon's resident memory over 100 and 1,000 reconcile cycles of a 20-service stack.
#
#   bash bench/daemon/run.sh            # publishes the native build first when artifacts/ has none
#
# Needs a Docker engine with the test images in the registry at 127.0.0.1:5000
# (bash tests/setup/engine.sh) and git. docker compose is optional (its column is left out).
# Environment knobs:
#   RUNS=5            pushes measured per mode (median reported)
#   SERVICES=20       services in the generated stack
#   CYCLES=1000       reconcile cycles for the memory figure (CHECKPOINT=100 is the first reading)
#   DRIFT=100ms       drift_interval during the memory run (each tick is one full no-op pass)
#   RECONCILER_BIN    the binary (default artifacts/publish/linux-x64/reconciler, the native build
#                     packaging/publish.sh makes; REPUBLISH=1 rebuilds it; copied to a temp dir
#                     first so concurrent builds cannot swap it mid-run)
#   NO_COMPOSE=1      leave docker compose out      KEEP=1   keep the work directory
#   MARKDOWN=FILE     also write the report there
#   ONLY=latency|memory   run one half
#   DAEMON_ENV="K=V …"    runtime settings for the daemon only (e.g. DOTNET_GCgen0size=0x400000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf '[daemon-bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

docker info >/dev/null 2>&1 || die "docker engine not reachable (try: bash tests/setup/engine.sh)"
curl -fsS -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    http://127.0.0.1:5000/v2/reconciler-test/busybox/manifests/1.1 \
    || die "test images not in the registry at 127.0.0.1:5000 (run: bash tests/setup/engine.sh)"
command -v git >/dev/null || die "git is not installed"

# The shipped binary: the native build packaging/publish.sh makes (and the .deb holds).
SRC_BIN=${RECONCILER_BIN:-$ROOT/artifacts/publish/linux-x64/reconciler}
if [ -z "${RECONCILER_BIN:-}" ] && { [ ! -x "$SRC_BIN" ] || [ -n "${REPUBLISH:-}" ]; }; then
    bash "$ROOT/packaging/publish.sh" >&2 || die "publish failed"
fi
[ -x "$SRC_BIN" ] || die "no reconciler binary at $SRC_BIN (run bash packaging/publish.sh or set RECONCILER_BIN)"
SNAP=$(mktemp -d /tmp/rbench-daemon-bin.XXXXXX)
trap 'rm -rf "$SNAP"' EXIT
cp -a "$(dirname "$SRC_BIN")/." "$SNAP/"
BIN="$SNAP/$(basename "$SRC_BIN")"

log "building bench/daemon"
dotnet build "$ROOT/bench/daemon" -c Release -o "$SNAP/bench" --nologo -v q >"$SNAP/build.log" 2>&1 \
    || { tail -n 30 "$SNAP/build.log" >&2; die "build failed"; }

ARGS=(--reconciler "$BIN" --runs "${RUNS:-5}" --services "${SERVICES:-20}" --cycles "${CYCLES:-1000}"
      --checkpoint "${CHECKPOINT:-100}" --drift "${DRIFT:-100ms}")
[ -n "${NO_COMPOSE:-}" ] && ARGS+=(--no-compose)
[ -n "${KEEP:-}" ] && ARGS+=(--keep)
[ -n "${MARKDOWN:-}" ] && ARGS+=(--markdown "$MARKDOWN")
[ -n "${ONLY:-}" ] && ARGS+=(--only "$ONLY")
for kv in ${DAEMON_ENV:-}; do ARGS+=(--daemon-env "$kv"); done
dotnet "$SNAP/bench/daemon-bench.dll" "${ARGS[@]}"
