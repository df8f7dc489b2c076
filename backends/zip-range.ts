// Single members out of a large zip on a backend, with ranged reads: the end-of-central-
// directory record (zip64 too) and the central directory come from the archive's tail,
// then only the wanted members' bytes are fetched. Members can be streamed inflated
// (`openMember`) or copied raw into a small local zip (`copyMembers`) that the regular
// extractor (`extractArchive`) unpacks with its usual checks.
import { open } from "node:fs/promises";
import * as path from "node:path";
import { Transform, type Readable } from "node:stream";
import { crc32, createInflateRaw } from "node:zlib";
import * as yauzl from "yauzl";
import { ArchiveError, unsafeEntryReason } from "../src/core/archive.js";
import type { Backend } from "./backend.js";
import { writeAtomically } from "./filesystem.js";

/** A zip on a backend is malformed or truncated, or a member cannot be read from it. */
export class RemoteArchiveError extends ArchiveError {}
/** The archive has no member of the requested name. */
export class MissingMemberError extends RemoteArchiveError {}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA_ID = 0x0001;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const EOCD_LENGTH = 22;
const LOCAL_HEADER_LENGTH = 30;
const CENTRAL_HEADER_LENGTH = 46;
/** First guess at the tail to read: the EOCD record plus a short comment. */
const FIRST_TAIL_BYTES = 4096;
/** The EOCD record plus the longest comment. */
const MAX_TAIL_BYTES = EOCD_LENGTH + MAX16;

/** One member as the central directory describes it. */
export interface ZipMember {
  /** Decoded name (UTF-8 flag / unicode path field, else CP437). */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the member's local header in the archive. */
  localHeaderOffset: number;
  /** The raw central directory record (for re-packing). */
  record: Buffer;
}

/** The central directory of a zip on a backend. */
export interface ZipDirectory {
  /** Backend key of the archive. */
  key: string;
  /** Archive size in bytes. */
  size: number;
  members: Map<string, ZipMember>;
}

/** Reads bytes `start..end` (inclusive) of `key` into memory, checking the length. */
async function readRange(backend: Backend, key: string, start: number, end: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.getStream(key, { start, end })) chunks.push(chunk as Buffer);
  const data = Buffer.concat(chunks);
  if (data.length !== end - start + 1) {
    throw new RemoteArchiveError(`archive '${key}': asked for bytes ${start}-${end}, got ${data.length} bytes`);
  }
  return data;
}

function findEocd(tail: Buffer): number {
  for (let i = tail.length - EOCD_LENGTH; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE && i + EOCD_LENGTH + tail.readUInt16LE(i + 20) <= tail.length) return i;
  }
  return -1;
}

function u64(buffer: Buffer, offset: number): number {
  const value = buffer.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`64-bit value ${value} is too large`);
  return Number(value);
}

/** The raw extra fields of a record. */
function extraFields(extra: Buffer): { id: number; data: Buffer }[] {
  return yauzl.parseExtraFields(extra) as { id: number; data: Buffer }[];
}

const decodeName = (yauzl as unknown as {
  getFileNameLowLevel(flags: number, name: Buffer, extra: unknown[], strict: boolean): string;
}).getFileNameLowLevel;

/** Parses one central directory record at `at`; returns the member and the next record's offset. */
function parseRecord(key: string, cd: Buffer, at: number): [ZipMember, number] {
  if (at + CENTRAL_HEADER_LENGTH > cd.length || cd.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
    throw new RemoteArchiveError(`archive '${key}': central directory record at offset ${at} is damaged`);
  }
  const flags = cd.readUInt16LE(at + 8);
  const nameLength = cd.readUInt16LE(at + 28);
  const extraLength = cd.readUInt16LE(at + 30);
  const next = at + CENTRAL_HEADER_LENGTH + nameLength + extraLength + cd.readUInt16LE(at + 32);
  if (next > cd.length) throw new RemoteArchiveError(`archive '${key}': central directory record at offset ${at} is truncated`);
  const nameRaw = cd.subarray(at + CENTRAL_HEADER_LENGTH, at + CENTRAL_HEADER_LENGTH + nameLength);
  const extras = extraFields(cd.subarray(at + CENTRAL_HEADER_LENGTH + nameLength, at + CENTRAL_HEADER_LENGTH + nameLength + extraLength));
  let size = cd.readUInt32LE(at + 24);
  let compressedSize = cd.readUInt32LE(at + 20);
  let localHeaderOffset = cd.readUInt32LE(at + 42);
  const zip64 = extras.find((e) => e.id === ZIP64_EXTRA_ID)?.data;
  let cursor = 0;
  const wide = (value: number, what: string): number => {
    if (value !== MAX32) return value;
    if (!zip64 || cursor + 8 > zip64.length) throw new RemoteArchiveError(`archive '${key}': record at offset ${at} lacks the zip64 ${what}`);
    cursor += 8;
    return u64(zip64, cursor - 8);
  };
  size = wide(size, "size");
  compressedSize = wide(compressedSize, "compressed size");
  localHeaderOffset = wide(localHeaderOffset, "local header offset");
  const name = decodeName(flags, nameRaw, extras, true);
  const member: ZipMember = {
    name, flags, size, compressedSize, localHeaderOffset,
    method: cd.readUInt16LE(at + 10),
    crc32: cd.readUInt32LE(at + 16),
    record: cd.subarray(at, next),
  };
  return [member, next];
}

/**
 * Reads the central directory of the zip under `key` (of `knownSize` bytes, else asked
 * for) with one to four ranged reads
 * (tail with the end record, zip64 end record if not in the tail, the directory itself).
 * Throws {@link RemoteArchiveError} when the archive is not a zip, is truncated, or spans disks.
 */
export async function readZipDirectory(backend: Backend, key: string, knownSize?: number): Promise<ZipDirectory> {
  const size = knownSize ?? (await backend.size(key));
  if (size < EOCD_LENGTH) throw new RemoteArchiveError(`archive '${key}' has ${size} bytes: too short for a zip`);
  let tailStart = Math.max(0, size - FIRST_TAIL_BYTES);
  let tail = await readRange(backend, key, tailStart, size - 1);
  let eocd = findEocd(tail);
  if (eocd < 0 && tailStart > 0) {
    const start = Math.max(0, size - MAX_TAIL_BYTES);
    tail = Buffer.concat([await readRange(backend, key, start, tailStart - 1), tail]);
    tailStart = start;
    eocd = findEocd(tail);
  }
  if (eocd < 0) throw new RemoteArchiveError(`archive '${key}' is not a zip: no end of central directory record`);
  const slice = async (start: number, length: number): Promise<Buffer> => {
    if (start < 0 || start + length > size) throw new RemoteArchiveError(`archive '${key}': bytes ${start}-${start + length - 1} lie outside the archive (${size} bytes)`);
    if (start >= tailStart) return tail.subarray(start - tailStart, start - tailStart + length);
    const head = await readRange(backend, key, start, Math.min(start + length, tailStart) - 1);
    return start + length <= tailStart ? head : Buffer.concat([head, tail.subarray(0, start + length - tailStart)]);
  };
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (tail.readUInt16LE(eocd + 4) !== 0 || tail.readUInt16LE(eocd + 6) !== 0) throw new RemoteArchiveError(`archive '${key}' spans several disks`);
  const locator = tailStart + eocd >= 20 ? await slice(tailStart + eocd - 20, 20) : undefined;
  if (locator?.readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE) {
    const record = await slice(u64(locator, 8), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new RemoteArchiveError(`archive '${key}': zip64 end of central directory record is damaged`);
    count = u64(record, 32);
    cdSize = u64(record, 40);
    cdOffset = u64(record, 48);
  }
  const cd = await slice(cdOffset, cdSize);
  const members = new Map<string, ZipMember>();
  for (let i = 0, at = 0; i < count; i++) {
    const [member, next] = parseRecord(key, cd, at);
    members.set(member.name, member);
    at = next;
  }
  return { key, size, members };
}

/** The member `name`, checked to be safe and readable. */
function memberOf(dir: ZipDirectory, name: string): ZipMember {
  const member = dir.members.get(name);
  if (!member) throw new MissingMemberError(`archive '${dir.key}' has no member '${name}'`);
  const unsafe = unsafeEntryReason(name);
  if (unsafe) throw new RemoteArchiveError(`refusing member '${name}' of archive '${dir.key}': its path ${unsafe}`);
  if (member.flags & 0x1) throw new RemoteArchiveError(`member '${name}' of archive '${dir.key}' is encrypted`);
  if (member.method !== 0 && member.method !== 8) {
    throw new RemoteArchiveError(`member '${name}' of archive '${dir.key}' uses compression method ${member.method}; only stored (0) and deflate (8) are supported`);
  }
  return member;
}

/** Offset of the member's data: after its local header, whose lengths may differ from the central record's. */
async function dataOffset(backend: Backend, dir: ZipDirectory, member: ZipMember): Promise<number> {
  const at = member.localHeaderOffset;
  if (at + LOCAL_HEADER_LENGTH > dir.size) throw new RemoteArchiveError(`member '${member.name}' of archive '${dir.key}' points past the end of the archive`);
  const header = await readRange(backend, dir.key, at, at + LOCAL_HEADER_LENGTH - 1);
  if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new RemoteArchiveError(`member '${member.name}' of archive '${dir.key}': local header is damaged`);
  const start = at + LOCAL_HEADER_LENGTH + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + member.compressedSize > dir.size) throw new RemoteArchiveError(`member '${member.name}' of archive '${dir.key}' is truncated`);
  return start;
}

/** Counts bytes through a stream; fails when more or fewer than `expected` pass, or the CRC differs. */
function sizeCheck(what: string, expected: number, crc?: number): Transform {
  let seen = 0;
  let sum = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (crc !== undefined) sum = crc32(chunk, sum);
      if (seen > expected) done(new RemoteArchiveError(`${what} is larger than the ${expected} bytes the central directory gives`));
      else done(null, chunk);
    },
    flush(done) {
      if (seen !== expected) done(new RemoteArchiveError(`${what} has ${seen} bytes, the central directory gives ${expected}`));
      else if (crc !== undefined && sum >>> 0 !== crc) done(new RemoteArchiveError(`${what} fails its CRC-32 check`));
      else done();
    },
  });
}

/** Bytes `start..end-1` of a member's part of the archive, streamed by one ranged read (length checked). */
async function rangeStream(backend: Backend, dir: ZipDirectory, member: ZipMember, start: number, end: number): Promise<Readable> {
  const what = `bytes ${start}-${end - 1} of member '${member.name}' of archive '${dir.key}'`;
  const check = sizeCheck(what, end - start);
  if (end === start) return check.end() as Readable;
  const stream = await backend.getStream(dir.key, { start, end: end - 1 });
  stream.on("error", (err) => check.destroy(err));
  return stream.pipe(check);
}

/**
 * Streams member `name` of the zip described by `dir`, inflated, with its size and CRC-32
 * checked (the stream fails with {@link RemoteArchiveError} otherwise). Two ranged reads:
 * the local header, then the member's data. Refuses unsafe names (absolute, `..`).
 */
export async function openMember(backend: Backend, dir: ZipDirectory, name: string): Promise<Readable> {
  const member = memberOf(dir, name);
  const start = await dataOffset(backend, dir, member);
  const raw = await rangeStream(backend, dir, member, start, start + member.compressedSize);
  const what = `member '${name}' of archive '${dir.key}'`;
  const check = sizeCheck(what, member.size, member.crc32);
  const inflated = member.method === 8 ? raw.pipe(createInflateRaw()) : raw;
  raw.on("error", (err) => check.destroy(err));
  inflated.on("error", (err) => check.destroy(err instanceof RemoteArchiveError ? err : new RemoteArchiveError(`cannot inflate ${what}: ${err.message}`, { cause: err })));
  return inflated.pipe(check);
}

/** The member's central record for a copy whose local header sits at `offset` (zip64 fields as needed). */
function movedRecord(member: ZipMember, offset: number): Buffer {
  const r = member.record;
  const fixed = Buffer.from(r.subarray(0, CENTRAL_HEADER_LENGTH));
  const nameLength = r.readUInt16LE(28);
  const extraLength = r.readUInt16LE(30);
  const name = r.subarray(CENTRAL_HEADER_LENGTH, CENTRAL_HEADER_LENGTH + nameLength);
  const extra = r.subarray(CENTRAL_HEADER_LENGTH + nameLength, CENTRAL_HEADER_LENGTH + nameLength + extraLength);
  const comment = r.subarray(CENTRAL_HEADER_LENGTH + nameLength + extraLength);
  const kept = extraFields(extra).filter((e) => e.id !== ZIP64_EXTRA_ID);
  const wide: number[] = [];
  const field = (at: number, value: number) => {
    if (value >= MAX32) wide.push(value);
    fixed.writeUInt32LE(Math.min(value, MAX32), at);
  };
  field(24, member.size);
  field(20, member.compressedSize);
  field(42, offset);
  fixed.writeUInt16LE(0, 34);
  if (wide.length > 0) {
    const data = Buffer.alloc(8 * wide.length);
    wide.forEach((v, i) => data.writeBigUInt64LE(BigInt(v), 8 * i));
    kept.push({ id: ZIP64_EXTRA_ID, data });
  }
  const extras = Buffer.concat(kept.flatMap((e) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(e.id, 0);
    head.writeUInt16LE(e.data.length, 2);
    return [head, e.data];
  }));
  fixed.writeUInt16LE(extras.length, 30);
  return Buffer.concat([fixed, name, extras, comment]);
}

/** End records for a directory of `count` records, `size` bytes at `offset` (zip64 when needed). */
function endRecords(count: number, size: number, offset: number): Buffer {
  const eocd = Buffer.alloc(EOCD_LENGTH);
  eocd.writeUInt32LE(EOCD_SIGNATURE, 0);
  eocd.writeUInt16LE(Math.min(count, MAX16), 8);
  eocd.writeUInt16LE(Math.min(count, MAX16), 10);
  eocd.writeUInt32LE(Math.min(size, MAX32), 12);
  eocd.writeUInt32LE(Math.min(offset, MAX32), 16);
  if (count < MAX16 && size < MAX32 && offset < MAX32) return eocd;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(ZIP64_EOCD_SIGNATURE, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, 0);
  locator.writeBigUInt64LE(BigInt(offset + size), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, eocd]);
}

/**
 * Writes to `dest` a zip holding only members `names` of the zip under `key`: each
 * member's local header and compressed data are copied byte for byte with one ranged
 * read (plus one for the local header's length), the central directory is rebuilt.
 * Nothing is inflated, so extract `dest` with `extractArchive` (sizes and names checked
 * there). `dest` appears only when complete. Returns the bytes fetched for the members.
 */
export async function copyMembers(backend: Backend, dir: ZipDirectory, names: readonly string[], dest: string): Promise<number> {
  const members = [...new Set(names)].map((n) => memberOf(dir, n)).sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let fetched = 0;
  await writeAtomically(path.resolve(dest), async (temp) => {
    const file = await open(temp, "w");
    try {
      let position = 0;
      const records: Buffer[] = [];
      for (const member of members) {
        records.push(movedRecord(member, position));
        const end = (await dataOffset(backend, dir, member)) + member.compressedSize;
        for await (const chunk of await rangeStream(backend, dir, member, member.localHeaderOffset, end)) {
          await file.write(chunk as Buffer);
          position += (chunk as Buffer).length;
          fetched += (chunk as Buffer).length;
        }
      }
      const directory = Buffer.concat(records);
      await file.write(Buffer.concat([directory, endRecords(records.length, directory.length, position)]));
    } finally {
      await file.close();
    }
  });
  return fetched;
}

const memberCounts = new WeakMap<readonly string[], Map<string, number>>();

/**
 * How many rows share the pair (`group[i]`, `archive[i]`) — for a dependency table's
 * `version` and `archive` columns: the members of each archive. Counted once per column
 * array (the columns must not change afterwards).
 */
export function membersOf(archive: readonly string[], group: readonly string[], id: string, groupId: string): number {
  let counts = memberCounts.get(archive);
  if (!counts) {
    counts = new Map();
    for (let i = 0; i < archive.length; i++) {
      const k = `${group[i]}\0${archive[i]}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    memberCounts.set(archive, counts);
  }
  return counts.get(`${groupId}\0${id}`) ?? 0;
}
