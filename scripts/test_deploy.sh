#!/usr/bin/env bash
# `make test-deploy`: build the images from the Containerfile and test compose.yaml on this machine
# (README "Deploying"). Podman from Debian's packages, configured by tests/deploy/containers.conf;
# the official base images are replaced by local stand-ins of the same names
# (scripts/deploy_standins.sh) because public image registries cannot be reached here. Prints the
# time of each step, the image sizes and the stack's start-up time.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=$PWD/tests/deploy/containers.conf
export PRESCREEN_TEST_DEPLOY=1
for tool in podman runc debootstrap openssl; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "make test-deploy needs $tool (apt-get install podman runc debootstrap)" >&2; exit 1; }
done
.venv/bin/python -c 'import podman_compose' 2>/dev/null || { echo "make test-deploy needs podman-compose (make install)" >&2; exit 1; }

step() { local name=$1; shift; local start=$SECONDS; "$@"; echo "deploy timing: $name: $((SECONDS - start)) s"; }
step "base-image stand-ins" scripts/deploy_standins.sh
# --pull=never: the stand-ins are the bases; --network host: pip reaches the package registry.
step "images (assistant and web)" scripts/build_images.sh --pull=never --network host
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(localhost/)?prescreen-(assistant|web):latest ' \
  | sed 's/^/image size: /'
step "compose stack tests" .venv/bin/python -m pytest tests/deploy -m deploy -p no:cacheprovider -q -s -ra
# No `podman image prune` here: the untagged intermediate layers are the build cache that lets the
# next run skip the package installs and, when its inputs are unchanged, the training.
