import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { registerBackend, type Backend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { publish } from "../../src/api/publish.js";
import { PublishWorkers } from "../../src/api/publish-workers.js";
import { publishOwnArchives, type PublishedFile } from "../../src/api/publish-own-archives.js";
import { packFiles } from "../../src/api/publish-pack.js";
import type { UploadContext } from "../../src/api/publish-upload.js";
import { audioInfo } from "../../src/audio/info.js";
import { archiveName, extractArchive, listArchive } from "../../src/core/archive.js";
import { checksumFile } from "../../src/core/checksum.js";
import type { Dependencies } from "../../src/core/dependencies.js";
import { PublishError } from "../../src/core/errors.js";
import { Repository } from "../../src/core/repository.js";
import { StatIndex } from "../../src/core/stat-index.js";
import { WorkDir } from "../../src/core/work-dir.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize, padRecordings } from "../helpers/fsdd-history.js";

/** A file-system backend without `localPath`, as a remote store looks to publish. */
function bytesOnly(inner: Backend): Backend {
  const { localPath: _omitted, ...rest } = Object.fromEntries(
    (["exists", "size", "getFile", "getBytes", "getStream", "putFile", "putBytes", "list", "remove"] as const).map((m) => [m, inner[m].bind(inner)]),
  ) as unknown as Backend;
  return { ...rest, kind: "bytes-only" };
}
registerBackend("bytes-only", (host, name) => bytesOnly(new FileSystemBackend(join(host, name))));

const temp = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
/** Enough new files for publish to start worker threads. */
const MANY = 300;

/** A folder with MANY FSDD recordings (copies padding the fixture) and their db-relative paths. */
async function manyRecordings(prefix: string): Promise<{ root: string; files: string[] }> {
  const root = await temp(prefix);
  await materialize(MINI_FSDD, "v1.0.10", root);
  await padRecordings(root, MANY);
  return { root, files: readdirSync(join(root, "recordings")).sort().map((f) => `recordings/${f}`) };
}

describe("publishing many new files", () => {
  let source: string;
  let files: string[];
  beforeAll(async () => {
    ({ root: source } = await manyRecordings("many-"));
    files = await writeFsddDatabase(source);
  });

  /** A fresh copy of the database: publishing writes db.csv and the stat index into it. */
  async function copy(): Promise<string> {
    const root = await temp("many-copy-");
    await cp(source, root, { recursive: true });
    return root;
  }

  async function check(deps: Dependencies, backend: FileSystemBackend): Promise<void> {
    expect(deps.media).toHaveLength(MANY);
    const dir = join(backend.root, "fsdd", "media", "1.0.0");
    const names = await readdir(dir);
    expect(names.sort()).toEqual(files.map((f) => `${archiveName(f)}.zip`).sort()); // no temp files left
    const out = await temp("out-");
    for (const file of files.filter((_, i) => i % 7 === 0)) {
      const row = deps.get(file);
      const info = await audioInfo(join(source, file));
      expect(row).toMatchObject({
        archive: archiveName(file), checksum: await checksumFile(join(source, file)), bitDepth: info.bitDepth,
        channels: info.channels, samplingRate: info.samplingRate, duration: info.duration, format: "wav", version: "1.0.0",
      });
      const zip = join(dir, `${archiveName(file)}.zip`);
      expect((await listArchive(zip)).map((e) => [e.path, e.compressed])).toEqual([[file, true]]);
      await extractArchive(zip, out);
      expect(readFileSync(join(out, file)).equals(readFileSync(join(source, file)))).toBe(true);
    }
  }

  test("are packed straight into a local repository", { timeout: 60_000 }, async () => {
    const repo = new Repository("data", await temp("repo-"), "file-system");
    const root = await copy();
    const deps = await publish(root, "1.0.0", repo, { previousVersion: null, numWorkers: 2 });
    await check(deps, (await repo.open()) as FileSystemBackend);
    // every new file is in the stat index with the stat taken before it was read
    const index = await StatIndex.load(root);
    for (const f of files) expect(index.lookup(f, 16)).toBe(deps.checksum(f));
    // in the order of the database's files, media then tables, whatever order the threads hashed them in
    expect(index.files).toEqual([...files, "db.files.csv", "db.speaker.csv"]);
  });

  test("come back as bytes for backends without a local path, with the same result", { timeout: 60_000 }, async () => {
    const host = await temp("repo-");
    const repo = new Repository("data", host, "bytes-only");
    const deps = await publish(await copy(), "1.0.0", repo, { previousVersion: null, numWorkers: 2 });
    await check(deps, new FileSystemBackend(join(host, "data")));
  });
});

describe("packFiles", () => {
  let root: string;
  let files: string[];
  beforeAll(async () => {
    root = await temp("pack-");
    await materialize(MINI_FSDD, "v1.0.10", root);
    files = readdirSync(join(root, "recordings")).sort().map((f) => `recordings/${f}`);
  });

  test("stops once the returned archives pass maxReturnBytes and says how far it got", async () => {
    const result = await packFiles({
      root, algorithm: "xxh64", maxFileBytes: 1 << 25, maxReturnBytes: 20_000, files: files.map((file) => ({ file })),
    });
    expect(result.handled).toBeGreaterThan(0);
    expect(result.handled).toBeLessThan(files.length);
    expect(result.packed.map((p) => p.file)).toEqual(files.slice(0, result.handled));
    const returned = result.packed.reduce((n, p) => n + p.zip!.length, 0);
    expect(returned).toBeGreaterThanOrEqual(20_000);
    expect(returned - result.packed.at(-1)!.zip!.length).toBeLessThan(20_000);
  });

  test("leaves files over maxFileBytes to the caller", async () => {
    const sizes = files.map((f) => readFileSync(join(root, f)).length);
    const limit = [...sizes].sort((a, b) => a - b)[Math.floor(sizes.length / 2)]!;
    const result = await packFiles({ root, algorithm: "md5", maxFileBytes: limit, maxReturnBytes: 1 << 30, files: files.map((file) => ({ file })) });
    expect(result.large).toEqual(files.filter((_, i) => sizes[i]! > limit));
    expect(result.packed.map((p) => p.file)).toEqual(files.filter((_, i) => sizes[i]! <= limit));
    expect(result.packed[0]!.checksum).toBe(await checksumFile(join(root, result.packed[0]!.file), "md5"));
  });

  test("an unreadable file fails the batch, naming the file", async () => {
    await expect(packFiles({
      root, algorithm: "xxh64", maxFileBytes: 1 << 25, maxReturnBytes: 1 << 30, files: [{ file: files[0]! }, { file: "recordings/gone.wav" }],
    })).rejects.toThrow(/recordings\/gone\.wav/);
  });
});

describe("publishOwnArchives on worker threads alone", () => {
  let root: string;
  let files: string[];
  beforeAll(async () => {
    ({ root, files } = await manyRecordings("own-"));
  });

  async function context(backend: Backend): Promise<UploadContext> {
    return {
      db: { name: "fsdd" }, dbRoot: root, version: "1.0.0", backend, numWorkers: 2, algorithm: "xxh64",
      index: await StatIndex.load(root), workDir: new WorkDir("own-work-"),
    } as unknown as UploadContext;
  }
  const noLargeFiles = () => Promise.reject(new Error("no large files here"));

  for (const [label, wrap] of [["local", (b: Backend) => b], ["bytes", bytesOnly]] as const) {
    test(`write every archive and report every row (${label})`, { timeout: 60_000 }, async () => {
      const fsBackend = new FileSystemBackend(await temp("repo-"));
      const published: PublishedFile[] = [];
      const items = files.map((file) => ({ file, archive: archiveName(file) }));
      await publishOwnArchives(items, await context(wrap(fsBackend)), noLargeFiles, (p) => published.push(p), { packHereWhileWorkersStart: false });
      expect(published.map((p) => p.row!.file).sort()).toEqual(files);
      const names = await readdir(join(fsBackend.root, "fsdd", "media", "1.0.0"));
      expect(names.sort()).toEqual(files.map((f) => `${archiveName(f)}.zip`).sort());
      const sample = published.find((p) => p.row!.file === files[17])!;
      expect(sample.row!.checksum).toBe(await checksumFile(join(root, files[17]!)));
      expect(sample.bytes).toBe(readFileSync(join(fsBackend.root, "fsdd", "media", "1.0.0", `${archiveName(files[17]!)}.zip`)).length);
    });
  }

  test("known files whose checksum still matches are reported unchanged and not written", { timeout: 60_000 }, async () => {
    const fsBackend = new FileSystemBackend(await temp("repo-"));
    const previous = await checksumFile(join(root, files[3]!));
    const items = files.map((file, i) => ({ file, archive: archiveName(file), ...(i === 3 && { previous, algorithm: "xxh64" as const }) }));
    const published: PublishedFile[] = [];
    await publishOwnArchives(items, await context(fsBackend), noLargeFiles, (p) => published.push(p), { packHereWhileWorkersStart: false });
    expect(published.filter((p) => !p.row)).toEqual([{ bytes: 0, unchanged: true }]);
    expect(existsSync(join(fsBackend.root, "fsdd", "media", "1.0.0", `${archiveName(files[3]!)}.zip`))).toBe(false);
  });

  test("workers started before (few files) pack alongside this thread and stay open for the caller", { timeout: 60_000 }, async () => {
    const fsBackend = new FileSystemBackend(await temp("repo-"));
    const few = files.slice(0, 40);
    const workers = new PublishWorkers(1);
    try {
      const published: PublishedFile[] = [];
      await publishOwnArchives(few.map((file) => ({ file, archive: archiveName(file) })), await context(fsBackend), noLargeFiles, (p) => published.push(p), { workers });
      expect(published.map((p) => p.row!.file).sort()).toEqual(few);
      const names = await readdir(join(fsBackend.root, "fsdd", "media", "1.0.0"));
      expect(names.sort()).toEqual(few.map((f) => `${archiveName(f)}.zip`).sort());
      expect(workers.size).toBe(1); // 40 files: not grown
      const again = await workers.pack({ root, algorithm: "xxh64", maxFileBytes: 1 << 25, maxReturnBytes: 1 << 30, files: [{ file: few[0]! }] });
      expect(again.packed[0]!.checksum).toBe(published.find((p) => p.row!.file === few[0])!.row!.checksum);
    } finally {
      await workers.close();
    }
  });

  test("few files and no workers: the rows come first (onRows), then the archives are stored", { timeout: 60_000 }, async () => {
    const fsBackend = new FileSystemBackend(await temp("repo-"));
    const few = files.slice(0, 20);
    const previous = await checksumFile(join(root, few[5]!));
    const items = few.map((file, i) => ({ file, archive: archiveName(file), ...(i === 5 && { previous, algorithm: "xxh64" as const }) }));
    const stored = () => readdirSync(join(fsBackend.root, "fsdd", "media", "1.0.0"), { withFileTypes: true }).length;
    let rows: string[] = [];
    let storedWhenRowsCame = -1;
    const published: PublishedFile[] = [];
    await publishOwnArchives(items, await context(fsBackend), noLargeFiles, (p) => published.push(p), {
      onRows: (r) => {
        rows = r.map((row) => row.file);
        storedWhenRowsCame = existsSync(join(fsBackend.root, "fsdd")) ? stored() : 0;
      },
    });
    expect(rows.sort()).toEqual(few.filter((_, i) => i !== 5));
    expect(storedWhenRowsCame).toBe(0);
    expect(stored()).toBe(19);
    expect(published).toHaveLength(20);
    expect(published.filter((p) => p.row)).toEqual([]);
    expect(published.filter((p) => p.bytes === 0)).toHaveLength(1); // the unchanged one
  });

  test("with a file too large to hold, no early rows: every row comes with its file", { timeout: 60_000 }, async () => {
    const big = await temp("big-");
    await cp(join(root, "recordings"), join(big, "recordings"), { recursive: true });
    await writeFile(join(big, "recordings", "huge.wav"), Buffer.alloc(33 * 1024 * 1024));
    const few = [...files.slice(0, 6), "recordings/huge.wav"];
    const ctx = { ...(await context(new FileSystemBackend(await temp("repo-")))), dbRoot: big } as UploadContext;
    const streamed: string[] = [];
    const published: PublishedFile[] = [];
    let early = false;
    await publishOwnArchives(few.map((file) => ({ file, archive: archiveName(file) })), ctx, async (item) => {
      streamed.push(item.file);
      return { row: { file: item.file } as never, bytes: 1 };
    }, (p) => published.push(p), { onRows: () => (early = true) });
    expect(early).toBe(false);
    expect(streamed).toEqual(["recordings/huge.wav"]);
    expect(published.map((p) => p.row!.file).sort()).toEqual([...few].sort());
  });

  test("a file that vanished fails with a PublishError naming it", { timeout: 60_000 }, async () => {
    const items = files.map((file) => ({ file, archive: archiveName(file) }));
    items.splice(40, 0, { file: "recordings/9_nobody_0.wav", archive: "nobody" });
    const ctx = await context(new FileSystemBackend(await temp("repo-")));
    const error = await publishOwnArchives(items, ctx, noLargeFiles, () => undefined, { packHereWhileWorkersStart: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain("'recordings/9_nobody_0.wav'");
  });
});
