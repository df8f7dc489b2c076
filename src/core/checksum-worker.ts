import { parentPort } from "node:worker_threads";
import { checksumFile, type ChecksumTask } from "./checksum.js";
import type { PoolRequest, PoolResponse } from "./worker-pool.js";

/** Worker thread: answers each batch of files with their checksums, in order. */
parentPort!.on("message", async ({ id, task }: PoolRequest<ChecksumTask>) => {
  let answer: PoolResponse<string[]>;
  try {
    const sums: string[] = [];
    for (const path of task.paths) sums.push(await checksumFile(path, task.algorithm));
    answer = { id, result: sums };
  } catch (err) {
    answer = { id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(answer);
});
