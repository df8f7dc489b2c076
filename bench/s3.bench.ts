// Put and get of many small files to/from a local moto server with 1 and 8 concurrent
// workers. `AUDB_BENCH_S3_FILES` overrides the file count (default 10,000 of 32 KiB).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import pLimit from "p-limit";
import { S3Backend } from "../backends/s3.js";
import { ensureMoto, startMoto } from "../test/helpers/s3-server.js";
import { freshBucket } from "../test/s3/s3-fixture.js";

const FILES = Number(process.env.AUDB_BENCH_S3_FILES ?? 10_000);
const SIZE = 32 * 1024;

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
  } finally {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
