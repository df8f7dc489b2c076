"""Shared helpers for the interop scripts (run inside the audb venv)."""

import hashlib
import json
import os
import sys

import numpy as np

import audb
import audiofile


def repository(repo_root: str, name: str = "repo") -> audb.Repository:
    r"""File-system repository stored at ``<repo_root>/<name>``."""
    return audb.Repository(name=name, host=repo_root, backend="file-system")


def use_repositories(repos: list) -> None:
    audb.config.REPOSITORIES = repos


def parse_repos(specs: list) -> list:
    r"""Parse ``host`` or ``name@host`` (file-system backend)."""
    repos = []
    for spec in specs:
        if "@" in spec:
            name, host = spec.split("@", 1)
        else:
            name, host = "repo", spec
        repos.append(repository(host, name))
    return repos


def write_wav(
    path: str,
    *,
    sampling_rate: int = 8000,
    channels: int = 1,
    duration: float = 0.1,
    bit_depth: int = 16,
    freq: float = 440.0,
) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    n = int(round(sampling_rate * duration))
    t = np.arange(n) / sampling_rate
    sig = np.stack(
        [0.5 * np.sin(2 * np.pi * freq * (c + 1) * t) for c in range(channels)]
    ).astype(np.float32)
    audiofile.write(path, sig, sampling_rate, bit_depth=bit_depth)


def md5_file(path: str) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fp:
        for chunk in iter(lambda: fp.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def list_files(root: str) -> dict:
    r"""Relative path -> md5 for every file below root (sorted)."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for f in filenames:
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            out[rel] = md5_file(full)
    return dict(sorted(out.items()))


def deps_to_json(deps) -> list:
    df = deps()
    rows = []
    for file, row in df.iterrows():
        rows.append(
            {
                "file": file,
                "archive": row["archive"],
                "bit_depth": int(row["bit_depth"]),
                "channels": int(row["channels"]),
                "checksum": row["checksum"],
                "duration": float(row["duration"]),
                "format": row["format"],
                "removed": int(row["removed"]),
                "sampling_rate": int(row["sampling_rate"]),
                "type": int(row["type"]),
                "version": row["version"],
            }
        )
    return rows


def df_to_json(df) -> dict:
    r"""Index + columns of a pandas frame as JSON-friendly dict."""
    import pandas as pd

    def conv(values):
        out = []
        for v in values:
            if v is None or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
                out.append(None)
            elif isinstance(v, pd.Timedelta):
                out.append(v.total_seconds())
            elif isinstance(v, (np.integer,)):
                out.append(int(v))
            elif isinstance(v, (np.floating,)):
                out.append(float(v))
            elif isinstance(v, (np.bool_,)):
                out.append(bool(v))
            else:
                out.append(v if isinstance(v, (str, int, float, bool)) else str(v))
        return out

    index = {}
    idx = df.index
    if isinstance(idx, pd.MultiIndex):
        for i, level in enumerate(idx.names):
            index[level] = conv(idx.get_level_values(i))
    else:
        index[idx.name or "index"] = conv(idx)
    columns = {str(c): conv(df[c]) for c in df.columns}
    dtypes = {str(c): str(df[c].dtype) for c in df.columns}
    return {"index": index, "columns": columns, "dtypes": dtypes}


def emit(obj) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")
