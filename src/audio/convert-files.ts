import { availableParallelism } from "node:os";
import { AudbError } from "../errors.js";
import { WorkerPool, workerScript } from "../core/worker-pool.js";
import { convertFile, type ConvertOptions } from "./convert.js";
import { AudioFileError, CorruptAudioError, UnsupportedAudioError } from "./errors.js";

/** One file to convert. */
export interface ConversionJob {
  src: string;
  dest: string;
  options?: ConvertOptions;
}

/** What a conversion worker answers. */
export type ConversionOutcome = { ok: true } | { ok: false; name: string; message: string; file?: string };

const typedErrors: Record<string, typeof AudioFileError> = { CorruptAudioError, UnsupportedAudioError, AudioFileError };

function rebuildError(outcome: Extract<ConversionOutcome, { ok: false }>): Error {
  const Type = typedErrors[outcome.name];
  if (Type && outcome.file !== undefined) {
    const err = new Type(outcome.file, "");
    err.message = outcome.message;
    return err;
  }
  const err = new AudbError(outcome.message);
  err.name = outcome.name;
  return err;
}

/**
 * Converts many files on worker threads (default: one per core; 1 converts
 * in this thread). Resolves when all are done; rejects with the first
 * failure's typed error once every job has run.
 * `onDone` is called after each successful file.
 */
export async function convertFiles(
  jobs: readonly ConversionJob[],
  options: { numWorkers?: number; onDone?: (job: ConversionJob) => void } = {},
): Promise<void> {
  const numWorkers = Math.max(1, Math.min(options.numWorkers ?? availableParallelism(), jobs.length));
  if (numWorkers === 1) {
    for (const job of jobs) {
      await convertFile(job.src, job.dest, job.options);
      options.onDone?.(job);
    }
    return;
  }
  const pool = new WorkerPool<ConversionJob, ConversionOutcome>(workerScript("convert-worker", import.meta.url), numWorkers, 1);
  try {
    const results = await Promise.allSettled(
      jobs.map(async (job) => {
        const outcome = await pool.run(job);
        if (!outcome.ok) throw rebuildError(outcome);
        options.onDone?.(job);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    await pool.close();
  }
}
