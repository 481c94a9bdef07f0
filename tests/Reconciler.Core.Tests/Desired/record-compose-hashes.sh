#!/usr/bin/env bash
# Records com.docker.compose.config-hash as Docker Compose itself writes it, for every golden case
# (../testdata) that runs on this engine: the case is copied to /srv/CASE (the path the unit test
# loads it under, since bind sources are absolute and part of the hash), started with
# `docker compose up -d`, and each container's service, hash and id are read back with
# `docker inspect`, then everything is removed again. Needs `docker compose` and the engine set up
# by tests/setup/engine.sh; the tests themselves need neither.
#
# Output: compose-config-hashes.txt beside this script, one line per container:
#   CASE/SERVICE HASH CONTAINER_ID
# (the id, because compose hashes the id of a container another service shares — network_mode:
# service:x, volumes_from — and the test needs it to recompute that hash).
#
# Usage: record-compose-hashes.sh [CASE...]      (default: every valid case)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
golden=$(cd "$here/../testdata" && pwd -P)
out="$here/compose-config-hashes.txt"
docker compose version >/dev/null 2>&1 || { echo "record-compose-hashes.sh: needs 'docker compose'" >&2; exit 1; }

lines() {
    [ -f "$1" ] || return 0
    sed -e 's/\r$//' -e 's/[[:space:]]*$//' "$1" | grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' || true
}

# Cases that cannot run here, and why (each is skipped, not recorded).
skip_reason() {
    case "$1" in
        build-forms) echo "needs image builds (issue #14 item 4)" ;;
        bind-and-develop) echo "binds /srv/x/, a host path that must exist (create_host_path: false)" ;;
        *) echo "" ;;
    esac
}

if [ $# -gt 0 ]; then cases=("$@"); else
    cases=()
    for d in "$golden"/*/; do d=$(basename "$d"); [ -f "$golden/$d/expected.json" ] && cases+=("$d"); done
fi

# External resources some cases name, created for the run and removed after.
created_networks=() created_volumes=()
cleanup() {
    for n in "${created_networks[@]}"; do docker network rm "$n" >/dev/null 2>&1 || true; done
    for v in "${created_volumes[@]}"; do docker volume rm "$v" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT


tmp=$(mktemp)
: >"$tmp.out"
for c in "${cases[@]}"; do
    reason=$(skip_reason "$c")
    if [ -n "$reason" ]; then printf '%-28s skipped: %s\n' "$c" "$reason"; continue; fi
    src="$golden/$c" dir="/srv/$c" project="rh-$c"
    rm -rf "$dir" && mkdir -p /srv && cp -a "$src" "$dir"
    # External networks and volumes the case expects to exist.
    for n in $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(v["name"] for v in (d.get("networks") or {}).values() if v.get("external")))' "$src/expected.json"); do
        docker network inspect "$n" >/dev/null 2>&1 || { docker network create "$n" >/dev/null; created_networks+=("$n"); }
    done
    for v in $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(v["name"] for v in (d.get("volumes") or {}).values() if v.get("external")))' "$src/expected.json"); do
        docker volume inspect "$v" >/dev/null 2>&1 || { docker volume create "$v" >/dev/null; created_volumes+=("$v"); }
    done
    mkdir -p /var/tmp/reconciler-backups

    args=(-p "$project")
    if [ -f "$dir/files.txt" ]; then while IFS= read -r f; do args+=(-f "$f"); done < <(lines "$dir/files.txt")
    else args+=(-f compose.yaml); fi
    while IFS= read -r p; do args+=(--profile "$p"); done < <(lines "$dir/profiles.txt")
    envs=(PATH="$PATH" HOME="$HOME")
    while IFS= read -r kv; do envs+=("$kv"); done < <(lines "$dir/env.txt")

    if (cd "$dir" && env -i "${envs[@]}" docker compose "${args[@]}" up -d --quiet-pull >/dev/null 2>"$tmp"); then
        for id in $(docker ps -aq --no-trunc --filter "label=com.docker.compose.project=$project"); do
            docker inspect -f "$c/{{index .Config.Labels \"com.docker.compose.service\"}} {{index .Config.Labels \"com.docker.compose.config-hash\"}} {{.Id}}" "$id"
        done | sort >>"$tmp.out"
        printf '%-28s ok\n' "$c"
    else
        printf '%-28s up failed: %s\n' "$c" "$(tr '\n' ' ' <"$tmp")"
    fi
    (cd "$dir" && env -i "${envs[@]}" docker compose "${args[@]}" down -v --remove-orphans >/dev/null 2>&1) || true
    rm -rf "$dir"
done
sort "$tmp.out" >"$out"
rm -f "$tmp" "$tmp.out"
echo "wrote $(wc -l <"$out") hashes to $out"
