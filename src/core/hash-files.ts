import { join } from "node:path";
import { algorithmOf, checksumFiles, dependencyChecksum, type ChecksumAlgorithm } from "./checksum.js";
import type { Fingerprint, StatIndex } from "./stat-index.js";

/** Length in hex characters of a checksum of each algorithm. */
export const CHECKSUM_LENGTH: Record<ChecksumAlgorithm, number> = { xxh64: 16, md5: 32 };

/** A file to checksum; `fingerprint` gives its stat when already taken, `indexRow` its probable row in the index (see `StatIndex.lookup`). */
export type FileToHash = { file: string; algorithm: ChecksumAlgorithm; fingerprint?: () => Fingerprint | undefined; indexRow?: number };

/**
 * Checksums db-relative `files` under `root`, each with its own algorithm, reusing the
 * stat index for files that did not change. Parquet tables use their `hash` metadata (audb).
 */
export async function hashFiles(
  root: string,
  files: FileToHash[],
  options: { index?: StatIndex; numWorkers?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const todo: FileToHash[] = [];
  for (const f of files) {
    const known = options.index?.lookup(f.file, CHECKSUM_LENGTH[f.algorithm], f.fingerprint, f.indexRow);
    if (known) result.set(f.file, known);
    else todo.push(f);
  }
  const total = files.length;
  let done = total - todo.length;
  options.onProgress?.(done, total);
  for (const algorithm of ["xxh64", "md5"] as const) {
    const group = todo.filter((f) => f.algorithm === algorithm && !f.file.endsWith(".parquet"));
    if (group.length === 0) continue;
    const sums = await checksumFiles(group.map((f) => join(root, f.file)), {
      algorithm,
      numWorkers: options.numWorkers,
      onProgress: () => options.onProgress?.(++done, total),
    });
    group.forEach((f, i) => result.set(f.file, sums[i]!));
  }
  for (const f of todo.filter((t) => t.file.endsWith(".parquet"))) {
    result.set(f.file, await dependencyChecksum(join(root, f.file), f.algorithm));
    options.onProgress?.(++done, total);
  }
  for (const f of todo) options.index?.remember(f.file, result.get(f.file)!);
  return result;
}

/** The algorithm to compare a file with: that of its previous checksum, else the default. */
export function algorithmFor(previous: string | undefined, fallback: ChecksumAlgorithm): ChecksumAlgorithm {
  if (previous === undefined) return fallback;
  try {
    return algorithmOf(previous);
  } catch {
    return fallback;
  }
}
