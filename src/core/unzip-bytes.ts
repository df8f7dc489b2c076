import { promisify } from "node:util";
import { crc32, inflateRaw, type ZlibOptions } from "node:zlib";
import { ArchiveError, unsafeEntryReason } from "./archive.js";
import { singleChunk } from "./zip-bytes.js";

const inflate = promisify<Uint8Array, ZlibOptions, Buffer>(inflateRaw);

/**
 * Inflate options for an entry of `size` bytes: one output chunk ({@link singleChunk}),
 * and no more output than the header promises (a zip bomb fails early).
 */
function inflateOptions(size: number): ZlibOptions {
  return { chunkSize: singleChunk(size), maxOutputLength: Math.max(1, size) };
}

/** A file read out of an in-memory zip. */
export interface UnzippedEntry {
  name: string;
  data: Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * Reads every file of a small zip held in memory: no streams, no temp files; inflate runs
 * on libuv's thread pool. Sizes and CRC-32 are checked, unsafe names (zip slip) refused.
 * Returns undefined for what this reader leaves to the streaming extractor: zip64,
 * encryption, methods other than store/deflate, non-UTF-8 names outside ASCII.
 * `source` names the archive in errors.
 */
export async function unzipBytes(zip: Uint8Array, source: string): Promise<UnzippedEntry[] | undefined> {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ArchiveError(`'${source}' is not a zip archive (no end of central directory)`);
  const count = buf.readUInt16LE(end + 10);
  const centralOffset = buf.readUInt32LE(end + 16);
  if (count === 0xffff || centralOffset === 0xffffffff) return undefined;
  const entries: UnzippedEntry[] = [];
  let at = centralOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL) throw new ArchiveError(`'${source}': corrupt central directory`);
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const packedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const skip = buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const rawName = buf.subarray(at + 46, at + 46 + nameLength);
    at += 46 + nameLength + skip;
    if ((flags & 0x1) !== 0 || (method !== 0 && method !== 8) || size === 0xffffffff || packedSize === 0xffffffff || local === 0xffffffff) return undefined;
    if ((flags & 0x800) === 0 && rawName.some((b) => b > 0x7f)) return undefined;
    const name = rawName.toString("utf8").replace(/\\/g, "/");
    if (name.endsWith("/")) continue;
    const reason = unsafeEntryReason(name);
    if (reason) throw new ArchiveError(`refusing to extract entry '${name}' of archive '${source}': its path ${reason}`);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL) throw new ArchiveError(`'${source}': corrupt local header of '${name}'`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + packedSize > buf.length) throw new ArchiveError(`'${source}': entry '${name}' is truncated`);
    const packed = buf.subarray(start, start + packedSize);
    const data = method === 8
      ? await inflate(packed, inflateOptions(size)).catch((e: Error) => {
          throw new ArchiveError(`'${source}': cannot inflate '${name}': ${e.message}`);
        })
      : packed;
    if (data.length !== size || crc32(data) !== crc) throw new ArchiveError(`'${source}': entry '${name}' fails its size or CRC check`);
    entries.push({ name, data });
  }
  return entries;
}
