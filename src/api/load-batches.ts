import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { COMPLETE_FILE, flavorFolder, isComplete } from "../core/cache.js";
import type { Dependencies } from "../core/dependencies.js";
import { flavorId, makeFlavor, type Flavor } from "../core/flavor.js";
import { ownLockFile, withLock } from "../core/lock.js";
import { cachedDependencies, completeFolder, holdsEverything, prepareFolder, select, type LoadOptions } from "./load-cache.js";
import type { Context } from "./load-context.js";
import { fetchMedia } from "./load-media.js";
import { backendWhenNeeded, latestVersionIn } from "./resolve.js";
import { cacheRootFor } from "./settings.js";

/**
 * The media of one version in one flavour, loaded into its cache folder a few at a time
 * (for `stream`): the repository and the dependency table are opened once, and each batch
 * holds the folder's lock only while it fetches. The header and tables come with the
 * first batch, as with audb's `load_media`.
 *
 * The lock is ours only, not audb-python's as well (`withFolderLock`): taking that costs a
 * `flock(1)` child a batch (a cold stream 1.6x one load instead of 1.2x), and what a batch
 * writes (header, tables, media; never attachments) goes in whole under its final name, so
 * an audb-python load beside it can at worst fetch a file twice.
 */
export class MediaBatches {
  private started = false;

  private constructor(
    readonly folder: string,
    readonly flavor: Flavor,
    readonly deps: Dependencies,
    /** Undefined when the folder is complete already (ours or the shared cache's). */
    private readonly ctx: Context | undefined,
    private readonly timeout: number | undefined,
  ) {}

  /** True when the folder is complete: nothing to fetch, and no repository asked. */
  get complete(): boolean {
    return this.ctx === undefined;
  }

  static async open(name: string, options: LoadOptions = {}): Promise<MediaBatches> {
    const version = options.version ?? (await latestVersionIn(name));
    const flavor = makeFlavor(options);
    const id = flavorId(flavor);
    const cacheRoot = cacheRootFor(options.cacheRoot);
    const complete = await completeFolder(name, version, id, cacheRoot);
    if (complete) return new MediaBatches(complete.folder, flavor, complete.deps, undefined, options.timeout);
    const backend = backendWhenNeeded(name, version);
    const deps = await cachedDependencies(cacheRoot, name, version, backend);
    const folder = flavorFolder(cacheRoot, name, version, id);
    const ctx: Context = {
      name, version, flavor, folder, deps, backend, cacheRoot, numWorkers: options.numWorkers ?? availableParallelism(),
      verify: options.verify ?? true, otherDependencies: new Map(),
    };
    return new MediaBatches(folder, flavor, deps, ctx, options.timeout);
  }

  /** Fetches `media` (exact names of media the version holds, not removed) that the folder lacks. */
  async fetch(media: string[]): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || media.length === 0) return;
    await withLock(ownLockFile(ctx.folder), async () => {
      if (isComplete(ctx.folder)) return;
      if (!this.started) {
        await prepareFolder(ctx);
        await select(ctx.name, ctx.version, ctx.flavor, ctx.folder, ctx.deps, { media: [] }, ctx); // the tables
        this.started = true;
      }
      await fetchMedia(ctx, media);
    }, this.timeout);
  }

  /** Marks the folder complete if the batches (with earlier loads) filled it. */
  async finish(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || !this.started) return;
    await withLock(ownLockFile(ctx.folder), async () => {
      if (!isComplete(ctx.folder) && holdsEverything(ctx)) await writeFile(join(ctx.folder, COMPLETE_FILE), "");
    }, this.timeout);
  }
}
