import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { pipeline } from "node:stream/promises";
import * as yauzl from "yauzl";
import * as yazl from "yazl";
import { tempPathFor, writeAtomically } from "../../backends/filesystem.js";
import { AudbError } from "../errors.js";
import { DRIVE_LETTERS_ARE_ABSOLUTE } from "../format/paths.js";
import { createHasher, type ChecksumAlgorithm } from "./checksum.js";
import { isStored } from "./entry-compression.js";

/** A zip archive cannot be written or read, or holds an entry we refuse to extract. */
export class ArchiveError extends AudbError {}

/** One entry of an archive, as listed by {@link listArchive}. */
export interface ArchiveEntry {
  /** Relative POSIX path inside the archive. */
  path: string;
  /** Uncompressed size in bytes. */
  size: number;
  /** Size in the archive in bytes. */
  compressedSize: number;
  /** True when deflated, false when stored. */
  compressed: boolean;
  /** True for folder entries (names ending in `/`). */
  directory: boolean;
}

/**
 * audb's default archive name for a media file: md5 of its db-relative POSIX path,
 * formatted as a uuid 8-4-4-4-12 (`audeer.uid(from_string=file)` in audb's publish).
 */
export function archiveName(file: string): string {
  const hex = createHash("md5").update(file.replace(/\\/g, "/"), "utf8").digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Why an archive entry name must not be extracted (zip slip, absolute, ...), or null. */
export function unsafeEntryReason(name: string): string | null {
  if (name.includes("\\")) return "contains a backslash";
  if (name.startsWith("/") || (DRIVE_LETTERS_ARE_ABSOLUTE && /^[A-Za-z]:/.test(name))) return "is absolute";
  const segments = name.replace(/\/$/, "").split("/");
  if (segments.some((s) => s === "..")) return "contains '..'";
  if (segments.some((s) => s === "" || s === ".")) return "has empty or '.' segments";
  if (name.includes("\0")) return "contains a NUL character";
  return null;
}

/**
 * Writes a zip at `zipPath` holding `files` (db-relative POSIX paths under `root`) under
 * the same relative names. Compressed media (flac, mp3, ogg, opus) are stored, everything
 * else deflated. Written to a temp file and renamed, so the zip appears only when complete.
 */
export async function createArchive(zipPath: string, root: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    const reason = unsafeEntryReason(file);
    if (reason) throw new ArchiveError(`cannot add '${file}' to archive '${zipPath}': path ${reason}`);
  }
  await writeAtomically(path.resolve(zipPath), async (temp) => {
    const zip = new yazl.ZipFile();
    const written = pipeline(zip.outputStream, createWriteStream(temp));
    for (const file of files) {
      const source = path.join(root, ...file.split("/"));
      const stat = await fs.stat(source).catch((err: unknown) => {
        throw new ArchiveError(`cannot add '${file}' to archive '${zipPath}': ${(err as Error).message}`, { cause: err });
      });
      zip.addFile(source, file, { compress: !isStored(file), mtime: stat.mtime, mode: 0o100644 });
    }
    zip.end();
    await written;
  });
}

/** Names an archive in messages: `label`, else its path, or "in-memory archive". */
function describe(zip: string | Uint8Array, label?: string): string {
  return label ?? (typeof zip === "string" ? zip : "in-memory archive");
}

function openZip(zipPath: string | Uint8Array, label?: string): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => {
      if (err || !zip) reject(new ArchiveError(`cannot open archive '${describe(zipPath, label)}': ${err?.message}`, { cause: err }));
      else resolve(zip);
    };
    if (typeof zipPath === "string") yauzl.open(zipPath, options, done);
    else yauzl.fromBuffer(Buffer.from(zipPath.buffer, zipPath.byteOffset, zipPath.byteLength), options, done);
  });
}

type RawEntry = yauzl.Entry & { fileNameRaw: Buffer; generalPurposeBitFlag: number; extraFields: unknown[] };

/** Decodes an entry name (UTF-8 flag, unicode path extra field, else CP437); `\` becomes `/`. */
function entryName(entry: yauzl.Entry): string {
  const raw = entry as RawEntry;
  const decode = (yauzl as unknown as {
    getFileNameLowLevel(flags: number, name: Buffer, extra: unknown[], strict: boolean): string;
  }).getFileNameLowLevel;
  return decode(raw.generalPurposeBitFlag, raw.fileNameRaw ?? (raw.fileName as unknown as Buffer), raw.extraFields, true);
}

/** Visits every entry of a zip in order; `visit` may read the entry before the next one. */
async function forEachEntry(
  zipPath: string | Uint8Array,
  visit: (entry: yauzl.Entry, name: string, zip: yauzl.ZipFile) => Promise<void>,
  label?: string,
): Promise<void> {
  const zip = await openZip(zipPath, label);
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      zip.close();
      reject(err instanceof AudbError ? err : new ArchiveError(`cannot read archive '${describe(zipPath, label)}': ${(err as Error).message}`, { cause: err }));
    };
    zip.on("error", fail);
    zip.on("end", () => {
      if (!failed) resolve();
    });
    zip.on("entry", (entry: yauzl.Entry) => {
      visit(entry, entryName(entry), zip).then(() => zip.readEntry(), fail);
    });
    zip.readEntry();
  });
}

function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** Lists the entries of a zip without extracting it. */
export async function listArchive(zipPath: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  await forEachEntry(zipPath, async (entry, name) => {
    entries.push({
      path: name.replace(/\/$/, ""),
      size: entry.uncompressedSize,
      compressedSize: entry.compressedSize,
      compressed: entry.compressionMethod !== 0,
      directory: name.endsWith("/"),
    });
  });
  return entries;
}

/** Options of {@link extractArchive}. */
export interface ExtractOptions {
  /** Called after each file is in place, with its relative path, size and (if asked for) checksum. */
  onEntry?: (path: string, size: number, checksum?: string) => void;
  /** Algorithm to checksum an entry with while it is written (saves reading it again), or undefined. */
  checksum?: (path: string) => ChecksumAlgorithm | undefined;
  /** How errors name the archive, e.g. its repository key (default: its path). */
  label?: string;
}

/**
 * Extracts a zip under `destRoot`, streaming one entry at a time (constant memory, zip64).
 * Refuses entries whose names are absolute or contain `..` (zip slip) with an
 * {@link ArchiveError} naming the archive and entry. Each file is written to a temp file
 * and renamed into place. Returns the relative POSIX paths of the extracted files.
 * yauzl checks sizes, not CRCs: verify contents against their checksums.
 */
export async function extractArchive(zipPath: string | Uint8Array, destRoot: string, options: ExtractOptions = {}): Promise<string[]> {
  const root = path.resolve(destRoot);
  const extracted: string[] = [];
  await forEachEntry(zipPath, async (entry, name, zip) => {
    const reason = unsafeEntryReason(name);
    if (reason) throw new ArchiveError(`refusing to extract entry '${name}' of archive '${describe(zipPath, options.label)}': its path ${reason}`);
    const target = path.join(root, ...name.replace(/\/$/, "").split("/"));
    if (name.endsWith("/")) {
      await fs.mkdir(target, { recursive: true });
      return;
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = tempPathFor(target);
    const algorithm = options.checksum?.(name);
    const hasher = algorithm ? await createHasher(algorithm) : undefined;
    try {
      const source = await openEntryStream(zip, entry);
      if (hasher) source.on("data", (chunk: Buffer) => hasher.update(chunk));
      await pipeline(source, createWriteStream(temp));
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw new ArchiveError(`cannot extract entry '${name}' of archive '${describe(zipPath, options.label)}': ${(err as Error).message}`, { cause: err });
    }
    extracted.push(name);
    options.onEntry?.(name, entry.uncompressedSize, hasher?.digest());
  }, options.label);
  return extracted;
}
