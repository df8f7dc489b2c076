// audb.stream (audb-python) and stream (audb-ts) over the same version, published by
// audb-ts: the same batches (rows, values, relative paths with the flavour's extension)
// and, streamed to the end, the same media in the cache.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { stream, type StreamOptions } from "../../src/api/stream.js";
import { Repository } from "../../src/core/repository.js";
import type { Frame } from "../../src/format/index.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { interopAvailable, listFiles, runBatch } from "./batch.js";

const available = await interopAvailable();

interface PyStream {
  root: string;
  batches: Array<{ frame: { index: Record<string, unknown[]>; columns: Record<string, unknown[]> }; files: Record<string, string> }>;
}

/** Our batches in the shape batch.py gives audb's. */
async function ours(options: StreamOptions): Promise<Array<{ index: Record<string, unknown[]>; columns: Record<string, unknown[]> }>> {
  const out = [];
  for await (const batch of stream("fsdd", "files", { ...options, fullPath: false }) as AsyncGenerator<Frame>) {
    out.push({
      index: { file: [...(batch.index.level("file").values as string[])] },
      columns: Object.fromEntries(batch.columnIds.map((id) => [id, batch.column(id).toArray()])),
    });
  }
  return out;
}

describe.skipIf(!available.ok)("stream: audb-python and audb-ts", () => {
  let work: string;
  let host: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "interop-stream-"));
    const source = join(work, "src");
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source);
    host = join(work, "host");
    await mkdir(host, { recursive: true });
    await publish(source, "1.0.0", new Repository("ts", host, "file-system"), { checksum: "md5" });
  });

  test("the same batches and, at the end, the same media in the cache", async () => {
    const [streamed, flavoured] = (await runBatch([
      { op: "stream", repos: [`ts@${host}`], name: "fsdd", table: "files", version: "1.0.0", batch_size: 5, cache_root: join(work, "py-cache") },
      {
        op: "stream", repos: [`ts@${host}`], name: "fsdd", table: "files", version: "1.0.0", batch_size: 7, cache_root: join(work, "py-cache-meta"),
        only_metadata: true, sampling_rate: 16000, format: "flac",
      },
    ])) as [PyStream, PyStream];

    const cacheRoot = join(work, "ts-cache");
    configure({ repositories: [new Repository("ts", host, "file-system")], cacheRoot, sharedCacheRoot: join(work, "none") });
    const batches = await ours({ version: "1.0.0", batchSize: 5 });
    expect(batches).toEqual(streamed.batches.map((b) => ({ index: b.frame.index, columns: b.frame.columns })));
    const media = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([f]) => f.includes("recordings/")));
    const theirs = Object.fromEntries(Object.entries(media(streamed.batches.at(-1)!.files)).map(([f, md5]) => [f.slice(f.indexOf("recordings/")), md5]));
    expect(Object.keys(theirs).length).toBe(36);
    expect(media(listFiles(join(cacheRoot, "fsdd/1.0.0/d3b62a9b")))).toEqual(theirs);

    const metadata = await ours({ version: "1.0.0", batchSize: 7, onlyMetadata: true, samplingRate: 16000, format: "flac" });
    expect(metadata).toEqual(flavoured.batches.map((b) => ({ index: b.frame.index, columns: b.frame.columns })));
    expect(metadata[0]!.index.file![0]).toBe("recordings/0_george_0.flac");
  });
});
