import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicallySync } from "../../backends/filesystem.js";
import { audioInfoFromBytes, type AudioInfo } from "../audio/info.js";
import { compressionFor } from "../core/entry-compression.js";
import { createHasher, type ChecksumAlgorithm } from "../core/checksum.js";
import { fingerprintOf, type Fingerprint } from "../core/stat-index.js";
import { zipBytesSync } from "../core/zip-bytes.js";

/** Media files to read, checksum, inspect and zip, each into an archive of its own. */
export interface PackTask {
  /** The database folder the files are relative to. */
  root: string;
  algorithm: ChecksumAlgorithm;
  /**
   * Each file, and where its archive goes: a local path (written temp + rename) or, without
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
    try {
      const read = readWhole(join(task.root, file), task.maxFileBytes);
      if (!read) {
        result.large.push(file);
        continue;
      }
      const hasher = await createHasher(algorithm ?? task.algorithm);
      hasher.update(read.data);
      const checksum = hasher.digest();
      if (checksum === previous) {
        result.packed.push({ file, checksum, unchanged: true, fingerprint: read.fingerprint, zipSize: 0 });
        continue;
      }
      const info = await audioInfoFromBytes(file, read.data).catch(() => undefined);
      const zip = zipBytesSync([{ name: file, data: read.data, compression: compressionFor(file) }]);
      const packed: PackedFile = { file, checksum, fingerprint: read.fingerprint, zipSize: zip.length };
      if (info) packed.info = info;
      if (dest) {
        writeFileAtomicallySync(dest, zip);
      } else {
        packed.zip = zip.byteLength === zip.buffer.byteLength ? zip : new Uint8Array(zip); // own buffer, transferable
        returned += zip.length;
      }
      result.packed.push(packed);
      if (returned >= task.maxReturnBytes && returned > 0) break;
    } catch (err) {
      throw new Error(`cannot publish media file '${file}': ${(err as Error).message}`, { cause: err });
    }
  }
  return result;
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
