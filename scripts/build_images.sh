#!/usr/bin/env bash
# Build the two images from the Containerfile, labelled with the project's and the criteria's
# versions: prescreen-assistant:VERSION and prescreen-web:VERSION (and :latest).
#   scripts/build_images.sh                   # with podman (or CONTAINER_ENGINE=docker)
#   scripts/build_images.sh --network host    # extra options go to every build
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${CONTAINER_ENGINE:-podman}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
criteria=$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' bot/trial/nct05240950.yml | head -n 1)
[ -n "$version" ] && [ -n "$criteria" ] || { echo "cannot read the versions" >&2; exit 1; }
for target in assistant web; do
  start=$SECONDS
  echo "Building prescreen-$target:$version (criteria $criteria)..."
  "$engine" build "$@" -f Containerfile --target "$target" \
    --build-arg PRESCREEN_VERSION="$version" --build-arg CRITERIA_VERSION="$criteria" \
    -t "prescreen-$target:$version" -t "prescreen-$target:latest" .
  echo "prescreen-$target:$version built in $((SECONDS - start)) s"
done
