// Load (issue 4): cold load of version 1.0.0 of the N-file bench database from a
// file-system repository next to plainly extracting the same archives; warm load
// (loadToCache and load); a 1,000,000-row dependency table from our compact cache; a
// flavoured cold load (8 kHz from 16 kHz). AUDB_BENCH_FILES (default 10000),
// AUDB_BENCH_RUNS (default 3), AUDB_BENCH_DEPS_ROWS (default 1000000).
import * as fs from "node:fs/promises";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import pLimit from "p-limit";
import { load } from "../src/api/load.js";
import { loadToCache } from "../src/api/load-cache.js";
import { configure } from "../src/api/settings.js";
import { extractArchive } from "../src/core/archive.js";
import { readCachedDependencies, writeCachedDependencies } from "../src/core/cache.js";
import { Dependencies, type DependencyColumns } from "../src/core/dependencies.js";
import { dependenciesFromCompact, dependenciesToCompact } from "../src/core/dependencies-compact.js";
import {
  BENCH_ROOT, DB_NAME, FILE_COUNT, REPO_NAME, RUNS, fmt, listFiles, load1, median, medianOf, publishedRepository, runsText, sync,
  timed, totalMB,
} from "./fixtures.js";

const DEPS_ROWS = Number(process.env.AUDB_BENCH_DEPS_ROWS ?? 1_000_000);

type Row = { task: string; seconds: number; all: number[]; extra: string; load: string };

/** Reads every file once so the repository is in the page cache for every row. */
async function warm(files: string[]): Promise<void> {
  const limit = pLimit(8);
  await Promise.all(files.map((f) => limit(() => fs.readFile(f))));
}

/** A dependency table of `rows` media rows, as audb would write for 1 s 16 kHz WAVs. */
function bigDependencies(rows: number): Dependencies {
  const cols: DependencyColumns = {
    file: new Array<string>(rows), archive: new Array<string>(rows), bitDepth: new Array<number>(rows).fill(16),
    channels: new Array<number>(rows).fill(1), checksum: new Array<string>(rows), duration: new Array<number>(rows).fill(1),
    format: new Array<string>(rows).fill("wav"), removed: new Array<number>(rows).fill(0),
    samplingRate: new Array<number>(rows).fill(16000), type: new Array<number>(rows).fill(1), version: new Array<string>(rows),
  };
  for (let i = 0; i < rows; i++) {
    const hex = (i * 2654435761 >>> 0).toString(16).padStart(8, "0");
    cols.file[i] = `audio/${String(Math.floor(i / 1000)).padStart(4, "0")}/${String(i).padStart(7, "0")}.wav`;
    cols.archive[i] = `${hex}-${hex.slice(0, 4)}-${hex.slice(4)}-0000-${hex}${hex.slice(0, 4)}`;
    cols.checksum[i] = `${hex}${hex}`;
    cols.version[i] = `1.${Math.floor(i / 100_000)}.0`;
  }
  return new Dependencies(cols);
}

export default async function bench(): Promise<void> {
  const cores = availableParallelism();
  const { repository, host } = await publishedRepository(FILE_COUNT);
  const mediaDir = path.join(host, REPO_NAME, DB_NAME, "media", "1.0.0");
  const archives = (await listFiles(mediaDir)).filter((f) => f.endsWith(".zip"));
  await warm(await listFiles(path.join(host, REPO_NAME)));
  const zipMB = await totalMB(archives);
  const cacheRoot = path.join(BENCH_ROOT, `load-cache-${FILE_COUNT}`);
  configure({ repositories: [repository], cacheRoot, sharedCacheRoot: path.join(BENCH_ROOT, "load-shared-cache") });
  await fs.mkdir(path.join(BENCH_ROOT, "load-shared-cache"), { recursive: true });
  const rows: Row[] = [];
  const scratch = path.join(BENCH_ROOT, `load-extract-${FILE_COUNT}`);
  let wavMB = 0;

  const fresh = async (dir: string) => {
    await fs.rm(dir, { recursive: true, force: true });
    sync();
  };

  // Plain extraction of the same archives in this process: one at a time, and numWorkers at a time.
  let l = load1();
  const plain1 = await medianOf(async () => {
    await fresh(scratch);
    l = load1();
    return timed(async () => {
      for (const zip of archives) await extractArchive(zip, scratch);
    });
  });
  wavMB = await totalMB(await listFiles(scratch));
  rows.push({ task: `extractArchive, ${archives.length} archives, 1 at a time`, seconds: plain1.seconds, all: plain1.all, extra: `${fmt(FILE_COUNT / plain1.seconds, 0)} files/s, ${fmt(wavMB / plain1.seconds, 0)} MB/s`, load: l });
  const plainN = await medianOf(async () => {
    await fresh(scratch);
    l = load1();
    const limit = pLimit(cores);
    return timed(() => Promise.all(archives.map((zip) => limit(() => extractArchive(zip, scratch)))));
  });
  rows.push({ task: `extractArchive, ${cores} at a time`, seconds: plainN.seconds, all: plainN.all, extra: `${fmt(FILE_COUNT / plainN.seconds, 0)} files/s, ${fmt(wavMB / plainN.seconds, 0)} MB/s`, load: l });
  await fresh(scratch);
  const plainBest = Math.min(plain1.seconds, plainN.seconds);

  // Cold load: empty cache every run.
  const cold = await medianOf(async () => {
    await fresh(cacheRoot);
    l = load1();
    return timed(() => loadToCache(DB_NAME, { version: "1.0.0", cacheRoot, numWorkers: cores }));
  });
  rows.push({ task: `cold loadToCache (${FILE_COUNT} files)`, seconds: cold.seconds, all: cold.all, extra: `${fmt(FILE_COUNT / cold.seconds, 0)} files/s, ${fmt(wavMB / cold.seconds, 0)} MB/s, ${fmt(cold.seconds / plainBest)}x plain extraction; target <= 1.3x`, load: l });

  // Warm load: the cache from the last cold run is complete.
  await loadToCache(DB_NAME, { version: "1.0.0", cacheRoot }); // first call in the process
  l = load1();
  const warmCache = await medianOf(() => timed(() => loadToCache(DB_NAME, { version: "1.0.0", cacheRoot })), Math.max(RUNS, 5));
  rows.push({ task: "warm loadToCache", seconds: warmCache.seconds, all: warmCache.all, extra: `${fmt(warmCache.seconds * 1000, 1)} ms; target < 50 ms`, load: l });
  l = load1();
  const warmLoad = await medianOf(() => timed(() => load(DB_NAME, { version: "1.0.0", cacheRoot })), Math.max(RUNS, 5));
  rows.push({ task: "warm load (parses tables)", seconds: warmLoad.seconds, all: warmLoad.all, extra: `${fmt(warmLoad.seconds * 1000, 1)} ms; target < 50 ms`, load: l });

  // 1,000,000-row dependency table from our compact cache.
  const depsRoot = path.join(BENCH_ROOT, `deps-cache-${DEPS_ROWS}`);
  const big = bigDependencies(DEPS_ROWS);
  await writeCachedDependencies(depsRoot, "big", "1.0.0", new Dependencies()); // creates the folder
  const depsFile = path.join(depsRoot, "big", "1.0.0", "db.audb-ts.deps");
  const encodeSeconds = await timed(() => fs.writeFile(depsFile, dependenciesToCompact(big)));
  const probe = big.columns.file[Math.floor(DEPS_ROWS / 2)]!;
  const expected = big.checksum(probe);
  const fileMB = (await fs.stat(depsFile)).size / 1e6;
  await fs.readFile(depsFile);
  l = load1();
  const decode = await medianOf(() => timed(async () => {
    const deps = await readCachedDependencies(depsRoot, "big", "1.0.0");
    if (deps?.checksum(probe) !== expected) throw new Error("compact round trip failed");
  }));
  rows.push({ task: `${DEPS_ROWS} dependency rows: read compact cache + first lookup`, seconds: decode.seconds, all: decode.all, extra: `${fmt(fileMB, 1)} MB file (write ${fmt(encodeSeconds)} s); target < 0.5 s`, load: l });
  const buf = await fs.readFile(depsFile);
  const decodeOnly = await medianOf(() => timed(async () => dependenciesFromCompact(buf)));
  rows.push({ task: "  of which dependenciesFromCompact alone", seconds: decodeOnly.seconds, all: decodeOnly.all, extra: "", load: load1() });
  const lookupRuns: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const deps = dependenciesFromCompact(buf);
    lookupRuns.push(await timed(async () => deps.checksum(probe)));
  }
  rows.push({ task: "  of which first lookup (builds index)", seconds: median(lookupRuns), all: lookupRuns, extra: "", load: load1() });

  // Flavoured cold load: 8 kHz from 16 kHz.
  const flavored = await medianOf(async () => {
    await fresh(cacheRoot);
    l = load1();
    return timed(() => loadToCache(DB_NAME, { version: "1.0.0", cacheRoot, numWorkers: cores, samplingRate: 8000 }));
  });
  rows.push({ task: "flavoured cold load (samplingRate 8000)", seconds: flavored.seconds, all: flavored.all, extra: `${fmt(FILE_COUNT / flavored.seconds, 0)} files/s, ${fmt(FILE_COUNT / flavored.seconds, 0)}x realtime (1 s files)`, load: l });
  await fresh(cacheRoot);

  console.log(`${FILE_COUNT} WAVs (1 s, 16 kHz, 16-bit, ${fmt(wavMB, 1)} MB) in ${archives.length} archives (${fmt(zipMB, 1)} MB) in a file-system repository on the same disk, page cache warm, ${cores} cores, numWorkers ${cores}\n`);
  console.log("| task | median s | runs (s) | rate / ratio | load avg (1 min) |");
  console.log("|---|---:|---|---|---:|");
  for (const row of rows) console.log(`| ${row.task} | ${fmt(row.seconds, 3)} | ${runsText(row.all, row.seconds < 1 ? 4 : 2)} | ${row.extra} | ${row.load} |`);
}
