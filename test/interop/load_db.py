"""Load a database with audb-python and print what it produced.

Usage:
    load_db.py NAME --repo HOST [--repo NAME@HOST ...] --cache-root DIR
        [--version V] [--sampling-rate N] [--bit-depth N] [--channels 0,1]
        [--mixdown] [--format wav|flac] [--only-metadata] [--full-path]
        [--tables REGEX|a,b] [--media REGEX] [--no-tables-json]

Repositories are file-system repositories ``<HOST>/<NAME>`` (default NAME
``repo``). Prints JSON: db root, flavor folder (short id), the complete
flavor (``Flavor.arguments``), ``db.meta["audb"]``, every file below the db
root with its md5, the dependency table, and every table (index + columns).
"""

import argparse
import os

import audb

import _common


def split_list(value):
    if value is None:
        return None
    if "," in value:
        return [v for v in value.split(",") if v]
    return value


def load_json(
    name,
    *,
    cache_root,
    version=None,
    only_metadata=False,
    sampling_rate=None,
    bit_depth=None,
    channels=None,
    mixdown=False,
    format=None,
    full_path=False,
    tables=None,
    media=None,
    tables_json=True,
):
    r"""``audb.load`` with the configured repositories; returns the JSON dict."""
    version = version or audb.latest_version(name)
    db = audb.load(
        name,
        version=version,
        only_metadata=only_metadata,
        sampling_rate=sampling_rate,
        bit_depth=bit_depth,
        channels=channels,
        mixdown=mixdown,
        format=format,
        full_path=full_path,
        tables=tables,
        media=media,
        cache_root=cache_root,
        verbose=False,
    )
    flavor = audb.Flavor(
        bit_depth=bit_depth,
        channels=channels,
        format=format,
        mixdown=mixdown,
        sampling_rate=sampling_rate,
    )
    deps = audb.dependencies(name, version=version, cache_root=cache_root)
    out = {
        "name": name,
        "version": version,
        "root": db.root,
        "flavor_id": flavor.short_id,
        "flavor": flavor.arguments,
        "flavor_yaml": flavor.to_yaml_s(include_version=False),
        "meta_audb": db.meta.get("audb"),
        "files": _common.list_files(db.root),
        "header": open(os.path.join(db.root, "db.yaml"), encoding="utf-8").read(),
        "db_files": list(db.files),
        "dependencies": _common.deps_to_json(deps),
        "schemes": {
            sid: {"dtype": s.dtype, "labels": s.labels} for sid, s in db.schemes.items()
        },
    }
    if tables_json:
        out["tables"] = {tid: _common.df_to_json(db[tid].df) for tid in db.tables}
        out["misc_tables"] = {
            tid: _common.df_to_json(db[tid].df) for tid in db.misc_tables
        }
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("--repo", action="append", required=True)
    p.add_argument("--cache-root", required=True)
    p.add_argument("--version", default=None)
    p.add_argument("--sampling-rate", type=int, default=None)
    p.add_argument("--bit-depth", type=int, default=None)
    p.add_argument("--channels", default=None)
    p.add_argument("--mixdown", action="store_true")
    p.add_argument("--format", default=None)
    p.add_argument("--only-metadata", action="store_true")
    p.add_argument("--full-path", action="store_true")
    p.add_argument("--tables", default=None)
    p.add_argument("--media", default=None)
    p.add_argument("--no-tables-json", action="store_true")
    a = p.parse_args()

    _common.use_repositories(_common.parse_repos(a.repo))
    channels = None
    if a.channels is not None:
        channels = [int(c) for c in a.channels.split(",") if c != ""]
        if len(channels) == 1:
            channels = channels[0]
    out = load_json(
        a.name,
        cache_root=a.cache_root,
        version=a.version,
        only_metadata=a.only_metadata,
        sampling_rate=a.sampling_rate,
        bit_depth=a.bit_depth,
        channels=channels,
        mixdown=a.mixdown,
        format=a.format,
        full_path=a.full_path,
        tables=split_list(a.tables),
        media=split_list(a.media),
        tables_json=not a.no_tables_json,
    )
    _common.emit(out)


if __name__ == "__main__":
    main()
