#!/usr/bin/env bash
# Installs moto's S3 server into .cache/moto-venv (idempotent: a stamp file records
# the installed spec). Exits non-zero when the install fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.cache/moto-venv
spec='moto[server]>=5,<6'
stamp="$venv/.installed"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$spec" ]] && "$venv/bin/python" -c 'import moto.server' 2>/dev/null; then
  exit 0
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "setup.sh: $python not found" >&2; exit 1; }
mkdir -p .cache
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
"$venv/bin/python" -c 'import moto.server'
echo "$spec" > "$stamp"
