// Publish (issue 3): first publish of N generated 1 s 16 kHz WAVs to a file-system
// repository, republish with 1 % of the files changed, and hashing MB/s next to raw reads
// of the same files. AUDB_BENCH_FILES (default 10000) scales it; AUDB_BENCH_RUNS (default 3).
// Runs on the compiled library (bench/compiled.ts).
import { lstatSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { FileSystemBackend } from "../backends/filesystem.js";
import { PublishClaim } from "../src/api/publish-claim.js";
import { publish } from "../src/api/publish.js";
import { checksumFiles } from "../src/core/checksum.js";
import { measureIfMain, runCompiled } from "./compiled.js";
import {
  BENCH_ROOT, FILE_COUNT, RUNS, benchDatabase, benchRepository, changeFiles, fmt, load1, median, medianOf, readAll, resetPublishState,
  runsText, sync, timed, totalMB,
} from "./fixtures.js";

export default async function bench(): Promise<void> {
  runCompiled(import.meta.url);
}

async function measure(): Promise<void> {
  const cores = availableParallelism();
  const { root, files } = await benchDatabase(FILE_COUNT);
  const abs = files.map((f) => path.join(root, f));
  const mb = await totalMB(abs);
  await readAll(abs); // page cache warm for every row

  type Row = { task: string; seconds: number; all: number[]; extra: string; load: string };
  const rows: Row[] = [];

  // First publish and republish, one fresh repository per run.
  const first: number[] = [];
  const floor: number[] = [];
  const floorRoot = path.join(BENCH_ROOT, `fs-floor-${FILE_COUNT}`);
  await fs.rm(floorRoot, { recursive: true, force: true });
  const archiveBytes = Math.round((mb * 1e6 * 0.94) / FILE_COUNT);
  const again: number[] = [];
  const statFloor: number[] = [];
  let changed = 0;
  let loadFirst = "";
  let loadAgain = "";
  // One repository per run, all removed only after the last row: on ext4 without a journal
  // (this machine's disk) creating files right after deleting thousands skips every inode
  // freed in the last minute or more (0.5 - 0.85 ms a file instead of 0.03 - 0.05 ms).
  const hosts = path.join(BENCH_ROOT, `publish-repos-${FILE_COUNT}`);
  await fs.rm(hosts, { recursive: true, force: true });
  for (let r = 0; r < RUNS; r++) {
    const host = path.join(hosts, String(r));
    await fs.mkdir(host, { recursive: true });
    await resetPublishState(root);
    sync();
    const repository = benchRepository(host);
    floor.push(await timed(async () => createFiles(path.join(floorRoot, String(r)), FILE_COUNT, archiveBytes)));
    sync();
    loadFirst = load1();
    first.push(await timed(() => publish(root, "1.0.0", repository, { previousVersion: null, numWorkers: cores })));
    changed = await changeFiles(root, files, 0.01, r + 1);
    sync();
    loadAgain = load1();
    again.push(await timed(() => publish(root, "1.0.1", repository, { previousVersion: "1.0.0", numWorkers: cores })));
    // What the change check alone costs in the same state: 1 % rewritten, then sync.
    await changeFiles(root, files, 0.01, r + 101);
    sync();
    statFloor.push(await timed(async () => abs.forEach((f) => lstatSync(f))));
    if (first[0]! >= 30) break;
  }
  await resetPublishState(root);
  const t1 = median(first);
  const t2 = median(again);
  rows.push({ task: `first publish (${FILE_COUNT} files)`, seconds: t1, all: first, extra: `${fmt(FILE_COUNT / t1, 0)} files/s, ${fmt(mb / t1, 0)} MB/s; target <= 5 s`, load: loadFirst });
  rows.push({
    task: `file-system floor: create ${FILE_COUNT} files of ${fmt(archiveBytes / 1024, 0)} KiB (temp + rename, 1 thread), right before each first publish`,
    seconds: median(floor), all: floor, extra: "what creating the archives alone costs on this disk at that moment", load: loadFirst,
  });
  const pairs = again.map((t, i) => fmt((100 * t) / first[i]!, 1)).join(" / ");
  rows.push({
    task: `republish, ${changed} files (1 %) changed`, seconds: t2, all: again,
    extra: `${fmt((100 * t2) / t1, 1)} % of first (median / median; each run against its own first publish: ${pairs} %); target <= 5 %`, load: loadAgain,
  });
  const floorS = median(statFloor);
  rows.push({
    task: `stat floor: lstat of the ${FILE_COUNT} files (1 thread), after rewriting 1 % and sync as before the republish`, seconds: floorS, all: statFloor,
    extra: `${fmt((100 * floorS) / t1, 1)} % of first publish: the change check every republish must make`, load: loadAgain,
  });

  // The claim every publish takes on its version and gives back (part of both publishes above).
  const claimHost = path.join(BENCH_ROOT, "claim-bench");
  await fs.rm(claimHost, { recursive: true, force: true });
  const claimRoot = await fs.mkdtemp(path.join(BENCH_ROOT, "claim-db-"));
  const claimBackend = new FileSystemBackend(claimHost);
  const claims: number[] = [];
  for (let i = 0; i < 30; i++) {
    claims.push(await timed(async () => (await PublishClaim.take(claimBackend, "db", `1.0.${i}`, claimRoot, "bench")).release()));
  }
  await fs.rm(claimHost, { recursive: true, force: true });
  await fs.rm(claimRoot, { recursive: true, force: true });
  const claimS = median(claims);
  rows.push({
    task: "version claim: take and release (median of 30)", seconds: claimS, all: [claimS],
    extra: `${fmt(claimS * 1000, 2)} ms (${fmt(Math.min(...claims) * 1000, 2)} - ${fmt(Math.max(...claims) * 1000, 2)}); ${fmt((100 * claimS) / t2, 1)} % of the republish`, load: load1(),
  });

  // Hashing vs raw read of the same files.
  const raw = await medianOf(() => timed(() => readAll(abs)));
  rows.push({ task: "raw read, 1 thread (1 MiB reads)", seconds: raw.seconds, all: raw.all, extra: `${fmt(mb / raw.seconds, 0)} MB/s`, load: load1() });
  const xxh = await medianOf(() => timed(() => checksumFiles(abs, { algorithm: "xxh64", numWorkers: cores })));
  rows.push({ task: `xxh64, ${cores} workers`, seconds: xxh.seconds, all: xxh.all, extra: `${fmt(mb / xxh.seconds, 0)} MB/s`, load: load1() });

  await fs.rm(hosts, { recursive: true, force: true });
  await fs.rm(floorRoot, { recursive: true, force: true });
  console.log(`${FILE_COUNT} WAVs (1 s, 16 kHz, 16-bit), ${fmt(mb, 1)} MB, file-system repository on the same disk, page cache warm, ${cores} cores, numWorkers ${cores}\n`);
  console.log("| task | median s | runs (s) | rate / ratio | load avg (1 min) |");
  console.log("|---|---:|---|---|---:|");
  for (const row of rows) console.log(`| ${row.task} | ${fmt(row.seconds)} | ${runsText(row.all)} | ${row.extra} | ${row.load} |`);
}

/** Creates `count` files of `size` bytes in a new folder the way publish writes archives: temp name, then rename. */
function createFiles(dir: string, count: number, size: number): void {
  mkdirSync(dir, { recursive: true });
  const data = Buffer.alloc(size, 7);
  for (let i = 0; i < count; i++) {
    const target = path.join(dir, `${i}.zip`);
    writeFileSync(`${target}.tmp`, data);
    renameSync(`${target}.tmp`, target);
  }
}

await measureIfMain(import.meta.url, measure);
