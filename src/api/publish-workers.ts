import type { FileStats, SharedFileStats } from "../core/file-stats.js";
import { WorkerPool, workerScript } from "../core/worker-pool.js";
import type { PackResult, PackTask } from "./publish-pack.js";

/** What a publish worker is asked: help fill file stats, or pack media files. */
export type PublishWorkerTask = { kind: "stat"; stats: SharedFileStats } | { kind: "pack"; pack: PackTask };
/** What a publish worker answers. */
export type PublishWorkerResult = { kind: "stat"; files: number } | { kind: "pack"; result: PackResult };

/** The worker threads of one publish (`publish-worker.ts`): they help stat the database's files and pack media files. */
export class PublishWorkers {
  private readonly pool: WorkerPool<PublishWorkerTask, PublishWorkerResult>;

  constructor(size: number) {
    this.pool = new WorkerPool(workerScript("publish-worker", import.meta.url), size, 2);
  }

  /** Number of worker threads. */
  get size(): number {
    return this.pool.size;
  }

  /** Starts more workers, up to `size` in all. */
  grow(size: number): void {
    this.pool.grow(size);
  }

  /**
   * Has a worker claim and fill chunks of `stats` for as long as some are left (see
   * {@link FileStats.complete}, which does not depend on this promise). Resolves with the
   * number of files the worker did.
   */
  async helpStat(stats: FileStats): Promise<number> {
    const answer = await this.pool.run({ kind: "stat", stats: stats.shared });
    if (answer.kind !== "stat") throw new Error("publish worker answered a stat task with a pack result");
    return answer.files;
  }

  /** Packs media files on a worker (see `packFiles`). */
  async pack(pack: PackTask): Promise<PackResult> {
    const answer = await this.pool.run({ kind: "pack", pack });
    if (answer.kind !== "pack") throw new Error("publish worker answered a pack task with a stat result");
    return answer.result;
  }

  /** Terminates the workers. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
