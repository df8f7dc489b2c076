import { existsSync, readFileSync, statSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { FSDD_TAGS, FULL_FSDD, MINI_FSDD, hasFullFsdd, historyDiff, manifest, materialize } from "../helpers/fsdd-history.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { load } from "../../src/api/load.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { createArchive } from "../../src/core/archive.js";
import { CACHED_DEPENDENCY_FILE } from "../../src/core/cache.js";
import { ChecksumMismatchError, FilterError, MissingVersionError } from "../../src/core/errors.js";
import { YamlError } from "../../src/format/errors.js";
import { Repository } from "../../src/core/repository.js";
import { flavorId, makeFlavor } from "../../src/core/flavor.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
const mediaGets = () => traffic.gets.filter((k) => k.includes("/media/"));

/** Publishes the history; returns per version the folder the sources were materialised in. */
async function publishHistory(source: string, repo: Repository, tags = FSDD_TAGS) {
  const sources = new Map<string, string>();
  for (const [tag, version] of tags) {
    const root = await tempDir(`fsdd-${tag}-`);
    await materialize(source, tag, root);
    await writeFsddDatabase(root);
    await publish(root, version, repo);
    sources.set(version, root);
  }
  return sources;
}

async function expectIdentical(folder: string, source: string, files: string[]) {
  for (const f of files) expect(readFileSync(join(folder, f)).equals(readFileSync(join(source, f))), f).toBe(true);
}

describe("load the FSDD history", () => {
  const cases = hasFullFsdd ? [["mini", MINI_FSDD], ["full", FULL_FSDD]] : [["mini", MINI_FSDD]];
  for (const [label, source] of cases) {
    test(`downloads only what the previous versions do not hold (${label})`, { timeout: 300_000 }, async () => {
      const repo = new Repository("data", await tempDir("repo-"), "counting-fs");
      const cacheRoot = await tempDir("cache-");
      configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "no-shared") });
      const sources = await publishHistory(source!, repo, FSDD_TAGS.filter(([, v]) => ["1.0.7", "1.0.8", "1.0.10"].includes(v)));

      resetTraffic();
      const v107 = await loadToCache("fsdd", { version: "1.0.7" });
      expect(mediaGets()).toHaveLength(manifest(source!, "v1.0.7").size);
      await expectIdentical(v107.folder, sources.get("1.0.7")!, v107.media);
      expect(existsSync(join(v107.folder, ".complete"))).toBe(true);

      resetTraffic();
      const v108 = await loadToCache("fsdd", { version: "1.0.8" });
      expect(mediaGets()).toHaveLength(historyDiff(source!, "v1.0.7", "v1.0.8").changed.length);
      await expectIdentical(v108.folder, sources.get("1.0.8")!, v108.media);
      if (label === "full") expect(mediaGets()).toHaveLength(500);

      resetTraffic();
      const v1010 = await loadToCache("fsdd", { version: "1.0.10" });
      const diff = historyDiff(source!, "v1.0.8", "v1.0.10");
      expect(mediaGets()).toHaveLength(diff.added.length + diff.changed.length);
      if (label === "full") expect(mediaGets()).toHaveLength(1500);
      await expectIdentical(v1010.folder, sources.get("1.0.10")!, v1010.media);
      // reused files are hard links, not copies
      const shared = v1010.media.find((f) => v108.media.includes(f))!;
      expect(statSync(join(v1010.folder, shared)).ino).toBe(statSync(join(v108.folder, shared)).ino);

      resetTraffic();
      await loadToCache("fsdd", { version: "1.0.10" });
      expect(traffic.gets).toEqual([]);
    });
  }
});

describe("load", () => {
  let repo: Repository;
  let source: string;
  let cacheRoot: string;
  beforeAll(async () => {
    repo = new Repository("data", await tempDir("repo-"), "counting-fs");
    source = await tempDir("fsdd-");
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source);
    configure({ repositories: [repo] }); // this repository alone: "latest" is looked for in every configured one
    await publish(source, "1.0.0", repo);
  });
  const fresh = async () => {
    cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  };

  test("the default flavour folder is named as audb names it, with an audb block in db.yaml", async () => {
    await fresh();
    const loaded = await loadToCache("fsdd");
    expect(loaded.version).toBe("1.0.0");
    expect(loaded.folder).toBe(join(cacheRoot, "fsdd", "1.0.0", "d3b62a9b"));
    const header = await readFile(join(loaded.folder, "db.yaml"), "utf8");
    expect(header).toContain("audb:");
    expect(header).toContain(`root: ${loaded.folder}`);
    expect((await readdir(join(cacheRoot, "fsdd", "1.0.0"))).filter((e) => e.includes("~"))).toEqual([]);
  });

  test("partial loads: tables, media, onlyMetadata; a later full load fills in the rest", async () => {
    await fresh();
    resetTraffic();
    const meta = await loadToCache("fsdd", { onlyMetadata: true });
    expect(meta.media).toEqual([]);
    expect(mediaGets()).toEqual([]);
    expect(existsSync(join(meta.folder, "db.files.csv"))).toBe(true);
    expect(existsSync(join(meta.folder, "db.speaker.csv"))).toBe(true);
    expect(existsSync(join(meta.folder, ".complete"))).toBe(false);

    const some = await loadToCache("fsdd", { media: "_theo_" });
    expect(some.media).toHaveLength(6);
    expect(mediaGets()).toHaveLength(6);
    const exact = await loadToCache("fsdd", { media: ["recordings/0_lucas_0.wav"] });
    expect(exact.media).toEqual(["recordings/0_lucas_0.wav"]);

    const onlySpeaker = await loadToCache("fsdd", { tables: ["speaker"], onlyMetadata: true });
    expect(onlySpeaker.tables).toEqual(["speaker"]);

    resetTraffic();
    const full = await loadToCache("fsdd");
    expect(mediaGets()).toHaveLength(36 - 7);
    expect(existsSync(join(full.folder, ".complete"))).toBe(true);
    await expectIdentical(full.folder, source, full.media);
  });

  test("the loaded database's meta.audb says whether the folder is complete (in memory, as audb), not db.yaml", async () => {
    await fresh();
    const partial = await load("fsdd", { onlyMetadata: true });
    expect(partial.meta["audb"]).toMatchObject({ complete: false, version: "1.0.0" });
    const full = await load("fsdd");
    expect(Object.keys(full.meta["audb"] as object).sort()).toEqual(["complete", "flavor", "root", "version"]);
    expect(full.meta["audb"]).toMatchObject({ complete: true, root: full.root });
    const header = await readFile(join(full.root!, "db.yaml"), "utf8");
    expect(header).not.toContain("complete");
    expect(header).toMatch(/^audb:\n/m);
    // an old header's own flag does not hide the folder's .complete
    await writeFile(join(full.root!, "db.yaml"), header.replace(/^audb:\n/m, "audb:\n  complete: false\n"));
    expect((await load("fsdd")).meta["audb"]).toMatchObject({ complete: true });
  });

  test("a version complete in the shared cache is used from there, with nothing downloaded", async () => {
    await fresh();
    const shared = cacheRoot;
    const loadedShared = await loadToCache("fsdd");
    const own = await tempDir("own-cache-");
    configure({ repositories: [repo], cacheRoot: own, sharedCacheRoot: shared });
    resetTraffic();
    const loaded = await loadToCache("fsdd");
    expect(loaded.folder).toBe(loadedShared.folder);
    expect(traffic.gets).toEqual([]);
    expect(await readdir(own)).toEqual([]);

    // a shared cache audb-python filled holds no dependency table of ours: it is fetched into our cache, not the shared one
    await rm(join(shared, "fsdd", "1.0.0", CACHED_DEPENDENCY_FILE));
    const before = await readdir(join(shared, "fsdd", "1.0.0"));
    const again = await loadToCache("fsdd");
    expect(again.folder).toBe(loadedShared.folder);
    expect(await readdir(join(shared, "fsdd", "1.0.0"))).toEqual(before);
    expect(existsSync(join(own, "fsdd", "1.0.0", CACHED_DEPENDENCY_FILE))).toBe(true);
  });

  test("a published header that is not UTF-8 is a YamlError naming it, not cached with U+FFFD in place of the byte", async () => {
    await fresh();
    const header = join(repo.host, "data", "fsdd", "1.0.0", "db.yaml");
    const original = await readFile(header);
    try {
      await writeFile(header, Buffer.concat([original, Buffer.from("description: caf\u00e9\n", "latin1")]));
      const err = await load("fsdd", { version: "1.0.0", onlyMetadata: true }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(YamlError);
      expect((err as Error).message).toMatch(/db\.yaml' at line \d+: not valid UTF-8 \(byte 0xE9\)/);
    } finally {
      await writeFile(header, original);
    }
  });

  test("filters that match nothing and unknown versions are typed errors naming them", async () => {
    await fresh();
    await expect(loadToCache("fsdd", { media: "nothing-like-this" })).rejects.toThrow(FilterError);
    await expect(loadToCache("fsdd", { media: "nothing-like-this" })).rejects.toThrow(/media: 'nothing-like-this' matches nothing/);
    await expect(loadToCache("fsdd", { tables: ["nope"] })).rejects.toThrow(/tables: 'nope' not found/);
    await expect(loadToCache("fsdd", { version: "9.9.9" })).rejects.toThrow(MissingVersionError);
    await expect(loadToCache("fsdd", { version: "9.9.9" })).rejects.toThrow(/9\.9\.9.*available: 1\.0\.0/);
    await expect(loadToCache("no-such-db")).rejects.toThrow(/'no-such-db' is not in any configured repository/);
  });

  test("a tampered archive is detected and nothing is left under a final name", async () => {
    const host = await tempDir("repo-");
    const tampered = new Repository("data", host, "file-system");
    const copy = await tempDir("fsdd-copy-");
    await materialize(MINI_FSDD, "v1.0.10", copy);
    await writeFsddDatabase(copy);
    configure({ repositories: [tampered] });
    await publish(copy, "1.0.0", tampered);
    // replace one file inside its archive by other bytes
    const work = await tempDir("tamper-");
    await cp(join(source, "recordings"), join(work, "recordings"), { recursive: true });
    await writeFile(join(work, "recordings/0_george_0.wav"), Buffer.from("not the original"));
    const { archiveName } = await import("../../src/core/archive.js");
    await createArchive(join(host, "data/fsdd/media/1.0.0", `${archiveName("recordings/0_george_0.wav")}.zip`), work, ["recordings/0_george_0.wav"]);
    cacheRoot = await tempDir("cache-");
    configure({ repositories: [tampered], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    const err = await loadToCache("fsdd").catch((e: Error) => e);
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect((err as Error).message).toContain("recordings/0_george_0.wav");
    const folder = join(cacheRoot, "fsdd", "1.0.0", "d3b62a9b");
    expect(existsSync(join(folder, "recordings/0_george_0.wav"))).toBe(false);
    expect(existsSync(join(folder, ".complete"))).toBe(false);
    // the checksum check can be turned off, as in audb
    const loaded = await loadToCache("fsdd", { verify: false });
    expect(readFileSync(join(loaded.folder, "recordings/0_george_0.wav"), "utf8")).toBe("not the original");
  });
});

describe("load returns the database", () => {
  let repo: Repository;
  let cacheRoot: string;
  beforeAll(async () => {
    repo = new Repository("data", await tempDir("repo-"), "file-system");
    const source = await tempDir("fsdd-");
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source);
    configure({ repositories: [repo] }); // this repository alone: "latest" is looked for in every configured one
    await publish(source, "1.0.10", repo);
    cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  });

  test("tables with absolute paths; labels map through the misc table", async () => {
    const db = await load("fsdd");
    const folder = join(cacheRoot, "fsdd", "1.0.10", "d3b62a9b");
    expect(db.root).toBe(folder);
    const files = db.tables.get("files")!;
    expect(files.files).toHaveLength(36);
    expect(files.files[0]).toBe(join(folder, "recordings/0_george_0.wav"));
    const gender = files.columns.get("speaker")!.get({ map: "gender" });
    expect(new Set(gender.values as string[])).toEqual(new Set(["male"]));
    expect(db.miscTables.get("speaker")!.index.length).toBe(6);
    const relative = await load("fsdd", { fullPath: false, media: "_lucas_" });
    expect(relative.tables.get("files")!.files).toEqual(["recordings/0_lucas_0.wav", "recordings/0_lucas_1.wav", "recordings/0_lucas_2.wav", "recordings/1_lucas_0.wav", "recordings/1_lucas_1.wav", "recordings/1_lucas_2.wav"]);
  });

  test("a conversion that fails names the file, leaves no half-written output and no .complete", async () => {
    const host = await tempDir("repo-");
    const broken = new Repository("data", host, "file-system");
    const copy = await tempDir("fsdd-copy-");
    await materialize(MINI_FSDD, "v1.0.10", copy);
    await writeFsddDatabase(copy);
    configure({ repositories: [broken] });
    await publish(copy, "1.0.0", broken);
    const work = await tempDir("truncate-");
    await cp(join(copy, "recordings"), join(work, "recordings"), { recursive: true });
    const bytes = readFileSync(join(work, "recordings/1_lucas_1.wav"));
    await writeFile(join(work, "recordings/1_lucas_1.wav"), bytes.subarray(0, 30)); // cut inside the 'fmt ' chunk
    const { archiveName } = await import("../../src/core/archive.js");
    await createArchive(join(host, "data/fsdd/media/1.0.0", `${archiveName("recordings/1_lucas_1.wav")}.zip`), work, ["recordings/1_lucas_1.wav"]);
    const own = await tempDir("cache-");
    configure({ repositories: [broken], cacheRoot: own, sharedCacheRoot: join(own, "none") });
    const { AudioFileError } = await import("../../src/audio/errors.js");
    const err = await load("fsdd", { samplingRate: 16000, verify: false }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(AudioFileError);
    expect((err as InstanceType<typeof AudioFileError>).file).toBe("recordings/1_lucas_1.wav"); // as the database names it, not the staged copy
    expect((err as Error).message).toMatch(/^recordings\/1_lucas_1\.wav: /);
    const folder = join(own, "fsdd", "1.0.0", flavorId(makeFlavor({ samplingRate: 16000 })));
    expect(existsSync(join(folder, "recordings/1_lucas_1.wav"))).toBe(false);
    expect(existsSync(join(folder, ".complete"))).toBe(false);
    expect((await readdir(join(own, "fsdd", "1.0.0"))).filter((e) => e.includes("~"))).toEqual([]);
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  });

  test("flavours: 16 kHz FLAC and channels [0, 0] land in the folders audb names, with converted files", async () => {
    const { audioInfo } = await import("../../src/audio/info.js");
    // folder names computed by audb-python 1.15: Flavor(format="flac", sampling_rate=16000).short_id
    // and Flavor(channels=[0, 0]).short_id
    const flac = await load("fsdd", { samplingRate: 16000, format: "flac" });
    expect(flac.root).toBe(join(cacheRoot, "fsdd", "1.0.10", "9f9e46a1"));
    const flacFiles = flac.tables.get("files")!.files;
    expect(flacFiles.every((f) => f.endsWith(".flac"))).toBe(true);
    const original = await audioInfo(join(MINI_FSDD, "recordings", "0_jackson_0.wav"));
    for (const f of flacFiles) {
      const info = await audioInfo(f);
      expect(info).toMatchObject({ format: "flac", samplingRate: 16000, channels: 1, bitDepth: 16 });
    }
    const first = await audioInfo(join(flac.root!, "recordings/0_jackson_0.flac"));
    expect(Math.abs(first.duration - original.duration)).toBeLessThanOrEqual(1 / 16000);

    const stereo = await load("fsdd", { channels: [0, 0] });
    expect(stereo.root).toBe(join(cacheRoot, "fsdd", "1.0.10", "918fd73e"));
    const info = await audioInfo(join(stereo.root!, "recordings/0_jackson_0.wav"));
    expect(info).toMatchObject({ format: "wav", samplingRate: 8000, channels: 2, bitDepth: 16 });
    expect(info.duration).toBeCloseTo(original.duration, 9);
  });
});

describe("MP3 and Ogg media in flavours", () => {
  test("16 kHz WAV converts them as audb-python does; a flavour without a format that must convert them is refused, naming the file", async () => {
    const { audioInfo } = await import("../../src/audio/info.js");
    const { UnsupportedAudioError } = await import("../../src/audio/errors.js");
    const repo = new Repository("data", await tempDir("repo-"), "file-system");
    const source = await tempDir("fsdd-mp3-");
    await materialize(MINI_FSDD, "v1.0.10", source);
    const compressed = join(import.meta.dirname, "../fixtures/compressed/variants");
    const added = { "recordings/1_jackson_90.mp3": "lame-vbr.mp3", "recordings/1_jackson_91.ogg": "sndfile-vorbis-44k-stereo.ogg", "recordings/1_jackson_92.ogg": "opusenc-22k.ogg" };
    for (const [file, fixture] of Object.entries(added)) await cp(join(compressed, fixture), join(source, file));
    await writeFsddDatabase(source);
    const csv = readFileSync(join(source, "db.files.csv"), "utf8");
    await writeFile(join(source, "db.files.csv"), csv + Object.keys(added).map((f) => `${f},1,jackson,train\n`).join(""));
    configure({ repositories: [repo] }); // this repository alone: "latest" is looked for in every configured one
    await publish(source, "1.0.0", repo);
    const cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });

    const db = await load("fsdd", { samplingRate: 16000, format: "wav", media: "jackson_9" });
    const root = db.root!;
    // lame-vbr.mp3 is 16 kHz already: decoded and written as WAV with its 11,680 frames.
    expect(await audioInfo(join(root, "recordings/1_jackson_90.wav"))).toMatchObject({ format: "wav", samplingRate: 16000, channels: 1, bitDepth: 16, frames: 11_680 });
    expect(await audioInfo(join(root, "recordings/1_jackson_91.wav"))).toMatchObject({ format: "wav", samplingRate: 16000, channels: 2, bitDepth: 16, frames: Math.round((33_957 * 16_000) / 44_100) });
    expect(await audioInfo(join(root, "recordings/1_jackson_92.wav"))).toMatchObject({ format: "wav", samplingRate: 16000, channels: 1, bitDepth: 16, frames: Math.round((50_400 * 16_000) / 24_000) });

    const err = await load("fsdd", { samplingRate: 8000, media: "jackson_91" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedAudioError);
    expect((err as Error).message).toContain("1_jackson_91.ogg");
    expect((err as Error).message).toContain("converted to WAV or FLAC only");
  });
});

describe.runIf(hasFullFsdd)("the full FSDD 1.0.10 in two flavours", () => {
  test("16 kHz FLAC and channels [0, 0]: every file has the right rate, channels and duration", { timeout: 300_000 }, async () => {
    const { audioInfo } = await import("../../src/audio/info.js");
    const repo = new Repository("data", await tempDir("repo-"), "file-system");
    const source = await tempDir("fsdd-full-");
    await materialize(FULL_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source);
    configure({ repositories: [repo] }); // this repository alone: "latest" is looked for in every configured one
    await publish(source, "1.0.10", repo);
    const cacheRoot = await tempDir("cache-");
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
    const flac = await load("fsdd", { samplingRate: 16000, format: "flac" });
    const stereo = await load("fsdd", { channels: [0, 0] });
    expect(flac.root).toBe(join(cacheRoot, "fsdd", "1.0.10", "9f9e46a1"));
    expect(stereo.root).toBe(join(cacheRoot, "fsdd", "1.0.10", "918fd73e"));
    const names = (await readdir(join(source, "recordings"))).sort();
    expect(flac.tables.get("files")!.files).toHaveLength(names.length);
    for (const name of names) {
      const original = await audioInfo(join(source, "recordings", name));
      const a = await audioInfo(join(flac.root!, "recordings", name.replace(/\.wav$/, ".flac")));
      expect(a).toMatchObject({ format: "flac", samplingRate: 16000, channels: 1, bitDepth: 16 });
      expect(a.frames).toBe(Math.round((original.frames * 16000) / original.samplingRate));
      const b = await audioInfo(join(stereo.root!, "recordings", name));
      expect(b).toMatchObject({ format: "wav", samplingRate: original.samplingRate, channels: 2, bitDepth: 16, frames: original.frames });
    }
  });
});
