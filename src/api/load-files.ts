import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { readHeaderText } from "../format/utf8.js";
import { versionFolder } from "../core/cache.js";
import { DependencyType } from "../core/dependencies.js";
import { FilterError } from "../core/errors.js";
import { makeFlavor, mediumDestination, type FlavorOptions } from "../core/flavor.js";
import { withFolderLock } from "../core/lock.js";
import { Database, type Frame } from "../format/index.js";
import { fetchHeaderFile } from "./info.js";
import { removeTempFilesOf } from "../../backends/filesystem.js";
import {
  cachedDependencies, fetchAttachments, fetchTables, loadToCache, removeStaleStaging, tableFile, type Context, type LoadOptions,
} from "./load-cache.js";
import { backendWhenNeeded, latestVersionIn } from "./resolve.js";
import { cacheRootFor } from "./settings.js";

/** Options of {@link loadAttachment}: which version, into which cache, how long to wait for a lock. */
export interface LoadAttachmentOptions extends Pick<LoadOptions, "version" | "cacheRoot" | "timeout"> {}

/** Options of {@link loadTable}. */
export interface LoadTableOptions extends Pick<LoadOptions, "version" | "cacheRoot" | "timeout"> {
  /** Columns to replace by fields of their scheme labels, as `{ speaker: "gender" }`. */
  map?: Record<string, string | string[]>;
}

/** Options of {@link loadMedia}: the flavour, which version, into which cache, with how many workers. */
export interface LoadMediaOptions extends FlavorOptions, Pick<LoadOptions, "version" | "cacheRoot" | "numWorkers" | "timeout"> {}

/** A fetch context on `<cacheRoot>/<name>/<version>/`, where audb keeps single tables and attachments. */
async function versionContext(name: string, version: string, cacheRoot: string): Promise<Context> {
  const backend = backendWhenNeeded(name, version);
  return {
    name, version, flavor: makeFlavor(), folder: versionFolder(cacheRoot, name, version),
    deps: await cachedDependencies(cacheRoot, name, version, backend), backend, cacheRoot,
    numWorkers: availableParallelism(), verify: true,
  };
}

/**
 * What a killed `loadTable` or `loadAttachment` left in and beside the version folder (its
 * lock held): staging folders, and temp files of its tables and attachments, which only
 * they write there. The header's and dependency table's are left alone: loads of flavour
 * folders write those without that lock.
 */
async function removeLeftovers(ctx: Context): Promise<void> {
  await removeStaleStaging(ctx.folder, { sweep: false });
  await removeTempFilesOf(ctx.folder, [...ctx.deps.tables, ...ctx.deps.attachments]);
}

/**
 * Loads the given media files (exact db-relative paths) of `name` in a flavour into the
 * cache, as audb's `load_media`, and returns their absolute paths in the order given
 * (converted files carry the flavour's extension). Tables come along (they are small);
 * other media and attachments do not. Unknown or removed files are a {@link FilterError} naming them.
 * `cacheRoot` (default: the configured one) is where the files go; `timeout` is how many
 * seconds to wait for another process's lock on the folder, audb-python's included
 * (default: forever; {@link LockTimeoutError} when it passes). Only files the cache lacks
 * are downloaded: with `version` named, what is cached loads without any repository.
 */
export async function loadMedia(
  name: string,
  media: string | string[],
  options: LoadMediaOptions = {},
): Promise<string[]> {
  const files = typeof media === "string" ? [media] : media;
  const loaded = await loadToCache(name, { ...options, media: files, attachments: [] });
  if (loaded.removedMedia.length > 0) {
    const named = loaded.removedMedia.slice(0, 20).map((f) => `'${f}'`).join(", ");
    throw new FilterError(`media: ${named} removed from ${name} ${loaded.version} (remove_media): no file to load`);
  }
  const deps = await cachedDependencies(cacheRootFor(options.cacheRoot), name, loaded.version);
  return files.map((f) => join(loaded.folder, mediumDestination(loaded.flavor, deps, f)));
}

/**
 * Loads one table of `name` (plus the misc tables its schemes take labels from) into
 * `<cacheRoot>/<name>/<version>/` and returns its values, as audb's `load_table`. `map`
 * replaces columns by fields of their scheme labels (`{ speaker: "gender" }`). An unknown
 * table is a {@link FilterError} naming the tables there are.
 * `cacheRoot` (default: the configured one) is where the files go; `timeout` is how many
 * seconds to wait for another process's lock on the folder, audb-python's included
 * (default: forever; {@link LockTimeoutError} when it passes). Only files the cache lacks
 * are downloaded: with `version` named, what is cached loads without any repository.
 */
export async function loadTable(
  name: string,
  table: string,
  options: LoadTableOptions = {},
): Promise<Frame> {
  const cacheRoot = cacheRootFor(options.cacheRoot);
  const version = options.version ?? (await latestVersionIn(name));
  const { db } = await fetchHeaderFile(name, version, cacheRoot);
  knowsTable(db, name, version, table);
  const folder = await fetchVersionTables(name, version, db, [table], cacheRoot, options.timeout);
  return tableFrame(db, folder, table, options.map);
}

/**
 * Puts tables of `name` `version` (each with the misc tables its schemes take labels from)
 * into `<cacheRoot>/<name>/<version>/`, whose header `db` is; returns that folder.
 */
export async function fetchVersionTables(
  name: string, version: string, db: Database, tables: string[], cacheRoot: string, timeout?: number,
): Promise<string> {
  const labels = tables.flatMap((table) => [...db.table(table).columns.values()]
    .map((c) => (c.schemeId === undefined ? undefined : db.schemes.get(c.schemeId)?.labels))
    .filter((l): l is string => typeof l === "string" && db.miscTables.has(l)));
  const ids = [...new Set([...tables, ...labels])];
  const ctx = await versionContext(name, version, cacheRoot);
  await intoVersionFolder(ctx, ids.map((id) => tableFile(ctx.deps, id)), () => fetchTables(ctx, ids), timeout);
  return ctx.folder;
}

/**
 * Runs `fetch` for `files` of the version folder under its locks (ours and audb-python's),
 * after removing what a killed fetch left. When all are there already it takes no lock, as
 * audb's `lock_cache` skips a complete folder: each went in whole, renamed into place.
 */
async function intoVersionFolder(ctx: Context, files: string[], fetch: () => Promise<void>, timeout?: number): Promise<void> {
  if (files.every((f) => existsSync(join(ctx.folder, f)))) return;
  await withFolderLock(ctx.folder, async () => {
    await removeLeftovers(ctx);
    await fetch();
  }, timeout);
}

/**
 * One table of a database folder that holds its tables (a complete flavour folder), read
 * without asking the repository; as {@link loadTable} returns it.
 */
export async function loadTableFrom(
  folder: string, name: string, version: string, table: string, map?: Record<string, string | string[]>,
): Promise<Frame> {
  return tableFrame(await headerWithTable(join(folder, "db.yaml"), name, version, table), folder, table, map);
}

/** The header at `path`, which must know `table` ({@link FilterError} otherwise). */
async function headerWithTable(path: string, name: string, version: string, table: string): Promise<Database> {
  return knowsTable(Database.fromYaml(await readHeaderText(path), path), name, version, table);
}

function knowsTable(db: Database, name: string, version: string, table: string): Database {
  if (!db.tables.has(table) && !db.miscTables.has(table)) {
    throw new FilterError(`table '${table}' is not in '${name}' ${version}; tables: ${db.tableIds.join(", ")}`);
  }
  return db;
}

async function tableFrame(db: Database, folder: string, table: string, map: Record<string, string | string[]> | undefined): Promise<Frame> {
  db.root = folder;
  await db.loadTables([table]);
  return db.table(table).get({ map });
}

async function filesBelow(root: string, path: string): Promise<string[]> {
  const full = join(root, path);
  if (!statSync(full).isDirectory()) return [full];
  const entries = await readdir(full, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/**
 * Loads one attachment of `name` into `<cacheRoot>/<name>/<version>/`, as audb's
 * `load_attachment`, and returns the absolute paths of its files (all files below it
 * for a folder attachment, sorted). An unknown id is a {@link FilterError} naming it.
 * `cacheRoot` (default: the configured one) is where the files go; `timeout` is how many
 * seconds to wait for another process's lock on the folder, audb-python's included
 * (default: forever; {@link LockTimeoutError} when it passes). Only files the cache lacks
 * are downloaded: with `version` named, what is cached loads without any repository.
 */
export async function loadAttachment(
  name: string, attachment: string, options: LoadAttachmentOptions = {},
): Promise<string[]> {
  const cacheRoot = cacheRootFor(options.cacheRoot);
  const version = options.version ?? (await latestVersionIn(name));
  const ctx = await versionContext(name, version, cacheRoot);
  const row = [...ctx.deps.rows()].find((r) => r.type === DependencyType.attachment && r.archive === attachment);
  if (!row) {
    throw new FilterError(`attachment '${attachment}' is not in '${name}' ${version}; attachments: ${ctx.deps.attachmentIds.join(", ") || "none"}`);
  }
  await intoVersionFolder(ctx, [row.file], () => fetchAttachments(ctx, { attachments: [attachment] }), options.timeout);
  return filesBelow(ctx.folder, row.file);
}
