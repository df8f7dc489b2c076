"""audb.load_to a version, edit it, and publish the next version on top.

Usage:
    load_to_and_publish.py NAME WORK_DIR --repo HOST [--repo NAME@HOST ...]
        --version V --new-version V2 [--publish-repo NAME@HOST]
        [--only-metadata] [--change FILE] [--add-media FILE]
        [--add-table ID] [--cache-root DIR]

Edit applied to ``WORK_DIR`` (the load_to target) before publishing:

* ``--change FILE`` (default: the first non-removed ``.wav`` media in the
  dependency table): rewritten with a different tone, same sampling rate,
  channels and bit depth;
* ``--add-media FILE`` (optional): a new 0.05 s mono 16 kHz WAV;
* ``--add-table ID`` (default ``added``): a new filewise CSV table with a
  float column ``value`` over the changed (and added) file.

The new version is published to the first ``--repo`` (or ``--publish-repo``).
Prints JSON: the changed/added files, the new dependency table, and the files
in WORK_DIR with md5s after publishing.
"""

import argparse
import os

import audb
import audformat
import audiofile

import _common


def load_to_and_publish(
    name,
    work_dir,
    *,
    repo,
    version,
    new_version,
    publish_repo=None,
    only_metadata=False,
    change_file=None,
    add_media=None,
    add_table="added",
    cache_root=None,
):
    r"""Do the work of the script; returns the JSON dict it prints."""
    repos = _common.parse_repos(repo)
    _common.use_repositories(repos)
    target = _common.parse_repos([publish_repo])[0] if publish_repo else repos[0]
    cache_root = cache_root or os.path.join(work_dir + ".cache")

    db = audb.load_to(
        work_dir,
        name,
        version=version,
        only_metadata=only_metadata,
        cache_root=cache_root,
        verbose=False,
    )
    deps = audb.dependencies(name, version=version, cache_root=cache_root)

    change = change_file
    if change is None:
        candidates = [
            f for f in deps.media if f.lower().endswith(".wav") and not deps.removed(f)
        ]
        if not candidates:
            raise SystemExit("no wav media to change")
        change = candidates[0]
    sr = deps.sampling_rate(change) or 16000
    channels = deps.channels(change) or 1
    bit_depth = deps.bit_depth(change) or 16
    _common.write_wav(
        os.path.join(work_dir, change),
        sampling_rate=sr,
        channels=channels,
        bit_depth=bit_depth,
        duration=0.07,
        freq=1234.0,
    )
    files = [change]
    if add_media:
        _common.write_wav(
            os.path.join(work_dir, add_media), sampling_rate=16000, duration=0.05
        )
        files.append(add_media)

    db[add_table] = audformat.Table(audformat.filewise_index(files))
    db[add_table]["value"] = audformat.Column()
    db[add_table]["value"].set([float(i) + 0.5 for i in range(len(files))])
    db.save(work_dir, storage_format="csv")
    # db.save may write pickles next to tables: publish ignores them, but keep the root clean
    for f in os.listdir(work_dir):
        if f.endswith(".pkl"):
            os.remove(os.path.join(work_dir, f))

    new_deps = audb.publish(
        work_dir,
        new_version,
        target,
        previous_version=version,
        cache_root=cache_root,
        verbose=False,
    )
    return (
        {
            "name": name,
            "version": version,
            "new_version": new_version,
            "changed": change,
            "added_media": add_media,
            "added_table": add_table,
            "dependencies": _common.deps_to_json(new_deps),
            "files": _common.list_files(work_dir),
            "changed_info": {
                "sampling_rate": audiofile.sampling_rate(os.path.join(work_dir, change)),
                "channels": audiofile.channels(os.path.join(work_dir, change)),
                "bit_depth": audiofile.bit_depth(os.path.join(work_dir, change)),
            },
        }
    )



def main():
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("work_dir")
    p.add_argument("--repo", action="append", required=True)
    p.add_argument("--publish-repo", default=None)
    p.add_argument("--version", required=True)
    p.add_argument("--new-version", required=True)
    p.add_argument("--only-metadata", action="store_true")
    p.add_argument("--change", default=None)
    p.add_argument("--add-media", default=None)
    p.add_argument("--add-table", default="added")
    p.add_argument("--cache-root", default=None)
    a = p.parse_args()
    _common.emit(
        load_to_and_publish(
            a.name,
            a.work_dir,
            repo=a.repo,
            publish_repo=a.publish_repo,
            version=a.version,
            new_version=a.new_version,
            only_metadata=a.only_metadata,
            change_file=a.change,
            add_media=a.add_media,
            add_table=a.add_table,
            cache_root=a.cache_root,
        )
    )


if __name__ == "__main__":
    main()
