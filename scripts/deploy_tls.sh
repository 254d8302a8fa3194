#!/usr/bin/env bash
# A self-signed TLS certificate for nginx in compose.yaml, for local use only: browsers warn about
# it. In production put the hospital's certificate and key there instead (or point
# PRESCREEN_TLS_CERTIFICATE / PRESCREEN_TLS_KEY at them). Never overwrites.
#   scripts/deploy_tls.sh [HOSTNAME]      # default: localhost
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-localhost}
dir=deploy/tls
[ -s "$dir/prescreen.crt" ] && [ -s "$dir/prescreen.key" ] && { echo "$dir/prescreen.crt exists: left as it is."; exit 0; }
mkdir -p "$dir" && chmod 700 "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/prescreen.key" -out "$dir/prescreen.crt" 2>/dev/null
chmod 644 "$dir/prescreen.crt"
echo "Created $dir/prescreen.crt and prescreen.key (self-signed for $host, local use only)."
