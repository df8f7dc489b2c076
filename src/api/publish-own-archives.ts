import pLimit from "p-limit";
import type { ChecksumAlgorithm } from "../core/checksum.js";
import type { DependencyRow } from "../core/dependencies.js";
import { PublishError } from "../core/errors.js";
import { mediaKey } from "../core/layout.js";
import { mediaRow } from "./media-row.js";
import { packFiles, readMediaFile, storeMediaFile, type PackResult, type PackTask, type ReadMediaFile } from "./publish-pack.js";
import type { UploadContext } from "./publish-upload.js";
import { PublishWorkers } from "./publish-workers.js";

/** Below this many files, worker start-up costs more than it saves: pack on this thread. */
export const MIN_FILES_FOR_WORKERS = 256;
/** Files per message to a worker, at most. */
const BATCH_FILES = 32;
/** Files (and archives) up to this size are built in memory; larger ones stream through a temp file. */
export const IN_MEMORY_ZIP_BYTES = 32 * 1024 * 1024;
/** Bytes of media files held between reading and zipping them on this thread. */
const HOLD_BYTES = 64 * 1024 * 1024;
/** Files stored on this thread between turns of the event loop. */
const FILES_PER_TURN = 8;
/** Archive bytes a worker returns per batch when the backend is not a local folder. */
const MAX_RETURN_BYTES = 16 * 1024 * 1024;

/**
 * A media file that is (or will be) alone in its archive: new, or known with the
 * `previous` checksum (in `algorithm`) and a stat that no longer matches the stat index;
 * `row` is the position of a known file's row in the dependency table.
 */
export type OwnArchiveFile = { file: string; archive: string; previous?: string; algorithm?: ChecksumAlgorithm; row?: number };

/** A file handled: its new dependency row and archive size, or `unchanged` when its content did not change (nothing stored). */
export type PublishedFile = { row?: DependencyRow; bytes: number; unchanged?: true };

/**
 * Publishes media files that sit alone in their archives, reading each file once for its
 * checksum, audio header and archive; a known file whose checksum still matches is left
 * as it is. With many files the work runs on worker threads (`ctx.numWorkers`), which
 * write archives straight into a local repository or hand the bytes back for `putBytes`;
 * files over 32 MiB go to `streamLarge`. `workers` already started for this publish are
 * used whatever the number of files (and grown to `ctx.numWorkers` for many).
 */
export async function publishOwnArchives(
  items: OwnArchiveFile[],
  ctx: UploadContext,
  streamLarge: (item: OwnArchiveFile) => Promise<PublishedFile>,
  onFile: (published: PublishedFile) => void,
  { packHereWhileWorkersStart = true, workers, onRows }: {
    packHereWhileWorkersStart?: boolean;
    workers?: PublishWorkers;
    /** Called, if at all, once the rows of all changed files are known, before their archives are stored; `onFile` then carries no rows. */
    onRows?: (rows: DependencyRow[]) => void;
  } = {},
): Promise<void> {
  if (items.length === 0) return;
  const byFile = new Map(items.map((item) => [item.file, item]));
  const keyOf = (file: string) => mediaKey(ctx.db.name, ctx.version, byFile.get(file)!.archive);
  const many = items.length >= MIN_FILES_FOR_WORKERS && ctx.numWorkers > 0;
  if (!many && !workers && onRows) {
    const rowOf = (read: ReadMediaFile) => mediaRow(read.file, byFile.get(read.file)!.archive, read.checksum, read.info, ctx.version);
    return publishHere(items, ctx, keyOf, rowOf, streamLarge, onFile, onRows);
  }
  const own = many && !workers ? new PublishWorkers(ctx.numWorkers) : undefined;
  const pool = workers ?? own;
  if (workers && many) workers.grow(ctx.numWorkers);
  const putLimit = pLimit(Math.max(4, ctx.numWorkers * 2));
  let workersAnswered = false;
  const onWorker = async (task: PackTask) => {
    const result = await pool!.pack(task);
    workersAnswered = true;
    return result;
  };

  // Into a local repository, archives are written with blocking calls (on this thread too:
  // for small files they cost a third of asynchronous ones); for other backends they come
  // back as bytes for `putBytes`.
  const publishBatch = async (batch: OwnArchiveFile[], pack: (task: PackTask) => Promise<PackResult>): Promise<void> => {
    const local = ctx.backend.localPath?.bind(ctx.backend);
    const task: PackTask = {
      root: ctx.dbRoot, algorithm: ctx.algorithm, maxFileBytes: IN_MEMORY_ZIP_BYTES, maxReturnBytes: MAX_RETURN_BYTES,
      files: batch.map(({ file, previous, algorithm }) => ({ file, previous, algorithm, dest: local?.(keyOf(file)) })),
    };
    let result: PackResult;
    try {
      result = await pack(task);
    } catch (err) {
      throw new PublishError((err as Error).message, { cause: err });
    }
    await Promise.all(result.packed.map((p) => putLimit(async () => {
      if (p.zip) await ctx.backend.putBytes(keyOf(p.file), p.zip);
      ctx.index.rememberAs(p.file, p.fingerprint, p.checksum);
      onFile(p.unchanged ? { bytes: 0, unchanged: true } : { row: mediaRow(p.file, byFile.get(p.file)!.archive, p.checksum, p.info, ctx.version), bytes: p.zipSize });
    })));
    for (const file of result.large) onFile(await streamLarge(byFile.get(file)!));
    if (result.handled < batch.length) await publishBatch(batch.slice(result.handled), pack);
  };

  let next = 0;
  const batchFiles = Math.min(BATCH_FILES, Math.max(4, Math.ceil(items.length / 16)));
  const take = () => (next < items.length ? items.slice(next, (next += batchFiles)) : undefined);
  const workerLane = async () => {
    for (let batch = take(); batch; batch = take()) await publishBatch(batch, onWorker);
  };
  // This thread packs too until the workers have started (under tsx that takes ~0.7 s), and
  // all along while there are fewer workers than cores.
  const packHere = () => !pool || !workersAnswered || pool.size < ctx.numWorkers;
  const ownLane = async () => {
    if (pool && !packHereWhileWorkersStart) return;
    for (let batch = packHere() && take(); batch; batch = packHere() && take()) {
      await publishBatch(batch, packFiles);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  try {
    await Promise.all([ownLane(), ...(pool ? Array.from({ length: pool.size * 2 }, workerLane) : [])]);
  } finally {
    await own?.close();
  }
}

/**
 * Few files and no workers: this thread publishes them in two steps. Each file is read
 * once, hashed and inspected first, so that the new rows are known (`onRows`) while the
 * archives are zipped and stored: the caller writes the dependency table meanwhile, on
 * libuv's pool. Rows come early only if the files fit in memory together (64 MiB) and
 * none has to be streamed; otherwise they come with `onFile`, as from the workers.
 */
async function publishHere(
  items: OwnArchiveFile[],
  ctx: UploadContext,
  keyOf: (file: string) => string,
  rowOf: (read: ReadMediaFile) => DependencyRow,
  streamLarge: (item: OwnArchiveFile) => Promise<PublishedFile>,
  onFile: (published: PublishedFile) => void,
  onRows: (rows: DependencyRow[]) => void,
): Promise<void> {
  const local = ctx.backend.localPath?.bind(ctx.backend);
  const store = async (read: ReadMediaFile, withRow: boolean) => {
    const packed = storeMediaFile(read, local?.(keyOf(read.file)));
    if (packed.zip) await ctx.backend.putBytes(keyOf(read.file), packed.zip);
    onFile(withRow ? { row: rowOf(read), bytes: packed.zipSize } : { bytes: packed.zipSize });
  };
  const held: ReadMediaFile[] = [];
  const large: OwnArchiveFile[] = [];
  let heldBytes = 0;
  let early = true;
  for (const item of items) {
    const read = await readMediaFile(ctx.dbRoot, item.file, item.algorithm ?? ctx.algorithm, item.previous, IN_MEMORY_ZIP_BYTES);
    if (!read) {
      large.push(item);
      early = false;
      continue;
    }
    ctx.index.rememberAs(read.file, read.fingerprint, read.checksum);
    if (read.unchanged) {
      onFile({ bytes: 0, unchanged: true });
    } else if (heldBytes + read.data.length <= HOLD_BYTES) {
      held.push(read);
      heldBytes += read.data.length;
    } else {
      early = false;
      await store(read, true);
    }
  }
  if (early) onRows(held.map(rowOf));
  for (let stored = 1; held.length > 0; stored++) {
    await store(held.shift()!, !early); // its bytes can go once stored
    if (stored % FILES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  for (const item of large) onFile(await streamLarge(item));
}
