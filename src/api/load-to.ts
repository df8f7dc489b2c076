import { tempPathFor } from "../../backends/filesystem.js";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { positiveInteger } from "../core/errors.js";
import { folderPath } from "../core/paths.js";
import { join, resolve } from "node:path";
import type { Backend } from "../../backends/backend.js";
import { algorithmOf } from "../core/checksum.js";
import type { Dependencies } from "../core/dependencies.js";
import { dependenciesToCsv } from "../core/dependencies-csv.js";
import { makeFlavor } from "../core/flavor.js";
import { hashFiles } from "../core/hash-files.js";
import { headerKey } from "../core/layout.js";
import { emit, type ProgressListener } from "../core/progress.js";
import { fetchDependencies } from "../core/remote-dependencies.js";
import { ownLockFile, withLock } from "../core/lock.js";
import { fetchAttachments, fetchTables, removeStaleStaging } from "./load-cache.js";
import { fetchMedia } from "./load-media.js";
import { latestVersionIn, lookupVersion } from "./resolve.js";
import { settings } from "./settings.js";

/** Options of {@link loadTo}. */
export interface LoadToOptions {
  /** Version to load; default: the latest. */
  version?: string;
  /** Header, tables and attachments only, no media. */
  onlyMetadata?: boolean;
  /** Parallel checksums and downloads (default: number of cores). */
  numWorkers?: number;
  /** Called as files are downloaded (phase, done, total, bytes). */
  onProgress?: ProgressListener;
}

async function fetchOriginalHeader(backend: Backend, name: string, version: string, root: string): Promise<void> {
  const target = join(root, "db.yaml");
  const temp = tempPathFor(target);
  await backend.getFile(headerKey(name, version), temp);
  await rename(temp, target);
}

/** Deletes those of `files` in `root` whose checksum differs from the dependency table (reported as phase `hash`). */
async function dropChanged(root: string, files: string[], deps: Dependencies, numWorkers: number, onProgress?: ProgressListener): Promise<void> {
  const present = files.filter((f) => existsSync(join(root, f)));
  const sums = await hashFiles(root, present.map((file) => ({ file, algorithm: algorithmOf(deps.checksum(file)) })), {
    numWorkers, onProgress: (done, total) => emit(onProgress, { phase: "hash", done, total }),
  });
  for (const f of present) if (sums.get(f) !== deps.checksum(f)) await rm(join(root, f));
}

/**
 * Loads the original files of `name` `version` (no flavour conversion) into `root`, ready
 * to edit and publish as the next version, as audb's `load_to`: header, tables,
 * attachments and, unless `onlyMetadata`, all media that were not removed. Files already
 * in `root` are kept when their checksum matches the dependency table, else replaced; a
 * file of a removed medium that is not the version's is deleted (as audb's `load_to`);
 * attachments are always fetched again. The dependency table is written to `root/db.csv`,
 * which `publish(root, next, repository)` checks against the repository. Returns it.
 */
export async function loadTo(root: string, name: string, options: LoadToOptions = {}): Promise<Dependencies> {
  const folder = folderPath(resolve(root), "loadTo root");
  const version = options.version ?? (await latestVersionIn(name));
  const backend = await (await lookupVersion(name, version)).open();
  const deps = await fetchDependencies(backend, name, version);
  const numWorkers = options.numWorkers === undefined ? availableParallelism() : positiveInteger(options.numWorkers, "numWorkers");
  // One loadTo at a time into a folder, so that what a killed one left can be removed.
  return withLock(ownLockFile(folder), async () => {
    await removeStaleStaging(folder);
    return loadToLocked(folder, name, version, backend, deps, numWorkers, options);
  });
}

async function loadToLocked(
  root: string, name: string, version: string, backend: Backend, deps: Dependencies, numWorkers: number, options: LoadToOptions,
): Promise<Dependencies> {
  await mkdir(root, { recursive: true });

  const media = options.onlyMetadata ? [] : deps.media.filter((f) => !deps.removed(f));
  // as audb's load_to: a removed medium's file that is not the version's goes too
  await dropChanged(root, [...deps.tables, ...(options.onlyMetadata ? [] : deps.media)], deps, numWorkers, options.onProgress);
  for (const path of deps.attachments) await rm(join(root, path), { recursive: true, force: true });

  await fetchOriginalHeader(backend, name, version, root);
  const ctx = {
    name, version, flavor: makeFlavor(), folder: root, deps, backend, cacheRoot: settings().cacheRoot,
    numWorkers, verify: true, onProgress: options.onProgress, reuse: false,
  };
  await fetchTables(ctx, deps.tableIds);
  await fetchAttachments(ctx, {});
  await fetchMedia(ctx, media);

  await writeFile(join(root, "db.csv"), dependenciesToCsv(deps));
  await rm(join(root, "db.parquet"), { force: true });
  return deps;
}
