#!/usr/bin/env bash
# Regenerate test/interop/reference/ with audb-python (see reference/README.md).
# Bytes of zips/parquets change on every run (timestamps); checksums of the media and CSV
# tables, archive names and flavor ids do not.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$("$here/setup.sh" | tail -n 1)"
ref="$here/reference"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export PYTHONDONTWRITEBYTECODE=1 AUDB_CACHE_ROOT="$tmp/cache" AUDB_SHARED_CACHE_ROOT="$tmp/shared"

rm -rf "$ref/repo"
mkdir -p "$ref"
# 1.0.0 + 2.0.0 + remove_media("wav/d.wav")
"$py" "$here/publish_db.py" "$tmp/build" "$tmp/host" --name interop > "$tmp/publish.json"
cp -r "$tmp/host/repo" "$ref/repo"
# db root of 1.0.0 as audb-python built it (input of publish), tables in both formats
mkdir -p "$ref/db-1.0.0"
(cd "$tmp/build/v1" && cp --parents db.yaml db.files.csv db.speakers.csv db.segments.parquet db.extra.parquet "$ref/db-1.0.0/")

# loads: default flavour and a converting flavour (absolute paths replaced by <cache>)
"$py" "$here/load_db.py" interop --repo "$tmp/host" --cache-root "$tmp/c" --version 1.0.0 > "$tmp/l1.json"
"$py" "$here/load_db.py" interop --repo "$tmp/host" --cache-root "$tmp/c" --version 2.0.0 \
  --format flac --sampling-rate 16000 --channels 0,-1 --mixdown --bit-depth 24 > "$tmp/l2.json"
# cached flavour folder db.yaml (with the audb meta) for the default flavour
cp "$tmp/c/interop/1.0.0/d3b62a9b/db.yaml" "$ref/cache-1.0.0-d3b62a9b-db.yaml"
sed -i "s#$tmp/c#<cache>#g" "$ref/cache-1.0.0-d3b62a9b-db.yaml"

# dependency table of 2.0.0 written as CSV by audb's own Dependencies.save
"$py" - "$tmp/host/repo/interop/2.0.0/db.parquet" "$ref/deps-2.0.0.csv" <<'PY'
import sys, audb
d = audb.Dependencies(); d.load(sys.argv[1]); d.save(sys.argv[2])
PY

"$py" - "$tmp" "$ref" <<'PY'
import json, sys
tmp, ref = sys.argv[1], sys.argv[2]
def fix(path, out):
    text = open(path).read().replace(tmp + "/c", "<cache>").replace(tmp, "<tmp>")
    json.dump(json.loads(text), open(out, "w"), indent=1)
    open(out, "a").write("\n")
fix(tmp + "/publish.json", ref + "/publish.json")
fix(tmp + "/l1.json", ref + "/load-1.0.0-default.json")
fix(tmp + "/l2.json", ref + "/load-2.0.0-flac-16k-24bit-mix.json")
PY
"$py" "$here/flavor_ids.py" > "$ref/flavor-ids.json"
du -sh "$ref"
