import { parentPort } from "node:worker_threads";
import { checksumFile, type ChecksumAlgorithm } from "./checksum.js";
import type { PoolRequest, PoolResponse } from "./worker-pool.js";

/** Worker thread: answers `{ path, algorithm }` tasks with the file's checksum. */
parentPort!.on("message", async ({ id, task }: PoolRequest<{ path: string; algorithm: ChecksumAlgorithm }>) => {
  let answer: PoolResponse<string>;
  try {
    answer = { id, result: await checksumFile(task.path, task.algorithm) };
  } catch (err) {
    answer = { id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(answer);
});
