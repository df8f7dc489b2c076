// stream(): the N-file bench table (version 1.0.0) in batches of 16, cold (each batch's
// media fetched as it is reached) next to one cold loadToCache of everything, and warm
// (every file cached) for the cost a batch adds. AUDB_BENCH_FILES (default 10000),
// AUDB_BENCH_RUNS (default 3).
import * as fs from "node:fs/promises";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { loadToCache } from "../src/api/load-cache.js";
import { configure } from "../src/api/settings.js";
import { stream } from "../src/api/stream.js";
import { BENCH_ROOT, DB_NAME, FILE_COUNT, fmt, load1, medianOf, publishedRepository, runsText, sync, timed } from "./fixtures.js";

const BATCH = 16;

export default async function bench(): Promise<void> {
  const cores = availableParallelism();
  const { repository } = await publishedRepository(FILE_COUNT);
  const cacheRoot = path.join(BENCH_ROOT, `stream-cache-${FILE_COUNT}`);
  configure({ repositories: [repository], cacheRoot, sharedCacheRoot: path.join(BENCH_ROOT, "stream-shared-cache") });
  const fresh = async () => {
    await fs.rm(cacheRoot, { recursive: true, force: true });
    sync();
  };
  const walk = async () => {
    let rows = 0;
    for await (const batch of stream(DB_NAME, "files", { version: "1.0.0", batchSize: BATCH, numWorkers: cores })) rows += batch.length;
    if (rows !== FILE_COUNT) throw new Error(`streamed ${rows} rows, expected ${FILE_COUNT}`);
  };
  const batches = Math.ceil(FILE_COUNT / BATCH);
  const table: string[] = [];
  const row = (task: string, r: { seconds: number; all: number[] }, extra: string, load: string) =>
    table.push(`| ${task} | ${fmt(r.seconds)} | ${runsText(r.all)} | ${extra} | ${load} |`);

  let l = load1();
  const whole = await medianOf(async () => {
    await fresh();
    l = load1();
    return timed(() => loadToCache(DB_NAME, { version: "1.0.0", cacheRoot, numWorkers: cores }));
  });
  row(`cold loadToCache (${FILE_COUNT} files)`, whole, `${fmt(FILE_COUNT / whole.seconds, 0)} files/s`, l);

  const cold = await medianOf(async () => {
    await fresh();
    l = load1();
    return timed(walk);
  });
  row(`cold stream, ${batches} batches of ${BATCH}`, cold, `${fmt(FILE_COUNT / cold.seconds, 0)} files/s, ${fmt(cold.seconds / whole.seconds)}x one loadToCache`, l);

  l = load1();
  const warm = await medianOf(() => timed(walk));
  row(`warm stream (all cached), ${batches} batches`, warm, `${fmt((warm.seconds / batches) * 1000, 2)} ms a batch`, l);

  console.log(`${FILE_COUNT} one-second WAVs in a file-system repository, default flavour, ${cores} cores\n`);
  console.log("| task | median s | runs (s) | rate | load avg (1 min) |\n|---|---:|---|---|---:|");
  console.log(table.join("\n"));
}
