#!/usr/bin/env bash
# Create .env from .env.example with fresh secret keys, once. Never overwrites an existing .env.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .env ] && exit 0
data_key=$(.venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
secret=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')
sed -e "s|^PRESCREEN_DATA_KEY=.*|PRESCREEN_DATA_KEY=$data_key|" \
    -e "s|^COORDINATOR_SECRET_KEY=.*|COORDINATOR_SECRET_KEY=$secret|" .env.example > .env
chmod 600 .env
echo "Created .env with new keys. Back up PRESCREEN_DATA_KEY: without it, stored contact details cannot be read."
