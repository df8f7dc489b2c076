#!/usr/bin/env bash
# Create the audb-python virtualenv used by the interop tests.
#
#   test/interop/setup.sh            -> prints the venv's python path on stdout (last line)
#
# Venv: <project>/.cache/audb-venv (override with AUDB_VENV). Idempotent: a stamp file
# holding the sha256 of requirements.txt (+ python version) makes re-runs instant.
# Fails (non-zero) if python3 >= 3.9, the venv or audb cannot be installed, or if the
# binaries audb needs to publish non-audio media (sox, mediainfo) are missing
# (set AUDB_INTEROP_NO_BINARIES=1 to only warn).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/../.." && pwd)"
venv="${AUDB_VENV:-$project/.cache/audb-venv}"
req="$here/requirements.txt"
stamp="$venv/.audb-interop-stamp"
python="${PYTHON:-python3}"

die() { echo "interop setup: $*" >&2; exit 1; }

command -v "$python" >/dev/null 2>&1 || die "$python not found (need Python >= 3.9 with venv + pip)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || die "$("$python" --version 2>&1) is too old (need >= 3.9)"

for bin in sox soxi mediainfo; do
  if ! command -v "$bin" >/dev/null 2>&1; then
    msg="'$bin' not found: audb needs sox + mediainfo to publish non-audio media (apt-get install -y sox mediainfo)"
    if [ "${AUDB_INTEROP_NO_BINARIES:-}" = "1" ]; then echo "interop setup: warning: $msg" >&2; else die "$msg"; fi
  fi
done

want="$( { cat "$req"; "$python" --version 2>&1; } | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv/bin/python"
  exit 0
fi

mkdir -p "$(dirname "$venv")"
# serialise concurrent runs (vitest forks); re-check the stamp once we hold the lock
exec 9>"$venv.lock"
flock 9
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv/bin/python"
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv" >&2 || die "python3 -m venv $venv failed (Debian: apt-get install python3-venv)"
fi
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >&2 \
  || die "pip install -r $req failed"
"$venv/bin/python" -c 'import audb, audformat, audiofile, audresample, soundfile; print("audb", audb.__version__)' >&2 \
  || die "audb does not import in $venv"
echo "$want" > "$stamp"
echo "$venv/bin/python"
