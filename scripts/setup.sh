#!/usr/bin/env bash
# Create the two virtual environments and install their pinned dependencies; re-run only when they change:
#   .venv      Python 3.10: Rasa and the action server (requirements.txt + constraints.txt)
#   .venv-web  Python 3.12: chat page, coordinator app, notifier, CLI (requirements-web.txt, no Rasa)
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  local candidate
  for candidate in "${PYTHON310:-}" python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv prefix 3.10 2>/dev/null | tail -n 1)/bin/python" /usr/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
      candidate="$(pyenv prefix "$version")/bin/python"
      if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then
        echo "$candidate"; return 0
      fi
    done
  fi
  return 1
}

# The maintained Python of the web side: 3.12 (PYTHON312 picks one explicitly).
WEB_PYTHON_VERSION=3.12
WEB_PYTHON_INSTALL=3.12.1

find_python312() {
  local candidate version
  for candidate in "${PYTHON312:-}" python$WEB_PYTHON_VERSION "$(command -v pyenv >/dev/null 2>&1 && pyenv prefix $WEB_PYTHON_VERSION 2>/dev/null | tail -n 1)/bin/python" /usr/bin/python$WEB_PYTHON_VERSION; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.|$)' | sort -rV); do
      candidate="$(pyenv prefix "$version")/bin/python"
      if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then
        echo "$candidate"; return 0
      fi
    done
  fi
  return 1
}

setup_web_venv() {
  local stamp=.venv-web/.installed want python
  want=$(cat requirements-web.txt pyproject.toml | sha256sum | cut -c1-16)
  if [ -x .venv-web/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  if [ ! -x .venv-web/bin/python ]; then
    if ! find_python312 >/dev/null && command -v pyenv >/dev/null 2>&1; then
      echo "No Python $WEB_PYTHON_VERSION found: installing $WEB_PYTHON_INSTALL with pyenv (a few minutes, once)..."
      pyenv install --skip-existing "$WEB_PYTHON_INSTALL" || true
    fi
    if ! python=$(find_python312); then
      echo "The chat page, coordinator app and notifier run on Python $WEB_PYTHON_VERSION (a maintained Python)." >&2
      echo "Install it, for example with 'pyenv install $WEB_PYTHON_INSTALL' or your system's python$WEB_PYTHON_VERSION package," >&2
      echo "or point PYTHON312 at an interpreter: make run PYTHON312=/path/to/python$WEB_PYTHON_VERSION" >&2
      exit 1
    fi
    echo "Creating .venv-web with $python"
    "$python" -m venv .venv-web
  fi
  echo "Installing the web side's dependencies into .venv-web..."
  .venv-web/bin/python -m pip install --quiet --upgrade 'pip==24.0'
  .venv-web/bin/python -m pip install --quiet -r requirements-web.txt
  .venv-web/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
  .venv-web/bin/python -m pip check
  echo "$want" > "$stamp"
}

stamp=.venv/.installed
want=$(cat requirements.txt constraints.txt pyproject.toml | sha256sum | cut -c1-16)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  setup_web_venv
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  if ! find_python310 >/dev/null && command -v pyenv >/dev/null 2>&1; then
    echo "No Python 3.10 found: installing 3.10.13 with pyenv (a few minutes, once)..."
    pyenv install --skip-existing 3.10.13 || true
  fi
  if ! python=$(find_python310); then
    echo "Prescreen needs Python 3.10 (Rasa 3.6 does not run on newer versions)." >&2
    echo "Install it, for example with 'pyenv install 3.10.13' or your system's python3.10 package," >&2
    echo "or point PYTHON310 at an interpreter: make run PYTHON310=/path/to/python3.10" >&2
    exit 1
  fi
  echo "Creating .venv with $python"
  "$python" -m venv .venv
fi
echo "Installing dependencies (a few minutes the first time)..."
.venv/bin/python -m pip install --quiet --upgrade 'pip==24.0'
.venv/bin/python -m pip install --quiet -r requirements.txt -c constraints.txt
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
.venv/bin/python -m pip check
echo "$want" > "$stamp"
setup_web_venv
