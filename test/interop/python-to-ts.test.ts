// audb-python publishes, audb-ts loads: every version, default and flavoured, must give
// the same flavour folders, the same files, the same tables and labels, and the same
// (or, after conversion, equivalent) audio as audb-python's own load.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadToCache, type LoadOptions, type LoadedFolder } from "../../src/api/load-cache.js";
import { load } from "../../src/api/load.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { frameToPy, schemesToPy } from "./frames.js";
import { interopAvailable, listFiles, runBatch, type AudioComparison, type AudioInfo, type BatchOp, type PyDb, type PyFrame, type PyLoad } from "./batch.js";

const available = await interopAvailable();

interface Case {
  label: string;
  version: string;
  ts: LoadOptions;
  py: Record<string, unknown>;
  /** Resampled: compare length, rate and the difference in dB, not LSBs. */
  resampled?: boolean;
}

const CASES: Case[] = [
  { label: "1.0.0 default", version: "1.0.0", ts: {}, py: {} },
  { label: "2.0.0 default", version: "2.0.0", ts: {}, py: {} },
  { label: "1.0.0 bit_depth 16", version: "1.0.0", ts: { bitDepth: 16 }, py: { bit_depth: 16 } },
  { label: "1.0.0 bit_depth 24", version: "1.0.0", ts: { bitDepth: 24 }, py: { bit_depth: 24 } },
  { label: "1.0.0 channels 1", version: "1.0.0", ts: { channels: 1 }, py: { channels: 1 } },
  { label: "1.0.0 channels [0,-1] mixdown", version: "1.0.0", ts: { channels: [0, -1], mixdown: true }, py: { channels: [0, -1], mixdown: true } },
  { label: "1.0.0 mixdown", version: "1.0.0", ts: { mixdown: true }, py: { mixdown: true } },
  { label: "1.0.0 flac 24 bit", version: "1.0.0", ts: { format: "flac", bitDepth: 24 }, py: { format: "flac", bit_depth: 24 } },
  { label: "2.0.0 wav", version: "2.0.0", ts: { format: "wav" }, py: { format: "wav" } },
  { label: "1.0.0 16 kHz", version: "1.0.0", ts: { samplingRate: 16000 }, py: { sampling_rate: 16000 }, resampled: true },
  {
    label: "2.0.0 flac 16 kHz 24 bit [0,-1] mixdown",
    version: "2.0.0",
    ts: { format: "flac", samplingRate: 16000, bitDepth: 24, channels: [0, -1], mixdown: true },
    py: { format: "flac", sampling_rate: 16000, bit_depth: 24, channels: [0, -1], mixdown: true },
    resampled: true,
  },
];

/** Partial loads (audb's `tables`, `media`, `only_metadata` selection rules). */
const PARTIAL: Case[] = [
  { label: "tables segments", version: "1.0.0", ts: { tables: ["segments"] }, py: { tables: ["segments"] } },
  { label: "tables regex", version: "2.0.0", ts: { tables: "^(new|files)$" }, py: { tables: "^(new|files)$" } },
  { label: "media regex", version: "1.0.0", ts: { media: "c\\.wav|txt" }, py: { media: "c\\.wav|txt" } },
  { label: "tables + media", version: "2.0.0", ts: { tables: ["new"], media: ["wav/f.wav"] }, py: { tables: ["new"], media: ["wav/f.wav"] } },
  { label: "only metadata", version: "2.0.0", ts: { onlyMetadata: true }, py: { only_metadata: true } },
];

const AUDIO = /\.(wav|flac)$/;
/** Files audb-python leaves that audb-ts does not write (pickles of its pandas objects). */
const pythonOnly = (f: string) => f.endsWith(".pkl");

/**
 * What audb-python's load does to a stored table in memory: drop the rows whose `file`
 * is in `removed`, and rename audio files to the flavour's format.
 */
function asLoaded(frame: PyFrame, removed: Set<string>, rename: (f: string) => string): PyFrame {
  const keep = (frame.index["file"] ?? []).map((f) => !removed.has(String(f)));
  const filter = (values: Record<string, unknown[]>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.filter((_, j) => keep[j])]));
  const index = filter(frame.index);
  if (index["file"]) index["file"] = index["file"].map((f) => rename(String(f)));
  return { ...frame, index, columns: filter(frame.columns) };
}

describe.skipIf(!available.ok)("audb-python publishes, audb-ts loads", () => {
  let py: PyLoad[];
  let ts: LoadedFolder[];
  let tsDbs: PyDb[];
  let pyDbs: PyDb[];
  let flac32: unknown;
  let work: string | undefined;
  let pyPartial: PyLoad[];
  let audio: AudioComparison[][];
  let published: { steps: Record<string, unknown>; repository: Record<string, string> };

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "interop-py2ts-"));
    work = dir;
    const host = join(dir, "host");
    [published] = (await runBatch([{ op: "publish", build_root: join(dir, "build"), repo_host: host }])) as [typeof published];
    const ops: BatchOp[] = [
      ...CASES.map((c) => ({ op: "load", repos: [host], name: "interop", version: c.version, cache_root: join(dir, "cache-py"), ...c.py })),
      // FLAC cannot hold 32 bit: audb-python fails on audio/e.wav
      { op: "load", repos: [host], name: "interop", version: "1.0.0", cache_root: join(dir, "cache-py"), format: "flac" },
      ...PARTIAL.map((c) => ({ op: "load", repos: [host], name: "interop", version: c.version, cache_root: join(dir, "cache-py-partial"), ...c.py })),
    ];
    const cacheRoot = join(dir, "cache-ts");
    configure({ repositories: [new Repository("repo", host, "file-system")], cacheRoot, sharedCacheRoot: join(dir, "no-shared") });
    // audb-python and audb-ts load at the same time (separate caches)
    const tsLoads = (async () => {
      const out: LoadedFolder[] = [];
      for (const c of CASES) out.push(await loadToCache("interop", { version: c.version, ...c.ts }));
      return out;
    })();
    const [results, tsLoaded] = await Promise.all([runBatch(ops, true), tsLoads]);
    ts = tsLoaded;
    const flacAt = CASES.length;
    for (const [i, r] of results.entries()) if (r instanceof Error && i !== flacAt) throw r;
    py = results.slice(0, flacAt) as PyLoad[];
    flac32 = results[flacAt];
    pyPartial = results.slice(flacAt + 1) as PyLoad[];

    // one more Python run: audformat reads our folders, soundfile compares the audio
    const after = await runBatch([
      ...ts.map((t) => ({ op: "read_db", root: t.folder })),
      ...py.map((p) => ({ op: "read_db", root: p.root })),
      ...CASES.map((c, i) => ({
        op: "compare_audio",
        pairs: Object.keys(py[i]!.files).filter((f) => AUDIO.test(f)).map((f) => [join(py[i]!.root, f), join(ts[i]!.folder, f)]),
      })),
    ]);
    tsDbs = after.slice(0, CASES.length) as PyDb[];
    pyDbs = after.slice(CASES.length, 2 * CASES.length) as PyDb[];
    audio = after.slice(2 * CASES.length) as AudioComparison[][];
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("the repository holds both versions and the remove_media result", () => {
    const keys = Object.keys(published.repository);
    expect(keys).toContain("interop/2.0.0/db.yaml");
    expect(keys).toContain("interop/meta/1.0.0/segments.parquet");
    expect(keys).toContain("interop/media/1.0.0/group.zip");
    expect(keys).toContain("interop/attachment/1.0.0/folder.zip");
    for (const c of CASES) expect(py[CASES.indexOf(c)]!.dependencies.find((d) => d.file === "wav/d.wav")?.removed, c.label).toBe(1);
  });

  test("flavour folders have audb-python's names", () => {
    CASES.forEach((c, i) => {
      expect(basename(ts[i]!.folder), c.label).toBe(py[i]!.flavor_id);
      expect(basename(py[i]!.root), c.label).toBe(py[i]!.flavor_id);
    });
  });

  test("the same files are in each flavour folder (removed media left out)", () => {
    CASES.forEach((c, i) => {
      const ours = Object.keys(listFiles(ts[i]!.folder));
      const theirs = Object.keys(py[i]!.files).filter((f) => !pythonOnly(f));
      expect(ours, c.label).toEqual(theirs);
      expect(ours.some((f) => f.startsWith("wav/d.")), c.label).toBe(false);
    });
  });

  test("tables, attachments, non-audio media and (default flavour) audio are byte-identical", () => {
    CASES.forEach((c, i) => {
      const ours = listFiles(ts[i]!.folder);
      const defaultFlavour = Object.keys(c.ts).length === 0;
      for (const [file, md5] of Object.entries(py[i]!.files)) {
        if (pythonOnly(file) || file === "db.yaml") continue;
        if (AUDIO.test(file) && !defaultFlavour) continue;
        expect(ours[file], `${c.label}: ${file}`).toBe(md5);
      }
    });
  });

  test("db.yaml: the repository header plus the same audb block", () => {
    CASES.forEach((c, i) => {
      const ours = parse(readFileSync(join(ts[i]!.folder, "db.yaml"), "utf8")) as Record<string, unknown>;
      const theirs = parse(readFileSync(join(py[i]!.root, "db.yaml"), "utf8")) as Record<string, unknown>;
      const audb = (d: Record<string, unknown>) => d["audb"] as { root: string; version: string; flavor: unknown };
      expect(audb(ours).root, c.label).toBe(ts[i]!.folder);
      expect(audb(ours).version, c.label).toBe(audb(theirs).version);
      expect(audb(ours).flavor, c.label).toEqual(audb(theirs).flavor);
      const strip = (d: Record<string, unknown>) => ({ ...d, audb: undefined });
      expect(strip(ours), c.label).toEqual(strip(theirs));
    });
  });

  test("audformat reads the same schemes, labels and tables from our folders as from audb-python's", () => {
    CASES.forEach((c, i) => {
      expect(tsDbs[i], c.label).toEqual(pyDbs[i]);
      // the labels audb-python's load reports (from its in-memory database)
      expect(tsDbs[i]!.schemes, c.label).toEqual(py[i]!.schemes);
      expect(Object.keys(tsDbs[i]!.tables).sort(), c.label).toEqual(Object.keys(py[i]!.tables!).sort());
      expect(Object.keys(tsDbs[i]!.misc_tables).sort(), c.label).toEqual(Object.keys(py[i]!.misc_tables!).sort());
    });
  });

  test("audb-python's loaded tables = the tables in our folder without the rows of removed media", () => {
    CASES.forEach((c, i) => {
      const removed = new Set(py[i]!.dependencies.filter((d) => d.removed === 1).map((d) => d.file));
      expect(removed.size, c.label).toBeGreaterThan(0);
      const audio = new Set(py[i]!.dependencies.filter((d) => d.type === 1 && d.sampling_rate > 0).map((d) => d.file));
      const format = c.ts.format;
      const rename = (f: string) => (format && audio.has(f) ? f.replace(/\.[^./]*$/, `.${format}`) : f);
      for (const [id, frame] of Object.entries(tsDbs[i]!.tables)) {
        expect(asLoaded(frame, removed, rename), `${c.label}: ${id}`).toEqual(py[i]!.tables![id]);
      }
      expect(tsDbs[i]!.misc_tables, c.label).toEqual(py[i]!.misc_tables);
    });
  });

  test("load() returns the tables, labels and files audb-python's load returns", async () => {
    for (const [i, c] of CASES.entries()) {
      const db = await load("interop", { version: c.version, ...c.ts, fullPath: false });
      expect(schemesToPy(db), c.label).toEqual(py[i]!.schemes);
      expect([...db.tables.keys()].sort(), c.label).toEqual(Object.keys(py[i]!.tables!).sort());
      expect([...db.miscTables.keys()].sort(), c.label).toEqual(Object.keys(py[i]!.misc_tables!).sort());
      for (const id of db.tables.keys()) expect(frameToPy(db, id), `${c.label}: ${id}`).toEqual(py[i]!.tables![id]);
      for (const id of db.miscTables.keys()) expect(frameToPy(db, id), `${c.label}: ${id}`).toEqual(py[i]!.misc_tables![id]);
      expect(db.files, c.label).toEqual(py[i]!.db_files);
    }
  });

  test("partial loads select the tables, media and attachments audb-python selects", async () => {
    const cacheRoot = join(work!, "cache-ts-partial");
    for (const [i, c] of PARTIAL.entries()) {
      const theirs = pyPartial[i]!;
      const loaded = await loadToCache("interop", { version: c.version, ...c.ts, cacheRoot });
      expect(basename(loaded.folder), c.label).toBe(theirs.flavor_id);
      const ours = listFiles(loaded.folder);
      // cumulative in one cache root: `.complete` appears in both once the partial loads
      // have filled a folder (audb's `_database_check_complete`)
      const skip = (f: string) => f === "db.yaml";
      const want = Object.fromEntries(Object.entries(theirs.files).filter(([f]) => !pythonOnly(f) && !skip(f)));
      expect(Object.fromEntries(Object.entries(ours).filter(([f]) => !skip(f))), c.label).toEqual(want);
      const db = await load("interop", { version: c.version, ...c.ts, cacheRoot, fullPath: false });
      expect([...db.tables.keys()].sort(), c.label).toEqual(Object.keys(theirs.tables!).sort());
      expect([...db.miscTables.keys()].sort(), c.label).toEqual(Object.keys(theirs.misc_tables!).sort());
      for (const id of db.tables.keys()) expect(frameToPy(db, id), `${c.label}: ${id}`).toEqual(theirs.tables![id]);
      expect(db.files, c.label).toEqual(theirs.db_files);
    }
  });

  test("format flac with 32-bit media and no bit depth: both refuse (FLAC holds at most 24 bit)", async () => {
    expect(flac32).toBeInstanceOf(Error);
    expect(String(flac32)).toMatch(/bit_depth" has to be one of 8, 16, 24/);
    await expect(loadToCache("interop", { version: "1.0.0", format: "flac" })).rejects.toThrow(/bit depth 32/);
  });

  test("converted audio: same rate, channels, length and bit depth; within 1 LSB, or < -60 dB when resampled", () => {
    CASES.forEach((c, i) => {
      if (Object.keys(c.ts).length === 0) return;
      expect(audio[i]!.length, c.label).toBeGreaterThan(0);
      for (const cmp of audio[i]!) {
        const what = `${c.label}: ${JSON.stringify(cmp)}`;
        // libsndfile writes WAVE_FORMAT_PCM where we write WAVE_FORMAT_EXTENSIBLE (docs/interop.md, known limitations)
        const family = (info: AudioInfo) => ({ ...info, format: info.format.replace(/^WAVEX$/, "WAV") });
        expect(family(cmp.other), what).toEqual(family(cmp.reference));
        if (c.resampled) expect(cmp.diff_db!, what).toBeLessThan(-60);
        else expect(cmp.max_lsb!, what).toBeLessThanOrEqual(1);
      }
    });
  });
});

if (!available.ok) test.skip(available.reason, () => {});
