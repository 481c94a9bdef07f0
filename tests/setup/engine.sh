#!/usr/bin/env bash
# Prepares a Debian 12 machine for Reconciler's integration tests.
#
#   * installs docker.io, docker-registry, busybox-static, git, apache2-utils,
#     cgroupfs-mount, curl, jq and chromium (among others) from Debian (only what is missing)
#   * starts dockerd if `docker info` fails (log: /tmp/reconciler-dockerd.log)
#   * builds reconciler-test/busybox:{1.0,1.1,2.0} with `docker import` from
#     the busybox-static binary (no Docker Hub needed)
#   * runs two local registries from Debian's docker-registry binary:
#       127.0.0.1:5000  no auth
#       127.0.0.1:5001  htpasswd auth, user "tester", password "s3cret"
#     and pushes the three tags to both.
#
# Idempotent: every step checks whether it is already done; a second run
# takes a second or two. See tests/setup/README.md.
set -euo pipefail

STATE_DIR=${RECONCILER_TEST_STATE_DIR:-/var/tmp/reconciler-test}
DOCKERD_LOG=/tmp/reconciler-dockerd.log
REPO=reconciler-test/busybox
VERSIONS=(1.0 1.1 2.0)
# Bump when the image recipe below changes: images carrying an older recipe
# label are rebuilt (and re-pushed) on the next run.
RECIPE=3
AUTH_USER=tester
AUTH_PASSWORD=s3cret

log() { printf '[engine.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
mkdir -p "$STATE_DIR"
CLEANUP=()
cleanup() { [ ${#CLEANUP[@]} -eq 0 ] || rm -rf "${CLEANUP[@]}"; }
trap cleanup EXIT

# --------------------------------------------------------------- packages --
# openssh-server/client: the git tests serve repos over ssh on loopback; git/ssh are also what the daemon runs for ssh:// remotes.
# age, gpg, gpgv: sops/age fixtures and signed commits in the daemon tests (the daemon itself runs ssh-keygen and gpgv).
# chromium: the status page's test loads it in a real headless browser.
# jq: bench/swarm/run.sh reads the Swarm engine's and the daemon's JSON with it.
PACKAGES=(docker.io iproute2 iptables docker-registry busybox-static git apache2-utils cgroupfs-mount curl jq openssh-server openssh-client prometheus age gpg gpgv chromium)

pkg_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

ensure_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold)
    if ! "${apt[@]}" "${missing[@]}" >"$STATE_DIR/apt.log" 2>&1; then
        log "apt-get install failed; running apt-get update and retrying"
        apt-get update -q >>"$STATE_DIR/apt.log" 2>&1 || true
        "${apt[@]}" "${missing[@]}" >>"$STATE_DIR/apt.log" 2>&1 \
            || { tail -n 30 "$STATE_DIR/apt.log" >&2; die "apt-get install failed (see $STATE_DIR/apt.log)"; }
    fi
}

# ----------------------------------------------------------------- dockerd --
mount_cgroups() {
    # What /etc/init.d/docker does: a v1 cgroup hierarchy when nothing set one up.
    [ -e /proc/cgroups ] && [ -d /sys/fs/cgroup ] || return 0
    if [ -e /sys/fs/cgroup/cgroup.controllers ]; then return 0; fi   # cgroup v2
    if command -v cgroupfs-mount >/dev/null 2>&1; then
        cgroupfs-mount >/dev/null 2>&1 || true
        return 0
    fi
    mountpoint -q /sys/fs/cgroup || mount -t tmpfs -o uid=0,gid=0,mode=0755 cgroup /sys/fs/cgroup || return 0
    local sys
    for sys in $(awk '!/^#/ { if ($4 == 1) print $1 }' /proc/cgroups); do
        mkdir -p "/sys/fs/cgroup/$sys"
        mountpoint -q "/sys/fs/cgroup/$sys" \
            || mount -n -t cgroup -o "$sys" cgroup "/sys/fs/cgroup/$sys" 2>/dev/null \
            || rmdir "/sys/fs/cgroup/$sys" || true
    done
}

ensure_dockerd() {
    if docker info >/dev/null 2>&1; then return 0; fi
    log "docker info failed; starting dockerd (log: $DOCKERD_LOG)"
    mount_cgroups
    command -v dockerd >/dev/null || die "dockerd not found"
    # The default pools hold about 30 bridge networks; the suites run stacks side by side (three
    # networks each) and a fresh CI engine ran out of them. A /16 cut in /24s gives 256.
    local args=()
    if ! grep -qs default-address-pools /etc/docker/daemon.json; then
        args+=(--default-address-pool "base=${RECONCILER_TEST_POOL:-10.201.0.0/16},size=24")
    fi
    setsid nohup dockerd "${args[@]}" >"$DOCKERD_LOG" 2>&1 </dev/null &
    local i
    for i in $(seq 1 60); do
        if docker info >/dev/null 2>&1; then
            log "dockerd is up after ${i}s"
            return 0
        fi
        sleep 1
    done
    tail -n 40 "$DOCKERD_LOG" >&2 || true
    die "dockerd did not answer within 60 s"
}

# ------------------------------------------------------------------ images --
image_label() { # image label -> value or empty
    docker image inspect --format "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
}

build_image() {
    local version=$1 tag="$REPO:$1" want="$RECIPE"
    if [ "$(image_label "$tag" io.reconciler.test.recipe)" = "$want" ]; then
        return 0
    fi
    log "building $tag"
    local busybox rootfs
    busybox=$(command -v busybox || true)
    [ -n "$busybox" ] || busybox=/bin/busybox
    file_is_static "$busybox" || die "$busybox is not the static busybox (install busybox-static)"
    rootfs=$(mktemp -d "$STATE_DIR/rootfs.XXXXXX")
    CLEANUP+=("$rootfs")
    mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home/app,var/www,var/tmp,data,proc,sys,dev}
    cp "$busybox" "$rootfs/bin/busybox"
    chmod 0755 "$rootfs/bin/busybox"
    local applet
    for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] && continue
        ln -sf busybox "$rootfs/bin/$applet"
    done
    chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
    cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
    cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
app:x:1000:
nogroup:x:65534:
EOF
    printf '%s\n' "$version" >"$rootfs/VERSION"
    printf 'reconciler-test busybox %s\n' "$version" >"$rootfs/var/www/index.html"
    # Deterministic layer: same busybox + same version => same layer digest.
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
        -C "$rootfs" -cf - . |
        docker import \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'WORKDIR /' \
            --change "LABEL io.reconciler.test.recipe=$want" \
            --change "LABEL org.opencontainers.image.version=$version" \
            --change 'CMD ["sh", "-c", "trap \"exit 0\" TERM INT; sleep infinity & wait"]' \
            --message "reconciler-test busybox $version" \
            - "$tag" >/dev/null
    rm -rf "$rootfs"
}

file_is_static() {
    # busybox-static's binary is not a dynamic executable; the busybox package's is.
    [ -x "$1" ] || return 1
    ! ldd "$1" >/dev/null 2>&1
}

# -------------------------------------------------------------- registries --
registry_pid_alive() { # name
    local pidfile="$STATE_DIR/$1/registry.pid" pid
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$STATE_DIR/$1/config.yml"
}

http_code() { # url [curl args...]
    local url=$1; shift
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

port_in_use() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

write_htpasswd() {
    local file=$1
    if command -v htpasswd >/dev/null 2>&1; then
        printf '%s\n' "$AUTH_PASSWORD" | htpasswd -niB "$AUTH_USER" >"$file.tmp" 2>/dev/null
    else
        # Fallback: glibc/libxcrypt crypt(3) knows bcrypt ($2b$), which the registry accepts.
        AUTH_PASSWORD=$AUTH_PASSWORD python3 -W ignore -c '
import crypt, os, sys
sys.stdout.write(sys.argv[1] + ":" + crypt.crypt(os.environ["AUTH_PASSWORD"], crypt.mksalt(crypt.METHOD_BLOWFISH)) + "\n")' \
            "$AUTH_USER" >"$file.tmp"
    fi
    grep -q "^$AUTH_USER:"'[$]2[aby][$]' "$file.tmp" || die "could not create a bcrypt htpasswd entry"
    mv "$file.tmp" "$file"
}

ensure_registry() { # name port auth(yes|no)
    local name=$1 port=$2 auth=$3 dir="$STATE_DIR/$1" want_code=200
    [ "$auth" = yes ] && want_code=401
    if registry_pid_alive "$name" && [ "$(http_code "http://127.0.0.1:$port/v2/")" = "$want_code" ]; then
        return 0
    fi
    if port_in_use "$port"; then
        # Debian's docker-registry package may have started its own service on :5000.
        if [ -f /var/run/docker-registry.pid ] && [ -x /etc/init.d/docker-registry ]; then
            log "stopping Debian's docker-registry service, which holds a port"
            /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
            sleep 1
        fi
        if registry_pid_alive "$name"; then
            kill "$(cat "$dir/registry.pid")" 2>/dev/null || true
            sleep 1
        fi
        port_in_use "$port" && die "port $port is taken by another process: $(ss -Hltnp "sport = :$port" | head -n1)"
    fi
    log "starting registry $name on 127.0.0.1:$port (auth: $auth)"
    mkdir -p "$dir/data"
    {
        cat <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  headers:
    X-Content-Type-Options: [nosniff]
EOF
        if [ "$auth" = yes ]; then
            cat <<EOF
auth:
  htpasswd:
    realm: reconciler-test
    path: $dir/htpasswd
EOF
        fi
    } >"$dir/config.yml"
    if [ "$auth" = yes ]; then
        write_htpasswd "$dir/htpasswd"
    fi
    setsid nohup /usr/bin/docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
    echo $! >"$dir/registry.pid"
    local i
    for i in $(seq 1 50); do
        [ "$(http_code "http://127.0.0.1:$port/v2/")" = "$want_code" ] && return 0
        registry_pid_alive "$name" || break
        sleep 0.2
    done
    tail -n 20 "$dir/registry.log" >&2 || true
    die "registry $name did not come up on 127.0.0.1:$port"
}

# True when the registry already serves exactly the manifest docker last pushed
# for this tag (so a push would change nothing).
pushed_and_current() { # registry_hostport tag [curl args...]
    local hp=$1 version=$2; shift 2
    local ref="$hp/$REPO:$version" want got
    want=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" 2>/dev/null |
        sed -n "s|^$hp/$REPO@||p" | head -n1)
    [ -n "$want" ] || return 1
    got=$(curl -s -I --max-time 5 "$@" \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "http://$hp/v2/$REPO/manifests/$version" 2>/dev/null |
        tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p')
    [ "$got" = "$want" ] || return 1
    # The tag must also point at the image we have now.
    [ "$(docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null)" = \
      "$(docker image inspect --format '{{.Id}}' "$REPO:$version" 2>/dev/null)" ]
}

push_all() { # registry_hostport auth(yes|no)
    local hp=$1 auth=$2 v todo=() curl_auth=()
    if [ "$auth" = yes ]; then
        curl_auth=(-K -)
    fi
    for v in "${VERSIONS[@]}"; do
        if [ "$auth" = yes ]; then
            pushed_and_current "$hp" "$v" "${curl_auth[@]}" <<<"user = \"$AUTH_USER:$AUTH_PASSWORD\"" && continue
        else
            pushed_and_current "$hp" "$v" && continue
        fi
        todo+=("$v")
    done
    [ ${#todo[@]} -eq 0 ] && return 0
    # Log in with a throw-away client config so that no credentials are left
    # in ~/.docker/config.json.
    local cfg
    cfg=$(mktemp -d "$STATE_DIR/docker-config.XXXXXX")
    CLEANUP+=("$cfg")
    if [ "$auth" = yes ]; then
        printf '%s' "$AUTH_PASSWORD" |
            DOCKER_CONFIG=$cfg docker login --username "$AUTH_USER" --password-stdin "$hp" >/dev/null 2>&1 ||
            die "docker login to $hp failed"
    fi
    for v in "${todo[@]}"; do
        log "pushing $hp/$REPO:$v"
        docker tag "$REPO:$v" "$hp/$REPO:$v"
        DOCKER_CONFIG=$cfg docker push --quiet "$hp/$REPO:$v" >/dev/null ||
            die "docker push $hp/$REPO:$v failed"
    done
    if [ "$auth" = yes ]; then
        DOCKER_CONFIG=$cfg docker logout "$hp" >/dev/null 2>&1 || true
    fi
    rm -rf "$cfg"
}

# -------------------------------------------------------------------- main --
start=$(date +%s)
ensure_packages
ensure_dockerd
# A second dockerd started with --bridge none deletes the host's docker0 under the running engine;
# put it back so containers on the default bridge can start.
if ! ip link show docker0 >/dev/null 2>&1 && command -v ip >/dev/null; then
    log "docker0 bridge missing; recreating it"
    ip link add docker0 type bridge && ip addr add 172.17.0.1/16 dev docker0 && ip link set docker0 up || true
fi
for v in "${VERSIONS[@]}"; do build_image "$v"; done
ensure_registry registry-5000 5000 no
ensure_registry registry-5001 5001 yes
push_all 127.0.0.1:5000 no
push_all 127.0.0.1:5001 yes
# Smoke test: the engine can start a container on the default bridge network.
if ! out=$(docker run --rm "$REPO:${VERSIONS[0]}" cat /VERSION 2>&1) || [ "$out" != "${VERSIONS[0]}" ]; then
    printf '%s\n' "$out" >&2
    die "docker run of $REPO:${VERSIONS[0]} failed (is the docker0 bridge present? see $DOCKERD_LOG)"
fi
log "ready in $(( $(date +%s) - start ))s: images $REPO:{${VERSIONS[*]}}, registries 127.0.0.1:5000 (open), 127.0.0.1:5001 (auth)"
