"""audb-python half of bench/side-by-side.bench.ts: one timed operation per process.

Usage (run with the audb venv's python, see test/interop/setup.sh):

    side_by_side.py publish ROOT HOST VERSION [--previous V] [--load-to] --cache-root DIR
    side_by_side.py load NAME HOST VERSION --cache-root DIR --shared-cache-root DIR
        [--sampling-rate SR]

``--workers`` (default 2) is passed as ``num_workers``. The repository is a
file-system repository ``sbs-repo`` at ``HOST``. ``--load-to`` first calls
``audb.load_to(ROOT, name, version=PREVIOUS, only_metadata=True)`` (untimed), which
audb-python needs to publish on top of a previous version.

Prints JSON ``{"seconds": <wall-clock seconds of the publish/load call>}``; imports
and the untimed preparation are not included.
"""

import argparse
import json
import os
import time

import audb
import audformat

REPO_NAME = "sbs-repo"


def repository(host: str) -> audb.Repository:
    return audb.Repository(name=REPO_NAME, host=host, backend="file-system")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["publish", "load"])
    p.add_argument("target")  # ROOT (publish) or NAME (load)
    p.add_argument("host")
    p.add_argument("version")
    p.add_argument("--previous", default=None)
    p.add_argument("--load-to", action="store_true")
    p.add_argument("--cache-root", required=True)
    p.add_argument("--shared-cache-root", default=None)
    p.add_argument("--sampling-rate", type=int, default=None)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()

    repo = repository(a.host)
    audb.config.REPOSITORIES = [repo]
    audb.config.CACHE_ROOT = a.cache_root
    audb.config.SHARED_CACHE_ROOT = a.shared_cache_root or a.cache_root + "-shared"
    os.makedirs(a.cache_root, exist_ok=True)
    os.makedirs(audb.config.SHARED_CACHE_ROOT, exist_ok=True)

    out = {}
    if a.command == "publish":
        if a.load_to:
            name = audformat.Database.load(a.target, load_data=False).name
            audb.load_to(
                a.target,
                name,
                version=a.previous,
                only_metadata=True,
                cache_root=a.cache_root,
                num_workers=a.workers,
                verbose=False,
            )
            for f in os.listdir(a.target):  # load_to may leave table pickles
                if f.endswith(".pkl"):
                    os.remove(os.path.join(a.target, f))
        start = time.perf_counter()
        deps = audb.publish(
            a.target,
            a.version,
            repo,
            previous_version=a.previous,
            cache_root=a.cache_root,
            num_workers=a.workers,
            verbose=False,
        )
        out["seconds"] = time.perf_counter() - start
        out["files"] = len(deps.media)
    else:
        start = time.perf_counter()
        db = audb.load(
            a.target,
            version=a.version,
            sampling_rate=a.sampling_rate,
            cache_root=a.cache_root,
            num_workers=a.workers,
            verbose=False,
        )
        out["seconds"] = time.perf_counter() - start
        out["files"] = len(db.files)
        out["root"] = db.root
    print(json.dumps(out))


if __name__ == "__main__":
    main()
