#!/usr/bin/env bash
# Swarm benchmark (issue 15): `git push` → a 3-replica service rolled to a new image and converged
# on a three-node Swarm, by the Reconciler daemon (a stack with engine: swarm; woken by its 1 s
# poll, and by a webhook) beside `docker stack deploy` on the same change. The ways take turns,
# RUNS rounds (the order rotates each round); then each repeats with nothing changed.
#
#   bash bench/swarm/run.sh                  # ≈ 10 min on 2 cores (RUNS=5)
#   RUNS=10 WAYS="poll cli" bash bench/swarm/run.sh
#
# Per run it takes, from `git push` returning (Reconciler) or from the command's start (CLI):
#   - seen:      the daemon logs the new commit (its log lines are timestamped as they arrive),
#   - issued:    the engine starts the service update (UpdateStatus.StartedAt),
#   - tasks:     the third task of the new spec runs, healthy (the tasks' Status.Timestamp),
#   - completed: the engine ends the update (UpdateStatus.CompletedAt, after update_config.monitor),
#   - reported:  the daemon's pass ends and /status shows the commit applied (Reconciler only).
# "Converged" is the later of tasks and completed, the same condition for every way; Reconciler's
# total is "reported" (its pass waits for that condition, reading the engine every second).
# Engine timestamps and the bench's clock are the same clock: the bed's nodes run on this machine.
#
# The no-op repeat: Reconciler gets an empty commit (the next pass must send nothing: each service's
# Version and UpdatedAt unchanged, no task replaced), then one drift pass; `docker stack deploy` runs
# again with the same file. Versions, UpdatedAt and task ids are compared before and after.
#
# Knobs: RUNS=5 NOOPS=2 WAYS="poll hook cli" DRIFT=15s TIMEOUT=180 SETTLE=3 KEEP=1
#   SWARM_HOST=unix:///var/run/docker-sw1.sock (a manager; unix socket)  SWARM_REGISTRY=10.213.0.1:5000
#   NODE_HOSTS="unix://… …" (every node's engine, to remove the bench's images at the end; default
#   the bed's sw1..sw3 sockets that exist)
#   RECONCILER_BIN: the daemon binary (default: the native build in artifacts/publish when there is
#   one, else the JIT build in src/Reconciler/bin/Release/net10.0; copied to a temp dir first).
# Needs the Swarm test bed (tests/setup/swarm-testbed.sh; started here when no manager answers on
# SWARM_HOST, and then brought down at the end), docker (the CLI), git, curl, jq, python3 (a free
# port). Images are built on the manager from the bed's busybox and pushed to the bed's registry as
# SWARM_REGISTRY/rbench-swarm/web:<id>-…; stacks are rbsw-<id>-{poll,hook,cli}. Everything it made
# (stacks, their networks, secrets and configs, the images on every node and their registry tags,
# the daemon, the temp dir) is removed at the end, also on Ctrl-C.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log() { printf '[swarm-bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

RUNS=${RUNS:-5}; NOOPS=${NOOPS:-2}; WAYS=${WAYS:-"poll hook cli"}; DRIFT=${DRIFT:-15s}
TIMEOUT=${TIMEOUT:-180}; SETTLE=${SETTLE:-3}
SWARM_HOST=${SWARM_HOST:-unix:///var/run/docker-sw1.sock}
REG=${SWARM_REGISTRY:-10.213.0.1:5000}
BASE_IMAGE=$REG/testbed/busybox:latest
REPO=$REG/rbench-swarm/web
case "$SWARM_HOST" in unix://*) SOCK=${SWARM_HOST#unix://} ;; *) die "SWARM_HOST must be a unix:// socket" ;; esac
for c in docker git curl jq python3; do command -v "$c" >/dev/null || die "$c is not installed"; done

D() { docker -H "$SWARM_HOST" "$@"; }
api() { curl -fs --unix-socket "$SOCK" "http://docker/v1.41$1"; }
now() { echo "$EPOCHREALTIME"; }
# RFC 3339 (engine, /status) → seconds since the epoch, with the fraction.
epoch() { [ -n "$1" ] && [ "$1" != null ] && date -d "$1" +%s.%N || echo ""; }
# b - a in seconds, 2 decimals; "-" when either is missing.
dt() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }' || echo -; }
name() { case $1 in poll) echo "Reconciler, 1 s poll" ;; hook) echo "Reconciler, webhook" ;; cli) echo "docker stack deploy" ;; esac; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---------------------------------------------------------------- the bed
BED_STARTED=""
is_manager() { [ "$(D info -f '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; }
if ! is_manager; then
    [ "$SWARM_HOST" = unix:///var/run/docker-sw1.sock ] || die "no Swarm manager at $SWARM_HOST"
    log "no Swarm manager at $SWARM_HOST: starting the test bed (tests/setup/swarm-testbed.sh up; brought down at the end)"
    bash "$ROOT/tests/setup/swarm-testbed.sh" up >/dev/null || die "swarm-testbed.sh up failed"
    BED_STARTED=1
    is_manager || die "the test bed came up but $SWARM_HOST is no manager"
fi
if [ -z "${NODE_HOSTS:-}" ]; then
    NODE_HOSTS=""
    for i in 1 2 3; do [ -S "/var/run/docker-sw$i.sock" ] && NODE_HOSTS+="unix:///var/run/docker-sw$i.sock "; done
fi
D image inspect "$BASE_IMAGE" >/dev/null 2>&1 || D pull -q "$BASE_IMAGE" >/dev/null 2>&1 \
    || die "$BASE_IMAGE is neither on the manager nor in the registry (swarm-testbed.sh up pushes it)"

SRC_BIN=${RECONCILER_BIN:-}
if [ -z "$SRC_BIN" ]; then
    SRC_BIN=$ROOT/artifacts/publish/linux-x64/reconciler
    [ -x "$SRC_BIN" ] || SRC_BIN=$ROOT/src/Reconciler/bin/Release/net10.0/reconciler
fi
[ -x "$SRC_BIN" ] || die "no reconciler binary at $SRC_BIN (dotnet build src/Reconciler -c Release, or bash packaging/publish.sh)"

WORK=$(mktemp -d /tmp/rbench-swarm.XXXXXX)
ID=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
PREFIX=rbsw-$ID
DAEMON_PID=""
TAGS=()
cleanup() {
    set +e
    trap - EXIT INT TERM
    if [ -n "$DAEMON_PID" ]; then kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
    if [ -n "${KEEP:-}" ]; then log "KEEP: left the stacks $PREFIX-*, the images and $WORK"; return; fi
    log "cleaning up: stacks $PREFIX-*, their networks, secrets and configs, images $REPO:$ID-*, $WORK"
    local w i h ids left kind
    for w in poll hook cli; do D stack rm "$PREFIX-$w" >/dev/null 2>&1; done
    # stack rm removes what carries the stack's label; a network goes once its tasks are gone.
    for i in $(seq 1 60); do
        left=0
        for kind in service network secret config; do
            for w in poll hook cli; do
                ids=$(D "$kind" ls -q --filter "label=com.docker.stack.namespace=$PREFIX-$w" 2>/dev/null)
                [ -n "$ids" ] && { left=1; D "$kind" rm $ids >/dev/null 2>&1; }
            done
        done
        [ "$left" = 0 ] && break
        sleep 1
    done
    # Each node removes its task containers once the services are gone; then the images can go.
    for h in $NODE_HOSTS; do
        for i in $(seq 1 60); do
            ids=""
            for w in poll hook cli; do ids+=$(docker -H "$h" ps -aq --filter "label=com.docker.stack.namespace=$PREFIX-$w" 2>/dev/null); done
            [ -z "$ids" ] && break
            sleep 1
        done
        ids=$(docker -H "$h" image ls -q --filter "label=dev.reconciler.bench=$PREFIX" 2>/dev/null | sort -u)
        [ -n "$ids" ] && docker -H "$h" image rm -f $ids >/dev/null 2>&1
    done
    for t in "${TAGS[@]}"; do
        d=$(curl -fsS -o /dev/null -D - -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
            "http://$REG/v2/rbench-swarm/web/manifests/$t" 2>/dev/null | awk 'tolower($1) == "docker-content-digest:" { print $2 }' | tr -d '\r')
        [ -n "$d" ] && curl -fsS -X DELETE "http://$REG/v2/rbench-swarm/web/manifests/$d" >/dev/null 2>&1
    done
    rm -rf "$WORK"
    if [ -n "$BED_STARTED" ]; then log "bringing down the test bed this run started"; bash "$ROOT/tests/setup/swarm-testbed.sh" down >/dev/null 2>&1; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/bin"
cp -a "$(dirname "$SRC_BIN")/." "$WORK/bin/"
BIN=$WORK/bin/$(basename "$SRC_BIN")
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "binary $SRC_BIN, manager $SWARM_HOST ($(D node ls -q | wc -l) nodes), ways: $WAYS, $RUNS rounds, work dir $WORK"

# ---------------------------------------------------------------- images
# One image per deploy, each a real change: the bed's busybox plus a file naming the tag (one small
# layer the nodes have to pull), labelled so the cleanup finds every copy on every node.
build_image() {
    local ctx=$WORK/img/$1
    mkdir -p "$ctx"
    echo "$1" > "$ctx/version"
    printf 'FROM %s\nLABEL dev.reconciler.bench=%s\nCOPY version /version\n' "$BASE_IMAGE" "$PREFIX" > "$ctx/Dockerfile"
    TAGS+=("$1")
    { D build -q -t "$REPO:$1" "$ctx" && D push "$REPO:$1"; } >>"$WORK/images.log" 2>&1 || { tail -5 "$WORK/images.log" >&2; die "building or pushing $REPO:$1 failed"; }
}
log "building and pushing $(( (RUNS + 1) * $(echo $WAYS | wc -w) + 1 )) images to $REPO"
build_image "$ID-base"
for w in $WAYS; do for r in $(seq 0 "$RUNS"); do build_image "$ID-$w-$r"; done; done

# ---------------------------------------------------------------- the stack, three copies
# A web service of 3 replicas with a healthcheck, a config and a secret, rolled one task at a time
# (start-first, as a web tier would), and a worker that no change touches.
write_stack() { # dir app-tag
    mkdir -p "$1"
    cat > "$1/compose.yaml" <<EOF
services:
  web:
    image: $REPO:\${APP_TAG}
    command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
    environment:
      GREETING: hello
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 2s
      retries: 3
    configs:
      - source: index
        target: /www/index.html
    secrets: [token]
    stop_grace_period: 5s
    deploy:
      replicas: 3
      update_config: {parallelism: 1, order: start-first, failure_action: pause}
      rollback_config: {parallelism: 1, order: start-first}
  worker:
    image: $REPO:\${BASE_TAG}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"]
    deploy:
      replicas: 1
configs:
  index:
    file: ./index.html
secrets:
  token:
    file: ./token.txt
EOF
    echo '<h1>hello</h1>' > "$1/index.html"
    echo "not-a-real-token-$ID" > "$1/token.txt"
    printf 'APP_TAG=%s\nBASE_TAG=%s\n' "$2" "$ID-base" > "$1/.env"
}
has_way() { [[ " $WAYS " == *" $1 "* ]]; }
git_c() { git -C "$WORK/src-$1" -c user.name=bench -c user.email=bench@localhost "${@:2}"; }
for w in poll hook; do
    has_way "$w" || continue
    git init -q --bare -b main "$WORK/$w.git"
    git init -q -b main "$WORK/src-$w"
    write_stack "$WORK/src-$w/app" "$ID-$w-0"
    git_c "$w" add -A
    git_c "$w" commit -qm "web at $ID-$w-0"
    git_c "$w" remote add origin "file://$WORK/$w.git"
    git_c "$w" push -q origin main
done
if has_way cli; then write_stack "$WORK/cli/app" "$ID-cli-0"; fi
cli_deploy() { (cd "$WORK/cli/app" && env $(cat .env) docker -H "$SWARM_HOST" stack deploy -c compose.yaml "$PREFIX-cli") >>"$WORK/cli.log" 2>&1; }

# ---------------------------------------------------------------- the daemon
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SECRET=bench-$ID
printf '%s' "$SECRET" > "$WORK/hook-secret"; chmod 600 "$WORK/hook-secret"
{
    printf 'state_dir: %s/state\ndocker:\n  host: %s\nmetrics:\n  listen: 127.0.0.1:%s\nrepos:\n' "$WORK" "$SWARM_HOST" "$PORT"
    has_way poll && printf '  - name: poll\n    url: file://%s/poll.git\n    branch: main\n    interval: 1s\n' "$WORK"
    has_way hook && printf '  - name: hook\n    url: file://%s/hook.git\n    branch: main\n    interval: 1h\n    webhook_secret_file: %s/hook-secret\n' "$WORK" "$WORK"
    printf 'stacks:\n'
    for w in poll hook; do
        has_way "$w" || continue
        printf '  - name: %s-%s\n    repo: %s\n    path: app\n    engine: swarm\n    health_timeout: 3m\n    drift_interval: %s\n' "$PREFIX" "$w" "$w" "$DRIFT"
    done
} > "$WORK/config.yaml"

# Each line of the daemon's output with the time it arrived (the daemon prints no timestamps to a pipe).
stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }
if has_way poll || has_way hook; then
    "$BIN" run -c "$WORK/config.yaml" > >(stamp > "$WORK/daemon.log") 2>&1 &
    DAEMON_PID=$!
fi
status() { curl -fsS "http://127.0.0.1:$PORT/status" 2>/dev/null || echo '{}'; }
# The stack's latest pass ("latest") or last pass that applied or failed ("change"), when it was of
# COMMIT: "<outcome> <at> <trigger> <error>".
pass_of() { # latest|change stack commit
    status | jq -r --arg k "$1" --arg s "$2" --arg c "$3" '.stacks[]? | select(.name == $s)
        | (if $k == "latest" then . else .last_change end) | select(. != null and .commit != null) | select(.commit as $x | $c | startswith($x))
        | "\(.outcome | ascii_downcase) \(.at) \(.trigger // "-") \(.error // "")"'
}
passed() { [ -n "$(pass_of "$@")" ]; }
# The time of the stack's latest pass, whatever its commit.
last_pass_at() { status | jq -r --arg s "$1" '.stacks[]? | select(.name == $s) | .at'; }
hook() { curl -fsS -o /dev/null -X POST -H "X-Gitlab-Token: $SECRET" -H 'Content-Type: application/json' -d '{"object_kind":"push"}' "http://127.0.0.1:$PORT/hooks/git/hook"; }

# ---------------------------------------------------------------- observing the Swarm
svc() { api "/services/$1_$2"; }
# Tasks of the web service's current spec, desired and running: "<count> <latest Status.Timestamp>".
web_tasks() {
    local image
    image=$(svc "$1" web | jq -r .Spec.TaskTemplate.ContainerSpec.Image)
    api "/tasks?filters=$(jq -rn --arg s "$1_web" '{service: [$s], "desired-state": ["running"]} | @uri')" \
        | jq -r --arg i "$image" '[.[] | select(.Status.State == "running" and .Spec.ContainerSpec.Image == $i)] | "\(length) \(map(.Status.Timestamp) | max // "")"'
}
# Converged on TAG: the web spec names it, its update (if any, and not the one before STARTED) is
# completed, and 3 tasks of that spec run (on Swarm a task with a healthcheck runs once healthy).
converged() { # stack tag previous-StartedAt
    local s n
    s=$(svc "$1" web | jq -r '"\(.Spec.TaskTemplate.ContainerSpec.Image) \(.UpdateStatus.State // "none") \(.UpdateStatus.StartedAt // "none")"')
    case "${s%% *}" in *":$2@"* | *":$2") ;; *) return 1 ;; esac
    set -- "$@" $s
    # $4 image, $5 state, $6 started
    if [ "$5" = none ]; then [ "$3" = none ] || return 1; else [ "$5" = completed ] && [ "$6" != "$3" ] || return 1; fi
    n=$(web_tasks "$1"); [ "${n%% *}" -ge 3 ]
}
versions() { # stack → "<web Version> <web UpdatedAt> <worker Version> <worker UpdatedAt> <running task ids>"
    local w k
    w=$(svc "$1" web | jq -r '"\(.Version.Index) \(.UpdatedAt)"'); k=$(svc "$1" worker | jq -r '"\(.Version.Index) \(.UpdatedAt)"')
    echo "$w $k $(api "/tasks?filters=$(jq -rn --arg s "$1" '{service: [$s + "_web", $s + "_worker"], "desired-state": ["running"]} | @uri')" | jq -r '[.[].ID] | sort | join(",")')"
}
# What moved between two versions() readings, in words.
compare() {
    awk -v b="$1" -v a="$2" 'BEGIN { split(b, x, " "); split(a, y, " ");
        printf "web v%s → v%s%s, worker v%s → v%s%s, tasks %s", x[1], y[1], (x[2] == y[2] ? "" : " (UpdatedAt moved)"),
            x[3], y[3], (x[4] == y[4] ? "" : " (UpdatedAt moved)"), (x[5] == y[5] ? "unchanged" : "REPLACED") }'
}
wait_until() { # seconds command… → 0 when it held in time
    local deadline; deadline=$(awk -v t="$(now)" -v s="$1" 'BEGIN { printf "%.0f", t + s }'); shift
    until "$@"; do
        [ -z "$DAEMON_PID" ] || kill -0 "$DAEMON_PID" 2>/dev/null || { tail -20 "$WORK/daemon.log" >&2; die "the daemon exited"; }
        [ "${EPOCHREALTIME%.*}" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}
head_of() { git -C "$WORK/src-$1" rev-parse HEAD; }
# The daemon's pass that deployed COMMIT ended: its time; dies when that pass failed.
applied_at() { # stack commit
    local p
    wait_until 60 passed change "$1" "$2" || die "the daemon did not end a pass of $2 for $1 (see $WORK/daemon.log)"
    p=$(pass_of change "$1" "$2"); set -- $p
    [ "$1" = applied ] || die "the pass of $2 ended: $p"
    epoch "$2"
}

# ---------------------------------------------------------------- first deploy
if has_way cli; then cli_deploy || die "docker stack deploy failed (see $WORK/cli.log)"; fi
for w in $WAYS; do
    wait_until "$TIMEOUT" converged "$PREFIX-$w" "$ID-$w-0" none || die "$PREFIX-$w did not converge on its first deploy (see $WORK)"
    [ "$w" = cli ] || applied_at "$PREFIX-$w" "$(head_of "$w")" >/dev/null
    log "$PREFIX-$w: 3 web tasks running ($ID-$w-0)"
done
sleep "$SETTLE"

# ---------------------------------------------------------------- the runs
declare -A ROWS
LOADS=()
run_once() { # way round
    local w=$1 r=$2 tag=$ID-$1-$2 stack=$PREFIX-$1 t0 tp="" sha="" before seen="" issued tasks completed conv reported="" s
    before=$(svc "$stack" web | jq -r '.UpdateStatus.StartedAt // "none"')
    LOADS+=("$(load1)")
    if [ "$w" = cli ]; then
        sed -i "s/^APP_TAG=.*/APP_TAG=$tag/" "$WORK/cli/app/.env"
        t0=$(now)
        cli_deploy || die "docker stack deploy failed (see $WORK/cli.log)"
    else
        sed -i "s/^APP_TAG=.*/APP_TAG=$tag/" "$WORK/src-$w/app/.env"
        git_c "$w" commit -qam "web to $tag"
        sha=$(head_of "$w")
        tp=$(now)
        git_c "$w" push -q origin main
        t0=$(now)
        [ "$w" = poll ] || hook || die "the webhook was refused"
    fi
    wait_until "$TIMEOUT" converged "$stack" "$tag" "$before" || die "$stack did not converge on $tag within ${TIMEOUT}s (see $WORK)"
    if [ "$w" != cli ]; then
        reported=$(applied_at "$stack" "$sha")
        seen=$(awk -v c="repo=$w new commit ${sha:0:12}" 'index($0, c) { print $1; exit }' "$WORK/daemon.log")
    fi
    s=$(svc "$stack" web)
    issued=$(epoch "$(jq -r .UpdateStatus.StartedAt <<<"$s")")
    completed=$(epoch "$(jq -r .UpdateStatus.CompletedAt <<<"$s")")
    tasks=$(web_tasks "$stack"); tasks=$(epoch "${tasks#* }")
    conv=$(awk -v a="$tasks" -v b="$completed" 'BEGIN { print (a > b ? a : b) }')
    # The tool's own time: before the update starts, plus (Reconciler) from convergence to the pass's end.
    local own; own=$(awk -v t0="$t0" -v i="$issued" -v c="$conv" -v r="$reported" 'BEGIN { printf "%.2f", i - t0 + (r == "" ? 0 : r - c) }')
    # seen issued tasks completed converged reported push own
    ROWS[$w]+="$(dt "$t0" "$seen") $(dt "$t0" "$issued") $(dt "$t0" "$tasks") $(dt "$t0" "$completed") $(dt "$t0" "$conv") $(dt "$t0" "$reported") $(dt "$tp" "$t0") $own"$'\n'
    log "round $r, $w: git push $(dt "$tp" "$t0") s, then commit seen $(dt "$t0" "$seen") s, update issued $(dt "$t0" "$issued") s, 3 tasks running $(dt "$t0" "$tasks") s, update completed $(dt "$t0" "$completed") s, daemon reported $(dt "$t0" "$reported") s (load $(load1))"
}
read -r -a WAY_LIST <<<"$WAYS"
for r in $(seq 1 "$RUNS"); do
    n=${#WAY_LIST[@]}
    for k in $(seq 0 $((n - 1))); do
        run_once "${WAY_LIST[$(( (k + r - 1) % n ))]}" "$r"
        sleep "$SETTLE"
    done
done

# ---------------------------------------------------------------- the no-op repeat
NOOP_ROWS=()
noop_once() { # way k
    local w=$1 stack=$PREFIX-$1 b a t0 t1 sha p
    b=$(versions "$stack")
    if [ "$w" = cli ]; then
        t0=$(now); cli_deploy || die "docker stack deploy failed"; t1=$(now)
    else
        git_c "$w" commit -q --allow-empty -m "nothing changed ($2)"
        sha=$(head_of "$w")
        git_c "$w" push -q origin main
        t0=$(now)
        [ "$w" = poll ] || hook || die "the webhook was refused"
        wait_until 60 passed latest "$stack" "$sha" || die "the daemon did not pass $sha"
        p=$(pass_of latest "$stack" "$sha"); set -- $p; t1=$(epoch "$2")
        [ "$1" = noop ] || log "WARNING: the pass of an empty commit ended '$p', not noop"
    fi
    sleep "$SETTLE"
    a=$(versions "$stack")
    NOOP_ROWS+=("$w|$(dt "$t0" "$t1")|$(compare "$b" "$a")")
    log "no-op $w: $(dt "$t0" "$t1") s, $(compare "$b" "$a")"
}
for k in $(seq 1 "$NOOPS"); do for w in $WAYS; do noop_once "$w" "$k"; done; done
# Then the next drift pass of each Reconciler stack (drift_interval): still nothing sent.
DRIFT_ROWS=()
at_moved() { [ "$(last_pass_at "$1")" != "$2" ]; }
for w in $WAYS; do
    [ "$w" = cli ] && continue
    stack=$PREFIX-$w
    b=$(versions "$stack"); at0=$(last_pass_at "$stack")
    wait_until 120 at_moved "$stack" "$at0" || die "no drift pass of $stack within 120 s"
    p=$(pass_of latest "$stack" "$(head_of "$w")"); set -- $p
    a=$(versions "$stack")
    DRIFT_ROWS+=("$w|$1 ($3)|$(compare "$b" "$a")")
    log "next pass of $stack: $1 ($3), $(compare "$b" "$a")"
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
# What the daemon sent over the whole run (first deploy, RUNS changes, the no-op commits, drift passes).
SENT=()
for w in poll hook; do
    has_way "$w" || continue
    SENT+=("$(name "$w"): $(grep -c "stack=$PREFIX-$w swarm update service $PREFIX-${w}_web:" "$WORK/daemon.log" || true) updates of web, $(grep -c "stack=$PREFIX-$w swarm update service $PREFIX-${w}_worker:" "$WORK/daemon.log" || true) of worker, $(grep -c "stack=$PREFIX-$w swarm create service" "$WORK/daemon.log" || true) service creations")
    log "e.g. $(grep -m1 "stack=$PREFIX-$w swarm update service" "$WORK/daemon.log" | cut -d' ' -f2- | cut -c1-400)"
done

# ---------------------------------------------------------------- report
stats() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) { printf "- | - | -"; exit } m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f s | %.2f s | %.2f s", m, a[1], a[NR] }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) { printf "-"; exit } printf "%.2f s", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { printf '%s' "${ROWS[$1]:-}" | awk -v c="$2" '$c != "-" { print $c }'; }
LOAD_RANGE=$(printf '%s\n' "${LOADS[@]}" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { printf "%s–%s", a, b }')

echo
echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load average $LOAD_START at the start, $LOAD_END at the end (1-min load $LOAD_RANGE as each run began), $(D version -f 'Docker {{.Server.Version}}'), $(D node ls -q | wc -l) nodes, binary $(basename "$(dirname "$SRC_BIN")")/$(basename "$SRC_BIN") $("$BIN" --version 2>/dev/null | head -1), $RUNS runs per way"
echo
echo "A 3-replica service rolled to a new image (update_config parallelism 1, start-first, monitor 5 s by default; healthcheck every 1 s), from \`git push\` returning (Reconciler) or the command's start (\`docker stack deploy\`):"
echo
echo "| way | converged: 3 new tasks running, update completed (median) | min | max | daemon reports it (median / min / max) | runs |"
echo "|---|---|---|---|---|---|"
for w in $WAYS; do
    rep="—"; [ "$w" = cli ] || rep=$(col "$w" 6 | stats | awk -F' \\| ' '{ printf "%s / %s / %s", $1, $2, $3 }')
    echo "| $(name "$w") | $(col "$w" 5 | stats) | $rep | $RUNS |"
done
echo
echo "Phases (median seconds after the push returned / the command's start; negative: before \`git push\` returned):"
echo
echo "| way | git push itself | daemon has the commit | update issued (UpdateStatus.StartedAt) | 3rd new task running | update completed | daemon's pass ends | the tool's own time: until the update starts + from convergence to its report |"
echo "|---|---|---|---|---|---|---|---|"
for w in $WAYS; do
    echo "| $(name "$w") | $(col "$w" 7 | median) | $(col "$w" 1 | median) | $(col "$w" 2 | median) | $(col "$w" 3 | median) | $(col "$w" 4 | median) | $(col "$w" 6 | median) | $(col "$w" 8 | stats | awk -F' \\| ' '{ printf "%s (%s–%s)", $1, $2, $3 }') |"
done
echo
echo "Nothing changed (Reconciler: an empty commit, the time until its pass ends; docker stack deploy: the same file again, the command's time):"
echo
echo "| way | time | web / worker service Version, UpdatedAt, running tasks |"
echo "|---|---|---|"
for row in "${NOOP_ROWS[@]}"; do IFS='|' read -r w t c <<<"$row"; echo "| $(name "$w") | $t s | $c |"; done
for row in "${DRIFT_ROWS[@]}"; do IFS='|' read -r w o c <<<"$row"; echo "| $(name "$w"), next drift pass | $o | $c |"; done
if [ ${#SENT[@]} -gt 0 ]; then
    echo
    echo "Service updates the daemon sent over the whole run ($RUNS changes, $NOOPS empty commits, its drift passes every $DRIFT):"
    printf '  %s\n' "${SENT[@]}"
fi
