"""Run several audb-python operations in one process (audb imports are slow).

Usage:
    batch.py OPS.json [OUT.json]

``OPS.json`` is a list of operations; prints a JSON list with one result per
operation (``{"ok": ..., "result": ...}`` or ``{"ok": false, "error": ...}``,
so one failing operation does not hide the others), to OUT.json if given
(stray prints of audb then cannot spoil it). Operations:

* ``{"op": "publish", "build_root", "repo_host", "name"?, "repo"?, "steps"?}``
  -> ``publish_db.publish_steps``.
* ``{"op": "load", "repos": [HOST | NAME@HOST], "name", "cache_root",
  "version"?, "sampling_rate"?, "bit_depth"?, "channels"?, "mixdown"?,
  "format"?, "only_metadata"?, "tables"?, "media"?, "tables_json"?}``
  -> ``load_db.load_json``.
* ``{"op": "load_to_publish", "repos", "name", "work_dir", "version",
  "new_version", "cache_root"?, "add_media"?, "change"?, "add_table"?}``
  -> ``load_to_and_publish.load_to_and_publish``.
* ``{"op": "load_to", "repos", "name", "root", "version", "cache_root",
  "only_metadata"?}``: ``audb.load_to``; returns the files in ``root``.
* ``{"op": "publish_root", "repos", "root", "version", "previous_version"?,
  "cache_root"}``: ``audb.publish`` of a folder to the first repository.
* ``{"op": "dependencies", "repos", "name", "version", "cache_root"}``.
* ``{"op": "read_db", "root"}``: ``audformat.Database.load`` of a copy of
  ``root`` (so audformat's pickles do not land in it): schemes and tables as
  JSON, like ``load``.
* ``{"op": "compare_audio", "pairs": [[REFERENCE, OTHER], ...]}``: per pair
  the sampling rate, channels, frames and bit depth of both files, the
  largest difference in LSB of the reference's bit depth, and the energy of
  the difference relative to the reference in dB.
* ``{"op": "versions", "repos", "name"}``: ``audb.versions``.
* ``{"op": "stream", "repos", "name", "table", "version", "batch_size",
  "cache_root", "only_metadata"?, "sampling_rate"?, "format"?}``: the batches
  of ``audb.stream`` (relative paths) and the cache folder's files after each.
* ``{"op": "list_files", "root"}``: relative path -> md5.
* ``{"op": "cached", "cache_root", "name"}``: ``audb.cached`` as a list of
  ``{name, version, flavor_id, complete}``.
"""

import json
import math
import os
import shutil
import sys
import tempfile
import traceback

import numpy as np
import soundfile

import audb
import audformat

import _common
import load_db
import load_to_and_publish
import publish_db


def op_publish(o):
    return publish_db.publish_steps(
        o["build_root"],
        o["repo_host"],
        name=o.get("name", "interop"),
        repo_name=o.get("repo", "repo"),
        steps=o.get("steps", ["v1", "v2", "remove"]),
        cache_root=o.get("cache_root"),
    )


def op_load(o):
    _common.use_repositories(_common.parse_repos(o["repos"]))
    return load_db.load_json(
        o["name"],
        cache_root=o["cache_root"],
        version=o.get("version"),
        only_metadata=o.get("only_metadata", False),
        sampling_rate=o.get("sampling_rate"),
        bit_depth=o.get("bit_depth"),
        channels=o.get("channels"),
        mixdown=o.get("mixdown", False),
        format=o.get("format"),
        tables=o.get("tables"),
        media=o.get("media"),
        tables_json=o.get("tables_json", True),
    )


def op_load_to_publish(o):
    return load_to_and_publish.load_to_and_publish(
        o["name"],
        o["work_dir"],
        repo=o["repos"],
        version=o["version"],
        new_version=o["new_version"],
        cache_root=o.get("cache_root"),
        change_file=o.get("change"),
        add_media=o.get("add_media"),
        add_table=o.get("add_table", "added"),
    )


def op_load_to(o):
    _common.use_repositories(_common.parse_repos(o["repos"]))
    audb.load_to(
        o["root"],
        o["name"],
        version=o["version"],
        only_metadata=o.get("only_metadata", False),
        cache_root=o["cache_root"],
        verbose=False,
    )
    return _common.list_files(o["root"])


def op_publish_root(o):
    repos = _common.parse_repos(o["repos"])
    _common.use_repositories(repos)
    deps = audb.publish(
        o["root"],
        o["version"],
        repos[0],
        previous_version=o.get("previous_version"),
        cache_root=o["cache_root"],
        verbose=False,
    )
    return _common.deps_to_json(deps)


def op_dependencies(o):
    _common.use_repositories(_common.parse_repos(o["repos"]))
    return _common.deps_to_json(
        audb.dependencies(o["name"], version=o["version"], cache_root=o["cache_root"])
    )


def op_read_db(o):
    tmp = tempfile.mkdtemp()
    try:
        root = os.path.join(tmp, "db")
        shutil.copytree(o["root"], root)
        for f in os.listdir(root):
            if f.endswith(".pkl"):
                os.remove(os.path.join(root, f))
        db = audformat.Database.load(root, load_data=True)
        return {
            "schemes": {
                sid: {"dtype": s.dtype, "labels": s.labels} for sid, s in db.schemes.items()
            },
            "tables": {tid: _common.df_to_json(db[tid].df) for tid in db.tables},
            "misc_tables": {tid: _common.df_to_json(db[tid].df) for tid in db.misc_tables},
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


BITS = {"PCM_U8": 8, "PCM_S8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32}


def info(path):
    i = soundfile.info(path)
    return {
        "sampling_rate": i.samplerate,
        "channels": i.channels,
        "frames": i.frames,
        "bit_depth": BITS.get(i.subtype, 0),
        "format": i.format,
    }


def op_compare_audio(o):
    out = []
    for ref, other in o["pairs"]:
        a, _ = soundfile.read(ref, dtype="float64", always_2d=True)
        b, _ = soundfile.read(other, dtype="float64", always_2d=True)
        r = {"reference": info(ref), "other": info(other)}
        if a.shape == b.shape:
            d = a - b
            bits = r["reference"]["bit_depth"] or 16
            r["max_lsb"] = float(np.max(np.abs(d)) * 2 ** (bits - 1)) if d.size else 0.0
            energy = float(np.sum(a * a))
            diff = float(np.sum(d * d))
            r["diff_db"] = (
                -math.inf if diff == 0 else 10 * math.log10(diff / energy) if energy > 0 else math.inf
            )
            if r["diff_db"] == -math.inf:
                r["diff_db"] = -1000.0
        out.append(r)
    return out


def op_stream(o):
    """``audb.stream`` of one table: each batch as JSON (``df_to_json``), with the
    cache folder's files (relative path -> md5) after each batch."""
    _common.use_repositories(_common.parse_repos(o["repos"]))
    db = audb.stream(
        o["name"],
        o["table"],
        version=o["version"],
        batch_size=o["batch_size"],
        only_metadata=o.get("only_metadata", False),
        sampling_rate=o.get("sampling_rate"),
        format=o.get("format"),
        full_path=False,
        cache_root=o["cache_root"],
        verbose=False,
    )
    root = db.root  # the iterator is the database (audb >= 1.8)
    batches = []
    for df in db:
        batches.append({"frame": _common.df_to_json(df), "files": _common.list_files(root)})
    return {"root": root, "batches": batches}


def op_versions(o):
    _common.use_repositories(_common.parse_repos(o["repos"]))
    return audb.versions(o["name"])


def op_list_files(o):
    return _common.list_files(o["root"])


def op_cached(o):
    df = audb.cached(cache_root=o["cache_root"], name=o["name"])
    return [
        {
            "name": row["name"],
            "version": row["version"],
            "flavor_id": row["flavor_id"],
            "complete": bool(row["complete"]),
        }
        for _, row in df.iterrows()
    ]


OPS = {
    "publish": op_publish,
    "load": op_load,
    "stream": op_stream,
    "load_to_publish": op_load_to_publish,
    "read_db": op_read_db,
    "load_to": op_load_to,
    "publish_root": op_publish_root,
    "dependencies": op_dependencies,
    "compare_audio": op_compare_audio,
    "versions": op_versions,
    "list_files": op_list_files,
    "cached": op_cached,
}


def main():
    with open(sys.argv[1]) as fp:
        ops = json.load(fp)
    results = []
    for o in ops:
        try:
            results.append({"ok": True, "result": OPS[o["op"]](o)})
        except Exception as e:  # noqa: BLE001 - reported to the caller
            results.append(
                {
                    "ok": False,
                    "error": f"{type(e).__name__}: {e}",
                    "traceback": traceback.format_exc(),
                }
            )
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as fp:
            json.dump(results, fp, default=str)
    else:
        _common.emit(results)


if __name__ == "__main__":
    main()
