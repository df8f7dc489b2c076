// Put and get of many small files to/from a local moto server with 1 and 8 concurrent
// workers, then publish and cold load of a database of that many WAVs through the API
// (`numWorkers` 1 and 8). `AUDB_BENCH_S3_FILES` overrides the file count (default 10,000).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import pLimit from "p-limit";
import { registerBackend } from "../backends/backend.js";
import { S3Backend } from "../backends/s3.js";
import { loadToCache } from "../src/api/load-cache.js";
import { publish } from "../src/api/publish.js";
import { configure } from "../src/api/settings.js";
import { Repository } from "../src/core/repository.js";
import { ensureMoto, startMoto, type S3TestServer } from "../test/helpers/s3-server.js";
import { writeNoiseDatabase } from "../test/s3/big-archive.js";
import { freshBucket } from "../test/s3/s3-fixture.js";

const FILES = Number(process.env.AUDB_BENCH_S3_FILES ?? 10_000);
const SIZE = 32 * 1024;
/** Samples per WAV of the publish/load database (0.25 s at 8 kHz, 16 bit). */
const WAV_BYTES = 4_000;

async function timed(files: number, run: () => Promise<void>): Promise<{ filesPerS: number; mbPerS: number; seconds: number }> {
  const start = performance.now();
  await run();
  const seconds = (performance.now() - start) / 1000;
  return { seconds, filesPerS: files / seconds, mbPerS: (files * SIZE) / 1e6 / seconds };
}

export default async function bench(): Promise<void> {
  const reason = ensureMoto();
  if (reason) {
    console.log(`s3 bench skipped: ${reason}`);
    return;
  }
  const server = await startMoto();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "audb-s3-bench-"));
  try {
    const src = path.join(dir, "src.bin");
    await fs.writeFile(src, randomBytes(SIZE));
    const rows: string[] = [];
    for (const workers of [1, 8]) {
      const bucket = await freshBucket(server);
      const backend = new S3Backend(server.endpoint, bucket, { credentials: server.credentials });
      const limit = pLimit(workers);
      const keys = Array.from({ length: FILES }, (_, i) => `db/media/1.0.0/${String(i).padStart(5, "0")}.wav`);
      const put = await timed(FILES, async () => {
        await Promise.all(keys.map((key) => limit(() => backend.putFile(key, src))));
      });
      const out = path.join(dir, `out-${workers}`);
      const get = await timed(FILES, async () => {
        await Promise.all(keys.map((key, i) => limit(() => backend.getFile(key, path.join(out, `${i}.wav`)))));
      });
      await fs.rm(out, { recursive: true, force: true });
      await backend.close();
      for (const [op, r] of [["put", put], ["get", get]] as const) {
        rows.push(`| ${op} | ${workers} | ${FILES} | ${r.seconds.toFixed(1)} | ${r.filesPerS.toFixed(0)} | ${r.mbPerS.toFixed(1)} |`);
      }
    }
    console.log(`S3Backend on moto (127.0.0.1), ${FILES} files of ${SIZE / 1024} KiB\n`);
    console.log("| op | workers | files | s | files/s | MB/s |\n|---|---|---|---|---|---|");
    console.log(rows.join("\n"));
    console.log(`\npublish and cold load through the API, ${FILES} WAVs of ${WAV_BYTES + 44} bytes, one archive each\n`);
    console.log("| op | numWorkers | files | s | files/s |\n|---|---|---|---|---|");
    console.log((await publishAndLoad(server, dir)).join("\n"));
  } finally {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Publishes a database of FILES WAVs to a fresh bucket and loads it into an empty cache, per worker count. */
async function publishAndLoad(server: S3TestServer, dir: string): Promise<string[]> {
  const credentials = server.credentials;
  registerBackend("s3-bench", (host, bucket) => new S3Backend(host, bucket, { credentials }));
  const rows: string[] = [];
  for (const numWorkers of [1, 8]) {
    const root = path.join(dir, `db-${numWorkers}`); // fresh: nothing hashed or published before
    await writeNoiseDatabase(root, FILES, WAV_BYTES);
    const repo = new Repository(await freshBucket(server), server.endpoint, "s3-bench");
    const cacheRoot = path.join(dir, `cache-${numWorkers}`);
    configure({ repositories: [repo], cacheRoot, sharedCacheRoot: path.join(cacheRoot, "shared") });
    const published = await timed(FILES, () => publish(root, "1.0.0", repo, { numWorkers }).then(() => undefined));
    const loaded = await timed(FILES, () => loadToCache("fsdd", { version: "1.0.0", numWorkers }).then(() => undefined));
    for (const [op, r] of [["publish", published], ["cold load", loaded]] as const) {
      rows.push(`| ${op} | ${numWorkers} | ${FILES} | ${r.seconds.toFixed(1)} | ${r.filesPerS.toFixed(0)} |`);
    }
    await fs.rm(cacheRoot, { recursive: true, force: true });
  }
  return rows;
}
