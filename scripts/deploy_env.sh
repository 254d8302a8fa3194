#!/usr/bin/env bash
# deploy/prescreen.env for compose.yaml, from deploy/prescreen.env.example with fresh passwords and
# keys. Never overwrites an existing file. `scripts/deploy_env.sh PATH` writes PATH instead.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-deploy/prescreen.env}
[ -e "$target" ] && { echo "$target exists: left as it is."; exit 0; }
secret() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }
fernet_key() { python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'; }
postgres=$(secret) redis=$(secret)
umask 077
sed -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$postgres|" \
    -e "s|^REDIS_PASSWORD=.*|REDIS_PASSWORD=$redis|" \
    -e "s|^PRESCREEN_DATA_KEY=.*|PRESCREEN_DATA_KEY=$(fernet_key)|" \
    -e "s|^COORDINATOR_SECRET_KEY=.*|COORDINATOR_SECRET_KEY=$(secret)|" \
    -e "s|\${POSTGRES_PASSWORD}|$postgres|g" -e "s|\${REDIS_PASSWORD}|$redis|g" \
    deploy/prescreen.env.example > "$target"
echo "Created $target (mode 600). Keep a copy of PRESCREEN_DATA_KEY apart from the backups."
