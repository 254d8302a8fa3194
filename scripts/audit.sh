#!/usr/bin/env bash
# Dependency audit with pip-audit, in its own venv: pip-audit needs a newer `packaging` than Rasa 3.6 allows.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=build/audit-venv
if [ ! -x "$tools/bin/pip-audit" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet 'pip-audit==2.10.1' 2>&1 | { grep -v "WARNING: Location" || true; }
fi
mkdir -p results
"$tools/bin/pip-audit" --path .venv/lib/python3.10/site-packages --progress-spinner off \
  --format json --output results/audit.json >/dev/null 2>&1 || true
[ -s results/audit.json ] || { echo "pip-audit produced no report"; exit 1; }
.venv/bin/python scripts/audit_report.py results/audit.json tests/security/accepted_vulnerabilities.yml
