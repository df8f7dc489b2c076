import { availableParallelism } from "node:os";
import { WorkerPool, workerScript } from "../core/worker-pool.js";
import { convertFile, type ConvertOptions } from "./convert.js";
import { AudioFileError, CorruptAudioError, UnsupportedAudioError } from "./errors.js";
import { ChannelSelectionError } from "./remix.js";

/** One file to convert. */
export interface ConversionJob {
  src: string;
  dest: string;
  options?: ConvertOptions;
}

/** What a conversion worker answers. */
export type ConversionOutcome = { ok: true } | { ok: false; name: string; message: string; file?: string; code?: string };

const typedErrors: Record<string, typeof AudioFileError> = { CorruptAudioError, UnsupportedAudioError, AudioFileError };

function rebuildError(outcome: Extract<ConversionOutcome, { ok: false }>): Error {
  const Type = typedErrors[outcome.name];
  if (Type && outcome.file !== undefined) {
    const err = new Type(outcome.file, "");
    err.message = outcome.message;
    return err;
  }
  if (outcome.name === "ChannelSelectionError") return new ChannelSelectionError(outcome.message);
  return Object.assign(new Error(outcome.message), { name: outcome.name, code: outcome.code });
}

/**
 * Worker threads that convert files (one file at a time per worker). Keep
 * one for a batch of conversions: starting workers costs far more than a
 * short file (about 2 s under tsx, which compiles the sources per worker).
 */
export class ConversionPool {
  private readonly pool: WorkerPool<ConversionJob, ConversionOutcome>;

  constructor(numWorkers = availableParallelism()) {
    this.pool = new WorkerPool(workerScript("convert-worker", import.meta.url), Math.max(1, numWorkers), 1);
  }

  /** Number of worker threads. */
  get size(): number {
    return this.pool.size;
  }

  /** Converts one file on a worker; rejects with the same typed error {@link convertFile} would. */
  async convert(job: ConversionJob): Promise<void> {
    const outcome = await this.pool.run(job);
    if (!outcome.ok) throw rebuildError(outcome);
  }

  /** Stops the workers. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Converts many files on worker threads (default: one per core; 1 converts
 * in this thread), or on `pool` when given. Resolves when all are done;
 * rejects with the first failure's typed error once every job has run.
 * `onDone` is called after each successful file.
 */
export async function convertFiles(
  jobs: readonly ConversionJob[],
  options: { numWorkers?: number; pool?: ConversionPool; onDone?: (job: ConversionJob) => void } = {},
): Promise<void> {
  const numWorkers = Math.max(1, Math.min(options.numWorkers ?? availableParallelism(), jobs.length));
  if (!options.pool && numWorkers === 1) {
    for (const job of jobs) {
      await convertFile(job.src, job.dest, job.options);
      options.onDone?.(job);
    }
    return;
  }
  const pool = options.pool ?? new ConversionPool(numWorkers);
  try {
    const results = await Promise.allSettled(
      jobs.map(async (job) => {
        await pool.convert(job);
        options.onDone?.(job);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    if (!options.pool) await pool.close();
  }
}
