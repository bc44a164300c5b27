#!/bin/sh
# Builds the Debian package from the working tree:  packaging/build-deb.sh [OUTDIR]
# (what `make deb` runs). The sources (tracked and new files, not what .gitignore
# excludes) are copied to OUTDIR/sshd-health with packaging/debian as its debian/, so
# no debian/ directory ever appears at the top of the tree; the .deb lands in OUTDIR
# (default build-deb/).
#
# Fast on purpose: no tests (they run in `make test`), no -dbgsym package (set
# DEB_BUILD_OPTIONS to override both), ccache shared with the
# development build's cache, a fixed staging path so ccache hits from one package
# build to the next.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build-deb}
case "$out" in /*) ;; *) out="$top/$out" ;; esac
stage="$out/sshd-health"

mkdir -p "$out"
rm -rf "$stage"
mkdir -p "$stage"
rm -f "$out"/sshd-health_*.deb "$out"/sshd-health-dbgsym_*.deb "$out"/sshd-health_*.changes \
  "$out"/sshd-health_*.buildinfo

# Copy the sources. In a git checkout, what git would commit; otherwise (a tarball)
# everything but build trees.
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | grep -zv '^debian/' |
    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
    tar --null -T - -cf - | tar -xf - -C "$stage"
else
  tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$stage"
fi
cp -r "$top/packaging/debian" "$stage/debian"

# debhelper (compat 13) points HOME at a scratch directory, which would give ccache an
# empty cache each time: name the real one.
if command -v ccache >/dev/null 2>&1; then
  CCACHE_DIR=${CCACHE_DIR:-$(ccache --get-config cache_dir)}
  # dh builds with absolute source paths; relative to the staging tree they match
  # from one package build to the next wherever OUTDIR is.
  CCACHE_BASEDIR=$stage
  export CCACHE_DIR CCACHE_BASEDIR
fi

cd "$stage"
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck noddebs parallel=${JOBS:-2}}"
start=$(date +%s)
dpkg-buildpackage -b -us -uc
echo "build-deb: built in $(($(date +%s) - start)) s:" >&2
ls -1 "$out"/*.deb >&2
