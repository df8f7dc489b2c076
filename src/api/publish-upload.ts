import { existsSync } from "node:fs";
import { copyFile, lstat, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import pLimit from "p-limit";
import type { Backend } from "../../backends/backend.js";
import { tempPathFor } from "../../backends/filesystem.js";
import { audioInfo } from "../audio/info.js";
import { createArchive, extractArchive } from "../core/archive.js";
import { compressionFor } from "../core/entry-compression.js";
import { checksumFile, type ChecksumAlgorithm } from "../core/checksum.js";
import { DependencyType, type Dependencies, type DependencyRow } from "../core/dependencies.js";
import { mediaKey } from "../core/layout.js";
import { emit, type ProgressListener } from "../core/progress.js";
import type { StatIndex } from "../core/stat-index.js";
import type { WorkDir } from "../core/work-dir.js";
import { zipBytes } from "../core/zip-bytes.js";
import type { Publishable } from "./database-view.js";
import { mediaRow } from "./media-row.js";
import type { PublishWorkers } from "./publish-workers.js";
import { IN_MEMORY_ZIP_BYTES, publishOwnArchives, type OwnArchiveFile, type PublishedFile } from "./publish-own-archives.js";

/** Files read at once for archives, in the whole process: a folder attachment may have more files than a process may open. */
const readLimit = pLimit(16);

/** One object to upload: a table or attachment archive, a media archive, or a file as it is (`single`). */
export type Upload = { kind: "table" | "attachment" | "media"; id: string; key: string; files: string[]; single?: string };

/** Publishes a media file too large for memory: checksum and header streamed, archive through a temp file. */
async function streamOwnArchive(item: OwnArchiveFile, tempName: string, ctx: UploadContext): Promise<PublishedFile> {
  const { file, archive } = item;
  const path = join(ctx.dbRoot, file);
  const checksum = await checksumFile(path, item.algorithm ?? ctx.algorithm);
  if (checksum === item.previous) {
    ctx.index.remember(file, checksum);
    return { bytes: 0, unchanged: true };
  }
  const info = await audioInfo(path).catch(() => undefined);
  const bytes = await uploadArchive({ kind: "media", id: archive, key: mediaKey(ctx.db.name, ctx.version, archive), files: [file] }, tempName, ctx);
  ctx.index.remember(file, checksum);
  return { row: mediaRow(file, archive, checksum, info, ctx.version), bytes };
}

export interface UploadContext {
  db: Publishable; dbRoot: string; version: string; deps: Dependencies; backend: Backend;
  workDir: WorkDir; numWorkers: number; algorithm: ChecksumAlgorithm; index: StatIndex;
  /** Workers already started for this publish, to pack media files on. */
  workers?: PublishWorkers;
  onProgress?: ProgressListener;
}

/** What {@link uploadAll} started: `rowsReady` once `ctx.deps` holds every new row (often before `done`), `done` once all is uploaded. */
export interface Uploading {
  rowsReady: Promise<void>;
  done: Promise<void>;
}

/**
 * Uploads tables and attachments (`uploads`), the touched grouped `archives` (whole, with
 * members missing on disk from their previous upload), and the files alone in their
 * archives (`direct`); puts the new rows and versions into `ctx.deps`. When no grouped
 * archive is touched (their upload reads the old versions), the rows of files packed on
 * this thread are put in as soon as they are known, before their archives are stored.
 */
export function uploadAll(uploads: Upload[], archives: Set<string>, direct: OwnArchiveFile[], ctx: UploadContext): Uploading {
  const { deps, db, version } = ctx;
  const members = new Map<string, string[]>();
  const { file: files, archive: archiveOf, type, removed } = deps.columns;
  for (let i = 0; archives.size > 0 && i < files.length; i++) {
    if (type[i] !== DependencyType.media || removed[i] === 1 || !archives.has(archiveOf[i]!)) continue;
    const list = members.get(archiveOf[i]!);
    if (list) list.push(files[i]!);
    else members.set(archiveOf[i]!, [files[i]!]);
  }
  const mediaUploads: Upload[] = [...members].map(([archive, files]) => ({
    kind: "media", id: archive, key: mediaKey(db.name, version, archive), files,
  }));
  const all = [...uploads, ...mediaUploads];
  let total = all.length + direct.length;
  const newRows: DependencyRow[] = [];
  let applied = false;
  const applyRows = () => {
    if (applied) return;
    applied = true;
    deps.setVersion(mediaUploads.flatMap((u) => u.files), version);
    const known = new Map(direct.filter((item) => item.row !== undefined).map((item) => [item.file, item.row])); // the new files have none
    setRows(deps, newRows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)), known);
  };
  const limit = pLimit(Math.max(1, ctx.numWorkers * 2));
  let done = 0;
  let bytes = 0;
  emit(ctx.onProgress, { phase: "upload", done, total, bytes });
  const onFile = ({ row, bytes: size, unchanged }: PublishedFile) => {
    if (row) newRows.push(row);
    bytes += size;
    if (unchanged) total--; // its content is the previous version's: nothing to upload
    else done++;
    emit(ctx.onProgress, { phase: "upload", done, total, bytes });
  };
  let rowsKnown!: () => void;
  const early = new Promise<void>((resolve) => (rowsKnown = resolve));
  const onRows = mediaUploads.length === 0
    ? (rows: DependencyRow[]) => {
        newRows.push(...rows);
        applyRows();
        rowsKnown();
      }
    : undefined;
  let large = 0;
  const directUploads = publishOwnArchives(
    direct, ctx, (item) => limit(() => streamOwnArchive(item, `own-${large++}.zip`, ctx)), onFile, { workers: ctx.workers, onRows },
  );
  const finished = Promise.all([directUploads, ...all.map((u, i) => limit(async () => {
    if (u.kind === "media") await restoreMissingMembers(u, ctx);
    // the size first, then the sum: `bytes += await` would drop what onFile added meanwhile
    const size = u.single ? await putSingle(u.key, join(ctx.dbRoot, u.single), ctx) : await uploadArchive(u, `${i}.zip`, ctx);
    bytes += size;
    emit(ctx.onProgress, { phase: "upload", done: ++done, total, bytes });
  }))]).then(applyRows);
  finished.catch(() => undefined); // awaited by the caller, perhaps only after rowsReady
  return { rowsReady: Promise.race([early, finished]), done: finished };
}

/**
 * Puts `rows` into `deps`, each at its row in `known` if it has one. A function of its
 * own, so that V8 optimises this loop (hot in a first publish) and not the closure that
 * calls it once per publish.
 */
function setRows(deps: Dependencies, rows: DependencyRow[], known: ReadonlyMap<string, number | undefined>): void {
  for (const row of rows) deps.set(row, known.get(row.file));
}

/** Puts the file at `path` under `key` as it is; returns its size. */
async function putSingle(key: string, path: string, ctx: UploadContext): Promise<number> {
  await ctx.backend.putFile(key, path);
  return (await stat(path)).size;
}

/** Zips the files of an upload and puts the archive under its key (large ones through the temp file `tempName`); returns its size. */
async function uploadArchive(u: Upload, tempName: string, ctx: UploadContext): Promise<number> {
  const paths = u.files.map((f) => join(ctx.dbRoot, f));
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
  if (sizes.reduce((a, b) => a + b, 0) <= IN_MEMORY_ZIP_BYTES) {
    const entries = await Promise.all(u.files.map((name, i) => readLimit(async () => ({ name, data: await readFile(paths[i]!), compression: compressionFor(name) }))));
    const zip = await zipBytes(entries);
    await ctx.backend.putBytes(u.key, zip);
    return zip.length;
  }
  const tempZip = await ctx.workDir.path(tempName);
  await createArchive(tempZip, ctx.dbRoot, u.files);
  await ctx.backend.putFile(u.key, tempZip);
  const size = (await lstat(tempZip)).size;
  await rm(tempZip, { force: true });
  return size;
}

/** Files of a touched archive that are not on disk come from the archive's previous upload. */
async function restoreMissingMembers(u: Upload, ctx: UploadContext): Promise<void> {
  const missing = u.files.filter((f) => !existsSync(join(ctx.dbRoot, f)));
  if (missing.length === 0) return;
  const oldVersion = ctx.deps.version(missing[0]!);
  const tmp = await mkdtemp(await ctx.workDir.path("old-"));
  try {
    const zip = join(tmp, "archive.zip");
    await ctx.backend.getFile(mediaKey(ctx.db.name, oldVersion, u.id), zip);
    const extracted = join(tmp, "x");
    await extractArchive(zip, extracted);
    for (const f of missing) {
      await mkdir(dirname(join(ctx.dbRoot, f)), { recursive: true });
      await copyFile(join(extracted, f), join(ctx.dbRoot, f));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * The new version's `db.csv` for the database folder, written under a temp name while the
 * repository is written and put in place by {@link commit} once the version exists: a
 * publish that fails before leaves the folder tied to the previous version.
 */
export class StagedDbCsv {
  private readonly temp: string;
  private readonly written: Promise<void>;

  constructor(private readonly dbRoot: string, csv: Uint8Array) {
    this.temp = tempPathFor(join(dbRoot, "db.csv"));
    this.written = writeFile(this.temp, csv);
  }

  /** Puts `db.csv` in place (replacing a `db.parquet`). */
  async commit(): Promise<void> {
    await this.written;
    await rename(this.temp, join(this.dbRoot, "db.csv"));
    if (existsSync(join(this.dbRoot, "db.parquet"))) await rm(join(this.dbRoot, "db.parquet"));
  }

  /** Removes the temp file. */
  async discard(): Promise<void> {
    await this.written.catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}
