#!/usr/bin/env bash
# Package test, for CI: build the .deb, install it on this machine, check it, run the daemon the
# way its systemd unit would, then remove and purge it and check that nothing is left.
#
#   sudo bash packaging/test-deb.sh
#
# Steps (any failure exits non-zero; the package is purged again on the way out):
#   1. build artifacts/reconciler_<version>_amd64.deb (packaging/build-deb.sh), size < 80 MB
#   2. dpkg -i; files, conffile, user reconciler in group docker, /var/lib/reconciler, unit enabled
#   3. reconciler --version / --help, reconciler validate --config /etc/reconciler/config.yaml
#   4. systemd-analyze verify; systemd-analyze security --offline=true rates exposure <= 4.0
#   5. the daemon as the unit runs it (systemd is not PID 1 here): packaging/unit-sandbox.py reads
#      the installed unit and reproduces its user, directories, mount sandbox and seccomp filter,
#      as the child of a process named systemd that owns NOTIFY_SOCKET. Checks READY=1, WATCHDOG=1,
#      /readyz 200 against the local Docker engine, the example stack planned, `reconciler status`,
#      then SIGTERM: STOPPING=1 and exit 0. Also: git and ssh run inside the sandbox.
#      Informational (never fails): why MemoryDenyWriteExecute= and ProtectProc= are not set.
#   6. dpkg -i over the installed package keeps config edits, state and user (the upgrade path)
#   7. dpkg -r keeps config, state and user; dpkg -P leaves nothing behind.
#
# Needs root and a reachable Docker engine (tests/setup/engine.sh starts one if none answers).
# Installs what it misses from Debian: systemd (for systemd-analyze), python3-seccomp, curl, and
# for the native build gcc and zlib1g-dev.
# Idempotent: a previous run's leftovers (package, user, directories) are purged first.
#
# Environment:
#   DEB=path.deb         test this package instead of building one
#   READY_TIMEOUT=20     seconds the daemon gets to answer /readyz 200 (reported either way)
#   KEEP=1               leave the package installed at the end (and on failure)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
READY_TIMEOUT="${READY_TIMEOUT:-20}"
LISTEN=127.0.0.1:9464
UNIT=/lib/systemd/system/reconciler.service
PY=/usr/bin/python3   # the system python: python3-seccomp is installed for it

WORK="$(mktemp -d /tmp/reconciler-test-deb.XXXXXX)"
DAEMON_PID=""
FAILED=0
PASSES=0

log() { printf '[test-deb] %s\n' "$*"; }
pass() { PASSES=$((PASSES + 1)); printf '[test-deb] ok: %s\n' "$*"; }
fail() { printf '[test-deb] FAIL: %s\n' "$*" >&2; FAILED=1; exit 1; }
note() { printf '[test-deb] note: %s\n' "$*"; }

purge_all() {
    if dpkg-query -W -f='${Status}' reconciler 2>/dev/null | grep -qv "not-installed"; then
        dpkg -P reconciler >/dev/null 2>&1 || true
    fi
    # Leftovers of a run that died half-way (or a hand-made install), so each run starts clean.
    if getent passwd reconciler >/dev/null; then userdel reconciler >/dev/null 2>&1 || true; fi
    if getent group reconciler >/dev/null; then groupdel reconciler >/dev/null 2>&1 || true; fi
    rm -rf /etc/reconciler /var/lib/reconciler
}

stop_daemon() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    DAEMON_PID=""
}

cleanup() {
    local rc=$?
    stop_daemon
    if [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
        for f in "$WORK"/*.log; do
            [ -s "$f" ] || continue
            echo "----- $(basename "$f") (last 40 lines)" >&2
            tail -n 40 "$f" >&2
        done
    fi
    if [ "${KEEP:-0}" != 1 ]; then purge_all; fi
    rm -rf "$WORK"
    if [ "$rc" -ne 0 ]; then echo "[test-deb] FAILED ($PASSES checks passed before the failure)" >&2; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

http_code() { curl -s -o "$WORK/http.body" -w '%{http_code}' --max-time 2 "http://$LISTEN$1" 2>/dev/null || true; }

# ------------------------------------------------------------------ setup --
[ "$(id -u)" = 0 ] || { echo "test-deb: must run as root" >&2; exit 1; }
missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
"$PY" -c 'import seccomp' 2>/dev/null || missing+=(python3-seccomp)
command -v curl >/dev/null || missing+=(curl)
command -v dpkg-deb >/dev/null || missing+=(dpkg-dev)
# The native (AOT) publish links with the system C toolchain.
if [ -z "${DEB:-}" ]; then
    command -v cc >/dev/null || missing+=(gcc)
    dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
    log "no Docker engine answers: running tests/setup/engine.sh"
    bash tests/setup/engine.sh
fi
docker info >/dev/null 2>&1 || fail "no Docker engine"
DOCKER_GROUP_BEFORE=$(getent group docker >/dev/null && echo yes || echo no)
purge_all

VERSION="$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -n1)"
DEB_VERSION="${VERSION//-/\~}"

# ------------------------------------------------------------------ build --
if [ -z "${DEB:-}" ]; then
    bash packaging/build-deb.sh
    DEB="artifacts/reconciler_${DEB_VERSION}_amd64.deb"
fi
[ -f "$DEB" ] || fail "no package at $DEB"
SIZE=$(stat -c %s "$DEB")
[ "$SIZE" -lt $((80 * 1024 * 1024)) ] || fail "package is $SIZE bytes, over 80 MB"
pass "package $DEB, $((SIZE / 1024 / 1024)) MB"
[ "$(dpkg-deb -f "$DEB" Version)" = "$DEB_VERSION" ] || fail "package version is not $DEB_VERSION"

# ---------------------------------------------------------------- install --
if ! dpkg -i "$DEB" >"$WORK/dpkg-install.log" 2>&1; then
    # A dependency missing from this machine: let apt bring it, as `apt install ./x.deb` would.
    log "dpkg -i left dependencies unmet; apt-get -f install"
    DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq >>"$WORK/dpkg-install.log" 2>&1 ||
        fail "dpkg -i $DEB (see dpkg-install.log)"
fi
[ "$(dpkg-query -W -f='${Status}' reconciler)" = "install ok installed" ] || fail "package not installed"
pass "dpkg -i"

[ -x /usr/lib/reconciler/reconciler ] || fail "/usr/lib/reconciler/reconciler missing"
[ "$(readlink -f /usr/bin/reconciler)" = /usr/lib/reconciler/reconciler ] || fail "/usr/bin/reconciler is not the program"
[ -f "$UNIT" ] || fail "$UNIT missing"
[ -f /usr/share/reconciler/examples.git/HEAD ] || fail "example repo missing"
dpkg-query -W -f='${Conffiles}\n' reconciler | grep -q '^ /etc/reconciler/config.yaml ' || fail "config.yaml is not a conffile"
id -nG reconciler | tr ' ' '\n' | grep -qx docker || fail "user reconciler is not in group docker"
[ "$(getent passwd reconciler | cut -d: -f6)" = /var/lib/reconciler ] || fail "reconciler's home is not /var/lib/reconciler"
[ "$(stat -c '%U:%G %a' /var/lib/reconciler)" = "reconciler:reconciler 700" ] || fail "/var/lib/reconciler: $(stat -c '%U:%G %a' /var/lib/reconciler)"
[ -L /etc/systemd/system/multi-user.target.wants/reconciler.service ] || fail "unit not enabled"
pass "files, conffile, user reconciler (group docker), /var/lib/reconciler, unit enabled"

# -------------------------------------------------------------------- CLI --
out="$(reconciler --version)"
case "$out" in "$VERSION"|"$VERSION+"*) ;; *) fail "reconciler --version printed '$out', want $VERSION" ;; esac
pass "reconciler --version: $out"
reconciler --help >/dev/null || fail "reconciler --help"
for c in config plan apply run validate status history suspend resume; do
    reconciler "$c" --help | grep -q "Examples:" || fail "reconciler $c --help has no examples"
done
pass "--help with examples for every command"
reconciler validate --config /etc/reconciler/config.yaml >"$WORK/validate.log" 2>&1 || fail "reconciler validate (see validate.log)"
runuser -u reconciler -- reconciler validate --config /etc/reconciler/config.yaml >>"$WORK/validate.log" 2>&1 ||
    fail "reconciler validate as user reconciler (see validate.log)"
pass "reconciler validate --config /etc/reconciler/config.yaml (as root and as reconciler)"

# ---------------------------------------------------------------- systemd --
systemd-analyze verify "$UNIT" >"$WORK/verify.log" 2>&1 || fail "systemd-analyze verify (see verify.log)"
if grep -v "^$" "$WORK/verify.log" | grep -q .; then
    cat "$WORK/verify.log"
    fail "systemd-analyze verify has complaints"
fi
pass "systemd-analyze verify"
systemd-analyze security --offline=true --no-pager "$UNIT" >"$WORK/security.log" 2>&1 || true
EXPOSURE="$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$WORK/security.log")"
[ -n "$EXPOSURE" ] || fail "no exposure level in systemd-analyze security output (see security.log)"
awk -v e="$EXPOSURE" 'BEGIN { exit !(e <= 4.0) }' || fail "exposure $EXPOSURE > 4.0"
RATING="$(sed -n 's/.*Overall exposure level for [^:]*: [0-9.]* \([A-Z]*\).*/\1/p' "$WORK/security.log")"
pass "systemd-analyze security --offline=true: exposure $EXPOSURE $RATING"

# ------------------------------------------------ the daemon, as the unit --
if curl -s -o /dev/null --max-time 1 "http://$LISTEN/" 2>/dev/null; then
    fail "something already listens on $LISTEN"
fi
NOTIFY_LOG="$WORK/notify.log"
: >"$NOTIFY_LOG"
# WATCHDOG_USEC of 2 s (the unit says 60 s) so that WATCHDOG=1 shows within a second.
"$PY" packaging/unit-sandbox.py --unit "$UNIT" --notify-log "$NOTIFY_LOG" --watchdog-usec 2000000 -- \
    /usr/bin/reconciler run --config /etc/reconciler/config.yaml >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
start=$(date +%s%N)
code=""
while :; do
    code="$(http_code /readyz)"
    [ "$code" = 200 ] && break
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited before /readyz answered 200 (see daemon.log)"
    [ $(( ($(date +%s%N) - start) / 1000000000 )) -lt "$READY_TIMEOUT" ] || fail "/readyz did not answer 200 within ${READY_TIMEOUT}s (last: $code $(cat "$WORK/http.body" 2>/dev/null))"
    sleep 0.05
done
READY_MS=$(( ($(date +%s%N) - start) / 1000000 ))
pass "/readyz 200 after ${READY_MS} ms (Docker reachable, example repo fetched)"
for _ in $(seq 1 100); do grep -q "READY=1" "$NOTIFY_LOG" && grep -q "WATCHDOG=1" "$NOTIFY_LOG" && break; sleep 0.1; done
grep -q "READY=1" "$NOTIFY_LOG" || fail "no READY=1 on NOTIFY_SOCKET"
grep -q "WATCHDOG=1" "$NOTIFY_LOG" || fail "no WATCHDOG=1 on NOTIFY_SOCKET"
pass "READY=1 $(awk '/READY=1/ {print $1; exit}' "$NOTIFY_LOG") s after exec (the sandbox's own set-up included), WATCHDOG=1 seen"
[ "$(http_code /healthz)" = 200 ] || fail "/healthz"
# The example stack is suspended: one pass plans it against the engine and deploys nothing.
for _ in $(seq 1 150); do
    [ "$(http_code /status)" = 200 ] && grep -q '"name":"hello"' "$WORK/http.body" && break
    sleep 0.1
done
grep -q '"name":"hello"' "$WORK/http.body" || fail "/status never showed a pass of stack hello: $(cat "$WORK/http.body")"
grep -q '"outcome":"Suspended"' "$WORK/http.body" || fail "stack hello was not planned as suspended: $(cat "$WORK/http.body")"
pass "/status: stack hello planned against the engine, suspended"
[ "$(stat -c %U /var/lib/reconciler/state.db)" = reconciler ] || fail "state.db is not owned by reconciler"
runuser -u reconciler -- reconciler status >"$WORK/status.log" 2>&1 || fail "reconciler status (see status.log)"
grep -q "^hello" "$WORK/status.log" || fail "reconciler status does not list hello"
pass "reconciler status (as reconciler)"
# Let the watchdog be fed a few times (every second with WATCHDOG_USEC=2 s) before stopping.
for _ in $(seq 1 100); do [ "$(grep -c WATCHDOG=1 "$NOTIFY_LOG")" -ge 4 ] && break; sleep 0.1; done
kill -TERM "$DAEMON_PID"
rc=0
for _ in $(seq 1 450); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "the daemon did not stop within 45 s (TimeoutStopSec) of SIGTERM"
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=""
[ "$rc" = 0 ] || fail "the daemon exited $rc after SIGTERM (see daemon.log)"
grep -q "STOPPING=1" "$NOTIFY_LOG" || fail "no STOPPING=1 on SIGTERM"
# Fed at half of WATCHDOG_USEC (2 s): no gap between two WATCHDOG=1 may reach 2 s.
GAP="$(awk '/WATCHDOG=1/ { if (p != "" && $1 - p > m) m = $1 - p; p = $1; n++ } END { if (n < 2) print "none"; else printf "%.2f", m }' "$NOTIFY_LOG")"
[ "$GAP" != none ] || fail "fewer than two WATCHDOG=1 while the daemon ran"
awk -v g="$GAP" 'BEGIN { exit !(g < 2.0) }' || fail "longest gap between WATCHDOG=1 was ${GAP}s, over WATCHDOG_USEC (2 s)"
pass "watchdog fed $(grep -c WATCHDOG=1 "$NOTIFY_LOG") times, longest gap ${GAP} s (WATCHDOG_USEC 2 s)"
if grep -qE "^crit:|Unhandled exception" "$WORK/daemon.log"; then fail "the daemon logged a critical error (see daemon.log)"; fi
grep -E "^fail:" "$WORK/daemon.log" | cut -c1-300 | sed 's/^/[test-deb] daemon logged: /' || true
pass "SIGTERM: STOPPING=1, exit 0"

"$PY" packaging/unit-sandbox.py --unit "$UNIT" --notify-log /dev/null -- \
    git ls-remote /usr/share/reconciler/examples.git >"$WORK/tools.log" 2>&1 || fail "git ls-remote inside the sandbox (see tools.log)"
"$PY" packaging/unit-sandbox.py --unit "$UNIT" --notify-log /dev/null -- ssh -V >>"$WORK/tools.log" 2>&1 || fail "ssh inside the sandbox"
pass "git and ssh run inside the sandbox"

# Why two common hardening options are off (informational: a newer runtime may change the answer).
if "$PY" packaging/unit-sandbox.py --unit "$UNIT" --notify-log /dev/null --deny-write-execute -- \
    /usr/bin/reconciler --version >/dev/null 2>&1; then
    note "the native build starts under MemoryDenyWriteExecute=yes (the unit leaves it off until an authenticated HTTPS fetch is tested under it)"
else
    note "MemoryDenyWriteExecute=yes: the runtime cannot start under it (the unit leaves it off)"
fi
sed 's/^\[Service\]$/[Service]\nProtectProc=invisible/' "$UNIT" >"$WORK/protectproc.service"
: >"$WORK/protectproc.notify"
"$PY" packaging/unit-sandbox.py --unit "$WORK/protectproc.service" --notify-log "$WORK/protectproc.notify" \
    --watchdog-usec 2000000 -- /usr/bin/reconciler run --config /etc/reconciler/config.yaml >"$WORK/protectproc.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 $((READY_TIMEOUT * 10))); do [ "$(http_code /readyz)" = 200 ] && break; sleep 0.1; done
sleep 1
stop_daemon
if grep -q "READY=1" "$WORK/protectproc.notify"; then
    note "READY=1 is now sent under ProtectProc=invisible: consider setting it in the unit"
else
    note "ProtectProc=invisible: no READY=1 (expected with .NET 10's UseSystemd(); the unit leaves it off)"
fi

# ---------------------------------------------------------------- upgrade --
# Installing over an installed version (here: the same one) runs prerm upgrade / postinst
# configure OLD: the admin's config edits, the state and the user must survive it.
echo "# edited by test-deb.sh" >>/etc/reconciler/config.yaml
dpkg -i "$DEB" >"$WORK/dpkg-upgrade.log" 2>&1 || fail "dpkg -i over the installed package (see dpkg-upgrade.log)"
grep -q "^# edited by test-deb.sh" /etc/reconciler/config.yaml || fail "reinstall lost the config edit"
[ -f /var/lib/reconciler/state.db ] || fail "reinstall lost the state"
id -nG reconciler | tr ' ' '\n' | grep -qx docker || fail "reinstall lost the user's docker membership"
reconciler validate --config /etc/reconciler/config.yaml >/dev/null 2>&1 || fail "validate after reinstall"
pass "dpkg -i over itself (upgrade path): config edit, state and user kept"

# ----------------------------------------------------------------- remove --
dpkg -r reconciler >"$WORK/dpkg-remove.log" 2>&1 || fail "dpkg -r (see dpkg-remove.log)"
[ "$(dpkg-query -W -f='${Status}' reconciler)" = "deinstall ok config-files" ] || fail "after dpkg -r: $(dpkg-query -W -f='${Status}' reconciler)"
for p in /usr/lib/reconciler /usr/bin/reconciler "$UNIT" /usr/share/reconciler /usr/share/doc/reconciler; do
    [ ! -e "$p" ] && [ ! -L "$p" ] || fail "dpkg -r left $p"
done
[ -f /etc/reconciler/config.yaml ] || fail "dpkg -r removed the config"
[ -f /var/lib/reconciler/state.db ] || fail "dpkg -r removed the state"
getent passwd reconciler >/dev/null || fail "dpkg -r removed the user"
pass "dpkg -r: program gone; config, state and user kept"

dpkg -P reconciler >"$WORK/dpkg-purge.log" 2>&1 || fail "dpkg -P (see dpkg-purge.log)"
dpkg-query -W -f='${Status}' reconciler 2>/dev/null | grep -q "ok installed\|config-files" && fail "package still known to dpkg after purge"
left=()
for p in /etc/reconciler /var/lib/reconciler /usr/lib/reconciler /usr/bin/reconciler /usr/share/reconciler \
    /usr/share/doc/reconciler "$UNIT" /etc/systemd/system/reconciler.service \
    /etc/systemd/system/multi-user.target.wants/reconciler.service \
    /var/lib/systemd/deb-systemd-helper-enabled/reconciler.service.dsh-also \
    /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/reconciler.service \
    /var/lib/systemd/deb-systemd-helper-masked/reconciler.service; do
    if [ -e "$p" ] || [ -L "$p" ]; then left+=("$p"); fi
done
[ ${#left[@]} -eq 0 ] || fail "dpkg -P left: ${left[*]}"
getent passwd reconciler >/dev/null && fail "dpkg -P left the user reconciler"
getent group reconciler >/dev/null && fail "dpkg -P left the group reconciler"
if [ "$DOCKER_GROUP_BEFORE" = yes ]; then getent group docker >/dev/null || fail "dpkg -P removed group docker"; fi
pass "dpkg -P: nothing left (files, unit links, user, group; /etc/reconciler, /var/lib/reconciler)"

echo "$PASSES passed, 0 failed"
