// audb-ts publishes, audb-python loads: the FSDD history (mini fixture) and the interop
// database with every table kind. audb-python loads every version, load_to's the latest
// and publishes the next version on top (uploading only what changed, since we wrote md5
// checksums); audb-ts loads that version. Both load into one cache root too.
import { readFileSync, statSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadToCache, type LoadOptions, type LoadedFolder } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { archiveName } from "../../src/core/archive.js";
import type { Dependencies } from "../../src/core/dependencies.js";
import { Repository } from "../../src/core/repository.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { FSDD_TAGS, MINI_FSDD, historyDiff, materialize } from "../helpers/fsdd-history.js";
import { interopAvailable, listFiles, runBatch, type AudioComparison, type AudioInfo, type BatchOp, type PyLoad } from "./batch.js";
import { SYNTHETIC_ARCHIVES, SYNTHETIC_MEDIA, writeSyntheticDatabase } from "./synthetic-db.js";

const available = await interopAvailable();

/** `audeer.md5` of the interop database's `folder` attachment (docs/interop.md §2). */
const AUDEER_FOLDER_MD5 = "540b1406b8e2a658c66d76b90c4928a3";
const AUDIO = /\.(wav|flac)$/;
const pythonOnly = (f: string) => f.endsWith(".pkl");
const FLAVOUR: LoadOptions = { format: "flac", samplingRate: 16000, bitDepth: 24, channels: [0, -1], mixdown: true };
const PY_FLAVOUR = { format: "flac", sampling_rate: 16000, bit_depth: 24, channels: [0, -1], mixdown: true };

interface LoadToPublish {
  changed: string;
  added_media: string | null;
  added_table: string;
  files: Record<string, string>;
  dependencies: { file: string; checksum: string; version: string; type: number }[];
}

/** Keys of the repository tree that a version uploaded (its own `V` path segment). */
function uploadedKeys(host: string, name: string, version: string): string[] {
  return Object.keys(listFiles(join(host, "repo", name))).filter((k) => k.split("/").includes(version)).sort();
}

/**
 * The keys audb-python must upload for `next` on top of `previous` published by us from
 * `source`: header, dependency table, the tables that are new or whose bytes in its work
 * folder differ from ours, and the media it changed or added (in their archives).
 */
function expectedKeys(next: string, previous: Dependencies, source: string, py: LoadToPublish): string[] {
  const keys = [`${next}/db.yaml`, `${next}/db.parquet`];
  const ours = listFiles(source);
  for (const f of Object.keys(py.files).filter((f) => /^db\.[^/]+\.(csv|parquet)$/.test(f))) {
    const id = f.slice(3, f.lastIndexOf("."));
    const stored = f.endsWith(".parquet") ? f : py.files[`db.${id}.parquet`] ? undefined : f;
    if (stored === undefined) continue; // a CSV next to a parquet table: publish takes the parquet one
    if (previous.has(f) && py.files[f] === ours[f]) continue;
    keys.push(f.endsWith(".parquet") ? `meta/${next}/${id}.parquet` : `meta/${next}/${id}.zip`);
  }
  const media = [py.changed, ...(py.added_media ? [py.added_media] : [])];
  for (const f of media) keys.push(`media/${next}/${previous.has(f) ? previous.archive(f) : archiveName(f)}.zip`);
  return keys.sort();
}

describe.skipIf(!available.ok)("audb-ts publishes, audb-python loads", () => {
  let host: string;
  let work: string;
  const deps = new Map<string, Dependencies>();
  const sources = new Map<string, string>();
  const ts = new Map<string, LoadedFolder>();
  const py = new Map<string, PyLoad>();
  let audio: AudioComparison[];
  let fsddNext: LoadToPublish;
  let syntheticNext: LoadToPublish;
  let xxhHost: string;
  let pyVersions: string[];
  let xxhLoad: PyLoad;
  let xxhNext: LoadToPublish;
  let shared: { tsFolder: string; before: Map<string, [number, number]>; py: PyLoad; tsAfterPy: LoadedFolder; pyFirst: PyLoad };
  let reuse: { py: PyLoad; ts: LoadedFolder; gets: string[] };
  let reverse: { ts: LoadedFolder; cached: unknown; load: unknown; before: Record<string, string> };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "interop-ts2py-"));
    host = join(work, "host");
    await mkdir(host);
    const repo = new Repository("repo", host, "file-system");
    const tsCache = join(work, "cache-ts");
    const sharedCache = join(work, "cache-shared");
    configure({ repositories: [repo], cacheRoot: tsCache, sharedCacheRoot: join(work, "no-shared") });

    for (const [tag, version] of FSDD_TAGS) {
      const root = join(work, "src", `fsdd-${version}`);
      await materialize(MINI_FSDD, tag, root);
      await writeFsddDatabase(root);
      deps.set(`fsdd ${version}`, await publish(root, version, repo, { checksum: "md5" }));
      sources.set(`fsdd ${version}`, root);
    }
    const synthetic = join(work, "src", "interop-1.0.0");
    await writeSyntheticDatabase(synthetic);
    deps.set("interop 1.0.0", await publish(synthetic, "1.0.0", repo, { checksum: "md5", archives: SYNTHETIC_ARCHIVES }));
    sources.set("interop 1.0.0", synthetic);
    // the same database with our default checksum (xxh64) in a second repository
    xxhHost = join(work, "host-xxh64");
    await mkdir(xxhHost);
    const xxhRepo = new Repository("repo", xxhHost, "file-system");
    configure({ repositories: [xxhRepo] });
    await writeSyntheticDatabase(join(work, "src", "interop-xxh64-1.0.0"));
    deps.set("interop-xxh64 1.0.0", await publish(join(work, "src", "interop-xxh64-1.0.0"), "1.0.0", xxhRepo, { archives: SYNTHETIC_ARCHIVES }));
    configure({ repositories: [repo] });

    for (const [, version] of FSDD_TAGS) ts.set(`fsdd ${version}`, await loadToCache("fsdd", { version }));
    ts.set("interop 1.0.0", await loadToCache("interop", { version: "1.0.0" }));
    ts.set("interop 1.0.0 flavour", await loadToCache("interop", { version: "1.0.0", ...FLAVOUR }));
    // one cache root for both: we load first here (audb-python second), audb-python first there
    const tsShared = await loadToCache("interop", { version: "1.0.0", mixdown: true, cacheRoot: sharedCache });
    const before = new Map(Object.keys(listFiles(tsShared.folder)).map((f) => {
      const s = statSync(join(tsShared.folder, f));
      return [f, [s.ino, s.mtimeMs]] as [string, [number, number]];
    }));

    const flavourFolder = basename(ts.get("interop 1.0.0 flavour")!.folder);
    const pyCache = join(work, "cache-py");
    const flavourMedia = Object.keys(listFiles(ts.get("interop 1.0.0 flavour")!.folder)).filter((f) => AUDIO.test(f));
    const ops: BatchOp[] = [
      { op: "versions", repos: [host], name: "fsdd" },
      ...FSDD_TAGS.map(([, version]) => ({ op: "load", repos: [host], name: "fsdd", version, cache_root: pyCache })),
      { op: "load", repos: [host], name: "interop", version: "1.0.0", cache_root: pyCache },
      { op: "load", repos: [host], name: "interop", version: "1.0.0", cache_root: pyCache, ...PY_FLAVOUR },
      {
        op: "compare_audio",
        pairs: flavourMedia.map((f) => [join(pyCache, "interop", "1.0.0", flavourFolder, f), join(ts.get("interop 1.0.0 flavour")!.folder, f)]),
      },
      { op: "load", repos: [host], name: "interop", version: "1.0.0", cache_root: sharedCache, mixdown: true, tables_json: false },
      { op: "load", repos: [host], name: "interop", version: "1.0.0", cache_root: sharedCache, bit_depth: 16, tables_json: false },
      {
        op: "load_to_publish", repos: [host], name: "fsdd", work_dir: join(work, "py-fsdd"), version: "1.0.10", new_version: "1.0.11",
        add_media: "recordings/9_new_0.wav", cache_root: join(work, "cache-py-load-to"),
      },
      {
        op: "load_to_publish", repos: [host], name: "interop", work_dir: join(work, "py-interop"), version: "1.0.0", new_version: "2.0.0",
        cache_root: join(work, "cache-py-load-to"),
      },
      { op: "load", repos: [xxhHost], name: "interop", version: "1.0.0", cache_root: join(work, "cache-py-xxh64") },
      {
        op: "load_to_publish", repos: [xxhHost], name: "interop", work_dir: join(work, "py-interop-xxh64"), version: "1.0.0", new_version: "2.0.0",
        cache_root: join(work, "cache-py-xxh64"),
      },
      { op: "load", repos: [host], name: "fsdd", version: "1.0.8", cache_root: join(work, "cache-py-reuse") },
    ];
    const results = await runBatch(ops);
    pyVersions = results.shift() as string[];
    FSDD_TAGS.forEach(([, version], i) => py.set(`fsdd ${version}`, results[i] as PyLoad));
    let i = FSDD_TAGS.length;
    py.set("interop 1.0.0", results[i++] as PyLoad);
    py.set("interop 1.0.0 flavour", results[i++] as PyLoad);
    audio = results[i++] as AudioComparison[];
    const pyShared = results[i++] as PyLoad;
    const pyFirst = results[i++] as PyLoad;
    fsddNext = results[i++] as LoadToPublish;
    syntheticNext = results[i++] as LoadToPublish;
    xxhLoad = results[i++] as PyLoad;
    xxhNext = results[i++] as LoadToPublish;
    const pyReuse = results[i++] as PyLoad;
    const tsAfterPy = await loadToCache("interop", { version: "1.0.0", bitDepth: 16, cacheRoot: sharedCache });
    shared = { tsFolder: tsShared.folder, before, py: pyShared, tsAfterPy, pyFirst };

    ts.set("fsdd 1.0.11", await loadToCache("fsdd", { version: "1.0.11" }));
    ts.set("interop 2.0.0", await loadToCache("interop", { version: "2.0.0" }));

    // audb-ts loads the next version into the cache where only audb-python loaded one
    configure({ repositories: [new Repository("repo", host, "counting-fs")], cacheRoot: tsCache, sharedCacheRoot: join(work, "no-shared") });
    resetTraffic();
    const next = await loadToCache("fsdd", { version: "1.0.10", cacheRoot: join(work, "cache-py-reuse") });
    reuse = { py: pyReuse, ts: next, gets: [...traffic.gets] };
    configure({ repositories: [repo], cacheRoot: tsCache, sharedCacheRoot: join(work, "no-shared") });

    // audb-python loads the next version into the cache where audb-ts loaded one from a
    // repository audb-python does not know (a copy of ours without that version)
    const otherHost = join(work, "host-without-1.0.8");
    await cp(host, otherHost, { recursive: true });
    await rm(join(otherHost, "repo", "fsdd", "1.0.8"), { recursive: true });
    const reverseCache = join(work, "cache-ts-first");
    const older = await loadToCache("fsdd", { version: "1.0.8", cacheRoot: reverseCache });
    const olderFiles = listFiles(older.folder);
    const [cachedList, load] = await runBatch([
      { op: "cached", cache_root: reverseCache, name: "fsdd" },
      { op: "load", repos: [otherHost], name: "fsdd", version: "1.0.10", cache_root: reverseCache },
    ], true);
    reverse = { ts: older, cached: cachedList, load, before: olderFiles };
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const loaded = () => [...FSDD_TAGS.map(([, v]) => `fsdd ${v}`), "interop 1.0.0", "interop 1.0.0 flavour"];

  test("audb-python loads every version into the flavour folder audb-ts uses, with the same files", () => {
    for (const key of loaded()) {
      const p = py.get(key)!;
      const t = ts.get(key)!;
      expect(basename(t.folder), key).toBe(p.flavor_id);
      const theirs = Object.fromEntries(Object.entries(p.files).filter(([f]) => !pythonOnly(f)));
      const ours = listFiles(t.folder);
      expect(Object.keys(ours), key).toEqual(Object.keys(theirs));
      for (const [f, md5] of Object.entries(theirs)) {
        if (f === "db.yaml" || (key.endsWith("flavour") && AUDIO.test(f))) continue;
        expect(ours[f], `${key}: ${f}`).toBe(md5);
      }
      // the header audb-python writes into its folder, byte for byte, but for the folder's path
      const header = readFileSync(join(t.folder, "db.yaml"), "utf8");
      expect(header.replaceAll(t.folder, "ROOT"), key).toBe(p.header.replaceAll(p.root, "ROOT"));
    }
  });

  test("audb.versions lists the versions we published", () => {
    expect(pyVersions).toEqual(FSDD_TAGS.map(([, v]) => v));
  });

  test("audb-python reads our dependency tables row for row", () => {
    for (const key of loaded()) {
      const d = deps.get(key.replace(" flavour", ""))!;
      const rows = [...d.rows()].map((r) => ({
        file: r.file, archive: r.archive, bit_depth: r.bitDepth, channels: r.channels, checksum: r.checksum, duration: r.duration,
        format: r.format, removed: r.removed ? 1 : 0, sampling_rate: r.samplingRate, type: r.type, version: r.version,
      }));
      expect(py.get(key)!.dependencies, key).toEqual(rows);
    }
  });

  test("audb-python's media are the bytes we published, and its tables hold our rows", () => {
    for (const key of loaded().filter((k) => !k.endsWith("flavour"))) {
      const p = py.get(key)!;
      const source = sources.get(key)!;
      expect(p.db_files.length, key).toBeGreaterThan(0);
      for (const f of p.db_files) expect(p.files[f], `${key}: ${f}`).toBe(listFiles(source)[f] ?? "missing in source");
      // every media file of the files table, in our order
      const files = key.startsWith("fsdd")
        ? readFileSync(join(source, "db.files.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0])
        : SYNTHETIC_MEDIA;
      expect(p.tables!["files"]!.index["file"], key).toEqual(files);
    }
    const fsdd = py.get("fsdd 1.0.10")!;
    const csv = readFileSync(join(sources.get("fsdd 1.0.10")!, "db.files.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    expect(fsdd.tables!["files"]!.columns["digit"]).toEqual(csv.map((r) => Number(r[1])));
    expect(fsdd.tables!["files"]!.columns["speaker"]).toEqual(csv.map((r) => r[2]));
    expect(fsdd.tables!["files"]!.dtypes).toEqual({ digit: "Int64", speaker: "category", split: "category" });
    expect(fsdd.misc_tables!["speaker"]!.index["speaker"]!.length).toBeGreaterThan(0);
    expect(fsdd.schemes["speaker"]!.labels).toBe("speaker");
    const interop = py.get("interop 1.0.0")!;
    expect(Object.keys(interop.tables!).sort()).toEqual(["files", "segments"]);
    expect(Object.keys(interop.misc_tables!).sort()).toEqual(["extra", "speakers"]);
  });

  test("converted audio: audb-python and audb-ts agree (same shape, < -60 dB apart after resampling)", () => {
    expect(audio.length).toBeGreaterThan(0);
    const family = (info: AudioInfo) => ({ ...info, format: info.format.replace(/^WAVEX$/, "WAV") });
    for (const cmp of audio) {
      expect(family(cmp.other), JSON.stringify(cmp)).toEqual(family(cmp.reference));
      expect(cmp.diff_db!, JSON.stringify(cmp)).toBeLessThan(-60);
    }
  });

  test("one cache root: audb-python uses the folder audb-ts filled, and audb-ts the one audb-python filled", () => {
    // audb-python found our complete folder and loaded from it without rewriting a file
    expect(shared.py.root).toBe(shared.tsFolder);
    for (const [f, [ino, mtime]] of shared.before) {
      const s = statSync(join(shared.tsFolder, f));
      expect([s.ino, s.mtimeMs], f).toEqual([ino, mtime]);
    }
    // and audb-ts found audb-python's
    expect(shared.tsAfterPy.folder).toBe(shared.pyFirst.root);
    expect(shared.tsAfterPy.media.length).toBeGreaterThan(0);
    // siblings: same names, same files (apart from audb-python's pickles)
    const ours = Object.keys(listFiles(shared.tsFolder));
    const theirs = Object.keys(shared.pyFirst.files).filter((f) => !pythonOnly(f));
    expect(ours).toEqual(theirs);
  });

  test("audb-ts reuses what audb-python cached for another version: it downloads only the media that differ", () => {
    const diff = historyDiff(MINI_FSDD, "v1.0.8", "v1.0.10");
    const media = reuse.gets.filter((k) => k.includes("/media/"));
    expect(media).toHaveLength(diff.added.length + diff.changed.length);
    const [before, after] = [deps.get("fsdd 1.0.8")!, deps.get("fsdd 1.0.10")!];
    const changedTables = after.tables.filter((t) => !before.has(t) || before.checksum(t) !== after.checksum(t));
    expect(reuse.gets.filter((k) => k.includes("/meta/"))).toHaveLength(changedTables.length);
    const kept = reuse.ts.media.find((f) => reuse.py.files[f] !== undefined && !diff.changed.includes(f))!;
    expect(statSync(join(reuse.ts.folder, kept)).ino).toBe(statSync(join(reuse.py.root, kept)).ino);
    expect(listFiles(reuse.py.root)).toEqual(reuse.py.files); // audb-python's folder as it left it
  });

  test("audb-python loads beside a version audb-ts cached from a repository it does not know (which audb.cached() does not list)", () => {
    expect(reverse.cached).toEqual([]);
    expect(reverse.load).not.toBeInstanceOf(Error);
    const load = reverse.load as PyLoad;
    const source = listFiles(sources.get("fsdd 1.0.10")!);
    for (const f of load.db_files) expect(load.files[f], f).toBe(source[f]);
    expect(listFiles(reverse.ts.folder)).toEqual(reverse.before); // our folder as we left it
  });

  test("audb-python publishes on top of our md5 version uploading only what changed (FSDD)", () => {
    const previous = deps.get("fsdd 1.0.10")!;
    expect(fsddNext.changed).toMatch(/\.wav$/);
    const uploaded = uploadedKeys(host, "fsdd", "1.0.11");
    expect(uploaded).toEqual(expectedKeys("1.0.11", previous, sources.get("fsdd 1.0.10")!, fsddNext));
    expect(uploaded).toContain("meta/1.0.11/added.zip");
    expect(uploaded.filter((k) => k.startsWith("media/"))).toHaveLength(2);
  });

  test("audb-python publishes on top of our md5 version uploading only what changed (tables of every kind, attachments)", () => {
    const previous = deps.get("interop 1.0.0")!;
    const uploaded = uploadedKeys(host, "interop", "2.0.0");
    // attachment checksums (file and folder) are audb's, so neither goes up again
    expect(previous.checksum("folder")).toBe(AUDEER_FOLDER_MD5);
    expect(uploaded.filter((k) => k.startsWith("attachment/"))).toEqual([]);
    expect(uploaded.filter((k) => !k.startsWith("attachment/"))).toEqual(expectedKeys("2.0.0", previous, sources.get("interop 1.0.0")!, syntheticNext));
    expect(uploaded.filter((k) => k.startsWith("media/"))).toHaveLength(1);
  });

  test("with our default xxh64 checksums audb-python loads fine, but re-uploads every file when publishing on top (known limitation)", () => {
    const ours = deps.get("interop-xxh64 1.0.0")!;
    expect(ours.checksum("wav/a.wav")).toMatch(/^[0-9a-f]{16}$/);
    expect(xxhLoad.dependencies.map((d) => d.checksum)).toEqual([...ours.rows()].map((r) => r.checksum));
    const source = listFiles(sources.get("interop 1.0.0")!);
    for (const f of xxhLoad.db_files) expect(xxhLoad.files[f], f).toBe(source[f]);
    const uploaded = Object.keys(listFiles(join(xxhHost, "repo", "interop"))).filter((k) => k.split("/").includes("2.0.0"));
    const archives = new Set([...ours.rows()].filter((r) => r.type === 1 && !r.removed).map((r) => r.archive));
    expect(uploaded.filter((k) => k.startsWith("media/")).length).toBe(archives.size);
    // parquet tables keep their checksum (audformat's `hash` metadata), CSV tables do not
    expect(uploaded.filter((k) => k.startsWith("meta/")).length).toBe(ours.tables.filter((f) => f.endsWith(".csv")).length + 1);
    expect(uploaded.filter((k) => k.startsWith("attachment/")).length).toBe(ours.attachments.length);
    expect(xxhNext.dependencies.filter((d) => d.version !== "2.0.0").map((d) => d.file)).toEqual(ours.tables.filter((f) => f.endsWith(".parquet")));
  });

  test("audb-ts loads the versions audb-python published on top", () => {
    for (const [key, next] of [["fsdd 1.0.11", fsddNext], ["interop 2.0.0", syntheticNext]] as const) {
      const t = ts.get(key)!;
      const ours = listFiles(t.folder);
      expect(t.media, key).toContain(next.changed);
      if (next.added_media) expect(t.media, key).toContain(next.added_media);
      for (const f of [...t.media, `db.${next.added_table}.csv`]) expect(ours[f], `${key}: ${f}`).toBe(next.files[f]);
    }
  });
});

if (!available.ok) test.skip(available.reason, () => {});
