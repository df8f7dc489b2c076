import { existsSync } from "node:fs";
import { copyFile, link, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import pLimit from "p-limit";
import { parseDocument } from "yaml";
import type { Backend } from "../../backends/backend.js";
import { copyMembers, membersOf, readZipDirectory } from "../../backends/zip-range.js";
import { ConversionPool, type ConversionJob } from "../audio/convert-files.js";
import { ArchiveError, extractArchive } from "../core/archive.js";
import {
  COMPLETE_FILE, cachedFlavorVersions, flavorFolder, flavorLockFile, isComplete, readCachedDependencies,
  versionFolder, writeCachedDependencies,
} from "../core/cache.js";
import { algorithmOf, checksumBytes } from "../core/checksum.js";
import { unzipBytes } from "../core/unzip-bytes.js";
import type { Dependencies } from "../core/dependencies.js";
import { ChecksumMismatchError } from "../core/errors.js";
import { flavorDestination, flavorId, makeFlavor, needsConversion, type Flavor, type FlavorOptions } from "../core/flavor.js";
import { hashFiles } from "../core/hash-files.js";
import { attachmentKey, headerKey, mediaKey, tableParquetKey, tableZipKey } from "../core/layout.js";
import { withLock } from "../core/lock.js";
import { emit, type ProgressListener } from "../core/progress.js";
import { fetchDependencies } from "../core/remote-dependencies.js";
import { readHeaderView, tableMedia } from "./database-view.js";
import { applyFilter } from "./filters.js";
import { latestVersionIn, lookupVersion } from "./resolve.js";
import { settings } from "./settings.js";

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
  /** Seconds to wait for another process's lock on the cache folder (default: forever). */
  timeout?: number;
  /** Verify every downloaded file against its checksum (default true). */
  verify?: boolean;
  onProgress?: ProgressListener;
}

/** Where a load put the database and what it selected. */
export interface LoadedFolder {
  name: string;
  version: string;
  flavor: Flavor;
  folder: string;
  tables: string[];
  media: string[];
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
  const config = settings();
  const version = options.version ?? (await latestVersionIn(name));
  const flavor = makeFlavor(options);
  const id = flavorId(flavor);

  for (const root of [config.sharedCacheRoot, options.cacheRoot ?? config.cacheRoot]) {
    const folder = flavorFolder(root, name, version, id);
    if (isComplete(folder)) return select(name, version, flavor, folder, await cachedDependencies(root, name, version), options);
  }

  const cacheRoot = options.cacheRoot ?? config.cacheRoot;
  const folder = flavorFolder(cacheRoot, name, version, id);
  const repository = await lookupVersion(name, version);
  const backend = await repository.open();
  const deps = await cachedDependencies(cacheRoot, name, version, backend);

  return withLock(flavorLockFile(cacheRoot, name, version, id), async () => {
    if (isComplete(folder)) return select(name, version, flavor, folder, deps, options);
    await removeStaleStaging(folder);
    const ctx: Context = {
      name, version, flavor, folder, deps, backend, cacheRoot,
      numWorkers: options.numWorkers ?? availableParallelism(),
      verify: options.verify ?? true,
      onProgress: options.onProgress,
    };
    await mkdir(folder, { recursive: true });
    await fetchHeader(ctx);
    const selection = await select(name, version, flavor, folder, deps, options, ctx);
    await fetchAttachments(ctx, options);
    await fetchMedia(ctx, selection.media);
    if (isFullLoad(options) || holdsEverything(ctx)) await writeFile(join(folder, COMPLETE_FILE), "");
    return selection;
  }, options.timeout);
}

/**
 * True when the folder holds every table, attachment and non-removed medium of the
 * version, e.g. after partial loads that together covered everything (audb's
 * `_database_check_complete`).
 */
function holdsEverything(ctx: Context): boolean {
  const { deps, folder, flavor } = ctx;
  const has = (f: string) => existsSync(join(folder, f));
  return (
    deps.tables.every(has) &&
    deps.attachments.every(has) &&
    deps.media.every((f) => deps.removed(f) || has(deps.samplingRate(f) > 0 ? flavorDestination(flavor, f) : f))
  );
}

/** What the fetch steps need; `reuse: false` never links files from other cached versions. */
export interface Context {
  name: string; version: string; flavor: Flavor; folder: string; deps: Dependencies; backend: Backend;
  cacheRoot: string; numWorkers: number; verify: boolean; onProgress?: ProgressListener; reuse?: boolean;
}

/** Header into the flavour folder, with audb's `audb:` block (root, version, flavour). */
async function fetchHeader(ctx: Context): Promise<void> {
  const target = join(ctx.folder, "db.yaml");
  if (existsSync(target)) return;
  const original = join(versionFolder(ctx.cacheRoot, ctx.name, ctx.version), "db.yaml");
  if (!existsSync(original)) await ctx.backend.getFile(headerKey(ctx.name, ctx.version), original);
  const doc = parseDocument(await readFile(original, "utf8"));
  const f = ctx.flavor;
  doc.set("audb", {
    root: ctx.folder,
    version: ctx.version,
    flavor: { bit_depth: f.bitDepth, channels: f.channels, format: f.format, mixdown: f.mixdown, sampling_rate: f.samplingRate },
  });
  await writeAtomic(target, doc.toString());
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}

/**
 * Chooses tables and media as audb does; with a context, fetches missing tables first
 * (the media of selected tables are only known once the tables are there).
 */
async function select(
  name: string, version: string, flavor: Flavor, folder: string, deps: Dependencies, options: LoadOptions, ctx?: Context,
): Promise<LoadedFolder> {
  const header = await readHeaderView(folder);
  const allTables = [...header.tableIds, ...header.miscTableIds];
  let tables = applyFilter(allTables, options.tables, "tables");
  const needed = new Set([...tables, ...header.schemeMiscTables]);
  tables = allTables.filter((t) => needed.has(t));
  if (ctx) await fetchTables(ctx, tables);

  let media: string[] = [];
  if (!options.onlyMetadata) {
    const removed = new Set(options.removedMedia ? [] : deps.removedMedia);
    let candidates = deps.media.filter((f) => !removed.has(f));
    if (options.tables !== undefined) {
      const used = await tableMedia(folder, tables.filter((t) => header.tableIds.includes(t)));
      candidates = candidates.filter((f) => used.has(f));
    }
    media = applyFilter(candidates, options.media, "media");
  }
  return { name, version, flavor, folder, tables, media, dependencies: deps };
}

export async function fetchTables(ctx: Context, tables: string[]): Promise<void> {
  const files = tables.map((id) => {
    const parquet = `db.${id}.parquet`;
    return ctx.deps.has(parquet) ? parquet : `db.${id}.csv`;
  });
  const missing = files.filter((f) => !existsSync(join(ctx.folder, f)));
  const limit = pLimit(ctx.numWorkers);
  await Promise.all(missing.map((file) => limit(async () => {
    const id = file.replace(/^db\./, "").replace(/\.(csv|parquet)$/, "");
    const version = ctx.deps.version(file);
    await withStaging(ctx, async (staging) => {
      if (file.endsWith(".parquet")) await ctx.backend.getFile(tableParquetKey(ctx.name, version, id), join(staging, file));
      else {
        await ctx.backend.getFile(tableZipKey(ctx.name, version, id), join(staging, "table.zip"));
        await extractArchive(join(staging, "table.zip"), staging);
      }
      await verifyFiles(ctx, staging, [file], tableZipKey(ctx.name, version, id));
      await rename(join(staging, file), join(ctx.folder, file));
    });
  })));
  emit(ctx.onProgress, { phase: "tables", done: missing.length, total: missing.length });
}

/** Staging folders (`<folder>~XXXXXX`) left by a killed load; safe to remove while holding the lock. */
async function removeStaleStaging(folder: string): Promise<void> {
  const parent = dirname(folder);
  const prefix = `${basename(folder)}~`;
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    if (entry.startsWith(prefix)) await rm(join(parent, entry), { recursive: true, force: true });
  }
}

async function withStaging<T>(ctx: Context, fn: (staging: string) => Promise<T>): Promise<T> {
  const staging = await mkdtemp(`${ctx.folder}~`);
  try {
    return await fn(staging);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
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

export async function fetchAttachments(ctx: Context, options: LoadOptions): Promise<void> {
  const ids = applyFilter(ctx.deps.attachmentIds, options.attachments, "attachments");
  const byId = new Map(ctx.deps.attachments.map((path) => [ctx.deps.archive(path), path]));
  for (const id of ids) {
    const path = byId.get(id)!;
    if (existsSync(join(ctx.folder, path))) continue;
    await withStaging(ctx, async (staging) => {
      const key = attachmentKey(ctx.name, ctx.deps.version(path), id);
      await ctx.backend.getFile(key, join(staging, "attachment.zip"));
      const files = await extractArchive(join(staging, "attachment.zip"), join(staging, "x"));
      for (const f of files) {
        await mkdir(dirname(join(ctx.folder, f)), { recursive: true });
        await rename(join(staging, "x", f), join(ctx.folder, f));
      }
    });
  }
}

/** Long loops over files report progress this often, so a 100,000-file load never falls silent. */
const PROGRESS_EVERY = 2000;

/** Archives up to this size (estimated from the dependency table) are read into memory, not written to disk. */
const IN_MEMORY_ARCHIVE_BYTES = 32 * 1024 * 1024;

/** A media archive: in memory when small, else downloaded into the staging folder. */
async function fetchArchive(ctx: Context, key: string, files: string[], staging: string): Promise<string | Uint8Array> {
  const { deps } = ctx;
  // A large archive of which fewer than half the members are wanted: fetch just those
  // members by ranged reads into a small zip (at most 8 MiB is worth reading whole).
  const members = membersOf(deps.columns.archive, deps.columns.version, deps.archive(files[0]!), deps.version(files[0]!));
  if (files.length * 2 < members) {
    const archiveSize = await ctx.backend.size(key);
    if (archiveSize > 8 * 1024 * 1024) {
      const path = join(staging, `${Math.random().toString(36).slice(2)}.zip`);
      await copyMembers(ctx.backend, await readZipDirectory(ctx.backend, key, archiveSize), files, path);
      return path;
    }
  }
  const estimate = files.reduce((sum, f) => sum + deps.duration(f) * deps.samplingRate(f) * deps.channels(f) * (deps.bitDepth(f) / 8), 0);
  const knowable = files.every((f) => deps.samplingRate(f) > 0);
  const size = knowable ? estimate : await ctx.backend.size(key);
  if (size <= IN_MEMORY_ARCHIVE_BYTES) return ctx.backend.getBytes(key);
  const path = join(staging, `${Math.random().toString(36).slice(2)}.zip`);
  await ctx.backend.getFile(key, path);
  return path;
}

/** Creates folders once per load. */
function folderMaker(): (dir: string) => Promise<void> {
  const made = new Map<string, Promise<unknown>>();
  return async (dir) => {
    let p = made.get(dir);
    if (!p) made.set(dir, (p = mkdir(dir, { recursive: true })));
    await p;
  };
}

/**
 * Media: link from other cached versions where possible, else download (numWorkers archives
 * at once), extract and verify into a staging folder, move or convert (on worker threads)
 * into place. Nothing appears under its final name before it is whole and verified.
 */
export async function fetchMedia(ctx: Context, media: string[]): Promise<void> {
  const { deps, flavor, folder } = ctx;
  const target = (f: string) => (deps.samplingRate(f) > 0 ? flavorDestination(flavor, f) : f);
  let missing = media.filter((f, i) => {
    if (i % PROGRESS_EVERY === 0) emit(ctx.onProgress, { phase: "check", done: i, total: media.length });
    return !existsSync(join(folder, target(f)));
  });
  if (ctx.reuse !== false) missing = await reuseFromOtherVersions(ctx, missing, target);
  if (missing.length === 0) return;

  const byArchive = new Map<string, string[]>();
  for (const f of missing) {
    const key = mediaKey(ctx.name, deps.version(f), deps.archive(f));
    const list = byArchive.get(key);
    if (list) list.push(f);
    else byArchive.set(key, [f]);
  }
  const total = missing.length;
  let done = 0;
  emit(ctx.onProgress, { phase: "download", done, total, bytes: 0 });
  const staging = await mkdtemp(`${folder}~`);
  const extracted = join(staging, "x");
  const converted = join(staging, "y");
  const ensureDir = folderMaker();
  const needs = (f: string) =>
    deps.samplingRate(f) > 0 && needsConversion(flavor, f, { bitDepth: deps.bitDepth(f), channels: deps.channels(f), samplingRate: deps.samplingRate(f) });
  const toConvert = missing.filter(needs).length;
  // workers start now and convert while later archives download
  const pool = toConvert > 0 ? new ConversionPool(ctx.numWorkers) : undefined;
  const conversions: Promise<void>[] = [];
  let conversionError: unknown;
  let convertedCount = 0;
  const queueConversion = async (f: string) => {
    const dest = join(converted, target(f));
    await ensureDir(dirname(dest));
    const job: ConversionJob = { src: join(extracted, f), dest, options: conversionOptions(flavor) };
    conversions.push(pool!.convert(job).then(async () => {
      const final = join(folder, target(f));
      await ensureDir(dirname(final));
      await rename(dest, final);
      await rm(job.src, { force: true });
      emit(ctx.onProgress, { phase: "convert", done: ++convertedCount, total: toConvert });
    }).catch((e: unknown) => {
      conversionError ??= e;
    }));
  };
  let bytes = 0;
  try {
    const limit = pLimit(ctx.numWorkers);
    let failed = false;
    const results = await Promise.allSettled([...byArchive].map(([key, files]) => limit(async () => {
      if (failed) return;
      const source = await fetchArchive(ctx, key, files, staging);
      const unzipped = typeof source === "string" ? undefined : await unzipBytes(source, key);
      const missingFile = (f: string) =>
        new ArchiveError(`archive '${key}' does not hold '${f}', which the dependency table of '${ctx.name}' ${ctx.version} puts there`);
      const mismatch = (f: string, sum: string | undefined) =>
        new ChecksumMismatchError(`'${f}' from '${key}' has checksum ${sum}, the dependency table of '${ctx.name}' ${ctx.version} says ${deps.checksum(f)}: the repository copy is corrupt or was tampered with`);
      if (unzipped) {
        // small archive, verified in memory: written straight to its final place (temp + rename)
        const byName = new Map(unzipped.map((e) => [e.name, e.data]));
        for (const f of files) {
          const data = byName.get(f);
          if (!data) throw missingFile(f);
          bytes += data.length;
          if (ctx.verify) {
            const sum = await checksumBytes(data, algorithmOf(deps.checksum(f)));
            if (sum !== deps.checksum(f)) throw mismatch(f, sum);
          }
          const convert = needs(f);
          const dest = join(convert ? extracted : folder, f);
          await ensureDir(dirname(dest));
          if (convert) {
            await writeFile(dest, data);
            await queueConversion(f);
          } else await writeAtomic(dest, data);
        }
      } else {
        const wanted = new Set(files);
        const sums = new Map<string, string>();
        await extractArchive(source, extracted, {
          checksum: (name) => (ctx.verify && wanted.has(name) ? algorithmOf(deps.checksum(name)) : undefined),
          onEntry: (name, size, sum) => {
            bytes += size;
            if (sum) sums.set(name, sum);
          },
        });
        if (typeof source === "string") await rm(source, { force: true });
        for (const f of files) {
          if (!existsSync(join(extracted, f))) throw missingFile(f);
          if (ctx.verify && sums.get(f) !== deps.checksum(f)) {
            await rm(join(extracted, f), { force: true });
            throw mismatch(f, sums.get(f));
          }
          if (needs(f)) await queueConversion(f);
          else {
            const dest = join(folder, f);
            await ensureDir(dirname(dest));
            await rename(join(extracted, f), dest);
          }
        }
      }
      done += files.length;
      emit(ctx.onProgress, { phase: "download", done, total, bytes });
    }).catch((e: unknown) => {
      failed = true;
      throw e;
    })));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
    await Promise.all(conversions);
    if (conversionError !== undefined) throw conversionError;
  } finally {
    if (pool) {
      await Promise.all(conversions);
      await pool.close();
    }
    await rm(staging, { recursive: true, force: true });
  }
}

function conversionOptions(flavor: Flavor) {
  return {
    ...(flavor.samplingRate !== null ? { samplingRate: flavor.samplingRate } : {}),
    ...(flavor.bitDepth !== null ? { bitDepth: flavor.bitDepth } : {}),
    ...(flavor.channels !== null ? { channels: flavor.channels } : {}),
    ...(flavor.format !== null ? { format: flavor.format } : {}),
    mixdown: flavor.mixdown,
  };
}

/** Links files that another cached version of this flavour holds with the same checksum; returns the rest. */
async function reuseFromOtherVersions(ctx: Context, missing: string[], target: (f: string) => string): Promise<string[]> {
  if (missing.length === 0) return missing;
  const id = flavorId(ctx.flavor);
  const roots = [...new Set([ctx.cacheRoot, settings().sharedCacheRoot])];
  let rest = missing;
  for (const root of roots) {
    for (const other of await cachedFlavorVersions(root, ctx.name, id)) {
      if (rest.length === 0) return rest;
      if (root === ctx.cacheRoot && other === ctx.version) continue;
      const otherDeps = await readCachedDependencies(root, ctx.name, other);
      if (!otherDeps) continue;
      const otherFolder = flavorFolder(root, ctx.name, other, id);
      const still: string[] = [];
      for (const [i, f] of rest.entries()) {
        if (i % PROGRESS_EVERY === 0) emit(ctx.onProgress, { phase: "reuse", done: i, total: rest.length });
        const src = join(otherFolder, target(f));
        if (otherDeps.has(f) && otherDeps.checksum(f) === ctx.deps.checksum(f) && existsSync(src)) {
          await linkOrCopy(src, join(ctx.folder, target(f)));
        } else still.push(f);
      }
      emit(ctx.onProgress, { phase: "reuse", done: rest.length - still.length, total: missing.length });
      rest = still;
    }
  }
  return rest;
}

async function linkOrCopy(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await link(src, temp);
  } catch {
    await copyFile(src, temp);
  }
  await rename(temp, dest);
}
