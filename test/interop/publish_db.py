"""Build and publish a test database with audb-python.

Usage:
    publish_db.py BUILD_ROOT REPO_HOST [--name NAME] [--repo REPO_NAME]
        [--steps v1,v2,remove]

Publishes to the file-system repository ``<REPO_HOST>/<REPO_NAME>``:

* ``1.0.0``: media ``wav/a.wav`` (mono 16 bit 8 kHz), ``wav/b.wav``
  (stereo 24 bit 16 kHz), ``wav/c.wav`` + ``wav/d.wav`` (grouped into the
  archive ``group``), ``audio/e.wav`` (44.1 kHz, 32 bit), text media
  ``txt/note.txt``; tables ``files`` (filewise, CSV), ``segments``
  (segmented, PARQUET), misc table ``speakers`` (CSV, used by a scheme),
  misc table ``extra`` (PARQUET); schemes with list, dict and misc-table
  labels; attachments ``docs`` (a file) and ``folder`` (a folder).
* ``2.0.0``: ``wav/a.wav`` changed, ``wav/b.wav`` removed (no longer in any
  table), ``wav/f.wav`` added, table ``files`` changed, table ``new`` added,
  misc table ``extra`` removed.
* ``remove``: ``audb.remove_media(name, "wav/d.wav")``.

Prints JSON: per step the dependency table rows, plus the repository tree
(relative path -> md5).
"""

import argparse
import os
import shutil

import pandas as pd

import audb
import audformat

import _common


def build_v1(root: str, name: str) -> audformat.Database:
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    _common.write_wav(os.path.join(root, "wav/a.wav"), sampling_rate=8000)
    _common.write_wav(
        os.path.join(root, "wav/b.wav"),
        sampling_rate=16000,
        channels=2,
        bit_depth=24,
        duration=0.05,
    )
    _common.write_wav(os.path.join(root, "wav/c.wav"), freq=220.0)
    _common.write_wav(os.path.join(root, "wav/d.wav"), freq=330.0, duration=0.2)
    _common.write_wav(
        os.path.join(root, "audio/e.wav"),
        sampling_rate=44100,
        bit_depth=32,
        duration=0.02,
    )
    os.makedirs(os.path.join(root, "txt"), exist_ok=True)
    with open(os.path.join(root, "txt/note.txt"), "w") as fp:
        fp.write("a text media file\n")
    os.makedirs(os.path.join(root, "docs"), exist_ok=True)
    with open(os.path.join(root, "docs/readme.txt"), "w") as fp:
        fp.write("attachment file\n")
    os.makedirs(os.path.join(root, "folder/sub"), exist_ok=True)
    with open(os.path.join(root, "folder/x.txt"), "w") as fp:
        fp.write("x\n")
    with open(os.path.join(root, "folder/sub/y.txt"), "w") as fp:
        fp.write("y\n")

    db = audformat.Database(
        name=name,
        source="audb-ts interop test",
        usage=audformat.define.Usage.UNRESTRICTED,
        languages=["en", "de"],
        description="Tiny database published by audb-python",
        author="audb-ts",
        license=audformat.define.License.CC0_1_0,
        meta={"custom": {"key": "value", "n": 3}},
    )
    db.media["microphone"] = audformat.Media(
        type=audformat.define.MediaType.AUDIO, format="wav", sampling_rate=8000
    )
    db.raters["gold"] = audformat.Rater(type=audformat.define.RaterType.HUMAN)
    db.splits["train"] = audformat.Split(type=audformat.define.SplitType.TRAIN)
    db.splits["test"] = audformat.Split(type=audformat.define.SplitType.TEST)
    db.attachments["docs"] = audformat.Attachment(
        "docs/readme.txt", description="A single file"
    )
    db.attachments["folder"] = audformat.Attachment("folder", description="A folder")

    # misc table used in a scheme
    speakers_index = pd.Index(["s1", "s2"], name="speaker", dtype="string")
    db["speakers"] = audformat.MiscTable(speakers_index)
    db.schemes["gender"] = audformat.Scheme(labels=["female", "male"])
    db.schemes["age"] = audformat.Scheme(audformat.define.DataType.INTEGER, minimum=0)
    db["speakers"]["gender"] = audformat.Column(scheme_id="gender")
    db["speakers"]["gender"].set(["female", "male"])
    db["speakers"]["age"] = audformat.Column(scheme_id="age")
    db["speakers"]["age"].set([31, 42])

    db.schemes["emotion"] = audformat.Scheme(labels=["happy", "sad", "neutral"])
    db.schemes["speaker"] = audformat.Scheme(labels="speakers", dtype="str")
    db.schemes["quality"] = audformat.Scheme(
        labels={"good": {"score": 1}, "bad": {"score": 0}}
    )
    db.schemes["score"] = audformat.Scheme(
        audformat.define.DataType.FLOAT, minimum=0.0, maximum=1.0
    )
    db.schemes["transcription"] = audformat.Scheme(audformat.define.DataType.STRING)
    db.schemes["flag"] = audformat.Scheme(audformat.define.DataType.BOOL)
    db.schemes["when"] = audformat.Scheme(audformat.define.DataType.DATE)
    db.schemes["length"] = audformat.Scheme(audformat.define.DataType.TIME)

    files = ["wav/a.wav", "wav/b.wav", "wav/c.wav", "wav/d.wav", "audio/e.wav", "txt/note.txt"]
    db["files"] = audformat.Table(
        audformat.filewise_index(files), split_id="train", media_id="microphone"
    )
    t = db["files"]
    t["emotion"] = audformat.Column(scheme_id="emotion", rater_id="gold")
    t["emotion"].set(["happy", "sad", "neutral", "happy", None, "sad"])
    t["speaker"] = audformat.Column(scheme_id="speaker")
    t["speaker"].set(["s1", "s2", "s1", "s2", "s1", None])
    t["quality"] = audformat.Column(scheme_id="quality")
    t["quality"].set(["good", "bad", "good", "good", "bad", None])
    t["score"] = audformat.Column(scheme_id="score")
    t["score"].set([0.5, 0.25, 1.0, None, 0.0, 0.75])
    t["transcription"] = audformat.Column(scheme_id="transcription")
    t["transcription"].set(['hello, "world"', "two\nlines", "", None, "ä ö ü", "x"])
    t["flag"] = audformat.Column(scheme_id="flag")
    t["flag"].set([True, False, True, None, False, True])
    t["when"] = audformat.Column(scheme_id="when")
    t["when"].set(pd.to_datetime(["2024-01-02", "2024-01-03", None, "2024-01-05 10:11:12", "2024-01-06", "2024-01-07"], format="ISO8601"))
    t["length"] = audformat.Column(scheme_id="length")
    t["length"].set(pd.to_timedelta([0.1, 0.05, 0.1, None, 0.02, 0], unit="s"))
    t["free"] = audformat.Column()  # no scheme
    t["free"].set(["a", "b", "c", "d", "e", "f"])

    seg_index = audformat.segmented_index(
        ["wav/a.wav", "wav/a.wav", "wav/c.wav", "wav/d.wav"],
        [0, 0.05, 0, 0.1],
        [0.05, 0.1, None, 0.2],
    )
    db["segments"] = audformat.Table(seg_index, split_id="test")
    db["segments"]["emotion"] = audformat.Column(scheme_id="emotion")
    db["segments"]["emotion"].set(["happy", "sad", "neutral", "happy"])
    db["segments"]["speaker"] = audformat.Column(scheme_id="speaker")
    db["segments"]["speaker"].set(["s1", "s1", "s2", "s2"])

    extra_index = pd.MultiIndex.from_arrays(
        [["x", "y"], [1, 2]], names=["key", "num"]
    )
    extra_index = audformat.utils.set_index_dtypes(extra_index, {"key": "string", "num": "Int64"})
    db["extra"] = audformat.MiscTable(extra_index)
    db["extra"]["value"] = audformat.Column(scheme_id="score")
    db["extra"]["value"].set([0.1, 0.2])

    save(db, root)
    return db


def save(db: audformat.Database, root: str) -> None:
    r"""CSV for files/speakers/new, PARQUET for segments/extra."""
    db.save(root, storage_format="csv")
    for table_id in ["segments", "extra"]:
        if table_id in db:
            csv = os.path.join(root, f"db.{table_id}.csv")
            if os.path.exists(csv):
                os.remove(csv)
            db[table_id].save(
                os.path.join(root, f"db.{table_id}"), storage_format="parquet"
            )
            pkl = os.path.join(root, f"db.{table_id}.pkl")
            if os.path.exists(pkl):
                os.remove(pkl)
    for f in os.listdir(root):
        if f.endswith(".pkl"):
            os.remove(os.path.join(root, f))


def build_v2(root: str, name: str, cache_root: str) -> audformat.Database:
    if os.path.exists(root):
        shutil.rmtree(root)
    db = audb.load_to(
        root,
        name,
        version="1.0.0",
        only_metadata=True,
        cache_root=cache_root,
        verbose=False,
    )
    # change a.wav, add f.wav
    _common.write_wav(os.path.join(root, "wav/a.wav"), sampling_rate=8000, freq=880.0)
    _common.write_wav(os.path.join(root, "wav/f.wav"), sampling_rate=22050, duration=0.03)
    # drop b.wav from all tables, add f.wav
    t = db["files"]
    t.drop_files("wav/b.wav", inplace=True)
    t.extend_index(audformat.filewise_index(["wav/f.wav"]), inplace=True)
    t["emotion"].set(["sad"], index=audformat.filewise_index(["wav/f.wav"]))
    t["emotion"].set(["neutral"], index=audformat.filewise_index(["wav/a.wav"]))
    db["segments"].drop_files("wav/b.wav", inplace=True)
    db["new"] = audformat.Table(audformat.filewise_index(["wav/f.wav", "wav/c.wav"]))
    db["new"]["score"] = audformat.Column(scheme_id="score")
    db["new"]["score"].set([0.3, 0.6])
    # remove misc table extra (not referenced by any scheme)
    db.drop_tables("extra")
    for f in ["db.extra.parquet", "db.extra.csv"]:
        p = os.path.join(root, f)
        if os.path.exists(p):
            os.remove(p)
    # load_to stored segments as parquet: keep it so (unchanged table)
    save(db, root)
    return db


def publish_steps(build_root, repo_host, *, name="interop", repo_name="repo", steps=("v1", "v2", "remove"), cache_root=None):
    r"""Run the publishing steps; returns the JSON dict that ``main`` prints."""
    os.makedirs(os.path.join(repo_host, repo_name), exist_ok=True)
    repo = _common.repository(repo_host, repo_name)
    _common.use_repositories([repo])
    cache_root = cache_root or os.path.join(build_root, "cache")

    out = {"name": name, "steps": {}}
    if "v1" in steps:
        root = os.path.join(build_root, "v1")
        build_v1(root, name)
        deps = audb.publish(
            root,
            "1.0.0",
            repo,
            archives={"wav/c.wav": "group", "wav/d.wav": "group"},
            previous_version=None,
            verbose=False,
        )
        out["steps"]["1.0.0"] = _common.deps_to_json(deps)
    if "v2" in steps:
        root = os.path.join(build_root, "v2")
        build_v2(root, name, cache_root)
        deps = audb.publish(root, "2.0.0", repo, previous_version="1.0.0", verbose=False)
        out["steps"]["2.0.0"] = _common.deps_to_json(deps)
    if "remove" in steps:
        audb.remove_media(name, "wav/d.wav")
        out["steps"]["remove"] = {
            v: _common.deps_to_json(audb.dependencies(name, version=v, cache_root=os.path.join(build_root, "cache-after-remove")))
            for v in audb.versions(name)
        }
    out["repository"] = _common.list_files(os.path.join(repo_host, repo_name))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build_root")
    parser.add_argument("repo_host")
    parser.add_argument("--name", default="interop")
    parser.add_argument("--repo", default="repo")
    parser.add_argument("--steps", default="v1,v2,remove")
    parser.add_argument("--cache-root", default=None)
    args = parser.parse_args()
    _common.emit(
        publish_steps(
            args.build_root,
            args.repo_host,
            name=args.name,
            repo_name=args.repo,
            steps=args.steps.split(","),
            cache_root=args.cache_root,
        )
    )


if __name__ == "__main__":
    main()
