import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import { availableParallelism } from "node:os";
import xxhash from "xxhash-wasm";
import { AudbError } from "../errors.js";
import { WorkerPool, workerScript } from "./worker-pool.js";
import { compareCodePoints } from "../format/py.js";

/** Checksum algorithms: xxh64 (16 hex chars, our default) or md5 (32 hex chars, audb's). */
export type ChecksumAlgorithm = "xxh64" | "md5";

/** A file could not be checksummed, or a checksum string has an unknown format. */
export class ChecksumError extends AudbError {}

const READ_SIZE = 1024 * 1024;
/** Below this many files, worker start-up costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 64;

/** Read buffers returned after use, so hashing many small files does not allocate 1 MiB each. */
const freeBuffers: Buffer[] = [];

let xxhashApi: ReturnType<typeof xxhash> | undefined;

/** An incremental checksum. */
export interface Hasher {
  update(data: Uint8Array): void;
  digest(): string;
}

/** A fresh incremental hasher for `algorithm`. */
export async function createHasher(algorithm: ChecksumAlgorithm): Promise<Hasher> {
  if (algorithm === "md5") {
    const md5 = createHash("md5");
    return { update: (d) => md5.update(d), digest: () => md5.digest("hex") };
  }
  if (algorithm !== "xxh64") throw new ChecksumError(`unknown checksum algorithm '${String(algorithm)}': use 'xxh64' or 'md5'`);
  xxhashApi ??= xxhash();
  const h = (await xxhashApi).create64();
  return { update: (d) => h.update(d), digest: () => h.digest().toString(16).padStart(16, "0") };
}

/** Checksum of bytes in memory (or of parts of them, one after the other), same format as {@link checksumFile}. */
export async function checksumBytes(data: Uint8Array | readonly Uint8Array[], algorithm: ChecksumAlgorithm = "xxh64"): Promise<string> {
  const hasher = await createHasher(algorithm);
  for (const part of data instanceof Uint8Array ? [data] : data) hasher.update(part);
  return hasher.digest();
}

/**
 * Checksum of a file's bytes, read in 1 MiB blocks into one reused buffer.
 * xxh64 gives 16 lowercase hex chars (seed 0, zero-padded); md5 gives 32.
 */
export async function checksumFile(path: string, algorithm: ChecksumAlgorithm = "xxh64"): Promise<string> {
  const hasher = await createHasher(algorithm);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, "r");
  } catch (err) {
    throw new ChecksumError(`cannot checksum '${path}': ${(err as Error).message}`, { cause: err });
  }
  const buffer = freeBuffers.pop() ?? Buffer.allocUnsafe(READ_SIZE);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    if (freeBuffers.length < 8) freeBuffers.push(buffer);
    await handle.close();
  }
  return hasher.digest();
}

/** A batch of files one checksum worker hashes in order. */
export interface ChecksumTask {
  paths: string[];
  algorithm: ChecksumAlgorithm;
}

/** Options of {@link checksumFiles}. */
export interface ChecksumFilesOptions {
  algorithm?: ChecksumAlgorithm;
  /** Worker threads to use; default: all cores. 1 = in this thread. */
  numWorkers?: number;
  /** Force worker threads on or off; default: only when they pay off. */
  useWorkers?: boolean;
  /** Called after each file with the count done so far. */
  onProgress?: (done: number, total: number, path: string) => void;
}

/** Reads in flight at once when hashing on this thread (the I/O runs on libuv's pool). */
const IN_THREAD_CONCURRENCY = 16;
/** md5 of less than this much data is faster on this thread than with workers. */
const MIN_MD5_BYTES_FOR_WORKERS = 256 * 1024 * 1024;

/**
 * Whether worker threads pay off: only for md5 over much data. xxh64 (wasm) hashes far
 * faster than files are read, and starting workers costs more than hashing small files.
 */
async function workersPayOff(paths: readonly string[], algorithm: ChecksumAlgorithm, numWorkers: number): Promise<boolean> {
  if (numWorkers === 1 || algorithm !== "md5" || paths.length < MIN_FILES_FOR_WORKERS) return false;
  const sample = paths.filter((_, i) => i % Math.ceil(paths.length / 16) === 0);
  const sizes = await Promise.all(sample.map((p) => fs.stat(p).then((s) => s.size, () => 0)));
  const average = sizes.reduce((a, b) => a + b, 0) / sample.length;
  return average * paths.length >= MIN_MD5_BYTES_FOR_WORKERS;
}

/**
 * Checksums many files, on worker threads when that pays off (see {@link workersPayOff}),
 * else on this thread with several reads in flight. Returns the checksums in the order
 * of `paths`.
 */
export async function checksumFiles(paths: readonly string[], options: ChecksumFilesOptions = {}): Promise<string[]> {
  const algorithm = options.algorithm ?? "xxh64";
  const numWorkers = Math.max(1, Math.min(options.numWorkers ?? availableParallelism(), paths.length));
  const total = paths.length;
  let done = 0;
  const finished = (path: string) => options.onProgress?.(++done, total, path);

  const useWorkers = options.useWorkers === undefined ? await workersPayOff(paths, algorithm, numWorkers) : options.useWorkers && numWorkers > 1;
  if (!useWorkers) {
    const results = new Array<string>(total);
    let next = 0;
    const lane = async () => {
      while (next < total) {
        const i = next++;
        results[i] = await checksumFile(paths[i]!, algorithm);
        finished(paths[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_THREAD_CONCURRENCY, total) }, lane));
    return results;
  }

  const pool = new WorkerPool<ChecksumTask, string[]>(workerScript("checksum-worker", import.meta.url), numWorkers);
  // Batches keep message overhead small next to hashing a short file.
  const batchSize = Math.max(1, Math.min(32, Math.ceil(total / (numWorkers * 8))));
  const batches: string[][] = [];
  for (let i = 0; i < total; i += batchSize) batches.push(paths.slice(i, i + batchSize));
  try {
    const results = await Promise.all(
      batches.map(async (batch) => {
        const sums = await pool.run({ paths: batch, algorithm }).catch((err: Error) => {
          throw err.message.startsWith("cannot checksum") ? new ChecksumError(err.message) : err;
        });
        for (const path of batch) finished(path);
        return sums;
      }),
    );
    return results.flat();
  } finally {
    await pool.close();
  }
}

/** Tells the algorithm of a checksum by its length: 32 hex = md5, 16 hex = xxh64. */
export function algorithmOf(checksum: string): ChecksumAlgorithm {
  if (/^[0-9a-f]{32}$/i.test(checksum)) return "md5";
  if (/^[0-9a-f]{16}$/i.test(checksum)) return "xxh64";
  throw new ChecksumError(`checksum '${checksum}' is neither md5 (32 hex chars) nor xxh64 (16 hex chars)`);
}

/**
 * The `hash` entry of a parquet file's key-value metadata, or undefined.
 *
 * audb's dependency checksum (`audb.core.utils.md5`) for a `.parquet` table is this
 * entry when present, else `audeer.md5(file)`: parquet files are not written
 * deterministically, so audformat's `Table._save_parquet` stores
 * `audformat.utils.hash(df, strict=True)` — a 32-hex md5 over the pyarrow schema's column
 * names/dtypes and the data frame values in row order — under the metadata key `hash`
 * (next to `audformat-version`). Such checksums look like md5 to {@link algorithmOf}.
 */
export async function parquetHash(path: string): Promise<string | undefined> {
  const { asyncBufferFromFile, parquetMetadataAsync } = await import("hyparquet"); // large: only for parquet tables
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
  return metadata.key_value_metadata?.find((kv) => kv.key === "hash")?.value ?? undefined;
}

/**
 * Checksum for a dependency-table row, following audb: a parquet table with a `hash`
 * metadata entry uses that entry, every other file its content checksum.
 */
export async function dependencyChecksum(path: string, algorithm: ChecksumAlgorithm = "xxh64"): Promise<string> {
  if (path.endsWith(".parquet")) {
    const hash = await parquetHash(path).catch(() => undefined);
    if (hash) return hash;
  }
  return checksumFile(path, algorithm);
}

/**
 * Checksum of a folder, as audeer.md5 computes it for one: a single hash over every file
 * below it, sorted by path relative to the folder (`/` separators; by code point, as Python sorts), each contributing its
 * relative path (UTF-8) and then its bytes.
 */
export async function checksumFolder(folder: string, relativeFiles: readonly string[], algorithm: ChecksumAlgorithm = "xxh64"): Promise<string> {
  const hasher = await createHasher(algorithm);
  for (const rel of [...relativeFiles].sort(compareCodePoints)) {
    hasher.update(Buffer.from(rel, "utf8"));
    const handle = await fs.open(`${folder}/${rel}`, "r");
    try {
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, READ_SIZE, null);
        if (bytesRead === 0) break;
        hasher.update(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  }
  return hasher.digest();
}
