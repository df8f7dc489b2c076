// Side by side with audb-python (issue 9): the same N-file dataset (AUDB_BENCH_FILES,
// default 10000, from bench/fixtures.ts) published and loaded by audb 1.15 (Python, venv of
// test/interop/setup.sh) and by audb-ts, each operation in its own process, one side after
// the other, on the same machine and disk (file-system repositories under .cache/bench/).
//
// Rows: first publish; republish with 1 % of the WAVs rewritten (audb-python first gets
// `audb.load_to(..., only_metadata=True)` of the previous version into the folder, untimed);
// cold load (empty caches); warm load (fully cached); cold load with sampling_rate 8000
// (the files are 16 kHz, so both sides resample). Both sides use 2 workers; audb-ts
// publishes once with md5 and once with its default xxh64. Times are measured inside each
// child process around the publish/load call (imports and process start excluded; their
// median is printed below the table). Median of AUDB_BENCH_RUNS (default 3) runs; a side
// whose first run of a row takes >= 60 s runs that row once.
//
// This file is also the audb-ts child, compiled (bench/compiled.ts) as users run audb-ts:
// `node .cache/bench-build/bench/side-by-side.bench.js --child <json>`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import { loadavg } from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { load } from "../src/api/load.js";
import { publish } from "../src/api/publish.js";
import { configure } from "../src/api/settings.js";
import type { ChecksumAlgorithm } from "../src/core/checksum.js";
import { Repository } from "../src/core/repository.js";
import { ensureAudbVenv } from "../test/interop/python.js";
import { compiledPath } from "./compiled.js";
import { BENCH_ROOT, DB_NAME, FILE_COUNT, benchDatabase, changeFiles, fmt, median, mediaPath, sync } from "./fixtures.js";

const REPO_NAME = "sbs-repo"; // same name in bench/python/side_by_side.py
const WORKERS = 2;
const RUNS = Number(process.env.AUDB_BENCH_RUNS ?? 3);
const LONG = 60; // seconds: a side whose first run takes this long runs the row once
const here = path.dirname(fileURLToPath(import.meta.url));
const PY_SCRIPT = path.join(here, "python", "side_by_side.py");

type ChildJob =
  | { op: "publish"; root: string; host: string; version: string; previous: string | null; checksum: ChecksumAlgorithm; cacheRoot: string }
  | { op: "load"; host: string; version: string; samplingRate?: number; cacheRoot: string; sharedCacheRoot: string; verify?: boolean };

/** The audb-ts child: runs one job, prints {"seconds": ...}. */
async function child(job: ChildJob): Promise<void> {
  const repository = new Repository(REPO_NAME, job.host, "file-system");
  configure({ repositories: [repository], cacheRoot: job.cacheRoot, sharedCacheRoot: job.op === "load" ? job.sharedCacheRoot : `${job.cacheRoot}-shared` });
  let seconds: number;
  if (job.op === "publish") {
    const start = performance.now();
    await publish(job.root, job.version, repository, { previousVersion: job.previous, numWorkers: WORKERS, checksum: job.checksum });
    seconds = (performance.now() - start) / 1000;
  } else {
    await fs.mkdir(job.cacheRoot, { recursive: true });
    await fs.mkdir(job.sharedCacheRoot, { recursive: true });
    const start = performance.now();
    await load(DB_NAME, { version: job.version, cacheRoot: job.cacheRoot, numWorkers: WORKERS, ...(job.samplingRate ? { samplingRate: job.samplingRate } : {}), ...(job.verify === false ? { verify: false } : {}) });
    seconds = (performance.now() - start) / 1000;
  }
  console.log(JSON.stringify({ seconds }));
}

interface Timing {
  /** seconds of the call, measured in the child */
  inner: number;
  /** seconds of the whole child process */
  wall: number;
}

function spawnTimed(command: string, args: string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const proc = spawn(command, args, {
      cwd: path.join(here, ".."),
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout.on("data", (b: Buffer) => out.push(b));
    proc.stderr.on("data", (b: Buffer) => err.push(b));
    proc.on("error", reject);
    proc.on("close", (code) => {
      const wall = (performance.now() - start) / 1000;
      const stdout = Buffer.concat(out).toString("utf8").trim();
      if (code !== 0) {
        reject(new Error(`${path.basename(command)} ${args.slice(0, 3).join(" ")} failed (exit ${code}):\n${Buffer.concat(err).toString("utf8").slice(-3000)}`));
        return;
      }
      const last = stdout.split("\n").pop() ?? "";
      try {
        resolve({ inner: (JSON.parse(last) as { seconds: number }).seconds, wall });
      } catch {
        reject(new Error(`child printed no timing: ${stdout.slice(-2000)}`));
      }
    });
  });
}

let python = "";
const runTs = (job: ChildJob) => spawnTimed(process.execPath, [compiledPath(import.meta.url), "--child", JSON.stringify(job)]);
function runPy(args: string[]): Promise<Timing> {
  return spawnTimed(python, [PY_SCRIPT, ...args, "--workers", String(WORKERS)]);
}

const rm = (p: string) => fs.rm(p, { recursive: true, force: true });

/** A database folder of its own for one side (copied once from the fixture's db-N). */
async function sideFolder(base: string, side: string, source: string): Promise<string> {
  const root = path.join(base, side);
  const marker = `${root}.complete`;
  if (!existsSync(marker)) {
    await rm(root);
    await fs.mkdir(root, { recursive: true });
    await fs.cp(path.join(source, "audio"), path.join(root, "audio"), { recursive: true });
    await fs.writeFile(marker, "");
  }
  return root;
}

/** Puts back the pristine metadata (db.yaml, db.files.csv) and removes everything a publish or load_to left at the top level. */
async function resetMeta(root: string, meta: string): Promise<void> {
  for (const entry of await fs.readdir(root)) if (entry !== "audio") await rm(path.join(root, entry));
  for (const f of ["db.yaml", "db.files.csv"]) await fs.copyFile(path.join(meta, f), path.join(root, f));
}

/** Reads every file of `dir` once (page cache warm for both sides). */
async function warm(dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) if (e.isFile()) await fs.readFile(path.join(e.parentPath, e.name));
}

type Side = "py" | "ts-md5" | "ts-xxh64";
const SIDES: Side[] = ["py", "ts-md5", "ts-xxh64"];

export default async function bench(): Promise<void> {
  python = await ensureAudbVenv();
  const base = path.join(BENCH_ROOT, `sbs-${FILE_COUNT}`);
  await fs.mkdir(base, { recursive: true });
  const fixture = path.join(BENCH_ROOT, `db-${FILE_COUNT}`);
  // The fixture generator (idempotent) writes db-N; take our own copies so other benches can change theirs.
  await benchDatabase(FILE_COUNT);
  const meta = path.join(base, "meta");
  if (!existsSync(path.join(meta, "db.files.csv"))) {
    await fs.mkdir(meta, { recursive: true });
    for (const f of ["db.yaml", "db.files.csv"]) await fs.copyFile(path.join(fixture, f), path.join(meta, f));
  }
  const files = Array.from({ length: FILE_COUNT }, (_, i) => mediaPath(i));
  const roots: Record<Side, string> = {
    py: await sideFolder(base, "db-py", fixture),
    "ts-md5": await sideFolder(base, "db-ts", fixture),
    "ts-xxh64": path.join(base, "db-ts"), // same folder, published one after the other
  };
  const hosts: Record<Side, string> = { py: path.join(base, "repo-py"), "ts-md5": path.join(base, "repo-ts-md5"), "ts-xxh64": path.join(base, "repo-ts-xxh64") };
  const caches = path.join(base, "caches");
  const loads: string[] = [];
  const note = () => loads.push(loadavg()[0]!.toFixed(1));
  note();

  const results = new Map<string, Timing[]>(); // `${row}|${side}`
  const put = (row: string, side: string, t: Timing) => {
    const k = `${row}|${side}`;
    results.set(k, [...(results.get(k) ?? []), t]);
    console.error(`  ${row} ${side}: ${fmt(t.inner)} s (process ${fmt(t.wall)} s), load ${loadavg()[0]!.toFixed(1)}`);
  };
  const once = (row: string, side: string) => (results.get(`${row}|${side}`)?.[0]?.inner ?? 0) >= LONG;

  // ---- publish + republish (3 republishes: 1.0.1, 1.0.2, 1.0.3 on top of each other, 1 % new changes each)
  let variant = 1000;
  const changed = new Map<Side, number>();
  for (let r = 0; r < RUNS; r++) {
    for (const side of SIDES) {
      if (r > 0 && once("publish", side)) continue;
      const root = roots[side];
      const host = hosts[side];
      const cache = path.join(caches, `publish-${side}`);
      await resetMeta(root, meta);
      await rm(host);
      await fs.mkdir(path.join(host, REPO_NAME), { recursive: true });
      await rm(cache);
      await rm(`${cache}-shared`);
      sync();
      note();
      const checksum: ChecksumAlgorithm = side === "ts-md5" ? "md5" : "xxh64";
      const first = side === "py"
        ? await runPy(["publish", root, host, "1.0.0", "--cache-root", cache])
        : await runTs({ op: "publish", root, host, version: "1.0.0", previous: null, checksum, cacheRoot: cache });
      put("publish", side, first);
      // republishes: all of them after the first publish run, one per later run otherwise
      const republishes = r === 0 && once("publish", side) ? RUNS : 1;
      for (let k = 0; k < republishes; k++) {
        const previous = `1.0.${k}`;
        const version = `1.0.${k + 1}`;
        changed.set(side, await changeFiles(root, files, 0.01, variant++));
        sync();
        const t = side === "py"
          ? await runPy(["publish", root, host, version, "--previous", previous, "--load-to", "--cache-root", cache])
          : await runTs({ op: "publish", root, host, version, previous, checksum, cacheRoot: cache });
        put("republish", side, t);
      }
    }
  }

  // ---- loads, all from the repository audb-python published (md5 checksums, audb-python's own layout)
  await warm(path.join(hosts.py, REPO_NAME));
  const loadSides = ["py", "ts"] as const;
  const loadRow = async (row: string, samplingRate: number | undefined, fresh: boolean) => {
    for (let r = 0; r < RUNS; r++) {
      for (const side of loadSides) {
        if (r > 0 && once(row, side)) continue;
        const cache = path.join(caches, `load-${side}${samplingRate ? `-${samplingRate}` : ""}`);
        const shared = `${cache}-shared`;
        if (fresh) {
          await rm(cache);
          await rm(shared);
        }
        await fs.mkdir(cache, { recursive: true });
        await fs.mkdir(shared, { recursive: true });
        sync();
        note();
        const t = side === "py"
          ? await runPy(["load", DB_NAME, hosts.py, "1.0.0", "--cache-root", cache, "--shared-cache-root", shared, ...(samplingRate ? ["--sampling-rate", String(samplingRate)] : [])])
          : await runTs({ op: "load", host: hosts.py, version: "1.0.0", cacheRoot: cache, sharedCacheRoot: shared, ...(samplingRate ? { samplingRate } : {}) });
        put(row, side, t);
      }
    }
  };
  await loadRow("cold load", undefined, true);
  await loadRow("warm load", undefined, false);
  await loadRow("cold load, sampling_rate 8000", 8000, true);
  note();

  // ---- table
  const med = (row: string, side: string) => {
    const ts = results.get(`${row}|${side}`) ?? [];
    return { s: median(ts.map((t) => t.inner)), n: ts.length, all: ts.map((t) => fmt(t.inner)).join(" / ") };
  };
  const rows: [string, string, string, string][] = [
    [`publish ${FILE_COUNT} files, audb-ts md5`, "publish", "py", "ts-md5"],
    [`publish ${FILE_COUNT} files, audb-ts xxh64`, "publish", "py", "ts-xxh64"],
    [`republish, ${changed.get("py") ?? 0} files (1 %) changed, audb-ts md5`, "republish", "py", "ts-md5"],
    [`republish, ${changed.get("py") ?? 0} files (1 %) changed, audb-ts xxh64`, "republish", "py", "ts-xxh64"],
    ["cold load (empty cache)", "cold load", "py", "ts"],
    ["warm load (fully cached)", "warm load", "py", "ts"],
    ["cold load, sampling_rate 8000 (16 kHz files: resampled)", "cold load, sampling_rate 8000", "py", "ts"],
  ];
  console.log(`${FILE_COUNT} WAVs (1 s, 16 kHz, 16-bit mono), file-system repositories on the same disk, page cache warm, audb-python ${"1.15"} num_workers=${WORKERS}, audb-ts numWorkers ${WORKERS}; times of the call inside each process (median of runs; runs listed)\n`);
  console.log("| operation | audb-python s | audb-ts s | ratio (python / ts) | runs python | runs ts |");
  console.log("|---|---:|---:|---:|---|---|");
  for (const [label, row, py, ts] of rows) {
    const a = med(row, py);
    const b = med(row, ts);
    console.log(`| ${label} | ${fmt(a.s)} | ${fmt(b.s)} | ${fmt(a.s / b.s)} | ${a.all} | ${b.all} |`);
  }
  const startup = (side: string) => {
    const all = [...results.entries()].filter(([k]) => k.split("|")[1]!.startsWith(side)).flatMap(([, v]) => v.map((t) => t.wall - t.inner));
    return median(all);
  };
  console.log(`\nProcess start + imports (not in the times above), median: audb-python ${fmt(startup("py"))} s, audb-ts (node, compiled) ${fmt(startup("ts"))} s.`);
  console.log(`1-min load average at the start of each row run: ${loads.join(", ")} (min ${Math.min(...loads.map(Number))}, max ${Math.max(...loads.map(Number))}).`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === "--child") {
  await child(JSON.parse(process.argv[3]!) as ChildJob);
}
