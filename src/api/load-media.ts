import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import pLimit from "p-limit";
import { writeAtomically } from "../../backends/filesystem.js";
import { copyMembers, membersOf, readZipDirectory } from "../../backends/zip-range.js";
import { ConversionPool, type ConversionJob } from "../audio/convert-files.js";
import { AudioFileError } from "../audio/errors.js";
import { ArchiveError, extractArchive } from "../core/archive.js";
import { algorithmOf, checksumBytes } from "../core/checksum.js";
import { ChecksumMismatchError } from "../core/errors.js";
import { checkFlavorDestinations, mediumDestination, needsConversion, type Flavor } from "../core/flavor.js";
import { mediaKey } from "../core/layout.js";
import { emit, PROGRESS_EVERY } from "../core/progress.js";
import { unzipBytes } from "../core/unzip-bytes.js";
import type { Context } from "./load-context.js";
import { reuseFromOtherVersions } from "./load-reuse.js";

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
  if (!ctx.destinationsChecked) {
    checkFlavorDestinations(flavor, deps, deps.media); // all of them: a file loaded before may be the one this one would meet
    ctx.destinationsChecked = true;
  }
  const target = (f: string) => mediumDestination(flavor, deps, f);
  let missing = media.filter((f, i) => {
    if (i % PROGRESS_EVERY === 0) emit(ctx.onProgress, { phase: "check", done: i, total: media.length });
    return !existsSync(join(folder, target(f)));
  });
  if (media.length > 0) emit(ctx.onProgress, { phase: "check", done: media.length, total: media.length });
  missing = await reuseFromOtherVersions(ctx, missing, { target, link: true });
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
      conversionError ??= namingMedium(e, [job.src, job.dest], f);
    }));
  };
  let bytes = 0;
  try {
    const limit = pLimit(ctx.numWorkers);
    let failed = false;
    // `failed` is set inside the task: p-limit starts the next queued task as soon as this
    // one settles, before any handler attached to the promise limit() returns could run.
    const results = await Promise.allSettled([...byArchive].map(([key, files]) => limit(async () => {
      if (failed) return;
      try {
        await fetchOne(key, files);
      } catch (e) {
        failed = true;
        throw e;
      }
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

  /** Downloads, verifies and places the `files` archive `key` holds. */
  async function fetchOne(key: string, files: string[]): Promise<void> {
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
        } else await writeAtomically(dest, (temp) => writeFile(temp, data));
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

/** `error` about a staged copy of medium `f` (one of `staged`), naming `f` as the database names it instead. */
function namingMedium(error: unknown, staged: string[], f: string): unknown {
  if (!(error instanceof AudioFileError) || !staged.includes(error.file)) return error;
  const Type = error.constructor as new (file: string, message: string, options?: { cause?: unknown }) => AudioFileError;
  return new Type(f, error.message.slice(error.file.length + 2), { cause: error });
}
