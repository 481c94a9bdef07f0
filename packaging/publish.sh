#!/usr/bin/env bash
# Publish the shipped binary: a native (AOT) build of src/Reconciler for linux-x64.
#
#   bash packaging/publish.sh            # -> artifacts/publish/linux-x64/reconciler
#
# Used by packaging/build-deb.sh and the benchmarks (bench/converge.sh, bench/daemon/run.sh,
# bench/startup/run.sh), so what is measured is what is installed. The native build needs the
# .NET SDK, the ILCompiler package from NuGet (restored on first use) and a C toolchain to link
# (gcc or clang, plus zlib1g-dev); it takes 1-3 minutes on 2 cores.
#
# Environment:
#   OUT=artifacts    output root: $OUT/publish/linux-x64 (the app), $OUT/symbols/linux-x64 (debug
#                    symbols kept out of the package), $OUT/build (intermediate files, separate
#                    from `dotnet build`'s so a publish never races with a test run in this checkout)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/artifacts}"
RID=linux-x64
PUBLISH_DIR="$OUT/publish/$RID"
SYMBOLS_DIR="$OUT/symbols/$RID"

if ! command -v cc >/dev/null 2>&1 && ! command -v clang >/dev/null 2>&1; then
    echo "publish: no C compiler to link the native build: apt-get install -y gcc zlib1g-dev" >&2
    exit 1
fi

rm -rf "$PUBLISH_DIR" "$SYMBOLS_DIR"
echo "publish: dotnet publish ($RID, native AOT)" >&2
dotnet publish src/Reconciler/Reconciler.csproj -c Release -r "$RID" \
    --artifacts-path "$OUT/build" -o "$PUBLISH_DIR" -nologo -v quiet
# Debug symbols (reconciler.dbg, the libraries' .pdb files) are for crash analysis, not for hosts.
mkdir -p "$SYMBOLS_DIR"
find "$PUBLISH_DIR" -maxdepth 1 \( -name '*.dbg' -o -name '*.pdb' \) -exec mv -t "$SYMBOLS_DIR" {} +
[ -x "$PUBLISH_DIR/reconciler" ] || { echo "publish: $PUBLISH_DIR/reconciler missing" >&2; exit 1; }
"$PUBLISH_DIR/reconciler" --version >/dev/null
echo "publish: $PUBLISH_DIR ($(du -sh "$PUBLISH_DIR" | cut -f1))" >&2
