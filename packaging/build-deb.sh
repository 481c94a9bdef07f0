#!/usr/bin/env bash
# Build the Debian package: artifacts/reconciler_<version>_amd64.deb
#
#   bash packaging/build-deb.sh
#
# A native (AOT) publish (no .NET runtime needed on the host) laid out as
#   /usr/lib/reconciler/…                 the published app (`reconciler` + libgit2, sqlite)
#   /usr/bin/reconciler                   -> ../lib/reconciler/reconciler
#   /etc/reconciler/config.yaml           conffile (packaging/config.yaml)
#   /lib/systemd/system/reconciler.service (systemd/reconciler.service)
#   /usr/share/reconciler/examples.git    a bare git repo holding examples/ (the packaged config's repo)
#   /usr/share/doc/reconciler/README.md   (README.md) and copyright (packaging/copyright)
# plus maintainer scripts from packaging/debian/. The version comes from <Version> in
# Directory.Build.props, the one place it lives. Needs: dotnet SDK, dpkg-deb, git.
#
# Environment:
#   OUT=artifacts             where the .deb goes
#   PUBLISH_DIR=…             package this publish output instead of publishing again
#                             (by default the publish goes to $OUT/publish/linux-x64 and stays)
#   SOURCE_DATE_EPOCH=…       timestamps in the package (default: the last commit's time)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-$ROOT/artifacts}"
ARCH=amd64
RID=linux-x64

VERSION="$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -n1)"
[ -n "$VERSION" ] || { echo "build-deb: no <Version> in Directory.Build.props" >&2; exit 1; }
# Debian orders 1.0~rc1 before 1.0; SemVer's 1.0-rc1 means the same.
DEB_VERSION="${VERSION//-/\~}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/reconciler-deb.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PKG="$WORK/pkg"

# 1. Publish: the native (AOT) build for linux-x64 (packaging/publish.sh; why native: the notes in
#    src/Reconciler/Reconciler.csproj). No .NET runtime is needed on the host.
if [ -z "${PUBLISH_DIR:-}" ]; then
    OUT="$OUT" bash packaging/publish.sh
    PUBLISH_DIR="$OUT/publish/$RID"
fi
[ -x "$PUBLISH_DIR/reconciler" ] || { echo "build-deb: $PUBLISH_DIR/reconciler missing" >&2; exit 1; }
"$PUBLISH_DIR/reconciler" --version >/dev/null

# 2. Lay out the package tree.
install -d -m 0755 "$PKG/DEBIAN" "$PKG/usr/lib/reconciler" "$PKG/usr/bin" "$PKG/etc/reconciler" \
    "$PKG/lib/systemd/system" "$PKG/usr/share/reconciler" "$PKG/usr/share/doc/reconciler"
cp -a "$PUBLISH_DIR/." "$PKG/usr/lib/reconciler/"
# Regular permissions whatever the build machine's umask: executables and shared objects 0755.
find "$PKG/usr/lib/reconciler" -type d -exec chmod 0755 {} +
find "$PKG/usr/lib/reconciler" -type f -exec chmod 0644 {} +
chmod 0755 "$PKG/usr/lib/reconciler/reconciler"
find "$PKG/usr/lib/reconciler" -type f \( -name '*.so' -o -name createdump \) -exec chmod 0755 {} +
ln -s ../lib/reconciler/reconciler "$PKG/usr/bin/reconciler"
install -m 0644 packaging/config.yaml "$PKG/etc/reconciler/config.yaml"
install -m 0644 systemd/reconciler.service "$PKG/lib/systemd/system/reconciler.service"
install -m 0644 README.md "$PKG/usr/share/doc/reconciler/README.md"
install -m 0644 packaging/copyright "$PKG/usr/share/doc/reconciler/copyright"

# The example repository: examples/ as one commit on branch main, in a bare repo (read-only,
# owned by root; postinst lists it as a git safe.directory for the daemon's user).
EX="$WORK/examples"
git init -q -b main "$EX"
cp -a examples/. "$EX/"
git -C "$EX" add -A
GIT_AUTHOR_DATE="@$SOURCE_DATE_EPOCH" GIT_COMMITTER_DATE="@$SOURCE_DATE_EPOCH" \
    git -C "$EX" -c user.name="Reconciler package" -c user.email="reconciler@localhost" \
    -c commit.gpgsign=false commit -q -m "Example stacks shipped with reconciler $VERSION"
git clone -q --bare --no-local "$EX" "$PKG/usr/share/reconciler/examples.git"
git -C "$PKG/usr/share/reconciler/examples.git" gc -q --prune=now
rm -rf "$PKG/usr/share/reconciler/examples.git/hooks" "$PKG/usr/share/reconciler/examples.git/logs" \
    "$PKG/usr/share/reconciler/examples.git/description" "$PKG/usr/share/reconciler/examples.git/info/exclude" \
    "$PKG/usr/share/reconciler/examples.git/FETCH_HEAD"
git -C "$PKG/usr/share/reconciler/examples.git" config --unset remote.origin.url || true
git -C "$PKG/usr/share/reconciler/examples.git" config --remove-section remote.origin 2>/dev/null || true
find "$PKG/usr/share/reconciler" -type d -exec chmod 0755 {} +
find "$PKG/usr/share/reconciler" -type f -exec chmod 0644 {} +

# 3. Control files.
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$PKG/DEBIAN/"
echo /etc/reconciler/config.yaml >"$PKG/DEBIAN/conffiles"
INSTALLED_KB="$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)"
cat >"$PKG/DEBIAN/control" <<EOF
Package: reconciler
Version: $DEB_VERSION
Architecture: $ARCH
Maintainer: Reconciler maintainers <maintainers@users.noreply.b-seed-ffcd81c4.example>
Installed-Size: $INSTALLED_KB
Depends: libc6 (>= 2.27), libssl3 | libssl3t64, ca-certificates, git, openssh-client, passwd
Recommends: docker.io | docker-ce, gpgv
Section: admin
Priority: optional
Description: pull-based GitOps daemon for Docker Compose hosts
 Reconciler polls git repositories and keeps the Docker Compose projects they
 describe running on this host: it reads compose files exactly as docker
 compose does, compares them with the containers the Docker Engine runs, and
 recreates only what changed, saying why.
 .
 The package runs it as the systemd service reconciler.service (user
 reconciler, group docker), configured in /etc/reconciler/config.yaml, with
 its state in /var/lib/reconciler. It is self-contained: no .NET runtime is
 needed.
EOF
# Reproducible timestamps.
find "$PKG" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# 4. Build.
mkdir -p "$OUT"
DEB="$OUT/reconciler_${DEB_VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >/dev/null
SIZE=$(stat -c %s "$DEB")
echo "build-deb: $DEB ($((SIZE / 1024 / 1024)) MB, $SIZE bytes; installed $((INSTALLED_KB / 1024)) MB)"
LIMIT=$((80 * 1024 * 1024))
if [ "$SIZE" -ge "$LIMIT" ]; then
    echo "build-deb: the package is over 80 MB" >&2
    exit 1
fi
