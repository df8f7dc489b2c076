import { AudbError } from "../errors.js";
import { plainNumbers } from "./typed-views.js";

/** Kind of a file in the dependency table (audb's `define.DEPENDENCY_TYPE`). */
export const DependencyType = { meta: 0, media: 1, attachment: 2 } as const;
export type DependencyType = (typeof DependencyType)[keyof typeof DependencyType];

/** Finds the row of a file without a Map over all files (see dependencies-compact.ts). */
export interface FileIndex {
  find(file: string): number | undefined;
}

/** A file that the dependency table does not hold. */
export class MissingDependencyError extends AudbError {}
/** A dependency table that cannot be parsed. */
export class DependencyTableError extends AudbError {}

/** One row of the dependency table. */
export interface DependencyRow {
  file: string;
  archive: string;
  bitDepth: number;
  channels: number;
  checksum: string;
  duration: number;
  format: string;
  removed: boolean;
  samplingRate: number;
  type: DependencyType;
  version: string;
}

/** The id of table file `db.<id>.csv` / `db.<id>.parquet`. */
export function tableIdOf(file: string): string {
  return file.replace(/^db\./, "").replace(/\.(csv|parquet)$/, "");
}

/** Column names of audb's dependency table, in order (the file is the index). */
export const DEPENDENCY_COLUMNS = [
  "archive",
  "bit_depth",
  "channels",
  "checksum",
  "duration",
  "format",
  "removed",
  "sampling_rate",
  "type",
  "version",
] as const;

/** A numeric column: a plain array, or a typed array as decoded from our cache (copied on first change). */
export type NumberColumn = number[] | Int32Array | Float64Array | Uint8Array;

/** The columns of a dependency table, one array per column, rows in table order. */
export interface DependencyColumns {
  file: string[];
  archive: string[];
  bitDepth: NumberColumn;
  channels: NumberColumn;
  checksum: string[];
  duration: NumberColumn;
  format: string[];
  removed: NumberColumn;
  samplingRate: NumberColumn;
  type: NumberColumn;
  version: string[];
}

const NUMBER_COLUMNS = ["bitDepth", "channels", "duration", "removed", "samplingRate", "type"] as const;

/** The string columns, whose encoded form a decoder can keep (see `Dependencies.keepEncoded`). */
export type EncodedColumn = "file" | "archive" | "checksum" | "format" | "version";

/**
 * The `db.csv` a table was written as: its bytes, and where each row's line starts (one
 * more entry: the end). Rows not changed since can be written again by copying their line.
 */
export interface CsvSource {
  bytes: Uint8Array;
  lineStarts: Uint32Array;
}

/**
 * Writes the numbers of `row` at `i` in place; false when a typed column (from our cache)
 * could not hold one exactly. Column by column, not through one keyed helper: that is
 * megamorphic, and a republish sets its rows before V8 has optimised anything.
 */
function putNumbers(c: DependencyColumns, i: number, row: DependencyRow): boolean {
  const removed = row.removed ? 1 : 0;
  c.bitDepth[i] = row.bitDepth;
  c.channels[i] = row.channels;
  c.duration[i] = row.duration;
  c.removed[i] = removed;
  c.samplingRate[i] = row.samplingRate;
  c.type[i] = row.type;
  return c.bitDepth[i] === row.bitDepth && c.channels[i] === row.channels && c.duration[i] === row.duration
    && c.removed[i] === removed && c.samplingRate[i] === row.samplingRate && c.type[i] === row.type;
}

function emptyColumns(): DependencyColumns {
  return {
    file: [], archive: [], bitDepth: [], channels: [], checksum: [], duration: [],
    format: [], removed: [], samplingRate: [], type: [], version: [],
  };
}

/**
 * audb's dependency table: for every file of a database version (tables, media,
 * attachments) its archive, audio properties, checksum and the version that last
 * uploaded it. Stored column-wise; lookups by file are O(1).
 */
export class Dependencies {
  private cols: DependencyColumns;
  private indexCache: Map<string, number> | undefined;
  /** A prebuilt index (from our cache file), valid until rows are added or dropped. */
  private fileIndex: FileIndex | undefined;
  /** The CSV the rows were written as, and which of them changed since (rows past its end are new); dropped with any row. */
  private csv: { source: CsvSource; changed: Uint8Array } | undefined;
  /** String columns as a decoder read them (encoded, opaque here), each kept while the column does not change. */
  private encoded: Map<EncodedColumn, unknown> | undefined;

  /**
   * `columns` must have equal lengths; `trusted` skips that check for columns a decoder
   * has checked itself (and keeps lazily decoded columns undecoded).
   */
  constructor(columns?: DependencyColumns, options: { trusted?: boolean; fileIndex?: FileIndex } = {}) {
    this.cols = columns ?? emptyColumns();
    this.fileIndex = options.fileIndex;
    if (options.trusted) return;
    const n = this.cols.file.length;
    for (const [name, col] of Object.entries(this.cols) as [string, ArrayLike<unknown>][]) {
      if (col.length !== n) throw new DependencyTableError(`dependency column '${name}' has ${col.length} rows, expected ${n}`);
    }
  }

  /** Turns typed number columns (from our cache) into plain arrays, before rows are added or a value does not fit. */
  private thaw(): void {
    for (const key of NUMBER_COLUMNS) {
      const col = this.cols[key];
      if (!Array.isArray(col)) this.cols[key] = plainNumbers(col);
    }
  }

  /**
   * Ties the table to the `db.csv` it was written as (same rows, same order), so that
   * `dependenciesToCsvBytes` copies the lines of rows that do not change. Ignored when
   * the number of lines does not match.
   */
  attachCsv(source: CsvSource): void {
    if (source.lineStarts.length !== this.length + 1) return;
    this.csv = { source, changed: new Uint8Array(this.length) };
  }

  /** The CSV attached with {@link attachCsv}, and which rows changed since, while it still applies. */
  get csvSource(): { source: CsvSource; changed: Uint8Array } | undefined {
    return this.csv;
  }

  /**
   * Keeps the encoded bytes a decoder read string column `name` from, so that an encoder
   * can write them again as they are; forgotten as soon as the column changes.
   */
  keepEncoded(name: EncodedColumn, encoded: unknown): void {
    (this.encoded ??= new Map()).set(name, encoded);
  }

  /** What {@link keepEncoded} kept of column `name`, if it has not changed since. */
  encodedColumn(name: EncodedColumn): unknown {
    return this.encoded?.get(name);
  }

  /** Forgets the encoded bytes of the string columns of row `i` that `row` changes. */
  private forgetChangedEncodings(i: number, row: DependencyRow): void {
    const encoded = this.encoded;
    if (!encoded) return;
    const c = this.cols;
    if (encoded.has("archive") && c.archive[i] !== row.archive) encoded.delete("archive");
    if (encoded.has("checksum") && c.checksum[i] !== row.checksum) encoded.delete("checksum");
    if (encoded.has("format") && c.format[i] !== row.format) encoded.delete("format");
    if (encoded.has("version") && c.version[i] !== row.version) encoded.delete("version");
  }

  private touch(row: number): void {
    if (this.csv && row < this.csv.changed.length) this.csv.changed[row] = 1;
  }

  /** The raw columns (read-only use). */
  get columns(): Readonly<DependencyColumns> {
    return this.cols;
  }

  private get index(): Map<string, number> {
    if (!this.indexCache) {
      const map = new Map<string, number>();
      const files = this.cols.file;
      for (let i = 0; i < files.length; i++) map.set(files[i]!, i);
      if (map.size !== files.length) {
        const twice = files.find((f, i) => map.get(f) !== i);
        throw new DependencyTableError(`dependency table lists '${twice}' twice`);
      }
      this.indexCache = map;
    }
    return this.indexCache;
  }

  /** Number of rows (read from a numeric column: the file column may still be undecoded). */
  get length(): number {
    return this.cols.type.length;
  }

  private find(file: string): number | undefined {
    return this.fileIndex ? this.fileIndex.find(file) : this.index.get(file);
  }

  /**
   * The position of `file`'s row (for reading {@link columns}), if the table has one.
   * A right `hint` (the position the caller expects, e.g. the row after the previous
   * file's) answers without the lookup, which builds a map of all files on first use.
   */
  rowOf(file: string, hint?: number): number | undefined {
    if (hint !== undefined && hint >= 0 && this.cols.file[hint] === file) return hint;
    return this.find(file);
  }

  /** True when the table has a row for `file`. */
  has(file: string): boolean {
    return this.find(file) !== undefined;
  }

  private row(file: string): number {
    const i = this.find(file);
    if (i === undefined) throw new MissingDependencyError(`'${file}' is not in the dependency table`);
    return i;
  }

  /** The full row of `file`. */
  get(file: string): DependencyRow {
    return this.rowAt(this.row(file));
  }

  /** The row at position `i`. */
  rowAt(i: number): DependencyRow {
    const c = this.cols;
    return {
      file: c.file[i]!, archive: c.archive[i]!, bitDepth: c.bitDepth[i]!, channels: c.channels[i]!,
      checksum: c.checksum[i]!, duration: c.duration[i]!, format: c.format[i]!, removed: c.removed[i] === 1,
      samplingRate: c.samplingRate[i]!, type: c.type[i] as DependencyType, version: c.version[i]!,
    };
  }

  /** All rows in table order. */
  *rows(): IterableIterator<DependencyRow> {
    for (let i = 0; i < this.length; i++) yield this.rowAt(i);
  }

  archive(file: string): string { return this.cols.archive[this.row(file)]!; }
  bitDepth(file: string): number { return this.cols.bitDepth[this.row(file)]!; }
  channels(file: string): number { return this.cols.channels[this.row(file)]!; }
  checksum(file: string): string { return this.cols.checksum[this.row(file)]!; }
  duration(file: string): number { return this.cols.duration[this.row(file)]!; }
  format(file: string): string { return this.cols.format[this.row(file)]!; }
  removed(file: string): boolean { return this.cols.removed[this.row(file)] === 1; }
  samplingRate(file: string): number { return this.cols.samplingRate[this.row(file)]!; }
  type(file: string): DependencyType { return this.cols.type[this.row(file)] as DependencyType; }
  version(file: string): string { return this.cols.version[this.row(file)]!; }

  /** Number of rows of the given type (removed media included). */
  countOf(kind: DependencyType): number {
    return this.rowsOfType(kind).length;
  }

  /** Files of the given type (and removed flag), in table order. */
  private filesOfType(kind: DependencyType, removed?: 0 | 1): string[] {
    const { removed: removedColumn, file } = this.cols;
    const out: string[] = [];
    for (const i of this.rowsOfType(kind)) if (removed === undefined || removedColumn[i] === removed) out.push(file[i]!);
    return out;
  }

  /** Position of the first row of the given type, or -1 (a native scan). */
  firstRowOfType(kind: DependencyType): number {
    return this.cols.type.indexOf(kind);
  }

  /**
   * Positions of the rows of the given type, in table order. A native scan finds each run
   * of rows of the type, and a loop follows the run: the few tables and attachments of a
   * large table are found without a loop over all rows (which a republish runs before V8
   * has optimised it, and which V8 then compiles on a background thread).
   */
  rowsOfType(kind: DependencyType): number[] {
    const { type } = this.cols;
    const out: number[] = [];
    for (let i = type.indexOf(kind); i >= 0; i = type.indexOf(kind, i + 1)) {
      out.push(i);
      while (type[i + 1] === kind) out.push(++i);
    }
    return out;
  }

  /** Every file. */
  get files(): string[] { return [...this.cols.file]; }
  /** Media files, including removed ones. */
  get media(): string[] { return this.filesOfType(DependencyType.media); }
  /** Media files marked as removed. */
  get removedMedia(): string[] {
    return this.filesOfType(DependencyType.media, 1);
  }
  /** Table files (`db.<id>.csv` / `db.<id>.parquet`). */
  get tables(): string[] { return this.filesOfType(DependencyType.meta); }
  /** Table ids. */
  get tableIds(): string[] { return this.tables.map(tableIdOf); }
  /** Attachment paths. */
  get attachments(): string[] { return this.filesOfType(DependencyType.attachment); }
  /** Attachment ids (stored in the archive column). */
  get attachmentIds(): string[] {
    return this.rowsOfType(DependencyType.attachment).map((i) => this.cols.archive[i]!);
  }
  /** Distinct archive names, sorted. */
  get archives(): string[] { return [...new Set(this.cols.archive)].sort(); }

  /** Adds a row, or replaces the row of the same file in place (at `hint`, if that is its position: see {@link rowOf}). */
  set(row: DependencyRow, hint?: number): void {
    const c = this.cols;
    let i = this.rowOf(row.file, hint);
    if (i === undefined) {
      this.thaw();
      this.fileIndex = undefined;
      this.encoded = undefined;
      const index = this.index;
      i = c.file.length;
      c.file.push(row.file);
      index.set(row.file, i);
    }
    else this.forgetChangedEncodings(i, row);
    c.archive[i] = row.archive; c.checksum[i] = row.checksum; c.format[i] = row.format; c.version[i] = row.version;
    if (!putNumbers(c, i, row)) {
      this.thaw();
      putNumbers(c, i, row);
    }
    this.touch(i);
  }

  /** Writes a number in place; a typed column that cannot hold it exactly becomes a plain array first. */
  private put(key: (typeof NUMBER_COLUMNS)[number], i: number, value: number): void {
    this.cols[key][i] = value;
    if (this.cols[key][i] === value) return;
    this.thaw();
    this.cols[key][i] = value;
  }

  /** Sets the version of the given files. */
  setVersion(files: Iterable<string>, version: string): void {
    for (const f of files) {
      const i = this.row(f);
      if (this.cols.version[i] !== version) this.encoded?.delete("version");
      this.cols.version[i] = version;
      this.touch(i);
    }
  }

  /** Marks a media file as removed. */
  markRemoved(file: string): void {
    const i = this.row(file);
    this.put("removed", i, 1);
    this.touch(i);
  }

  /** Drops the rows of the given files (missing ones are ignored). */
  drop(files: Iterable<string>): void {
    const gone = new Set(files);
    if (gone.size === 0) return;
    const keep: number[] = [];
    for (let i = 0; i < this.length; i++) if (!gone.has(this.cols.file[i]!)) keep.push(i);
    if (keep.length === this.length) return;
    const next = emptyColumns();
    for (const key of Object.keys(next) as (keyof DependencyColumns)[]) {
      const src = this.cols[key] as ArrayLike<unknown>;
      (next[key] as unknown[]) = keep.map((i) => src[i]);
    }
    this.cols = next;
    this.indexCache = undefined;
    this.fileIndex = undefined;
    this.csv = undefined;
    this.encoded = undefined;
  }

  /** A deep copy. */
  clone(): Dependencies {
    const next = emptyColumns();
    for (const key of Object.keys(next) as (keyof DependencyColumns)[]) {
      (next[key] as unknown[]) = Array.from(this.cols[key] as ArrayLike<unknown>);
    }
    return new Dependencies(next);
  }

  /** True when both tables hold the same rows (order ignored, as audb sorts on compare). */
  equals(other: Dependencies): boolean {
    if (other.length !== this.length) return false;
    for (const row of this.rows()) {
      if (!other.has(row.file)) return false;
      const o = other.get(row.file);
      for (const key of Object.keys(row) as (keyof DependencyRow)[]) {
        if (key === "duration" ? Math.abs(o.duration - row.duration) > 1e-9 : o[key] !== row[key]) return false;
      }
    }
    return true;
  }
}
