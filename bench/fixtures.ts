// Shared generation of bench data under .cache/bench/ (git-ignored): a database folder of
// N one-second 16 kHz 16-bit mono WAVs (db.yaml + db.files.csv + audio/), and a
// file-system repository holding version 1.0.0 of it. Everything is generated once and
// reused; delete .cache/bench/ to start afresh.
import { execSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import { loadavg } from "node:os";
import * as path from "node:path";
import { publish } from "../src/api/publish.js";
import { Repository } from "../src/core/repository.js";
import { PROJECT_ROOT } from "./compiled.js";
import { DEPENDENCY_SNAPSHOT_FILE } from "../src/core/dependency-snapshot.js";
import { LEGACY_STAT_INDEX_FILE, STAT_INDEX_FILE } from "../src/core/stat-index.js";

export const SAMPLING_RATE = 16_000;
export const DB_NAME = "benchdb";
export const REPO_NAME = "bench-repo";
/** Number of media files; `AUDB_BENCH_FILES` scales all publish/load benches down (or up). */
export const FILE_COUNT = Number(process.env.AUDB_BENCH_FILES ?? 10_000);
/** Runs per row (median reported) for rows whose single run is shorter than 30 s. */
export const RUNS = Number(process.env.AUDB_BENCH_RUNS ?? 3);

export const BENCH_ROOT = path.join(PROJECT_ROOT, ".cache", "bench");

/** A 16-bit PCM mono WAV of `n` samples at `rate` (44-byte header) and a view on its samples. */
export function wavBuffer(rate: number, n: number): { buf: Buffer; pcm: Int16Array } {
  const buf = Buffer.alloc(44 + 2 * n);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + 2 * n, 4);
  buf.write("WAVEfmt ", 8, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(2 * n, 40);
  return { buf, pcm: new Int16Array(buf.buffer, buf.byteOffset + 44, n) };
}

/** A 1 s 16 kHz 16-bit mono WAV: a noisy sine whose frequency depends on `seed`; the first samples hold `seed` and `variant` so every file differs. */
export function wav(seed: number, variant = 0): Buffer {
  const { buf, pcm: samples } = wavBuffer(SAMPLING_RATE, SAMPLING_RATE);
  const freq = 100 + (seed % 900);
  // Sine plus noise (9 bits), so deflate does about as much work and saves about as
  // little as on recorded speech (about 90 % of the size), not the 2 % of a pure sine.
  let x = (seed * 2654435761 + variant * 40503 + 1) >>> 0;
  for (let i = 0; i < SAMPLING_RATE; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    samples[i] = Math.round(8_000 * Math.sin((2 * Math.PI * freq * i) / SAMPLING_RATE)) + ((x >>> 16) & 511) - 256;
  }
  samples[0] = seed & 0x7fff;
  samples[1] = (seed >> 15) & 0x7fff;
  samples[2] = variant & 0x7fff;
  samples[3] = (variant >>> 15) & 0x7fff;
  return buf;
}

/** db-relative path of media file `i`. */
export const mediaPath = (i: number) => `audio/${String(Math.floor(i / 1000)).padStart(3, "0")}/${String(i).padStart(6, "0")}.wav`;

const HEADER = `name: ${DB_NAME}
description: audb-ts benchmark database (generated sines)
source: bench/fixtures.ts
usage: unrestricted
languages: [eng]
license: CC0-1.0
schemes:
  label: {dtype: int, minimum: 0, maximum: 899}
tables:
  files:
    type: filewise
    columns:
      label: {scheme_id: label}
`;

/** Writes (once) the database folder with `count` WAVs; returns its root and the media paths. */
export async function benchDatabase(count = FILE_COUNT): Promise<{ root: string; files: string[] }> {
  const root = path.join(BENCH_ROOT, `db-${count}`);
  const files = Array.from({ length: count }, (_, i) => mediaPath(i));
  const marker = path.join(BENCH_ROOT, `db-${count}.complete`);
  if (!existsSync(marker)) {
    await fs.rm(root, { recursive: true, force: true });
    for (let i = 0; i < count; i++) {
      const full = path.join(root, files[i]!);
      if (i % 1000 === 0) await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, wav(i));
    }
    await fs.writeFile(path.join(root, "db.yaml"), HEADER);
    await fs.writeFile(path.join(root, "db.files.csv"), ["file,label", ...files.map((f, i) => `${f},${i % 900}`)].join("\n") + "\n");
    await fs.writeFile(marker, "");
  }
  return { root, files };
}

/** Removes what a publish leaves in the database folder (dependency table, stat index), so the next publish is a first one. */
export async function resetPublishState(root: string): Promise<void> {
  for (const f of ["db.csv", "db.parquet", STAT_INDEX_FILE, LEGACY_STAT_INDEX_FILE, DEPENDENCY_SNAPSHOT_FILE]) await fs.rm(path.join(root, f), { force: true });
}

/**
 * Rewrites `fraction` of the media files (which ones depends on `variant`) with content
 * they never had before (a random variant), so every call really changes them; returns how many.
 */
export async function changeFiles(root: string, files: string[], fraction: number, variant: number): Promise<number> {
  const n = Math.max(1, Math.round(files.length * fraction));
  const step = Math.floor(files.length / n);
  const fresh = 1 + randomInt(0x7ffffffe);
  for (let k = 0; k < n; k++) {
    const i = (k * step + variant) % files.length;
    await fs.writeFile(path.join(root, files[i]!), wav(i, fresh));
  }
  return n;
}

/** A file-system repository under .cache/bench/ (folder `host/name`). */
export function benchRepository(host: string): Repository {
  return new Repository(REPO_NAME, host, "file-system");
}

/** A repository holding version 1.0.0 of the bench database (published once, then reused). */
export async function publishedRepository(count = FILE_COUNT): Promise<{ repository: Repository; host: string; files: string[] }> {
  const host = path.join(BENCH_ROOT, `repo-${count}`);
  const marker = path.join(BENCH_ROOT, `repo-${count}.complete`);
  const { root, files } = await benchDatabase(count);
  const repository = benchRepository(host);
  if (!existsSync(marker)) {
    await fs.rm(host, { recursive: true, force: true });
    await fs.mkdir(host, { recursive: true });
    // The db folder may have been changed by the publish bench: regenerate the originals.
    for (let i = 0; i < count; i++) await fs.writeFile(path.join(root, files[i]!), wav(i));
    await resetPublishState(root);
    await publish(root, "1.0.0", repository, { previousVersion: null });
    await resetPublishState(root);
    await fs.writeFile(marker, "");
  }
  return { repository, host, files };
}

/** All files under `dir`, recursively (absolute paths). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Reads every file once with one reused 1 MiB buffer (the raw-read baseline). */
export async function readAll(files: string[]): Promise<void> {
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  for (const file of files) {
    const handle = await fs.open(file, "r");
    try {
      while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
    } finally {
      await handle.close();
    }
  }
}

export async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs `once` (which returns its own timed seconds) up to RUNS times and returns the median
 * and all values; a run of 30 s or more is not repeated.
 */
export async function medianOf(once: (run: number) => Promise<number>, runs = RUNS): Promise<{ seconds: number; all: number[] }> {
  const all: number[] = [];
  for (let r = 0; r < runs; r++) {
    all.push(await once(r));
    if (all[0]! >= 30) break;
  }
  return { seconds: median(all), all };
}

/** 1-minute load average, printed next to each row (the machine is shared). */
export const load1 = () => loadavg()[0]!.toFixed(2);

/** Megabytes of the files (1e6 bytes). */
export async function totalMB(files: string[]): Promise<number> {
  let bytes = 0;
  for (const f of files) bytes += (await fs.stat(f)).size;
  return bytes / 1e6;
}

/** Drops nothing (no root), but syncs so writes of a previous row do not land in the next one. */
export function sync(): void {
  try {
    execSync("sync");
  } catch {
    /* not available */
  }
}

export const fmt = (x: number, digits = 2) => x.toFixed(digits);
export const runsText = (all: number[], digits = 2) => all.map((x) => x.toFixed(digits)).join(" / ");
