import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import pLimit from "p-limit";
import type { Backend } from "../../backends/backend.js";
import { isTempName, writeAtomically } from "../../backends/filesystem.js";
import { ArchiveError, extractArchive } from "../core/archive.js";
import {
  COMPLETE_FILE, flavorFolder, isComplete, readCachedDependencies,
  versionFolder, writeCachedDependencies,
} from "../core/cache.js";
import { algorithmOf } from "../core/checksum.js";
import type { Dependencies } from "../core/dependencies.js";
import { ChecksumMismatchError, positiveInteger } from "../core/errors.js";
import { flavorId, makeFlavor, mediumDestination, type Flavor, type FlavorOptions } from "../core/flavor.js";
import { hashFiles } from "../core/hash-files.js";
import { attachmentKey, tableParquetKey, tableZipKey } from "../core/layout.js";
import { withFolderLock } from "../core/lock.js";
import { emit, type ProgressListener } from "../core/progress.js";
import { fetchDependencies } from "../core/remote-dependencies.js";
import { headerWithAudbMeta } from "./cached-header.js";
import { originalHeader } from "./original-header.js";
import { readHeaderView, tableMedia } from "./database-view.js";
import type { Context } from "./load-context.js";
import { fetchMedia } from "./load-media.js";
import { moveIntoPlace, reuseFromOtherVersions, withStaging } from "./load-reuse.js";
import { applyFilter } from "./filters.js";
import { backendWhenNeeded, latestVersionIn, lookupVersion } from "./resolve.js";
import { cacheRootFor, settings } from "./settings.js";

/** Options of {@link load}. */
export interface LoadOptions extends FlavorOptions {
  /** Version to load; default: the latest. */
  version?: string;
  /** Load header and tables only. */
  onlyMetadata?: boolean;
  /** Tables to load: regular expression (matched anywhere) or exact ids. Misc tables used by schemes always load. */
  tables?: string | string[];
  /** Media to load: regular expression or exact paths. */
  media?: string | string[];
  /** Attachments to load: regular expression or exact ids. */
  attachments?: string | string[];
  /** Keep rows of media that were removed with `removeMedia` (default false). */
  removedMedia?: boolean;
  /** Make file paths in tables absolute (default true). */
  fullPath?: boolean;
  /** Cache folder; default from configuration. */
  cacheRoot?: string;
  /** Parallel downloads, extraction and conversion (default: number of cores). */
  numWorkers?: number;
  /**
   * Seconds to wait for another process's lock on the cache folder, audb-python's included
   * (default: forever); LockTimeoutError when it passes, OptionError unless a number >= 0.
   */
  timeout?: number;
  /** Verify every downloaded file against its checksum (default true). */
  verify?: boolean;
  /** Called as files are downloaded and converted (phase, done, total, bytes). */
  onProgress?: ProgressListener;
}

/** Where a load put the database and what it selected. */
export interface LoadedFolder {
  name: string;
  version: string;
  flavor: Flavor;
  folder: string;
  tables: string[];
  /** Media files selected and in the folder. */
  media: string[];
  /** Media files the selection names that the version has removed: their rows, no files. */
  removedMedia: string[];
  /** The version's dependency table. */
  dependencies: Dependencies;
}

/** The dependency table of a version: from our cache, else from the repository (then cached). */
export async function cachedDependencies(cacheRoot: string, name: string, version: string, backend?: Backend): Promise<Dependencies> {
  const cached = await readCachedDependencies(cacheRoot, name, version);
  if (cached) return cached;
  const b = backend ?? (await (await lookupVersion(name, version)).open());
  const deps = await fetchDependencies(b, name, version);
  await writeCachedDependencies(cacheRoot, name, version, deps);
  return deps;
}

function isFullLoad(options: LoadOptions): boolean {
  return !options.onlyMetadata && options.tables === undefined && options.media === undefined && options.attachments === undefined;
}

/** Does the work of {@link load} and returns the folder and selection. */
export async function loadToCache(name: string, options: LoadOptions = {}): Promise<LoadedFolder> {
  if (options.numWorkers !== undefined) positiveInteger(options.numWorkers, "numWorkers");
  const version = options.version ?? (await latestVersionIn(name));
  const flavor = makeFlavor(options);
  const id = flavorId(flavor);

  const cacheRoot = cacheRootFor(options.cacheRoot);
  const complete = await completeFolder(name, version, id, cacheRoot);
  if (complete) return select(name, version, flavor, complete.folder, complete.deps, options);

  const folder = flavorFolder(cacheRoot, name, version, id);
  const backend = backendWhenNeeded(name, version); // media, tables and attachments already cached need no repository
  const deps = await cachedDependencies(cacheRoot, name, version, backend);

  return withFolderLock(folder, async () => {
    if (isComplete(folder)) return select(name, version, flavor, folder, deps, options);
    const ctx: Context = {
      name, version, flavor, folder, deps, backend, cacheRoot,
      numWorkers: options.numWorkers ?? availableParallelism(),
      verify: options.verify ?? true,
      onProgress: options.onProgress,
      otherDependencies: new Map(), // tables, attachments and media each look at the other versions
    };
    await prepareFolder(ctx);
    const selection = await select(name, version, flavor, folder, deps, options, ctx);
    if (!options.onlyMetadata) await fetchAttachments(ctx, options); // "header and tables only", as audb
    await fetchMedia(ctx, selection.media);
    if (isFullLoad(options) || holdsEverything(ctx)) await writeFile(join(folder, COMPLETE_FILE), "");
    return selection;
  }, options.timeout);
}

/**
 * A complete folder of the version in flavour `id`, the shared cache's first, with the
 * dependency table: no repository is asked. The shared cache is only read: a dependency
 * table missing there (audb-python keeps its own, db.pkl) is kept in our cache.
 */
export async function completeFolder(
  name: string, version: string, id: string, cacheRoot: string,
): Promise<{ folder: string; deps: Dependencies } | undefined> {
  for (const root of [settings().sharedCacheRoot, cacheRoot]) {
    const folder = flavorFolder(root, name, version, id);
    if (!isComplete(folder)) continue;
    const shared = root !== cacheRoot ? await readCachedDependencies(root, name, version) : undefined;
    return { folder, deps: shared ?? (await cachedDependencies(cacheRoot, name, version)) };
  }
  return undefined;
}

/** Readies the flavour folder for fetching (its lock held): staging left by a killed load gone, the header there. */
export async function prepareFolder(ctx: Context): Promise<void> {
  await removeStaleStaging(ctx.folder);
  await mkdir(ctx.folder, { recursive: true });
  await fetchHeader(ctx);
}

/** Per folder, a medium last found missing there: the next check mostly ends on it. */
const lastMissing = new Map<string, string>();

/**
 * True when the folder holds every table, attachment and non-removed medium of the
 * version, e.g. after partial loads that together covered everything (audb's
 * `_database_check_complete`). Media are checked last first, starting with the one the
 * last check found missing: loads of a few files at a time (loadMedia, stream) then cost
 * a check or two each, not one per medium.
 */
export function holdsEverything(ctx: Context): boolean {
  const { deps, folder, flavor } = ctx;
  const has = (f: string) => existsSync(join(folder, f));
  const hasMedium = (f: string) => deps.removed(f) || has(mediumDestination(flavor, deps, f));
  const remembered = lastMissing.get(folder);
  if (remembered !== undefined && deps.has(remembered) && !hasMedium(remembered)) return false;
  if (!deps.tables.every(has) || !deps.attachments.every(has)) return false;
  const media = deps.media;
  for (let i = media.length - 1; i >= 0; i--) {
    if (hasMedium(media[i]!)) continue;
    lastMissing.set(folder, media[i]!);
    return false;
  }
  lastMissing.delete(folder);
  return true;
}

/** Header into the flavour folder, with audb's `audb:` block (root, version, flavour). */
async function fetchHeader(ctx: Context): Promise<void> {
  const target = join(ctx.folder, "db.yaml");
  if (existsSync(target)) return;
  const original = join(versionFolder(ctx.cacheRoot, ctx.name, ctx.version), "db.yaml");
  const { text: source } = await originalHeader(original, ctx.name, ctx.version, () => Promise.resolve(ctx.backend));
  const text = headerWithAudbMeta(source, { root: ctx.folder, version: ctx.version, flavor: ctx.flavor }, original);
  await writeAtomically(target, (temp) => writeFile(temp, text));
}


/**
 * Chooses tables and media as audb does; with a context, fetches missing tables first
 * (the media of selected tables are only known once the tables are there).
 */
export async function select(
  name: string, version: string, flavor: Flavor, folder: string, deps: Dependencies, options: LoadOptions, ctx?: Context,
): Promise<LoadedFolder> {
  // checked also when the folder is complete (audb does not); with onlyMetadata, as in audb, not at all
  if (!options.onlyMetadata) applyFilter(deps.attachmentIds, options.attachments, "attachments", ` in ${name} ${version}`);
  const header = await readHeaderView(folder);
  const allTables = [...header.tableIds, ...header.miscTableIds];
  let tables = applyFilter(allTables, options.tables, "tables", ` in ${name} ${version}`);
  const needed = new Set([...tables, ...header.schemeMiscTables]);
  tables = allTables.filter((t) => needed.has(t));
  if (ctx) await fetchTables(ctx, tables);

  let media: string[] = [];
  let removedMedia: string[] = [];
  if (!options.onlyMetadata) {
    // as audb, the filter picks from the media of the selected tables, removed ones too;
    // those are in no archive any more (`removedMedia` keeps their table rows only)
    let candidates = deps.media;
    let where = ` in ${name} ${version}`;
    if (options.tables !== undefined) {
      const selected = tables.filter((t) => header.tableIds.includes(t));
      const used = await tableMedia(folder, selected);
      candidates = candidates.filter((f) => used.has(f));
      where = selected.length === 0
        ? ` in ${name} ${version}, no table selected`
        : ` in table${selected.length === 1 ? "" : "s"} ${selected.map((t) => `'${t}'`).join(", ")} of ${name} ${version}`;
    }
    const removed = new Set(deps.removedMedia);
    const selected = applyFilter(candidates, options.media, "media", where);
    media = selected.filter((f) => !removed.has(f));
    removedMedia = selected.filter((f) => removed.has(f));
  }
  return { name, version, flavor, folder, tables, media, removedMedia, dependencies: deps };
}

/** The file a table is stored as: `db.<id>.parquet` when the version has one, else `db.<id>.csv`. */
export function tableFile(deps: Dependencies, id: string): string {
  const parquet = `db.${id}.parquet`;
  return deps.has(parquet) ? parquet : `db.${id}.csv`;
}

export async function fetchTables(ctx: Context, tables: string[]): Promise<void> {
  const files = tables.map((id) => tableFile(ctx.deps, id));
  const absent = files.filter((f) => !existsSync(join(ctx.folder, f)));
  const missing = await reuseFromOtherVersions(ctx, absent, { target: (f) => f, lookInVersionFolder: true });
  const limit = pLimit(ctx.numWorkers);
  await Promise.all(missing.map((file) => limit(async () => {
    const id = file.replace(/^db\./, "").replace(/\.(csv|parquet)$/, "");
    const version = ctx.deps.version(file);
    await withStaging(ctx.folder, async (staging) => {
      if (file.endsWith(".parquet")) await ctx.backend.getFile(tableParquetKey(ctx.name, version, id), join(staging, file));
      else {
        const key = tableZipKey(ctx.name, version, id);
        await ctx.backend.getFile(key, join(staging, "table.zip"));
        await extractArchive(join(staging, "table.zip"), staging, { label: key }).catch((error: unknown) => {
          throw error instanceof ArchiveError ? new ArchiveError(`table '${id}' of '${ctx.name}' ${ctx.version}: ${error.message}`, { cause: error }) : error;
        });
      }
      await verifyFiles(ctx, staging, [file], tableZipKey(ctx.name, version, id));
      await rename(join(staging, file), join(ctx.folder, file));
    });
  })));
  emit(ctx.onProgress, { phase: "tables", done: absent.length, total: absent.length });
}

/** Folders this process has swept for temp files (see {@link removeStaleStaging}). */
const sweptFolders = new Set<string>();

/**
 * What a killed load left, safe to remove while holding the lock: its staging folders
 * (`<folder>~` and 6 random characters, as `mkdtemp` names them, or, on Node 20.12 to 20.16,
 * `<folder>~XXXXXX` and 6 random characters: nodejs/node#53776; audb-python's own
 * `<folder>~` is not ours)
 * and, in a folder not yet complete, the temp files of files it was writing in place
 * (not with `sweep: false`: a version folder holds flavour folders others may be filling).
 */
export async function removeStaleStaging(folder: string, { sweep = true } = {}): Promise<void> {
  const parent = dirname(folder);
  const ours = new RegExp(`^${escapeRegExp(basename(folder))}~(XXXXXX)?[A-Za-z0-9]{6}$`);
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    if (ours.test(entry)) await rm(join(parent, entry), { recursive: true, force: true });
  }
  // Once a process: the temp files are a killed process's, and a folder filled by one
  // loadMedia call after another would be walked again for each file.
  if (!sweep || isComplete(folder) || sweptFolders.has(folder)) return;
  sweptFolders.add(folder);
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isFile() && isTempName(e.name)) await rm(join(e.parentPath, e.name), { force: true });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function verifyFiles(ctx: Context, root: string, files: string[], source: string): Promise<void> {
  if (!ctx.verify) return;
  const sums = await hashFiles(root, files.map((file) => ({ file, algorithm: algorithmOf(ctx.deps.checksum(file)) })), { numWorkers: 1 });
  for (const file of files) {
    const expected = ctx.deps.checksum(file);
    if (sums.get(file) !== expected) {
      throw new ChecksumMismatchError(`'${file}' from '${source}' has checksum ${sums.get(file)}, the dependency table of '${ctx.name}' ${ctx.version} says ${expected}: the repository copy is corrupt or was tampered with`);
    }
  }
}

/** Where an attachment lies in a folder: a folder attachment may be named `extra/`. */
const onDisk = (path: string) => path.replace(/\/$/, "");

export async function fetchAttachments(ctx: Context, options: LoadOptions): Promise<void> {
  const ids = applyFilter(ctx.deps.attachmentIds, options.attachments, "attachments", ` in ${ctx.name} ${ctx.version}`);
  const byId = new Map(ctx.deps.attachments.map((path) => [ctx.deps.archive(path), path]));
  const absent = ids.map((id) => byId.get(id)!).filter((path) => !existsSync(join(ctx.folder, path)));
  const missing = new Set(await reuseFromOtherVersions(ctx, absent, { target: onDisk, tree: true, lookInVersionFolder: true }));
  for (const id of ids) {
    const path = byId.get(id)!;
    if (!missing.has(path)) continue;
    await withStaging(ctx.folder, async (staging) => {
      const key = attachmentKey(ctx.name, ctx.deps.version(path), id);
      await ctx.backend.getFile(key, join(staging, "attachment.zip"));
      const files = await extractArchive(join(staging, "attachment.zip"), join(staging, "x"), { label: key });
      // The attachment (a file or a folder) moves into place in one rename: a load killed
      // midway leaves all of it or nothing, as the check above assumes.
      const folderPath = onDisk(path);
      const whole = join(staging, "x", folderPath);
      if (existsSync(whole)) {
        await mkdir(dirname(join(ctx.folder, folderPath)), { recursive: true });
        await moveIntoPlace(whole, join(ctx.folder, folderPath));
      }
      for (const f of files.filter((f) => f !== folderPath && !f.startsWith(`${folderPath}/`))) {
        await mkdir(dirname(join(ctx.folder, f)), { recursive: true });
        await rename(join(staging, "x", f), join(ctx.folder, f));
      }
    });
  }
}

export type { Context } from "./load-context.js";
