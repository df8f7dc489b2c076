import { parentPort } from "node:worker_threads";
import { FileStats } from "../core/file-stats.js";
import type { PoolRequest, PoolResponse } from "../core/worker-pool.js";
import type { PublishWorkerResult, PublishWorkerTask } from "./publish-workers.js";

// Packing code (zip, checksums, audio headers) takes long to load: it loads after the first
// task, so helping stat the files (the first task of a republish) does not wait for it.
type Packing = typeof import("./publish-pack.js");
let packing: Promise<Packing> | undefined;
const loadPacking = () => (packing ??= import("./publish-pack.js"));

/** Worker thread of a publish: helps stat the database's files, or packs a batch of media files (archive bytes moved, not copied). */
parentPort!.on("message", async ({ id, task }: PoolRequest<PublishWorkerTask>) => {
  let answer: PoolResponse<PublishWorkerResult>;
  const transfer: ArrayBuffer[] = [];
  try {
    if (task.kind === "stat") {
      answer = { id, result: { kind: "stat", files: FileStats.attach(task.stats).work() } };
      setImmediate(() => loadPacking().catch(() => undefined));
    } else {
      const result = await (await loadPacking()).packFiles(task.pack);
      for (const p of result.packed) if (p.zip) transfer.push(p.zip.buffer as ArrayBuffer);
      answer = { id, result: { kind: "pack", result } };
    }
  } catch (err) {
    answer = { id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(answer, transfer);
});
