import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { FSDD_TAGS, MINI_FSDD, FULL_FSDD, hasFullFsdd, historyDiff, materialize } from "../helpers/fsdd-history.js";
import { BackendUnavailableError, registerBackend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { archiveName, listArchive } from "../../src/core/archive.js";
import { fetchDependencies } from "../../src/core/remote-dependencies.js";
import { DEPENDENCY_SNAPSHOT_FILE } from "../../src/core/dependency-snapshot.js";
import { STAT_INDEX_FILE } from "../../src/core/stat-index.js";
import { dependenciesToCsv } from "../../src/core/dependencies-csv.js";
import { readFramedHeader } from "../../src/core/framed-header.js";
import { listVersions } from "../../src/core/layout.js";
import { DuplicateIndexError, InvalidIdError } from "../../src/format/errors.js";
import {
  DependencyMismatchError, InvalidVersionError, MissingMediaError, MissingVersionError, PublishError, RepositoryMismatchError, VersionExistsError,
} from "../../src/core/errors.js";

/** Every file under `dir` with its bytes, to compare a folder before and after. */
async function snapshotFolder(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const entries = await Promise.all(files.map(async (e) => {
    const path = join(e.parentPath, e.name);
    return [path, (await readFile(path)).toString("base64")] as const;
  }));
  return Object.fromEntries(entries);
}

/** While true, `header-fails` backends refuse to store headers (`<name>/<version>/db.yaml`). */
let failHeader = false;
registerBackend("header-fails", (host, name) => {
  const inner = new FileSystemBackend(join(host, name));
  const putFile = inner.putFile.bind(inner);
  inner.putFile = async (key, src) => {
    if (failHeader && key.endsWith("/db.yaml")) throw new Error(`header upload refused: ${key}`);
    return putFile(key, src);
  };
  return inner;
});

async function tempDir(prefix: string) {
  return mkdtemp(join(tmpdir(), prefix));
}

const mediaPuts = () => traffic.puts.filter((k) => k.includes("/media/"));

/** Keys stored under `fsdd/media/<version>/` of a file-system repository: the archives that version uploaded. */
async function storedMedia(host: string, version: string): Promise<string[]> {
  const dir = join(host, "data", "fsdd", "media", version);
  return existsSync(dir) ? (await readdir(dir)).map((name) => `fsdd/media/${version}/${name}`) : [];
}

/**
 * Publishes each FSDD tag on top of the previous one, to a `counting-fs` repository
 * (archive bytes through `putBytes`, as to a remote store) or a `file-system` one (worker
 * threads write archives into it themselves).
 */
async function publishHistory(source: string, kind: "counting-fs" | "file-system") {
  const host = await tempDir("repo-");
  const repo = new Repository("data", host, kind);
  configure({ repositories: [repo] });
  const steps: { version: string; mediaUploads: string[]; expected: string[]; removed: string[] }[] = [];
  let previousTag: string | null = null;
  for (const [tag, version] of FSDD_TAGS) {
    const root = await tempDir(`fsdd-${tag}-`);
    await materialize(source, tag, root);
    await writeFsddDatabase(root);
    resetTraffic();
    await publish(root, version, repo);
    const diff = historyDiff(source, previousTag, tag);
    const stored = await storedMedia(host, version);
    if (kind === "counting-fs") expect(mediaPuts().sort()).toEqual(stored.sort());
    steps.push({
      version,
      mediaUploads: stored,
      expected: [...diff.added, ...diff.changed].map((f) => `fsdd/media/${version}/${archiveName(`recordings/${f}`)}.zip`).sort(),
      removed: diff.removed.map((f) => `recordings/${f}`),
    });
    previousTag = tag;
    await rm(root, { recursive: true, force: true });
  }
  return { repo, host, steps };
}

describe("publish the FSDD history", () => {
  const sources = hasFullFsdd ? [["mini", MINI_FSDD], ["full", FULL_FSDD]] : [["mini", MINI_FSDD]];
  for (const [label, source] of sources) for (const kind of ["counting-fs", "file-system"] as const) {
    test(`uploads exactly the added and re-recorded files at each step (${label}, ${kind})`, { timeout: 300_000 }, async () => {
      const { repo, steps } = await publishHistory(source!, kind);
      const backend = await repo.open();
      expect(await listVersions(backend, "fsdd")).toEqual(FSDD_TAGS.map(([, v]) => v));
      for (const step of steps) {
        expect(step.mediaUploads.sort()).toEqual(step.expected);
        const deps = await fetchDependencies(backend, "fsdd", step.version);
        for (const f of step.removed) expect(deps.has(f)).toBe(false);
      }
      if (label === "full") {
        // from the history table of ../shared/datasets/fsdd/README.md: v1.0 +501; v1.0.2 +500;
        // v1.0.3 +500 (v1.0.5 also -1); v1.0.6 +500 then v1.0.7 -500; v1.0.8 ~500; v1.0.9 +1000, v1.0.10 +500
        expect(steps.map((s) => s.mediaUploads.length)).toEqual([501, 500, 500, 0, 500, 1500]);
      }
    });
  }
});

describe("publish", () => {
  let source: string;
  beforeAll(async () => {
    source = await tempDir("fsdd-src-");
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source);
  });

  async function fresh() {
    const root = await tempDir("db-");
    await cp(source, root, { recursive: true });
    const repo = new Repository("data", await tempDir("repo-"), "counting-fs");
    configure({ repositories: [repo] });
    return { root, repo };
  }

  test("MP3 and Ogg media get the rows audb-python gives them (libsndfile's rate, channels and length; bit depth 0)", async () => {
    const { root, repo } = await fresh();
    const compressed = join(import.meta.dirname, "../fixtures/compressed/variants");
    const added = { "recordings/1_jackson_90.mp3": "lame-vbr.mp3", "recordings/1_jackson_91.ogg": "sndfile-vorbis-44k-stereo.ogg", "recordings/1_jackson_92.ogg": "opusenc-22k.ogg" };
    for (const [file, fixture] of Object.entries(added)) await cp(join(compressed, fixture), join(root, file));
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    await writeFile(join(root, "db.files.csv"), csv + Object.keys(added).map((f) => `${f},1,jackson,train\n`).join(""));
    const deps = await publish(root, "1.0.0", repo);
    expect(deps.get("recordings/1_jackson_90.mp3")).toMatchObject({ format: "mp3", bitDepth: 0, channels: 1, samplingRate: 16_000, duration: 11_680 / 16_000 });
    expect(deps.get("recordings/1_jackson_91.ogg")).toMatchObject({ format: "ogg", bitDepth: 0, channels: 2, samplingRate: 44_100, duration: 33_957 / 44_100 });
    expect(deps.get("recordings/1_jackson_92.ogg")).toMatchObject({ format: "ogg", bitDepth: 0, channels: 1, samplingRate: 24_000, duration: 50_400 / 24_000 });
  });

  test("first publish writes the layout audb reads, header last", async () => {
    const { root, repo } = await fresh();
    resetTraffic();
    const deps = await publish(root, "1.0.0", repo);
    expect(traffic.puts.at(-1)).toBe("fsdd/1.0.0/db.yaml");
    expect(traffic.puts.at(-2)).toBe("fsdd/1.0.0/db.zip");
    expect(traffic.puts).toContain("fsdd/meta/1.0.0/files.zip");
    expect(traffic.puts).toContain("fsdd/meta/1.0.0/speaker.zip");
    expect(deps.media).toHaveLength(36);
    const row = deps.get("recordings/0_jackson_0.wav");
    expect(row).toMatchObject({ bitDepth: 16, channels: 1, samplingRate: 8000, format: "wav", type: 1, version: "1.0.0", removed: false });
    expect(row.checksum).toMatch(/^[0-9a-f]{16}$/);
    expect(row.duration).toBeGreaterThan(0.1);
    expect(row.archive).toBe(archiveName("recordings/0_jackson_0.wav"));
    expect(deps.get("db.files.csv")).toMatchObject({ archive: "files", type: 0, format: "csv" });
    expect(existsSync(join(root, "db.csv"))).toBe(true);
  });

  test("md5 checksums on request", async () => {
    const { root, repo } = await fresh();
    const deps = await publish(root, "1.0.0", repo, { checksum: "md5" });
    expect(deps.checksum("recordings/0_jackson_0.wav")).toMatch(/^[0-9a-f]{32}$/);
  });

  test("republishing with only the header changed re-hashes nothing and uploads two objects", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo);
    await writeFile(join(root, "db.yaml"), (await readFile(join(root, "db.yaml"), "utf8")).replace("recordings of spoken digits", "spoken digits"));
    resetTraffic();
    const events: string[] = [];
    await publish(root, "1.1.0", repo, { onProgress: (e) => events.push(`${e.phase}:${e.done}/${e.total}`) });
    expect(traffic.puts).toEqual(["fsdd/1.1.0/db.zip", "fsdd/1.1.0/db.yaml"]);
    expect(events).toContain("hash:36/36");
    expect(events.filter((e) => e.startsWith("hash:")).length).toBe(1); // all from the stat index, none hashed
  });

  test("a changed file (same size, new mtime) is re-hashed and uploaded", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo);
    const file = join(root, "recordings/1_theo_2.wav");
    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(file, bytes);
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    resetTraffic();
    const deps = await publish(root, "1.0.1", repo);
    expect(mediaPuts()).toEqual([`fsdd/media/1.0.1/${archiveName("recordings/1_theo_2.wav")}.zip`]);
    expect(deps.version("recordings/1_theo_2.wav")).toBe("1.0.1");
    expect(deps.version("recordings/1_theo_1.wav")).toBe("1.0.0");
    // 1.0.1 started from the snapshot 1.0.0 left in the folder: what it stored is what it returned.
    expect(existsSync(join(root, DEPENDENCY_SNAPSHOT_FILE))).toBe(true);
    expect((await fetchDependencies(await repo.open(), "fsdd", "1.0.1")).equals(deps)).toBe(true);
  });

  test("a medium and a table edited in place, at the same size and with their mtimes set back, are published (their ctimes changed)", async () => {
    const { root, repo } = await fresh();
    const wav = join(root, "recordings/1_theo_2.wav");
    const table = join(root, "db.speaker.csv");
    const old = new Date(1_700_000_000_000); // older than 2 s: the table's parse is kept with the stat index
    for (const f of [wav, table]) await utimes(f, old, old);
    await publish(root, "1.0.0", repo);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const bytes = await readFile(wav);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(wav, bytes);
    const csv = await readFile(table, "utf8");
    await writeFile(table, csv.replace("USA/neutral", "USA/Neutral"));
    for (const f of [wav, table]) await utimes(f, old, old);
    resetTraffic();
    const deps = await publish(root, "1.0.1", repo);
    expect(mediaPuts()).toEqual([`fsdd/media/1.0.1/${archiveName("recordings/1_theo_2.wav")}.zip`]);
    expect(deps.version("recordings/1_theo_2.wav")).toBe("1.0.1");
    expect(traffic.puts).toContain("fsdd/meta/1.0.1/speaker.zip");
    expect(deps.version("db.speaker.csv")).toBe("1.0.1");
  });

  test("republishes in a row from one folder keep db.csv, the snapshot and the stored table in step, also when lines change length", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo);
    const steps: Array<[string, string, string]> = [
      ["1.0.1", "recordings/0_jackson_0.wav", "recordings/1_theo_2.wav"], // another recording: another duration, a longer or shorter line
      ["1.0.2", "recordings/1_theo_1.wav", "recordings/0_jackson_1.wav"],
    ];
    for (const [version, from, to] of steps) {
      await cp(join(root, from), join(root, to));
      const deps = await publish(root, version, repo);
      expect(deps.version(to)).toBe(version);
      expect(await readFile(join(root, "db.csv"), "utf8")).toBe(dependenciesToCsv(deps));
      expect((await fetchDependencies(await repo.open(), "fsdd", version)).equals(deps)).toBe(true);
      const snapshot = readFramedHeader(await readFile(join(root, DEPENDENCY_SNAPSHOT_FILE)), "AUDBSNP2");
      expect((snapshot?.meta as { version?: string } | undefined)?.version).toBe(version); // the next publish starts from it
    }
  });

  test("a publish that fails before the header leaves the folder's db.csv as it was; running it again completes it", async () => {
    const { root } = await fresh();
    const repo = new Repository("data", await tempDir("repo-"), "header-fails");
    await publish(root, "1.0.0", repo);
    const before = await readFile(join(root, "db.csv"));
    const file = join(root, "recordings/1_theo_2.wav");
    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(file, bytes);
    failHeader = true;
    await expect(publish(root, "1.0.1", repo)).rejects.toThrow(/header upload refused/);
    failHeader = false;
    expect((await readFile(join(root, "db.csv"))).equals(before)).toBe(true);
    expect((await readdir(root)).filter((name) => name.startsWith("db.csv."))).toEqual([]); // no temp file left
    expect(await listVersions(await repo.open(), "fsdd")).toEqual(["1.0.0"]);
    const deps = await publish(root, "1.0.1", repo);
    expect(deps.version("recordings/1_theo_2.wav")).toBe("1.0.1");
    expect(await listVersions(await repo.open(), "fsdd")).toEqual(["1.0.0", "1.0.1"]);
  });

  test("a file touched but not changed is read again, not uploaded, and its new stat remembered", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo);
    const file = join(root, "recordings/1_theo_2.wav");
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    resetTraffic();
    const deps = await publish(root, "1.0.1", repo);
    expect(mediaPuts()).toEqual([]);
    expect(deps.version("recordings/1_theo_2.wav")).toBe("1.0.0");
    const events: string[] = [];
    await publish(root, "1.0.2", repo, { onProgress: (e) => events.push(`${e.phase}:${e.done}/${e.total}`) });
    expect(events.filter((e) => e.startsWith("hash:"))).toEqual(["hash:36/36"]); // all from the stat index
  });

  test("an archive left with one member after a removal is uploaded once", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo, { archives: { "recordings/0_theo_0.wav": "pair", "recordings/0_theo_1.wav": "pair" } });
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    await writeFile(join(root, "db.files.csv"), csv.split("\n").filter((l) => !l.startsWith("recordings/0_theo_1.wav")).join("\n"));
    resetTraffic();
    const deps = await publish(root, "1.1.0", repo);
    expect(mediaPuts()).toEqual(["fsdd/media/1.1.0/pair.zip"]);
    expect(deps.version("recordings/0_theo_0.wav")).toBe("1.1.0");
    expect(deps.has("recordings/0_theo_1.wav")).toBe(false);
  });

  test("a new file joining an archive of one re-uploads that archive once, with both", async () => {
    const { root, repo } = await fresh();
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    await writeFile(join(root, "db.files.csv"), csv.split("\n").filter((l) => !l.startsWith("recordings/0_theo_1.wav")).join("\n"));
    await publish(root, "1.0.0", repo, { archives: { "recordings/0_theo_0.wav": "solo" } });
    await writeFile(join(root, "db.files.csv"), csv);
    resetTraffic();
    const deps = await publish(root, "1.1.0", repo, { archives: { "recordings/0_theo_1.wav": "solo" } });
    expect(mediaPuts()).toEqual(["fsdd/media/1.1.0/solo.zip"]);
    expect(deps.archive("recordings/0_theo_1.wav")).toBe("solo");
    expect(deps.version("recordings/0_theo_0.wav")).toBe("1.1.0");
    const backend = await repo.open();
    const out = join(await tempDir("solo-"), "solo.zip");
    await backend.getFile("fsdd/media/1.1.0/solo.zip", out);
    expect((await listArchive(out)).map((e) => e.path).sort()).toEqual(["recordings/0_theo_0.wav", "recordings/0_theo_1.wav"]);
  });

  test("grouped archives: a touched archive is re-uploaded whole, missing members come from the old archive", async () => {
    const { root, repo } = await fresh();
    const archives = { "recordings/0_theo_0.wav": "theo", "recordings/0_theo_1.wav": "theo", "recordings/0_theo_2.wav": "theo" };
    await publish(root, "1.0.0", repo, { archives });
    await rm(join(root, "recordings/0_theo_0.wav"));
    const changed = join(root, "recordings/0_theo_1.wav");
    const bytes = await readFile(changed);
    bytes[bytes.length - 2] ^= 0x01;
    await writeFile(changed, bytes);
    resetTraffic();
    const deps = await publish(root, "2.0.0", repo);
    expect(mediaPuts()).toEqual(["fsdd/media/2.0.0/theo.zip"]);
    for (const f of Object.keys(archives)) expect(deps.version(f)).toBe("2.0.0");
    expect(existsSync(join(root, "recordings/0_theo_0.wav"))).toBe(true);
  });

  test("a cut WAV and one with 0xFFFFFFFF sizes get the audio properties audb-python gives them, so flavours convert them", async () => {
    const { root, repo } = await fresh();
    const cut = "recordings/0_lucas_0.wav";
    const streamed = "recordings/0_lucas_1.wav";
    const whole = await readFile(join(root, cut));
    const dataStart = whole.indexOf("data", 12, "latin1") + 8;
    const blockAlign = whole.readUInt16LE(32);
    await writeFile(join(root, cut), whole.subarray(0, dataStart + 1001 * blockAlign + 1));
    const open = Buffer.from(await readFile(join(root, streamed)));
    const frames = (open.length - open.indexOf("data", 12, "latin1") - 8) / blockAlign;
    open.writeUInt32LE(0xffffffff, 4);
    open.writeUInt32LE(0xffffffff, open.indexOf("data", 12, "latin1") + 4);
    await writeFile(join(root, streamed), open);
    const deps = await publish(root, "1.0.0", repo);
    for (const [file, count] of [[cut, 1001], [streamed, frames]] as const) {
      expect([deps.samplingRate(file), deps.channels(file), deps.bitDepth(file), deps.duration(file)], file).toEqual(
        [8000, whole.readUInt16LE(22), whole.readUInt16LE(34), count / 8000],
      );
    }
    const { load } = await import("../../src/api/load.js");
    const { audioInfo } = await import("../../src/audio/info.js");
    configure({ repositories: [repo], cacheRoot: await tempDir("cache-"), sharedCacheRoot: await tempDir("no-shared-") });
    const db = await load("fsdd", { samplingRate: 16000, media: [cut, streamed] });
    for (const file of [cut, streamed]) {
      expect((await audioInfo(join(db.root!, file))).samplingRate, file).toBe(16000);
    }
  });

  test("removed media leave the dependency table", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo);
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    await writeFile(join(root, "db.files.csv"), csv.split("\n").filter((l) => !l.startsWith("recordings/0_lucas_0.wav")).join("\n"));
    const deps = await publish(root, "1.1.0", repo);
    expect(deps.has("recordings/0_lucas_0.wav")).toBe(false);
  });

  test("a value outside its scheme's labels is refused (audb-python would publish it; its load makes it NaN), naming the line; nothing is written", async () => {
    const { root, repo } = await fresh();
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    const lines = csv.split("\n");
    lines[2] = lines[2]!.replace(/,[a-z]+,(train|test)$/, ",nobody,$1");
    await writeFile(join(root, "db.files.csv"), lines.join("\n"));
    resetTraffic();
    const err = await publish(root, "1.0.0", repo).catch((e: unknown) => e);
    expect((err as Error).name).toBe("LabelError");
    expect((err as Error).message).toMatch(/^Value 'nobody' in column 'speaker' of table 'files' \(line 3\) is not a label of scheme 'speaker'/);
    expect(traffic.puts).toEqual([]);
  });

  test("bad input is refused with typed errors and nothing is written", async () => {
    const { root, repo } = await fresh();
    const backend = await repo.open();
    await expect(publish(root, "one", repo)).rejects.toThrow(InvalidVersionError);
    // semver would normalise these; audb (audeer.StrictVersion) refuses them, and each would name a folder as given
    for (const version of ["v1.1.0", " 2.0.0", "2.0.0 ", "1.0.1-rc1", "1.0.0+build", "01.0.0", "1.0"]) {
      await expect(publish(root, version, repo), JSON.stringify(version)).rejects.toThrow(`'${version}' is not a valid version`);
    }
    await expect(publish(root, "1.0.0", repo, { previousVersion: "1.0.0" })).rejects.toThrow(/greater than previousVersion '1.0.0'/);
    await expect(publish(root, "1.0.0", repo, { previousVersion: "0.9.0" })).rejects.toThrow(MissingVersionError);
    expect(await backend.list("")).toEqual({ dirs: [], files: [] });
    await publish(root, "1.0.0", repo);
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(VersionExistsError);
    await expect(publish(root, "0.5.0", repo)).rejects.toThrow(/greater than the latest published version '1.0.0'/);

    const csv = await readFile(join(root, "db.csv"), "utf8");
    await writeFile(join(root, "db.csv"), csv.replace(/,1\.0\.0\n/, ",0.0.1\n"));
    await expect(publish(root, "1.1.0", repo)).rejects.toThrow(DependencyMismatchError);
    await writeFile(join(root, "db.csv"), csv);
    await expect(publish(root, "2.0.0", repo, { previousVersion: null })).rejects.toThrow(/but the publish starts afresh \(previousVersion null, --previous-version none\): name the version it builds on, or remove the file/);

    const header = await readFile(join(root, "db.yaml"), "utf8");
    for (const [name, shown] of [["''", ""], ["../evil", "../evil"], ["a/b", "a/b"], ["..", ".."]]) {
      await writeFile(join(root, "db.yaml"), header.replace(/^name: fsdd$/m, `name: ${name}`));
      const err = await publish(root, "3.0.0", repo).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(InvalidIdError);
      expect((err as Error).message, name).toBe(
        `'${join(root, "db.yaml")}': field 'name' is '${shown}', but a database name must be letters, digits, '.', '_' and '-' (it names the database's folder in the repository)`,
      );
    }
    await writeFile(join(root, "db.yaml"), header);
    expect((await backend.list("")).dirs).toEqual(["fsdd"]);
    for (const archive of ["a b", "c+d", "x%20y", "é#1", "sub/dir", ".."]) {
      const err = await publish(root, "3.0.0", repo, { archives: { "recordings/0_lucas_0.wav": archive } }).catch((e: unknown) => e);
      expect(err, archive).toBeInstanceOf(InvalidIdError);
      expect((err as Error).message, archive).toBe(
        `archives: '${archive}' (of 'recordings/0_lucas_0.wav') is not a valid archive name: use letters, digits, '.', '_' and '-' (audb-python cannot load others)`,
      );
    }
    expect(await listVersions(backend, "fsdd")).toEqual(["1.0.0"]);
  });

  test("building on a version that another configured repository holds is refused, also as 'latest'; nothing is written", async () => {
    const first = await fresh();
    const second = await fresh();
    const other = new Repository("other", second.repo.host, "counting-fs");
    configure({ repositories: [first.repo, other] });
    await publish(first.root, "1.0.0", first.repo);
    await publish(second.root, "2.0.0", other, { previousVersion: null });
    const [host1, host2] = [first.repo.host, other.host];
    const before = await Promise.all([host1, host2].map((h) => snapshotFolder(h)));

    const expected = `cannot publish 'fsdd' 2.1.0 to repository 'data' on top of 2.0.0, which is stored in repository 'other': a database must not be split across repositories`;
    for (const previousVersion of [undefined, "2.0.0"]) {
      const err = await publish(first.root, "2.1.0", first.repo, previousVersion ? { previousVersion } : {}).catch((e: unknown) => e);
      expect(err, previousVersion).toBeInstanceOf(RepositoryMismatchError);
      expect((err as Error).message).toContain(expected);
    }
    expect(await Promise.all([host1, host2].map((h) => snapshotFolder(h)))).toEqual(before);

    await publish(second.root, "2.1.0", other); // on top of 2.0.0, where it is
    configure({ repositories: [first.repo] }); // the other repository is not configured: nothing to split
    await publish(first.root, "1.1.0", first.repo);
  });

  test("a file-system host that does not exist is refused, not created (a mistyped host would become a new repository)", async () => {
    const { root } = await fresh();
    const host = join(await tempDir("hosts-"), "mistyped");
    const err = await publish(root, "1.0.0", new Repository("data", host, "file-system")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toBe(`file-system host '${host}' of repository 'data' does not exist: create the folder first`);
    expect(existsSync(host)).toBe(false);
    const { available } = await import("../../src/api/discovery.js");
    configure({ repositories: [new Repository("data", host, "file-system")] });
    await expect(available()).rejects.toThrow(`file-system host '${host}' of repository 'data' does not exist`);
    await writeFile(host, "a file, not a folder");
    await expect(publish(root, "1.0.0", new Repository("data", host, "file-system"))).rejects.toThrow(
      new BackendUnavailableError(`file-system host '${host}' of repository 'data' is not a folder`),
    );
    await rm(host);
    const { load } = await import("../../src/api/load.js");
    await expect(load("fsdd")).rejects.toThrow(
      `cannot look up 'fsdd': no configured repository could be reached; data (file-system ${host}): file-system host '${host}' of repository 'data' does not exist: create the folder first`,
    );
  });

  test("upload progress counts only what is uploaded, also when every file has to be hashed again", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo);
    await rm(join(root, STAT_INDEX_FILE)); // every file is checked by its content now
    const changed = join(root, "recordings/0_lucas_0.wav");
    const bytes = await readFile(changed);
    bytes[bytes.length - 1] ^= 1;
    await writeFile(changed, bytes);
    const events: { done: number; total: number }[] = [];
    await publish(root, "1.1.0", repo, { onProgress: (e) => e.phase === "upload" && events.push({ done: e.done, total: e.total }) });
    expect(events.at(-1)).toEqual({ done: 1, total: 1 });
    expect(events.every((e) => e.done <= e.total)).toBe(true);
  });

  test("upload progress ends with the bytes of every object the version uploaded before its dependency table and header", async () => {
    const { root, repo } = await fresh();
    let last = 0;
    await publish(root, "1.0.0", repo, { onProgress: (e) => e.phase === "upload" && (last = e.bytes ?? 0) });
    const stored = (await readdir(join(repo.host, "data"), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes(join("fsdd", "1.0.0")));
    const size = (await Promise.all(stored.map(async (e) => (await readFile(join(e.parentPath, e.name))).length))).reduce((a, b) => a + b, 0);
    expect(stored.length).toBe(36 + 2); // media archives and tables
    expect(last).toBe(size);
  });

  test("'latest' and the not-greater check follow the order latestVersion uses: 2.0.0 sorts before 2.0.0-1 (audeer's order)", async () => {
    const { root, repo } = await fresh();
    await publish(root, "1.0.0", repo);
    const base = join(repo.host, "data", "fsdd");
    await cp(join(base, "1.0.0"), join(base, "2.0.0-1"), { recursive: true }); // as older tools could name a version
    await expect(publish(root, "2.0.0", repo)).rejects.toThrow(new InvalidVersionError("version '2.0.0' of 'fsdd' must be greater than the latest published version '2.0.0-1'"));
    await expect(publish(root, "2.0.0", repo, { previousVersion: "2.0.0-1" })).rejects.toThrow(/version '2\.0\.0' must be greater than previousVersion '2\.0\.0-1'/);
  });

  test("versions with numbers beyond 2^53 build on each other (audb-python publishes them; Number() rounded them equal)", async () => {
    const { root, repo } = await fresh();
    await publish(root, "9007199254740992.0.0", repo);
    await publish(root, "9007199254740993.0.0", repo);
    await publish(root, "9007199254740994.0.0", repo, { previousVersion: "9007199254740993.0.0" });
    expect(await listVersions(await repo.open(), "fsdd")).toEqual(["9007199254740992.0.0", "9007199254740993.0.0", "9007199254740994.0.0"]);
  });

  test("missing media are listed (first 20)", async () => {
    const { root, repo } = await fresh();
    await rm(join(root, "recordings"), { recursive: true });
    const err = await publish(root, "1.0.0", repo).catch((e: Error) => e);
    expect(err).toBeInstanceOf(MissingMediaError);
    expect((err as Error).message).toMatch(/^36 media file\(s\)/);
    expect((err as Error).message).toContain("recordings/0_george_0.wav");
    expect((err as Error).message).toMatch(/, \.\.\.$/);
    expect(await (await repo.open()).list("")).toEqual({ dirs: [], files: [] });
  });

  test("duplicate index entries, bad table ids and attachments overlapping media are refused, naming them", async () => {
    const { root, repo } = await fresh();
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    await writeFile(join(root, "db.files.csv"), csv + "recordings/0_jackson_0.wav,0,jackson,test\n");
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(DuplicateIndexError);
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/recordings\/0_jackson_0\.wav/);
    await writeFile(join(root, "db.files.csv"), csv);
    const header = await readFile(join(root, "db.yaml"), "utf8");
    await writeFile(join(root, "db.yaml"), header.replace("tables:\n  files:", "tables:\n  'fi les':"));
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/fi les/);
    await writeFile(join(root, "db.yaml"), header + "attachments:\n  clash: {path: recordings}\n");
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/attachment 'clash'.*recordings/);
    expect(await (await repo.open()).list("")).toEqual({ dirs: [], files: [] });
  });

  test("a header or table that is not UTF-8 is refused, naming the file and line, with nothing written (audb-python could not load it)", async () => {
    const { root, repo } = await fresh();
    const csv = await readFile(join(root, "db.files.csv"));
    await writeFile(join(root, "db.files.csv"), Buffer.concat([csv, Buffer.from("recordings/caf\u00e9.wav,0,jackson,test\n", "latin1")]));
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/db\.files\.csv' of table 'files' at line \d+: not valid UTF-8 \(byte 0xE9\)/);
    await writeFile(join(root, "db.files.csv"), csv);
    const header = await readFile(join(root, "db.yaml"), "utf8");
    await writeFile(join(root, "db.yaml"), Buffer.from(`${header}description: caf\u00e9\n`, "latin1"));
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/db\.yaml' at line \d+: not valid UTF-8/);
    expect(await (await repo.open()).list("")).toEqual({ dirs: [], files: [] });
  });

  test("a folder attachment holding a file whose name is not UTF-8 is refused naming it (was an internal error)", async () => {
    const { root, repo } = await fresh();
    const header = await readFile(join(root, "db.yaml"), "utf8");
    await writeFile(join(root, "db.yaml"), header + "attachments:\n  att: {path: att}\n");
    await mkdir(join(root, "att"));
    await writeFile(join(root, "att", "ok.txt"), "fine");
    await writeFile(Buffer.concat([Buffer.from(join(root, "att", "caf")), Buffer.from([0xe9]), Buffer.from(".txt")]), "latin-1 name");
    const err = await publish(root, "1.0.0", repo).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toMatch(/attachment 'att' holds '.*att\/caf\u00e9\.txt' \(shown as Latin-1\), whose name is not valid UTF-8/);
    const latin1 = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
    await rm(latin1(join(root, "att", "caf"), [0xe9], ".txt"));
    await mkdir(latin1(join(root, "att", "sub"), [0xe9]));
    await writeFile(latin1(join(root, "att", "sub"), [0xe9], "/x.txt"), "in a folder with a Latin-1 name");
    const inFolder = await publish(root, "1.0.0", repo).catch((e: Error) => e);
    expect(inFolder).toBeInstanceOf(PublishError);
    expect((inFolder as Error).message).toMatch(/attachment 'att' holds '.*att\/sub\u00e9' \(shown as Latin-1\), whose name is not valid UTF-8/);
    expect(await (await repo.open()).list("")).toEqual({ dirs: [], files: [] });
  });

  test("upper-case extensions, non-portable paths and symlinks are refused", async () => {
    const { root, repo } = await fresh();
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    await cp(join(root, "recordings/0_jackson_0.wav"), join(root, "recordings/X.WAV"));
    await writeFile(join(root, "db.files.csv"), csv + "recordings/X.WAV,0,jackson,test\n");
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(PublishError);
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/X\.WAV/);
    await writeFile(join(root, "db.files.csv"), csv + "../outside.wav,0,jackson,test\n");
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/outside\.wav/);
    await writeFile(join(root, "db.files.csv"), csv);
    await rm(join(root, "recordings/1_theo_0.wav"));
    const { symlink } = await import("node:fs/promises");
    await symlink(join(root, "recordings/1_theo_1.wav"), join(root, "recordings/1_theo_0.wav"));
    await expect(publish(root, "1.0.0", repo)).rejects.toThrow(/symbolic link/);
  });

  test("media in a folder that is a symbolic link are refused, naming a file", async () => {
    const { root, repo } = await fresh();
    const { rename, symlink } = await import("node:fs/promises");
    const outside = await mkdtemp(join(tmpdir(), "audb-outside-"));
    await rename(join(root, "recordings"), join(outside, "recordings"));
    await symlink(join(outside, "recordings"), join(root, "recordings"));
    const err = await publish(root, "1.0.0", repo).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as Error).message).toMatch(/'recordings\/[^']+\.wav' .* symbolic link/);
    expect(await (await repo.open()).list("")).toEqual({ dirs: [], files: [] });
  });

  test("a media path that runs through a file counts as missing", async () => {
    const { root, repo } = await fresh();
    const csv = await readFile(join(root, "db.files.csv"), "utf8");
    await writeFile(join(root, "db.files.csv"), csv + "recordings/0_jackson_0.wav/x.wav,0,jackson,test\n");
    const err = await publish(root, "1.0.0", repo).catch((e: Error) => e);
    expect(err).toBeInstanceOf(MissingMediaError);
    expect((err as Error).message).toContain("recordings/0_jackson_0.wav/x.wav");
  });
});
