import { constants, existsSync } from "node:fs";
import { copyFile, link, lstat, mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { tempPathFor } from "../../backends/filesystem.js";
import { cachedFlavorVersions, flavorFolder, readCachedDependencies, versionFolder, writeCachedDependencies } from "../core/cache.js";
import { compareVersions, sortVersions } from "../core/layout.js";
import type { Dependencies } from "../core/dependencies.js";
import { MissingVersionError } from "../core/errors.js";
import { flavorId } from "../core/flavor.js";
import { emit, PROGRESS_EVERY } from "../core/progress.js";
import { fetchDependencies } from "../core/remote-dependencies.js";
import type { Context } from "./load-context.js";
import { settings } from "./settings.js";

/** How {@link reuseFromOtherVersions} finds and places a file. */
export interface Reuse {
  /** Where a file of the dependency table lies in a flavour folder (media may change extension). */
  target: (file: string) => string;
  /** True for attachments: a path may be a folder, placed file by file and put in place in one rename. */
  tree?: boolean;
  /** Look first in the version folder, where `loadTable` and `loadAttachment` put tables and attachments. */
  lookInVersionFolder?: boolean;
  /**
   * Hard-link files of this cache instead of copying them (media: many and large); audb
   * copies all, and so do we for tables and attachments: a table saved again in place
   * would change every version that shares it.
   */
  link?: boolean;
}

/**
 * Places the `missing` files (media, tables or attachments) that another cached version of
 * this flavour holds with the same checksum, from this cache and then the shared one, as
 * audb's `_get_files_from_cache` and `_get_attachments_from_cache` do; returns the rest,
 * also files that cannot be read there (they are downloaded). With `link`, files of this
 * cache are hard-linked (the versions share them: cached media are not to be edited in
 * place); other files, and all of the shared cache, which other users own, are copied.
 * A version audb-python cached has no dependency table of ours: it is fetched from the
 * repository (and kept) when that version is there.
 */
export async function reuseFromOtherVersions(
  ctx: Context, missing: string[], { target, tree = false, lookInVersionFolder = false, link = false }: Reuse,
): Promise<string[]> {
  if (missing.length === 0 || ctx.reuse === false) return missing;
  let rest = lookInVersionFolder ? await fromVersionFolder(ctx, missing, target, tree) : missing;
  const id = flavorId(ctx.flavor);
  let looked = false;
  for (const root of new Set([ctx.cacheRoot, settings().sharedCacheRoot])) {
    // Newest first, as audb: later versions hold more of a version's files.
    for (const other of sortVersions(await cachedFlavorVersions(root, ctx.name, id)).reverse()) {
      if (rest.length === 0) return rest;
      const otherFolder = flavorFolder(root, ctx.name, other, id);
      // The folder, not the version: a version folder (loadTable's) takes from its own flavour folder.
      if (otherFolder === ctx.folder || olderThanAll(other, rest, ctx.deps)) continue;
      const otherDeps = await otherDependencies(ctx, root, other);
      if (!otherDeps) continue;
      const still: string[] = [];
      for (const [i, f] of rest.entries()) {
        if (i % PROGRESS_EVERY === 0) emit(ctx.onProgress, { phase: "reuse", done: missing.length - rest.length + i - still.length, total: missing.length });
        const src = join(otherFolder, target(f));
        const same = otherDeps.has(f) && otherDeps.checksum(f) === ctx.deps.checksum(f) && existsSync(src);
        if (!same || !(await place(src, join(ctx.folder, target(f)), { tree, copy: !link || root !== ctx.cacheRoot, folder: ctx.folder }))) still.push(f);
      }
      rest = still;
      emit(ctx.onProgress, { phase: "reuse", done: missing.length - rest.length, total: missing.length });
      looked = true;
    }
  }
  // Every file was looked for: the rest are downloaded (a phase of their own).
  if (looked && rest.length > 0) emit(ctx.onProgress, { phase: "reuse", done: missing.length, total: missing.length });
  return rest;
}

/**
 * True when `version` precedes the version of each of `files`: it cannot hold them as they
 * are (audb looks only at versions from a file's own on), so its table is not fetched.
 */
function olderThanAll(version: string, files: readonly string[], deps: Dependencies): boolean {
  return files.every((f) => compareVersions(version, deps.version(f)) < 0);
}

/**
 * Copies the tables and attachments that `loadTable` and `loadAttachment` put into the
 * version folder (verified there, and of this version); returns the rest.
 */
async function fromVersionFolder(ctx: Context, missing: string[], target: (file: string) => string, tree: boolean): Promise<string[]> {
  const folder = versionFolder(ctx.cacheRoot, ctx.name, ctx.version);
  if (folder === ctx.folder) return missing;
  const rest: string[] = [];
  for (const f of missing) {
    const src = join(folder, target(f));
    const placed = existsSync(src) && (await place(src, join(ctx.folder, target(f)), { tree, copy: true, folder: ctx.folder }));
    if (!placed) rest.push(f);
  }
  return rest;
}

/**
 * The dependency table of another cached version, read once per context that keeps them:
 * ours from the cache, else (a version only audb-python cached, which keeps `db.pkl`)
 * from the repository of this load, then kept in our cache; undefined when neither has it.
 */
async function otherDependencies(ctx: Context, root: string, version: string): Promise<Dependencies | undefined> {
  const key = `${root}\0${version}`;
  if (ctx.otherDependencies?.has(key)) return ctx.otherDependencies.get(key);
  let deps = await readCachedDependencies(root, ctx.name, version);
  if (!deps && root !== ctx.cacheRoot) deps = await readCachedDependencies(ctx.cacheRoot, ctx.name, version);
  if (!deps) {
    deps = await fetchDependencies(ctx.backend, ctx.name, version).catch((err: unknown) => {
      if (err instanceof MissingVersionError) return undefined; // cached from another repository
      throw err;
    });
    if (deps) await writeCachedDependencies(ctx.cacheRoot, ctx.name, version, deps);
  }
  ctx.otherDependencies?.set(key, deps);
  return deps;
}

/** A folder to reuse holds something that is neither a file nor a folder: it is downloaded instead. */
class NotPlaceable extends Error {}

/** Errors of the place a file is put, not of the file to reuse: they end the load. */
const DESTINATION_ERRORS = new Set(["ENOSPC", "EDQUOT", "EROFS"]);

/**
 * Puts `src` at `dest`: hard-linked, or copied (`copy`, or across file systems); with
 * `tree`, `src` may be a folder, placed file by file in a staging folder beside the
 * flavour `folder` (where a killed load's leftovers are swept) and moved to `dest` in one
 * rename. False, with nothing left behind, when `src` is no regular file or folder or
 * cannot be read: the caller downloads it.
 */
async function place(src: string, dest: string, { tree, copy, folder }: { tree: boolean; copy: boolean; folder: string }): Promise<boolean> {
  try {
    const kind = await lstat(src);
    if (tree && kind.isDirectory()) await placeTree(src, dest, copy, folder);
    else if (kind.isFile()) await linkOrCopy(src, dest, copy);
    else return false; // a symbolic link (it may point anywhere, or dangle where it is placed) or other
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof NotPlaceable || (code !== undefined && !DESTINATION_ERRORS.has(code))) return false;
    throw err;
  }
}

/** Hard-links `src` to `dest` (copies with `copy`, or across file systems), through a temp name. */
async function linkOrCopy(src: string, dest: string, copy: boolean): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = tempPathFor(dest);
  const linked = !copy && (await link(src, temp).then(() => true, () => false));
  try {
    if (!linked) await copyFile(src, temp, constants.COPYFILE_FICLONE); // a reflink where the file system has them
    await rename(temp, dest);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Renames a whole folder (or file) to `dest`; when another process (audb-python, which
 * does not share our locks) has put the same folder there first, keeps that one.
 */
export async function moveIntoPlace(source: string, dest: string): Promise<void> {
  try {
    await rename(source, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code !== "ENOTEMPTY" && code !== "EEXIST") || !existsSync(dest)) throw err;
  }
}

/**
 * Runs `fn` with a new staging folder beside the flavour (or version) `folder`, named
 * `<folder>~XXXXXX` so that the next load sweeps it after a kill; removes it after.
 */
export async function withStaging<T>(folder: string, fn: (staging: string) => Promise<T>): Promise<T> {
  const staging = await mkdtemp(`${folder}~`);
  try {
    return await fn(staging);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function placeTree(src: string, dest: string, copy: boolean, folder: string): Promise<void> {
  const entries = await readdir(src, { recursive: true, withFileTypes: true });
  await mkdir(dirname(dest), { recursive: true });
  await withStaging(folder, async (staging) => {
    const whole = join(staging, "x");
    await mkdir(whole);
    for (const e of entries) {
      const from = join(e.parentPath, e.name);
      const to = join(whole, relative(src, from));
      if (e.isDirectory()) await mkdir(to, { recursive: true });
      else if (e.isFile()) await linkOrCopy(from, to, copy);
      else throw new NotPlaceable(`'${from}' is neither a file nor a folder`);
    }
    await moveIntoPlace(whole, dest);
  });
}
