import { existsSync, readFileSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import { lstat, readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import * as semver from "../core/semver.js";
import pLimit from "p-limit";
import { MissingKeyError, ReadOnlyBackendError, type Backend } from "../../backends/backend.js";
import { audioInfo } from "../audio/info.js";
import { archiveName } from "../core/archive.js";
import { checksumFolder, type ChecksumAlgorithm } from "../core/checksum.js";
import { Dependencies, DependencyType, type DependencyRow } from "../core/dependencies.js";
import { dependenciesFromCsv, dependenciesToCsvSource } from "../core/dependencies-csv.js";
import { dependenciesFromParquet } from "../core/dependencies-parquet.js";
import {
  DependencyMismatchError, InvalidVersionError, MissingMediaError, MissingVersionError, PublishError,
  RepositoryMismatchError, VersionExistsError,
} from "../core/errors.js";
import { algorithmFor, hashFiles, type FileToHash } from "../core/hash-files.js";
import {
  attachmentKey, compareVersions, headerKey, listVersions, sortVersions, tableParquetKey, tableZipKey,
} from "../core/layout.js";
import { FileState, FileStats } from "../core/file-stats.js";
import { InvalidIdError } from "../format/errors.js";
import { isKeySegment } from "../format/paths.js";
import { emit, type ProgressListener } from "../core/progress.js";
import { loadDependencySnapshot, saveDependencySnapshot, snapshotBody } from "../core/dependency-snapshot.js";
import {
  csvOfZip, fetchStoredDependencies, parseStoredDependencies, putDependencyTable, zipDependencyTable,
} from "../core/remote-dependencies.js";
import type { Repository } from "../core/repository.js";
import { StatIndex } from "../core/stat-index.js";
import { WorkDir } from "../core/work-dir.js";
import type { Publishable } from "./database-view.js";
import { extensionOf, mediaRow } from "./media-row.js";
import { readPublishableCached } from "./publishable-cache.js";
import { MIN_FILES_FOR_WORKERS, type OwnArchiveFile } from "./publish-own-archives.js";
import { StagedDbCsv, uploadAll, type Upload } from "./publish-upload.js";
import { PublishWorkers } from "./publish-workers.js";
import { PublishClaim } from "./publish-claim.js";
import { finishPublishedHere } from "./publish-resume.js";
import { sweepAbandoned, sweepFolderTemps } from "./publish-sweep.js";
import { lookupVersion, reachableVersions } from "./resolve.js";
import { settings } from "./settings.js";

/** Options of {@link publish}. */
export interface PublishOptions {
  /**
   * Version to build on: `"latest"` (default) = the newest in the configured repositories
   * and this one (refused when another repository holds it, as in audb), `null` = start afresh.
   */
  previousVersion?: string | null | "latest";
  /** Media file -> archive name, to bundle several files in one archive. */
  archives?: Record<string, string>;
  /** Parallel hashing, archiving and uploading (default: number of cores). */
  numWorkers?: number;
  /** Checksum for new files: `xxh64` (default, fast) or `md5` (what audb-python computes). */
  checksum?: ChecksumAlgorithm;
  /** Progress events for hashing and uploading. */
  onProgress?: ProgressListener;
  /**
   * Take over the version's claim that another publish left (one that died elsewhere).
   * A publish run again from the folder of an interrupted one takes its claim without it.
   */
  breakClaim?: boolean;
}

const LOCAL_DEPENDENCY_FILES = ["db.parquet", "db.csv"];

/**
 * Publishes the database in `dbRoot` as `version` of it in `repository`, uploading only
 * tables, media archives and attachments that are new or changed against the previous
 * version. The header goes last: until it is there, the version does not exist.
 * Returns the new version's dependency table, which is also written to `dbRoot/db.csv`.
 */
export async function publish(
  dbRoot: string,
  version: string,
  repository: Repository,
  options: PublishOptions = {},
): Promise<Dependencies> {
  const numWorkers = options.numWorkers ?? availableParallelism();
  checkVersion(version, options.previousVersion);
  checkArchiveNames(options.archives);
  const backend = await repository.open();
  if (backend.readOnly) {
    throw new ReadOnlyBackendError(`repository '${repository.name}' (${backend.kind}, ${repository.host}) is read-only: publish to the repository it serves`);
  }
  let workers: PublishWorkers | undefined;
  try {
    const algorithm = options.checksum ?? "xxh64";
    // Every media and table file is lstat'ed once (FileStats); when many are new (a first
    // publish), a worker helps while this thread reads the previous version, then packs.
    const index = await StatIndex.load(dbRoot);
    const db = await readPublishableCached(dbRoot, index);
    checkDatabaseName(db.name, dbRoot);
    const dbFiles = [...db.files, ...db.tableFiles];
    const stats = FileStats.create(dbRoot, dbFiles);
    // At least this many files are new to the index (it forgets files the database lost).
    const newFiles = dbFiles.length - index.files.length;
    if (newFiles >= MIN_FILES_FOR_WORKERS && numWorkers > 0) {
      workers = new PublishWorkers(1);
      workers.helpStat(stats).catch(() => undefined);
    }
    const published = await listVersions(backend, db.name);
    if (published.includes(version)) {
      const finished = await finishPublishedHere(backend, db.name, version, dbRoot);
      if (finished) return finished;
      throw new VersionExistsError(`version '${version}' of database '${db.name}' already exists in repository '${repository.name}'`);
    }
    const previousVersion = await resolvePrevious(db.name, version, options.previousVersion === undefined ? "latest" : options.previousVersion, published, repository);
    const deps = await startingDependencies(dbRoot, db.name, previousVersion, backend);

    stats.complete();
    checkMissingMedia(db, stats, deps);
    checkAttachments(db, dbFiles);
    checkNoSymlinks(dbRoot, stats);

    const uploads: Upload[] = [];
    await findAttachments(db, dbRoot, version, deps, algorithm, index, uploads);
    await findTables(db, dbRoot, stats, version, deps, algorithm, index, uploads, options.onProgress);
    const { touched: archives, direct } = await findMedia(db, dbRoot, stats, version, deps, algorithm, index, numWorkers, options);

    // Nothing is written before the input is checked; from here the version is ours.
    // Released however the publish ends; only a killed one leaves it (taken over when run again from this folder).
    const claim = await PublishClaim.take(backend, db.name, version, dbRoot, repository.name, options.breakClaim);
    const workDir = new WorkDir("audb-publish-");
    try {
      const uploading = uploadAll(uploads, archives, direct, {
        db, dbRoot, version, deps, backend, workDir, numWorkers, algorithm, index, workers, onProgress: options.onProgress,
      });
      await uploading.rowsReady;
      await finish(db, dbRoot, version, deps, backend, index, [...dbFiles, ...Object.values(db.attachments)], uploading.done, claim);
      if (claim.tookOver) await sweepAbandoned(backend, db.name, version, deps);
      if (claim.tookOverHere) await sweepFolderTemps(dbRoot);
      emit(options.onProgress, { phase: "done", done: 1, total: 1 });
    } finally {
      await workDir.remove();
      await claim.release();
    }
    return deps;
  } finally {
    await workers?.close();
  }
}

/**
 * Once the rest is `uploaded`, uploads the dependency table, then the header; meanwhile
 * keeps the stat index (of `files`) and the table's snapshot, and puts the new `db.csv`
 * into the folder once the version exists (a publish that fails before can run again on
 * the same previous version). The table is zipped on libuv's pool while this thread
 * encodes the rest (and may still be storing media archives).
 */
async function finish(
  db: Publishable, dbRoot: string, version: string, deps: Dependencies, backend: Backend, index: StatIndex, files: string[],
  uploaded: Promise<void>, claim: PublishClaim,
): Promise<void> {
  const { bytes: csv, lineStarts } = dependenciesToCsvSource(deps);
  const zipped = zipDependencyTable(csv);
  const snapshot = snapshotBody(deps);
  index.retain(files);
  // The repository's writes go first; the folder's files are written meanwhile.
  const published = zipped.then(async (zip) => {
    await uploaded; // media, tables and attachments first, as audb does
    await putDependencyTable(backend, db.name, version, zip);
    await putHeader(backend, headerKey(db.name, version), join(dbRoot, "db.yaml"), claim);
  });
  const staged = new StagedDbCsv(dbRoot, csv);
  const local = Promise.all([
    index.save(),
    zipped.then((zip) => saveDependencySnapshot(dbRoot, { name: db.name, version, zip, csv, lineStarts }, snapshot)), // unused until db.csv matches it
  ]);
  const [header, kept] = await Promise.allSettled([published, local]);
  if (header.status === "rejected") {
    await staged.discard();
    throw header.reason;
  }
  await staged.commit(); // the version exists: the folder follows it even if a cache could not be written
  if (kept.status === "rejected") throw kept.reason;
}

/**
 * Uploads the header. When the upload fails, the header may still have arrived (the
 * store's answer was lost): one there with the same bytes is success; when that cannot be
 * told, the claim's record stays in the folder, so that a publish run again finishes.
 */
async function putHeader(backend: Backend, key: string, file: string, claim: PublishClaim): Promise<void> {
  try {
    await backend.putFile(key, file);
  } catch (error) {
    const there = await sameBytes(backend, key, file).catch(() => undefined);
    if (there) return;
    if (there === undefined) claim.headerMayBeUp();
    throw error;
  }
}

/** Whether `key` holds the bytes of `file`; false when it is missing. */
async function sameBytes(backend: Backend, key: string, file: string): Promise<boolean> {
  try {
    return Buffer.from(await backend.getBytes(key)).equals(await readFile(file));
  } catch (error) {
    if (error instanceof MissingKeyError) return false;
    throw error;
  }
}

/** The name names the database's folder in the repository: one segment of audbackend's characters. */
function checkDatabaseName(name: string, dbRoot: string): void {
  if (isKeySegment(name)) return;
  const file = join(dbRoot, "db.yaml");
  throw new InvalidIdError(
    `'${file}': field 'name' is '${name}', but a database name must be letters, digits, '.', '_' and '-' (it names the database's folder in the repository)`,
    { file, field: "name" },
  );
}

/** Archive names are file names in the repository: audbackend's characters, as audb-python requires to load them. */
function checkArchiveNames(archives: Record<string, string> | undefined): void {
  for (const [file, archive] of Object.entries(archives ?? {})) {
    if (isKeySegment(archive)) continue;
    throw new InvalidIdError(
      `archives: '${archive}' (of '${file}') is not a valid archive name: use letters, digits, '.', '_' and '-' (audb-python cannot load others)`,
      { file, field: "archives" },
    );
  }
}

/** MAJOR.MINOR.PATCH as it names the version's folders: semver.valid() would also take "v1.0.0", " 1.0.0" and "1.0.0-rc1". */
const RELEASE_VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

function checkVersion(version: string, previous: string | null | "latest" | undefined): void {
  if (!RELEASE_VERSION.test(version)) {
    throw new InvalidVersionError(`'${version}' is not a valid version (expected MAJOR.MINOR.PATCH, e.g. 1.0.0, without prefix, spaces or pre-release tag)`);
  }
  if (previous && previous !== "latest") {
    if (!RELEASE_VERSION.test(previous) && !semver.valid(previous)) throw new InvalidVersionError(`previousVersion '${previous}' is not a valid version`);
    if (compareVersions(version, previous) <= 0) {
      throw new InvalidVersionError(`version '${version}' must be greater than previousVersion '${previous}'`);
    }
  }
}

async function resolvePrevious(
  name: string,
  version: string,
  requested: string | null,
  published: string[],
  repository: Repository,
): Promise<string | null> {
  if (requested === null) return null;
  if (requested === "latest") {
    await checkLatestIsHere(name, version, published, repository);
    const older = published.filter((v) => compareVersions(v, version) < 0); // in the order latestVersion uses
    if (older.length < published.length) {
      const newer = published.filter((v) => !older.includes(v));
      throw new InvalidVersionError(`version '${version}' of '${name}' must be greater than the latest published version '${newer.at(-1)}'`);
    }
    return older.at(-1) ?? null;
  }
  if (published.includes(requested)) return requested;
  const elsewhere = await lookupVersion(name, requested, otherRepositories(repository)).catch(() => undefined);
  if (elsewhere) throw splitError(name, version, repository, requested, elsewhere);
  throw new MissingVersionError(`previous version '${requested}' of '${name}' is not in repository '${repository.name}'`);
}

/** The configured repositories but `repository`. */
function otherRepositories(repository: Repository): Repository[] {
  return settings().repositories.filter((r) => r.name !== repository.name || r.host !== repository.host || r.backendKind !== repository.backendKind);
}

/**
 * As audb, "latest" is the newest version in the configured repositories and `repository`:
 * when another repository holds it, publishing on top of this one's would split the database.
 * Repositories that cannot be reached are skipped, as audb's `versions()` skips them.
 */
async function checkLatestIsHere(name: string, version: string, published: string[], repository: Repository): Promise<void> {
  const others = otherRepositories(repository);
  if (others.length === 0) return;
  const newest = sortVersions([...published, ...(await reachableVersions(name, others)).versions]).at(-1);
  if (newest === undefined || published.includes(newest)) return;
  throw splitError(name, version, repository, newest, await lookupVersion(name, newest, others));
}

function splitError(name: string, version: string, repository: Repository, previous: string, holder: Repository): RepositoryMismatchError {
  return new RepositoryMismatchError(
    `cannot publish '${name}' ${version} to repository '${repository.name}' on top of ${previous}, which is stored in repository '${holder.name}': ` +
      `a database must not be split across repositories (publish to '${holder.name}', or start afresh with previousVersion null, --previous-version none)`,
  );
}

/** The dependency table to start from: the folder's own (from loadTo) or the previous version's. */
async function startingDependencies(dbRoot: string, name: string, previous: string | null, backend: Backend): Promise<Dependencies> {
  const localFile = LOCAL_DEPENDENCY_FILES.find((f) => existsSync(join(dbRoot, f)));
  const localPath = localFile ? join(dbRoot, localFile) : undefined;
  const localBytes = localPath ? readFileSync(localPath) : undefined;
  if (previous === null) {
    if (localBytes && (await parseLocalDependencies(localPath!, localBytes)).length > 0) {
      throw new DependencyMismatchError(`'${localPath}' holds a dependency table, but the publish starts afresh (previousVersion null, --previous-version none): name the version it builds on, or remove the file`);
    }
    return new Dependencies();
  }
  const stored = await fetchStoredDependencies(backend, name, previous);
  if (localFile === "db.csv" && stored.format === "zip") {
    // Our own last publish from this folder kept the table it uploaded.
    const kept = await loadDependencySnapshot(dbRoot, { name, version: previous, zip: stored.data, csv: localBytes! });
    if (kept) return kept;
  }
  const text = stored.format === "zip" ? await csvOfZip(stored.data, stored.key) : undefined;
  const remote = text === undefined ? await parseStoredDependencies(stored) : dependenciesFromCsv(text, stored.key);
  // The db.csv of our own last publish or loadTo matches byte for byte: no need to parse it.
  const sameText = localFile === "db.csv" && text !== undefined && localBytes!.equals(Buffer.from(text, "utf8"));
  if (localBytes && !sameText) {
    const local = await parseLocalDependencies(localPath!, localBytes);
    if (!local.equals(remote)) throw mismatchError(localPath!, local, name, previous, remote);
  }
  return remote;
}

/**
 * The folder's dependency table is not `previous`'s: most often the folder was loaded from
 * an older version and `previous` defaulted to the latest. The way out that keeps the
 * folder's edits is naming the version it came from; loading `previous` over it would
 * replace every edited file.
 */
function mismatchError(localPath: string, local: Dependencies, name: string, previous: string, remote: Dependencies): DependencyMismatchError {
  const removedSince = removedSinceLoaded(local, remote);
  if (removedSince) {
    const shown = removedSince.slice(0, 5).join(", ") + (removedSince.length > 5 ? ", ..." : "");
    return new DependencyMismatchError(
      `'${localPath}' was loaded from '${name}' ${previous}, but media were removed from it since (remove_media): ${shown}. ` +
        `Load ${previous} again with loadTo() (audb load-to) into a new folder and copy your changes there: ` +
        `loading it over this folder replaces every file that differs from ${previous}, your edits too. Do not edit '${basename(localPath)}' itself.`,
    );
  }
  const newest = sortVersions([...new Set([...local.rows()].map((r) => r.version))]).at(-1);
  const from = newest === undefined ? "" : ` (its newest row is from ${newest}: was the folder loaded from that version or a later one?)`;
  return new DependencyMismatchError(
    `'${localPath}' does not match the dependency table of '${name}' ${previous}${from}. ` +
      `To build on the version the folder was loaded from, name it: previousVersion (--previous-version). ` +
      `To build on ${previous}, load it with loadTo() (audb load-to) into a new folder and copy your changes there: ` +
      `loading it over this folder replaces every file that differs from ${previous}, your edits too. Do not edit '${basename(localPath)}' itself.`,
  );
}

/** The media `remote` marks removed and `local` does not, when that is all that differs between them. */
function removedSinceLoaded(local: Dependencies, remote: Dependencies): string[] | undefined {
  if (local.length !== remote.length) return undefined;
  const removed: string[] = [];
  for (const row of remote.rows()) {
    if (!local.has(row.file)) return undefined;
    const mine = local.get(row.file);
    const same = (Object.keys(row) as (keyof DependencyRow)[]).every((k) => k === "removed" || mine[k] === row[k]);
    if (!same || (mine.removed && !row.removed)) return undefined;
    if (row.removed && !mine.removed) removed.push(row.file);
  }
  return removed.length > 0 ? removed : undefined;
}

async function parseLocalDependencies(path: string, data: Buffer): Promise<Dependencies> {
  return path.endsWith(".parquet") ? dependenciesFromParquet(data, path) : dependenciesFromCsv(data.toString("utf8"), path);
}

function checkMissingMedia(db: Publishable, stats: FileStats, deps: Dependencies): void {
  if (!stats.anyNotOnDisk()) return;
  const missing = db.files.filter((f, i) => !stats.onDisk(i) && !(deps.has(f) && deps.type(f) === DependencyType.media)).sort();
  if (missing.length === 0) return;
  const shown = missing.slice(0, 20).join(", ");
  throw new MissingMediaError(
    `${missing.length} media file(s) referenced in tables are neither in '${db.root}' nor in the previous version: ${shown}${missing.length > 20 ? ", ..." : ""}`,
  );
}

function checkAttachments(db: Publishable, owned: string[]): void {
  for (const [id, path] of Object.entries(db.attachments)) {
    const clash = owned.find((f) => f === path || f.startsWith(path.endsWith("/") ? path : `${path}/`));
    if (clash) throw new PublishError(`attachment '${id}' (${path}) overlaps with media or table file '${clash}'`);
  }
}

function checkNoSymlinks(root: string, stats: FileStats): void {
  const at = stats.state.indexOf(FileState.symlink);
  if (at >= 0) throw new PublishError(`'${stats.files[at]}' in '${root}' is a symbolic link or in a linked folder: publish real files`);
}

async function listAttachmentFiles(root: string, path: string): Promise<string[]> {
  const full = join(root, path);
  const s = await lstat(full).catch(() => undefined);
  if (!s) return [];
  if (s.isSymbolicLink()) throw new PublishError(`attachment '${path}' in '${root}' is a symbolic link`);
  if (s.isFile()) return [path];
  // Node lists a name that is not UTF-8 with U+FFFD, and fails to descend into such a folder.
  const entries = await readdir(full, { recursive: true, withFileTypes: true }).catch(async (error: unknown) => {
    await checkUtf8Names(path, full);
    throw error;
  });
  if (entries.some((e) => e.name.includes("\uFFFD"))) await checkUtf8Names(path, full);
  const files: string[] = [];
  for (const e of entries) {
    const rel = join(e.parentPath, e.name).slice(root.length + 1).split("\\").join("/");
    if (e.isSymbolicLink()) throw new PublishError(`attachment '${path}' contains the symbolic link '${rel}'`);
    if (e.isDirectory() && (await readdir(join(e.parentPath, e.name))).length === 0) {
      throw new PublishError(`attachment '${path}' contains the empty folder '${rel}'`);
    }
    if (e.isFile()) files.push(rel);
  }
  if (files.length === 0) throw new PublishError(`attachment '${path}' is an empty folder`);
  return files.sort();
}

/** Refuses the folder attachment `attachment` (at `folder`) when a name below it is not UTF-8, walking it by bytes. */
async function checkUtf8Names(attachment: string, folder: string): Promise<void> {
  const pending = [Buffer.from(folder)];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    for (const entry of await readdir(dir, { withFileTypes: true, encoding: "buffer" })) {
      const path = Buffer.concat([dir, Buffer.from("/"), entry.name]);
      if (!isUtf8(entry.name)) {
        throw new PublishError(
          `attachment '${attachment}' holds '${path.toString("latin1")}' (shown as Latin-1), whose name is not valid UTF-8: rename it (repository keys and audb-python need UTF-8 names)`,
        );
      }
      if (entry.isDirectory()) pending.push(path);
    }
  }
}

async function findAttachments(
  db: Publishable, root: string, version: string, deps: Dependencies,
  algorithm: ChecksumAlgorithm, index: StatIndex, uploads: Upload[],
): Promise<void> {
  const gone = deps.attachments.filter((path) => !Object.values(db.attachments).includes(path));
  deps.drop(gone);
  for (const [id, path] of Object.entries(db.attachments)) {
    const files = await listAttachmentFiles(root, path);
    if (files.length === 0) {
      if (deps.has(path)) continue;
      throw new PublishError(`attachment '${id}': '${path}' is neither in '${root}' nor in the previous version`);
    }
    const previous = deps.has(path) ? deps.checksum(path) : undefined;
    const alg = algorithmFor(previous, algorithm);
    const isFile = files.length === 1 && files[0] === path;
    const checksum = isFile
      ? (await hashFiles(root, [{ file: path, algorithm: alg }], { index })).get(path)!
      : await checksumFolder(join(root, path), files.map((f) => f.slice(path.replace(/\/$/, "").length + 1)), alg);
    if (previous === checksum) continue;
    deps.set({
      file: path, archive: id, bitDepth: 0, channels: 0, checksum, duration: 0, format: extensionOf(path),
      removed: false, samplingRate: 0, type: DependencyType.attachment, version,
    });
    uploads.push({ kind: "attachment", id, key: attachmentKey(db.name, version, id), files });
  }
}

async function findTables(
  db: Publishable, root: string, stats: FileStats, version: string, deps: Dependencies,
  algorithm: ChecksumAlgorithm, index: StatIndex, uploads: Upload[], onProgress?: ProgressListener,
): Promise<void> {
  deps.drop(deps.tables.filter((f) => !db.tableFiles.includes(f)));
  // The few table rows, found without a lookup by name (that builds a map of all files).
  const rows = new Map(deps.rowsOfType(DependencyType.meta).map((row) => [deps.columns.file[row]!, row]));
  const { checksum: checksums } = deps.columns;
  const previous = (file: string) => (rows.has(file) ? checksums[rows.get(file)!] : undefined);
  const sums = await hashFiles(
    root,
    db.tableFiles.map((file, t) => ({
      file,
      algorithm: algorithmFor(previous(file), algorithm),
      fingerprint: () => stats.fingerprintAt(db.files.length + t), // stats hold media, then tables
      indexRow: db.files.length + t, // and so does the index (retain)
    })),
    { index },
  );
  db.allTableIds.forEach((id, i) => {
    const file = db.tableFiles[i]!;
    const checksum = sums.get(file)!;
    if (previous(file) === checksum) return;
    const parquet = file.endsWith(".parquet");
    deps.set({
      file, archive: parquet ? "" : id, bitDepth: 0, channels: 0, checksum, duration: 0,
      format: parquet ? "parquet" : "csv", removed: false, samplingRate: 0, type: DependencyType.meta, version,
    }, rows.get(file));
    uploads.push(parquet
      ? { kind: "table", id, key: tableParquetKey(db.name, version, id), files: [file], single: file }
      : { kind: "table", id, key: tableZipKey(db.name, version, id), files: [file] });
  });
  emit(onProgress, { phase: "hash-tables", done: db.tableFiles.length, total: db.tableFiles.length });
}

async function findMedia(
  db: Publishable, root: string, stats: FileStats, version: string, deps: Dependencies,
  algorithm: ChecksumAlgorithm, index: StatIndex, numWorkers: number, options: PublishOptions,
): Promise<{ touched: Set<string>; direct: OwnArchiveFile[] }> {
  const touched = new Set<string>();

  // Files alone in their archives (new ones, and known ones whose stat changed) are read
  // once, in the upload phase: hash, header, zip. The others are hashed here.
  const direct: OwnArchiveFile[] = [];
  const known: FileToHash[] = [];
  const hashHere = (i: number, f: string) => known.push({
    file: f, algorithm: algorithmFor(deps.has(f) ? deps.checksum(f) : undefined, algorithm), fingerprint: () => stats.fingerprintAt(i),
  });
  const { fresh, stale, unchanged, keptMedia } = sortMediaFiles(db.files, stats, deps, index);
  for (const i of fresh) {
    const f = db.files[i]!;
    const ext = f.slice(f.lastIndexOf(".") + 1);
    if (ext !== ext.toLowerCase()) throw new PublishError(`the file extension of media file '${f}' must be lower case`);
    if (options.archives?.[f] === undefined) direct.push({ file: f, archive: archiveName(f) });
    else hashHere(i, f);
  }
  let { archive: archives, checksum: checksums } = deps.columns;
  // Media no table references any more leave the dependency table; their archives are touched.
  if (keptMedia !== deps.countOf(DependencyType.media)) {
    const wanted = new Set(db.files);
    const removed = deps.media.filter((f) => !wanted.has(f));
    for (const f of removed) touched.add(deps.archive(f));
    deps.drop(removed);
    ({ archive: archives, checksum: checksums } = deps.columns);
    for (const s of stale) s.row = deps.rowOf(db.files[s.i]!)!;
  }
  const joining = options.archives ? db.files.filter((f) => !deps.has(f) && options.archives![f] !== undefined).map((f) => options.archives![f]!) : [];
  const members = archiveMembers(deps, new Set(stale.map(({ row }) => archives[row]!)), joining);
  for (const { i, row } of stale) {
    const f = db.files[i]!;
    const archive = archives[row]!;
    const previous = checksums[row]!;
    if (members.get(archive) !== 1 || touched.has(archive)) hashHere(i, f);
    else direct.push({ file: f, archive, previous, algorithm: algorithmFor(previous, algorithm), row });
  }
  const sums = await hashFiles(
    root,
    known,
    {
      index, numWorkers,
      onProgress: (done, total) => emit(options.onProgress, { phase: "hash", done: unchanged + done, total: unchanged + total }),
    },
  );
  const changed = known.map(({ file }) => file).filter((f) => !deps.has(f) || deps.checksum(f) !== sums.get(f)).sort();
  const limit = pLimit(32);
  const rows = await Promise.all(changed.map((file) => limit(async () => {
    const info = await audioInfo(join(root, file)).catch(() => undefined);
    const archive = deps.has(file) ? deps.archive(file) : options.archives?.[file] ?? archiveName(file);
    return mediaRow(file, archive, sums.get(file)!, info, version);
  })));
  for (const row of rows) {
    deps.set(row);
    touched.add(row.archive);
  }
  return { touched, direct };
}

/**
 * Media files by what publishing them takes, in one pass over the database's files (kept
 * apart from {@link findMedia}: V8 optimises this loop alone, not the whole async
 * function): `fresh` files (positions in `files`) are new to the dependency table,
 * `stale` known ones have a stat that no longer matches the stat index (and their row),
 * `unchanged` counts those whose stat does; `keptMedia` counts the media rows still
 * referenced. Missing files and removed rows are left out.
 */
function sortMediaFiles(
  files: readonly string[], stats: FileStats, deps: Dependencies, index: StatIndex,
): { fresh: number[]; stale: Array<{ i: number; row: number }>; unchanged: number; keptMedia: number } {
  const { checksum: checksums, removed, type } = deps.columns;
  const { state, size, mtimeMs, ino, ctimeMs } = stats;
  const fresh: number[] = [];
  const stale: Array<{ i: number; row: number }> = [];
  let unchanged = 0;
  let keptMedia = 0;
  let lastRow = deps.firstRowOfType(DependencyType.media) - 1;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    const row = deps.rowOf(f, lastRow + 1); // the media rows of the previous publish follow the files
    if (row !== undefined) lastRow = row;
    if (row !== undefined && type[row] === DependencyType.media) keptMedia++;
    if (state[i] !== FileState.file) continue; // missing (symbolic links were refused)
    if (row === undefined) {
      fresh.push(i);
      continue;
    }
    if (removed[row] === 1) continue;
    const previous = checksums[row]!;
    // An index entry with the previous checksum has that algorithm's length too.
    if (index.lookupStat(f, previous.length, size[i]!, mtimeMs[i]!, ino[i]!, ctimeMs[i]!, i) === previous) unchanged++; // rows follow the files (retain)
    else stale.push({ i, row });
  }
  return { fresh, stale, unchanged, keptMedia };
}

/** How many media files each of `asked` archives will hold: those of `deps`, plus new files joining the `joining` archives. */
function archiveMembers(deps: Dependencies, asked: ReadonlySet<string>, joining: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  if (asked.size === 0) return counts;
  const { archive, type } = deps.columns;
  for (let i = 0; i < archive.length; i++) {
    if (type[i] === DependencyType.media && asked.has(archive[i]!)) counts.set(archive[i]!, (counts.get(archive[i]!) ?? 0) + 1);
  }
  for (const a of joining) if (asked.has(a)) counts.set(a, (counts.get(a) ?? 0) + 1);
  return counts;
}
