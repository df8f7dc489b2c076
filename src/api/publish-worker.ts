import { parentPort } from "node:worker_threads";
import type { PoolRequest, PoolResponse } from "../core/worker-pool.js";
import { packFiles, type PackResult, type PackTask } from "./publish-pack.js";

/** Worker thread: packs each batch of new media files, archive bytes moved, not copied. */
parentPort!.on("message", async ({ id, task }: PoolRequest<PackTask>) => {
  let answer: PoolResponse<PackResult>;
  const transfer: ArrayBuffer[] = [];
  try {
    const result = await packFiles(task);
    for (const p of result.packed) if (p.zip) transfer.push(p.zip.buffer as ArrayBuffer);
    answer = { id, result };
  } catch (err) {
    answer = { id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(answer, transfer);
});
