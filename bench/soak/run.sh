#!/usr/bin/env bash
# Soak test of the daemon under faults: random commits, SIGKILLs and docker stops, then a check
# that the host converged to the last good commit. See bench/soak/README.md.
#
#   bash bench/soak/run.sh                       # 200 commits, seed 1
#   bash bench/soak/run.sh --commits 50 --seed 7 # shorter
#   bash bench/soak/run.sh --kill-rate 0.3 --stop-rate 0.3 --keep
#
# Needs the engine, images and registry of tests/setup/engine.sh. Exit 0 when the end state is right.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
docker info >/dev/null 2>&1 || { echo "docker info fails: run bash tests/setup/engine.sh first" >&2; exit 1; }
dotnet build "$ROOT/bench/soak/Soak.csproj" -c Release -o "$ROOT/bench/soak/bin/Release/net10.0" >/dev/null \
    || dotnet build "$ROOT/bench/soak/Soak.csproj" -c Release -o "$ROOT/bench/soak/bin/Release/net10.0"
exec dotnet "$ROOT/bench/soak/bin/Release/net10.0/soak.dll" "$@"
