import { parentPort } from "node:worker_threads";
import type { PoolRequest, PoolResponse } from "../core/worker-pool.js";
import { convertFile } from "./convert.js";
import type { ConversionJob, ConversionOutcome } from "./convert-files.js";

/** Worker thread: converts one file per task and answers with the outcome (errors as data, to keep their type). */
parentPort!.on("message", async ({ id, task }: PoolRequest<ConversionJob>) => {
  let result: ConversionOutcome;
  try {
    await convertFile(task.src, task.dest, task.options);
    result = { ok: true };
  } catch (err) {
    const e = err as Error & { file?: string; code?: string };
    result = { ok: false, name: e.name, message: e.message, file: e.file, code: e.code };
  }
  parentPort!.postMessage({ id, result } satisfies PoolResponse<ConversionOutcome>);
});
