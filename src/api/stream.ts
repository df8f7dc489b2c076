import { join } from "node:path";
import type { Dependencies } from "../core/dependencies.js";
import { positiveInteger } from "../core/errors.js";
import { mediumDestination, pickFlavorOptions, type FlavorOptions } from "../core/flavor.js";
import { Frame, Index, Series } from "../format/index.js";
import { MediaBatches } from "./load-batches.js";
import { loadTable, loadTableFrom } from "./load-files.js";
import { latestVersionIn } from "./resolve.js";
import { cacheRootFor } from "./settings.js";

/** Options of {@link stream}. */
export interface StreamOptions extends FlavorOptions {
  /** Version to stream; default: the latest. */
  version?: string;
  /** Replace columns by fields of their scheme labels, as in `loadTable` (`{ speaker: "gender" }`). */
  map?: Record<string, string | string[]>;
  /** Table rows in one batch (default 16, as audb). */
  batchSize?: number;
  /** Shuffle the rows: each window of `bufferSize` rows in random order (default false). */
  shuffle?: boolean;
  /** Rows shuffled together when `shuffle` is set (default 10,000, as audb). */
  bufferSize?: number;
  /** Seed of the shuffle, for the same order in every run; default: a new order each time. */
  seed?: number;
  /** Batches of table rows only: no media are loaded (default false). */
  onlyMetadata?: boolean;
  /** Keep rows of media removed with `removeMedia` (default false, as `load`). */
  removedMedia?: boolean;
  /** Absolute file paths in the batches (default true); relative to the flavour folder otherwise. */
  fullPath?: boolean;
  /** Cache folder; default from configuration. */
  cacheRoot?: string;
  /** Parallel downloads and conversions of one batch's media (default: number of cores). */
  numWorkers?: number;
  /** Seconds to wait for another process's lock on a cache folder (the table's and each batch's; default: forever); LockTimeoutError when it passes. */
  timeout?: number;
}

/**
 * Streams one table of `name` in batches of rows, as audb's `stream`: each batch is a
 * {@link Frame} whose media (in the requested flavour) are in the cache when it is
 * yielded, so a training loop touches only the files it reaches. The media of the next
 * batch are fetched while the caller works on the current one. The table itself (and the
 * misc tables its schemes take labels from) is read once, column-wise.
 *
 * Unlike audb-python, a shuffled stream yields every row once: the rows left over when a
 * buffer does not divide into batches go into the next batch, and a last, smaller batch
 * ends the stream.
 */
export async function* stream(name: string, table: string, options: StreamOptions = {}): AsyncGenerator<Frame, void, undefined> {
  const batchSize = positiveInteger(options.batchSize ?? 16, "batchSize");
  const bufferSize = positiveInteger(options.bufferSize ?? 10_000, "bufferSize");
  if (options.numWorkers !== undefined) positiveInteger(options.numWorkers, "numWorkers");
  const cacheRoot = cacheRootFor(options.cacheRoot);
  const version = options.version ?? (await latestVersionIn(name));
  const media = await MediaBatches.open(name, {
    version, ...pickFlavorOptions(options), cacheRoot, numWorkers: options.numWorkers, timeout: options.timeout,
  });
  // a complete flavour folder (ours or the shared cache's) holds the tables: no repository needed
  const frame = media.complete
    ? await loadTableFrom(media.folder, name, version, table, options.map)
    : await loadTable(name, table, { version, map: options.map, cacheRoot, timeout: options.timeout });
  const { deps, flavor } = media;
  const rows = kept(frame, deps, options.removedMedia ?? false);
  const order = options.shuffle ? shuffledInWindows(rows, bufferSize, random(options.seed)) : rows;

  const batches = Math.ceil(order.length / batchSize);
  const fetch = (k: number) => batchOf(frame.take(order.subarray(k * batchSize, (k + 1) * batchSize)));
  const batchOf = async (batch: Frame): Promise<Frame> => {
    const files = mediaOf(batch);
    if (files === undefined) return batch;
    if (!options.onlyMetadata) await media.fetch([...new Set(files)].filter((f) => deps.has(f) && !deps.removed(f)));
    const root = (options.fullPath ?? true) ? media.folder : "";
    return withPaths(batch, files.map((f) => join(root, mediumDestination(flavor, deps, f))));
  };

  let next = batches > 0 ? fetch(0) : undefined;
  next?.catch(() => undefined); // rejections surface when awaited, not as unhandled
  try {
    for (let k = 0; k < batches; k++) {
      const batch = await next!;
      next = k + 1 < batches ? fetch(k + 1) : undefined;
      next?.catch(() => undefined);
      yield batch;
    }
    if (!options.onlyMetadata) await media.finish(); // a stream through every file leaves a complete folder
  } finally {
    await next?.catch(() => undefined); // a caller that stops early leaves no download running
  }
}


/** Row positions of `frame` in order, without rows of removed media unless they are kept. */
function kept(frame: Frame, deps: Dependencies, keepRemoved: boolean): Uint32Array {
  const files = mediaOf(frame);
  const rows: number[] = [];
  for (let i = 0; i < frame.length; i++) {
    const f = files?.[i];
    if (keepRemoved || f === undefined || !deps.has(f) || !deps.removed(f)) rows.push(i);
  }
  return Uint32Array.from(rows);
}

/** The `file` level of a filewise or segmented index; undefined for a misc table. */
function mediaOf(frame: Frame): string[] | undefined {
  return frame.index.type === undefined ? undefined : (frame.index.level("file").values as string[]);
}

/** `rows` with each window of `window` rows in random order (Fisher-Yates). */
function shuffledInWindows(rows: Uint32Array, window: number, next: () => number): Uint32Array {
  const out = rows.slice();
  for (let start = 0; start < out.length; start += window) {
    const end = Math.min(out.length, start + window);
    for (let i = end - 1; i > start; i--) {
      const j = start + Math.floor(next() * (i - start + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
  }
  return out;
}

/** Uniform numbers in [0, 1): mulberry32 from `seed`, or Math.random without one. */
function random(seed: number | undefined): () => number {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `batch` with its `file` level replaced by `paths`. */
function withPaths(batch: Frame, paths: string[]): Frame {
  const index = new Index(batch.index.levels.map((l) => (l.name === "file" ? { ...l, values: paths } : l)));
  return new Frame(index, new Map([...batch.columns].map(([id, s]) => [id, new Series(id, s.dtype, index, s.values)])));
}
