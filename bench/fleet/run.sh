#!/usr/bin/env bash
# Fleet scale (issue 16): N agents against one git server over http and ssh, plus a 1,000-agent simulation.
#   bash bench/fleet/run.sh                       # N = 10, 100; http and ssh; 5 s interval; 30 s window
#   bash bench/fleet/run.sh --agents 10 --transport http --interval 2s
# Needs git, git http-backend (package git) and sshd (openssh-server); nothing else, no Docker.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build -c Release -v q -nologo Fleet.Bench.csproj >/dev/null
exec dotnet bin/Release/net10.0/fleet-bench.dll "$@"
