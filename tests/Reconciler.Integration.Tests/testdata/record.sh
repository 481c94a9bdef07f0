#!/usr/bin/env bash
# Records testdata/<case>/expected.json: what Docker Compose v2.26.1 creates for the case, as the
# normalized projection of `docker inspect` that FidelityTests compares Reconciler's containers to.
#
#   tests/Reconciler.Integration.Tests/testdata/record.sh [case...]    (default: every case folder)
#
# For each case: `docker compose -p <random project> up -d` in the case folder (clean environment,
# empty DOCKER_CONFIG so no proxy settings leak into Env), `docker inspect` of every container of
# the project, the projection below, then `docker compose down --volumes`.
# Needs docker, docker compose and jq. The tests need none of them: only the recorded files.
# KEEP=1 leaves the compose project running and prints its name (to cross-check the C# projection).
#
# The projection (Fidelity/InspectProjection.cs builds the same one from Docker.DotNet's model):
#   * one entry per container, keyed "<service>-<container-number>";
#   * Config: Image Cmd Entrypoint Env User WorkingDir Hostname Domainname Labels Healthcheck
#     ExposedPorts StopSignal StopTimeout Tty OpenStdin;
#   * HostConfig: Binds Mounts Tmpfs PortBindings NetworkMode IpcMode PidMode RestartPolicy Memory
#     MemoryReservation MemorySwap NanoCpus CpuShares CpuPeriod CpuQuota CpusetCpus
#     DeviceCgroupRules PidsLimit OomKillDisable OomScoreAdj LogConfig CapAdd CapDrop Sysctls
#     Ulimits ExtraHosts Init ShmSize SecurityOpt Dns DnsSearch DnsOptions ReadonlyRootfs Links
#     VolumesFrom GroupAdd Privileged;
#   * Networks: per network name, Aliases and Links.
# Normalized:
#   * lists whose order compose takes from a Go map (Env, Binds, Mounts by Target, CapAdd, CapDrop,
#     Ulimits by Name, ExtraHosts, SecurityOpt, Links, Aliases) are sorted, and so are the entries
#     of the depends_on label; map keys are sorted;
#   * empty strings, lists and maps are null; inside Mounts, Healthcheck and LogConfig, empty, false
#     and zero members are dropped (the engine reads them as absent);
#   * the values (not the keys) of the labels config-hash, image and version are "*";
#   * an alias equal to the container's short id is dropped; a hostname equal to it is
#     "${CONTAINER_ID}", to another container's "${CONTAINER_ID:<its name>}", and with
#     network_mode host "${HOST_HOSTNAME}";
#   * "container:<id>" modes and VolumesFrom entries name the container;
#   * the case folder is ${CASE_DIR} and the project name ${PROJECT}, in values and in keys.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
    cases=("$@")
else
    cases=()
    for d in "$here"/*/; do [ -f "$d/compose.yaml" ] && cases+=("$(basename "$d")"); done
fi

command -v jq >/dev/null || { echo "record.sh: jq is needed" >&2; exit 1; }
docker compose version >/dev/null || { echo "record.sh: docker compose is needed" >&2; exit 1; }

cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT

read -r -d '' PROJECTION <<'JQ' || true
def lit($from; $to): split($from) | join($to);
def sub: lit($dir; "${CASE_DIR}") | lit($project; "${PROJECT}");
def place: walk(if type == "string" then sub elif type == "object" then with_entries(.key |= sub) else . end);
def nz: if . == null or . == "" or . == [] or . == {} then null else . end;
def prune: walk(if type == "object"
    then with_entries(select(.value | (. != null and . != "" and . != [] and . != {} and . != false and . != 0)))
    else . end) | nz;
def masked: ["com.docker.compose.config-hash", "com.docker.compose.image", "com.docker.compose.version"];
(map({key: .Id, value: (.Name | ltrimstr("/"))}) | from_entries) as $names
| (map({key: .Id[0:12], value: (.Name | ltrimstr("/"))}) | from_entries) as $short
| def cref: if type == "string" and startswith("container:")
    then "container:" + ($names[ltrimstr("container:")] // ltrimstr("container:")) else . end;
  map(. as $c | {
    key: "\(.Config.Labels["com.docker.compose.service"])-\(.Config.Labels["com.docker.compose.container-number"])",
    value: {
      Name: (.Name | ltrimstr("/")),
      Config: (.Config | {
        Image,
        Cmd: (.Cmd | nz),
        Entrypoint: (.Entrypoint | nz),
        Env: ((.Env // []) | sort | nz),
        User: (.User | nz),
        WorkingDir: (.WorkingDir | nz),
        Hostname: (if .Hostname == $c.Id[0:12] then "${CONTAINER_ID}"
            elif $short[.Hostname] then "${CONTAINER_ID:\($short[.Hostname])}"
            elif $c.HostConfig.NetworkMode == "host" then "${HOST_HOSTNAME}" else (.Hostname | nz) end),
        Domainname: (.Domainname | nz),
        Labels: ((.Labels // {}) | with_entries(
            if (.key | IN(masked[])) then .value = "*"
            elif .key == "com.docker.compose.depends_on" then .value |= (split(",") | sort | join(","))
            else . end)),
        Healthcheck: (.Healthcheck | prune),
        ExposedPorts: ((.ExposedPorts // {}) | keys | nz),
        StopSignal: (.StopSignal | nz),
        StopTimeout,
        Tty,
        OpenStdin
      }),
      HostConfig: (.HostConfig | {
        Binds: ((.Binds // []) | sort | nz),
        Mounts: ((.Mounts // []) | map(prune) | sort_by(.Target) | nz),
        Tmpfs: (.Tmpfs | nz),
        PortBindings: ((.PortBindings // {}) | map_values(map({HostIp, HostPort})) | nz),
        NetworkMode: (.NetworkMode | cref),
        IpcMode: (.IpcMode | cref | nz),
        PidMode: (.PidMode | cref | nz),
        RestartPolicy,
        Memory,
        MemoryReservation,
        MemorySwap,
        NanoCpus,
        CpuShares,
        CpuPeriod,
        CpuQuota,
        CpusetCpus: (.CpusetCpus | nz),
        DeviceCgroupRules: (.DeviceCgroupRules | nz),
        PidsLimit,
        OomKillDisable,
        OomScoreAdj,
        LogConfig: (.LogConfig | prune),
        CapAdd: ((.CapAdd // []) | sort | nz),
        CapDrop: ((.CapDrop // []) | sort | nz),
        Sysctls: (.Sysctls | nz),
        Ulimits: ((.Ulimits // []) | sort_by(.Name) | nz),
        ExtraHosts: ((.ExtraHosts // []) | sort | nz),
        Init,
        ShmSize,
        SecurityOpt: ((.SecurityOpt // []) | sort | nz),
        Dns: (.Dns | nz),
        DnsSearch: (.DnsSearch | nz),
        DnsOptions: (.DnsOptions | nz),
        ReadonlyRootfs,
        Links: ((.Links // []) | sort | nz),
        VolumesFrom: ((.VolumesFrom // []) | map(split(":") | .[0] |= ($names[.] // $short[.] // .) | join(":")) | nz),
        GroupAdd: (.GroupAdd | nz),
        Privileged
      }),
      Networks: ((.NetworkSettings.Networks // {}) | map_values({
        Aliases: ((.Aliases // []) | map(select(. != $c.Id[0:12])) | sort | nz),
        Links: ((.Links // []) | sort | nz)
      }))
    }
  })
| from_entries
| place
JQ

for case in "${cases[@]}"; do
    dir="$here/$case"
    [ -f "$dir/compose.yaml" ] || { echo "record.sh: no $dir/compose.yaml" >&2; exit 1; }
    project="itest-rec-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
    compose() {
        (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" DOCKER_CONFIG="$cfg" \
            ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} docker compose -p "$project" "$@")
    }
    echo "== $case (project $project)" >&2
    if ! compose up -d; then
        compose down --volumes --remove-orphans >/dev/null 2>&1 || true
        exit 1
    fi
    ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
    docker inspect $ids |
        jq -S --arg dir "$dir" --arg project "$project" "$PROJECTION" >"$dir/expected.json"
    echo "   wrote $dir/expected.json ($(jq 'length' "$dir/expected.json") containers)" >&2
    if [ "${KEEP:-}" = 1 ]; then
        echo "   KEEP=1: left running; remove with: (cd $dir && docker compose -p $project down --volumes)" >&2
    else
        compose down --volumes --remove-orphans >/dev/null 2>&1
    fi
done
