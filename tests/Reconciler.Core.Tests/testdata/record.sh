#!/usr/bin/env bash
# Regenerates the recorded expectations of the loader's golden tests from the
# reference implementation, Docker Compose v2 (`docker compose config`).
# Needs `docker compose`; the tests themselves do not.
#
# Each case is a folder beside this script:
#   compose.yaml          the compose file, used alone unless files.txt exists
#   files.txt             optional: compose files, one per line, in -f order
#                         (paths relative to the case folder)
#   profiles.txt          optional: profiles to enable, one per line (--profile)
#   env.txt               optional: KEY=VALUE lines set as process environment
#                         (the only variables besides PATH and HOME)
#   .env, *.env, conf/... whatever the compose files refer to
#
# Recorded per case (absolute paths into the case folder are written as the
# placeholder ${CASE_DIR}):
#   expected.json           stdout of `docker compose ... config --format json`, byte for byte
#                           (compose prints no trailing newline there)
#   expected.yaml           stdout of `docker compose ... config --format yaml`, byte for byte
#   expected.warnings.txt   its stderr, when compose printed any (with the
#                           time="..." prefix of each log line removed and
#                           the lines sorted, as compose's order varies)
#   expected.error.txt      stderr when compose failed (then no expected.json)
# Blank lines and lines starting with '#' in the *.txt inputs are ignored.
#
# Usage: record.sh [CASE...]     (default: every case folder)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
cd "$here"

docker compose version >/dev/null 2>&1 || { echo "record.sh: needs 'docker compose'" >&2; exit 1; }

lines() { # file -> non-blank, non-comment lines, trimmed of trailing CR/space
    [ -f "$1" ] || return 0
    sed -e 's/\r$//' -e 's/[[:space:]]*$//' "$1" | grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' || true
}

placeholder() { # text -> text with the case dir replaced
    local text=$1 dir=$2
    printf '%s' "${text//"$dir"/'${CASE_DIR}'}"
}

placeholder_file() { # in out dir: the file's bytes with the case dir replaced, nothing else changed
    DIR=$3 perl -pe 's/\Q$ENV{DIR}\E/\$\{CASE_DIR\}/g' "$1" >"$2"
}

if [ $# -gt 0 ]; then
    cases=("$@")
else
    cases=()
    for d in */; do
        d=${d%/}
        [ -f "$d/compose.yaml" ] || [ -f "$d/files.txt" ] || continue
        cases+=("$d")
    done
fi

status=0
for c in "${cases[@]}"; do
    c=${c%/}
    dir="$here/$c"
    [ -d "$dir" ] || { echo "record.sh: no case $c" >&2; status=1; continue; }

    args=()
    if [ -f "$dir/files.txt" ]; then
        while IFS= read -r f; do args+=(-f "$f"); done < <(lines "$dir/files.txt")
    else
        args+=(-f compose.yaml)
    fi
    while IFS= read -r p; do args+=(--profile "$p"); done < <(lines "$dir/profiles.txt")
    envs=(PATH="$PATH" HOME="$HOME")
    while IFS= read -r kv; do envs+=("$kv"); done < <(lines "$dir/env.txt")

    set +e
    (cd "$dir" && env -i "${envs[@]}" docker compose "${args[@]}" config --format json >"$dir/.stdout.tmp" 2>"$dir/.stderr.tmp")
    rc=$?
    [ $rc -ne 0 ] || (cd "$dir" && env -i "${envs[@]}" docker compose "${args[@]}" config --format yaml >"$dir/.yaml.tmp" 2>/dev/null)
    set -e
    # logrus prefixes each line with a timestamp: drop it so re-recording is stable.
    err=$(sed -E 's/^time="[^"]*" //' "$dir/.stderr.tmp")
    rm -f "$dir/.stderr.tmp"

    rm -f "$dir/expected.json" "$dir/expected.yaml" "$dir/expected.warnings.txt" "$dir/expected.error.txt"
    if [ $rc -eq 0 ]; then
        placeholder_file "$dir/.stdout.tmp" "$dir/expected.json" "$dir"
        placeholder_file "$dir/.yaml.tmp" "$dir/expected.yaml" "$dir"
        if [ -n "$err" ]; then
            # Compose emits some warnings in map order: sort them to keep re-records stable.
            { placeholder "$err" "$dir"; printf '\n'; } | LC_ALL=C sort >"$dir/expected.warnings.txt"
        fi
        result="ok${err:+ (warnings)}"
    else
        placeholder "$err" "$dir" >"$dir/expected.error.txt"
        printf '\n' >>"$dir/expected.error.txt"
        result="error (exit $rc)"
    fi
    rm -f "$dir/.stdout.tmp" "$dir/.yaml.tmp"

    case "$c:$rc" in
        invalid-*:0) echo "record.sh: $c: expected compose to fail, it succeeded" >&2; status=1 ;;
        invalid-*:*) ;;
        *:0) ;;
        *) echo "record.sh: $c: compose failed: $err" >&2; status=1 ;;
    esac
    printf '%-28s %s\n' "$c" "$result"
done
exit $status
