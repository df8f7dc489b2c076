import { readFileSync, statSync, type Stats } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../../backends/filesystem.js";
import { framedHeader, readFramedHeader } from "./framed-header.js";
import { aligned, plainNumbers } from "./typed-views.js";

/** File name of the stat index kept in a database folder. */
export const STAT_INDEX_FILE = ".audb-stat-index.bin";

/** File name of the stat index as JSON (v1 to v3), read when there is no {@link STAT_INDEX_FILE} and removed by the next save. */
export const LEGACY_STAT_INDEX_FILE = ".audb-stat-index.json";

// The stored index (v5; v4 had no ctimeMs):
//   framed header ("AUDBIDX5", see framed-header.ts; meta: rows, blocks) |
//   size, mtimeMs, ino, ctimeMs as float64 (8-byte aligned) | file names NUL-joined (UTF-8) | checksums NUL-joined |
//   records as JSON (written again as read while no record changes: they hold a database's file list).
// Decoding is a few bulk copies and two splits: ~1 ms for 10,000 rows, where JSON.parse and its checks took ~3 ms.
const MAGIC = "AUDBIDX5";
/** The index without ctimes: its rows match no file until read again. */
const MAGIC_V4 = "AUDBIDX4";
const SEP = "\u0000";

/**
 * What identifies a file's content without reading it: size, mtime, inode and ctime. The
 * ctime changes with every write and cannot be set back (`touch -d` sets the mtime), so an
 * edit in place that keeps the size and restores the mtime is still seen. The times are
 * `fs.Stats`' milliseconds (sub-microsecond for today's dates): BigInt stats would give
 * nanoseconds, but allocate 1.4 KB a file, a young-generation GC per 10,000 files.
 */
export interface Fingerprint { size: number; mtimeMs: number; ino: number; ctimeMs: number }

/** The fingerprint of a file from its stat. */
export function fingerprintOf(stats: Stats): Fingerprint {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino, ctimeMs: stats.ctimeMs };
}

/** True when two fingerprints are the same. */
export function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.ctimeMs === b.ctimeMs;
}

/** `mtimeMs` as `fs.Stats` computes it (seconds * 1e3 + nanoseconds / 1e6) from a stored nanosecond count (v1, v2). */
function msOfNs(ns: string): number {
  const total = BigInt(ns);
  return Number(total / 1_000_000_000n) * 1e3 + Number(total % 1_000_000_000n) / 1e6;
}

/**
 * The index as stored: one array per field, a row per file (v3; v2 kept nanosecond
 * mtimes as strings, v1 an object per file), and records other code keeps about the
 * folder (see {@link StatIndex.recall}).
 */
interface Columns {
  files: string[];
  /** Typed arrays as decoded (changed in place), plain arrays once rows are added. */
  size: number[] | Float64Array;
  mtimeMs: number[] | Float64Array;
  ino: number[] | Float64Array;
  ctimeMs: number[] | Float64Array;
  checksum: string[];
  records?: Record<string, unknown>;
  /** `records` as stored, while they have not changed since. */
  recordsJson?: Buffer;
  /** `files` as stored (NUL-joined UTF-8), while no row has been added, dropped or moved since. */
  filesBlock?: Buffer;
}

function emptyColumns(): Columns {
  return { files: [], size: [], mtimeMs: [], ino: [], ctimeMs: [], checksum: [] };
}

/**
 * The rows of `files` that `columns` holds (`rowOf`), in that order. A function of its
 * own, so that V8 optimises this loop, not {@link StatIndex.retain} (which a republish
 * calls once and leaves at once).
 */
function rowsOf(columns: Columns, files: readonly string[], rowOf: (file: string) => number | undefined): Columns {
  const kept = emptyColumns();
  for (const file of files) {
    const row = rowOf(file);
    if (row !== undefined) {
      pushRow(kept, file, { size: columns.size[row]!, mtimeMs: columns.mtimeMs[row]!, ino: columns.ino[row]!, ctimeMs: columns.ctimeMs[row]! }, columns.checksum[row]!);
    }
  }
  return kept;
}

/** Adds a row to columns with plain number arrays (see {@link thaw}). */
function pushRow(columns: Columns, file: string, fingerprint: Fingerprint, checksum: string): void {
  columns.files.push(file);
  (columns.size as number[]).push(fingerprint.size);
  (columns.mtimeMs as number[]).push(fingerprint.mtimeMs);
  (columns.ino as number[]).push(fingerprint.ino);
  (columns.ctimeMs as number[]).push(fingerprint.ctimeMs);
  columns.checksum.push(checksum);
}

/** Turns typed number columns (as decoded) into plain arrays, which rows can be added to. */
function thaw(columns: Columns): void {
  for (const key of ["size", "mtimeMs", "ino", "ctimeMs"] as const) {
    const col = columns[key];
    if (!Array.isArray(col)) columns[key] = plainNumbers(col);
  }
}

/** Columns of a stored JSON index (v1 to v3); throws when the content is not an index. */
function columnsOf(data: unknown): Columns {
  const stored = data as { version?: number; files?: unknown; mtimeNs?: unknown } & Partial<Columns>;
  if (stored.version === 3 || stored.version === 2) {
    const { files, size, ino, checksum, records } = stored;
    const mtime = stored.version === 3 ? stored.mtimeMs : stored.mtimeNs;
    const n = Array.isArray(files) ? files.length : -1;
    if (n < 0 || [size, mtime, ino, checksum].some((c) => !Array.isArray(c) || c.length !== n)) throw new Error("bad columns");
    const typed = (c: unknown, type: "string" | "number") => (c as unknown[]).every((v) => typeof v === type);
    if (!typed(files, "string") || !typed(mtime, stored.version === 3 ? "number" : "string") || !typed(checksum, "string") || !typed(size, "number") || !typed(ino, "number")) {
      throw new Error("bad values");
    }
    (files as string[]).forEach((f) => checkNoSeparator(f, "file name"));
    (checksum as string[]).forEach((c) => checkNoSeparator(c, "checksum"));
    const mtimeMs = stored.version === 3 ? (mtime as number[]) : (mtime as string[]).map(msOfNs);
    const plain = records !== null && typeof records === "object" && !Array.isArray(records);
    const ctimeMs = new Array<number>(n).fill(NaN); // not kept: the rows match no file until read again
    return { files: files as string[], size: size!, mtimeMs, ino: ino!, ctimeMs, checksum: checksum!, records: plain ? records : {} };
  }
  if (stored.version === 1 && stored.files && typeof stored.files === "object") {
    const columns = emptyColumns();
    type V1Entry = { size: number; mtimeNs: string; ino: number; checksum: string };
    for (const [file, e] of Object.entries(stored.files as unknown as Record<string, V1Entry>)) {
      checkNoSeparator(file, "file name");
      checkNoSeparator(e.checksum, "checksum");
      pushRow(columns, file, { size: e.size, mtimeMs: msOfNs(e.mtimeNs), ino: e.ino, ctimeMs: NaN }, e.checksum);
    }
    return columns;
  }
  throw new Error("unknown version");
}

interface Block { offset: number; length: number }
type BlockName = "size" | "mtimeMs" | "ino" | "ctimeMs" | "files" | "checksums" | "records";
interface Meta { rows: number; blocks: Record<BlockName, Block> }

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** Throws naming a file name or checksum that holds a NUL, the stored format's separator (it would shift every later row). */
function checkNoSeparator(value: string, what: string): void {
  if (value.includes(SEP)) throw new Error(`stat index: ${what} ${JSON.stringify(value)} holds a NUL character`);
}

/** The index in our binary format (v4), written straight into one buffer. */
function encode(c: Columns): Buffer {
  const rows = c.files.length;
  // Rows hold no NUL: loaded ones were split at NULs, the JSON ones and remembered ones are checked.
  const files = c.filesBlock ?? Buffer.from(c.files.join(SEP), "utf8");
  const checksums = c.checksum.join(SEP);
  const records = c.recordsJson ?? Buffer.from(JSON.stringify(c.records ?? {}), "utf8");
  const f64 = rows * 8;
  const filesLength = files.length;
  const checksumsLength = Buffer.byteLength(checksums, "utf8");
  const blocks: Record<BlockName, Block> = {
    size: { offset: 0, length: f64 },
    mtimeMs: { offset: f64, length: f64 },
    ino: { offset: 2 * f64, length: f64 },
    ctimeMs: { offset: 3 * f64, length: f64 },
    files: { offset: 4 * f64, length: filesLength },
    checksums: { offset: 4 * f64 + filesLength, length: checksumsLength },
    records: { offset: 4 * f64 + filesLength + checksumsLength, length: records.length },
  };
  const meta: Meta = { rows, blocks };
  const header = framedHeader(MAGIC, meta);
  const buf = Buffer.allocUnsafeSlow(header.length + blocks.records.offset + records.length); // every byte is written below
  header.copy(buf, 0);
  const numbers = new Float64Array(buf.buffer, buf.byteOffset + header.length, rows * 4); // the header ends 8-byte aligned
  numbers.set(c.size, 0);
  numbers.set(c.mtimeMs, rows);
  numbers.set(c.ino, 2 * rows);
  numbers.set(c.ctimeMs, 3 * rows);
  files.copy(buf, header.length + blocks.files.offset);
  buf.write(checksums, header.length + blocks.checksums.offset, "utf8");
  records.copy(buf, header.length + blocks.records.offset);
  return buf;
}

/** Columns of an index in our binary format; throws when `buf` is not one or is cut short. */
function decode(buf: Buffer): Columns {
  const v4 = readFramedHeader(buf, MAGIC_V4);
  const framed = v4 ?? readFramedHeader(buf, MAGIC);
  if (!framed) throw new Error("not a stat index");
  const { rows, blocks } = (isPlainObject(framed.meta) ? framed.meta : {}) as Partial<Meta>;
  if (!isCount(rows) || !isPlainObject(blocks)) throw new Error("bad header");
  const slice = (name: BlockName): Buffer => {
    const { offset, length } = (blocks[name] ?? {}) as Partial<Block>;
    if (!isCount(offset) || !isCount(length)) throw new Error(`bad block ${name}`);
    const start = framed.bodyStart + offset;
    if (start + length > buf.length) throw new Error("cut short");
    return buf.subarray(start, start + length);
  };
  const numbers = (name: BlockName): Float64Array => {
    const bytes = aligned(slice(name));
    if (bytes.length !== rows * 8) throw new Error(`bad block ${name}`);
    return new Float64Array(bytes.buffer, bytes.byteOffset, rows);
  };
  const strings = (name: BlockName): string[] => {
    const values = rows === 0 ? [] : slice(name).toString("utf8").split(SEP);
    if (values.length !== rows) throw new Error(`bad block ${name}`);
    return values;
  };
  const recordsJson = slice("records");
  const records: unknown = JSON.parse(recordsJson.toString("utf8"));
  if (!isPlainObject(records)) throw new Error("bad block records");
  return {
    files: strings("files"), size: numbers("size"), mtimeMs: numbers("mtimeMs"), ino: numbers("ino"),
    ctimeMs: v4 ? new Float64Array(rows).fill(NaN) : numbers("ctimeMs"), checksum: strings("checksums"),
    records, recordsJson, filesBlock: slice("files"),
  };
}

/** Reads the index of `root`: the binary file, else the legacy JSON one (`legacy`: it was there); throws when unreadable. */
function readColumns(root: string): { columns: Columns; legacy: boolean } {
  let buf: Buffer;
  try {
    // A blocking read: the publish waits for it anyway, and it saves five thread-pool round trips.
    buf = readFileSync(join(root, STAT_INDEX_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    const json = readFileSync(join(root, LEGACY_STAT_INDEX_FILE), "utf8");
    let columns: Columns;
    try {
      columns = columnsOf(JSON.parse(json));
    } catch {
      columns = emptyColumns();
    }
    return { columns, legacy: true };
  }
  return { columns: decode(buf), legacy: false };
}

/** True when `rows` are files of `files` in the same order (perhaps with others between them). */
function inOrderWithin(rows: readonly string[], files: readonly string[]): boolean {
  let j = 0;
  for (let r = 0; r < rows.length; r++, j++) {
    while (j < files.length && files[j] !== rows[r]) j++;
    if (j === files.length) return false;
  }
  return true;
}

/**
 * Remembers the checksum of each file of a database folder by its {@link Fingerprint}, so a
 * republish does not re-hash files that did not change (the trade-off git's index makes).
 * Rows are kept in the order of the database's files ({@link retain}), so a caller going
 * through them in that order can give each lookup its row as a hint: then no map of all
 * file names is built, which a republish of 10,000 files would otherwise pay for first.
 */
export class StatIndex {
  /** Row by file name, built on the first lookup without a (right) hint. */
  private byName: Map<string, number> | undefined;
  /**
   * Rows a hint found in place, and how many: hints are positions in the list later given
   * to {@link retain}, so when every row was, the index is in that list's order already.
   */
  private confirmed: Uint8Array;
  private confirmedCount = 0;
  /** Rows found through a hint whose file had changed: the ones that will be remembered. */
  private readonly hinted = new Map<string, number>();
  private dirty: boolean;

  /** `legacy`: the index was read from {@link LEGACY_STAT_INDEX_FILE}, which the next save replaces. */
  private constructor(private readonly root: string, private readonly columns: Columns, private legacy: boolean) {
    this.dirty = legacy;
    this.confirmed = new Uint8Array(columns.files.length);
  }

  /**
   * Loads the index of `root` ({@link STAT_INDEX_FILE}, else {@link LEGACY_STAT_INDEX_FILE});
   * an absent or unreadable index is empty.
   */
  static async load(root: string): Promise<StatIndex> {
    try {
      const { columns, legacy } = readColumns(root);
      return new StatIndex(root, columns, legacy);
    } catch {
      return new StatIndex(root, emptyColumns(), false);
    }
  }

  /** The files the index remembers, by row. */
  get files(): readonly string[] {
    return this.columns.files;
  }

  /** The row of `file`, if the index remembers it; `hint`: where it probably is, its position in the list later given to {@link retain}. */
  rowOf(file: string, hint?: number): number | undefined {
    if (hint !== undefined && this.columns.files[hint] === file) {
      if (this.confirmed[hint] === 0) {
        this.confirmed[hint] = 1;
        this.confirmedCount++;
      }
      return hint;
    }
    const hinted = this.hinted.get(file);
    if (hinted !== undefined) return hinted;
    if (!this.byName) {
      this.byName = new Map();
      const files = this.columns.files;
      for (let row = 0; row < files.length; row++) this.byName.set(files[row]!, row);
    }
    return this.byName.get(file);
  }

  /**
   * The remembered checksum of `file` (relative path) if it is unchanged and of
   * `algorithm`'s length. Blocking: one `stat` costs a few microseconds, far less than a
   * promise round trip through libuv's pool, and a republish looks up every file. `now`
   * gives the file's current fingerprint when it is known already (undefined: missing or
   * not a regular file); `hint` the row the file probably has.
   */
  lookup(file: string, length: number, now: () => Fingerprint | undefined = () => this.stat(file), hint?: number): string | undefined {
    const row = this.rowOf(file, hint);
    if (row === undefined || this.columns.checksum[row]!.length !== length) return undefined;
    const current = now();
    return current && this.checksumIfSame(file, row, current.size, current.mtimeMs, current.ino, current.ctimeMs);
  }

  /** {@link lookup} with the file's current size, mtime, inode and ctime at hand: no object per file (a republish asks for every file). */
  lookupStat(file: string, length: number, size: number, mtimeMs: number, ino: number, ctimeMs: number, hint?: number): string | undefined {
    const row = this.rowOf(file, hint);
    if (row === undefined || this.columns.checksum[row]!.length !== length) return undefined;
    return this.checksumIfSame(file, row, size, mtimeMs, ino, ctimeMs);
  }

  private checksumIfSame(file: string, row: number, size: number, mtimeMs: number, ino: number, ctimeMs: number): string | undefined {
    const c = this.columns;
    if (size === c.size[row] && mtimeMs === c.mtimeMs[row] && ino === c.ino[row] && ctimeMs === c.ctimeMs[row]) return c.checksum[row];
    if (!this.byName) this.hinted.set(file, row);
    return undefined;
  }

  private stat(file: string): Fingerprint | undefined {
    const stats = statSync(join(this.root, file), { throwIfNoEntry: false });
    return stats && fingerprintOf(stats);
  }

  /** Records the checksum of `file` as of its current stat. */
  remember(file: string, checksum: string): void {
    this.rememberAs(file, fingerprintOf(statSync(join(this.root, file))), checksum);
  }

  /** Records the checksum of `file` as of the stat `fingerprint` taken before it was read. */
  rememberAs(file: string, fingerprint: Fingerprint, checksum: string): void {
    checkNoSeparator(file, "file name");
    checkNoSeparator(checksum, "checksum");
    const c = this.columns;
    let row = this.rowOf(file);
    if (row === undefined) {
      thaw(c);
      c.filesBlock = undefined;
      row = c.files.push(file) - 1;
      this.byName!.set(file, row); // rowOf built it
    }
    c.size[row] = fingerprint.size;
    c.mtimeMs[row] = fingerprint.mtimeMs;
    c.ino[row] = fingerprint.ino;
    c.ctimeMs[row] = fingerprint.ctimeMs;
    c.checksum[row] = checksum;
    this.dirty = true;
  }

  /**
   * Keeps only the files in `files` (those of the database as now published, each once),
   * in that order: the next publish, going through them in the same order, finds each row
   * where it expects it. Costs one pass when nothing changes.
   */
  retain(files: readonly string[]): void {
    const c = this.columns;
    if (this.confirmedCount === c.files.length || inOrderWithin(c.files, files)) return;
    Object.assign(c, rowsOf(c, files, (file) => this.rowOf(file)), { filesBlock: undefined }); // the records stay
    this.byName = undefined;
    this.hinted.clear();
    this.confirmed = new Uint8Array(c.files.length);
    this.confirmedCount = 0;
    this.dirty = true;
  }

  /** What was kept under `key` with {@link keep} (by this or an earlier publish), if anything. */
  recall(key: string): unknown {
    return this.columns.records?.[key];
  }

  /** Keeps `value` (JSON) under `key` with the index, for the next publish. */
  keep(key: string, value: unknown): void {
    (this.columns.records ??= {})[key] = value;
    this.columns.recordsJson = undefined;
    this.dirty = true;
  }

  /** Writes the index (temp + rename) if it changed, and removes a legacy JSON index. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const data = encode(this.columns);
    await writeAtomically(join(this.root, STAT_INDEX_FILE), (temp) => writeFile(temp, data));
    if (this.legacy) await rm(join(this.root, LEGACY_STAT_INDEX_FILE), { force: true });
    this.dirty = false;
    this.legacy = false;
  }
}
