import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { writeNewFileSync } from "../../backends/filesystem.js";
import { audioInfoFromBytes, type AudioInfo } from "../audio/info.js";
import { compressionFor } from "../core/entry-compression.js";
import { createHasher, type ChecksumAlgorithm } from "../core/checksum.js";
import { PublishError } from "../core/errors.js";
import { fingerprintOf, type Fingerprint } from "../core/stat-index.js";
import { zipBytesSync } from "../core/zip-bytes.js";

/** Media files to read, checksum, inspect and zip, each into an archive of its own. */
export interface PackTask {
  /** The database folder the files are relative to. */
  root: string;
  algorithm: ChecksumAlgorithm;
  /**
   * Each file, and where its archive goes: a local path (see `writeNewFileSync`) or, without
   * `dest`, back as bytes. A file with a `previous` checksum (in its own `algorithm`) that
   * still matches is reported `unchanged` and not zipped.
   */
  files: Array<{ file: string; dest?: string; previous?: string; algorithm?: ChecksumAlgorithm }>;
  /** Files larger than this are left to the caller (`large`), which streams them. */
  maxFileBytes: number;
  /** Stop once the archives returned as bytes add up to this many bytes; the rest stay unpacked. */
  maxReturnBytes: number;
}

/** A packed file: its checksum, audio header, stat before reading, and archive (size, and bytes when not written). */
export interface PackedFile {
  file: string;
  checksum: string;
  /** True when the checksum equals the file's `previous` one: no archive was made. */
  unchanged?: boolean;
  info?: AudioInfo;
  fingerprint: Fingerprint;
  zipSize: number;
  zip?: Uint8Array;
}

/** Result of a {@link PackTask}: packed files and those too large, in task order; may stop early. */
export interface PackResult {
  packed: PackedFile[];
  large: string[];
  /** How many of the task's files were handled (packed or large); the caller resubmits the rest. */
  handled: number;
}

/**
 * Packs media files with one read each and blocking file calls, which cost a third of
 * libuv's asynchronous ones for small files: meant for worker threads (one per core),
 * where nothing else waits on the event loop.
 */
export async function packFiles(task: PackTask): Promise<PackResult> {
  const result: PackResult = { packed: [], large: [], handled: 0 };
  let returned = 0;
  for (const { file, dest, previous, algorithm } of task.files) {
    result.handled++;
    const read = await readMediaFile(task.root, file, algorithm ?? task.algorithm, previous, task.maxFileBytes);
    if (!read) {
      result.large.push(file);
      continue;
    }
    const packed = storeMediaFile(read, dest);
    if (packed.zip) returned += packed.zip.length;
    result.packed.push(packed);
    if (returned >= task.maxReturnBytes && returned > 0) break;
  }
  return result;
}

/** A media file read once: its bytes, checksum, stat before the read and, unless unchanged, audio header. */
export interface ReadMediaFile {
  file: string;
  data: Buffer;
  checksum: string;
  fingerprint: Fingerprint;
  unchanged: boolean;
  info?: AudioInfo;
}

/** Reads, checksums and inspects `file` under `root`; undefined when larger than `maxBytes`. */
export async function readMediaFile(
  root: string, file: string, algorithm: ChecksumAlgorithm, previous: string | undefined, maxBytes: number,
): Promise<ReadMediaFile | undefined> {
  try {
    const read = readWhole(join(root, file), maxBytes);
    if (!read) return undefined;
    const hasher = await createHasher(algorithm);
    hasher.update(read.data);
    const checksum = hasher.digest();
    const unchanged = checksum === previous;
    const info = unchanged ? undefined : await audioInfoFromBytes(file, read.data).catch(() => undefined);
    return { file, data: read.data, checksum, fingerprint: read.fingerprint, unchanged, ...(info ? { info } : {}) };
  } catch (err) {
    throw cannotPublish(file, err);
  }
}

/** Zips a read file into its own archive, written to `dest` (a file of the new version, see `writeNewFileSync`) or returned as bytes; nothing for an unchanged one. */
export function storeMediaFile(read: ReadMediaFile, dest: string | undefined): PackedFile {
  const { file, checksum, fingerprint, info } = read;
  if (read.unchanged) return { file, checksum, unchanged: true, fingerprint, zipSize: 0 };
  try {
    const zip = zipBytesSync([{ name: file, data: read.data, compression: compressionFor(file) }]);
    const packed: PackedFile = { file, checksum, fingerprint, zipSize: zip.length };
    if (info) packed.info = info;
    if (dest) writeNewFileSync(dest, zip); // the version has no header yet: no reader looks for it
    else packed.zip = zip.byteLength === zip.buffer.byteLength ? zip : new Uint8Array(zip); // own buffer, transferable
    return packed;
  } catch (err) {
    throw cannotPublish(file, err);
  }
}

function cannotPublish(file: string, err: unknown): PublishError {
  return new PublishError(`cannot publish media file '${file}': ${(err as Error).message}`, { cause: err });
}

/** The bytes of `path` and its stat before the read, or undefined when larger than `maxBytes`. */
function readWhole(path: string, maxBytes: number): { data: Buffer; fingerprint: Fingerprint } | undefined {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    const size = st.size;
    if (size > maxBytes) return undefined;
    const data = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const n = readSync(fd, data, filled, size - filled, filled);
      if (n === 0) throw new Error(`file shrank while reading (${filled} of ${size} bytes)`);
      filled += n;
    }
    return { data, fingerprint: fingerprintOf(st) };
  } finally {
    closeSync(fd);
  }
}
