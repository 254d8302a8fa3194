#!/usr/bin/env bash
# Dependency audit with pip-audit, in its own venv: pip-audit needs a newer `packaging` than Rasa 3.6 allows.
# Both environments: .venv (Rasa, actions) and .venv-web (the public web apps, notifier, CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
tools=build/audit-venv
if [ ! -x "$tools/bin/pip-audit" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet 'pip-audit==2.10.1' 2>&1 | { grep -v "WARNING: Location" || true; }
fi
mkdir -p results
status=0
for venv in .venv .venv-web; do
  site=$(echo "$venv"/lib/python3.*/site-packages)
  [ -d "$site" ] || { echo "$venv is missing: run \`make install\`"; exit 1; }
  report="results/audit${venv#.venv}.json"  # results/audit.json, results/audit-web.json
  rm -f "$report"
  "$tools/bin/pip-audit" --path "$site" --progress-spinner off \
    --format json --output "$report" >/dev/null 2>&1 || true
  [ -s "$report" ] || { echo "pip-audit produced no report for $venv"; exit 1; }
  printf '%s: ' "$venv"
  .venv/bin/python scripts/audit_report.py "$report" tests/security/accepted_vulnerabilities.yml || status=1
done
exit "$status"
