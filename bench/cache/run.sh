#!/usr/bin/env bash
# Engine cache benchmark: STACKS stacks × SERVICES services deployed by one daemon and kept in sync
# with drift checks every DRIFT, once with the engine cache off (docker.cache: false: every pass
# lists from the engine) and once on (passes read memory, events wake stacks). Per mode:
#   - no-op pass time per stack (mean wall time of the no-op passes in the window, from /metrics),
#   - daemon CPU and dockerd CPU while in sync (share of one core over WINDOW seconds; dockerd's
#     figure includes whatever else uses the engine meanwhile: other engineers' tests),
#   - the daemon's resident memory at the start and the end of the window,
#   - self-heal latency: `docker stop -t 0` (and `docker rm -f`) of a managed container until it
#     runs again (docker CLI polls, ≈ 30 ms resolution). Measured again with the cache on and
#     drift_interval 1h (HEAL_DRIFT), where only the engine's events can wake the stack.
#
#   bash bench/cache/run.sh                    # ≈ 8 min on 2 cores
#   STACKS=100 SERVICES=10 bash bench/cache/run.sh
#
# Knobs: STACKS=20 SERVICES=10 DRIFT=1s WINDOW=60 HEALS=5 MODES="off on" HEAL_DRIFT=1h (empty: skip) KEEP=1
#        SHARED_NETWORK=0|1 (default 1 past 25 stacks: the engine's default pools hold ~30 networks)
#        SETTLE=0: seconds to wait once in sync before the window (the engine settles after a big deploy)
#        BASELINE=1: at the end, dockerd's CPU over a window with the containers running and no daemon
#        KEEP_CONTAINERS=1 leaves the stacks running; BENCH_ID=<id> (printed) reuses them in a later
#        run, which then measures a daemon starting on a host that already runs them (deploying
#        1,000 containers takes ~17 min here; its measuring takes ~5)
#   RECONCILER_BIN: the daemon binary (default: the native build in artifacts/publish when there
#   is one, else the JIT build in src/Reconciler/bin/Release/net10.0; copied to a temp dir first).
# Needs the test images in the registry at 127.0.0.1:5000 (bash tests/setup/engine.sh), git, curl.
# Everything it creates is labelled com.docker.compose.project=rbench-c-<id>-sNN and removed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf '[cache-bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

STACKS=${STACKS:-20}; SERVICES=${SERVICES:-10}; DRIFT=${DRIFT:-1s}; WINDOW=${WINDOW:-60}
HEALS=${HEALS:-5}; MODES=${MODES:-"off on"}; HEAL_DRIFT=${HEAL_DRIFT-1h}; SETTLE=${SETTLE:-0}; BASELINE=${BASELINE:-1}
# The engine's default address pools hold about 30 bridge networks: past 25 stacks, every stack
# joins one shared external network instead of a default network of its own.
SHARED_NETWORK=${SHARED_NETWORK:-$([ "$STACKS" -gt 25 ] && echo 1 || echo 0)}
IMAGE=127.0.0.1:5000/reconciler-test/busybox:1.0

docker info >/dev/null 2>&1 || die "docker engine not reachable (try: bash tests/setup/engine.sh)"
docker pull -q "$IMAGE" >/dev/null || die "$IMAGE not in the registry (run: bash tests/setup/engine.sh)"
command -v git >/dev/null || die "git is not installed"

SRC_BIN=${RECONCILER_BIN:-}
if [ -z "$SRC_BIN" ]; then
    SRC_BIN=$ROOT/artifacts/publish/linux-x64/reconciler
    [ -x "$SRC_BIN" ] || SRC_BIN=$ROOT/src/Reconciler/bin/Release/net10.0/reconciler
fi
[ -x "$SRC_BIN" ] || die "no reconciler binary at $SRC_BIN (dotnet build src/Reconciler -c Release)"
WORK=$(mktemp -d /tmp/rbench-cache.XXXXXX)
ID=${BENCH_ID:-$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')}
PREFIX=rbench-c-$ID
DAEMON_PID=""
cleanup() {
    [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
    if [ -n "${KEEP_CONTAINERS:-}" ]; then log "kept the stacks running: BENCH_ID=$ID reuses them"
        [ -n "${KEEP:-}" ] && log "kept $WORK" || rm -rf "$WORK"; return; fi
    for i in $(seq -f %02g 1 "$STACKS"); do
        p=$PREFIX-s$i
        ids=$(docker ps -aq --filter "label=com.docker.compose.project=$p")
        [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1 || true
        nets=$(docker network ls -q --filter "label=com.docker.compose.project=$p")
        [ -n "$nets" ] && docker network rm $nets >/dev/null 2>&1 || true
    done
    [ "$SHARED_NETWORK" = 1 ] && docker network rm "$PREFIX-net" >/dev/null 2>&1 || true
    [ -n "${KEEP:-}" ] && log "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
cp -a "$(dirname "$SRC_BIN")/." "$WORK/bin/" 2>/dev/null || { mkdir -p "$WORK/bin"; cp -a "$(dirname "$SRC_BIN")/." "$WORK/bin/"; }
BIN=$WORK/bin/$(basename "$SRC_BIN")
log "binary $SRC_BIN, $STACKS stacks × $SERVICES services, drift $DRIFT, window ${WINDOW}s, work dir $WORK"

# The repo: one folder per stack, SERVICES busybox services each.
git init -q --bare -b main "$WORK/origin.git"
git init -q -b main "$WORK/src"
for i in $(seq -f %02g 1 "$STACKS"); do
    mkdir -p "$WORK/src/s$i"
    { echo "services:"; for j in $(seq -f %02g 1 "$SERVICES"); do printf '  svc%s:\n    image: %s\n' "$j" "$IMAGE"; done
      [ "$SHARED_NETWORK" != 1 ] || printf 'networks:\n  default:\n    name: %s-net\n    external: true\n' "$PREFIX"; } > "$WORK/src/s$i/compose.yaml"
done
if [ "$SHARED_NETWORK" = 1 ]; then
    # The engine's default pools hand out /24s when its /16s are taken (a /24 holds 253 containers):
    # a /20 of its own holds 4,093. SHARED_SUBNET to choose another.
    docker network inspect "$PREFIX-net" >/dev/null 2>&1 \
        || docker network create --subnet "${SHARED_SUBNET:-10.237.0.0/20}" --label "com.docker.compose.project=$PREFIX-shared" "$PREFIX-net" >/dev/null
    log "$STACKS stacks share the external network $PREFIX-net (SHARED_NETWORK=1)"
fi
git -C "$WORK/src" add -A
git -C "$WORK/src" -c user.name=bench -c user.email=bench@localhost commit -qm "$STACKS stacks"
git -C "$WORK/src" push -q "$WORK/origin.git" main

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
write_config() { # mode drift
    local cache=true; [ "$1" = off ] && cache=false
    { printf 'state_dir: %s/state-%s-%s\ndocker:\n  cache: %s\nmetrics:\n  listen: 127.0.0.1:%s\n' "$WORK" "$1" "$2" "$cache" "$PORT"
      printf 'repos:\n  - name: bench\n    url: %s/origin.git\n    branch: main\n    interval: 1h\nstacks:\n' "$WORK"
      for i in $(seq -f %02g 1 "$STACKS"); do
          printf '  - name: %s-s%s\n    repo: bench\n    path: s%s\n    drift_interval: %s\n    health_timeout: 30s\n' "$PREFIX" "$i" "$i" "$2"
      done; } > "$WORK/config-$1-$2.yaml"
}

metrics() { curl -fsS "http://127.0.0.1:$PORT/metrics" 2>/dev/null || true; }
# Sum of a metric's samples whose labels contain $2.
msum() { awk -v n="$1" -v f="$2" 'index($0, n "{") == 1 && index($0, f) { s += $NF } END { printf "%.6f", s + 0 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
# Resident memory split: anonymous (heap, stacks: what the daemon really costs) and file-backed
# (clean pages of the binary and its libraries, shared with the page cache, dropped under pressure).
rss_split() { awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } END { printf "%.1f anon + %.1f file", a / 1024, f / 1024 }' "/proc/$1/status"; }
now() { date +%s.%N; }
# Sleeps $1 seconds, logging the daemon's RSS once a minute (flat, or growing?).
sleep_sampling_rss() {
    local left=$1 samples=""
    while [ "$left" -gt 0 ]; do
        local step=$(( left < 60 ? left : 60 )); sleep "$step"; left=$((left - step))
        samples+="$(rss_mib "$2") "
    done
    log "daemon RSS each minute of the window (MiB): $samples"
}
running_total() { docker ps --filter "label=com.docker.compose.project" --filter status=running --format '{{.Label "com.docker.compose.project"}}' | grep -c "^$PREFIX-s" || true; }

start_daemon() { # mode drift
    write_config "$1" "$2"
    "$BIN" run -c "$WORK/config-$1-$2.yaml" > "$WORK/daemon-$1-$2.log" 2>&1 &
    DAEMON_PID=$!
    local want=$((STACKS * SERVICES)) t0; t0=$(now)
    until [ "$(running_total)" -ge "$want" ]; do
        kill -0 "$DAEMON_PID" 2>/dev/null || { tail -20 "$WORK/daemon-$1-$2.log" >&2; die "daemon exited"; }
        sleep 0.5
    done
    # In sync: every stack has ended a pass (its deploy, rollout gate included), then 5 s more for
    # the last gates. (Not "two no-op passes": with drift_interval 1h there are none.)
    until [ "$(metrics | awk 'index($0, "reconciler_reconciles_total{") == 1 { split($0, a, "stack=\""); split(a[2], b, "\""); t[b[1]] += $NF }
                              END { for (k in t) if (t[k] >= 1) n++; print n + 0 }')" -ge "$STACKS" ]; do
        kill -0 "$DAEMON_PID" 2>/dev/null || die "daemon exited"
        sleep 0.5
    done
    sleep 5
    log "mode $1 (drift $2): $want containers running, every stack in sync after $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
}

stop_daemon() { kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""; }

# Median, min, max of the numbers on stdin.
stats() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) { print "- | - | -"; exit } m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f s | %.2f s | %.2f s", m, a[1], a[NR] }'; }

heal_once() { # kind stack-index service-index → seconds until running again
    local p=$PREFIX-s$2 s=svc$3 cid t0 t1
    cid=$(docker ps -q --filter "label=com.docker.compose.project=$p" --filter "label=com.docker.compose.service=$s")
    if [ "$1" = stop ]; then docker stop -t 0 "$cid" >/dev/null; else docker rm -f "$cid" >/dev/null; fi
    t0=$(now)
    until [ -n "$(docker ps -q --filter "label=com.docker.compose.project=$p" --filter "label=com.docker.compose.service=$s" --filter status=running)" ]; do
        awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 120) }' && { echo 999; return; }
        sleep 0.02
    done
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

heal_runs() { # label → rows
    local stops="" rms="" k
    for k in $(seq 1 "$HEALS"); do
        stops+="$(heal_once stop "$(printf %02d $(( (k - 1) % STACKS + 1 )))" 03) "; sleep 2
        rms+="$(heal_once rm "$(printf %02d $(( (k - 1) % STACKS + 1 )))" 04) "; sleep 2
    done
    echo "| $1: docker stop -t 0 → running | $(echo "$stops" | tr ' ' '\n' | grep . | stats) | $HEALS |"
    echo "| $1: docker rm -f → recreated, running | $(echo "$rms" | tr ' ' '\n' | grep . | stats) | $HEALS |"
}

DOCKERD=$(pgrep -xo dockerd || true)
TICK=$(getconf CLK_TCK)
STEADY=(); HEAL=()
for mode in $MODES; do
    start_daemon "$mode" "$DRIFT"
    sleep "$SETTLE"
    m0=$(metrics); c0=$(cpu_ticks "$DAEMON_PID"); d0=$([ -n "$DOCKERD" ] && cpu_ticks "$DOCKERD" || echo 0); r0=$(rss_mib "$DAEMON_PID"); t0=$(now)
    sleep_sampling_rss "$WINDOW" "$DAEMON_PID"
    m1=$(metrics); c1=$(cpu_ticks "$DAEMON_PID"); d1=$([ -n "$DOCKERD" ] && cpu_ticks "$DOCKERD" || echo 0); r1=$(rss_mib "$DAEMON_PID"); split1=$(rss_split "$DAEMON_PID"); t1=$(now)
    sum0=$(echo "$m0" | msum reconciler_reconcile_duration_seconds_sum 'result="noop"'); sum1=$(echo "$m1" | msum reconciler_reconcile_duration_seconds_sum 'result="noop"')
    n0=$(echo "$m0" | msum reconciler_reconcile_duration_seconds_count 'result="noop"'); n1=$(echo "$m1" | msum reconciler_reconcile_duration_seconds_count 'result="noop"')
    STEADY+=("$(awk -v m="$mode" -v s0="$sum0" -v s1="$sum1" -v n0="$n0" -v n1="$n1" -v c0="$c0" -v c1="$c1" -v d0="$d0" -v d1="$d1" -v t0="$t0" -v t1="$t1" -v tick="$TICK" -v r0="$r0" -v r1="$r1" -v split1="$split1" \
        'BEGIN { dt = t1 - t0; n = n1 - n0; printf "| cache %s | %.2f ms | %.1f | %.1f %% | %.1f %% | %s → %s MiB (%s) |", m, (n > 0 ? (s1 - s0) / n * 1000 : 0), n / dt, (c1 - c0) / tick / dt * 100, (d1 - d0) / tick / dt * 100, r0, r1, split1 }')")
    log "${STEADY[-1]}"
    HEAL+=("$(heal_runs "cache $mode, drift_interval $DRIFT")"); log "${HEAL[-1]}"
    stop_daemon
done
if [[ " $MODES " == *" on "* ]] && [ -n "$HEAL_DRIFT" ]; then
    start_daemon on "$HEAL_DRIFT"
    HEAL+=("$(heal_runs "cache on, drift_interval $HEAL_DRIFT (events only)")"); log "${HEAL[-1]}"
    stop_daemon
fi

BASE=""
if [ "$BASELINE" = 1 ] && [ -n "$DOCKERD" ]; then
    # What dockerd costs with the same containers running and no daemon at all: its own share.
    d0=$(cpu_ticks "$DOCKERD"); t0=$(now); sleep "$WINDOW"; d1=$(cpu_ticks "$DOCKERD"); t1=$(now)
    BASE=$(awk -v d0="$d0" -v d1="$d1" -v t0="$t0" -v t1="$t1" -v tick="$TICK" 'BEGIN { printf "| no daemon (the same containers running) | - | - | - | %.1f %% | - |", (d1 - d0) / tick / (t1 - t0) * 100 }')
    log "$BASE"
fi

echo
echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(docker version -f 'Docker {{.Server.Version}}'), binary $(basename "$(dirname "$SRC_BIN")")/$(basename "$SRC_BIN"), $STACKS stacks × $SERVICES services, drift_interval $DRIFT, window ${WINDOW}s"
echo
echo "| in sync | no-op pass per stack | passes/s | daemon CPU (of one core) | dockerd CPU | daemon RSS (window start → end; end split) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${STEADY[@]}"
[ -z "$BASE" ] || echo "$BASE"
echo
echo "| self-heal latency | median | min | max | runs |"
echo "|---|---|---|---|---|"
printf '%s\n' "${HEAL[@]}"
