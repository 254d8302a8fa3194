#!/usr/bin/env bash
# Local stand-ins for the base images the Containerfile and compose.yaml name, for `make test-deploy`
# on machines that cannot reach a public image registry: a Debian bookworm root made with
# debootstrap from the Debian mirror, plus this machine's CPython builds (pyenv) for the python
# images, plus Debian's packages for postgres, redis and nginx; each tagged with the official name.
# Skips every image that already exists; the bookworm root is cached under build/deploy/
# (PRESCREEN_DEPLOY_CACHE).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${PRESCREEN_DEPLOY_CACHE:-build/deploy}  # the Debian root, kept between runs
mkdir -p "$cache"
standins=tests/deploy/standins
mirror=${DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}

has_image() { podman image exists "$1"; }
timed() { local start=$SECONDS; "$@"; echo "  ($((SECONDS - start)) s)" >&2; }

if ! has_image localhost/prescreen-standin/debian:bookworm; then
  if [ ! -s "$cache/bookworm-rootfs.tar" ]; then
    echo "debootstrap: Debian bookworm (minbase) from $mirror"
    rm -rf "$cache/bookworm-rootfs"
    timed debootstrap --variant=minbase bookworm "$cache/bookworm-rootfs" "$mirror" >"$cache/debootstrap.log"
    rm -rf "$cache/bookworm-rootfs"/var/cache/apt/archives/*.deb "$cache/bookworm-rootfs"/var/lib/apt/lists/*_Packages
    tar -C "$cache/bookworm-rootfs" -cf "$cache/bookworm-rootfs.tar.tmp" . && mv "$cache/bookworm-rootfs.tar.tmp" "$cache/bookworm-rootfs.tar"
    rm -rf "$cache/bookworm-rootfs"
  fi
  podman import --quiet "$cache/bookworm-rootfs.tar" localhost/prescreen-standin/debian:bookworm >/dev/null
  podman tag localhost/prescreen-standin/debian:bookworm docker.io/library/debian:bookworm-slim
fi

pyenv_root=${PYENV_ROOT:-/root/.pyenv}
for minor in 3.10 3.12; do
  name=docker.io/library/python:$minor-slim-bookworm
  has_image "$name" && continue
  # The newest build of that minor version pyenv has (the CI machines have 3.10.13 and 3.12.1).
  src=$(ls -d "$pyenv_root"/versions/"$minor".* 2>/dev/null | sort -V | tail -n 1)
  [ -n "$src" ] && [ -x "$src/bin/python$minor" ] || { echo "No CPython $minor under $pyenv_root (pyenv install $minor)" >&2; exit 1; }
  version=${src##*/}
  echo "stand-in $name from $src"
  ctx=$(mktemp -d "$cache/python-ctx.XXXXXX")
  mkdir "$ctx/python"
  # The interpreter and its standard library, without tests, IDLE, Tk, installed packages and
  # scripts whose #! names the pyenv path (ensurepip in the image makes pip anew).
  tar -C "$src" -c --exclude="lib/python$minor/test" --exclude="lib/python$minor/idlelib" \
      --exclude="lib/python$minor/tkinter" --exclude="lib/python$minor/turtledemo" --exclude='_tkinter*' \
      --exclude="lib/python$minor/site-packages/*" --exclude='__pycache__' \
      --exclude='bin/pip*' --exclude='bin/idle*' --exclude='bin/pydoc*' --exclude='bin/2to3*' \
      --exclude='bin/*-config' --exclude='bin/*gdb.py' bin include lib | tar -C "$ctx/python" -x
  cp "$standins/python.Containerfile" "$ctx/Containerfile"
  mkdir "$ctx/local-ca"
  cp /usr/local/share/ca-certificates/*.crt "$ctx/local-ca/" 2>/dev/null || true
  timed podman build --quiet --network host --build-arg PYTHON_VERSION="$version" -t "$name" "$ctx" >/dev/null
  rm -rf "$ctx"
done

for spec in postgres:15-bookworm redis:7-bookworm nginx:stable-bookworm; do
  name=docker.io/library/$spec
  has_image "$name" && continue
  echo "stand-in $name"
  timed podman build --quiet --network host -f "$standins/${spec%%:*}.Containerfile" -t "$name" "$standins" >/dev/null
done
